use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{responses, ApiError};
use crate::routes::extract::NoParams;
use crate::routes::{ApiQuery, Db};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
}

/// The process is up and serving HTTP.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz(_: ApiQuery<NoParams>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health { status: "ok" })
}

/// The database answers: this instance can serve requests.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Health),
        responses::Unavailable
    )
)]
#[get("/readyz")]
pub async fn readyz(db: Db, _: ApiQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    db.run(|conn| {
        crate::with_conn!(conn, c => diesel::connection::SimpleConnection::batch_execute(c, "SELECT 1"))
            .map_err(|e| {
                tracing::warn!(error = %e, "readiness check failed");
                ApiError::Unavailable("the database does not answer".into())
            })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health { status: "ok" }))
}

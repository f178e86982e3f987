use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{responses, ApiError};
use crate::metrics::Metrics;
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

/// Who may read `/metrics`: anyone, or only with this bearer token
/// (`NASHR_METRICS_TOKEN`).
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    pub token: Option<String>,
}

/// This instance's metrics in the Prometheus text format: requests by route
/// template and status, latency histograms, the database pool (in use,
/// idle, waiting), query times, uploads, failed logins and rate-limited
/// requests. Each instance answers for itself; scrape every one. With
/// `NASHR_METRICS_TOKEN` set, it needs `Authorization: Bearer <that token>`.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        responses::Unauthorized
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    db: Db,
    metrics: web::Data<Metrics>,
    access: web::Data<MetricsAccess>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &access.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(crate::routes::principal::bearer)
            .unwrap_or("");
        if !crate::auth::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::Unauthorized(
                "the metrics need the token set in NASHR_METRICS_TOKEN".into(),
            ));
        }
    }
    let queue = db.run(|conn| Ok(crate::repo::webhooks::queue(conn)?)).await;
    if let Ok(queue) = queue {
        let age = queue
            .oldest_pending
            .map_or(0, |t| (crate::domain::now() - t).num_seconds().max(0));
        metrics.webhook_queue(&queue.by_status, age);
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(metrics.render()))
}

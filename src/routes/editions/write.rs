//! Writing language editions over HTTP (admins): the requests, and
//! handlers that hand them to [`crate::content::editions`].

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::editions::{self, EditionEdit, NewEdition};
use crate::db::Conn;
use crate::domain::access::Scope;
use crate::domain::Direction;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::editions::EditionResponse;
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::{found, ApiQuery, Db};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEditionRequest {
    /// BCP 47 language code: `ku`, `pt-BR`.
    #[schema(pattern = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    pub code: String,
    /// Name in English.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Name in the edition's own language.
    #[schema(min_length = 1, max_length = 100)]
    pub native_name: String,
    pub direction: Direction,
    /// Make it the default edition (the previous default stops being it).
    pub is_default: Option<bool>,
    /// Display order.
    pub position: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEditionRequest {
    pub name: Option<String>,
    pub native_name: Option<String>,
    pub direction: Option<Direction>,
    /// `true` makes it the default; there is always at most one.
    pub is_default: Option<bool>,
    pub position: Option<i32>,
}

impl From<CreateEditionRequest> for NewEdition {
    fn from(r: CreateEditionRequest) -> Self {
        NewEdition {
            code: r.code,
            name: r.name,
            native_name: r.native_name,
            direction: r.direction,
            is_default: r.is_default,
            position: r.position,
        }
    }
}

impl From<UpdateEditionRequest> for EditionEdit {
    fn from(r: UpdateEditionRequest) -> Self {
        EditionEdit {
            name: r.name,
            native_name: r.native_name,
            direction: r.direction,
            is_default: r.is_default,
            position: r.position,
        }
    }
}

fn edition_reply(conn: &mut Conn, code: &str) -> Result<(EditionResponse, i32), ApiError> {
    let editions = repo::editions::all(conn)?;
    let edition = found(editions.by_code(code), "edition")?;
    Ok((EditionResponse::from(edition), edition.revision))
}

/// Add a language edition (admins).
#[utoipa::path(
    tag = "editions",
    request_body = CreateEditionRequest,
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, description = "The edition", body = EditionResponse,
         headers(("Location" = String, description = "The edition's URL"), ("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/editions")]
pub async fn create_edition(
    db: Db,
    principal: Principal,
    ApiJson(body): ApiJson<CreateEditionRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let (view, revision) = db
        .run(move |conn| {
            let code = editions::create(conn, body.into())?;
            edition_reply(conn, &code)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/editions/{}", view.code)))
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Update an edition (admins). Its code cannot change.
#[utoipa::path(
    tag = "editions",
    params(("code" = String, Path, description = "Edition code"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateEditionRequest,
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The updated edition", body = EditionResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/editions/{code}")]
pub async fn update_edition(
    db: Db,
    principal: Principal,
    code: web::Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateEditionRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let code = code.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            editions::update(conn, &code, &if_match, body.into())?;
            edition_reply(conn, &code)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Remove an edition that holds no content (admins); otherwise 409.
#[utoipa::path(
    tag = "editions",
    params(("code" = String, Path, description = "Edition code"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Removed"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Conflict, responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/editions/{code}")]
pub async fn delete_edition(
    db: Db,
    principal: Principal,
    code: web::Path<String>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let code = code.into_inner();
    db.run(move |conn| Ok(editions::delete(conn, &code, &if_match)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

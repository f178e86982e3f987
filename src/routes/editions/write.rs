//! Writing language editions (admins).

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::changes::{self, Resource, Watch};
use crate::content::checks;
use crate::db::Conn;
use crate::domain::access::Scope;
use crate::domain::{self, Direction};
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::editions::{EditionChanges, Editions, NewEdition};
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

fn check_code(errors: &mut FieldErrors, code: &str) {
    let mut parts = code.split('-');
    let lang = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        errors.add(
            "code",
            "must be a BCP 47 code such as `fa`, `sq` or `pt-BR`",
        );
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
    let code = body.code.trim().to_string();
    let reply_code = code.clone();
    let (view, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let mut errors = FieldErrors::default();
                check_code(&mut errors, &code);
                let name = checks::name(&mut errors, "name", &body.name, 1, 100);
                let native_name =
                    checks::name(&mut errors, "native_name", &body.native_name, 1, 100);
                let editions = repo::editions::all(conn)?;
                if editions.by_code(&code).is_some() {
                    errors.add("code", "is already an edition");
                }
                errors.check()?;
                let is_default = body.is_default.unwrap_or(false) || editions.0.is_empty();
                if is_default {
                    clear_default(conn, &editions)?;
                }
                let now = domain::now();
                changes::tracking(conn, Resource::Edition, None, |conn| {
                    repo::editions::insert(
                        conn,
                        &NewEdition {
                            code: &code,
                            name: &name,
                            native_name: &native_name,
                            direction: body.direction.as_str(),
                            is_default,
                            position: body.position.unwrap_or(editions.0.len() as i32),
                            created_at: now,
                            updated_at: now,
                        },
                    )
                })?;
                Ok::<_, ApiError>(())
            })?;
            edition_reply(conn, &code)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/editions/{reply_code}")))
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
            conn.transaction(|conn| {
                let editions = repo::editions::all(conn)?;
                let current = found(editions.by_code(&code), "edition")?.clone();
                if_match.check(current.revision)?;
                let mut errors = FieldErrors::default();
                let name = body
                    .name
                    .as_deref()
                    .map(|n| checks::name(&mut errors, "name", n, 1, 100));
                let native_name = body
                    .native_name
                    .as_deref()
                    .map(|n| checks::name(&mut errors, "native_name", n, 1, 100));
                if body.is_default == Some(false) && current.is_default {
                    errors.add("is_default", "make another edition the default instead");
                }
                errors.check()?;
                let becomes_default = body.is_default == Some(true) && !current.is_default;
                if becomes_default {
                    clear_default(conn, &editions)?;
                }
                let changes = EditionChanges {
                    name,
                    native_name,
                    direction: body.direction.map(|d| d.as_str().to_string()),
                    is_default: becomes_default.then_some(true),
                    position: body.position,
                };
                let now = domain::now();
                let watch = Watch::existing(conn, Resource::Edition, current.id, now)?;
                if !repo::editions::update(conn, current.id, current.revision, &changes, now)? {
                    return Err(ApiError::PreconditionFailed(
                        "the edition changed meanwhile; fetch it again".into(),
                    ));
                }
                watch.record(conn, current.id, now)?;
                Ok(())
            })?;
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
    db.run(move |conn| {
        conn.transaction(|conn| {
            let editions = repo::editions::all(conn)?;
            let current = found(editions.by_code(&code), "edition")?;
            if_match.check(current.revision)?;
            if current.is_default {
                return Err(ApiError::Conflict(
                    "the default edition cannot be removed; make another the default first".into(),
                ));
            }
            if repo::editions::in_use(conn, current.id)? {
                return Err(ApiError::Conflict(
                    "the edition holds content; move or delete it first".into(),
                ));
            }
            let id = current.id;
            changes::tracking(conn, Resource::Edition, Some(id), |conn| {
                repo::editions::delete(conn, id).map(|_| id)
            })?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes the default away from the edition that has it, as a change of
/// that edition.
fn clear_default(conn: &mut Conn, editions: &Editions) -> Result<(), ApiError> {
    if let Some(previous) = editions.0.iter().find(|e| e.is_default).map(|e| e.id) {
        changes::tracking(conn, Resource::Edition, Some(previous), |conn| {
            repo::editions::clear_default(conn).map(|_| previous)
        })?;
    }
    Ok(())
}

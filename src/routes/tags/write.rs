//! Writing tags. Deleting one removes it from its posts; the posts stay.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::checks::Tags;
use crate::content::terms::{NewTerm, TermEdit};
use crate::db::Conn;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::extract::{ApiJson, IfMatch, NoParams};
use crate::routes::tags::{tag_views, TagResponse};
use crate::routes::{self, found, ApiQuery, Db};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTagRequest {
    /// Edition code.
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub translation_of: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
}

impl From<CreateTagRequest> for NewTerm {
    fn from(r: CreateTagRequest) -> Self {
        NewTerm {
            edition: r.edition,
            name: r.name,
            slug: r.slug,
            description: r.description,
            translation_of: r.translation_of,
            ..NewTerm::default()
        }
    }
}

impl From<UpdateTagRequest> for TermEdit {
    fn from(r: UpdateTagRequest) -> Self {
        TermEdit {
            name: r.name,
            slug: r.slug,
            description: r.description,
            translation_of: r.translation_of,
            ..TermEdit::default()
        }
    }
}

fn tag_reply(conn: &mut Conn, id: i64) -> Result<(TagResponse, i32), ApiError> {
    let row = found(repo::tags::find(conn, id)?, "tag")?;
    let revision = row.revision;
    let editions = repo::editions::all(conn)?;
    Ok((tag_views(conn, &editions, vec![row])?.remove(0), revision))
}

/// Create a tag. Answers 201 with its URL in `Location`.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTagRequest,
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 201, description = "The tag as stored", body = TagResponse,
         headers(("Location" = String, description = "The tag's URL"), ("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/tags")]
pub async fn create_tag(
    db: Db,
    principal: Principal,
    ApiJson(body): ApiJson<CreateTagRequest>,
) -> Result<HttpResponse, ApiError> {
    routes::terms::create::<Tags, _>(db, principal, body.into(), tag_reply, "tags").await
}

/// Update a tag (send its `ETag` as `If-Match`).
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateTagRequest,
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 200, description = "The updated tag", body = TagResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/tags/{id}")]
pub async fn update_tag(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateTagRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    routes::terms::update::<Tags, _>(db, principal, id, if_match, body.into(), tag_reply).await
}

/// Delete a tag; its posts stay, without it.
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    routes::terms::delete::<Tags>(db, principal, id.into_inner(), if_match).await
}

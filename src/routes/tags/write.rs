//! Writing tags. Deleting one removes it from its posts; the posts stay.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Scope;
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::tags::{NewTag, TagChanges};
use crate::routes::checks::Tags;
use crate::routes::checks::{self, description, edition_of, modified, MAX_NAME};
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::tags::{tag_views, TagResponse};
use crate::routes::{found, ApiQuery, Db};

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
    principal.require(Scope::TaxonomyWrite)?;
    let id = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let mut errors = FieldErrors::default();
                let name = checks::name(&mut errors, "name", &body.name, 1, MAX_NAME);
                let description =
                    description(&mut errors, body.description.as_deref().unwrap_or(""));
                let Some((edition_id, code)) = edition_of(conn, &mut errors, &body.edition)? else {
                    return Err(errors.check().expect_err("edition error"));
                };
                let edition = (edition_id, code.as_str());
                let group = match body.translation_of {
                    Some(of) => {
                        checks::group_of::<Tags>(conn, &mut errors, &principal, edition, of, None)?
                    }
                    None => Some(repo::new_translation_group()),
                };
                let slug = checks::slug_for::<Tags>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.slug.as_deref(),
                    &name,
                    None,
                )?;
                errors.check()?;
                let now = domain::now();
                Ok(repo::tags::insert(
                    conn,
                    &NewTag {
                        edition_id,
                        slug: &slug,
                        name: &name,
                        description: &description,
                        translation_group: group.as_deref().unwrap_or_default(),
                        created_at: now,
                        updated_at: now,
                        created_by: Some(principal.user_id),
                        updated_by: Some(principal.user_id),
                    },
                )?)
            })
        })
        .await?;
    let (view, revision) = db.run(move |conn| tag_reply(conn, id)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tags/{id}")))
        .insert_header(("ETag", etag(revision)))
        .json(view))
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
    principal.require(Scope::TaxonomyWrite)?;
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let current = found(repo::tags::find(conn, id)?, "tag")?;
                if_match.check(current.revision)?;
                let editions = repo::editions::all(conn)?;
                let edition = (current.edition_id, editions.code(current.edition_id));
                let mut errors = FieldErrors::default();
                let name = body
                    .name
                    .as_deref()
                    .map(|n| checks::name(&mut errors, "name", n, 1, MAX_NAME));
                let description = body
                    .description
                    .as_deref()
                    .map(|d| description(&mut errors, d));
                let group = checks::regroup::<Tags>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.translation_of,
                    id,
                )?;
                let slug = match &body.slug {
                    Some(s) => Some(checks::slug_for::<Tags>(
                        conn,
                        &mut errors,
                        &principal,
                        edition,
                        Some(s),
                        "",
                        Some(id),
                    )?),
                    None => None,
                };
                errors.check()?;
                let changes = TagChanges {
                    slug,
                    name,
                    description,
                    translation_group: group,
                    updated_by: Some(Some(principal.user_id)),
                };
                if !repo::tags::update(conn, id, current.revision, &changes, domain::now())? {
                    return Err(modified());
                }
                Ok(())
            })?;
            tag_reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
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
    principal.require(Scope::TaxonomyWrite)?;
    let id = id.into_inner();
    db.run(move |conn| {
        conn.transaction(|conn| {
            let current = found(repo::tags::find(conn, id)?, "tag")?;
            if_match.check(current.revision)?;
            repo::tags::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

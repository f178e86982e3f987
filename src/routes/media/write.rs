//! Writing media descriptions. (Uploads come with the media library; this
//! is what editors change on items that exist.)

use actix_web::{delete, patch, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Scope;
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::media::MediaChanges;
use crate::routes::checks;
use crate::routes::extract::{etag, ApiJson, IfMatch};
use crate::routes::media::{media_views, MediaResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// Changes to a media item's description; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMediaRequest {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Edition code; `null` shares the item with every edition.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub edition: Option<Option<String>>,
}

fn media_reply(
    conn: &mut Conn,
    state: &AppState,
    id: i64,
) -> Result<(MediaResponse, i32), ApiError> {
    let row = found(repo::media::find(conn, id)?, "media item")?;
    let revision = row.revision;
    let editions = repo::editions::all(conn)?;
    Ok((
        media_views(conn, &editions, state, vec![row])?.remove(0),
        revision,
    ))
}

/// Editors change any item; authors the ones they uploaded.
fn may_change_media(principal: &Principal, uploaded_by: Option<i64>) -> Result<(), ApiError> {
    if principal.role.edits_others() || uploaded_by == Some(principal.user_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a {} may only change media they uploaded",
            principal.role
        )))
    }
}

/// Update a media item's title, slug, alt text, caption, credit or edition.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateMediaRequest,
    security(("bearer" = ["media:write"])),
    responses(
        (status = 200, description = "The updated item", body = MediaResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateMediaRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MediaWrite)?;
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let current = found(repo::media::find(conn, id)?, "media item")?;
                may_change_media(&principal, current.uploaded_by)?;
                if_match.check(current.revision)?;
                let mut errors = FieldErrors::default();
                let editions = repo::editions::all(conn)?;
                let edition_id = match &body.edition {
                    Some(Some(code)) => match editions.by_code(code) {
                        Some(e) => Some(Some(e.id)),
                        None => {
                            errors.add("edition", format!("no edition `{code}`"));
                            None
                        }
                    },
                    Some(None) => Some(None),
                    None => None,
                };
                let title = body
                    .title
                    .as_deref()
                    .map(|t| checks::text(&mut errors, "title", t, 0, 300));
                let alt_text = body
                    .alt_text
                    .as_deref()
                    .map(|t| checks::text(&mut errors, "alt_text", t, 0, 1000));
                let caption = body
                    .caption
                    .as_deref()
                    .map(|t| checks::text(&mut errors, "caption", t, 0, 5000));
                let credit = body
                    .credit
                    .as_deref()
                    .map(|t| checks::text(&mut errors, "credit", t, 0, 300));
                let slug = body
                    .slug
                    .as_deref()
                    .map(|s| checks::slug_field(&mut errors, s));
                let target_edition = edition_id.unwrap_or(current.edition_id);
                let target_slug = slug.clone().unwrap_or_else(|| current.slug.clone());
                if let Some(other) = repo::media::find_by_slug(conn, target_edition, &target_slug)?
                {
                    if other != id {
                        errors.add("slug", format!("is already used by media item {other}"));
                    }
                }
                errors.check()?;
                let changes = MediaChanges {
                    edition_id,
                    slug,
                    title,
                    alt_text,
                    caption,
                    credit,
                    updated_by: Some(Some(principal.user_id)),
                };
                if !repo::media::update(conn, id, current.revision, &changes, domain::now())? {
                    return Err(ApiError::PreconditionFailed(
                        "the item changed meanwhile; fetch it again".into(),
                    ));
                }
                Ok(())
            })?;
            media_reply(conn, &state, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteMediaQuery {
    /// Delete even though posts show it: they lose it.
    pub force: Option<bool>,
}

/// Delete a media item. One that posts still show (as featured media or in
/// a gallery) is a 409 unless `force=true`.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing"), DeleteMediaQuery),
    security(("bearer" = ["media:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Conflict, responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiQuery(q): ApiQuery<DeleteMediaQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MediaWrite)?;
    let id = id.into_inner();
    db.run(move |conn| {
        conn.transaction(|conn| {
            let current = found(repo::media::find(conn, id)?, "media item")?;
            may_change_media(&principal, current.uploaded_by)?;
            if_match.check(current.revision)?;
            let (featured, galleries) = repo::media::usage(conn, id)?;
            if featured + galleries > 0 && !q.force.unwrap_or(false) {
                return Err(ApiError::Conflict(format!(
                    "{featured} post(s) feature it and {galleries} gallery entries show it; delete with force=true to remove it from them"
                )));
            }
            repo::media::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Previews over HTTP: a token that reads one post whatever its status,
//! for a frontend's draft mode ([`crate::content::previews`]). The token
//! is then passed as `?preview=` to `GET /posts/{id}` or by slug.

use actix_web::{delete, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::previews;
use crate::domain::access::{Actor, Scope};
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::extract::NoParams;
use crate::routes::{ApiQuery, AppState, Db};

/// How previews are made, from the settings.
#[derive(Debug, Clone)]
pub struct PreviewPolicy {
    /// Seconds a token reads its post.
    pub ttl_secs: i64,
    /// The frontend's preview address, with `{token}`, `{id}`, `{slug}`,
    /// `{edition}` and `{path}` put in (`NASHR_PREVIEW_URL`).
    pub url_template: Option<String>,
}

/// A preview token for one post.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// Pass as `?preview=` to `GET /api/v1/posts/{id}` or
    /// `/api/v1/posts/by-slug/{slug}?edition=..`: the post whatever its
    /// status. It reads that post only, and opens nothing else.
    #[schema(example = "preview_Yx3o0t0mIxz3bW7rQ3h2PZ1h5kqJcB8oXk3dYw0nE2s")]
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The post's id.
    pub post_id: i64,
    /// The frontend's preview address for it (`NASHR_PREVIEW_URL` with the
    /// token, id, slug, edition and path put in); null when not configured.
    pub url: Option<String>,
}

/// Percent-encodes a value put into a URL.
fn encoded(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A token that reads this post, whatever its status, for a while
/// (`NASHR_PREVIEW_TTL`, an hour unless set): for a frontend's draft mode.
/// Anyone who may edit the post may ask.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 201, description = "A preview token", body = PreviewResponse),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[post("/posts/{id}/preview")]
pub async fn create_preview(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let actor = Actor::from(&principal);
    let id = id.into_inner();
    let ttl = chrono::Duration::seconds(state.previews.ttl_secs);
    let (preview, edition) = db
        .run(move |conn| {
            let preview = previews::create(conn, actor, id, ttl)?;
            let editions = repo::editions::all(conn)?;
            let edition = editions.code(preview.edition_id).to_string();
            Ok((preview, edition))
        })
        .await?;
    let url = state.previews.url_template.as_ref().map(|template| {
        template
            .replace("{token}", &encoded(&preview.token))
            .replace("{id}", &preview.post_id.to_string())
            .replace("{slug}", &encoded(&preview.slug))
            .replace("{edition}", &encoded(&edition))
            .replace("{path}", &encoded(&paths::post(&edition, &preview.slug)))
    });
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(PreviewResponse {
            token: preview.token,
            expires_at: domain::utc(preview.expires_at),
            post_id: preview.post_id,
            url,
        }))
}

/// Revoke every preview token of this post at once.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 204, description = "Every preview token of the post is revoked"),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[delete("/posts/{id}/preview")]
pub async fn delete_previews(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let actor = Actor::from(&principal);
    let id = id.into_inner();
    db.run(move |conn| Ok(previews::revoke(conn, actor, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

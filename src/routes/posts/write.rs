//! Writing posts over HTTP: the requests, and handlers that hand them to
//! [`crate::content::posts`], where the rules are.

use actix_web::{delete, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::content::posts::{self, Cleaned, NewPost, Picture, PostEdit};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::domain::content::ContentFormat;
use crate::domain::{PostKind, PostStatus};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::extract::{etag, ApiJsonChecked, IfMatch, NoParams};
use crate::routes::posts::{single_view, PostResponse};
use crate::routes::{ApiQuery, AppState, Db};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePostRequest {
    /// Edition code.
    #[schema(example = "fa")]
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(example = "یادداشت‌های بهاری")]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// `article` (default) or `page`.
    pub kind: Option<PostKind>,
    /// Made from the title when absent (see the README on slugs).
    pub slug: Option<String>,
    /// HTML or Markdown (`content_format`); cleaned before it is stored.
    pub content: Option<String>,
    pub content_format: Option<ContentFormat>,
    /// Plain text; derived from the content when absent.
    pub excerpt: Option<String>,
    /// `draft` (default), `scheduled` (needs a future `published_at`),
    /// `published` (at `published_at`, or now) or `archived`. Contributors
    /// may only write drafts.
    pub status: Option<PostStatus>,
    pub published_at: Option<DateTime<Utc>>,
    /// The author's user id; editors may name anyone, others only themselves.
    pub author: Option<i64>,
    /// Category ids, in the post's edition.
    pub categories: Option<Vec<i64>>,
    /// Tag ids, in the post's edition.
    pub tags: Option<Vec<i64>>,
    pub featured_media: Option<i64>,
    pub featured: Option<bool>,
    /// Whether readers may comment; the server's default
    /// (`NASHR_COMMENTS_OPEN`, open unless set) when absent.
    pub comments_open: Option<bool>,
    /// A post in another edition this one translates.
    pub translation_of: Option<i64>,
    /// Pictures shown as a gallery, in order, each with this post's caption.
    pub gallery: Option<Vec<GalleryInput>>,
}

/// A gallery entry to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GalleryInput {
    /// A media item id.
    pub media: i64,
    /// This post's caption for it (the item keeps its own).
    pub caption: Option<String>,
}

/// Changes to a post; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePostRequest {
    pub title: Option<String>,
    pub kind: Option<PostKind>,
    pub slug: Option<String>,
    pub content: Option<String>,
    pub content_format: Option<ContentFormat>,
    /// `null` derives the excerpt from the content again.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub excerpt: Option<Option<String>>,
    pub status: Option<PostStatus>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub author: Option<i64>,
    pub categories: Option<Vec<i64>>,
    pub tags: Option<Vec<i64>>,
    /// `null` removes the featured media.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub featured_media: Option<Option<i64>>,
    pub featured: Option<bool>,
    /// Whether readers may comment.
    pub comments_open: Option<bool>,
    /// Joins another post's translation group; `null` leaves the group.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
    /// Replaces the gallery (`[]` empties it).
    pub gallery: Option<Vec<GalleryInput>>,
}

impl From<GalleryInput> for Picture {
    fn from(g: GalleryInput) -> Self {
        Picture {
            media: g.media,
            caption: g.caption,
        }
    }
}

fn pictures(gallery: Option<Vec<GalleryInput>>) -> Option<Vec<Picture>> {
    gallery.map(|items| items.into_iter().map(Picture::from).collect())
}

impl From<CreatePostRequest> for NewPost {
    fn from(r: CreatePostRequest) -> Self {
        NewPost {
            edition: r.edition,
            title: r.title,
            kind: r.kind,
            slug: r.slug,
            status: r.status,
            published_at: r.published_at,
            author: r.author,
            categories: r.categories,
            tags: r.tags,
            featured_media: r.featured_media,
            featured: r.featured,
            comments_open: r.comments_open,
            translation_of: r.translation_of,
            gallery: pictures(r.gallery),
            invalid: Vec::new(),
        }
    }
}

impl From<UpdatePostRequest> for PostEdit {
    fn from(r: UpdatePostRequest) -> Self {
        PostEdit {
            title: r.title,
            kind: r.kind,
            slug: r.slug,
            status: r.status,
            published_at: r.published_at,
            author: r.author,
            categories: r.categories,
            tags: r.tags,
            featured_media: r.featured_media,
            featured: r.featured,
            comments_open: r.comments_open,
            translation_of: r.translation_of,
            gallery: pictures(r.gallery),
            invalid: Vec::new(),
        }
    }
}

/// The content and excerpt of a write, cleaned off the async workers.
async fn cleaned(
    content: Option<String>,
    format: ContentFormat,
    excerpt: Option<Option<String>>,
) -> Result<Cleaned, ApiError> {
    Ok(web::block(move || Cleaned::of(content, format, excerpt)).await?)
}

/// The post as its writer now sees it, with its `ETag`.
fn written(
    conn: &mut Conn,
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(i32, PostResponse), ApiError> {
    let row = repo::posts::find(conn, id)?;
    let post = single_view(conn, state, row, Some(principal), Default::default(), None)?;
    Ok((post.revision(), post.into_response()))
}

/// Create a post or page.
#[utoipa::path(
    tag = "posts",
    request_body = CreatePostRequest,
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 201, description = "The post as stored", body = PostResponse,
         headers(("Location" = String, description = "The post's URL"), ("ETag" = String, description = "The post's version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[post("/posts")]
pub async fn create_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiJsonChecked(mut body, invalid): ApiJsonChecked<CreatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let content = Some(body.content.take().unwrap_or_default());
    let format = body.content_format.unwrap_or_default();
    let cleaned = cleaned(content, format, Some(body.excerpt.take())).await?;
    body.comments_open = body.comments_open.or(Some(state.comments.open_by_default));
    let actor = Actor::from(&principal);
    let (revision, post) = db
        .run(move |conn| {
            let new = NewPost {
                invalid,
                ..body.into()
            };
            let id = posts::create(conn, actor, new, cleaned)?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/posts/{}", post.id)))
        .insert_header(("ETag", etag(revision)))
        .json(post))
}

/// Update a post. Send the `ETag` you read as `If-Match`: if someone else
/// changed the post since, the answer is 412 and nothing changes.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdatePostRequest,
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 200, description = "The updated post", body = PostResponse,
         headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[patch("/posts/{id}")]
pub async fn update_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJsonChecked(mut body, invalid): ApiJsonChecked<UpdatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let id = id.into_inner();
    let format = body.content_format.unwrap_or_default();
    let cleaned = cleaned(body.content.take(), format, body.excerpt.take()).await?;
    let actor = Actor::from(&principal);
    let (revision, post) = db
        .run(move |conn| {
            let edit = PostEdit {
                invalid,
                ..body.into()
            };
            posts::update(conn, actor, id, &if_match, edit, cleaned)?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(post))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeletePostQuery {
    /// Admins: delete for good instead of moving to the trash.
    pub force: Option<bool>,
}

/// Move a post to the trash (restorable), or with `force=true` (admins)
/// delete it for good.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing"), DeletePostQuery),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 204, description = "In the trash, or gone"),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::PreconditionFailed,
        responses::Unavailable
    )
)]
#[delete("/posts/{id}")]
pub async fn delete_post(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiQuery(q): ApiQuery<DeletePostQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let force = q.force.unwrap_or(false);
    if force {
        principal.require(Scope::Admin)?;
    }
    let id = id.into_inner();
    let actor = Actor::from(&principal);
    db.run(move |conn| match force {
        true => Ok(posts::purge(conn, actor, id, &if_match)?),
        false => Ok(posts::trash(conn, actor, id, &if_match)?),
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Take a post out of the trash, in the state it was in.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 200, description = "The restored post", body = PostResponse,
         headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::Unavailable
    )
)]
#[post("/posts/{id}/restore")]
pub async fn restore_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let id = id.into_inner();
    let actor = Actor::from(&principal);
    let (revision, post) = db
        .run(move |conn| {
            posts::restore(conn, actor, id, &if_match)?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(post))
}

//! Reader comments: a post's approved comments for everyone, posting one
//! (held for moderation unless a moderator writes it), and moderation
//! (scope `comments:moderate`). The rules are in
//! [`crate::content::comments`].

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::comments::{
    self, CommentEdit, CommentStatus, Commenter, NewComment, Policy, MAX_CONTENT,
};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::domain::{self, Direction};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::comments::{CommentFilter, CommentRow, ThreadLink, ORDER};
use crate::routes::extract::{ApiJson, NoParams};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::principal::Viewer;
use crate::routes::{found, ApiQuery, AppState, Db};

/// A comment as the public sees it. Never an e-mail address.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentResponse {
    pub id: i64,
    pub post_id: i64,
    /// The comment this one replies to, as shown: when that one is not
    /// shown (no longer approved), the nearest shown one above it, or
    /// `null` at the top level.
    pub parent_id: Option<i64>,
    pub author_name: String,
    /// The author's site, if given (`http` or `https`); `""` if not.
    pub author_url: String,
    /// Safe HTML made from the comment's plain text: paragraphs, line
    /// breaks and links (`rel="nofollow ugc noopener"`).
    pub content: String,
    pub created_at: DateTime<Utc>,
    /// Writing direction of the text: from its first letter, or the
    /// post's edition's when it has none.
    pub direction: Direction,
}

/// A comment as moderators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModeratedComment {
    #[serde(flatten)]
    pub comment: CommentResponse,
    pub status: CommentStatus,
    /// How deep in its thread it was written (0: top level).
    pub depth: i32,
    pub author_email: String,
    /// The signed-in user who wrote it, if any.
    pub user_id: Option<i64>,
    /// What was written, as plain text.
    pub source: String,
    /// Kept for moderators for the privacy period, then `""`.
    pub client_address: String,
    pub user_agent: String,
    pub updated_at: DateTime<Utc>,
}

/// A comment to post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCommentRequest {
    /// Required without a token; a signed-in user's display name if absent.
    #[schema(min_length = 1, max_length = 100)]
    pub author_name: Option<String>,
    /// Required without a token (never shown); a signed-in user's if absent.
    #[schema(max_length = 254)]
    pub author_email: Option<String>,
    /// The author's site (`http` or `https`).
    #[schema(max_length = 500)]
    pub author_url: Option<String>,
    /// Plain text (not HTML): blank lines make paragraphs, and `http(s)`
    /// addresses become links.
    #[schema(min_length = 1, max_length = 5000)]
    pub content: String,
    /// The approved comment of the same post this one replies to.
    pub parent_id: Option<i64>,
    /// Leave out: a field people never see, which only robots fill (a
    /// comment with it filled is held as spam).
    pub website: Option<String>,
}

/// What a reader is told of the comment they posted.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldComment {
    pub id: i64,
    /// `pending`: a moderator will see it before the public does.
    pub status: CommentStatus,
}

/// A moderator's changes to a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommentRequest {
    pub status: Option<CommentStatus>,
    /// The comment's plain text, replaced.
    #[schema(min_length = 1, max_length = 5000)]
    pub content: Option<String>,
}

/// Many comments set to one status at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateCommentsRequest {
    #[schema(min_items = 1, max_items = 500)]
    pub ids: Vec<i64>,
    pub status: CommentStatus,
}

/// How many comments a bulk moderation changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedCount {
    pub updated: usize,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The direction of `text`'s first letter, if it has one.
fn direction_of(text: &str) -> Option<Direction> {
    text.chars()
        .find(|c| c.is_alphabetic())
        .map(|c| match c as u32 {
            0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF => Direction::Rtl,
            _ => Direction::Ltr,
        })
}

/// The views of `rows`, all of post `post` in edition `direction`.
fn public_views(
    rows: Vec<CommentRow>,
    threads: &[ThreadLink],
    direction: Direction,
) -> Vec<CommentResponse> {
    rows.into_iter()
        .map(|row| public_view(row, threads, direction))
        .collect()
}

fn public_view(row: CommentRow, threads: &[ThreadLink], direction: Direction) -> CommentResponse {
    CommentResponse {
        id: row.id,
        post_id: row.post_id,
        parent_id: comments::shown_parent(&row, threads),
        direction: direction_of(&row.source).unwrap_or(direction),
        author_name: row.author_name,
        author_url: row.author_url,
        content: row.content,
        created_at: utc(row.created_at),
    }
}

/// Moderators' views of `rows`, of any posts.
fn moderated_views(
    conn: &mut Conn,
    rows: Vec<CommentRow>,
) -> Result<Vec<ModeratedComment>, ApiError> {
    let editions = repo::editions::all(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut threads: Option<(i64, Vec<ThreadLink>, Direction)> = None;
    for row in rows {
        if threads.as_ref().is_none_or(|t| t.0 != row.post_id) {
            let post = found(repo::posts::find(conn, row.post_id)?, "post")?;
            threads = Some((
                row.post_id,
                repo::comments::threads(conn, row.post_id)?,
                editions.direction(post.edition_id),
            ));
        }
        let (_, thread, direction) = threads.as_ref().expect("set above");
        out.push(ModeratedComment {
            status: CommentStatus::parse(&row.status),
            depth: row.depth,
            author_email: row.author_email.clone(),
            user_id: row.user_id,
            source: row.source.clone(),
            client_address: row.client_address.clone(),
            user_agent: row.user_agent.clone(),
            updated_at: utc(row.updated_at),
            comment: public_view(row, thread, *direction),
        });
    }
    Ok(out)
}

/// The live post `id` (404 otherwise), and its edition's direction.
fn live_post(conn: &mut Conn, id: i64) -> Result<Direction, ApiError> {
    let post = comments::live_post(conn, id, domain::now())?;
    Ok(repo::editions::all(conn)?.direction(post.edition_id))
}

list_query! {
    pub struct CommentListQuery {}
}

/// A post's approved comments, oldest first. Threads are told by
/// `parent_id`; a client nests replies under their parents.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Post id"), CommentListQuery),
    responses(
        (status = 200, description = "A page of the post's approved comments", body = ListResponse<CommentResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/posts/{id}/comments")]
pub async fn list_post_comments(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    ApiQuery(q): ApiQuery<CommentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let direction = live_post(conn, id)?;
            let window = page.window("created_at", &ORDER)?;
            let filter = CommentFilter {
                post_id: Some(id),
                status: Some(CommentStatus::Approved.as_str().into()),
            };
            let (mut rows, total) = repo::comments::list(conn, &filter, &window)?;
            let next = page.next_cursor("created_at", &mut rows, total, |c| {
                (vec![c.created_at.into()], c.id)
            });
            let threads = repo::comments::threads(conn, id)?;
            Ok((public_views(rows, &threads, direction), total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// Post a comment. Without a token it is held for moderation (202, shown
/// once approved); with a token carrying `comments:moderate` it is
/// approved at once (201). Readers are limited per address (429).
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Post id")),
    request_body = CreateCommentRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Approved at once (a moderator's comment)", body = ModeratedComment,
         headers(("Location" = String, description = "The comment's URL for moderators"))),
        (status = 202, description = "Held for moderation", body = HeldComment),
        responses::BadRequest,
        responses::Unauthorized,
        (status = 403, description = "Comments are closed on this post", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live post with this id (drafts and scheduled posts take no comments)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same comment was already posted here", body = crate::error::Problem, content_type = "application/problem+json"),
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::TooManyRequests,
        responses::Unavailable
    )
)]
#[post("/posts/{id}/comments")]
pub async fn create_comment(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i64>,
    ApiJson(body): ApiJson<CreateCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let by = Commenter {
        user: viewer
            .0
            .as_ref()
            .map(|p| (Actor::from(p), p.scopes.contains(Scope::CommentsModerate))),
        client_address: crate::ratelimit::client_address(&req),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    };
    let new = NewComment {
        author_name: body.author_name,
        author_email: body.author_email,
        author_url: body.author_url,
        content: body.content,
        parent_id: body.parent_id,
        trap: body.website,
    };
    let policy: Policy = state.comments.clone();
    let (comment, status) = db
        .run(move |conn| {
            let (comment, status) = comments::submit(conn, &policy, id, new, &by)?;
            let view = match status {
                CommentStatus::Approved => {
                    let row = repo::comments::find(conn, comment)?;
                    moderated_views(conn, row.into_iter().collect())?.pop()
                }
                _ => None,
            };
            Ok((comment, view.ok_or(status)))
        })
        .await?;
    Ok(match status {
        Ok(view) => HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/comments/{comment}")))
            .json(view),
        Err(status) => HttpResponse::Accepted().json(HeldComment {
            id: comment,
            status,
        }),
    })
}

list_query! {
    pub struct ModerationQuery {
        /// Only comments in this state.
        #[param(inline)]
        pub status: Option<CommentStatus>,
        /// Only comments on this post.
        pub post: Option<i64>,
    }
}

/// Comments of any state, for moderators, oldest first.
#[utoipa::path(
    tag = "comments",
    params(ModerationQuery),
    security(("bearer" = ["comments:moderate"])),
    responses(
        (status = 200, description = "A page of comments", body = ListResponse<ModeratedComment>),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::Unavailable
    )
)]
#[get("/comments")]
pub async fn list_comments(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ModerationQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CommentsModerate)?;
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let window = page.window("created_at", &ORDER)?;
            let filter = CommentFilter {
                post_id: q.post,
                status: q.status.map(|s| s.as_str().to_string()),
            };
            let (mut rows, total) = repo::comments::list(conn, &filter, &window)?;
            let next = page.next_cursor("created_at", &mut rows, total, |c| {
                (vec![c.created_at.into()], c.id)
            });
            Ok((moderated_views(conn, rows)?, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// One comment, for moderators.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    security(("bearer" = ["comments:moderate"])),
    responses(
        (status = 200, description = "The comment", body = ModeratedComment),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/comments/{id}")]
pub async fn get_comment(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CommentsModerate)?;
    let id = id.into_inner();
    let view = db.run(move |conn| moderated(conn, id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

fn moderated(conn: &mut Conn, id: i64) -> Result<ModeratedComment, ApiError> {
    let row = found(repo::comments::find(conn, id)?, "comment")?;
    Ok(moderated_views(conn, vec![row])?.remove(0))
}

/// Approve, hold, mark as spam or trash a comment, or edit its text.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    request_body = UpdateCommentRequest,
    security(("bearer" = ["comments:moderate"])),
    responses(
        (status = 200, description = "The comment as stored", body = ModeratedComment),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PayloadTooLarge, responses::UnsupportedMediaType, responses::Unprocessable,
        responses::Unavailable
    )
)]
#[patch("/comments/{id}")]
pub async fn update_comment(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    ApiJson(body): ApiJson<UpdateCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CommentsModerate)?;
    let id = id.into_inner();
    let view = db
        .run(move |conn| {
            comments::moderate(
                conn,
                id,
                CommentEdit {
                    status: body.status,
                    content: body.content,
                },
            )?;
            moderated(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Set many comments to one status at once (approve or mark as spam a
/// page of the queue). All or nothing: an unknown id changes none.
#[utoipa::path(
    tag = "comments",
    request_body = ModerateCommentsRequest,
    security(("bearer" = ["comments:moderate"])),
    responses(
        (status = 200, description = "How many changed", body = ModeratedCount),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::PayloadTooLarge, responses::UnsupportedMediaType, responses::Unprocessable,
        responses::Unavailable
    )
)]
#[post("/comments/moderate")]
pub async fn moderate_comments(
    db: Db,
    principal: Principal,
    ApiJson(body): ApiJson<ModerateCommentsRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CommentsModerate)?;
    if body.ids.is_empty() || body.ids.len() > 500 {
        return Err(ApiError::Unprocessable(vec![crate::error::FieldError {
            field: "ids".into(),
            message: "must name 1 to 500 comments".into(),
        }]));
    }
    let updated = db
        .run(move |conn| Ok(comments::moderate_all(conn, &body.ids, body.status)?))
        .await?;
    Ok(HttpResponse::Ok().json(ModeratedCount { updated }))
}

/// Delete a comment for good; its replies move up to its parent.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    security(("bearer" = ["comments:moderate"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[delete("/comments/{id}")]
pub async fn delete_comment(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CommentsModerate)?;
    let id = id.into_inner();
    db.run(move |conn| Ok(comments::delete(conn, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

const _: () = assert!(MAX_CONTENT == 5000, "the schema says 5000");

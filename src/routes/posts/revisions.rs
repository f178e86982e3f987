//! Earlier versions of a post: list, view, restore.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::posts;
use crate::content::posts::may_edit;
use crate::domain::access::Scope;
use crate::domain::{self, PostStatus};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::posts::{PostChanges, PostRow};
use crate::repo::revisions::{split_ids, RevisionRow};
use crate::routes::extract::{etag, IfMatch, NoParams};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::posts::{single_view, PostResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// A post as it was before an update replaced it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    /// The post's revision this was; `ETag` values name revisions too.
    pub revision: i32,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub content: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub author: Option<i64>,
    pub featured_media: Option<i64>,
    pub featured: bool,
    pub categories: Vec<i64>,
    pub tags: Vec<i64>,
    /// Who made this version, and when.
    pub edited_by: Option<i64>,
    pub edited_at: DateTime<Utc>,
}

impl From<RevisionRow> for RevisionResponse {
    fn from(r: RevisionRow) -> Self {
        RevisionResponse {
            revision: r.revision,
            status: r.status.parse().unwrap_or(PostStatus::Draft),
            published_at: r.published_at.map(domain::utc),
            author: r.author_id,
            featured_media: r.featured_media_id,
            featured: r.featured,
            categories: split_ids(&r.category_ids),
            tags: split_ids(&r.tag_ids),
            edited_by: r.edited_by,
            edited_at: domain::utc(r.edited_at),
            title: r.title,
            slug: r.slug,
            excerpt: r.excerpt,
            content: r.content,
        }
    }
}

/// The post, if the principal may see its history (those who may edit it).
fn post_for_history(
    conn: &mut crate::db::Conn,
    principal: &Principal,
    id: i64,
) -> Result<PostRow, ApiError> {
    let post = found(repo::posts::find(conn, id)?, "post")?;
    may_edit(principal.into(), &post, domain::now())?;
    Ok(post)
}

list_query! {
    pub struct RevisionListQuery {}
}

/// List a post's earlier versions, newest first.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), RevisionListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The versions every update replaced, newest first", body = ListResponse<RevisionResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/posts/{id}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    ApiQuery(q): ApiQuery<RevisionListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Read)?;
    let id = id.into_inner();
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            post_for_history(conn, &principal, id)?;
            let window = page.window("revision", &repo::revisions::ORDER)?;
            let (mut rows, total) = repo::revisions::list(conn, id, &window)?;
            let next = page.next_cursor("revision", &mut rows, total, |r| {
                (vec![r.revision.into()], r.id)
            });
            let data: Vec<RevisionResponse> =
                rows.into_iter().map(RevisionResponse::from).collect();
            Ok((data, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// One earlier version of a post.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("revision" = i32, Path, description = "Revision number")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The version", body = RevisionResponse),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/posts/{id}/revisions/{revision}")]
pub async fn get_revision(
    db: Db,
    principal: Principal,
    path: web::Path<(i64, i32)>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Read)?;
    let (id, revision) = path.into_inner();
    let row = db
        .run(move |conn| {
            post_for_history(conn, &principal, id)?;
            found(repo::revisions::find(conn, id, revision)?, "revision")
        })
        .await?;
    Ok(HttpResponse::Ok().json(RevisionResponse::from(row)))
}

/// Bring back an earlier version's title, slug, excerpt, content, featured
/// media, featured flag, categories and tags (not its status or date). The
/// restore is itself an update: the version it replaces is kept.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("revision" = i32, Path, description = "Revision number"),
           ("If-Match" = Option<String>, Header, description = "The post's ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 200, description = "The post, restored", body = PostResponse,
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
#[post("/posts/{id}/revisions/{revision}/restore")]
pub async fn restore_revision(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i32)>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let (id, revision) = path.into_inner();
    let (etag_revision, post) = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let current = post_for_history(conn, &principal, id)?;
                if current.deleted_at.is_some() {
                    return Err(ApiError::Conflict(
                        "the post is in the trash; restore it first".into(),
                    ));
                }
                if_match.check(current.revision)?;
                let old = found(repo::revisions::find(conn, id, revision)?, "revision")?;
                let now = domain::now();
                posts::may_keep((&principal).into(), &current, now)?;
                if let Some(other) = repo::posts::find_by_slug(conn, current.edition_id, &old.slug)?
                {
                    if other.id != id {
                        return Err(ApiError::Conflict(format!(
                            "the old slug `{}` is now used by post {}",
                            old.slug, other.id
                        )));
                    }
                }
                let media = match old.featured_media_id {
                    Some(m) if repo::media::find(conn, m)?.is_some() => Some(m),
                    _ => None,
                };
                let changes = PostChanges {
                    slug: Some(old.slug.clone()),
                    title: Some(old.title.clone()),
                    excerpt: Some(old.excerpt.clone()),
                    content: Some(old.content.clone()),
                    featured_media_id: Some(media),
                    featured: Some(old.featured),
                    updated_by: Some(Some(principal.user_id)),
                    ..Default::default()
                };
                let watch = posts::revise(conn, &current, &changes, now, posts::CHANGED)?;
                // Terms deleted since the old version are left out.
                let cats: Vec<i64> =
                    repo::categories::slugs_by_ids(conn, &split_ids(&old.category_ids))?
                        .into_iter()
                        .map(|(id, _, _)| id)
                        .collect();
                let tags: Vec<i64> = repo::tags::slugs_by_ids(conn, &split_ids(&old.tag_ids))?
                    .into_iter()
                    .map(|(id, _, _)| id)
                    .collect();
                repo::posts::set_terms(conn, id, Some(&cats), Some(&tags))?;
                watch.record(conn, id, now)?;
                Ok(())
            })?;
            let row = repo::posts::find(conn, id)?;
            let post = single_view(
                conn,
                &state,
                row,
                Some(&principal),
                Default::default(),
                None,
            )?;
            Ok((post.revision(), post.into_response()))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(etag_revision)))
        .json(post))
}

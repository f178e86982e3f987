use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::counts::Counted;
use crate::repo::users::AuthorRow;
use crate::routes::extract::NoParams;
use crate::routes::media::{media_views, MediaResponse};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// A public author profile: users with at least one live post. No e-mail,
/// no role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorResponse {
    pub id: i64,
    pub slug: String,
    /// Where a frontend lists the author's posts: `/author/{slug}`.
    pub path: String,
    pub display_name: String,
    pub bio: String,
    pub avatar: Option<MediaResponse>,
    /// Live posts by this author, in every edition.
    pub post_count: i64,
}

pub fn author_views(
    conn: &mut Conn,
    state: &AppState,
    rows: Vec<AuthorRow>,
    now: NaiveDateTime,
) -> Result<Vec<AuthorResponse>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let counts = repo::counts::live_posts(conn, Counted::Authors, &ids, now)?;
    let avatar_ids: Vec<i64> = rows.iter().filter_map(|a| a.avatar_media_id).collect();
    let media_rows = repo::media::by_ids(conn, &avatar_ids)?;
    let avatars: HashMap<i64, MediaResponse> = if media_rows.is_empty() {
        HashMap::new()
    } else {
        let editions = repo::editions::all(conn)?;
        media_views(conn, &editions, state, media_rows, false)?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|a| AuthorResponse {
            id: a.id,
            path: paths::author(&a.slug),
            post_count: counts.get(&a.id).copied().unwrap_or(0),
            avatar: a.avatar_media_id.and_then(|id| avatars.get(&id).cloned()),
            slug: a.slug,
            display_name: a.display_name,
            bio: a.bio,
        })
        .collect())
}

list_query! {
    pub struct AuthorListQuery {}
}

/// List authors, by display name.
#[utoipa::path(
    tag = "authors",
    params(AuthorListQuery),
    responses(
        (status = 200, description = "A page of authors", body = ListResponse<AuthorResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<AuthorListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let st = state.clone();
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let now = domain::now();
            let window = page.window("display_name", &repo::users::AUTHOR_KEYS)?;
            let (mut rows, total) = repo::users::list_authors(conn, now, &window)?;
            let next = page.next_cursor("display_name", &mut rows, total, |a| {
                (vec![a.display_name.as_str().into()], a.id)
            });
            Ok((author_views(conn, &st, rows, now)?, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// One author by id.
#[utoipa::path(
    tag = "authors",
    params(("id" = i64, Path, description = "Author (user) id")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/authors/{id}")]
pub async fn get_author(
    db: Db,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let author = db
        .run(move |conn| {
            let now = domain::now();
            let row = found(repo::users::find_author(conn, id, now)?, "author")?;
            Ok(author_views(conn, &state, vec![row], now)?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Ok().json(author))
}

/// One author by slug (author slugs are unique across editions).
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "Author slug (percent-encoded in the URL)")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/authors/by-slug/{slug}")]
pub async fn get_author_by_slug(
    db: Db,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let author = db
        .run(move |conn| {
            let now = domain::now();
            let row = found(
                repo::users::find_author_by_slug(conn, &slug, now)?,
                "author",
            )?;
            Ok(author_views(conn, &state, vec![row], now)?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Ok().json(author))
}

pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::categories::TermSort;
use crate::repo::counts::Counted;
use crate::repo::editions::Editions;
use crate::repo::tags::TagRow;
use crate::routes::extract::etag;
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{
    edition_filter, edition_param, found, groups_of, ApiQuery, AppState, BySlugQuery, Db,
    TranslationIndex, TranslationRef,
};

/// A tag: a flat keyword within an edition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagResponse {
    pub id: i64,
    /// Edition code.
    pub edition: String,
    pub slug: String,
    /// Where a frontend lists the tag: `/{edition}/tag/{slug}`.
    pub path: String,
    pub name: String,
    pub description: String,
    /// Live posts with this tag.
    pub post_count: i64,
    pub translation_group: String,
    /// This tag in other editions.
    pub translations: Vec<TranslationRef>,
}

pub fn tag_views(
    conn: &mut Conn,
    editions: &Editions,
    rows: Vec<TagRow>,
) -> Result<Vec<TagResponse>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let counts = repo::counts::live_posts(conn, Counted::Tags, &ids, domain::now())?;
    let groups = groups_of(rows.iter().map(|t| &t.translation_group));
    let translations = TranslationIndex::new(repo::tags::translations(conn, &groups)?);
    Ok(rows
        .into_iter()
        .map(|t| {
            let edition = editions.code(t.edition_id).to_string();
            TagResponse {
                id: t.id,
                path: paths::tag(&edition, &t.slug),
                edition,
                post_count: counts.get(&t.id).copied().unwrap_or(0),
                translations: translations.of(editions, &t.translation_group, t.id),
                slug: t.slug,
                name: t.name,
                description: t.description,
                translation_group: t.translation_group,
            }
        })
        .collect())
}

list_query! {
    pub struct TagListQuery {
        /// Only tags of this edition (code).
        #[param(min_length = 1)]
        pub edition: Option<String>,
        /// Order; `-` is descending (default `name`).
        #[param(inline)]
        pub sort: Option<TermSort>,
    }
}

/// List tags, by name.
#[utoipa::path(
    tag = "tags",
    params(TagListQuery),
    responses(
        (status = 200, description = "A page of tags", body = ListResponse<TagResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<TagListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let sort = q.sort.unwrap_or_default();
            let window = page.window(sort.name(), &sort.tag_keys().0)?;
            let (mut rows, total) = repo::tags::list(conn, edition_id, sort, &window)?;
            let next = page.next_cursor(sort.name(), &mut rows, total, |t| {
                (sort.values(None, &t.name, &t.slug), t.id)
            });
            Ok((tag_views(conn, &editions, rows)?, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// One tag by id.
#[utoipa::path(
    tag = "tags",
    params(("id" = i64, Path, description = "Tag id")),
    responses(
        (status = 200, description = "The tag", body = TagResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/tags/{id}")]
pub async fn get_tag(
    db: Db,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (tag, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let row = found(repo::tags::find(conn, id)?, "tag")?;
            let revision = row.revision;
            Ok((tag_views(conn, &editions, vec![row])?.remove(0), revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(tag))
}

/// One tag by its slug within an edition.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "Tag slug (percent-encoded in the URL)"), BySlugQuery),
    responses(
        (status = 200, description = "The tag", body = TagResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/tags/by-slug/{slug}")]
pub async fn get_tag_by_slug(
    db: Db,
    slug: web::Path<String>,
    ApiQuery(q): ApiQuery<BySlugQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let (tag, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition = edition_param(&editions, &q.edition, "edition")?;
            let row = found(repo::tags::find_by_slug(conn, edition.id, &slug)?, "tag")?;
            let revision = row.revision;
            Ok((tag_views(conn, &editions, vec![row])?.remove(0), revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(tag))
}

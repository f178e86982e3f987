use std::collections::HashMap;

pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::categories::{CategoryFilter, CategoryRow, TermSort};
use crate::repo::counts::Counted;
use crate::repo::editions::Editions;
use crate::routes::extract::etag;
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, Cursor, ListResponse, PageRequest};
use crate::routes::{
    edition_filter, edition_param, found, groups_of, ApiQuery, AppState, BySlugQuery, Db,
    TranslationIndex, TranslationRef,
};

/// A category; categories nest under a parent in the same edition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub id: i64,
    /// Edition code.
    pub edition: String,
    pub slug: String,
    /// Where a frontend lists the category: `/{edition}/category/{slug}`.
    pub path: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    /// Live posts filed directly in this category, as WordPress counts
    /// them: a parent's count leaves out its subcategories' posts. The
    /// other count, of what `GET /api/v1/posts?category={id}` lists
    /// (subcategories included, each post once), is that list's
    /// `meta.total` (ask with `per_page=1`).
    pub post_count: i64,
    pub translation_group: String,
    /// This category in other editions.
    pub translations: Vec<TranslationRef>,
    /// Subcategories, only with `?tree=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<CategoryResponse>>,
}

/// Category responses for `rows`, with post counts (kept on the rows,
/// corrected for posts going live by their time) and translations: looked
/// up in `every` category when the caller has read them all, otherwise in
/// one query.
pub fn category_views(
    conn: &mut Conn,
    editions: &Editions,
    rows: &[CategoryRow],
    every: Option<&[CategoryRow]>,
    now: NaiveDateTime,
) -> Result<HashMap<i64, CategoryResponse>, ApiError> {
    let mut counts: HashMap<i64, i64> = rows.iter().map(|c| (c.id, c.published_posts)).collect();
    repo::counts::correct(conn, Counted::Categories, &mut counts, now)?;
    let translations = match every {
        Some(every) => TranslationIndex::new(
            every
                .iter()
                .map(|c| {
                    (
                        c.id,
                        c.edition_id,
                        c.slug.clone(),
                        c.translation_group.clone(),
                    )
                })
                .collect(),
        ),
        None => {
            let groups = groups_of(rows.iter().map(|c| &c.translation_group));
            TranslationIndex::new(repo::categories::translations(conn, &groups)?)
        }
    };
    Ok(rows
        .iter()
        .map(|c| {
            let edition = editions.code(c.edition_id).to_string();
            let view = CategoryResponse {
                id: c.id,
                path: paths::category(&edition, &c.slug),
                edition,
                slug: c.slug.clone(),
                name: c.name.clone(),
                description: c.description.clone(),
                parent_id: c.parent_id,
                post_count: counts.get(&c.id).copied().unwrap_or(0),
                translations: translations.of(editions, &c.translation_group, c.id),
                translation_group: c.translation_group.clone(),
                children: None,
            };
            (c.id, view)
        })
        .collect())
}

fn in_order(
    rows: &[CategoryRow],
    mut views: HashMap<i64, CategoryResponse>,
) -> Vec<CategoryResponse> {
    rows.iter().filter_map(|c| views.remove(&c.id)).collect()
}

/// Nests `views` under their parents, starting from `roots`.
fn tree(
    roots: &[i64],
    all: &[CategoryRow],
    views: &mut HashMap<i64, CategoryResponse>,
) -> Vec<CategoryResponse> {
    roots
        .iter()
        .filter_map(|id| {
            let child_ids: Vec<i64> = all
                .iter()
                .filter(|c| c.parent_id == Some(*id))
                .map(|c| c.id)
                .collect();
            let children = tree(&child_ids, all, views);
            views.remove(id).map(|mut v| {
                v.children = Some(children);
                v
            })
        })
        .collect()
}

list_query! {
    pub struct CategoryListQuery {
        /// Only categories of this edition (code).
        #[param(min_length = 1)]
        pub edition: Option<String>,
        /// Only the children of this category id; `0` for top-level categories.
        #[param(minimum = 0)]
        pub parent: Option<i64>,
        /// Nest subcategories under `children`; pages then count top-level
        /// categories (or the children of `parent`).
        pub tree: Option<bool>,
        /// Order; `-` is descending (default `position`, the editors' order).
        #[param(inline)]
        pub sort: Option<TermSort>,
    }
}

/// List categories, or with `?tree=true` the nested tree of an edition.
#[utoipa::path(
    tag = "categories",
    params(CategoryListQuery),
    responses(
        (status = 200, description = "A page of categories", body = ListResponse<CategoryResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/categories")]
pub async fn list_categories(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<CategoryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let now = domain::now();
            let editions = repo::editions::all(conn)?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let parent = match q.parent {
                None => None,
                Some(0) => Some(None),
                Some(id) if id < 0 => {
                    return Err(ApiError::query("parent", "must not be negative"))
                }
                Some(id) => {
                    if repo::categories::find(conn, id)?.is_none() {
                        return Err(ApiError::no_such("parent", format!("no category {id}")));
                    }
                    Some(Some(id))
                }
            };
            if q.tree == Some(true) {
                return category_tree(conn, &editions, edition_id, parent.flatten(), page, now);
            }
            let filter = CategoryFilter { edition_id, parent };
            let sort = q.sort.unwrap_or_default();
            let window = page.window(sort.name(), &sort.category_keys().0)?;
            let (mut rows, total) = repo::categories::list(conn, &filter, sort, &window)?;
            let next = page.next_cursor(sort.name(), &mut rows, total, |c| {
                (sort.values(Some(c.position), &c.name, &c.slug), c.id)
            });
            let views = category_views(conn, &editions, &rows, None, now)?;
            Ok((in_order(&rows, views), total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

fn category_tree(
    conn: &mut Conn,
    editions: &Editions,
    edition_id: Option<i64>,
    parent: Option<i64>,
    page: PageRequest,
    now: NaiveDateTime,
) -> Result<(Vec<CategoryResponse>, i64, Option<Cursor>), ApiError> {
    // Every edition's, where the translations are too.
    let every = repo::categories::all(conn, None)?;
    let all: Vec<CategoryRow> = every
        .iter()
        .filter(|c| edition_id.is_none_or(|id| c.edition_id == id))
        .cloned()
        .collect();
    let roots: Vec<&CategoryRow> = all.iter().filter(|c| c.parent_id == parent).collect();
    let sort = TermSort::Position;
    let (roots, total, next) = page.in_memory("tree", roots, false, |c| {
        (sort.values(Some(c.position), &c.name, &c.slug), c.id)
    })?;
    let page_roots: Vec<i64> = roots.iter().map(|c| c.id).collect();
    let mut views = category_views(conn, editions, &all, Some(&every), now)?;
    Ok((tree(&page_roots, &all, &mut views), total, next))
}

pub fn single(
    conn: &mut Conn,
    editions: &Editions,
    row: Option<CategoryRow>,
) -> Result<CategoryResponse, ApiError> {
    let rows = [found(row, "category")?];
    Ok(in_order(
        &rows,
        category_views(conn, editions, &rows, None, domain::now())?,
    )
    .remove(0))
}

/// One category by id.
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id")),
    responses(
        (status = 200, description = "The category", body = CategoryResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/categories/{id}")]
pub async fn get_category(
    db: Db,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (category, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let row = repo::categories::find(conn, id)?;
            let revision = row.as_ref().map_or(0, |r| r.revision);
            Ok((single(conn, &editions, row)?, revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(category))
}

/// One category by its slug within an edition.
#[utoipa::path(
    tag = "categories",
    params(("slug" = String, Path, description = "Category slug (percent-encoded in the URL)"), BySlugQuery),
    responses(
        (status = 200, description = "The category", body = CategoryResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/categories/by-slug/{slug}")]
pub async fn get_category_by_slug(
    db: Db,
    slug: web::Path<String>,
    ApiQuery(q): ApiQuery<BySlugQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let (category, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition = edition_param(&editions, &q.edition, "edition")?;
            let row = repo::categories::find_by_slug(conn, edition.id, &slug)?;
            let revision = row.as_ref().map_or(0, |r| r.revision);
            Ok((single(conn, &editions, row)?, revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(category))
}

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caching::{self, Named, Parts};
use crate::db::Conn;
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::categories::{CategoryFilter, CategoryRow, TermSort};
use crate::repo::counts::Counted;
use crate::repo::editions::Editions;
use crate::routes::extract::etag;
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, ListResponse, PageRequest, WriteJson};
use crate::routes::{
    edition_filter, edition_param, editions_of, found, groups_of, ApiQuery, AppState, BySlugQuery,
    Db, TranslationIndex, TranslationRef,
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
    if q.tree == Some(true) {
        return tree_reply(&req, db, &state, q, page).await;
    }
    let (data, total, next) = db
        .run(move |conn| {
            let now = domain::now();
            let editions = repo::editions::all(conn)?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let parent = parent_filter(q.parent, |id| {
                Ok(repo::categories::find(conn, id)?.is_some())
            })?;
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

/// The `parent` filter: `None` (any), `Some(None)` (top level, `0`) or
/// `Some(Some(id))` of a category that `exists`.
fn parent_filter(
    parent: Option<i64>,
    exists: impl FnOnce(i64) -> Result<bool, ApiError>,
) -> Result<Option<Option<i64>>, ApiError> {
    match parent {
        None => Ok(None),
        Some(0) => Ok(Some(None)),
        Some(id) if id < 0 => Err(ApiError::query("parent", "must not be negative")),
        Some(id) if exists(id)? => Ok(Some(Some(id))),
        Some(id) => Err(ApiError::no_such("parent", format!("no category {id}"))),
    }
}

/// Every edition's categories as the public sees them, with each one's
/// JSON: kept across public reads ([`Parts`]) until a change names a
/// category (`category-N`, `categories`), a count (`category-N-posts`) or
/// an edition, so that a tree built anew reads nothing and joins kept
/// bytes.
struct EveryCategory {
    /// Every edition's rows, in the editors' order.
    rows: Vec<CategoryRow>,
    /// Each category's view (without `children`) as JSON, with the
    /// surrogate keys it names.
    shown: HashMap<i64, Shown>,
}

struct Shown {
    json: Box<str>,
    names: BTreeSet<String>,
}

impl EveryCategory {
    fn read(
        conn: &mut Conn,
        editions: &Editions,
        parts: Option<&Parts>,
        now: NaiveDateTime,
    ) -> Result<Arc<EveryCategory>, ApiError> {
        if let Some(kept) = parts.and_then(|p| p.get::<EveryCategory>("categories", 0)) {
            return Ok(kept);
        }
        let rows = repo::categories::all(conn, None)?;
        let shown = category_views(conn, editions, &rows, Some(&rows), now)?
            .into_iter()
            .map(|(id, view)| {
                let json = serde_json::to_string(&view).expect("a category is JSON");
                let names = caching::item_keys("category", json.as_bytes());
                let json = json.into_boxed_str();
                (id, Shown { json, names })
            })
            .collect();
        let every = Arc::new(EveryCategory { rows, shown });
        if let Some(parts) = parts {
            let mut keys = BTreeSet::from(["categories".to_string(), "editions".to_string()]);
            for c in &every.rows {
                keys.insert(format!("category-{}", c.id));
                keys.insert(format!("category-{}-posts", c.id));
            }
            let size = every.shown.values().map(|s| 2 * s.json.len() + 256).sum();
            parts.put("categories", 0, every.clone(), keys, size);
        }
        Ok(every)
    }

    /// `roots` with their subcategories, nested.
    fn tree(self: &Arc<Self>, roots: &[i64]) -> Vec<ShownCategory> {
        roots
            .iter()
            .filter(|id| self.shown.contains_key(id))
            .map(|id| {
                let children: Vec<i64> = self
                    .rows
                    .iter()
                    .filter(|c| c.parent_id == Some(*id))
                    .map(|c| c.id)
                    .collect();
                ShownCategory {
                    every: self.clone(),
                    id: *id,
                    children: self.tree(&children),
                }
            })
            .collect()
    }
}

/// A category of a tree as one answer shows it: its kept JSON, with its
/// subcategories under `children`.
struct ShownCategory {
    every: Arc<EveryCategory>,
    id: i64,
    children: Vec<ShownCategory>,
}

impl ShownCategory {
    fn shown(&self) -> &Shown {
        &self.every.shown[&self.id]
    }

    /// The surrogate keys the JSON of `categories` names.
    fn names(categories: &[ShownCategory], names: &mut BTreeSet<String>) {
        for c in categories {
            names.extend(c.shown().names.iter().cloned());
            ShownCategory::names(&c.children, names);
        }
    }
}

impl WriteJson for ShownCategory {
    /// The view's JSON with `children` written before its closing brace:
    /// the same bytes serde writes for the [`CategoryResponse`] (where
    /// `children` is the last field).
    fn write_json(&self, out: &mut Vec<u8>) {
        let json = self.shown().json.as_bytes();
        out.extend_from_slice(&json[..json.len() - 1]);
        out.extend_from_slice(b",\"children\":[");
        for (i, child) in self.children.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            child.write_json(out);
        }
        out.extend_from_slice(b"]}");
    }
}

/// Through serde (a list's envelope asks for it): the JSON it writes.
impl Serialize for ShownCategory {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut json = Vec::new();
        self.write_json(&mut json);
        let value: serde_json::Value =
            serde_json::from_slice(&json).map_err(serde::ser::Error::custom)?;
        value.serialize(serializer)
    }
}

/// The nested tree of categories (of an edition, or under `parent`): a
/// page of top-level categories (or of `parent`'s children), each with
/// its subcategories.
async fn tree_reply(
    req: &HttpRequest,
    db: Db,
    state: &AppState,
    q: CategoryListQuery,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let request = page.clone();
    let parts = Parts::for_request(req);
    let (data, total, next) = db
        .run(move |conn| {
            let now = domain::now();
            let editions = editions_of(conn, parts.as_ref())?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let every = EveryCategory::read(conn, &editions, parts.as_ref(), now)?;
            let parent = parent_filter(q.parent, |id| Ok(every.rows.iter().any(|c| c.id == id)))?;
            let roots: Vec<&CategoryRow> = every
                .rows
                .iter()
                .filter(|c| edition_id.is_none_or(|id| c.edition_id == id))
                .filter(|c| c.parent_id == parent.flatten())
                .collect();
            let sort = TermSort::Position;
            let (roots, total, next) = page.in_memory("tree", roots, false, |c| {
                (sort.values(Some(c.position), &c.name, &c.slug), c.id)
            })?;
            let roots: Vec<i64> = roots.iter().map(|c| c.id).collect();
            Ok((every.tree(&roots), total, next))
        })
        .await?;
    let mut names = BTreeSet::new();
    ShownCategory::names(&data, &mut names);
    let mut res =
        ListResponse::new(req, &state.public_url, data, total, request, next).respond_written(None);
    res.extensions_mut().insert(Named {
        list: true,
        items: names,
    });
    Ok(res)
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

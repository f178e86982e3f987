use std::collections::HashMap;

pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::{self, paths};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::menus::{MenuItemRow, MenuRow};
use crate::routes::extract::etag;
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{
    edition_filter, edition_param, found, groups_of, ApiQuery, AppState, BySlugQuery, Db,
    TranslationIndex, TranslationRef,
};

pub use crate::domain::MenuItemType;

/// The resource a menu item points at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MenuTarget {
    pub id: i64,
    pub slug: String,
}

/// A menu entry; entries nest.
#[derive(Debug, Serialize, ToSchema)]
pub struct MenuItemResponse {
    pub id: i64,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: MenuItemType,
    /// The category, tag, post or page pointed at; null for URLs.
    pub target: Option<MenuTarget>,
    /// The frontend path of the target (`/fa/category/...`), or the URL.
    pub url: String,
    #[schema(no_recursion)]
    pub children: Vec<MenuItemResponse>,
}

/// A navigation menu of an edition.
#[derive(Debug, Serialize, ToSchema)]
pub struct MenuResponse {
    pub id: i64,
    /// Edition code.
    pub edition: String,
    pub slug: String,
    pub name: String,
    /// Where a theme shows the menu (`primary`, `footer`, ...).
    pub location: Option<String>,
    pub translation_group: String,
    pub translations: Vec<TranslationRef>,
    pub items: Vec<MenuItemResponse>,
}

/// A menu item resolved to its target, before nesting.
struct Resolved {
    row: MenuItemRow,
    kind: MenuItemType,
    target: Option<MenuTarget>,
    url: String,
}

/// Menu responses for `menus`, in order. Items pointing at something that is
/// not public (a draft, say) are left out with their children. The number of
/// queries does not depend on the number of menus or items.
pub fn menu_views(
    conn: &mut Conn,
    editions: &Editions,
    menus: Vec<MenuRow>,
) -> Result<Vec<MenuResponse>, ApiError> {
    let now = domain::now();
    let menu_ids: Vec<i64> = menus.iter().map(|m| m.id).collect();
    let items = repo::menus::items_of(conn, &menu_ids)?;
    let ids_of =
        |f: fn(&MenuItemRow) -> Option<i64>| -> Vec<i64> { items.iter().filter_map(f).collect() };
    let by_id = |rows: Vec<(i64, i64, String)>| -> HashMap<i64, (String, String)> {
        rows.into_iter()
            .map(|(id, edition_id, slug)| (id, (editions.code(edition_id).to_string(), slug)))
            .collect()
    };
    let categories = by_id(repo::categories::slugs_by_ids(
        conn,
        &ids_of(|i| i.category_id),
    )?);
    let tags = by_id(repo::tags::slugs_by_ids(conn, &ids_of(|i| i.tag_id))?);
    let posts: HashMap<i64, (String, String, bool)> =
        repo::posts::live_posts_by_ids(conn, &ids_of(|i| i.post_id), now)?
            .into_iter()
            .map(|(id, edition_id, slug, kind)| {
                (
                    id,
                    (editions.code(edition_id).to_string(), slug, kind == "page"),
                )
            })
            .collect();

    let mut resolved: HashMap<i64, Vec<Resolved>> = HashMap::new();
    for row in items {
        let target = |id: Option<i64>, slug: &str| {
            id.map(|id| MenuTarget {
                id,
                slug: slug.to_string(),
            })
        };
        let item = match row.target_kind.as_str() {
            "category" => row
                .category_id
                .and_then(|id| categories.get(&id))
                .map(|(e, s)| {
                    (
                        MenuItemType::Category,
                        target(row.category_id, s),
                        paths::category(e, s),
                    )
                }),
            "tag" => row
                .tag_id
                .and_then(|id| tags.get(&id))
                .map(|(e, s)| (MenuItemType::Tag, target(row.tag_id, s), paths::tag(e, s))),
            "post" => row
                .post_id
                .and_then(|id| posts.get(&id))
                .map(|(e, s, is_page)| {
                    let kind = if *is_page {
                        MenuItemType::Page
                    } else {
                        MenuItemType::Post
                    };
                    (kind, target(row.post_id, s), paths::post(e, s))
                }),
            _ => row.url.clone().map(|url| (MenuItemType::Url, None, url)),
        };
        if let Some((kind, target, url)) = item {
            resolved.entry(row.menu_id).or_default().push(Resolved {
                row,
                kind,
                target,
                url,
            });
        }
    }

    let groups = groups_of(menus.iter().map(|m| &m.translation_group));
    let translations = TranslationIndex::new(repo::menus::translations(conn, &groups)?);
    Ok(menus
        .into_iter()
        .map(|m| {
            let mut items = resolved.remove(&m.id).unwrap_or_default();
            MenuResponse {
                id: m.id,
                edition: editions.code(m.edition_id).to_string(),
                items: nest(None, &mut items),
                translations: translations.of(editions, &m.translation_group, m.id),
                slug: m.slug,
                name: m.name,
                location: m.location,
                translation_group: m.translation_group,
            }
        })
        .collect())
}

/// Takes the items under `parent` (already in order) and nests theirs.
fn nest(parent: Option<i64>, items: &mut Vec<Resolved>) -> Vec<MenuItemResponse> {
    let (mine, rest): (Vec<Resolved>, Vec<Resolved>) = std::mem::take(items)
        .into_iter()
        .partition(|i| i.row.parent_id == parent);
    *items = rest;
    mine.into_iter()
        .map(|i| MenuItemResponse {
            children: nest(Some(i.row.id), items),
            id: i.row.id,
            label: i.row.label,
            kind: i.kind,
            target: i.target,
            url: i.url,
        })
        .collect()
}

list_query! {
    pub struct MenuListQuery {
        /// Only menus of this edition (code).
        #[param(min_length = 1)]
        pub edition: Option<String>,
    }
}

/// List navigation menus with their nested items.
#[utoipa::path(
    tag = "menus",
    params(MenuListQuery),
    responses(
        (status = 200, description = "A page of menus", body = ListResponse<MenuResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/menus")]
pub async fn list_menus(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<MenuListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let window = page.window("slug", &repo::menus::MENU_KEYS)?;
            let (mut rows, total) = repo::menus::list(conn, edition_id, &window)?;
            let next = page.next_cursor("slug", &mut rows, total, |m| {
                (vec![m.edition_id.into(), m.slug.as_str().into()], m.id)
            });
            Ok((menu_views(conn, &editions, rows)?, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// One menu by id.
#[utoipa::path(
    tag = "menus",
    params(("id" = i64, Path, description = "Menu id")),
    responses(
        (status = 200, description = "The menu", body = MenuResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/menus/{id}")]
pub async fn get_menu(
    db: Db,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (menu, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let row = found(repo::menus::find(conn, id)?, "menu")?;
            let revision = row.revision;
            Ok((menu_views(conn, &editions, vec![row])?.remove(0), revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(menu))
}

/// One menu by its slug within an edition.
#[utoipa::path(
    tag = "menus",
    params(("slug" = String, Path, description = "Menu slug (percent-encoded in the URL)"), BySlugQuery),
    responses(
        (status = 200, description = "The menu", body = MenuResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/menus/by-slug/{slug}")]
pub async fn get_menu_by_slug(
    db: Db,
    slug: web::Path<String>,
    ApiQuery(q): ApiQuery<BySlugQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let (menu, revision) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition = edition_param(&editions, &q.edition, "edition")?;
            let row = found(repo::menus::find_by_slug(conn, edition.id, &slug)?, "menu")?;
            let revision = row.revision;
            Ok((menu_views(conn, &editions, vec![row])?.remove(0), revision))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(menu))
}

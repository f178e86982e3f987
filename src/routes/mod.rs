//! HTTP handlers, one module per resource, and what they share.
//!
//! Where a request goes: [`configure`] lists every route; each handler
//! parses its input, runs `repo::` functions through [`Db::run`], and maps
//! rows to the response types declared beside it.

pub mod auth;
pub mod authors;
pub mod categories;
pub mod comments;
pub mod editions;
pub mod extract;
pub mod feeds;
pub mod fields;
pub mod files;
pub mod health;
pub mod media;
pub mod menus;
pub mod pagination;
pub mod posts;
pub mod principal;
pub mod redirects;
pub mod schemas;
pub mod site;
pub mod tags;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod writes;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::caching::Parts;
use crate::db::Conn;
use crate::error::ApiError;
use crate::repo;
use crate::repo::editions::{EditionRow, Editions};
use crate::repo::TranslationRow;

pub use extract::{ApiQuery, Db};

/// What handlers need besides the database.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Base URL of this API as clients reach it, without a trailing slash.
    pub public_url: String,
    /// Base URL of the media store's files, without a trailing slash.
    pub media_url: String,
    /// Base URL of the frontend site, for feeds and sitemaps, without a
    /// trailing slash.
    pub site_url: String,
    /// How many of the newest matches of a search are ranked.
    pub search_window: i64,
    /// How reader comments are taken.
    pub comments: crate::content::comments::Policy,
    /// How preview tokens are made.
    pub previews: posts::previews::PreviewPolicy,
}

/// Every route of the API. The OpenAPI document is collected from here too,
/// so a route cannot exist without being documented.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(feeds::category_feed)
        .service(feeds::edition_feed)
        .service(feeds::sitemap_index)
        .service(feeds::edition_sitemap)
        .service(
            scope::scope("/api/v1")
                .service(editions::list_editions)
                .service(editions::get_edition)
                .service(editions::write::create_edition)
                .service(editions::write::update_edition)
                .service(editions::write::delete_edition)
                .service(site::get_site)
                .service(site::update_site)
                .service(posts::list_posts)
                .service(posts::get_post_by_slug)
                .service(posts::get_post)
                .service(posts::write::create_post)
                .service(posts::write::update_post)
                .service(posts::write::delete_post)
                .service(posts::write::restore_post)
                .service(posts::previews::create_preview)
                .service(posts::previews::delete_previews)
                .service(posts::revisions::list_revisions)
                .service(posts::revisions::get_revision)
                .service(posts::revisions::restore_revision)
                .service(categories::list_categories)
                .service(categories::get_category_by_slug)
                .service(categories::get_category)
                .service(categories::write::create_category)
                .service(categories::write::update_category)
                .service(categories::write::delete_category)
                .service(tags::list_tags)
                .service(tags::get_tag_by_slug)
                .service(tags::get_tag)
                .service(tags::write::create_tag)
                .service(tags::write::update_tag)
                .service(tags::write::delete_tag)
                .service(media::list_media)
                .service(media::get_media)
                .service(media::write::create_media)
                .service(media::write::update_media)
                .service(media::write::delete_media)
                .service(menus::list_menus)
                .service(menus::get_menu_by_slug)
                .service(menus::get_menu)
                .service(menus::write::create_menu)
                .service(menus::write::update_menu)
                .service(menus::write::delete_menu)
                .service(comments::list_post_comments)
                .service(comments::create_comment)
                .service(comments::list_comments)
                .service(comments::moderate_comments)
                .service(comments::get_comment)
                .service(comments::update_comment)
                .service(comments::delete_comment)
                .service(authors::list_authors)
                .service(authors::get_author_by_slug)
                .service(authors::get_author)
                .service(auth::create_auth_token)
                .service(redirects::list_redirects)
                .service(tokens::create_token)
                .service(tokens::list_tokens)
                .service(tokens::get_token)
                .service(tokens::revoke_token)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_me)
                .service(users::get_user)
                .service(users::update_me)
                .service(users::update_user)
                .service(users::delete_user)
                .service(webhooks::create_webhook)
                .service(webhooks::list_webhooks)
                .service(webhooks::get_webhook)
                .service(webhooks::update_webhook)
                .service(webhooks::delete_webhook)
                .service(webhooks::test_webhook)
                .service(webhooks::list_deliveries)
                .service(webhooks::retry_delivery),
        );
}

/// Looks up the edition a request names: an empty code is a 400, an
/// unknown one a 404, both naming `param`.
pub fn edition_param<'a>(
    editions: &'a Editions,
    code: &str,
    param: &str,
) -> Result<&'a EditionRow, ApiError> {
    if code.is_empty() {
        return Err(ApiError::query(param, "must not be empty"));
    }
    editions.by_code(code).ok_or_else(|| {
        let known: Vec<&str> = editions.0.iter().map(|e| e.code.as_str()).collect();
        ApiError::no_such(
            param,
            format!("no edition `{code}`; editions: {}", known.join(", ")),
        )
    })
}

/// The edition a slug is looked up in.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BySlugQuery {
    /// Edition code: slugs are unique within an edition.
    #[param(min_length = 1)]
    pub edition: String,
}

/// Every edition. A public read keeps them across answers (see [`Parts`])
/// until an edition changes, one query fewer for each; other reads load
/// them.
pub fn editions_of(conn: &mut Conn, parts: Option<&Parts>) -> Result<Arc<Editions>, ApiError> {
    if let Some(kept) = parts.and_then(|p| p.get::<Editions>("editions", 0)) {
        return Ok(kept);
    }
    let editions = Arc::new(repo::editions::all(conn)?);
    if let Some(parts) = parts {
        let size = editions.0.len() * 512;
        let keys = BTreeSet::from(["editions".to_string()]);
        parts.put("editions", 0, editions.clone(), keys, size);
    }
    Ok(editions)
}

/// The edition id a list is narrowed to by its `edition` parameter, if any.
pub fn edition_filter(editions: &Editions, code: Option<&str>) -> Result<Option<i64>, ApiError> {
    code.map(|code| edition_param(editions, code, "edition").map(|e| e.id))
        .transpose()
}

/// The same item in another edition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TranslationRef {
    /// Edition code.
    pub edition: String,
    pub id: i64,
    pub slug: String,
}

/// A category or tag as a post lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// Translation groups and their members, loaded for a page of items.
pub struct TranslationIndex(HashMap<String, Vec<(i64, i64, String)>>);

impl TranslationIndex {
    pub fn new(rows: Vec<TranslationRow>) -> Self {
        let mut groups: HashMap<String, Vec<(i64, i64, String)>> = HashMap::new();
        for (id, edition_id, slug, group) in rows {
            groups
                .entry(group)
                .or_default()
                .push((id, edition_id, slug));
        }
        TranslationIndex(groups)
    }

    /// The other members of `group`, in edition order.
    pub fn of(&self, editions: &Editions, group: &str, this: i64) -> Vec<TranslationRef> {
        let mut refs: Vec<(i32, TranslationRef)> = self
            .0
            .get(group)
            .into_iter()
            .flatten()
            .filter(|(id, _, _)| *id != this)
            .map(|(id, edition_id, slug)| {
                let edition = editions.by_id(*edition_id);
                (
                    edition.map(|e| e.position).unwrap_or_default(),
                    TranslationRef {
                        edition: edition.map(|e| e.code.clone()).unwrap_or_default(),
                        id: *id,
                        slug: slug.clone(),
                    },
                )
            })
            .collect();
        refs.sort_by_key(|(position, r)| (*position, r.id));
        refs.into_iter().map(|(_, r)| r).collect()
    }
}

/// The distinct translation groups of some items.
pub fn groups_of<'a>(groups: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = groups.cloned().collect();
    out.sort();
    out.dedup();
    out
}

/// Deserialises a field that may be absent (`None`), `null`
/// (`Some(None)`) or a value (`Some(Some(v))`), for partial updates.
pub fn nullable<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

/// A single resource, or 404.
pub fn found<T>(item: Option<T>, what: &str) -> Result<T, ApiError> {
    item.ok_or_else(|| ApiError::not_found(format!("no such {what}")))
}

/// What answers a request no route takes: 405 with `Allow` when the path
/// exists for other methods, 404 otherwise; both as problem documents.
pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    let error = match routes.methods_for(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
        },
        None => ApiError::not_found(format!("no route for {}", req.path())),
    };
    actix_web::ResponseError::error_response(&error)
}

/// The path templates of the OpenAPI document and their methods.
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = Vec::new();
                let ops = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                for (name, present) in ops {
                    if present {
                        methods.push(name.to_string());
                        if name == "GET" {
                            methods.push("HEAD".to_string());
                        }
                    }
                }
                (segments, methods)
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods of a documented path with no parameters that is exactly
    /// `path` (`/users/me`), which wins over templates such as `/users/{id}`.
    pub fn literal_methods(&self, path: &str) -> Option<Vec<String>> {
        self.0
            .iter()
            .find(|(template, _)| {
                template.join("/") == path && !template.iter().any(|t| t.starts_with('{'))
            })
            .map(|(_, methods)| methods.clone())
    }

    fn methods_for(&self, path: &str) -> Option<Vec<String>> {
        if let Some(literal) = self.literal_methods(path) {
            return Some(literal);
        }
        let segments: Vec<&str> = path.split('/').collect();
        let matches = |template: &[String]| {
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| {
                    (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                })
        };
        let mut allow: Vec<String> = Vec::new();
        for (_, methods) in self.0.iter().filter(|(template, _)| matches(template)) {
            for method in methods {
                if !allow.contains(method) {
                    allow.push(method.clone());
                }
            }
        }
        (!allow.is_empty()).then_some(allow)
    }
}

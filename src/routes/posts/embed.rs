//! `include=`: whole objects embedded in posts, in a fixed number of
//! queries per page whatever its size.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::{self, paths, Direction};
use crate::error::ApiError;
use crate::repo;
use crate::repo::editions::Editions;
use crate::routes::authors::{author_views, AuthorResponse};
use crate::routes::categories::{category_views, CategoryResponse};
use crate::routes::groups_of;
use crate::routes::posts::{PostResponse, ShownPost};
use crate::routes::tags::{tag_views, TagResponse};
use crate::routes::AppState;

/// What `include` may name.
pub const INCLUDABLE: [&str; 5] = [
    "author",
    "categories",
    "tags",
    "featured_media",
    "translations",
];

/// The objects `include` asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Includes {
    pub author: bool,
    pub categories: bool,
    pub tags: bool,
    pub translations: bool,
}

impl Includes {
    /// Parses `author,categories,...`; `featured_media` is accepted and
    /// always embedded whole anyway.
    pub fn parse(raw: Option<&str>) -> Result<Includes, ApiError> {
        let mut includes = Includes::default();
        let Some(raw) = raw else {
            return Ok(includes);
        };
        for name in raw.split(',').map(str::trim) {
            match name {
                "author" => includes.author = true,
                "categories" => includes.categories = true,
                "tags" => includes.tags = true,
                "translations" => includes.translations = true,
                "featured_media" => {}
                other => {
                    return Err(ApiError::query(
                        "include",
                        format!("`{other}` is not one of {}", INCLUDABLE.join(", ")),
                    ))
                }
            }
        }
        Ok(includes)
    }

    fn any(self) -> bool {
        self != Includes::default()
    }
}

/// A translation of a post, as `include=translations` embeds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TranslatedPost {
    pub id: i64,
    /// Edition code, which is also the `hreflang` of the translation.
    pub edition: String,
    pub direction: Direction,
    pub slug: String,
    pub path: String,
    pub title: String,
    pub excerpt: String,
    pub published_at: Option<DateTime<Utc>>,
}

/// Whole objects a post refers to, as `include` asked for them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PostEmbedded {
    /// The author's public profile (`include=author`; absent when the post
    /// has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<AuthorResponse>,
    /// The post's categories, whole (`include=categories`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryResponse>>,
    /// The post's tags, whole (`include=tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagResponse>>,
    /// The live translations of the post, with their titles and excerpts
    /// (`include=translations`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<TranslatedPost>>,
}

/// Fills `embedded` on `posts` as `includes` asks: at most one query per
/// kind of object (two or three with their counts and translations),
/// whatever the number of posts.
pub fn embed(
    conn: &mut Conn,
    editions: &Editions,
    state: &AppState,
    posts: &mut [ShownPost],
    includes: Includes,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if !includes.any() {
        return Ok(());
    }
    let views: Vec<&PostResponse> = posts.iter().map(ShownPost::view).collect();
    let mut authors: HashMap<i64, AuthorResponse> = HashMap::new();
    if includes.author {
        let ids = distinct(views.iter().filter_map(|v| v.author.as_ref().map(|a| a.id)));
        let rows = repo::users::authors_by_ids(conn, &ids)?;
        for a in author_views(conn, state, rows, now)? {
            authors.insert(a.id, a);
        }
    }
    let mut categories: HashMap<i64, CategoryResponse> = HashMap::new();
    if includes.categories {
        let ids = distinct(views.iter().flat_map(|v| v.categories.iter().map(|c| c.id)));
        let rows = repo::categories::by_ids(conn, &ids)?;
        categories = category_views(conn, editions, &rows, None, now)?;
    }
    let mut tags: HashMap<i64, TagResponse> = HashMap::new();
    if includes.tags {
        let ids = distinct(views.iter().flat_map(|v| v.tags.iter().map(|t| t.id)));
        let rows = repo::tags::by_ids(conn, &ids)?;
        for t in tag_views(conn, editions, rows)? {
            tags.insert(t.id, t);
        }
    }
    let mut translations: HashMap<String, Vec<TranslatedPost>> = HashMap::new();
    if includes.translations {
        let groups = groups_of(views.iter().map(|v| &v.translation_group));
        for row in repo::posts::live_in_groups(conn, &groups, now)? {
            let edition = editions.by_id(row.edition_id);
            let code = edition.map(|e| e.code.clone()).unwrap_or_default();
            translations
                .entry(row.translation_group)
                .or_default()
                .push(TranslatedPost {
                    id: row.id,
                    direction: editions.direction(row.edition_id),
                    path: paths::post(&code, &row.slug),
                    edition: code,
                    slug: row.slug,
                    title: row.title,
                    excerpt: row.excerpt,
                    published_at: row.published_at.map(domain::utc),
                });
        }
    }
    for post in posts {
        let view = post.view();
        // Clones: the same author or category may serve several posts.
        let embedded = PostEmbedded {
            author: view
                .author
                .as_ref()
                .and_then(|a| authors.get(&a.id).cloned()),
            categories: includes.categories.then(|| {
                view.categories
                    .iter()
                    .filter_map(|c| categories.get(&c.id).cloned())
                    .collect()
            }),
            tags: includes.tags.then(|| {
                view.tags
                    .iter()
                    .filter_map(|t| tags.get(&t.id).cloned())
                    .collect()
            }),
            translations: includes.translations.then(|| {
                let order = |code: &str| editions.by_code(code).map(|e| e.position);
                let mut others: Vec<TranslatedPost> = translations
                    .get(&view.translation_group)
                    .into_iter()
                    .flatten()
                    .filter(|t| t.id != view.id)
                    .cloned()
                    .collect();
                others.sort_by_key(|t| (order(&t.edition), t.id));
                others
            }),
        };
        post.embedded = Some(embedded);
    }
    Ok(())
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

pub mod embed;
pub mod previews;
pub mod revisions;
mod shown;
pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::caching::Parts;
use crate::db::keyset::Window;
use crate::db::Conn;
use crate::domain::content::plain_text;
use crate::domain::search::{self, SearchQuery};
use crate::domain::{self, paths, Direction, IdOrSlug, PostKind, PostStatus};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::posts::{Columns, PostFilter, PostRow, PostSort, Ranked, State, Visibility};
use crate::routes::extract::etag;
use crate::routes::fields::{Fields, Shape, FIELDS_MEDIA_TYPE};
use crate::routes::media::{media_views, MediaResponse};
use crate::routes::pagination::{list_query, ListResponse, WriteJson};
use crate::routes::principal::Viewer;
use crate::routes::{
    edition_filter, edition_param, editions_of, found, groups_of, ApiQuery, AppState, Db, TermRef,
    TranslationIndex, TranslationRef,
};
use embed::Includes;
pub use shown::{shown_posts, Neighbours, Showing, ShownPost};

/// A post's author, as bylines show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorSummary {
    pub id: i64,
    pub slug: String,
    pub display_name: String,
}

/// A picture in a post's gallery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GalleryItem {
    /// The caption this post gives the picture (the media item has its own).
    pub caption: String,
    pub media: MediaResponse,
}

/// An article or a page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostResponse {
    pub id: i64,
    pub kind: PostKind,
    /// Edition code.
    pub edition: String,
    /// Writing direction of the edition, for `dir` attributes.
    pub direction: Direction,
    pub slug: String,
    /// Where a frontend shows the post: `/{edition}/{slug}`.
    pub path: String,
    pub title: String,
    pub excerpt: String,
    /// Sanitised HTML.
    pub content: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub author: Option<AuthorSummary>,
    pub categories: Vec<TermRef>,
    pub tags: Vec<TermRef>,
    pub featured_media: Option<MediaResponse>,
    /// Pictures shown as a gallery, in order, with captions for this post.
    pub gallery: Vec<GalleryItem>,
    /// Sticky: shown first by frontends that feature posts.
    pub featured: bool,
    /// Approved reader comments (`GET /posts/{id}/comments`).
    pub comment_count: i32,
    /// Whether readers may comment (`POST /posts/{id}/comments`).
    pub comments_open: bool,
    /// A page's parent page (pages imported from WordPress keep theirs).
    pub parent_id: Option<i64>,
    /// Shared by the translations of this post.
    pub translation_group: String,
    /// The live translations of this post in other editions.
    pub translations: Vec<TranslationRef>,
    /// The post and its live translations as `<link rel="alternate"
    /// hreflang>` wants them, this post first, then `x-default` (the
    /// default edition's) when there is one.
    pub alternates: Vec<Alternate>,
    /// Lists with `lang_fallback` only: the edition asked for, when this
    /// post stands in for a translation that edition lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_for: Option<String>,
    /// Whole objects asked for with `include`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded: Option<embed::PostEmbedded>,
    /// Search results only: a piece of the post's text (HTML-escaped plain
    /// text) around the words searched for, each match in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_snippet: Option<String>,
    /// Single posts only (by id or slug): the next older live post of the
    /// same edition and kind by `published_at` (an article page's "older
    /// post" link), or null for the oldest.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PostLink>)]
    pub previous: Option<Option<PostLink>>,
    /// Single posts only: the next newer live post of the same edition and
    /// kind, or null for the newest.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PostLink>)]
    pub next: Option<Option<PostLink>>,
    /// Editors only: when the post was moved to the trash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<DateTime<Utc>>,
    /// Editors only: the post's version, as in its `ETag`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    /// Editors only: who created the post.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    /// Editors only: who changed it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    /// Editors only: who published or scheduled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_by: Option<i64>,
}

/// Another post, as a link to it names it (a post's neighbours).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostLink {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Where a frontend shows it: `/{edition}/{slug}`.
    pub path: String,
}

impl PostLink {
    fn new(edition: &str, (id, slug, title, published_at): repo::posts::NeighbourRow) -> PostLink {
        PostLink {
            path: paths::post(edition, &slug),
            id,
            slug,
            title,
            published_at: published_at.map(domain::utc),
        }
    }
}

/// A language version of a page, for `hreflang` links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alternate {
    /// The edition's code, a BCP 47 language tag, or `x-default`.
    pub hreflang: String,
    /// The frontend path of that version (`/{edition}/{slug}`).
    pub path: String,
}

/// Alternates of a post in edition `code` with `translations`.
pub fn alternates(
    editions: &Editions,
    code: &str,
    slug: &str,
    translations: &[TranslationRef],
) -> Vec<Alternate> {
    let this = std::iter::once((code, slug));
    let all: Vec<(&str, &str)> = this
        .chain(
            translations
                .iter()
                .map(|t| (t.edition.as_str(), t.slug.as_str())),
        )
        .collect();
    let mut out: Vec<Alternate> = all
        .iter()
        .map(|(code, slug)| Alternate {
            hreflang: (*code).to_string(),
            path: paths::post(code, slug),
        })
        .collect();
    let default = all
        .iter()
        .find(|(code, _)| editions.by_code(code).is_some_and(|e| e.is_default));
    if let Some((code, slug)) = default {
        out.push(Alternate {
            hreflang: "x-default".into(),
            path: paths::post(code, slug),
        });
    }
    out
}

/// Whether `viewer` may see `post`: the public sees live posts; readers
/// also see their own, and editors everyone's.
pub fn may_view(post: &PostRow, viewer: Option<&Principal>, now: NaiveDateTime) -> bool {
    post.is_live(now)
        || viewer.is_some_and(|p| p.role.edits_others() || post.author_id == Some(p.user_id))
}

/// What a public list's filter selects (its total, or a search's
/// ranking), kept in [`Parts`] under a hash of the filter (all of it but
/// the moment) until a post changes (`posts`: anything published, edited
/// while live, unpublished, trashed, or going live by its time) or an
/// edition does: counting and ranking are the most a page of a large list
/// costs.
struct ByFilter<T> {
    filter: String,
    value: T,
}

impl<T: Clone + Send + Sync + 'static> ByFilter<T> {
    /// The filter as the key of what it selects: every field but `now`,
    /// named one by one so that a new field cannot be left out.
    fn key(filter: &PostFilter) -> (i64, String) {
        let PostFilter {
            now: _,
            visibility,
            edition_id,
            fallback_edition_id,
            kind,
            category_ids,
            tag_ids,
            author_ids,
            after,
            before,
            featured,
            search,
        } = filter;
        let text = format!(
            "{visibility:?} {edition_id:?} {fallback_edition_id:?} {kind:?} {category_ids:?} \
             {tag_ids:?} {author_ids:?} {after:?} {before:?} {featured:?} {search:?}"
        );
        (xxhash_rust::xxh3::xxh3_64(text.as_bytes()) as i64, text)
    }

    /// What is kept as `kind` for `filter`.
    fn of(parts: &Parts, kind: &'static str, filter: &PostFilter) -> Option<T> {
        let (hash, text) = Self::key(filter);
        let kept = parts.get::<ByFilter<T>>(kind, hash)?;
        (kept.filter == text).then(|| kept.value.clone())
    }

    /// Keeps `value` as `kind` for `filter`; `size` is about what it holds.
    fn keep(parts: &Parts, kind: &'static str, filter: &PostFilter, value: T, size: usize) {
        let (hash, text) = Self::key(filter);
        let size = size + text.len() + 64;
        let keys = BTreeSet::from(["posts".to_string(), "editions".to_string()]);
        let kept = ByFilter {
            filter: text,
            value,
        };
        parts.put(kind, hash, Arc::new(kept), keys, size);
    }
}

/// The rows of `window` of a list and how many are in it: ranked by
/// relevance (`Some` estimate of all matches when more match than are
/// ranked), or in `sort` order. `parts` for a public list, whose rows
/// come without their texts (their views are kept: see [`shown_posts`]).
fn list_rows(
    conn: &mut Conn,
    filter: &PostFilter,
    sort: PostSort,
    window: &Window,
    search_window: i64,
    parts: Option<&Parts>,
) -> Result<(Vec<PostRow>, i64, Option<i64>), ApiError> {
    if sort == PostSort::Relevance && filter.search.is_some() {
        let ranked = match parts.and_then(|p| ByFilter::<Arc<Ranked>>::of(p, "ranking", filter)) {
            Some(ranked) => ranked,
            None => {
                let ranked = Arc::new(repo::posts::rank(conn, filter, search_window)?);
                if let Some(parts) = parts {
                    let size = ranked.ids.len() * 8;
                    ByFilter::keep(parts, "ranking", filter, ranked.clone(), size);
                }
                ranked
            }
        };
        let len = ranked.ids.len();
        let from = usize::try_from(window.offset)
            .unwrap_or(usize::MAX)
            .min(len);
        let to = from.saturating_add(window.limit as usize).min(len);
        let rows = repo::posts::by_ids(conn, &ranked.ids[from..to], columns(parts))?;
        return Ok((rows, len as i64, ranked.estimated.then_some(ranked.total)));
    }
    let kept = parts.and_then(|p| ByFilter::<i64>::of(p, "total", filter));
    let (rows, total) = repo::posts::list(conn, filter, sort, window, kept, columns(parts))?;
    if let (Some(parts), None) = (parts, kept) {
        ByFilter::keep(parts, "total", filter, total, 8);
    }
    Ok((rows, total, None))
}

/// The columns of posts a list reads: without their texts where their
/// views are kept.
pub fn columns(parts: Option<&Parts>) -> Columns {
    match parts {
        Some(_) => Columns::Heads,
        None => Columns::Whole,
    }
}

/// Post responses for `rows`, built from the database, in the same
/// order. Whatever the number of rows, this makes the same few queries:
/// one each for categories, tags, authors, galleries, media (featured and
/// gallery), their renditions and translations.
pub(super) fn build_views(
    conn: &mut Conn,
    showing: &Showing,
    rows: Vec<PostRow>,
) -> Result<Vec<PostResponse>, ApiError> {
    let Showing {
        editions,
        state,
        now,
        private,
    } = *showing;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut categories = terms_by_post(repo::posts::categories_of(conn, &ids)?);
    let mut tags = terms_by_post(repo::posts::tags_of(conn, &ids)?);

    let mut author_ids: Vec<i64> = rows.iter().filter_map(|p| p.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors: HashMap<i64, AuthorSummary> = repo::users::authors_by_ids(conn, &author_ids)?
        .into_iter()
        .map(|a| {
            let summary = AuthorSummary {
                id: a.id,
                slug: a.slug,
                display_name: a.display_name,
            };
            (a.id, summary)
        })
        .collect();

    let gallery_rows = repo::posts::galleries_of(conn, &ids)?;
    let mut media_ids: Vec<i64> = rows.iter().filter_map(|p| p.featured_media_id).collect();
    media_ids.extend(gallery_rows.iter().map(|g| g.2));
    media_ids.sort_unstable();
    media_ids.dedup();
    let media_rows = repo::media::by_ids(conn, &media_ids)?;
    let media: HashMap<i64, MediaResponse> = media_views(conn, editions, state, media_rows, false)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();

    let mut galleries: HashMap<i64, Vec<GalleryItem>> = HashMap::new();
    for (post_id, _, media_id, caption) in gallery_rows {
        if let Some(media) = media.get(&media_id) {
            galleries.entry(post_id).or_default().push(GalleryItem {
                caption,
                media: media.clone(),
            });
        }
    }

    let groups = groups_of(rows.iter().map(|p| &p.translation_group));
    let translations = TranslationIndex::new(repo::posts::live_translations(conn, &groups, now)?);

    Ok(rows
        .into_iter()
        .map(|p| {
            let edition = editions.by_id(p.edition_id);
            let code = edition.map(|e| e.code.clone()).unwrap_or_default();
            let status = p.effective_status(now);
            let translations = translations.of(editions, &p.translation_group, p.id);
            PostResponse {
                alternates: alternates(editions, &code, &p.slug, &translations),
                trashed_at: p.deleted_at.map(domain::utc).filter(|_| private),
                revision: Some(p.revision).filter(|_| private),
                created_by: p.created_by.filter(|_| private),
                updated_by: p.updated_by.filter(|_| private),
                published_by: p.published_by.filter(|_| private),
                id: p.id,
                kind: p.kind.parse().unwrap_or(PostKind::Article),
                direction: editions.direction(p.edition_id),
                path: paths::post(&code, &p.slug),
                edition: code,
                slug: p.slug,
                title: p.title,
                excerpt: p.excerpt,
                content: p.content,
                status,
                published_at: p.published_at.map(domain::utc),
                updated_at: domain::utc(p.updated_at),
                author: p.author_id.and_then(|id| authors.get(&id).cloned()),
                categories: categories.remove(&p.id).unwrap_or_default(),
                tags: tags.remove(&p.id).unwrap_or_default(),
                featured_media: p.featured_media_id.and_then(|id| media.get(&id).cloned()),
                gallery: galleries.remove(&p.id).unwrap_or_default(),
                featured: p.featured,
                comment_count: p.comment_count,
                comments_open: p.comments_open,
                parent_id: p.parent_id,
                translations,
                translation_group: p.translation_group,
                search_snippet: None,
                previous: None,
                next: None,
                fallback_for: None,
                embedded: None,
            }
        })
        .collect())
}

fn terms_by_post(rows: Vec<repo::posts::PostTerm>) -> HashMap<i64, Vec<TermRef>> {
    let mut map: HashMap<i64, Vec<TermRef>> = HashMap::new();
    for (post_id, id, slug, name) in rows {
        map.entry(post_id)
            .or_default()
            .push(TermRef { id, slug, name });
    }
    map
}

list_query! {
    pub struct PostListQuery {
        /// Only posts of this edition (code, e.g. `fa`).
        #[param(min_length = 1)]
        pub edition: Option<String>,
        /// Categories by id or slug, comma-separated; posts in their
        /// subcategories are included. Slugs are looked up in `edition` when
        /// it is given, otherwise in every edition.
        #[param(min_length = 1)]
        pub category: Option<String>,
        /// Tags by id or slug, comma-separated.
        #[param(min_length = 1)]
        pub tag: Option<String>,
        /// Authors by id or slug, comma-separated.
        #[param(min_length = 1)]
        pub author: Option<String>,
        /// Only posts published after this time (RFC 3339 or a date).
        #[param(schema_with = time_bound, example = "2020-01-01T00:00:00Z")]
        pub after: Option<String>,
        /// Only posts published before this time (RFC 3339 or a date).
        #[param(schema_with = time_bound, example = "2021-01-01")]
        pub before: Option<String>,
        /// `article` (the default) or `page`.
        pub kind: Option<PostKind>,
        /// Only featured (`true`) or only other (`false`) posts.
        pub featured: Option<bool>,
        /// Full-text search in titles, excerpts and text. Arabic and Persian
        /// spellings, diacritics, ZWNJ and digits are folded (`ك`/`ک`,
        /// `ي`/`ی`, `می‌خواهم`/`میخواهم`, `۱۴۰۳`/`1403`, `ë`/`e`); every word
        /// must match; the last one also matches as a prefix. Results come
        /// most relevant first unless `sort` says otherwise, each with a
        /// `search_snippet`.
        #[param(min_length = 1, max_length = 256, example = "آزادی مطبوعات")]
        pub search: Option<String>,
        /// Only these fields of each post, comma-separated; nested names
        /// with dots (`id,title,author.display_name,featured_media.renditions.thumbnail`).
        /// The answer is then of media type `application/vnd.nashr.fields+json`
        /// (posts as `PostFields`).
        #[param(min_length = 1, example = "id,slug,title,author.display_name")]
        pub fields: Option<String>,
        /// Whole objects to embed in each post's `embedded`, comma-separated:
        /// `author`, `categories`, `tags`, `translations` (`featured_media`
        /// is accepted and always embedded whole). Costs a fixed number of
        /// queries, whatever the page size.
        #[param(min_length = 1, example = "author,categories,translations")]
        pub include: Option<String>,
        /// With `edition`: also list posts of this edition whose story has
        /// no live post in `edition` (each marked with `fallback_for`), so
        /// a young edition can show the rest of the site in, say, English.
        #[param(min_length = 1, example = "en")]
        pub lang_fallback: Option<String>,
        /// Order; `-` is descending (default `-published_at`, or
        /// `relevance` with `search`).
        #[param(inline)]
        pub sort: Option<PostSort>,
        /// Editors (`read` scope): posts in these states, comma-separated:
        /// `published`, `scheduled`, `draft`, `archived`, `trash`, or `any`
        /// (all but the trash). Authors and contributors see others' posts
        /// only when they are published. Without it, lists show live posts.
        #[param(min_length = 1, example = "draft,scheduled")]
        pub status: Option<String>,
    }
}

/// Parses `status`: a comma-separated list of states, or `any`.
fn parse_states(raw: &str) -> Result<Vec<State>, ApiError> {
    let mut states = Vec::new();
    for word in raw.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word {
            "any" => states.extend([State::Published, State::Scheduled, State::Draft, State::Archived]),
            other => states.push(
                serde_json::from_value(serde_json::Value::String(other.into())).map_err(|_| {
                    ApiError::query(
                        "status",
                        format!("`{other}` is not one of published, scheduled, draft, archived, trash, any"),
                    )
                })?,
            ),
        }
    }
    if states.is_empty() {
        return Err(ApiError::query("status", "must name at least one state"));
    }
    states.dedup();
    Ok(states)
}

/// What a list may show this viewer.
fn visibility(q: &PostListQuery, viewer: &Viewer) -> Result<Visibility, ApiError> {
    let Some(raw) = &q.status else {
        return Ok(Visibility::Live);
    };
    let states = parse_states(raw)?;
    let reader = match &viewer.0 {
        None => {
            return Err(ApiError::Unauthorized(
                "`status` needs a token with the `read` scope".into(),
            ))
        }
        Some(p) => {
            p.require(crate::domain::access::Scope::Read)?;
            p
        }
    };
    let owner = (!reader.role.edits_others()).then_some(reader.user_id);
    Ok(Visibility::States { states, owner })
}

/// `after` and `before` take an RFC 3339 time or a date.
fn time_bound() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    // anyOf: a validator may not tell the two string formats apart.
    AnyOfBuilder::new()
        .description(Some(
            "An RFC 3339 time (`2020-05-01T12:00:00Z`, `2020-05-01T15:30:00+03:30`) \
             or a date (`2020-05-01`, meaning midnight UTC)",
        ))
        .item(string(KnownFormat::DateTime))
        .item(string(KnownFormat::Date))
        .build()
        .into()
}

/// Resolves the list parameters, which name editions, categories, tags and
/// authors by code, id or slug, into ids. Names of nothing are a 404.
fn post_filter(
    conn: &mut Conn,
    editions: &Editions,
    q: &PostListQuery,
    now: NaiveDateTime,
    visibility: Visibility,
) -> Result<PostFilter, ApiError> {
    let edition_id = edition_filter(editions, q.edition.as_deref())?;
    let fallback_edition_id = match (&q.lang_fallback, edition_id) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(ApiError::query("lang_fallback", "needs `edition`"));
        }
        (Some(code), Some(id)) => {
            let fallback = edition_param(editions, code, "lang_fallback")?.id;
            (fallback != id).then_some(fallback)
        }
    };
    let time = |param: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(domain::parse_time)
            .transpose()
            .map_err(|m| ApiError::query(param, m))
    };
    let category_ids = match &q.category {
        Some(raw) => {
            let refs = parse_refs("category", raw)?;
            let all = repo::categories::all(conn, edition_id)?;
            let known: Vec<(i64, String)> = all.iter().map(|c| (c.id, c.slug.clone())).collect();
            let roots = match_refs("category", &refs, &known)?;
            Some(repo::categories::with_descendants(&all, &roots))
        }
        None => None,
    };
    let tag_ids = match &q.tag {
        Some(raw) => {
            let refs = parse_refs("tag", raw)?;
            let (ids, slugs) = split_refs(&refs);
            let known = repo::tags::resolve(conn, &ids, &slugs, edition_id)?;
            Some(match_refs("tag", &refs, &known)?)
        }
        None => None,
    };
    let author_ids = match &q.author {
        Some(raw) => {
            let refs = parse_refs("author", raw)?;
            let (ids, slugs) = split_refs(&refs);
            let known = repo::users::resolve(conn, &ids, &slugs)?;
            Some(match_refs("author", &refs, &known)?)
        }
        None => None,
    };
    Ok(PostFilter {
        now,
        visibility,
        edition_id,
        fallback_edition_id,
        kind: Some(q.kind.unwrap_or(PostKind::Article)),
        category_ids,
        tag_ids,
        author_ids,
        after: time("after", &q.after)?,
        before: time("before", &q.before)?,
        featured: q.featured,
        search: q
            .search
            .as_deref()
            .map(SearchQuery::parse)
            .transpose()
            .map_err(|m| ApiError::query("search", m))?,
    })
}

/// The order a list asks for: `sort`, or by relevance when searching.
fn post_sort(q: &PostListQuery) -> Result<PostSort, ApiError> {
    match (q.sort, &q.search) {
        (Some(PostSort::Relevance), None) => {
            Err(ApiError::query("sort", "`relevance` needs `search`"))
        }
        (Some(sort), _) => Ok(sort),
        (None, Some(_)) => Ok(PostSort::Relevance),
        (None, None) => Ok(PostSort::default()),
    }
}

/// Gives search results their snippets.
fn add_snippets(posts: &mut [ShownPost], query: &SearchQuery) {
    for post in posts {
        let v = post.view();
        post.search_snippet = search::snippet(&plain_text(&v.content), query)
            .or_else(|| search::snippet(&v.excerpt, query))
            .or_else(|| search::snippet(&v.title, query));
    }
}

fn parse_refs(param: &str, raw: &str) -> Result<Vec<IdOrSlug>, ApiError> {
    IdOrSlug::parse_list(raw).map_err(|m| ApiError::query(param, m))
}

fn split_refs(refs: &[IdOrSlug]) -> (Vec<i64>, Vec<String>) {
    let mut ids = Vec::new();
    let mut slugs = Vec::new();
    for r in refs {
        match r {
            IdOrSlug::Id(id) => ids.push(*id),
            IdOrSlug::Slug(s) => slugs.push(s.clone()),
        }
    }
    (ids, slugs)
}

/// The ids of `known` that `refs` name; a name that matches nothing is a 404.
/// A slug without an edition may match one item in each edition.
fn match_refs(
    param: &str,
    refs: &[IdOrSlug],
    known: &[(i64, String)],
) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for r in refs {
        let matched: Vec<i64> = known
            .iter()
            .filter(|(id, slug)| match r {
                IdOrSlug::Id(want) => id == want,
                IdOrSlug::Slug(want) => slug == want,
            })
            .map(|(id, _)| *id)
            .collect();
        if matched.is_empty() {
            return Err(ApiError::no_such(param, format!("no {param} `{r}`")));
        }
        ids.extend(matched);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// List posts: live ones, newest first; editors may ask for others with
/// `status`.
#[utoipa::path(
    tag = "posts",
    params(PostListQuery),
    security((), ("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of posts", body = ListResponse<PostResponse>,
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
#[get("/posts")]
pub async fn list_posts(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PostListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let visibility = visibility(&q, &viewer)?;
    let sort = post_sort(&q)?;
    let fields = post_fields(q.fields.as_deref())?;
    let includes = Includes::parse(q.include.as_deref())?;
    let private = viewer.reader().is_some();
    let parts = Parts::for_request(&req);
    let st = state.clone();
    let request = page.clone();
    let (data, total, estimate, next) = db
        .run(move |conn| {
            let now = domain::now();
            let editions = editions_of(conn, parts.as_ref())?;
            let filter = post_filter(conn, &editions, &q, now, visibility)?;
            let by_relevance = sort == PostSort::Relevance && filter.search.is_some();
            let window = if by_relevance {
                page.offset_window(sort.name())?
            } else {
                page.window(
                    sort.name(),
                    &sort.keys(matches!(filter.visibility, Visibility::Live)).0,
                )?
            };
            let public = parts.as_ref().filter(|_| !private);
            let (mut rows, total, estimate) =
                list_rows(conn, &filter, sort, &window, st.search_window, public)?;
            let next = if by_relevance {
                page.next_offset_cursor(sort.name(), &window, &mut rows, total)
            } else {
                page.next_cursor(sort.name(), &mut rows, total, |p| (sort.values(p), p.id))
            };
            let heads = public.is_some();
            let showing = Showing {
                editions: &editions,
                state: &st,
                now,
                private,
            };
            let mut posts = shown_posts(conn, &showing, rows, public, heads)?;
            if let Some(words) = &filter.search {
                add_snippets(&mut posts, words);
            }
            if let (Some(_), Some(asked)) = (filter.fallback_edition_id, filter.edition_id) {
                let asked = editions.code(asked);
                for post in posts.iter_mut().filter(|p| p.view().edition != asked) {
                    post.fallback_for = Some(asked.to_string());
                }
            }
            embed::embed(conn, &editions, &st, &mut posts, includes, now)?;
            Ok((posts, total, estimate, next))
        })
        .await?;
    let named = ShownPost::named(&data, true);
    let mut res = ListResponse::new(&req, &state.public_url, data, total, request, next)
        .estimated(estimate)
        .respond_written(fields.as_ref());
    if let (Some(named), None) = (named, &fields) {
        res.extensions_mut().insert(named);
    }
    Ok(res)
}

/// `fields`, checked against the fields of a post.
fn post_fields(raw: Option<&str>) -> Result<Option<Fields>, ApiError> {
    static KNOWN: LazyLock<Shape> = LazyLock::new(|| Shape::of_schema("PostResponse"));
    raw.map(|raw| Fields::parse(raw, &KNOWN)).transpose()
}

/// A post, with only `fields` of it when they are given.
fn post_reply(post: ShownPost, fields: Option<&Fields>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header(("ETag", etag(post.revision())));
    match fields {
        None => {
            let mut body = Vec::new();
            post.write_json(&mut body);
            let named = ShownPost::named(std::slice::from_ref(&post), false);
            let mut res = res.content_type("application/json").body(body);
            if let Some(named) = named {
                res.extensions_mut().insert(named);
            }
            res
        }
        Some(fields) => {
            let mut value = serde_json::to_value(post).unwrap_or_default();
            fields.prune(&mut value);
            res.content_type(FIELDS_MEDIA_TYPE)
                .body(serde_json::to_vec(&value).unwrap_or_default())
        }
    }
}

/// The parameters of one post by id.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PostQuery {
    /// Only these fields of the post, comma-separated; nested names with
    /// dots (`title,content,author.display_name`). The answer is then of
    /// media type `application/vnd.nashr.fields+json` (a `PostFields`).
    #[param(min_length = 1)]
    pub fields: Option<String>,
    /// Whole objects to embed in `embedded`, comma-separated: `author`,
    /// `categories`, `tags`, `translations`.
    #[param(min_length = 1, example = "author,categories")]
    pub include: Option<String>,
    /// A preview token (`POST /posts/{id}/preview`): the post it reads,
    /// whatever its status (`private, no-store`). Unknown, expired or
    /// revoked tokens get 401; another post's token 403.
    #[param(min_length = 1)]
    pub preview: Option<String>,
}

/// The parameters of one post by slug.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PostBySlugQuery {
    /// Edition code: slugs are unique within an edition.
    #[param(min_length = 1)]
    pub edition: String,
    /// Only these fields of the post, comma-separated; nested names with
    /// dots. The answer is then of media type
    /// `application/vnd.nashr.fields+json` (a `PostFields`).
    #[param(min_length = 1)]
    pub fields: Option<String>,
    /// Whole objects to embed in `embedded`, comma-separated: `author`,
    /// `categories`, `tags`, `translations`.
    #[param(min_length = 1, example = "author,categories")]
    pub include: Option<String>,
    /// A preview token (`POST /posts/{id}/preview`): the post it reads,
    /// whatever its status (`private, no-store`). Unknown, expired or
    /// revoked tokens get 401; another post's token 403.
    #[param(min_length = 1)]
    pub preview: Option<String>,
}

/// One post as shown, if `viewer` may see it (404 otherwise, so drafts
/// do not even show that they exist).
pub fn single_view(
    conn: &mut Conn,
    state: &AppState,
    row: Option<PostRow>,
    viewer: Option<&Principal>,
    includes: Includes,
    parts: Option<&Parts>,
) -> Result<ShownPost, ApiError> {
    let now = domain::now();
    let row = found(row.filter(|p| may_view(p, viewer, now)), "post")?;
    show_one(conn, state, row, viewer.is_some(), includes, parts)
}

fn show_one(
    conn: &mut Conn,
    state: &AppState,
    row: PostRow,
    private: bool,
    includes: Includes,
    parts: Option<&Parts>,
) -> Result<ShownPost, ApiError> {
    let now = domain::now();
    let editions = editions_of(conn, parts)?;
    let showing = Showing {
        editions: &editions,
        state,
        now,
        private,
    };
    let mut posts = shown_posts(conn, &showing, vec![row], parts, false)?;
    embed::embed(conn, &editions, state, &mut posts, includes, now)?;
    Ok(posts.remove(0))
}

/// The post a page shows: as the viewer may see it, or, with a preview
/// token, the post the token reads whatever its status; with its
/// neighbours.
fn page_view(
    conn: &mut Conn,
    state: &AppState,
    row: Option<PostRow>,
    viewer: &Viewer,
    preview: Option<&str>,
    includes: Includes,
    parts: Option<&Parts>,
) -> Result<ShownPost, ApiError> {
    let now = domain::now();
    let place = row
        .as_ref()
        .map(|r| (r.edition_id, r.kind.clone(), r.published_at, r.id));
    let mut post = match preview {
        None => single_view(conn, state, row, viewer.reader(), includes, parts)?,
        Some(token) => {
            let Some(readable) = crate::content::previews::post_of(conn, token, now)? else {
                return Err(ApiError::Unauthorized(
                    "the preview token is unknown, expired or revoked".into(),
                ));
            };
            let row = found(row, "post")?;
            if row.id != readable {
                return Err(ApiError::Forbidden(
                    "this preview token reads another post".into(),
                ));
            }
            show_one(conn, state, row, true, includes, None)?
        }
    };
    let Some((edition_id, kind, published_at, id)) = place else {
        return Ok(post);
    };
    let edition = post.view().edition.clone();
    post.with_neighbours(|| {
        // A post not published yet sits where it would if published now.
        let at = published_at.unwrap_or(now);
        let (older, newer) = repo::posts::neighbours(conn, edition_id, &kind, (at, id), now)?;
        let link = |n| PostLink::new(&edition, n);
        Ok::<_, ApiError>(Neighbours {
            previous: older.map(link),
            next: newer.map(link),
        })
    })?;
    Ok(post)
}

/// One post by id: a live one, or with a `read` token one the token's user
/// may edit (drafts, scheduled, trashed).
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), PostQuery),
    security((), ("bearer" = ["read"])),
    responses(
        (status = 200, description = "The post", body = PostResponse,
         headers(("ETag" = String, description = "The post's version, for `If-Match`"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/posts/{id}")]
pub async fn get_post(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i64>,
    ApiQuery(q): ApiQuery<PostQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let shape = (q.fields, q.include, q.preview);
    page_reply(&req, db, state, viewer, shape, move |conn, _| {
        Ok(repo::posts::find(conn, id)?)
    })
    .await
}

/// One post by its slug within an edition (live, or visible to the token).
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "Post slug (percent-encoded in the URL)"), PostBySlugQuery),
    security((), ("bearer" = ["read"])),
    responses(
        (status = 200, description = "The post", body = PostResponse,
         headers(("ETag" = String, description = "The post's version, for `If-Match`"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/posts/by-slug/{slug}")]
pub async fn get_post_by_slug(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    slug: web::Path<String>,
    ApiQuery(q): ApiQuery<PostBySlugQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let shape = (q.fields, q.include, q.preview);
    page_reply(&req, db, state, viewer, shape, move |conn, parts| {
        let editions = editions_of(conn, parts)?;
        let edition = edition_param(&editions, &q.edition, "edition")?;
        Ok(repo::posts::find_by_slug(conn, edition.id, &slug)?)
    })
    .await
}

/// The answer to a single post's request: the post `find` reads, as a
/// page shows it ([`page_view`]), shaped by `(fields, include, preview)`.
async fn page_reply(
    req: &HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    (fields, include, preview): (Option<String>, Option<String>, Option<String>),
    find: impl FnOnce(&mut Conn, Option<&Parts>) -> Result<Option<PostRow>, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let fields = post_fields(fields.as_deref())?;
    let includes = Includes::parse(include.as_deref())?;
    let parts = Parts::for_request(req);
    let post = db
        .run(move |conn| {
            let row = find(conn, parts.as_ref())?;
            let preview = preview.as_deref();
            page_view(
                conn,
                &state,
                row,
                &viewer,
                preview,
                includes,
                parts.as_ref(),
            )
        })
        .await?;
    Ok(post_reply(post, fields.as_ref()))
}

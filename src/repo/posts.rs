use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::keyset::{Key, KeyValue, Window};
use crate::db::schema::{categories, post_categories, post_tags, posts, tags};
use crate::db::{search, Conn};
use crate::domain::search::SearchQuery;
use crate::domain::{PostKind, PostStatus};
use crate::repo::TranslationRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PostRow {
    pub id: i64,
    pub edition_id: i64,
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub content: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub author_id: Option<i64>,
    pub featured_media_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub featured: bool,
    pub comment_count: i32,
    pub translation_group: String,
    pub revision: i32,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub published_by: Option<i64>,
    pub comments_open: bool,
}

impl PostRow {
    /// Whether the public sees this post at `now`.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.deleted_at.is_none()
            && PostStatus::MAYBE_LIVE.contains(&self.status.as_str())
            && self.published_at.is_some_and(|t| t <= now)
    }

    /// The status the post has at `now`: a scheduled post whose time has
    /// passed is published, and a published post with a future time is
    /// scheduled.
    pub fn effective_status(&self, now: NaiveDateTime) -> PostStatus {
        match self.status.parse().unwrap_or(PostStatus::Draft) {
            PostStatus::Published | PostStatus::Scheduled => {
                if self.published_at.is_some_and(|t| t <= now) {
                    PostStatus::Published
                } else {
                    PostStatus::Scheduled
                }
            }
            other => other,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost<'a> {
    pub edition_id: i64,
    pub kind: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub excerpt: &'a str,
    pub content: &'a str,
    pub status: &'a str,
    pub published_at: Option<NaiveDateTime>,
    pub author_id: Option<i64>,
    pub featured_media_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub featured: bool,
    pub comment_count: i32,
    pub translation_group: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub published_by: Option<i64>,
    pub comments_open: bool,
}

/// Posts that can be live, published or scheduled: `status = .. OR status =
/// ..`, not `eq_any`, whose `IN (..)` diesel never keeps prepared on
/// SQLite (every query holding it was compiled again on every run).
macro_rules! maybe_live {
    () => {{
        let [published, scheduled] = $crate::domain::PostStatus::MAYBE_LIVE;
        $crate::db::schema::posts::status
            .eq(published)
            .or($crate::db::schema::posts::status.eq(scheduled))
    }};
}
pub(crate) use maybe_live;

/// Live posts: published, or scheduled with their time passed, not in the trash.
macro_rules! live {
    ($now:expr) => {
        $crate::repo::posts::maybe_live!()
            .and(posts::published_at.le($now))
            .and(posts::deleted_at.is_null())
    };
    // The same posts, the bound on `published_at` written so that SQLite
    // does not seek by it (SQLite only; [`list`] says when).
    (unseekable $now:expr) => {
        $crate::repo::posts::maybe_live!()
            .and(
                diesel::dsl::sql::<diesel::sql_types::Bool>("+posts.published_at <= ")
                    .bind::<diesel::sql_types::Timestamp, _>($now),
            )
            .and(posts::deleted_at.is_null())
    };
}
pub(crate) use live;

/// A post's state as editors filter by it: `published` means live now,
/// `scheduled` means waiting for its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Published,
    Scheduled,
    Draft,
    Archived,
    /// Deleted, restorable until purged.
    Trash,
}

/// Which posts a list may show.
#[derive(Debug, Clone)]
pub enum Visibility {
    /// What the public sees: live posts.
    Live,
    /// Posts in any of `states`; with an `owner`, only the owner's posts
    /// unless they are live.
    States {
        states: Vec<State>,
        owner: Option<i64>,
    },
}

/// Which posts a list shows. Ids are already resolved from slugs;
/// `category_ids` includes the descendants of the categories asked for.
#[derive(Debug, Clone)]
pub struct PostFilter {
    pub now: NaiveDateTime,
    pub visibility: Visibility,
    pub edition_id: Option<i64>,
    /// With `edition_id`: posts of this edition too, where their
    /// translation group has no live post in `edition_id`.
    pub fallback_edition_id: Option<i64>,
    pub kind: Option<PostKind>,
    pub category_ids: Option<Vec<i64>>,
    pub tag_ids: Option<Vec<i64>>,
    pub author_ids: Option<Vec<i64>>,
    pub after: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
    pub featured: Option<bool>,
    /// Only posts matching these words.
    pub search: Option<SearchQuery>,
}

/// Order of a post list; a `-` prefix is descending. Ties are broken by id
/// in the same direction, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostSort {
    #[default]
    #[serde(rename = "-published_at")]
    PublishedDesc,
    #[serde(rename = "published_at")]
    PublishedAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
    #[serde(rename = "updated_at")]
    UpdatedAsc,
    #[serde(rename = "title")]
    TitleAsc,
    #[serde(rename = "-title")]
    TitleDesc,
    #[serde(rename = "-comment_count")]
    CommentsDesc,
    #[serde(rename = "comment_count")]
    CommentsAsc,
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
    /// Most relevant first (only with `search`, where it is the default).
    #[serde(rename = "relevance")]
    Relevance,
}

/// Narrows boxed query `$q` to what `$visibility` shows. It must come first:
/// later filters are AND-ed with the whole of it.
macro_rules! visible {
    ($q:ident, $visibility:expr, $now:expr) => {
        visible!($q, $visibility, $now, false)
    };
    // `$unseekable`: live posts as `live!(unseekable ..)` finds them.
    ($q:ident, $visibility:expr, $now:expr, $unseekable:expr) => {
        match $visibility {
            Visibility::Live if $unseekable => $q = $q.filter(live!(unseekable $now)),
            Visibility::Live => $q = $q.filter(live!($now)),
            Visibility::States { states, owner } => {
                let mut first = true;
                for state in states {
                    macro_rules! any_of {
                        ($cond:expr) => {{
                            let cond = $cond;
                            $q = if first {
                                $q.filter(cond)
                            } else {
                                $q.or_filter(cond)
                            };
                            first = false;
                        }};
                    }
                    macro_rules! owned {
                        ($cond:expr) => {
                            match owner {
                                Some(owner) => any_of!($cond.and(posts::author_id.eq(*owner))),
                                None => any_of!($cond),
                            }
                        };
                    }
                    match state {
                        State::Published => any_of!(live!($now)),
                        State::Scheduled => owned!(maybe_live!()
                            .and(posts::published_at.gt($now))
                            .and(posts::deleted_at.is_null())),
                        State::Draft => owned!(posts::status
                            .eq(PostStatus::Draft.as_str())
                            .and(posts::deleted_at.is_null())),
                        State::Archived => owned!(posts::status
                            .eq(PostStatus::Archived.as_str())
                            .and(posts::deleted_at.is_null())),
                        State::Trash => owned!(posts::deleted_at.is_not_null()),
                    }
                }
                if first {
                    $q = $q.filter(posts::id.ne(posts::id));
                }
            }
        }
    };
}

/// The filtered, boxed query; expanded once per backend.
macro_rules! filtered {
    ($f:expr, $source:expr) => {
        filtered!($f, $source, false)
    };
    ($f:expr, $source:expr, $unseekable:expr) => {{
        let f: &PostFilter = $f;
        let mut q = $source.into_boxed();
        visible!(q, &f.visibility, f.now, $unseekable);
        match (f.edition_id, f.fallback_edition_id) {
            (Some(id), Some(fallback)) => {
                let untranslated = diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "NOT EXISTS (SELECT 1 FROM posts t \
                     WHERE t.translation_group = posts.translation_group AND t.edition_id = ",
                )
                .bind::<diesel::sql_types::BigInt, _>(id)
                .sql(
                    " AND t.status IN ('published', 'scheduled') \
                     AND t.deleted_at IS NULL AND t.published_at <= ",
                )
                .bind::<diesel::sql_types::Timestamp, _>(f.now)
                .sql(")");
                q = q.filter(
                    posts::edition_id
                        .eq(id)
                        .or(posts::edition_id.eq(fallback).and(untranslated)),
                );
            }
            (Some(id), None) => q = q.filter(posts::edition_id.eq(id)),
            _ => {}
        }
        if let Some(kind) = f.kind {
            q = q.filter(posts::kind.eq(kind.as_str()));
        }
        if let Some(ids) = &f.category_ids {
            q = q.filter(
                posts::id.eq_any(
                    post_categories::table
                        .filter(post_categories::category_id.eq_any(ids.clone()))
                        .select(post_categories::post_id),
                ),
            );
        }
        if let Some(ids) = &f.tag_ids {
            q = q.filter(
                posts::id.eq_any(
                    post_tags::table
                        .filter(post_tags::tag_id.eq_any(ids.clone()))
                        .select(post_tags::post_id),
                ),
            );
        }
        if let Some(ids) = &f.author_ids {
            q = q.filter(posts::author_id.eq_any(ids.clone()));
        }
        if let Some(t) = f.after {
            q = q.filter(posts::published_at.gt(t));
        }
        if let Some(t) = f.before {
            q = q.filter(posts::published_at.lt(t));
        }
        if let Some(featured) = f.featured {
            q = q.filter(posts::featured.eq(featured));
        }
        q
    }};
}

impl PostSort {
    /// Every value, in the order the API documents them.
    pub const ALL: &'static [PostSort] = &[
        PostSort::PublishedDesc,
        PostSort::PublishedAsc,
        PostSort::UpdatedDesc,
        PostSort::UpdatedAsc,
        PostSort::TitleAsc,
        PostSort::TitleDesc,
        PostSort::CommentsDesc,
        PostSort::CommentsAsc,
        PostSort::IdAsc,
        PostSort::IdDesc,
        PostSort::Relevance,
    ];

    /// The name a cursor records.
    pub fn name(self) -> &'static str {
        match self {
            PostSort::PublishedDesc => "-published_at",
            PostSort::PublishedAsc => "published_at",
            PostSort::UpdatedDesc => "-updated_at",
            PostSort::UpdatedAsc => "updated_at",
            PostSort::TitleAsc => "title",
            PostSort::TitleDesc => "-title",
            PostSort::CommentsDesc => "-comment_count",
            PostSort::CommentsAsc => "comment_count",
            PostSort::IdAsc => "id",
            PostSort::IdDesc => "-id",
            PostSort::Relevance => "relevance",
        }
    }

    /// The keys of this order before the id, and whether the id descends.
    /// Live posts always have a publication time; others may not.
    pub fn keys(self, live: bool) -> (Vec<Key>, bool) {
        let published = |k: Key| if live { k } else { k.nullable() };
        match self {
            PostSort::PublishedDesc | PostSort::Relevance => (
                vec![published(Key::desc("posts.published_at").time())],
                true,
            ),
            PostSort::PublishedAsc => (
                vec![published(Key::asc("posts.published_at").time())],
                false,
            ),
            PostSort::UpdatedDesc => (vec![Key::desc("posts.updated_at").time()], true),
            PostSort::UpdatedAsc => (vec![Key::asc("posts.updated_at").time()], false),
            PostSort::TitleAsc => (vec![Key::asc("posts.title")], false),
            PostSort::TitleDesc => (vec![Key::desc("posts.title")], true),
            PostSort::CommentsDesc => (vec![Key::desc("posts.comment_count").int()], true),
            PostSort::CommentsAsc => (vec![Key::asc("posts.comment_count").int()], false),
            PostSort::IdAsc => (vec![], false),
            PostSort::IdDesc => (vec![], true),
        }
    }

    /// The values of this order's keys for `row`.
    pub fn values(self, row: &PostRow) -> Vec<KeyValue> {
        match self {
            PostSort::PublishedDesc | PostSort::PublishedAsc | PostSort::Relevance => {
                vec![row.published_at.into()]
            }
            PostSort::UpdatedDesc | PostSort::UpdatedAsc => vec![row.updated_at.into()],
            PostSort::TitleAsc | PostSort::TitleDesc => vec![row.title.as_str().into()],
            PostSort::CommentsDesc | PostSort::CommentsAsc => vec![row.comment_count.into()],
            PostSort::IdAsc | PostSort::IdDesc => vec![],
        }
    }
}

/// Counts the posts boxed query `$make` selects and loads those of
/// `$window` in `$sort` order; `return`s from the enclosing function.
macro_rules! page {
    ($c:ident, $make:expr, $filter:expr, $backend:expr, $sort:expr, $window:expr, $total:expr, $columns:expr) => {{
        match $columns {
            Columns::Whole => page!(@ $c, $make, PostRow::as_select(), $filter, $backend, $sort, $window, $total),
            Columns::Heads => page!(@ $c, $make, heads!(), $filter, $backend, $sort, $window, $total),
        }
    }};
    (@ $c:ident, $make:expr, $select:expr, $filter:expr, $backend:expr, $sort:expr, $window:expr, $total:expr) => {{
        let relevance = $filter
            .search
            .as_ref()
            .filter(|_| $sort == PostSort::Relevance);
        let (keys, id_desc) = $sort.keys(matches!($filter.visibility, Visibility::Live));
        search::page_of!(
            $c,
            $make,
            PostRow,
            $select,
            $backend,
            "post_search",
            posts::id,
            "posts.id",
            relevance,
            keys,
            id_desc,
            $window,
            $total
        )
    }};
}

/// Which columns of posts are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    Whole,
    /// All but the texts (`content` and `excerpt` read as empty): for
    /// posts whose views are kept, where reading their texts is most of
    /// what a page costs the database.
    Heads,
}

/// [`PostRow`]'s columns, its texts left empty ([`Columns::Heads`]).
macro_rules! heads {
    () => {
        (
            posts::id,
            posts::edition_id,
            posts::kind,
            posts::slug,
            posts::title,
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            posts::status,
            posts::published_at,
            posts::author_id,
            posts::featured_media_id,
            posts::parent_id,
            posts::featured,
            posts::comment_count,
            posts::translation_group,
            posts::revision,
            posts::deleted_at,
            posts::created_at,
            posts::updated_at,
            posts::created_by,
            posts::updated_by,
            posts::published_by,
            posts::comments_open,
        )
    };
}

/// The posts `filter` selects in `window` (their `columns`), and how many
/// it selects in all (`known_total` when the caller knows it already:
/// counting is the most a page of a large list costs).
pub fn list(
    conn: &mut Conn,
    filter: &PostFilter,
    sort: PostSort,
    window: &Window,
    known_total: Option<i64>,
    columns: Columns,
) -> QueryResult<(Vec<PostRow>, i64)> {
    let backend = conn.backend();
    // A cursor on a newest-first list bounds `published_at` from above, as
    // the live condition does (by now). SQLite plans without looking at
    // bound values (they stay prepared), takes the live bound to seek by,
    // and steps over every newer post to reach the cursor (22 ms at page
    // 2,000 of 100,000 posts, 0.08 ms seeking by the cursor); so the live
    // bound is then written as one no index serves.
    let unseekable = backend == crate::db::Backend::Sqlite
        && window.after.is_some()
        && sort == PostSort::PublishedDesc
        && matches!(filter.visibility, Visibility::Live);
    with_conn!(conn, c => match &filter.search {
        None => page!(c, filtered!(filter, posts::table, unseekable), filter, backend, sort, window, known_total, columns),
        Some(words) => page!(
            c,
            {
                let q = filtered!(
                    filter,
                    search::search_join!(posts::table, post_search, "post_search.rowid + 0 = posts.id")
                );
                search::search_filter!(q, backend, "post_search", words)
            },
            filter, backend, sort, window, known_total, columns
        ),
    })
}

/// The posts a search selects, most relevant first, ranked among the
/// newest `window` of them (by id): ranking every match of a common word
/// costs a pass over a third of the site, and readers page through the
/// first few pages. Below `window` matches the ranking and the total are
/// exact.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// Post ids, most relevant first (ties: the newer first).
    pub ids: Vec<i64>,
    /// How many posts the filter selects: exact unless `estimated`.
    pub total: i64,
    /// More posts match than were ranked; `total` is an estimate from the
    /// share of the index's matches the filter kept among those ranked.
    pub estimated: bool,
}

/// Ranks the posts `filter` selects (it has `search`) among the newest
/// `window` of them.
pub fn rank(conn: &mut Conn, filter: &PostFilter, window: i64) -> QueryResult<Ranked> {
    let Some(words) = &filter.search else {
        return Ok(Ranked {
            ids: vec![],
            total: 0,
            estimated: false,
        });
    };
    let backend = conn.backend();
    let mut hits: Vec<(i64, f64)> = with_conn!(conn, c => {
        let q = filtered!(
            filter,
            search::search_join!(posts::table, post_search, "post_search.rowid + 0 = posts.id")
        );
        let q = search::search_filter!(q, backend, "post_search", words);
        search::newest_scored!(c, q, backend, "post_search", posts::id, words, window + 1)
    })?;
    let estimated = hits.len() as i64 > window;
    let total = if estimated {
        hits.truncate(window as usize);
        let oldest = hits.last().map_or(0, |h| h.0);
        let all = search::matches(conn, search::Index::Posts, words, i64::MIN)?;
        let seen = search::matches(conn, search::Index::Posts, words, oldest)?.max(1);
        ((window as f64 * all as f64 / seen as f64).round() as i64).max(window + 1)
    } else {
        hits.len() as i64
    };
    hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    Ok(Ranked {
        ids: hits.into_iter().map(|h| h.0).collect(),
        total,
        estimated,
    })
}

/// The posts with these ids (their `columns`), in the order of `ids`
/// (missing ones left out).
pub fn by_ids(conn: &mut Conn, ids: &[i64], columns: Columns) -> QueryResult<Vec<PostRow>> {
    let all = posts::table.filter(posts::id.eq_any(ids));
    let mut rows: Vec<PostRow> = match columns {
        Columns::Whole => with_conn!(conn, c => all.select(PostRow::as_select()).load(c))?,
        Columns::Heads => with_conn!(conn, c => all.select(heads!()).load(c))?,
    };
    rows.sort_by_key(|r| ids.iter().position(|&id| id == r.id));
    Ok(rows)
}

/// A post by id, whatever its state.
pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<PostRow>> {
    with_conn!(conn, c => posts::table.find(id).select(PostRow::as_select()).first(c).optional())
}

/// A post by its slug in an edition, whatever its state.
pub fn find_by_slug(conn: &mut Conn, edition_id: i64, slug: &str) -> QueryResult<Option<PostRow>> {
    with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(posts::slug.eq(slug))
        .select(PostRow::as_select())
        .first(c)
        .optional())
}

/// A live post by id.
pub fn find_live(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<Option<PostRow>> {
    with_conn!(conn, c => posts::table
        .filter(posts::id.eq(id))
        .filter(live!(now))
        .select(PostRow::as_select())
        .first(c)
        .optional())
}

/// A live post by its slug in an edition.
pub fn find_live_by_slug(
    conn: &mut Conn,
    edition_id: i64,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<PostRow>> {
    with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(posts::slug.eq(slug))
        .filter(live!(now))
        .select(PostRow::as_select())
        .first(c)
        .optional())
}

/// A post as a neighbour names it: `(id, slug, title, published_at)`.
pub type NeighbourRow = (i64, String, String, Option<NaiveDateTime>);

/// The live posts of `edition_id` and `kind` next to `(at, id)` by
/// publication time: the next older one and the next newer one. Each is a
/// range read of the index `posts_edition_listing` from `at` (posts at the
/// very same time are ordered by id; a few are read past to skip them).
pub fn neighbours(
    conn: &mut Conn,
    edition_id: i64,
    kind: &str,
    (at, id): (NaiveDateTime, i64),
    now: NaiveDateTime,
) -> QueryResult<(Option<NeighbourRow>, Option<NeighbourRow>)> {
    const TIES: i64 = 16;
    let columns = (posts::id, posts::slug, posts::title, posts::published_at);
    let older: Vec<NeighbourRow> = with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(posts::kind.eq(kind))
        .filter(posts::published_at.le(at))
        .filter(live!(now))
        .order((posts::published_at.desc(), posts::id.desc()))
        .select(columns)
        .limit(TIES)
        .load(c))?;
    let newer: Vec<NeighbourRow> = with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(posts::kind.eq(kind))
        .filter(posts::published_at.ge(at))
        .filter(live!(now))
        .order((posts::published_at.asc(), posts::id.asc()))
        .select(columns)
        .limit(TIES)
        .load(c))?;
    let before = |n: &NeighbourRow| n.3.is_some_and(|t| t < at) || n.0 < id;
    let after = |n: &NeighbourRow| n.3.is_some_and(|t| t > at) || n.0 > id;
    Ok((
        older.into_iter().find(before),
        newer.into_iter().find(after),
    ))
}

/// Live members of the given translation groups.
pub fn live_translations(
    conn: &mut Conn,
    groups: &[String],
    now: NaiveDateTime,
) -> QueryResult<Vec<TranslationRow>> {
    if groups.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => posts::table
        .filter(posts::translation_group.eq_any(groups))
        .filter(live!(now))
        .select((posts::id, posts::edition_id, posts::slug, posts::translation_group))
        .order(posts::edition_id)
        .load(c))
}

/// Live members of the given translation groups, whole.
pub fn live_in_groups(
    conn: &mut Conn,
    groups: &[String],
    now: NaiveDateTime,
) -> QueryResult<Vec<PostRow>> {
    if groups.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => posts::table
        .filter(posts::translation_group.eq_any(groups))
        .filter(live!(now))
        .select(PostRow::as_select())
        .order((posts::edition_id, posts::id))
        .load(c))
}

/// Live posts and pages of an edition for a sitemap, by id:
/// `(id, slug, updated_at, translation_group)`.
pub fn sitemap_page(
    conn: &mut Conn,
    edition_id: i64,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, NaiveDateTime, String)>> {
    with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(live!(now))
        .select((posts::id, posts::slug, posts::updated_at, posts::translation_group))
        .order(posts::id)
        .offset(offset)
        .limit(limit)
        .load(c))
}

/// How many live posts and pages an edition has, and when one last changed.
pub fn sitemap_stats(
    conn: &mut Conn,
    edition_id: i64,
    now: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    with_conn!(conn, c => posts::table
        .filter(posts::edition_id.eq(edition_id))
        .filter(live!(now))
        .select((diesel::dsl::count_star(), diesel::dsl::max(posts::updated_at)))
        .first(c))
}

/// A term attached to a post: `(post_id, term_id, slug, name)`.
pub type PostTerm = (i64, i64, String, String);

/// The categories of the given posts.
pub fn categories_of(conn: &mut Conn, post_ids: &[i64]) -> QueryResult<Vec<PostTerm>> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => post_categories::table
        .inner_join(categories::table)
        .filter(post_categories::post_id.eq_any(post_ids))
        .select((post_categories::post_id, categories::id, categories::slug, categories::name))
        .order((categories::position, categories::name, categories::id))
        .load(c))
}

/// The tags of the given posts.
pub fn tags_of(conn: &mut Conn, post_ids: &[i64]) -> QueryResult<Vec<PostTerm>> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => post_tags::table
        .inner_join(tags::table)
        .filter(post_tags::post_id.eq_any(post_ids))
        .select((post_tags::post_id, tags::id, tags::slug, tags::name))
        .order((tags::name, tags::id))
        .load(c))
}

pub fn live_posts_by_ids(
    conn: &mut Conn,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64, String, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => posts::table
        .filter(posts::id.eq_any(ids))
        .filter(live!(now))
        .select((posts::id, posts::edition_id, posts::slug, posts::kind))
        .load(c))
}

/// Inserts a post with its categories and tags; answers its id.
pub fn insert(
    conn: &mut Conn,
    new: &NewPost<'_>,
    category_ids: &[i64],
    tag_ids: &[i64],
) -> QueryResult<i64> {
    let id = with_conn!(conn, c => {
        let id: i64 = diesel::insert_into(posts::table)
            .values(new)
            .returning(posts::id)
            .get_result(c)?;
        let cats: Vec<_> = category_ids
            .iter()
            .map(|&cat| (post_categories::post_id.eq(id), post_categories::category_id.eq(cat)))
            .collect();
        if !cats.is_empty() {
            diesel::insert_into(post_categories::table).values(&cats).execute(c)?;
        }
        let tag_rows: Vec<_> = tag_ids
            .iter()
            .map(|&tag| (post_tags::post_id.eq(id), post_tags::tag_id.eq(tag)))
            .collect();
        if !tag_rows.is_empty() {
            diesel::insert_into(post_tags::table).values(&tag_rows).execute(c)?;
        }
        Ok::<_, diesel::result::Error>(id)
    })?;
    let (title, body) = search::post_text(new.title, new.excerpt, new.content);
    search::put(conn, search::Index::Posts, id, &title, &body)?;
    Ok(id)
}

pub fn count_all(conn: &mut Conn) -> QueryResult<i64> {
    with_conn!(conn, c => posts::table.count().get_result(c))
}

/// A gallery entry: `(post_id, position, media_id, caption)`.
pub type GalleryRow = (i64, i32, i64, String);

/// Replaces the gallery of a post with `items` (media id, caption), in order.
pub fn set_gallery(conn: &mut Conn, post_id: i64, items: &[(i64, &str)]) -> QueryResult<()> {
    use crate::db::schema::post_gallery_items as g;
    with_conn!(conn, c => {
        diesel::delete(g::table.filter(g::post_id.eq(post_id))).execute(c)?;
        for (position, (media_id, caption)) in items.iter().enumerate() {
            diesel::insert_into(g::table)
                .values((
                    g::post_id.eq(post_id),
                    g::position.eq(position as i32),
                    g::media_id.eq(media_id),
                    g::caption.eq(caption),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// The galleries of the given posts, in order.
pub fn galleries_of(conn: &mut Conn, post_ids: &[i64]) -> QueryResult<Vec<GalleryRow>> {
    use crate::db::schema::post_gallery_items as g;
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => g::table
        .filter(g::post_id.eq_any(post_ids))
        .select((g::post_id, g::position, g::media_id, g::caption))
        .order((g::post_id, g::position))
        .load(c))
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = posts)]
pub struct PostChanges {
    pub kind: Option<String>,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub content: Option<String>,
    pub status: Option<String>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub author_id: Option<Option<i64>>,
    pub featured_media_id: Option<Option<i64>>,
    pub featured: Option<bool>,
    pub comments_open: Option<bool>,
    pub translation_group: Option<String>,
    pub deleted_at: Option<Option<NaiveDateTime>>,
    pub updated_by: Option<Option<i64>>,
    pub published_by: Option<Option<i64>>,
}

/// Applies `changes` if the post is still at `revision`, bumping it;
/// answers whether it was.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &PostChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = update_at_revision!(posts, conn, id, revision, changes, now)?;
    if updated
        && (changes.title.is_some() || changes.excerpt.is_some() || changes.content.is_some())
    {
        search::reindex_post(conn, id)?;
    }
    Ok(updated)
}

/// Replaces a post's categories and tags.
pub fn set_terms(
    conn: &mut Conn,
    id: i64,
    category_ids: Option<&[i64]>,
    tag_ids: Option<&[i64]>,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        if let Some(ids) = category_ids {
            diesel::delete(post_categories::table.filter(post_categories::post_id.eq(id))).execute(c)?;
            let rows: Vec<_> = ids.iter().map(|&cat| (post_categories::post_id.eq(id), post_categories::category_id.eq(cat))).collect();
            if !rows.is_empty() {
                diesel::insert_into(post_categories::table).values(&rows).execute(c)?;
            }
        }
        if let Some(ids) = tag_ids {
            diesel::delete(post_tags::table.filter(post_tags::post_id.eq(id))).execute(c)?;
            let rows: Vec<_> = ids.iter().map(|&tag| (post_tags::post_id.eq(id), post_tags::tag_id.eq(tag))).collect();
            if !rows.is_empty() {
                diesel::insert_into(post_tags::table).values(&rows).execute(c)?;
            }
        }
        Ok(())
    })
}

/// The ids of a post's categories and of its tags.
pub fn term_ids(conn: &mut Conn, id: i64) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    with_conn!(conn, c => {
        let cats = post_categories::table
            .filter(post_categories::post_id.eq(id))
            .select(post_categories::category_id)
            .order(post_categories::category_id)
            .load(c)?;
        let tags = post_tags::table
            .filter(post_tags::post_id.eq(id))
            .select(post_tags::tag_id)
            .order(post_tags::tag_id)
            .load(c)?;
        Ok((cats, tags))
    })
}

/// Removes a post for good, with its links and revisions.
pub fn purge(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    let removed = with_conn!(conn, c => diesel::delete(posts::table.find(id)).execute(c))?;
    search::remove(conn, search::Index::Posts, id)?;
    Ok(removed)
}

/// Another post of `group` in edition `edition_id`, if there is one.
pub fn group_member_in(
    conn: &mut Conn,
    group: &str,
    edition_id: i64,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    group_member_in!(posts, conn, group, edition_id, except)
}

/// Slugs in an edition that are `base` or `base-<something>`.
pub fn slugs_like(conn: &mut Conn, edition_id: i64, base: &str) -> QueryResult<Vec<String>> {
    slugs_like_in!(posts, conn, edition_id, base)
}

/// `(id, edition_id, slug)` of the given posts.
pub fn slugs_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, String)>> {
    slugs_by_ids!(posts, conn, ids)
}

/// Sets columns an import fills in after the post is written: where it is
/// in the trash, its featured picture, its parent page, its comments;
/// nothing is written when the value is already there.
macro_rules! set_column {
    ($name:ident, $column:ident, $ty:ty) => {
        pub fn $name(conn: &mut Conn, id: i64, value: $ty) -> QueryResult<()> {
            with_conn!(conn, c => {
                let now: Option<$ty> = posts::table
                    .find(id)
                    .select(posts::$column)
                    .first(c)
                    .optional()?;
                if now.is_some_and(|now| now != value) {
                    diesel::update(posts::table.find(id))
                        .set(posts::$column.eq(value))
                        .execute(c)?;
                }
                Ok(())
            })
        }
    };
}

set_column!(set_deleted_at, deleted_at, Option<NaiveDateTime>);
set_column!(set_featured_media, featured_media_id, Option<i64>);
set_column!(set_parent, parent_id, Option<i64>);
set_column!(set_comment_count, comment_count, i32);

/// Up to `limit` posts still `scheduled` whose time has come by `now`
/// (not in the trash), the earliest first.
pub fn due_scheduled(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    with_conn!(conn, c => posts::table
        .filter(literally_equal!("posts.status", "scheduled"))
        .filter(posts::published_at.le(now))
        .filter(posts::deleted_at.is_null())
        .order((posts::published_at.asc(), posts::id.asc()))
        .limit(limit)
        .select(posts::id)
        .load(c))
}

/// Up to `limit` posts that went live in `(after, until]` (not in the
/// trash), by their time, whether still `scheduled` or claimed since.
pub fn live_between(
    conn: &mut Conn,
    after: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    with_conn!(conn, c => posts::table
        .filter(maybe_live!())
        .filter(posts::published_at.gt(after))
        .filter(posts::published_at.le(until))
        .filter(posts::deleted_at.is_null())
        .order((posts::published_at.asc(), posts::id.asc()))
        .limit(limit)
        .select(posts::id)
        .load(c))
}

/// Marks scheduled post `id` published if it still is scheduled and due
/// (answers whether this call did): the claim that lets exactly one
/// instance record it going live. Its revision stays: its representation
/// was already `published` from its time on.
pub fn claim_scheduled(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::update(
            posts::table
                .filter(posts::id.eq(id))
                .filter(posts::status.eq(PostStatus::Scheduled.as_str()))
                .filter(posts::published_at.le(now))
                .filter(posts::deleted_at.is_null()),
        )
        .set(posts::status.eq(PostStatus::Published.as_str()))
        .execute(c)
        .map(|n| n == 1))
}

/// When the earliest post still `scheduled` (not in the trash) is due.
pub fn next_scheduled(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => posts::table
        .filter(literally_equal!("posts.status", "scheduled"))
        .filter(posts::deleted_at.is_null())
        .select(posts::published_at)
        .order(posts::published_at.asc())
        .first::<Option<NaiveDateTime>>(c)
        .optional()
        .map(Option::flatten))
}

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::keyset::{Key, KeyValue, Window};
use crate::db::schema::{media, media_renditions, post_gallery_items, posts, site_settings, users};
use crate::db::{search, Conn};
use crate::domain::embed::Embed;
use crate::domain::search::SearchQuery;
use crate::domain::MediaKind;
use crate::repo::posts::live;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MediaRow {
    pub id: i64,
    pub kind: String,
    pub edition_id: Option<i64>,
    pub slug: String,
    pub title: String,
    pub storage_key: Option<String>,
    pub source_url: Option<String>,
    pub original_filename: Option<String>,
    pub mime_type: String,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration: Option<f64>,
    pub alt_text: String,
    pub caption: String,
    pub credit: String,
    pub placeholder: Option<String>,
    pub metadata: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revision: i32,
    pub listed: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub kind: &'a str,
    pub edition_id: Option<i64>,
    pub slug: &'a str,
    pub title: &'a str,
    pub storage_key: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub original_filename: Option<&'a str>,
    pub mime_type: &'a str,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration: Option<f64>,
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub placeholder: Option<&'a str>,
    pub metadata: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Public even when no live content uses it.
    pub listed: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media_renditions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RenditionRow {
    pub id: i64,
    pub media_id: i64,
    pub name: String,
    pub storage_key: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub file_size: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media_renditions)]
pub struct NewRendition<'a> {
    pub media_id: i64,
    pub name: &'a str,
    pub storage_key: &'a str,
    pub mime_type: &'a str,
    pub width: i32,
    pub height: i32,
    pub file_size: i64,
}

#[derive(Debug, Clone, Default)]
pub struct MediaFilter {
    /// Only items live content uses at this time (what the public sees).
    pub public_at: Option<NaiveDateTime>,
    pub edition_id: Option<i64>,
    pub kind: Option<MediaKind>,
    /// Only items matching these words.
    pub search: Option<SearchQuery>,
}

/// Order of a media list; ties are broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaSort {
    #[default]
    #[serde(rename = "-created_at")]
    CreatedDesc,
    #[serde(rename = "created_at")]
    CreatedAsc,
    #[serde(rename = "-file_size")]
    SizeDesc,
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
    /// Most relevant first (only with `search`, where it is the default).
    #[serde(rename = "relevance")]
    Relevance,
}

/// The items the public sees at `$now`: those listed on their own, and
/// those live content uses (featured on or in the gallery of a live post,
/// the picture of a user who has one), and the site's logos and icons. Nothing else is public: an upload
/// meant for an embargoed draft stays unseen.
macro_rules! in_public_use {
    ($now:expr) => {{
        let now = $now;
        media::listed
            .eq(true)
            .or(media::id.nullable().eq_any(
                posts::table
                    .filter(live!(now))
                    .select(posts::featured_media_id),
            ))
            .or(media::id.eq_any(
                post_gallery_items::table
                    .inner_join(posts::table)
                    .filter(live!(now))
                    .select(post_gallery_items::media_id),
            ))
            .or(media::id.nullable().eq_any(
                users::table
                    .filter(
                        users::id
                            .nullable()
                            .eq_any(posts::table.filter(live!(now)).select(posts::author_id)),
                    )
                    .select(users::avatar_media_id),
            ))
            .or(media::id
                .nullable()
                .eq_any(site_settings::table.select(site_settings::logo_media_id)))
            .or(media::id
                .nullable()
                .eq_any(site_settings::table.select(site_settings::icon_media_id)))
    }};
}

macro_rules! filtered {
    ($f:expr, $source:expr) => {{
        let f: &MediaFilter = $f;
        let mut q = $source.into_boxed();
        if let Some(now) = f.public_at {
            q = q.filter(in_public_use!(now));
        }
        if let Some(id) = f.edition_id {
            q = q.filter(media::edition_id.eq(id));
        }
        if let Some(kind) = f.kind {
            q = q.filter(media::kind.eq(kind.as_str()));
        }
        q
    }};
}

impl MediaSort {
    /// Every value, in the order the API documents them.
    pub const ALL: &'static [MediaSort] = &[
        MediaSort::CreatedDesc,
        MediaSort::CreatedAsc,
        MediaSort::SizeDesc,
        MediaSort::IdAsc,
        MediaSort::IdDesc,
        MediaSort::Relevance,
    ];

    /// The name a cursor records.
    pub fn name(self) -> &'static str {
        match self {
            MediaSort::CreatedDesc => "-created_at",
            MediaSort::CreatedAsc => "created_at",
            MediaSort::SizeDesc => "-file_size",
            MediaSort::IdAsc => "id",
            MediaSort::IdDesc => "-id",
            MediaSort::Relevance => "relevance",
        }
    }

    /// The keys of this order before the id, and whether the id descends.
    pub fn keys(self) -> (Vec<Key>, bool) {
        match self {
            MediaSort::CreatedDesc | MediaSort::Relevance => {
                (vec![Key::desc("media.created_at").time()], true)
            }
            MediaSort::CreatedAsc => (vec![Key::asc("media.created_at").time()], false),
            MediaSort::SizeDesc => (vec![Key::desc("media.file_size").int().nullable()], true),
            MediaSort::IdAsc => (vec![], false),
            MediaSort::IdDesc => (vec![], true),
        }
    }

    /// The values of this order's keys for `row`.
    pub fn values(self, row: &MediaRow) -> Vec<KeyValue> {
        match self {
            MediaSort::CreatedDesc | MediaSort::CreatedAsc | MediaSort::Relevance => {
                vec![row.created_at.into()]
            }
            MediaSort::SizeDesc => vec![row.file_size.into()],
            MediaSort::IdAsc | MediaSort::IdDesc => vec![],
        }
    }
}

/// Counts the items boxed query `$make` selects and loads those of
/// `$window` in `$sort` order; `return`s from the enclosing function.
macro_rules! page {
    ($c:ident, $make:expr, $filter:expr, $backend:expr, $sort:expr, $window:expr) => {{
        let relevance = $filter
            .search
            .as_ref()
            .filter(|_| $sort == MediaSort::Relevance);
        let (keys, id_desc) = $sort.keys();
        search::page_of!(
            $c,
            $make,
            MediaRow,
            MediaRow::as_select(),
            $backend,
            "media_search",
            media::id,
            "media.id",
            relevance,
            keys,
            id_desc,
            $window,
            None
        )
    }};
}

/// One page of the items `filter` selects, and how many it selects in all.
pub fn list(
    conn: &mut Conn,
    filter: &MediaFilter,
    sort: MediaSort,
    window: &Window,
) -> QueryResult<(Vec<MediaRow>, i64)> {
    let backend = conn.backend();
    with_conn!(conn, c => match &filter.search {
        None => page!(c, filtered!(filter, media::table), filter, backend, sort, window),
        Some(words) => page!(
            c,
            {
                let q = filtered!(
                    filter,
                    search::search_join!(media::table, media_search, "media_search.rowid + 0 = media.id")
                );
                search::search_filter!(q, backend, "media_search", words)
            },
            filter, backend, sort, window
        ),
    })
}

/// Whether live content uses item `id` at `now` (see [`in_public_use`]).
pub fn is_public(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(
        media::table.filter(media::id.eq(id)).filter(in_public_use!(now)),
    ))
    .get_result(c))
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<MediaRow>> {
    with_conn!(conn, c => media::table.find(id).select(MediaRow::as_select()).first(c).optional())
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(c))
}

pub fn renditions_of(conn: &mut Conn, media_ids: &[i64]) -> QueryResult<Vec<RenditionRow>> {
    if media_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => media_renditions::table
        .filter(media_renditions::media_id.eq_any(media_ids))
        .select(RenditionRow::as_select())
        .order((media_renditions::media_id, media_renditions::width, media_renditions::id))
        .load(c))
}

/// How a new media item is described: all of its row that does not come
/// from its file.
#[derive(Debug, Clone, Copy)]
pub struct Described<'a> {
    pub edition_id: Option<i64>,
    pub slug: &'a str,
    pub title: &'a str,
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    /// Public even when no live content uses it.
    pub listed: bool,
}

/// Writes the row of an embedded video; answers its id.
pub fn insert_embed(conn: &mut Conn, embed: &Embed, described: &Described<'_>) -> QueryResult<i64> {
    let metadata = serde_json::json!({ "embed": embed }).to_string();
    insert(
        conn,
        &NewMedia {
            source_url: Some(&embed.url),
            mime_type: "text/html",
            metadata: &metadata,
            ..NewMedia::described(MediaKind::Embed, described)
        },
        &[],
    )
}

/// Writes the row of a file kept where it is (an imported attachment
/// whose file was not copied); answers its id.
pub fn insert_remote(
    conn: &mut Conn,
    kind: MediaKind,
    url: &str,
    mime_type: &str,
    filename: &str,
    described: &Described<'_>,
) -> QueryResult<i64> {
    insert(
        conn,
        &NewMedia {
            source_url: Some(url),
            original_filename: Some(filename).filter(|f| !f.is_empty()),
            mime_type,
            ..NewMedia::described(kind, described)
        },
        &[],
    )
}

impl<'a> NewMedia<'a> {
    /// A row with these descriptions and no file.
    pub fn described(kind: MediaKind, d: &Described<'a>) -> Self {
        NewMedia {
            kind: kind.as_str(),
            edition_id: d.edition_id,
            slug: d.slug,
            title: d.title,
            storage_key: None,
            source_url: None,
            original_filename: None,
            mime_type: "",
            file_size: None,
            width: None,
            height: None,
            duration: None,
            alt_text: d.alt_text,
            caption: d.caption,
            credit: d.credit,
            placeholder: None,
            metadata: "{}",
            uploaded_by: d.uploaded_by,
            created_at: d.created_at,
            updated_at: d.created_at,
            listed: d.listed,
        }
    }
}

/// Writes a media row and its renditions as given; answers its id. Uploads
/// go through `media::upload::insert`, embeds through [`insert_embed`].
pub fn insert(
    conn: &mut Conn,
    new: &NewMedia<'_>,
    renditions: &[NewRendition<'_>],
) -> QueryResult<i64> {
    let id = with_conn!(conn, c => {
        let id: i64 = diesel::insert_into(media::table)
            .values(new)
            .returning(media::id)
            .get_result(c)?;
        for r in renditions {
            diesel::insert_into(media_renditions::table)
                .values(NewRendition { media_id: id, ..*r })
                .execute(c)?;
        }
        Ok::<_, diesel::result::Error>(id)
    })?;
    let (title, body) = search::media_text(new.title, new.alt_text, new.caption, new.credit);
    search::put(conn, search::Index::Media, id, &title, &body)?;
    Ok(id)
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaChanges {
    pub edition_id: Option<Option<i64>>,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub listed: Option<bool>,
    pub updated_by: Option<Option<i64>>,
}

/// Applies `changes` if the item is still at `revision`.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &MediaChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = update_at_revision!(media, conn, id, revision, changes, now)?;
    if updated {
        search::reindex_media(conn, id)?;
    }
    Ok(updated)
}

/// The item with `slug` among those of `edition_id` (or of none).
pub fn find_by_slug(
    conn: &mut Conn,
    edition_id: Option<i64>,
    slug: &str,
) -> QueryResult<Option<i64>> {
    with_conn!(conn, c => {
        let mut q = media::table.filter(media::slug.eq(slug)).select(media::id).into_boxed();
        q = match edition_id {
            Some(id) => q.filter(media::edition_id.eq(id)),
            None => q.filter(media::edition_id.is_null()),
        };
        q.first(c).optional()
    })
}

/// The posts that show the item (trashed ones too): those it is the
/// featured media of, and those whose gallery holds it.
pub fn usage(conn: &mut Conn, id: i64) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    with_conn!(conn, c => {
        let featured = posts::table
            .filter(posts::featured_media_id.eq(id))
            .select(posts::id)
            .order(posts::id)
            .load(c)?;
        let galleries = post_gallery_items::table
            .filter(post_gallery_items::media_id.eq(id))
            .select(post_gallery_items::post_id)
            .distinct()
            .order(post_gallery_items::post_id)
            .load(c)?;
        Ok((featured, galleries))
    })
}

/// Deletes the item; posts featuring it lose their featured media and
/// galleries lose the picture.
pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    let removed = with_conn!(conn, c => {
        diesel::delete(post_gallery_items::table.filter(post_gallery_items::media_id.eq(id))).execute(c)?;
        diesel::delete(media::table.find(id)).execute(c)
    })?;
    search::remove(conn, search::Index::Media, id)?;
    Ok(removed)
}

/// Slugs among the items of `edition_id` (or of none) that are `base` or
/// start with `base-`.
pub fn slugs_like(
    conn: &mut Conn,
    edition_id: Option<i64>,
    base: &str,
) -> QueryResult<Vec<String>> {
    let pattern = crate::repo::slug_pattern(base);
    with_conn!(conn, c => {
        let mut q = media::table
            .filter(media::slug.eq(base).or(media::slug.like(pattern).escape('\\')))
            .select(media::slug)
            .into_boxed();
        q = match edition_id {
            Some(id) => q.filter(media::edition_id.eq(id)),
            None => q.filter(media::edition_id.is_null()),
        };
        q.load(c)
    })
}

/// The ids of every media item, for audits.
pub fn all_ids(conn: &mut Conn) -> QueryResult<Vec<i64>> {
    with_conn!(conn, c => media::table.select(media::id).order(media::id).load(c))
}

/// The storage keys of an item: its file and its renditions'.
pub fn keys_of(conn: &mut Conn, id: i64) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => {
        let mut keys: Vec<String> = media::table
            .find(id)
            .select(media::storage_key)
            .load::<Option<String>>(c)?
            .into_iter()
            .flatten()
            .collect();
        keys.extend(
            media_renditions::table
                .filter(media_renditions::media_id.eq(id))
                .select(media_renditions::storage_key)
                .load::<String>(c)?,
        );
        Ok(keys)
    })
}

/// Whether any item or rendition still points at `key`.
pub fn key_in_use(conn: &mut Conn, key: &str) -> QueryResult<bool> {
    use diesel::dsl::exists;
    with_conn!(conn, c => diesel::select(
            exists(media::table.filter(media::storage_key.eq(key)))
                .or(exists(media_renditions::table.filter(media_renditions::storage_key.eq(key)))),
        )
        .get_result(c))
}

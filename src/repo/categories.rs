use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::keyset::{self, Key, KeyValue, Window};
use crate::db::schema::categories;
use crate::db::Conn;
use crate::repo::TranslationRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CategoryRow {
    pub id: i64,
    pub edition_id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub translation_group: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revision: i32,
    /// Its published posts outside the trash, kept by the database (see
    /// [`crate::repo::counts`]).
    pub published_posts: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub edition_id: i64,
    pub parent_id: Option<i64>,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub position: i32,
    pub translation_group: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
}

/// Which categories a list shows.
#[derive(Debug, Clone, Default)]
pub struct CategoryFilter {
    pub edition_id: Option<i64>,
    /// `Some(None)`: top-level categories only; `Some(Some(id))`: children of `id`.
    pub parent: Option<Option<i64>>,
}

/// Order of a category or tag list. Ties are broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TermSort {
    /// The editors' order (`position`), then name.
    #[default]
    #[serde(rename = "position")]
    Position,
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "slug")]
    SlugAsc,
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
}

macro_rules! filtered {
    ($f:expr) => {{
        let f: &CategoryFilter = $f;
        let mut q = categories::table.into_boxed();
        if let Some(id) = f.edition_id {
            q = q.filter(categories::edition_id.eq(id));
        }
        match f.parent {
            Some(Some(parent)) => q = q.filter(categories::parent_id.eq(parent)),
            Some(None) => q = q.filter(categories::parent_id.is_null()),
            None => {}
        }
        q
    }};
}

impl TermSort {
    /// Every value, in the order the API documents them.
    pub const ALL: &'static [TermSort] = &[
        TermSort::Position,
        TermSort::NameAsc,
        TermSort::NameDesc,
        TermSort::SlugAsc,
        TermSort::IdAsc,
        TermSort::IdDesc,
    ];

    /// The name a cursor records.
    pub fn name(self) -> &'static str {
        match self {
            TermSort::Position => "position",
            TermSort::NameAsc => "name",
            TermSort::NameDesc => "-name",
            TermSort::SlugAsc => "slug",
            TermSort::IdAsc => "id",
            TermSort::IdDesc => "-id",
        }
    }

    /// The keys of this order on `categories` before the id, and whether
    /// the id descends.
    pub fn category_keys(self) -> (Vec<Key>, bool) {
        match self {
            TermSort::Position => (
                vec![
                    Key::asc("categories.position").int(),
                    Key::asc("categories.name"),
                ],
                false,
            ),
            TermSort::NameAsc => (vec![Key::asc("categories.name")], false),
            TermSort::NameDesc => (vec![Key::desc("categories.name")], true),
            TermSort::SlugAsc => (vec![Key::asc("categories.slug")], false),
            TermSort::IdAsc => (vec![], false),
            TermSort::IdDesc => (vec![], true),
        }
    }

    /// The keys of this order on `tags` (which have no position: by name).
    pub fn tag_keys(self) -> (Vec<Key>, bool) {
        match self {
            TermSort::Position | TermSort::NameAsc => (vec![Key::asc("tags.name")], false),
            TermSort::NameDesc => (vec![Key::desc("tags.name")], true),
            TermSort::SlugAsc => (vec![Key::asc("tags.slug")], false),
            TermSort::IdAsc => (vec![], false),
            TermSort::IdDesc => (vec![], true),
        }
    }

    /// The values of this order's keys for a term with `position` (none
    /// for tags), `name` and `slug`.
    pub fn values(self, position: Option<i32>, name: &str, slug: &str) -> Vec<KeyValue> {
        match (self, position) {
            (TermSort::Position, Some(p)) => vec![p.into(), name.into()],
            (TermSort::Position | TermSort::NameAsc | TermSort::NameDesc, _) => vec![name.into()],
            (TermSort::SlugAsc, _) => vec![slug.into()],
            (TermSort::IdAsc | TermSort::IdDesc, _) => vec![],
        }
    }
}

/// The categories `filter` selects in `window`, and how many in all.
pub fn list(
    conn: &mut Conn,
    filter: &CategoryFilter,
    sort: TermSort,
    window: &Window,
) -> QueryResult<(Vec<CategoryRow>, i64)> {
    with_conn!(conn, c => {
        let total: i64 = filtered!(filter).count().get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let (keys, id_desc) = sort.category_keys();
        let q = filtered!(filter).select(CategoryRow::as_select());
        let rows = keyset::windowed!(q, &keys, "categories.id", id_desc, window).load(c)?;
        Ok((rows, total))
    })
}

/// Every category of an edition (or of all), in the editors' order; for
/// trees and descendant lookups.
pub fn all(conn: &mut Conn, edition_id: Option<i64>) -> QueryResult<Vec<CategoryRow>> {
    with_conn!(conn, c => {
        let mut q = categories::table.select(CategoryRow::as_select()).into_boxed();
        if let Some(id) = edition_id {
            q = q.filter(categories::edition_id.eq(id));
        }
        q.order((categories::position, categories::name, categories::id)).load(c)
    })
}

/// The categories with the given ids, in the editors' order.
pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<CategoryRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => categories::table
        .filter(categories::id.eq_any(ids))
        .select(CategoryRow::as_select())
        .order((categories::position, categories::name, categories::id))
        .load(c))
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<CategoryRow>> {
    with_conn!(conn, c => categories::table
        .find(id)
        .select(CategoryRow::as_select())
        .first(c)
        .optional())
}

pub fn find_by_slug(
    conn: &mut Conn,
    edition_id: i64,
    slug: &str,
) -> QueryResult<Option<CategoryRow>> {
    with_conn!(conn, c => categories::table
        .filter(categories::edition_id.eq(edition_id))
        .filter(categories::slug.eq(slug))
        .select(CategoryRow::as_select())
        .first(c)
        .optional())
}

pub fn translations(conn: &mut Conn, groups: &[String]) -> QueryResult<Vec<TranslationRow>> {
    translations_in!(categories, conn, groups)
}

pub fn insert(conn: &mut Conn, new: &NewCategory<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(categories::table)
        .values(new)
        .returning(categories::id)
        .get_result(c))
}

/// The ids of `roots` and of every category below them.
pub fn with_descendants(all: &[CategoryRow], roots: &[i64]) -> Vec<i64> {
    let mut found: Vec<i64> = roots.to_vec();
    let mut frontier: Vec<i64> = roots.to_vec();
    while !frontier.is_empty() {
        let children: Vec<i64> = all
            .iter()
            .filter(|c| c.parent_id.is_some_and(|p| frontier.contains(&p)))
            .map(|c| c.id)
            .filter(|id| !found.contains(id))
            .collect();
        found.extend(&children);
        frontier = children;
    }
    found
}

/// `(id, edition_id, slug)` of the given categories.
pub fn slugs_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, String)>> {
    slugs_by_ids!(categories, conn, ids)
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub parent_id: Option<Option<i64>>,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
    pub translation_group: Option<String>,
    pub updated_by: Option<Option<i64>>,
}

/// Applies `changes` if the category is still at `revision`.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &CategoryChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    update_at_revision!(categories, conn, id, revision, changes, now)
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(categories::table.find(id)).execute(c))
}

pub fn has_children(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(categories::table.filter(categories::parent_id.eq(id)))).get_result(c))
}

pub fn group_member_in(
    conn: &mut Conn,
    group: &str,
    edition_id: i64,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    group_member_in!(categories, conn, group, edition_id, except)
}

pub fn slugs_like(conn: &mut Conn, edition_id: i64, base: &str) -> QueryResult<Vec<String>> {
    slugs_like_in!(categories, conn, edition_id, base)
}

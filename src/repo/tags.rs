use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Window};
use crate::db::schema::tags;
use crate::db::Conn;
use crate::repo::categories::TermSort;
use crate::repo::TranslationRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TagRow {
    pub id: i64,
    pub edition_id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub translation_group: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revision: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTag<'a> {
    pub edition_id: i64,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub translation_group: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
}

/// The tags of an edition (or of all) in `window`, and how many in all.
pub fn list(
    conn: &mut Conn,
    edition_id: Option<i64>,
    sort: TermSort,
    window: &Window,
) -> QueryResult<(Vec<TagRow>, i64)> {
    with_conn!(conn, c => {
        let mut count = tags::table.count().into_boxed();
        let mut q = tags::table.select(TagRow::as_select()).into_boxed();
        if let Some(id) = edition_id {
            count = count.filter(tags::edition_id.eq(id));
            q = q.filter(tags::edition_id.eq(id));
        }
        let total: i64 = count.get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let (keys, id_desc) = sort.tag_keys();
        Ok((keyset::windowed!(q, &keys, "tags.id", id_desc, window).load(c)?, total))
    })
}

/// The tags with the given ids, by name.
pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<TagRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => tags::table
        .filter(tags::id.eq_any(ids))
        .select(TagRow::as_select())
        .order((tags::name, tags::id))
        .load(c))
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<TagRow>> {
    with_conn!(conn, c => tags::table.find(id).select(TagRow::as_select()).first(c).optional())
}

pub fn find_by_slug(conn: &mut Conn, edition_id: i64, slug: &str) -> QueryResult<Option<TagRow>> {
    with_conn!(conn, c => tags::table
        .filter(tags::edition_id.eq(edition_id))
        .filter(tags::slug.eq(slug))
        .select(TagRow::as_select())
        .first(c)
        .optional())
}

/// Tags whose id or slug is in the lists, optionally within one edition:
/// `(id, slug)`.
pub fn resolve(
    conn: &mut Conn,
    ids: &[i64],
    slugs: &[String],
    edition_id: Option<i64>,
) -> QueryResult<Vec<(i64, String)>> {
    with_conn!(conn, c => {
        let mut q = tags::table
            .filter(tags::id.eq_any(ids).or(tags::slug.eq_any(slugs)))
            .select((tags::id, tags::slug))
            .into_boxed();
        if let Some(id) = edition_id {
            q = q.filter(tags::edition_id.eq(id));
        }
        q.load(c)
    })
}

pub fn translations(conn: &mut Conn, groups: &[String]) -> QueryResult<Vec<TranslationRow>> {
    translations_in!(tags, conn, groups)
}

pub fn insert(conn: &mut Conn, new: &NewTag<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(tags::table)
        .values(new)
        .returning(tags::id)
        .get_result(c))
}

/// `(id, edition_id, slug)` of the given tags.
pub fn slugs_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, String)>> {
    slugs_by_ids!(tags, conn, ids)
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub translation_group: Option<String>,
    pub updated_by: Option<Option<i64>>,
}

/// Applies `changes` if the tag is still at `revision`.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &TagChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    update_at_revision!(tags, conn, id, revision, changes, now)
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(tags::table.find(id)).execute(c))
}

pub fn group_member_in(
    conn: &mut Conn,
    group: &str,
    edition_id: i64,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    group_member_in!(tags, conn, group, edition_id, except)
}

pub fn slugs_like(conn: &mut Conn, edition_id: i64, base: &str) -> QueryResult<Vec<String>> {
    slugs_like_in!(tags, conn, edition_id, base)
}

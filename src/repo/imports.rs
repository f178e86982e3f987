//! Where imported rows came from (`import_sources`) and the old addresses
//! that lead to them (`redirects`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Key, Window};
use crate::db::schema::{import_sources, redirects};
use crate::db::Conn;
use crate::with_conn;

/// A thing imported before, from one source into one edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source<'a> {
    /// The site it came from (a WordPress export's base URL).
    pub source: &'a str,
    /// `author`, `category`, `tag`, `post`, `media` or `menu`.
    pub kind: &'a str,
    pub source_id: i64,
    pub edition_id: i64,
}

/// What a source became, and the fingerprint of the record then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub target_id: i64,
    pub fingerprint: String,
}

pub fn find(conn: &mut Conn, s: &Source<'_>) -> QueryResult<Option<Imported>> {
    let row: Option<(i64, String)> = with_conn!(conn, c => import_sources::table
        .filter(import_sources::source.eq(s.source))
        .filter(import_sources::kind.eq(s.kind))
        .filter(import_sources::source_id.eq(s.source_id))
        .filter(import_sources::edition_id.eq(s.edition_id))
        .select((import_sources::target_id, import_sources::fingerprint))
        .first(c)
        .optional())?;
    Ok(row.map(|(target_id, fingerprint)| Imported {
        target_id,
        fingerprint,
    }))
}

/// Records (or replaces) what `s` became.
pub fn record(
    conn: &mut Conn,
    s: &Source<'_>,
    guid: &str,
    imported: &Imported,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    use import_sources as t;
    with_conn!(conn, c => diesel::insert_into(t::table)
        .values((
            t::source.eq(s.source),
            t::kind.eq(s.kind),
            t::source_id.eq(s.source_id),
            t::edition_id.eq(s.edition_id),
            t::target_id.eq(imported.target_id),
            t::guid.eq(guid),
            t::fingerprint.eq(&imported.fingerprint),
            t::imported_at.eq(now),
        ))
        .on_conflict((t::source, t::kind, t::source_id, t::edition_id))
        .do_update()
        .set((
            t::target_id.eq(excluded(t::target_id)),
            t::guid.eq(excluded(t::guid)),
            t::fingerprint.eq(excluded(t::fingerprint)),
            t::imported_at.eq(excluded(t::imported_at)),
        ))
        .execute(c)
        .map(|_| ()))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = redirects, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RedirectRow {
    pub id: i64,
    pub from_path: String,
    pub edition_id: Option<i64>,
    pub target_kind: String,
    pub target_id: i64,
    pub created_at: NaiveDateTime,
}

/// Points each old address in `from_paths` at `target` (kind, id),
/// replacing what it pointed at, in one statement.
pub fn put_redirects(
    conn: &mut Conn,
    from_paths: &[String],
    edition_id: Option<i64>,
    target: (&str, i64),
    now: NaiveDateTime,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let mut paths: Vec<&String> = from_paths.iter().collect();
    paths.sort_unstable();
    paths.dedup();
    if paths.is_empty() {
        return Ok(());
    }
    let (kind, id) = target;
    let rows: Vec<_> = paths
        .iter()
        .map(|path| {
            (
                redirects::from_path.eq(path.as_str()),
                redirects::edition_id.eq(edition_id),
                redirects::target_kind.eq(kind),
                redirects::target_id.eq(id),
                redirects::created_at.eq(now),
            )
        })
        .collect();
    with_conn!(conn, c => diesel::insert_into(redirects::table)
        .values(&rows)
        .on_conflict(redirects::from_path)
        .do_update()
        .set((
            redirects::edition_id.eq(excluded(redirects::edition_id)),
            redirects::target_kind.eq(excluded(redirects::target_kind)),
            redirects::target_id.eq(excluded(redirects::target_id)),
        ))
        .execute(c)
        .map(|_| ()))
}

/// Redirects are listed by their old path.
pub const REDIRECT_KEYS: [Key; 1] = [Key::asc("redirects.from_path")];

/// Redirects (of an edition, or from one path) in `window`, and how many.
pub fn list_redirects(
    conn: &mut Conn,
    edition_id: Option<i64>,
    from_path: Option<&str>,
    window: &Window,
) -> QueryResult<(Vec<RedirectRow>, i64)> {
    with_conn!(conn, c => {
        let mut count = redirects::table.count().into_boxed();
        let mut q = redirects::table.select(RedirectRow::as_select()).into_boxed();
        if let Some(id) = edition_id {
            count = count.filter(redirects::edition_id.eq(id));
            q = q.filter(redirects::edition_id.eq(id));
        }
        if let Some(path) = from_path {
            count = count.filter(redirects::from_path.eq(path));
            q = q.filter(redirects::from_path.eq(path));
        }
        let total: i64 = count.get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let rows = keyset::windowed!(q, &REDIRECT_KEYS, "redirects.id", false, window).load(c)?;
        Ok((rows, total))
    })
}

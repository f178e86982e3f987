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
    let key = import_sources::table
        .filter(import_sources::source.eq(s.source))
        .filter(import_sources::kind.eq(s.kind))
        .filter(import_sources::source_id.eq(s.source_id))
        .filter(import_sources::edition_id.eq(s.edition_id));
    with_conn!(conn, c => {
        diesel::delete(key).execute(c)?;
        diesel::insert_into(import_sources::table)
            .values((
                import_sources::source.eq(s.source),
                import_sources::kind.eq(s.kind),
                import_sources::source_id.eq(s.source_id),
                import_sources::edition_id.eq(s.edition_id),
                import_sources::target_id.eq(imported.target_id),
                import_sources::guid.eq(guid),
                import_sources::fingerprint.eq(&imported.fingerprint),
                import_sources::imported_at.eq(now),
            ))
            .execute(c)
            .map(|_| ())
    })
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

/// Points `from_path` at a target, replacing what it pointed at; a
/// redirect that already says this is left untouched.
pub fn put_redirect(
    conn: &mut Conn,
    from_path: &str,
    edition_id: Option<i64>,
    target: (&str, i64),
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (kind, id) = target;
    with_conn!(conn, c => {
        let existing: Option<(Option<i64>, String, i64)> = redirects::table
            .filter(redirects::from_path.eq(from_path))
            .select((redirects::edition_id, redirects::target_kind, redirects::target_id))
            .first(c)
            .optional()?;
        match existing {
            Some(e) if e == (edition_id, kind.to_string(), id) => Ok(()),
            Some(_) => diesel::update(redirects::table.filter(redirects::from_path.eq(from_path)))
                .set((
                    redirects::edition_id.eq(edition_id),
                    redirects::target_kind.eq(kind),
                    redirects::target_id.eq(id),
                ))
                .execute(c)
                .map(|_| ()),
            None => diesel::insert_into(redirects::table)
                .values((
                    redirects::from_path.eq(from_path),
                    redirects::edition_id.eq(edition_id),
                    redirects::target_kind.eq(kind),
                    redirects::target_id.eq(id),
                    redirects::created_at.eq(now),
                ))
                .execute(c)
                .map(|_| ()),
        }
    })
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

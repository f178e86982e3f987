//! Files in the media store that may belong to no media item (migration
//! 000006): noted before an upload stores them, forgotten when its item
//! commits, claimed by [`crate::media::files`] to remove them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::pending_files::dsl as p;
use crate::db::Conn;
use crate::with_conn;

/// The time a deleted item's files are noted with: before any upload's
/// note, so that releasing them never takes an upload's.
pub fn released_at() -> NaiveDateTime {
    chrono::DateTime::UNIX_EPOCH.naive_utc()
}

/// Notes that `keys` are being stored now: a note already there is made
/// current, so that nothing removes the files meanwhile.
pub fn note_storing(conn: &mut Conn, keys: &[String], now: NaiveDateTime) -> QueryResult<()> {
    for key in keys {
        with_conn!(conn, c => diesel::insert_into(p::pending_files)
            .values((p::storage_key.eq(key), p::since.eq(now)))
            .on_conflict(p::storage_key)
            .do_update()
            .set(p::since.eq(now))
            .execute(c))?;
    }
    Ok(())
}

/// Notes that `keys` may have lost their last user at `since`; a note
/// already there (an upload storing the same file) is kept as it is.
pub fn note_released(conn: &mut Conn, keys: &[String], since: NaiveDateTime) -> QueryResult<()> {
    for key in keys {
        with_conn!(conn, c => diesel::insert_into(p::pending_files)
            .values((p::storage_key.eq(key), p::since.eq(since)))
            .on_conflict(p::storage_key)
            .do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Forgets the notes of `keys`: an item now uses them.
pub fn forget(conn: &mut Conn, keys: &[String]) -> QueryResult<()> {
    with_conn!(conn, c => diesel::delete(p::pending_files.filter(p::storage_key.eq_any(keys)))
        .execute(c))?;
    Ok(())
}

/// Up to `limit` keys noted before `before`, oldest first.
pub fn due(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => p::pending_files
        .filter(p::since.lt(before))
        .order(p::since.asc())
        .select(p::storage_key)
        .limit(limit)
        .load(c))
}

/// Takes the note of `key` if it is older than `before`; answers whether
/// it was. Inside a transaction, the note stays locked until the end, so
/// an upload noting the same key waits for it.
pub fn claim(conn: &mut Conn, key: &str, before: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::delete(
            p::pending_files.filter(p::storage_key.eq(key)).filter(p::since.lt(before)),
        )
        .execute(c))
    .map(|n| n > 0)
}

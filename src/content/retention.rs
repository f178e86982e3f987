//! How long the change log keeps its rows (`NASHR_CHANGES_RETENTION_DAYS`).

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::Conn;
use crate::repo;

/// Removes rows older than `days` before `now`; answers how many.
pub fn prune(conn: &mut Conn, now: NaiveDateTime, days: u32) -> QueryResult<usize> {
    repo::changes::prune(conn, now - Duration::days(i64::from(days)))
}

//! How long the change log keeps its rows (`NASHR_CHANGES_RETENTION_DAYS`).

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::Conn;
use crate::repo;

/// Removes rows older than `days` before `now`; answers how many.
pub fn prune(conn: &mut Conn, now: NaiveDateTime, days: u32) -> QueryResult<usize> {
    // Never a row enabled webhooks have not made their deliveries of yet.
    let delivered_up_to = match repo::webhooks::any_enabled(conn)? {
        true => repo::webhooks::outbox(conn)?,
        false => i64::MAX,
    };
    repo::changes::prune(conn, now - Duration::days(i64::from(days)), delivered_up_to)
}

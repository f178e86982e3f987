//! Scheduled posts going live. Readers see a scheduled post from its time
//! on with nothing to run; what needs a hand is the change log, which
//! records the moment once. Every instance runs [`go_live`] in a loop;
//! each post is claimed by a conditional update (`scheduled` becomes
//! `published` only where it still is `scheduled`), so whichever instance
//! comes first records it, and the others find nothing to claim.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::content::changes;
use crate::db::Conn;
use crate::repo;

/// How many due posts one pass takes at most.
const BATCH: i64 = 100;

/// Claims the scheduled posts whose time has come by `now` and records
/// each in the change log, one transaction per post. Answers the ids this
/// call claimed.
pub fn go_live(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let mut claimed = Vec::new();
    for id in repo::posts::due_scheduled(conn, now, BATCH)? {
        let won = conn.transaction(|conn| -> QueryResult<bool> {
            // The log's lock before the post's row, as every writer does.
            repo::changes::lock(conn)?;
            if !repo::posts::claim_scheduled(conn, id, now)? {
                return Ok(false);
            }
            changes::went_live(conn, id, now)?;
            Ok(true)
        })?;
        if won {
            claimed.push(id);
        }
    }
    Ok(claimed)
}

/// When the next scheduled post is due, if any is.
pub fn next_due(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    repo::posts::next_scheduled(conn)
}

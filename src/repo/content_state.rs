//! The content version (migration 000004): a number every write to a
//! content table bumps, by trigger, and the time of the last change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{content_state, posts};
use crate::db::Conn;
use crate::domain::PostStatus;
use crate::repo::posts::live;
use crate::with_conn;

/// Where content stands at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentState {
    /// Bumped by every write to content.
    pub version: i64,
    /// When the last write was.
    pub changed_at: NaiveDateTime,
    /// When the latest live post went live (a scheduled one may have done
    /// so after the last write).
    pub last_live: Option<NaiveDateTime>,
    /// When the next scheduled post goes live, changing content with no
    /// write.
    pub next_live: Option<NaiveDateTime>,
}

/// The content state at `now`, in one query.
pub fn current(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<ContentState> {
    let (version, changed_at, last_live, next_live) = with_conn!(conn, c => content_state::table
        .find(1)
        .select((
            content_state::version,
            content_state::changed_at,
            // ORDER BY .. LIMIT 1 rather than max()/min(): both databases
            // then walk the index on published_at from `now` and stop at
            // the first live row (PostgreSQL aggregated every live post
            // otherwise: 14 ms for 10,000).
            posts::table
                .filter(live!(now))
                .select(posts::published_at)
                .order(posts::published_at.desc())
                .limit(1)
                .single_value(),
            posts::table
                .filter(posts::status.eq_any(PostStatus::MAYBE_LIVE))
                .filter(posts::deleted_at.is_null())
                .filter(posts::published_at.gt(now))
                .select(posts::published_at)
                .order(posts::published_at.asc())
                .limit(1)
                .single_value(),
        ))
        .first::<(i64, NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>)>(c))?;
    Ok(ContentState {
        version,
        changed_at,
        last_live,
        next_live,
    })
}

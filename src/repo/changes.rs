//! The change log's table (migration 000010). What a row means and when
//! one is written: [`crate::content::changes`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{changes, posts};
use crate::db::Conn;
use crate::repo::posts::{live, maybe_live};
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub id: i64,
    pub resource: String,
    pub resource_id: i64,
    pub edition: Option<String>,
    pub action: String,
    pub slug: Option<String>,
    pub translation_group: Option<String>,
    /// Space-separated.
    pub surrogate_keys: String,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = changes)]
pub struct NewChange<'a> {
    pub resource: &'a str,
    pub resource_id: i64,
    pub edition: Option<&'a str>,
    pub action: &'a str,
    pub slug: Option<&'a str>,
    pub translation_group: Option<&'a str>,
    pub surrogate_keys: &'a str,
    pub changed_at: NaiveDateTime,
}

/// The advisory lock PostgreSQL writers of the log hold until they commit
/// (an arbitrary number, the same in every instance: "nashr" in ASCII).
const LOG_LOCK: i64 = 0x6e_6173_6872;

/// Takes the log's lock on PostgreSQL, held to the end of the caller's
/// transaction, so that ids are given out in commit order: a reader that
/// has seen id n never later finds a row below n appear. (SQLite has one
/// writer at a time already.) A writer takes it before it locks any row
/// it writes, so that two writers never wait on each other in a circle.
pub fn lock(conn: &mut Conn) -> QueryResult<()> {
    if let Conn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(LOG_LOCK)
            .execute(c)?;
    }
    Ok(())
}

/// Appends `rows`, inside the caller's transaction (see [`lock`]).
pub fn append(conn: &mut Conn, rows: &[NewChange<'_>]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    lock(conn)?;
    with_conn!(conn, c => diesel::insert_into(changes::table).values(rows).execute(c))?;
    Ok(())
}

/// Up to `limit` rows after id `after`, oldest first.
pub fn after(conn: &mut Conn, after: i64, limit: i64) -> QueryResult<Vec<ChangeRow>> {
    with_conn!(conn, c => changes::table
        .filter(changes::id.gt(after))
        .order(changes::id.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(c))
}

/// The id of the latest row (0 when the log is empty).
pub fn last_id(conn: &mut Conn) -> QueryResult<i64> {
    let last: Option<i64> = with_conn!(conn, c => changes::table
        .select(diesel::dsl::max(changes::id))
        .first(c))?;
    Ok(last.unwrap_or(0))
}

/// Where public content stands at some moment, as readers' caches check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogState {
    /// The latest row's id (0 when the log is empty).
    pub last_id: i64,
    /// When the latest row was written.
    pub last_at: Option<NaiveDateTime>,
    /// When the latest live post went live (a scheduled one goes live at
    /// its time, before the log records it).
    pub last_live: Option<NaiveDateTime>,
    /// When the next scheduled post goes live.
    pub next_live: Option<NaiveDateTime>,
}

/// The log's state at `now`, in one query of three index lookups.
pub fn state(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<LogState> {
    let latest = changes::table.order(changes::id.desc()).limit(1);
    let (last_id, last_at, last_live, next_live) = with_conn!(conn, c => diesel::select((
            latest.select(changes::id).single_value(),
            latest.select(changes::changed_at).single_value(),
            // ORDER BY .. LIMIT 1 rather than max()/min(): both databases
            // then walk the index on published_at from `now` and stop at
            // the first row (PostgreSQL aggregated every live post
            // otherwise: 14 ms for 10,000).
            posts::table
                .filter(live!(now))
                .select(posts::published_at)
                .order(posts::published_at.desc())
                .limit(1)
                .single_value(),
            posts::table
                .filter(maybe_live!())
                .filter(posts::deleted_at.is_null())
                .filter(posts::published_at.gt(now))
                .select(posts::published_at)
                .order(posts::published_at.asc())
                .limit(1)
                .single_value(),
        ))
        .get_result::<(Option<i64>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>)>(c))?;
    Ok(LogState {
        last_id: last_id.unwrap_or(0),
        last_at,
        last_live,
        next_live,
    })
}

/// Removes rows older than `before` with ids up to `up_to_id`; answers
/// how many.
pub fn prune(conn: &mut Conn, before: NaiveDateTime, up_to_id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(
        changes::table
            .filter(changes::changed_at.lt(before))
            .filter(changes::id.le(up_to_id)),
    )
    .execute(c))
}

/// The ids of every row of `table` (one of the content tables), in order.
pub fn ids_of(conn: &mut Conn, table: &'static str) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let sql = format!("SELECT id FROM {table} ORDER BY id");
    let ids: Vec<Id> = with_conn!(conn, c => diesel::sql_query(&sql).load(c))?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

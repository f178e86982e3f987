//! How many live posts a category, a tag or an author has, read from the
//! counts the database keeps (migration 000012: `published_posts`, kept
//! by triggers on every write) instead of counting posts on each read.
//!
//! A kept count is of posts with status `published` outside the trash.
//! Live differs from that in two small sets, found through indexes and
//! applied here: scheduled posts whose time has come but which no
//! scheduler has marked published yet (live, not counted), and published
//! posts dated in the future (counted, not live yet).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{categories, post_categories, post_tags, posts, tags, users};
use crate::db::Conn;
use crate::domain::PostStatus;
use crate::with_conn;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Categories,
    Tags,
    Authors,
}

/// Live posts of each of `ids` at `now` (every id is in the answer).
pub fn live_posts(
    conn: &mut Conn,
    counted: Counted,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let kept: Vec<(i64, i64)> = match counted {
        Counted::Categories => with_conn!(conn, c => categories::table
            .filter(categories::id.eq_any(ids))
            .select((categories::id, categories::published_posts))
            .load(c))?,
        Counted::Tags => with_conn!(conn, c => tags::table
            .filter(tags::id.eq_any(ids))
            .select((tags::id, tags::published_posts))
            .load(c))?,
        Counted::Authors => with_conn!(conn, c => users::table
            .filter(users::id.eq_any(ids))
            .select((users::id, users::published_posts))
            .load(c))?,
    };
    let mut counts: HashMap<i64, i64> = kept.into_iter().collect();
    correct(conn, counted, &mut counts, now)?;
    Ok(counts)
}

/// Turns kept counts (by id, as the rows read them) into counts of live
/// posts at `now`.
pub fn correct(
    conn: &mut Conn,
    counted: Counted,
    counts: &mut HashMap<i64, i64>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let differ = differences(conn, now)?;
    if differ.is_empty() {
        return Ok(());
    }
    let differing: Vec<i64> = differ.keys().copied().collect();
    // (post, what counts it) for the posts that differ.
    let owners: Vec<(i64, Option<i64>)> = match counted {
        Counted::Categories => with_conn!(conn, c => post_categories::table
            .filter(post_categories::post_id.eq_any(&differing))
            .select((post_categories::post_id, post_categories::category_id.nullable()))
            .load(c))?,
        Counted::Tags => with_conn!(conn, c => post_tags::table
            .filter(post_tags::post_id.eq_any(&differing))
            .select((post_tags::post_id, post_tags::tag_id.nullable()))
            .load(c))?,
        Counted::Authors => with_conn!(conn, c => posts::table
            .filter(posts::id.eq_any(&differing))
            .select((posts::id, posts::author_id))
            .load(c))?,
    };
    for (post, owner) in owners {
        if let Some(n) = owner.and_then(|o| counts.get_mut(&o)) {
            *n += differ[&post];
        }
    }
    Ok(())
}

/// Posts whose liveness at `now` differs from their kept count: `+1` for
/// a scheduled post whose time has come, `-1` for a published one dated
/// after `now`. Both sets are small and read through indexes (the status
/// is written out, not bound, so that SQLite can use the partial index
/// `differingscheduled`).
fn differences(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<HashMap<i64, i64>> {
    let due: Vec<i64> = with_conn!(conn, c => posts::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "posts.status = 'scheduled'",
        ))
        .filter(posts::published_at.le(now))
        .filter(posts::deleted_at.is_null())
        .select(posts::id)
        .load(c))?;
    let early: Vec<i64> = with_conn!(conn, c => posts::table
        .filter(posts::published_at.gt(now))
        .filter(posts::status.eq(PostStatus::Published.as_str()))
        .filter(posts::deleted_at.is_null())
        .select(posts::id)
        .load(c))?;
    Ok(due
        .into_iter()
        .map(|id| (id, 1))
        .chain(early.into_iter().map(|id| (id, -1)))
        .collect())
}

/// A fresh count of each kept column: `(table, column of the count, the
/// count of its published posts outside the trash)`, in SQL both
/// databases read alike.
const FRESH: [(&str, &str); 3] = [
    (
        "categories",
        "SELECT count(*) FROM post_categories pc JOIN posts p ON p.id = pc.post_id \
         WHERE pc.category_id = categories.id AND p.status = 'published' AND p.deleted_at IS NULL",
    ),
    (
        "tags",
        "SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id \
         WHERE pt.tag_id = tags.id AND p.status = 'published' AND p.deleted_at IS NULL",
    ),
    (
        "users",
        "SELECT count(*) FROM posts p \
         WHERE p.author_id = users.id AND p.status = 'published' AND p.deleted_at IS NULL",
    ),
];

/// Counts every kept count again: after a restore, whose rows arrive with
/// the counts of the database they were exported from.
pub fn recount(conn: &mut Conn) -> QueryResult<()> {
    for (table, fresh) in FRESH {
        let sql = format!("UPDATE {table} SET published_posts = ({fresh})");
        with_conn!(conn, c => diesel::sql_query(&sql).execute(c))?;
    }
    Ok(())
}

/// How many rows keep a count that a fresh count disagrees with (0 in a
/// sound database; the tests check it after concurrent writes).
pub fn drift(conn: &mut Conn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut total = 0;
    for (table, fresh) in FRESH {
        let sql = format!("SELECT count(*) AS n FROM {table} WHERE published_posts <> ({fresh})");
        let found: Vec<Found> = with_conn!(conn, c => diesel::sql_query(&sql).load(c))?;
        total += found.first().map_or(0, |f| f.n);
    }
    Ok(total)
}

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Key, Window};
use crate::db::schema::{comments, posts};
use crate::db::Conn;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CommentRow {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub user_id: Option<i64>,
    pub source: String,
    pub content: String,
    pub status: String,
    pub fingerprint: String,
    pub client_address: String,
    pub user_agent: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: &'a str,
    pub user_id: Option<i64>,
    pub source: &'a str,
    pub content: &'a str,
    pub status: &'a str,
    pub fingerprint: &'a str,
    pub client_address: &'a str,
    pub user_agent: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The order of comment lists: oldest first.
pub const ORDER: [Key; 1] = [Key::asc("comments.created_at").time()];

/// Which comments a list shows.
#[derive(Debug, Clone, Default)]
pub struct CommentFilter {
    pub post_id: Option<i64>,
    pub status: Option<String>,
}

/// The comments `filter` selects in `window`, oldest first, and how many
/// it selects in all.
pub fn list(
    conn: &mut Conn,
    filter: &CommentFilter,
    window: &Window,
) -> QueryResult<(Vec<CommentRow>, i64)> {
    with_conn!(conn, c => {
        let mut count = comments::table.count().into_boxed();
        let mut q = comments::table.select(CommentRow::as_select()).into_boxed();
        if let Some(post) = filter.post_id {
            count = count.filter(comments::post_id.eq(post));
            q = q.filter(comments::post_id.eq(post));
        }
        if let Some(status) = &filter.status {
            count = count.filter(comments::status.eq(status.clone()));
            q = q.filter(comments::status.eq(status.clone()));
        }
        let total: i64 = count.get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        Ok((keyset::windowed!(q, &ORDER, "comments.id", false, window).load(c)?, total))
    })
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<CommentRow>> {
    with_conn!(conn, c => comments::table.find(id).select(CommentRow::as_select()).first(c).optional())
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<CommentRow>> {
    with_conn!(conn, c => comments::table
        .filter(comments::id.eq_any(ids))
        .select(CommentRow::as_select())
        .order(comments::id)
        .load(c))
}

/// A comment's place in its thread: `(id, parent_id, status)`.
pub type ThreadLink = (i64, Option<i64>, String);

/// Where every comment on `post` stands in its thread.
pub fn threads(conn: &mut Conn, post: i64) -> QueryResult<Vec<ThreadLink>> {
    with_conn!(conn, c => comments::table
        .filter(comments::post_id.eq(post))
        .select((comments::id, comments::parent_id, comments::status))
        .load(c))
}

pub fn insert(conn: &mut Conn, new: &NewComment<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::id)
        .get_result(c))
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = comments)]
pub struct CommentChanges {
    pub status: Option<String>,
    pub source: Option<String>,
    pub content: Option<String>,
    pub fingerprint: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut Conn, id: i64, changes: &CommentChanges) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::update(comments::table.find(id)).set(changes).execute(c))
        .map(|n| n > 0)
}

/// Deletes comment `id`; its replies move up to its parent (one level
/// shallower, as are theirs).
pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    let Some(row) = find(conn, id)? else {
        return Ok(false);
    };
    let mut below = vec![id];
    let mut level = 0;
    while !below.is_empty() && level < 1000 {
        let ids: Vec<i64> = with_conn!(conn, c => comments::table
            .filter(comments::parent_id.eq_any(&below))
            .select(comments::id)
            .load(c))?;
        with_conn!(conn, c => diesel::update(comments::table.filter(comments::id.eq_any(&ids)))
            .set(comments::depth.eq(comments::depth - 1))
            .execute(c))?;
        below = ids;
        level += 1;
    }
    with_conn!(conn, c => {
        diesel::update(comments::table.filter(comments::parent_id.eq(id)))
            .set(comments::parent_id.eq(row.parent_id))
            .execute(c)?;
        diesel::delete(comments::table.find(id)).execute(c)
    })
    .map(|n| n > 0)
}

/// A comment already on `post` with this fingerprint (the same author
/// writing the same text), if any.
pub fn with_fingerprint(conn: &mut Conn, post: i64, fingerprint: &str) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::fingerprint.eq(fingerprint))
            .filter(comments::post_id.eq(post)),
    ))
    .get_result(c))
}

/// Comments from `client` since `since`, and the oldest one's time.
pub fn recent_from(
    conn: &mut Conn,
    client: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    use diesel::dsl::{count_star, min};
    with_conn!(conn, c => comments::table
        .filter(comments::client_address.eq(client))
        .filter(comments::created_at.gt(since))
        .select((count_star(), min(comments::created_at)))
        .first(c))
}

/// Sets post `post`'s `comment_count` to its approved comments.
pub fn recount(conn: &mut Conn, post: i64) -> QueryResult<i32> {
    with_conn!(conn, c => {
        let n: i64 = comments::table
            .filter(comments::post_id.eq(post))
            .filter(comments::status.eq("approved"))
            .count()
            .get_result(c)?;
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        diesel::update(posts::table.find(post))
            .set(posts::comment_count.eq(n))
            .execute(c)?;
        Ok(n)
    })
}

/// Empties the client address and user agent of comments made before
/// `before`; answers how many.
pub fn forget_clients(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::update(
        comments::table
            .filter(comments::created_at.lt(before))
            .filter(comments::client_address.ne("").or(comments::user_agent.ne(""))),
    )
    .set((comments::client_address.eq(""), comments::user_agent.eq("")))
    .execute(c))
}

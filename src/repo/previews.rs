//! Preview tokens (migration 000015): each reads one post until it
//! expires. Only a hash of the token is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::post_previews;
use crate::db::Conn;
use crate::with_conn;

#[derive(Debug, Insertable)]
#[diesel(table_name = post_previews)]
pub struct NewPreview<'a> {
    pub post_id: i64,
    pub token_hash: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, new: &NewPreview<'_>) -> QueryResult<()> {
    with_conn!(conn, c => diesel::insert_into(post_previews::table)
        .values(new)
        .execute(c)
        .map(|_| ()))
}

/// The post the token with this hash reads, while it has not expired.
pub fn post_of(conn: &mut Conn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    with_conn!(conn, c => post_previews::table
        .filter(post_previews::token_hash.eq(token_hash))
        .filter(post_previews::expires_at.gt(now))
        .select(post_previews::post_id)
        .first(c)
        .optional())
}

/// Revokes every preview of a post; answers how many there were.
pub fn delete_of_post(conn: &mut Conn, post_id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(post_previews::table
        .filter(post_previews::post_id.eq(post_id)))
        .execute(c))
}

/// Removes expired previews (the hourly prune).
pub fn delete_expired(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(post_previews::table
        .filter(post_previews::expires_at.le(now)))
        .execute(c))
}

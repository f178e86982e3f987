use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{api_tokens, users};
use crate::db::Conn;
use crate::repo::users::UserRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a str,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The token with this hash and its owner.
pub fn find_by_hash(conn: &mut Conn, hash: &str) -> QueryResult<Option<(TokenRow, UserRow)>> {
    with_conn!(conn, c => api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash))
        .select((TokenRow::as_select(), UserRow::as_select()))
        .first(c)
        .optional())
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<TokenRow>> {
    with_conn!(conn, c => api_tokens::table.find(id).select(TokenRow::as_select()).first(c).optional())
}

/// Tokens, newest first: one user's, or everyone's.
pub fn list(conn: &mut Conn, user_id: Option<i64>) -> QueryResult<Vec<TokenRow>> {
    with_conn!(conn, c => {
        let mut q = api_tokens::table.select(TokenRow::as_select()).into_boxed();
        if let Some(id) = user_id {
            q = q.filter(api_tokens::user_id.eq(id));
        }
        q.order(api_tokens::id.desc()).load(c)
    })
}

pub fn insert(conn: &mut Conn, new: &NewToken<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(api_tokens::id)
        .get_result(c))
}

/// Revokes a token; revoking twice keeps the first time.
pub fn revoke(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(at))
        .execute(c))?;
    Ok(())
}

/// Revokes every live token of a user (when they are disabled).
pub fn revoke_all_of(conn: &mut Conn, user_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::update(
            api_tokens::table
                .filter(api_tokens::user_id.eq(user_id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(at))
        .execute(c))
}

pub fn touch(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(at))
        .execute(c))?;
    Ok(())
}

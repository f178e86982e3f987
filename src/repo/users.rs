use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Key, Window};
use crate::db::schema::{posts, users};
use crate::db::Conn;
use crate::repo::posts::live;
use crate::with_conn;

/// What the public may know of a user.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_media_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub display_name: &'a str,
    pub slug: &'a str,
    pub bio: &'a str,
    pub avatar_media_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Authors are users with at least one live post; the rest stay private.
macro_rules! authors {
    ($now:expr) => {
        users::table.filter(
            users::id.eq_any(
                posts::table
                    .filter(live!($now))
                    .filter(posts::author_id.is_not_null())
                    .select(posts::author_id.assume_not_null()),
            ),
        )
    };
}

/// The authors of live posts in `window`, by display name, and how many.
pub fn list_authors(
    conn: &mut Conn,
    now: NaiveDateTime,
    window: &Window,
) -> QueryResult<(Vec<AuthorRow>, i64)> {
    with_conn!(conn, c => {
        let total: i64 = authors!(now).count().get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let q = authors!(now).select(AuthorRow::as_select()).into_boxed();
        let rows = keyset::windowed!(q, &AUTHOR_KEYS, "users.id", false, window).load(c)?;
        Ok((rows, total))
    })
}

/// Authors are listed by display name, then id.
pub const AUTHOR_KEYS: [Key; 1] = [Key::asc("users.display_name")];

pub fn find_author(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<Option<AuthorRow>> {
    with_conn!(conn, c => authors!(now)
        .filter(users::id.eq(id))
        .select(AuthorRow::as_select())
        .first(c)
        .optional())
}

pub fn find_author_by_slug(
    conn: &mut Conn,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<AuthorRow>> {
    with_conn!(conn, c => authors!(now)
        .filter(users::slug.eq(slug))
        .select(AuthorRow::as_select())
        .first(c)
        .optional())
}

/// Users by id (for post bylines); no liveness check, the post already had one.
pub fn authors_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<AuthorRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => users::table
        .filter(users::id.eq_any(ids))
        .select(AuthorRow::as_select())
        .load(c))
}

/// Users whose id or slug is in the lists: `(id, slug)`.
pub fn resolve(conn: &mut Conn, ids: &[i64], slugs: &[String]) -> QueryResult<Vec<(i64, String)>> {
    with_conn!(conn, c => users::table
        .filter(users::id.eq_any(ids).or(users::slug.eq_any(slugs)))
        .select((users::id, users::slug))
        .load(c))
}

pub fn insert(conn: &mut Conn, new: &NewUser<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(c))
}

pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    with_conn!(conn, c => users::table.count().get_result(c))
}

/// A user as the server (not the public) sees them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
    pub avatar_media_id: Option<i64>,
    pub password_hash: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Login tokens issued under another version no longer work.
    pub session_version: i32,
    /// The jti of the one login that outlives its user's own password change.
    pub kept_session: Option<String>,
}

/// What an update changes; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<Option<String>>,
    pub display_name: Option<String>,
    pub slug: Option<String>,
    pub bio: Option<String>,
    pub avatar_media_id: Option<Option<i64>>,
    pub password_hash: Option<Option<String>>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

pub fn find_user(conn: &mut Conn, id: i64) -> QueryResult<Option<UserRow>> {
    with_conn!(conn, c => users::table.find(id).select(UserRow::as_select()).first(c).optional())
}

pub fn find_by_username(conn: &mut Conn, username: &str) -> QueryResult<Option<UserRow>> {
    with_conn!(conn, c => users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(c)
        .optional())
}

/// The users in `window`, by id, and how many there are.
pub fn list_users(conn: &mut Conn, window: &Window) -> QueryResult<(Vec<UserRow>, i64)> {
    with_conn!(conn, c => {
        let total: i64 = users::table.count().get_result(c)?;
        let q = users::table.select(UserRow::as_select()).into_boxed();
        let rows = keyset::windowed!(q, &[], "users.id", false, window).load(c)?;
        Ok((rows, total))
    })
}

/// Applies `changes` if the user is still at `revision` (any revision when
/// `None`); answers whether a row changed.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: Option<i32>,
    changes: &UserChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    with_conn!(conn, c => {
        let mut target = diesel::update(users::table).filter(users::id.eq(id)).into_boxed();
        if let Some(rev) = revision {
            target = target.filter(users::revision.eq(rev));
        }
        let n = target
            .set((changes, users::revision.eq(users::revision + 1), users::updated_at.eq(now)))
            .execute(c)?;
        Ok(n == 1)
    })
}

/// Whether anything refers to the user as its author or uploader.
pub fn has_content(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    use crate::db::schema::media;
    with_conn!(conn, c => {
        let posts: i64 = posts::table.filter(posts::author_id.eq(id)).count().get_result(c)?;
        let files: i64 = media::table.filter(media::uploaded_by.eq(id)).count().get_result(c)?;
        Ok(posts + files > 0)
    })
}

/// Ends every login of user `id` but the one whose jti is `keep`.
pub fn end_sessions(conn: &mut Conn, id: i64, keep: Option<&str>) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(users::table.find(id))
        .set((
            users::session_version.eq(users::session_version + 1),
            users::kept_session.eq(keep),
        ))
        .execute(c))?;
    Ok(())
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(users::table.find(id)).execute(c))
}

/// Whether another user than `except` has the e-mail address `email`.
pub fn email_taken(conn: &mut Conn, email: &str, except: i64) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(users::table
        .filter(users::email.eq(email))
        .filter(users::id.ne(except))))
        .get_result(c))
}

pub fn slug_taken(conn: &mut Conn, slug: &str) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(users::table.filter(users::slug.eq(slug)))).get_result(c))
}

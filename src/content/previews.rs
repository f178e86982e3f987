//! Previews: an editor asks for a short-lived token that reads one post,
//! whatever its status, so that a frontend's draft mode can show it
//! before it is published. The token opens nothing else (it is not a
//! bearer token), expires, and is revoked with the post's other previews.
//! Only its hash is kept.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::auth::tokens;
use crate::content::error::WriteError;
use crate::content::posts::{may_edit, no_such_post};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::repo;
use crate::repo::previews::NewPreview;

/// What a preview token starts with (script tokens start with `nashr_`).
pub const PREFIX: &str = "preview_";

/// A new preview of a post.
#[derive(Debug)]
pub struct Preview {
    pub token: String,
    pub expires_at: NaiveDateTime,
    pub post_id: i64,
    /// The post's slug and edition, for a frontend's preview URL.
    pub slug: String,
    pub edition_id: i64,
}

/// A token reading post `post_id` for `ttl`, for someone who may edit it.
pub fn create(
    conn: &mut Conn,
    actor: Actor,
    post_id: i64,
    ttl: Duration,
) -> Result<Preview, WriteError> {
    conn.transaction(|conn| {
        let now = crate::domain::now();
        let post = repo::posts::find(conn, post_id)?.ok_or_else(no_such_post)?;
        may_edit(actor, &post, now)?;
        let token = format!("{PREFIX}{}", crate::auth::random_token(32));
        let expires_at = now + ttl;
        repo::previews::insert(
            conn,
            &NewPreview {
                post_id,
                token_hash: &tokens::hash(&token),
                created_by: Some(actor.user_id),
                created_at: now,
                expires_at,
            },
        )?;
        Ok(Preview {
            token,
            expires_at,
            post_id,
            slug: post.slug,
            edition_id: post.edition_id,
        })
    })
}

/// Revokes every preview of post `post_id`; answers how many there were.
pub fn revoke(conn: &mut Conn, actor: Actor, post_id: i64) -> Result<usize, WriteError> {
    conn.transaction(|conn| {
        let post = repo::posts::find(conn, post_id)?.ok_or_else(no_such_post)?;
        may_edit(actor, &post, crate::domain::now())?;
        Ok(repo::previews::delete_of_post(conn, post_id)?)
    })
}

/// The post `token` reads at `now`, if it is a preview token that has not
/// expired or been revoked.
pub fn post_of(conn: &mut Conn, token: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    repo::previews::post_of(conn, &tokens::hash(token), now)
}

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::auth_failures;
use crate::db::Conn;
use crate::with_conn;

/// Failures since `since`: the count and the oldest time, for the username
/// from this client, and for the client whatever the username.
pub struct Recent {
    pub by_username: (i64, Option<NaiveDateTime>),
    pub by_client: (i64, Option<NaiveDateTime>),
}

pub fn recent(
    conn: &mut Conn,
    username: &str,
    client: &str,
    since: NaiveDateTime,
) -> QueryResult<Recent> {
    use diesel::dsl::{count_star, min};
    with_conn!(conn, c => {
        let by_username = auth_failures::table
            .filter(auth_failures::username.eq(username))
            .filter(auth_failures::client.eq(client))
            .filter(auth_failures::failed_at.gt(since))
            .select((count_star(), min(auth_failures::failed_at)))
            .first(c)?;
        let by_client = auth_failures::table
            .filter(auth_failures::client.eq(client))
            .filter(auth_failures::failed_at.gt(since))
            .select((count_star(), min(auth_failures::failed_at)))
            .first(c)?;
        Ok(Recent { by_username, by_client })
    })
}

/// Records a failure and forgets those older than `forget_before`.
pub fn record(
    conn: &mut Conn,
    username: &str,
    client: &str,
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::delete(auth_failures::table.filter(auth_failures::failed_at.lt(forget_before))).execute(c)?;
        diesel::insert_into(auth_failures::table)
            .values((
                auth_failures::username.eq(username),
                auth_failures::client.eq(client),
                auth_failures::failed_at.eq(at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// Forgets a username's failures from `client` after it signs in there
/// (others' failures for the username still count against them).
pub fn clear(conn: &mut Conn, username: &str, client: &str) -> QueryResult<()> {
    with_conn!(conn, c => diesel::delete(auth_failures::table
        .filter(auth_failures::username.eq(username))
        .filter(auth_failures::client.eq(client)))
        .execute(c))?;
    Ok(())
}

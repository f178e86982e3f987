use diesel::prelude::*;

use crate::db::schema::secrets;
use crate::db::Conn;
use crate::with_conn;

/// The secret called `name`, stored as `make()` gives it if there was none.
/// Instances racing to create it all end up with the same value.
pub fn get_or_create(
    conn: &mut Conn,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    let existing = with_conn!(conn, c => secrets::table
        .find(name)
        .select(secrets::value)
        .first::<String>(c)
        .optional())?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let value = make();
    let now = crate::domain::now();
    with_conn!(conn, c => diesel::insert_into(secrets::table)
        .values((secrets::name.eq(name), secrets::value.eq(&value), secrets::created_at.eq(now)))
        .on_conflict_do_nothing()
        .execute(c))?;
    with_conn!(conn, c => secrets::table.find(name).select(secrets::value).first(c))
}

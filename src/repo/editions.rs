use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::editions;
use crate::db::Conn;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = editions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EditionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub native_name: String,
    pub direction: String,
    pub is_default: bool,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = editions)]
pub struct NewEdition<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub native_name: &'a str,
    pub direction: &'a str,
    pub is_default: bool,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// All editions, in their display order. There are few, so a request loads
/// them once and looks codes and ids up in memory.
#[derive(Debug, Clone)]
pub struct Editions(pub Vec<EditionRow>);

impl Editions {
    pub fn by_code(&self, code: &str) -> Option<&EditionRow> {
        self.0.iter().find(|e| e.code == code)
    }

    pub fn by_id(&self, id: i64) -> Option<&EditionRow> {
        self.0.iter().find(|e| e.id == id)
    }

    /// The code of edition `id` (every row's edition exists: foreign keys).
    pub fn code(&self, id: i64) -> &str {
        self.by_id(id).map(|e| e.code.as_str()).unwrap_or_default()
    }
}

pub fn all(conn: &mut Conn) -> QueryResult<Editions> {
    let rows = with_conn!(conn, c => editions::table
        .select(EditionRow::as_select())
        .order((editions::position, editions::id))
        .load(c))?;
    Ok(Editions(rows))
}

pub fn insert(conn: &mut Conn, new: &NewEdition<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(editions::table)
        .values(new)
        .returning(editions::id)
        .get_result(c))
}

pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    with_conn!(conn, c => editions::table.count().get_result(c))
}

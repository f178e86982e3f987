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
    pub revision: i32,
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
    /// The writing direction of edition `id` (left to right if unknown).
    pub fn direction(&self, id: i64) -> crate::domain::Direction {
        self.by_id(id)
            .and_then(|e| e.direction.parse().ok())
            .unwrap_or(crate::domain::Direction::Ltr)
    }

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

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = editions)]
pub struct EditionChanges {
    pub name: Option<String>,
    pub native_name: Option<String>,
    pub direction: Option<String>,
    pub is_default: Option<bool>,
    pub position: Option<i32>,
}

/// Applies `changes` if the edition is still at `revision`.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &EditionChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    update_at_revision!(editions, conn, id, revision, changes, now)
}

/// Makes no edition the default (before another becomes it).
pub fn clear_default(conn: &mut Conn) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(editions::table.filter(editions::is_default.eq(true)))
        .set((editions::is_default.eq(false), editions::revision.eq(editions::revision + 1)))
        .execute(c))?;
    Ok(())
}

/// Whether any content belongs to the edition.
pub fn in_use(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    use crate::db::schema::{categories, media, menus, posts, tags};
    use diesel::dsl::exists;
    with_conn!(conn, c => {
        let used = diesel::select(
            exists(posts::table.filter(posts::edition_id.eq(id)))
                .or(exists(categories::table.filter(categories::edition_id.eq(id))))
                .or(exists(tags::table.filter(tags::edition_id.eq(id))))
                .or(exists(menus::table.filter(menus::edition_id.eq(id))))
                .or(exists(media::table.filter(media::edition_id.eq(id)))),
        )
        .get_result(c)?;
        Ok(used)
    })
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(editions::table.find(id)).execute(c))
}

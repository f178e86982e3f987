//! Site settings, a row per edition (migration 000015). A `None` is "not
//! set in this edition": readers get the default edition's value.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::site_settings;
use crate::db::Conn;
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = site_settings, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct SiteRow {
    pub edition_id: i64,
    pub name: Option<String>,
    pub tagline: Option<String>,
    pub copyright: Option<String>,
    pub logo_media_id: Option<i64>,
    pub icon_media_id: Option<i64>,
    /// A JSON array of `{network, url}`.
    pub social_links: Option<String>,
    pub contact_email: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl SiteRow {
    /// Nothing set for edition `edition_id`.
    pub fn empty(edition_id: i64, now: NaiveDateTime) -> SiteRow {
        SiteRow {
            edition_id,
            name: None,
            tagline: None,
            copyright: None,
            logo_media_id: None,
            icon_media_id: None,
            social_links: None,
            contact_email: None,
            updated_at: now,
        }
    }
}

/// The settings of the editions `ids` that have any.
pub fn of_editions(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<SiteRow>> {
    with_conn!(conn, c => site_settings::table
        .filter(site_settings::edition_id.eq_any(ids))
        .select(SiteRow::as_select())
        .load(c))
}

/// Writes an edition's settings whole.
pub fn put(conn: &mut Conn, row: &SiteRow) -> QueryResult<()> {
    with_conn!(conn, c => diesel::insert_into(site_settings::table)
        .values(row)
        .on_conflict(site_settings::edition_id)
        .do_update()
        .set(row)
        .execute(c)
        .map(|_| ()))
}

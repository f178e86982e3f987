use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Key, Window};
use crate::db::schema::{menu_items, menus};
use crate::db::Conn;
use crate::repo::TranslationRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = menus, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MenuRow {
    pub id: i64,
    pub edition_id: i64,
    pub slug: String,
    pub name: String,
    pub location: Option<String>,
    pub translation_group: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revision: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = menus)]
pub struct NewMenu<'a> {
    pub edition_id: i64,
    pub slug: &'a str,
    pub name: &'a str,
    pub location: Option<&'a str>,
    pub translation_group: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = menu_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MenuItemRow {
    pub id: i64,
    pub menu_id: i64,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub label: String,
    pub target_kind: String,
    pub category_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub post_id: Option<i64>,
    pub url: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = menu_items)]
pub struct NewMenuItem<'a> {
    pub menu_id: i64,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub label: &'a str,
    pub target_kind: &'a str,
    pub category_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub post_id: Option<i64>,
    pub url: Option<&'a str>,
}

/// Menus are listed by edition, then slug, then id.
pub const MENU_KEYS: [Key; 2] = [Key::asc("menus.edition_id").int(), Key::asc("menus.slug")];

/// The menus of an edition (or of all) in `window`, and how many.
pub fn list(
    conn: &mut Conn,
    edition_id: Option<i64>,
    window: &Window,
) -> QueryResult<(Vec<MenuRow>, i64)> {
    with_conn!(conn, c => {
        let mut count = menus::table.count().into_boxed();
        let mut q = menus::table.select(MenuRow::as_select()).into_boxed();
        if let Some(id) = edition_id {
            count = count.filter(menus::edition_id.eq(id));
            q = q.filter(menus::edition_id.eq(id));
        }
        let total: i64 = count.get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let rows = keyset::windowed!(q, &MENU_KEYS, "menus.id", false, window).load(c)?;
        Ok((rows, total))
    })
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<MenuRow>> {
    with_conn!(conn, c => menus::table.find(id).select(MenuRow::as_select()).first(c).optional())
}

pub fn find_by_slug(conn: &mut Conn, edition_id: i64, slug: &str) -> QueryResult<Option<MenuRow>> {
    with_conn!(conn, c => menus::table
        .filter(menus::edition_id.eq(edition_id))
        .filter(menus::slug.eq(slug))
        .select(MenuRow::as_select())
        .first(c)
        .optional())
}

/// The items of the given menus, in order.
pub fn items_of(conn: &mut Conn, menu_ids: &[i64]) -> QueryResult<Vec<MenuItemRow>> {
    if menu_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => menu_items::table
        .filter(menu_items::menu_id.eq_any(menu_ids))
        .select(MenuItemRow::as_select())
        .order((menu_items::menu_id, menu_items::position, menu_items::id))
        .load(c))
}

pub fn translations(conn: &mut Conn, groups: &[String]) -> QueryResult<Vec<TranslationRow>> {
    translations_in!(menus, conn, groups)
}

pub fn insert(conn: &mut Conn, new: &NewMenu<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(menus::table)
        .values(new)
        .returning(menus::id)
        .get_result(c))
}

pub fn insert_item(conn: &mut Conn, new: &NewMenuItem<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(menu_items::table)
        .values(new)
        .returning(menu_items::id)
        .get_result(c))
}

/// What an update sets; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = menus)]
pub struct MenuChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub location: Option<Option<String>>,
    pub translation_group: Option<String>,
    pub updated_by: Option<Option<i64>>,
}

/// Applies `changes` if the menu is still at `revision`.
pub fn update(
    conn: &mut Conn,
    id: i64,
    revision: i32,
    changes: &MenuChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    update_at_revision!(menus, conn, id, revision, changes, now)
}

/// Removes every item of a menu (before its new items are inserted).
pub fn clear_items(conn: &mut Conn, menu_id: i64) -> QueryResult<()> {
    with_conn!(conn, c => diesel::delete(menu_items::table.filter(menu_items::menu_id.eq(menu_id))).execute(c))?;
    Ok(())
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, c => diesel::delete(menus::table.find(id)).execute(c))
}

pub fn group_member_in(
    conn: &mut Conn,
    group: &str,
    edition_id: i64,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    group_member_in!(menus, conn, group, edition_id, except)
}

pub fn slugs_like(conn: &mut Conn, edition_id: i64, base: &str) -> QueryResult<Vec<String>> {
    slugs_like_in!(menus, conn, edition_id, base)
}

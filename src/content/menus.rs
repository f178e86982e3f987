//! Menus: create, update (items written whole: given items replace them
//! all, which keeps their order and nesting consistent) and delete.

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks::{self, Menus};
use crate::content::error::{FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::{self, MenuItemType, PostKind};
use crate::repo;
use crate::repo::menus::{MenuChanges, NewMenu as NewMenuRow, NewMenuItem};

const MAX_ITEMS: usize = 200;
const MAX_DEPTH: usize = 5;

/// A menu entry to write.
#[derive(Debug, Clone)]
pub struct MenuItem {
    pub label: String,
    pub kind: MenuItemType,
    /// The id of the category, tag, post or page (same edition as the menu).
    pub target: Option<i64>,
    /// For `url` entries: an `http(s)://` URL or a path starting with `/`.
    pub url: Option<String>,
    pub children: Vec<MenuItem>,
}

/// A menu to create.
#[derive(Debug, Default)]
pub struct NewMenu {
    /// Edition code.
    pub edition: String,
    pub name: String,
    pub slug: Option<String>,
    pub location: Option<String>,
    pub translation_of: Option<i64>,
    pub items: Vec<MenuItem>,
}

/// Changes to a menu; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct MenuEdit {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub location: Option<Option<String>>,
    pub translation_of: Option<Option<i64>>,
    /// Replaces every item when given.
    pub items: Option<Vec<MenuItem>>,
}

fn no_such_menu() -> WriteError {
    WriteError::NotFound("no such menu".into())
}

/// Creates a menu with its items; answers its id.
pub fn create(conn: &mut Conn, actor: Actor, new: NewMenu) -> Result<i64, WriteError> {
    conn.transaction(|conn| {
        let mut errors = FieldErrors::default();
        let name = checks::name(&mut errors, "name", &new.name, 1, 200);
        let editions = repo::editions::all(conn)?;
        let Some(edition) = editions.by_code(&new.edition) else {
            errors.add("edition", format!("no edition `{}`", new.edition));
            return Err(errors.check().expect_err("edition error"));
        };
        let edition = (edition.id, edition.code.as_str());
        check_items(conn, &mut errors, edition.0, &new.items)?;
        let (slug, group) = checks::new_slug_and_group::<Menus>(
            conn,
            &mut errors,
            actor,
            edition,
            new.slug.as_deref(),
            &name,
            new.translation_of,
        )?;
        let location = new
            .location
            .as_deref()
            .map(|l| checks::text(&mut errors, "location", l, 1, 100));
        errors.check()?;
        let now = domain::now();
        let watch = Watch::new(conn, Resource::Menu)?;
        let id = repo::menus::insert(
            conn,
            &NewMenuRow {
                edition_id: edition.0,
                slug: &slug,
                name: &name,
                location: location.as_deref(),
                translation_group: group.as_deref().unwrap_or_default(),
                created_at: now,
                updated_at: now,
                created_by: Some(actor.user_id),
                updated_by: Some(actor.user_id),
            },
        )?;
        insert_items(conn, id, None, &new.items)?;
        watch.record(conn, id, now)?;
        Ok(id)
    })
}

/// Applies `edit` to menu `id` if `if_match` allows.
pub fn update(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    edit: MenuEdit,
) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let current = repo::menus::find(conn, id)?.ok_or_else(no_such_menu)?;
        if_match.check(current.revision)?;
        let editions = repo::editions::all(conn)?;
        let edition = (current.edition_id, editions.code(current.edition_id));
        let mut errors = FieldErrors::default();
        let name = edit
            .name
            .as_deref()
            .map(|n| checks::name(&mut errors, "name", n, 1, 200));
        if let Some(items) = &edit.items {
            check_items(conn, &mut errors, current.edition_id, items)?;
        }
        let (slug, group) = checks::edited_slug_and_group::<Menus>(
            conn,
            &mut errors,
            actor,
            edition,
            edit.slug.as_deref(),
            edit.translation_of,
            id,
        )?;
        let location = edit.location.as_ref().map(|l| {
            l.as_deref()
                .map(|l| checks::text(&mut errors, "location", l, 1, 100))
        });
        errors.check()?;
        let changes = MenuChanges {
            slug,
            name,
            location,
            translation_group: group,
            updated_by: Some(Some(actor.user_id)),
        };
        let now = domain::now();
        let watch = Watch::existing(conn, Resource::Menu, id, now)?;
        if !repo::menus::update(conn, id, current.revision, &changes, now)? {
            return Err(WriteError::Stale(
                "the menu changed meanwhile; fetch it again".into(),
            ));
        }
        if let Some(items) = &edit.items {
            repo::menus::clear_items(conn, id)?;
            insert_items(conn, id, None, items)?;
        }
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// Deletes menu `id` and its items if `if_match` allows.
pub fn delete(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let current = repo::menus::find(conn, id)?.ok_or_else(no_such_menu)?;
        if_match.check(current.revision)?;
        changes::tracking(conn, Resource::Menu, Some(id), |conn| {
            repo::menus::delete(conn, id).map(|_| id)
        })?;
        Ok(())
    })
}

/// Checks items (recursively) against the menu's edition; errors name the
/// item by its path, e.g. `items[2].children[0].target`.
fn check_items(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    edition_id: i64,
    items: &[MenuItem],
) -> Result<(), WriteError> {
    fn walk(
        conn: &mut Conn,
        errors: &mut FieldErrors,
        edition_id: i64,
        items: &[MenuItem],
        at: &str,
        depth: usize,
        count: &mut usize,
    ) -> Result<(), WriteError> {
        for (i, item) in items.iter().enumerate() {
            let here = format!("{at}[{i}]");
            *count += 1;
            if depth > MAX_DEPTH {
                errors.add(here.clone(), format!("menus nest at most {MAX_DEPTH} deep"));
            }
            checks::name(errors, &format!("{here}.label"), &item.label, 1, 200);
            match item.kind {
                MenuItemType::Url => match item.url.as_deref().map(str::trim) {
                    Some(url)
                        if url.starts_with("https://")
                            || url.starts_with("http://")
                            || (url.starts_with('/') && !url.starts_with("//")) =>
                    {
                        if url.len() > 2000 || url.chars().any(char::is_whitespace) {
                            errors.add(format!("{here}.url"), "is not a usable URL");
                        }
                    }
                    _ => errors.add(
                        format!("{here}.url"),
                        "must be an http(s) URL or a path starting with /",
                    ),
                },
                kind => match item.target {
                    None => errors.add(format!("{here}.target"), "is required for this type"),
                    Some(target) => {
                        let edition = match kind {
                            MenuItemType::Category => {
                                repo::categories::find(conn, target)?.map(|c| c.edition_id)
                            }
                            MenuItemType::Tag => {
                                repo::tags::find(conn, target)?.map(|t| t.edition_id)
                            }
                            _ => repo::posts::find(conn, target)?
                                .filter(|p| {
                                    let page = p.kind == PostKind::Page.as_str();
                                    page == (kind == MenuItemType::Page)
                                })
                                .map(|p| p.edition_id),
                        };
                        if edition != Some(edition_id) {
                            let noun = serde_json::to_value(kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            errors.add(
                                format!("{here}.target"),
                                format!("no {noun} {target} in the menu's edition"),
                            );
                        }
                    }
                },
            }
            walk(
                conn,
                errors,
                edition_id,
                &item.children,
                &format!("{here}.children"),
                depth + 1,
                count,
            )?;
        }
        Ok(())
    }
    let mut count = 0;
    walk(conn, errors, edition_id, items, "items", 1, &mut count)?;
    if count > MAX_ITEMS {
        errors.add("items", format!("a menu holds at most {MAX_ITEMS} items"));
    }
    Ok(())
}

/// Writes `items` (already checked) into menu `menu_id`.
fn insert_items(
    conn: &mut Conn,
    menu_id: i64,
    parent: Option<i64>,
    items: &[MenuItem],
) -> Result<(), WriteError> {
    for (position, item) in items.iter().enumerate() {
        let (kind, category, tag, post) = match item.kind {
            MenuItemType::Category => ("category", item.target, None, None),
            MenuItemType::Tag => ("tag", None, item.target, None),
            MenuItemType::Post | MenuItemType::Page => ("post", None, None, item.target),
            MenuItemType::Url => ("url", None, None, None),
        };
        let id = repo::menus::insert_item(
            conn,
            &NewMenuItem {
                menu_id,
                parent_id: parent,
                position: position as i32,
                label: item.label.trim(),
                target_kind: kind,
                category_id: category,
                tag_id: tag,
                post_id: post,
                url: item.url.as_deref().map(str::trim).filter(|_| kind == "url"),
            },
        )?;
        insert_items(conn, menu_id, Some(id), &item.children)?;
    }
    Ok(())
}

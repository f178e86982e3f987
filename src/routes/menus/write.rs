//! Writing menus over HTTP: the requests, and handlers that hand them to
//! [`crate::content::menus`], where the rules are.

use actix_web::{delete, patch, post};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::content::error::WriteError;
use crate::content::menus::{self, MenuEdit, MenuItem, NewMenu};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::error::ApiError;
use crate::repo;
use crate::routes::extract::IfMatch;
use crate::routes::found;
use crate::routes::menus::{menu_views, MenuItemType, MenuResponse};
use crate::routes::writes::{write_handlers, Written};

/// A menu entry to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuItemInput {
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// What the entry points at.
    #[serde(rename = "type")]
    pub kind: MenuItemType,
    /// The id of the category, tag, post or page (same edition as the menu).
    pub target: Option<i64>,
    /// For `url` entries: an `http(s)://` URL or a path starting with `/`.
    pub url: Option<String>,
    #[serde(default)]
    #[schema(no_recursion)]
    pub children: Vec<MenuItemInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMenuRequest {
    /// Edition code.
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub slug: Option<String>,
    /// Where a theme shows it: `primary`, `footer`, ...
    pub location: Option<String>,
    pub translation_of: Option<i64>,
    #[serde(default)]
    pub items: Vec<MenuItemInput>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMenuRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
    /// Replaces every item when given.
    pub items: Option<Vec<MenuItemInput>>,
}

impl From<MenuItemInput> for MenuItem {
    fn from(i: MenuItemInput) -> Self {
        MenuItem {
            label: i.label,
            kind: i.kind,
            target: i.target,
            url: i.url,
            children: i.children.into_iter().map(MenuItem::from).collect(),
        }
    }
}

fn items(inputs: Vec<MenuItemInput>) -> Vec<MenuItem> {
    inputs.into_iter().map(MenuItem::from).collect()
}

impl From<CreateMenuRequest> for NewMenu {
    fn from(r: CreateMenuRequest) -> Self {
        NewMenu {
            edition: r.edition,
            name: r.name,
            slug: r.slug,
            location: r.location,
            translation_of: r.translation_of,
            items: items(r.items),
        }
    }
}

impl From<UpdateMenuRequest> for MenuEdit {
    fn from(r: UpdateMenuRequest) -> Self {
        MenuEdit {
            name: r.name,
            slug: r.slug,
            location: r.location,
            translation_of: r.translation_of,
            items: r.items.map(items),
        }
    }
}

/// Menus, written by [`crate::content::menus`] and shown as their reads show
/// them.
pub struct MenuWrites;

impl Written for MenuWrites {
    type New = NewMenu;
    type Edit = MenuEdit;
    type View = MenuResponse;
    const SCOPE: Scope = Scope::MenusWrite;
    const COLLECTION: &'static str = "menus";

    fn create(conn: &mut Conn, actor: Actor, new: NewMenu) -> Result<i64, WriteError> {
        menus::create(conn, actor, new)
    }

    fn update(
        conn: &mut Conn,
        actor: Actor,
        id: i64,
        if_match: &IfMatch,
        edit: MenuEdit,
    ) -> Result<(), WriteError> {
        menus::update(conn, actor, id, if_match, edit)
    }

    fn delete(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
        menus::delete(conn, id, if_match)
    }

    fn reply(conn: &mut Conn, id: i64) -> Result<(MenuResponse, i32), ApiError> {
        let row = found(repo::menus::find(conn, id)?, "menu")?;
        let revision = row.revision;
        let editions = repo::editions::all(conn)?;
        Ok((menu_views(conn, &editions, vec![row])?.remove(0), revision))
    }
}

write_handlers!(
    MenuWrites,
    tag = "menus",
    scope = "menus:write",
    noun = "menu",
    collection = "/menus",
    item = "/menus/{id}",
    response = MenuResponse,
    create = create_menu(CreateMenuRequest, "Create a menu with its items."),
    update = update_menu(
        UpdateMenuRequest,
        "Update a menu; `items`, when given, replace all its items."
    ),
    delete = delete_menu("Delete a menu and its items.")
);

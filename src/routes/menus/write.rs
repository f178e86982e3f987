//! Writing menus over HTTP: the requests, and handlers that hand them to
//! [`crate::content::menus`], where the rules are.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::menus::{self, MenuEdit, MenuItem, NewMenu};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::menus::{menu_views, MenuItemType, MenuResponse};
use crate::routes::{found, ApiQuery, Db};

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

fn menu_reply(conn: &mut Conn, id: i64) -> Result<(MenuResponse, i32), ApiError> {
    let row = found(repo::menus::find(conn, id)?, "menu")?;
    let revision = row.revision;
    let editions = repo::editions::all(conn)?;
    Ok((menu_views(conn, &editions, vec![row])?.remove(0), revision))
}

/// Create a menu with its items.
#[utoipa::path(
    tag = "menus",
    request_body = CreateMenuRequest,
    security(("bearer" = ["menus:write"])),
    responses(
        (status = 201, description = "The menu as stored", body = MenuResponse,
         headers(("Location" = String, description = "The menu's URL"), ("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/menus")]
pub async fn create_menu(
    db: Db,
    principal: Principal,
    ApiJson(body): ApiJson<CreateMenuRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MenusWrite)?;
    let actor = Actor::from(&principal);
    let (view, revision) = db
        .run(move |conn| {
            let id = menus::create(conn, actor, body.into())?;
            menu_reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/menus/{}", view.id)))
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Update a menu; `items`, when given, replace all its items.
#[utoipa::path(
    tag = "menus",
    params(("id" = i64, Path, description = "Menu id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateMenuRequest,
    security(("bearer" = ["menus:write"])),
    responses(
        (status = 200, description = "The updated menu", body = MenuResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/menus/{id}")]
pub async fn update_menu(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateMenuRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MenusWrite)?;
    let actor = Actor::from(&principal);
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            menus::update(conn, actor, id, &if_match, body.into())?;
            menu_reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Delete a menu and its items.
#[utoipa::path(
    tag = "menus",
    params(("id" = i64, Path, description = "Menu id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["menus:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/menus/{id}")]
pub async fn delete_menu(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MenusWrite)?;
    let id = id.into_inner();
    db.run(move |conn| Ok(menus::delete(conn, id, &if_match)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

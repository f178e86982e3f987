//! Writing menus. A menu's items are written whole: a `PATCH` with `items`
//! replaces them all, which keeps their order and nesting consistent.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::changes::{self, Resource, Watch};
use crate::content::checks::{self, Menus};
use crate::db::Conn;
use crate::domain::access::Scope;
use crate::domain::{self, PostKind};
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::menus::{MenuChanges, NewMenu, NewMenuItem};
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::menus::{menu_views, MenuItemType, MenuResponse};
use crate::routes::{found, ApiQuery, Db};

const MAX_ITEMS: usize = 200;
const MAX_DEPTH: usize = 5;

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

/// Checks items (recursively) against the menu's edition; errors name the
/// item by its path, e.g. `items[2].children[0].target`.
fn check_items(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    edition_id: i64,
    items: &[MenuItemInput],
) -> Result<(), ApiError> {
    fn walk(
        conn: &mut Conn,
        errors: &mut FieldErrors,
        edition_id: i64,
        items: &[MenuItemInput],
        at: &str,
        depth: usize,
        count: &mut usize,
    ) -> Result<(), ApiError> {
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
    items: &[MenuItemInput],
) -> Result<(), ApiError> {
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
    let (view, revision) = db
        .run(move |conn| {
            let id = conn.transaction(|conn| -> Result<i64, ApiError> {
                let mut errors = FieldErrors::default();
                let name = checks::name(&mut errors, "name", &body.name, 1, 200);
                let editions = repo::editions::all(conn)?;
                let Some(edition) = editions.by_code(&body.edition) else {
                    errors.add("edition", format!("no edition `{}`", body.edition));
                    return Err(errors.check().expect_err("edition error").into());
                };
                let edition = (edition.id, edition.code.as_str());
                check_items(conn, &mut errors, edition.0, &body.items)?;
                let group = match body.translation_of {
                    Some(of) => {
                        checks::group_of::<Menus>(conn, &mut errors, &principal, edition, of, None)?
                    }
                    None => Some(repo::new_translation_group()),
                };
                let slug = checks::slug_for::<Menus>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.slug.as_deref(),
                    &name,
                    None,
                )?;
                let location = body
                    .location
                    .as_deref()
                    .map(|l| checks::text(&mut errors, "location", l, 1, 100));
                errors.check()?;
                let now = domain::now();
                let watch = Watch::new(conn, Resource::Menu)?;
                let id = repo::menus::insert(
                    conn,
                    &NewMenu {
                        edition_id: edition.0,
                        slug: &slug,
                        name: &name,
                        location: location.as_deref(),
                        translation_group: group.as_deref().unwrap_or_default(),
                        created_at: now,
                        updated_at: now,
                        created_by: Some(principal.user_id),
                        updated_by: Some(principal.user_id),
                    },
                )?;
                insert_items(conn, id, None, &body.items)?;
                watch.record(conn, id, now)?;
                Ok(id)
            })?;
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
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| -> Result<(), ApiError> {
                let current = found(repo::menus::find(conn, id)?, "menu")?;
                if_match.check(current.revision)?;
                let editions = repo::editions::all(conn)?;
                let edition = (current.edition_id, editions.code(current.edition_id));
                let mut errors = FieldErrors::default();
                let name = body
                    .name
                    .as_deref()
                    .map(|n| checks::name(&mut errors, "name", n, 1, 200));
                if let Some(items) = &body.items {
                    check_items(conn, &mut errors, current.edition_id, items)?;
                }
                let group = checks::regroup::<Menus>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.translation_of,
                    id,
                )?;
                let slug = match &body.slug {
                    Some(s) => Some(checks::slug_for::<Menus>(
                        conn,
                        &mut errors,
                        &principal,
                        edition,
                        Some(s),
                        "",
                        Some(id),
                    )?),
                    None => None,
                };
                let location = body.location.as_ref().map(|l| {
                    l.as_deref()
                        .map(|l| checks::text(&mut errors, "location", l, 1, 100))
                });
                errors.check()?;
                let changes = MenuChanges {
                    slug,
                    name,
                    location,
                    translation_group: group,
                    updated_by: Some(Some(principal.user_id)),
                };
                let now = domain::now();
                let watch = Watch::existing(conn, Resource::Menu, id, now)?;
                if !repo::menus::update(conn, id, current.revision, &changes, now)? {
                    return Err(ApiError::PreconditionFailed(
                        "the menu changed meanwhile; fetch it again".into(),
                    ));
                }
                if let Some(items) = &body.items {
                    repo::menus::clear_items(conn, id)?;
                    insert_items(conn, id, None, items)?;
                }
                watch.record(conn, id, now)?;
                Ok(())
            })?;
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
    db.run(move |conn| {
        conn.transaction(|conn| -> Result<(), ApiError> {
            let current = found(repo::menus::find(conn, id)?, "menu")?;
            if_match.check(current.revision)?;
            changes::tracking(conn, Resource::Menu, Some(id), |conn| {
                repo::menus::delete(conn, id).map(|_| id)
            })?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

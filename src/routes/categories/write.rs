//! Writing categories. Deleting one removes it from its posts; the posts
//! stay. A category with subcategories cannot be deleted until they are
//! moved or deleted.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Scope;
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::categories::{CategoryChanges, NewCategory};
use crate::routes::categories::{single, CategoryResponse};
use crate::routes::checks::Categories;
use crate::routes::checks::{self, description, edition_of, modified, MAX_NAME};
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::{found, ApiQuery, Db};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Edition code.
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    /// HTML, cleaned like post content.
    pub description: Option<String>,
    /// A category of the same edition.
    pub parent: Option<i64>,
    /// Order among its siblings (menus, trees).
    pub position: Option<i32>,
    /// A category in another edition this one translates.
    pub translation_of: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    /// `null` makes it a top-level category.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent: Option<Option<i64>>,
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
}

/// A parent for category `this` (None when new) in `edition_id`: it must
/// exist there and not be the category or below it.
fn check_parent(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    edition_id: i64,
    parent: i64,
    this: Option<i64>,
) -> Result<(), ApiError> {
    let all = repo::categories::all(conn, Some(edition_id))?;
    if !all.iter().any(|c| c.id == parent) {
        errors.add("parent", format!("no category {parent} in this edition"));
    } else if let Some(this) = this {
        if repo::categories::with_descendants(&all, &[this]).contains(&parent) {
            errors.add("parent", "would make the category its own ancestor");
        }
    }
    Ok(())
}

fn category_reply(conn: &mut Conn, id: i64) -> Result<(CategoryResponse, i32), ApiError> {
    let row = found(repo::categories::find(conn, id)?, "category")?;
    let revision = row.revision;
    let editions = repo::editions::all(conn)?;
    Ok((single(conn, &editions, Some(row))?, revision))
}

/// Create a category. Answers 201 with its URL in `Location`.
#[utoipa::path(
    tag = "categories",
    request_body = CreateCategoryRequest,
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 201, description = "The category as stored", body = CategoryResponse,
         headers(("Location" = String, description = "The category's URL"), ("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/categories")]
pub async fn create_category(
    db: Db,
    principal: Principal,
    ApiJson(body): ApiJson<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    let id = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let mut errors = FieldErrors::default();
                let name = checks::name(&mut errors, "name", &body.name, 1, MAX_NAME);
                let description =
                    description(&mut errors, body.description.as_deref().unwrap_or(""));
                let Some((edition_id, code)) = edition_of(conn, &mut errors, &body.edition)? else {
                    return Err(errors.check().expect_err("edition error"));
                };
                let edition = (edition_id, code.as_str());
                if let Some(parent) = body.parent {
                    check_parent(conn, &mut errors, edition_id, parent, None)?;
                }
                let group = match body.translation_of {
                    Some(of) => checks::group_of::<Categories>(
                        conn,
                        &mut errors,
                        &principal,
                        edition,
                        of,
                        None,
                    )?,
                    None => Some(repo::new_translation_group()),
                };
                let slug = checks::slug_for::<Categories>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.slug.as_deref(),
                    &name,
                    None,
                )?;
                errors.check()?;
                let now = domain::now();
                Ok(repo::categories::insert(
                    conn,
                    &NewCategory {
                        edition_id,
                        parent_id: body.parent,
                        slug: &slug,
                        name: &name,
                        description: &description,
                        position: body.position.unwrap_or(0),
                        translation_group: group.as_deref().unwrap_or_default(),
                        created_at: now,
                        updated_at: now,
                        created_by: Some(principal.user_id),
                        updated_by: Some(principal.user_id),
                    },
                )?)
            })
        })
        .await?;
    let (view, revision) = db.run(move |conn| category_reply(conn, id)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/categories/{id}")))
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Update a category (send its `ETag` as `If-Match`).
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateCategoryRequest,
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 200, description = "The updated category", body = CategoryResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let current = found(repo::categories::find(conn, id)?, "category")?;
                if_match.check(current.revision)?;
                let editions = repo::editions::all(conn)?;
                let edition = (current.edition_id, editions.code(current.edition_id));
                let mut errors = FieldErrors::default();
                let name = body
                    .name
                    .as_deref()
                    .map(|n| checks::name(&mut errors, "name", n, 1, MAX_NAME));
                let description = body
                    .description
                    .as_deref()
                    .map(|d| description(&mut errors, d));
                if let Some(Some(parent)) = body.parent {
                    check_parent(conn, &mut errors, current.edition_id, parent, Some(id))?;
                }
                let group = checks::regroup::<Categories>(
                    conn,
                    &mut errors,
                    &principal,
                    edition,
                    body.translation_of,
                    id,
                )?;
                let slug = match &body.slug {
                    Some(s) => Some(checks::slug_for::<Categories>(
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
                errors.check()?;
                let changes = CategoryChanges {
                    parent_id: body.parent,
                    slug,
                    name,
                    description,
                    position: body.position,
                    translation_group: group,
                    updated_by: Some(Some(principal.user_id)),
                };
                if !repo::categories::update(conn, id, current.revision, &changes, domain::now())? {
                    return Err(modified());
                }
                Ok(())
            })?;
            category_reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// Delete a category; its posts stay, without it. A category with
/// subcategories is a 409.
#[utoipa::path(
    tag = "categories",
    params(("id" = i64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["taxonomy:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Conflict, responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    let id = id.into_inner();
    db.run(move |conn| {
        conn.transaction(|conn| {
            let current = found(repo::categories::find(conn, id)?, "category")?;
            if_match.check(current.revision)?;
            if repo::categories::has_children(conn, id)? {
                return Err(ApiError::Conflict(
                    "the category has subcategories; move or delete them first".into(),
                ));
            }
            repo::categories::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

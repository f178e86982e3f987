//! Writing categories. Deleting one removes it from its posts; the posts
//! stay. A category with subcategories cannot be deleted until they are
//! moved or deleted.

use actix_web::{delete, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::content::checks::Categories;
use crate::content::terms::{NewTerm, TermEdit};
use crate::db::Conn;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::categories::{single, CategoryResponse};
use crate::routes::extract::{ApiJson, IfMatch, NoParams};
use crate::routes::{self, found, ApiQuery, Db};

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

impl From<CreateCategoryRequest> for NewTerm {
    fn from(r: CreateCategoryRequest) -> Self {
        NewTerm {
            edition: r.edition,
            name: r.name,
            slug: r.slug,
            description: r.description,
            parent: r.parent,
            position: r.position,
            translation_of: r.translation_of,
        }
    }
}

impl From<UpdateCategoryRequest> for TermEdit {
    fn from(r: UpdateCategoryRequest) -> Self {
        TermEdit {
            name: r.name,
            slug: r.slug,
            description: r.description,
            parent: r.parent,
            position: r.position,
            translation_of: r.translation_of,
        }
    }
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
    routes::terms::create::<Categories, _>(db, principal, body.into(), category_reply, "categories")
        .await
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
    let id = id.into_inner();
    routes::terms::update::<Categories, _>(db, principal, id, if_match, body.into(), category_reply)
        .await
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
    routes::terms::delete::<Categories>(db, principal, id.into_inner(), if_match).await
}

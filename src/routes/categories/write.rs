//! Writing categories. Deleting one removes it from its posts; the posts
//! stay. A category with subcategories cannot be deleted until they are
//! moved or deleted.

use actix_web::{delete, patch, post};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::content::checks::Categories;
use crate::content::terms::{NewTerm, TermEdit};
use crate::db::Conn;
use crate::error::ApiError;
use crate::repo;
use crate::routes::categories::{single, CategoryResponse};
use crate::routes::found;
use crate::routes::writes::{write_handlers, TermReply, Terms};

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

impl TermReply for Categories {
    type View = CategoryResponse;
    const COLLECTION: &'static str = "categories";

    fn reply(conn: &mut Conn, id: i64) -> Result<(CategoryResponse, i32), ApiError> {
        let row = found(repo::categories::find(conn, id)?, "category")?;
        let revision = row.revision;
        let editions = repo::editions::all(conn)?;
        Ok((single(conn, &editions, Some(row))?, revision))
    }
}

write_handlers!(
    Terms<Categories>,
    tag = "categories",
    scope = "taxonomy:write",
    noun = "category",
    collection = "/categories",
    item = "/categories/{id}",
    response = CategoryResponse,
    create = create_category(
        CreateCategoryRequest,
        "Create a category. Answers 201 with its URL in `Location`."
    ),
    update = update_category(
        UpdateCategoryRequest,
        "Update a category (send its `ETag` as `If-Match`)."
    ),
    delete = delete_category(
        "Delete a category; its posts stay, without it. A category with subcategories is a 409.",
        crate::error::responses::Conflict
    )
);

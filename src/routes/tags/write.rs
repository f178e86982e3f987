//! Writing tags. Deleting one removes it from its posts; the posts stay.

use actix_web::{delete, patch, post};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::content::checks::Tags;
use crate::content::terms::{NewTerm, TermEdit};
use crate::db::Conn;
use crate::error::ApiError;
use crate::repo;
use crate::routes::found;
use crate::routes::tags::{tag_views, TagResponse};
use crate::routes::writes::{write_handlers, TermReply, Terms};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTagRequest {
    /// Edition code.
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub translation_of: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
}

impl From<CreateTagRequest> for NewTerm {
    fn from(r: CreateTagRequest) -> Self {
        NewTerm {
            edition: r.edition,
            name: r.name,
            slug: r.slug,
            description: r.description,
            translation_of: r.translation_of,
            ..NewTerm::default()
        }
    }
}

impl From<UpdateTagRequest> for TermEdit {
    fn from(r: UpdateTagRequest) -> Self {
        TermEdit {
            name: r.name,
            slug: r.slug,
            description: r.description,
            translation_of: r.translation_of,
            ..TermEdit::default()
        }
    }
}

impl TermReply for Tags {
    type View = TagResponse;
    const COLLECTION: &'static str = "tags";

    fn reply(conn: &mut Conn, id: i64) -> Result<(TagResponse, i32), ApiError> {
        let row = found(repo::tags::find(conn, id)?, "tag")?;
        let revision = row.revision;
        let editions = repo::editions::all(conn)?;
        Ok((tag_views(conn, &editions, vec![row])?.remove(0), revision))
    }
}

write_handlers!(
    Terms<Tags>,
    tag = "tags",
    scope = "taxonomy:write",
    noun = "tag",
    collection = "/tags",
    item = "/tags/{id}",
    response = TagResponse,
    create = create_tag(
        CreateTagRequest,
        "Create a tag. Answers 201 with its URL in `Location`."
    ),
    update = update_tag(
        UpdateTagRequest,
        "Update a tag (send its `ETag` as `If-Match`)."
    ),
    delete = delete_tag("Delete a tag; its posts stay, without it.")
);

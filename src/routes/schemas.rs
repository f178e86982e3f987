//! The OpenAPI schemas of plain types from below the HTTP layer (the
//! domain's closed sets, the storage layer's list orders): they serialise
//! with serde where they live, and are described here, so that `utoipa`
//! stays in the HTTP layer.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use crate::content::comments::CommentStatus;
use crate::domain::access::Scope;
use crate::domain::content::ContentFormat;
use crate::domain::{Direction, MediaKind, MenuItemType, PostKind, PostStatus, Role};
use crate::repo::categories::TermSort;
use crate::repo::media::MediaSort;
use crate::repo::posts::PostSort;

/// A string schema whose values are how serde writes `all`.
fn string_enum<T: Serialize>(description: &str, all: &[T]) -> RefOr<Schema> {
    let values = all
        .iter()
        .map(|v| serde_json::to_value(v).expect("a closed set serialises"));
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .into()
}

/// Describes each closed set `Name` (with its `Name::ALL`) as a named
/// string schema.
macro_rules! string_enums {
    ($($name:ident: $description:literal),+ $(,)?) => {$(
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum($description, &$name::ALL[..])
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )+};
}

string_enums! {
    Direction: "Writing direction of an edition's script.",
    PostKind: "An article (dated, listed) or a static page.",
    PostStatus: "Where a post is in the publishing workflow.",
    MediaKind: "What a media item holds.",
    Role: "What a user may do, from most to least.",
    MenuItemType: "What a menu item points at.",
    ContentFormat: "The markup of submitted content.",
    Scope: "A power a token can carry.",
    CommentStatus: "A comment's moderation state: `pending` (waiting for a moderator, not public),\n`approved` (public, counted in `comment_count`), `spam` or `trash`.",
    TermSort: "Order of a category or tag list. Ties are broken by id.",
    MediaSort: "Order of a media list; ties are broken by id.",
    PostSort: "Order of a post list; a `-` prefix is descending. Ties are broken by id\nin the same direction, so pages never overlap.",
}

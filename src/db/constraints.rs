//! Every unique constraint and unique index of the schema, with what a
//! violation means to a client. PostgreSQL names the constraint that
//! failed; SQLite names its columns (`UNIQUE constraint failed: posts.
//! edition_id, posts.slug`) or, for an index on an expression, the index.
//! Both are matched here exactly, never by a part of a name. The
//! schema-parity test checks that every unique index of both databases is
//! listed.

/// A unique constraint or index, and the field a client can change when a
/// write breaks it.
#[derive(Debug)]
pub struct Unique {
    /// Its name on PostgreSQL (and SQLite, for named indexes).
    pub name: &'static str,
    pub table: &'static str,
    /// Its columns; empty for an index on an expression.
    pub columns: &'static [&'static str],
    /// The request field a violation is about, and what to tell the client;
    /// `None` for constraints no request can break (a 409 if one does).
    pub field: Option<(&'static str, &'static str)>,
}

const SLUG_TAKEN: Option<(&str, &str)> = Some(("slug", "is already used in this edition"));
const TRANSLATED: Option<(&str, &str)> = Some((
    "translation_of",
    "that item already has a translation in this edition",
));

pub const UNIQUES: &[Unique] = &[
    Unique {
        name: "editions_code_key",
        table: "editions",
        columns: &["code"],
        field: Some(("code", "is already an edition")),
    },
    Unique {
        name: "editions_single_default",
        table: "editions",
        columns: &["is_default"],
        field: Some(("is_default", "another edition is the default")),
    },
    Unique {
        name: "users_username_key",
        table: "users",
        columns: &["username"],
        field: Some(("username", "is already taken")),
    },
    Unique {
        name: "users_email_key",
        table: "users",
        columns: &["email"],
        field: Some(("email", "cannot be used; ask an admin")),
    },
    Unique {
        name: "users_slug_key",
        table: "users",
        columns: &["slug"],
        field: Some(("slug", "is already used by another author")),
    },
    Unique {
        name: "media_edition_slug",
        table: "media",
        columns: &[],
        field: SLUG_TAKEN,
    },
    Unique {
        name: "media_renditions_media_id_name_key",
        table: "media_renditions",
        columns: &["media_id", "name"],
        field: None,
    },
    Unique {
        name: "categories_edition_id_slug_key",
        table: "categories",
        columns: &["edition_id", "slug"],
        field: SLUG_TAKEN,
    },
    Unique {
        name: "tags_edition_id_slug_key",
        table: "tags",
        columns: &["edition_id", "slug"],
        field: SLUG_TAKEN,
    },
    Unique {
        name: "posts_edition_id_slug_key",
        table: "posts",
        columns: &["edition_id", "slug"],
        field: SLUG_TAKEN,
    },
    Unique {
        name: "menus_edition_id_slug_key",
        table: "menus",
        columns: &["edition_id", "slug"],
        field: SLUG_TAKEN,
    },
    Unique {
        name: "api_tokens_token_hash_key",
        table: "api_tokens",
        columns: &["token_hash"],
        field: None,
    },
    Unique {
        name: "post_revisions_post_id_revision_key",
        table: "post_revisions",
        columns: &["post_id", "revision"],
        field: None,
    },
    Unique {
        name: "posts_one_per_edition_in_group",
        table: "posts",
        columns: &["translation_group", "edition_id"],
        field: TRANSLATED,
    },
    Unique {
        name: "categories_one_per_edition_in_group",
        table: "categories",
        columns: &["translation_group", "edition_id"],
        field: TRANSLATED,
    },
    Unique {
        name: "tags_one_per_edition_in_group",
        table: "tags",
        columns: &["translation_group", "edition_id"],
        field: TRANSLATED,
    },
    Unique {
        name: "menus_one_per_edition_in_group",
        table: "menus",
        columns: &["translation_group", "edition_id"],
        field: TRANSLATED,
    },
    Unique {
        name: "redirects_from_path_key",
        table: "redirects",
        columns: &["from_path"],
        field: None,
    },
    Unique {
        name: "post_previews_token_hash_key",
        table: "post_previews",
        columns: &["token_hash"],
        field: None,
    },
];

/// The constraint a unique violation broke: by the name PostgreSQL gives,
/// or the columns or index SQLite's message names.
pub fn unique_violated(constraint: Option<&str>, message: &str) -> Option<&'static Unique> {
    if let Some(name) = constraint {
        return UNIQUES.iter().find(|u| u.name == name);
    }
    let failed = message.strip_prefix("UNIQUE constraint failed: ")?.trim();
    if let Some(index) = failed.strip_prefix("index '") {
        let name = index.trim_end_matches('\'');
        return UNIQUES.iter().find(|u| u.name == name);
    }
    let mut table = None;
    let mut columns = Vec::new();
    for qualified in failed.split(", ") {
        let (t, column) = qualified.split_once('.')?;
        if table.is_some_and(|seen| seen != t) {
            return None;
        }
        table = Some(t);
        columns.push(column);
    }
    let table = table?;
    UNIQUES
        .iter()
        .find(|u| u.table == table && u.columns == columns.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names_and_sqlite_messages_find_the_same_constraint() {
        let by_name = unique_violated(Some("posts_edition_id_slug_key"), "");
        let by_columns = unique_violated(
            None,
            "UNIQUE constraint failed: posts.edition_id, posts.slug",
        );
        assert_eq!(by_name.unwrap().name, "posts_edition_id_slug_key");
        assert_eq!(by_columns.unwrap().name, "posts_edition_id_slug_key");
        let index = unique_violated(None, "UNIQUE constraint failed: index 'media_edition_slug'");
        assert_eq!(index.unwrap().name, "media_edition_slug");
        let group = unique_violated(
            None,
            "UNIQUE constraint failed: tags.translation_group, tags.edition_id",
        );
        assert_eq!(group.unwrap().field, TRANSLATED);
    }

    #[test]
    fn a_part_of_a_name_or_other_columns_match_nothing() {
        assert!(unique_violated(Some("slug"), "").is_none());
        assert!(unique_violated(Some("posts_edition_id_slug_key_x"), "").is_none());
        assert!(unique_violated(None, "UNIQUE constraint failed: posts.slug").is_none());
        assert!(unique_violated(None, "UNIQUE constraint failed: posts.a, tags.b").is_none());
        assert!(unique_violated(None, "something else").is_none());
    }
}

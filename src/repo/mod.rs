//! Queries, one module per resource. Each function takes a [`Conn`] and
//! knows nothing of HTTP; each query is written once for both backends with
//! [`with_conn!`](crate::with_conn).
//!
//! [`Conn`]: crate::db::Conn

pub mod categories;
pub mod editions;
pub mod media;
pub mod menus;
pub mod posts;
pub mod tags;
pub mod users;

/// A sibling in a translation group: `(id, edition_id, slug, translation_group)`.
pub type TranslationRow = (i64, i64, String, String);

/// Makes a new translation group id, for an item that starts its own group.
pub fn new_translation_group() -> String {
    uuid::Uuid::new_v4().to_string()
}

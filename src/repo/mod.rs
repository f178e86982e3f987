//! Queries, one module per resource. Each function takes a [`Conn`] and
//! knows nothing of HTTP; each query is written once for both backends with
//! [`with_conn!`](crate::with_conn).
//!
//! [`Conn`]: crate::db::Conn

// Macros below are in scope in the modules declared after them.

/// Members of the given translation groups in a table with `id`,
/// `edition_id`, `slug` and `translation_group` columns, as
/// [`TranslationRow`]s.
macro_rules! translations_in {
    ($table:ident, $conn:expr, $groups:expr) => {{
        let groups: &[String] = $groups;
        if groups.is_empty() {
            return Ok(vec![]);
        }
        $crate::with_conn!($conn, c => $table::table
            .filter($table::translation_group.eq_any(groups))
            .select(($table::id, $table::edition_id, $table::slug, $table::translation_group))
            .order($table::edition_id)
            .load(c))
    }};
}

/// `(id, edition_id, slug)` of the rows with the given ids.
macro_rules! slugs_by_ids {
    ($table:ident, $conn:expr, $ids:expr) => {{
        let ids: &[i64] = $ids;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        $crate::with_conn!($conn, c => $table::table
            .filter($table::id.eq_any(ids))
            .select(($table::id, $table::edition_id, $table::slug))
            .load(c))
    }};
}

pub mod auth_failures;
pub mod categories;
pub mod editions;
pub mod media;
pub mod menus;
pub mod posts;
pub mod revisions;
pub mod secrets;
pub mod tags;
pub mod tokens;
pub mod users;

/// A sibling in a translation group: `(id, edition_id, slug, translation_group)`.
pub type TranslationRow = (i64, i64, String, String);

/// Makes a new translation group id, for an item that starts its own group.
pub fn new_translation_group() -> String {
    uuid::Uuid::new_v4().to_string()
}

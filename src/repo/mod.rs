//! Queries, one module per resource. Each function takes a [`Conn`] and
//! knows nothing of HTTP; each query is written once for both backends with
//! [`with_conn!`](crate::with_conn).
//!
//! [`Conn`]: crate::db::Conn

// Macros below are in scope in the modules declared after them.

/// `$column = '$value'` with the value written into the SQL, not bound:
/// for a query served by a partial index with that condition. SQLite
/// plans a statement once whatever is bound (its query planner stability
/// guarantee, `.cargo/config.toml`), so a bound value never matches the
/// index's condition and the query would scan instead.
macro_rules! literally_equal {
    ($column:literal, $value:literal) => {
        diesel::dsl::sql::<diesel::sql_types::Bool>(concat!($column, " = '", $value, "'"))
    };
}

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

/// Slugs in an edition that are `base` or start with `base-`, in a table
/// with `edition_id` and `slug` columns.
macro_rules! slugs_like_in {
    ($table:ident, $conn:expr, $edition_id:expr, $base:expr) => {{
        let base: &str = $base;
        let pattern = $crate::repo::slug_pattern(base);
        $crate::with_conn!($conn, c => $table::table
            .filter($table::edition_id.eq($edition_id))
            .filter($table::slug.eq(base).or($table::slug.like(pattern).escape('\\')))
            .select($table::slug)
            .load(c))
    }};
}

/// The `LIKE` pattern (escaped with `\`) of slugs that start with `base-`.
pub(crate) fn slug_pattern(base: &str) -> String {
    let escaped = base
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}-%")
}

/// Another row of a translation group in an edition, in a table with `id`,
/// `edition_id` and `translation_group` columns.
macro_rules! group_member_in {
    ($table:ident, $conn:expr, $group:expr, $edition_id:expr, $except:expr) => {{
        let except: Option<i64> = $except;
        $crate::with_conn!($conn, c => {
            let mut q = $table::table
                .filter($table::translation_group.eq($group))
                .filter($table::edition_id.eq($edition_id))
                .select($table::id)
                .into_boxed();
            if let Some(id) = except {
                q = q.filter($table::id.ne(id));
            }
            q.first(c).optional()
        })
    }};
}

/// Applies `$changes` to row `$id` of `$table` only if it is still at
/// `$revision`, bumping the revision and `updated_at`: the compare-and-swap
/// behind `If-Match`. Answers whether the row changed.
macro_rules! update_at_revision {
    ($table:ident, $conn:expr, $id:expr, $revision:expr, $changes:expr, $now:expr) => {
        $crate::with_conn!($conn, c => diesel::update(
                $table::table.filter($table::id.eq($id)).filter($table::revision.eq($revision)),
            )
            .set(($changes, $table::revision.eq($table::revision + 1), $table::updated_at.eq($now)))
            .execute(c)
            .map(|n| n == 1))
    };
}

pub mod auth_failures;
pub mod categories;
pub mod changes;
pub mod comments;
pub mod counts;
pub mod editions;
pub mod imports;
pub mod media;
pub mod menus;
pub mod pending_files;
pub mod posts;
pub mod previews;
pub mod revisions;
pub mod secrets;
pub mod site;
pub mod tags;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// A sibling in a translation group: `(id, edition_id, slug, translation_group)`.
pub type TranslationRow = (i64, i64, String, String);

/// Makes a new translation group id, for an item that starts its own group.
pub fn new_translation_group() -> String {
    uuid::Uuid::new_v4().to_string()
}

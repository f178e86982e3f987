//! `If-Match` as a write's rules see it: the versions a write may replace.

use crate::content::error::WriteError;

/// The versions a write may replace. `None`: any (no `If-Match` sent).
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<Vec<String>>);

impl IfMatch {
    /// Any version may be replaced (the importer, the CLI, a write with no
    /// `If-Match`).
    pub fn any() -> IfMatch {
        IfMatch(None)
    }

    /// A 412 unless any version may be replaced, or one of the tags is `*`
    /// or names `revision`'s ETag: `"3"` as editors get it, or a public
    /// read's `"3.<hash>"` of that revision. Weak tags (`W/"..."`) never
    /// match, as RFC 9110 requires.
    pub fn check(&self, revision: i32) -> Result<(), WriteError> {
        let Some(tags) = &self.0 else {
            return Ok(());
        };
        let current = etag(revision);
        let public = format!("\"{revision}.");
        if tags
            .iter()
            .any(|t| t == "*" || *t == current || (t.starts_with(&public) && t.ends_with('"')))
        {
            return Ok(());
        }
        Err(WriteError::Stale(format!(
            "If-Match does not name the current version ({current}); fetch it again and reapply your change"
        )))
    }
}

/// The strong ETag of a resource at `revision`.
pub fn etag(revision: i32) -> String {
    format!("\"{revision}\"")
}

//! Checks shared by the write endpoints: trimmed text within bounds, slugs,
//! and free slugs made from titles.

use crate::domain::slug;
use crate::error::FieldErrors;

/// `value` trimmed, or an error when it is not `min..=max` characters.
pub fn text(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) -> String {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        let what = if min == 0 {
            format!("at most {max} characters")
        } else {
            format!("{min} to {max} characters")
        };
        errors.add(field, format!("must be {what}"));
    }
    value.to_string()
}

/// A slug given by a client: it must already be in the form [`slug::slugify`]
/// makes, so that what is stored is what was asked for.
pub fn slug_field(errors: &mut FieldErrors, value: &str) -> String {
    if !slug::is_valid(value) {
        let hint = slug::slugify(value)
            .map(|s| format!("; try `{s}`"))
            .unwrap_or_default();
        errors.add(
            "slug",
            format!(
                "must be lower-case letters or digits of any script joined by single hyphens{hint}"
            ),
        );
    }
    value.to_string()
}

/// The slug of `title`, or `fallback` when the title has no letters or
/// digits, made different from every slug in `taken` by a `-2`, `-3`, ...
pub fn free_slug(title: &str, fallback: &str, taken: &[String]) -> String {
    let base = slug::slugify(title).unwrap_or_else(|| fallback.to_string());
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_slugs_count_up_past_taken_ones() {
        let taken = vec!["news".to_string(), "news-2".to_string()];
        assert_eq!(free_slug("News!", "post", &taken), "news-3");
        assert_eq!(free_slug("خبر تازه", "post", &taken), "خبر-تازه");
        assert_eq!(free_slug("!!!", "post", &[]), "post");
    }

    #[test]
    fn client_slugs_must_be_canonical() {
        let mut errors = FieldErrors::default();
        slug_field(&mut errors, "Bad Slug");
        assert!(!errors.is_empty());
        let mut errors = FieldErrors::default();
        slug_field(&mut errors, "نوشته-تازه");
        assert!(errors.is_empty());
    }
}

//! Rules for short text people read as names: titles, display names,
//! slugs and file names. They must not pretend to be something else.
//!
//! - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//!   U+2066–U+2069) are refused: `U+202E` turns `gpj.exe` into what reads
//!   as `exe.jpg`. The marks LRM, RLM and ALM stay allowed in names and
//!   titles, where right-to-left writers use them to place punctuation.
//! - Text with nothing visible in it (only spaces, zero-width and other
//!   invisible characters) is refused where a name is required.
//! - A few role-like names (`admin`, `editor`, ...) are kept for the users
//!   who hold such roles, so a contributor cannot sign as the site.

/// Whether `c` is a bidirectional embedding, override or isolate.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` shows nothing on its own: white space, format characters
/// and other default-ignorable code points, and blank look-alikes.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// What is wrong with `name` as a name people read, if anything.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.chars().any(is_bidi_control) {
        return Some("must not contain bidirectional override, embedding or isolate characters");
    }
    if !name.is_empty() && name.chars().all(is_invisible) {
        return Some("must contain visible characters");
    }
    None
}

/// Names a user who is not an admin may not take as display name or slug.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "nashr",
    "editor",
    "moderator",
    "webmaster",
    "staff",
    "support",
    "owner",
    "superuser",
];

/// Whether `name` reads as one of the reserved, role-like names: case,
/// spacing and punctuation aside, and with look-alike letters of other
/// scripts taken as the Latin ones they imitate.
pub fn is_reserved(name: &str) -> bool {
    let plain = look(name);
    RESERVED.iter().any(|word| look(word) == plain)
}

/// `s` as it looks, lower-cased, without spaces and punctuation.
fn look(s: &str) -> String {
    let lower: String = s.chars().flat_map(char::to_lowercase).collect();
    crate::domain::slug::skeleton(&lower)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_invisible_names_are_refused_marks_are_not() {
        assert!(name_problem("gpj.\u{202E}exe").is_some());
        assert!(name_problem("\u{200B}").is_some());
        assert!(name_problem(" \u{2060}\u{FEFF} ").is_some());
        assert!(name_problem("\u{200F}«سلام»").is_none());
        assert!(name_problem("می\u{200C}خواهم").is_none());
        assert!(name_problem("").is_none());
    }

    #[test]
    fn role_like_names_are_reserved_in_any_disguise() {
        assert!(is_reserved("Admin"));
        assert!(is_reserved("ad-min"));
        assert!(is_reserved("аdmin")); // Cyrillic а
        assert!(is_reserved("Web Master"));
        assert!(!is_reserved("Adminah"));
        assert!(!is_reserved("Alice"));
    }
}

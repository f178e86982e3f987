//! Slugs: the human-readable, URL-safe names of resources, unique per edition.
//!
//! Like WordPress, Nashr keeps slugs in the title's own script, so a Persian
//! post has a Persian slug. The rules, applied to any title:
//!
//! - Latin letters lose their accents (`ë` → `e`, `ç` → `c`, `ß` → `ss`),
//!   as WordPress does, so Albanian slugs are plain ASCII.
//! - Arabic-script letters are kept as they are; tashkeel (diacritics) and
//!   tatweel are dropped, since they are never typed in addresses.
//! - Letters are lowercased; letters, digits and combining marks of every
//!   script are kept.
//! - Everything else (spaces, punctuation, the zero-width non-joiner of
//!   Persian words such as `می‌خواهم`) becomes a hyphen; runs of hyphens
//!   collapse and none lead or trail.
//! - At most [`MAX_LEN`] characters.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

pub const MAX_LEN: usize = 200;

/// Makes a slug from a title, or `None` if nothing usable is left.
pub fn slugify(title: &str) -> Option<String> {
    let mut out = String::with_capacity(title.len());
    let mut pending_hyphen = false;
    for ch in title.chars() {
        for c in fold(ch) {
            if is_arabic_diacritic(c) {
                continue;
            }
            if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty()) {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                out.extend(c.to_lowercase());
            } else {
                pending_hyphen = true;
            }
        }
    }
    let mut slug: String = out.chars().take(MAX_LEN).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    (!slug.is_empty()).then_some(slug)
}

/// Whether `s` is already a well-formed slug (what [`slugify`] could make).
pub fn is_valid(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= MAX_LEN && slugify(s).as_deref() == Some(s)
}

/// The look of `s`: its Unicode TR39 skeleton, in which characters that
/// look alike map to one prototype (Cyrillic `а` to Latin `a`, `1` to `l`).
pub fn skeleton(s: &str) -> String {
    unicode_security::confusable_detection::skeleton(s).collect()
}

/// The ASCII slug that `slug` imitates, if it writes one with look-alike
/// letters of other scripts (`wоmbat` with a Cyrillic `о`). Slugs that
/// are genuinely in another script (Persian, Arabic) imitate nothing.
pub fn imitated(slug: &str) -> Option<String> {
    if slug.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(slug.len());
    for c in slug.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let look = skeleton(c.encode_utf8(&mut [0; 4]));
        if !look.is_ascii() {
            return None;
        }
        out.extend(look.chars().flat_map(char::to_lowercase));
    }
    (out != slug && is_valid(&out)).then_some(out)
}

/// Latin letters with diacritics become their base letters; other scripts
/// pass through unchanged.
fn fold(ch: char) -> Vec<char> {
    match ch {
        'ß' => return vec!['s', 's'],
        'æ' => return vec!['a', 'e'],
        'Æ' => return vec!['A', 'E'],
        'œ' => return vec!['o', 'e'],
        'Œ' => return vec!['O', 'E'],
        'ø' => return vec!['o'],
        'Ø' => return vec!['O'],
        'đ' => return vec!['d'],
        'Đ' => return vec!['D'],
        'ł' => return vec!['l'],
        'Ł' => return vec!['L'],
        'þ' => return vec!['t', 'h'],
        'Þ' => return vec!['T', 'H'],
        _ => {}
    }
    let is_latin = matches!(ch as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF);
    if !is_latin {
        return vec![ch];
    }
    let mut base = Vec::new();
    decompose_canonical(ch, |c| {
        if !is_combining_mark(c) {
            base.push(c)
        }
    });
    base
}

/// Tashkeel (harakat, tanwin, shadda, sukun, superscript alef) and tatweel.
fn is_arabic_diacritic(c: char) -> bool {
    matches!(c as u32, 0x064B..=0x065F | 0x0670 | 0x0640 | 0x06D6..=0x06ED)
}

/// The slug of `title`, or `fallback` when the title has no letters or
/// digits, made different from every slug in `taken` by a `-2`, `-3`, ...
pub fn free(title: &str, fallback: &str, taken: &[String]) -> String {
    let base = slugify(title).unwrap_or_else(|| fallback.to_string());
    free_from(&base, taken)
}

/// `base`, or `base-2`, `base-3`, ..., whichever is not in `taken`.
pub fn free_from(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
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
        assert_eq!(free("News!", "post", &taken), "news-3");
        assert_eq!(free("خبر تازه", "post", &taken), "خبر-تازه");
        assert_eq!(free("!!!", "post", &[]), "post");
    }

    #[test]
    fn latin_titles_fold_to_ascii() {
        assert_eq!(slugify("Hello, World!").as_deref(), Some("hello-world"));
        assert_eq!(
            slugify("Çfarë ka të re në Tiranë?").as_deref(),
            Some("cfare-ka-te-re-ne-tirane")
        );
        assert_eq!(slugify("Straße & Œuvre").as_deref(), Some("strasse-oeuvre"));
    }

    #[test]
    fn persian_keeps_its_letters_and_zwnj_becomes_a_hyphen() {
        assert_eq!(
            slugify("می‌خواهم بخوانم").as_deref(),
            Some("می-خواهم-بخوانم")
        );
        assert_eq!(
            slugify("کتاب‌های تازه ۱۴۰۲").as_deref(),
            Some("کتاب-های-تازه-۱۴۰۲")
        );
    }

    #[test]
    fn arabic_drops_tashkeel_and_tatweel_but_keeps_hamza_forms() {
        assert_eq!(slugify("مَكْتَبَةُ الـمدينة").as_deref(), Some("مكتبة-المدينة"));
        assert_eq!(slugify("أخبار إقليمية").as_deref(), Some("أخبار-إقليمية"));
    }

    #[test]
    fn nothing_usable_gives_none_and_length_is_capped() {
        assert_eq!(slugify(" -- !! "), None);
        assert_eq!(slugify(&"a".repeat(500)).unwrap().len(), MAX_LEN);
    }

    #[test]
    fn look_alike_letters_imitate_ascii_slugs_real_scripts_do_not() {
        assert_eq!(
            imitated("w\u{043E}mbat-public-post").as_deref(),
            Some("wombat-public-post")
        );
        assert_eq!(imitated("wombat-public-post"), None);
        assert_eq!(imitated("می-خواهم"), None);
        assert_eq!(imitated("مكتبة-المدينة"), None);
    }

    #[test]
    fn validity_is_a_fixed_point_of_slugify() {
        assert!(is_valid("cfare-ka-te-re"));
        assert!(is_valid("می-خواهم"));
        assert!(!is_valid("Upper"));
        assert!(!is_valid("two--hyphens"));
        assert!(!is_valid("-lead"));
    }
}

//! Text as search sees it: one folding for the index and for queries, the
//! query words, and highlighted snippets. Stored text is never changed.
//!
//! Folding makes the spellings a reader may type equal to those an editor
//! wrote:
//!
//! - lower case;
//! - Arabic and Persian letter variants to one letter: ي ى ئ → ی, ك → ک,
//!   ٱ أ إ آ → ا, ؤ → و, ة ۀ → ه (so an Arabic and a Persian keyboard type
//!   the same words);
//! - tashkeel (harakat, shadda, sukun, superscript alef, Quranic marks) and
//!   tatweel removed;
//! - zero-width non-joiner and joiner removed, so `می‌خواهم` and `میخواهم`
//!   are one word; soft hyphens removed;
//! - Arabic-Indic (٠-٩) and Persian (۰-۹) digits to ASCII;
//! - Albanian ë and ç (and other Latin letters with diacritics) to their
//!   base letter.
//!
//! Words are then the runs of letters and digits; everything else (quotes,
//! `*`, parentheses, operators) only separates words, so no input can reach
//! the search engines' own query syntax.

use std::fmt::Write;

/// Most words a query may have.
pub const MAX_QUERY_WORDS: usize = 16;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// `c` as the index sees it: `None` when it is dropped, otherwise up to
/// two characters.
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Yeh, alef maksura, yeh with hamza → Persian yeh.
        '\u{064A}' | '\u{0649}' | '\u{0626}' | '\u{06D2}' => '\u{06CC}',
        // Kaf → keheh.
        '\u{0643}' => '\u{06A9}',
        // Alef wasla, alef with hamza above/below, alef with madda → alef.
        '\u{0671}' | '\u{0623}' | '\u{0625}' | '\u{0622}' => '\u{0627}',
        // Waw with hamza → waw.
        '\u{0624}' => '\u{0648}',
        // Teh marbuta, heh with yeh above, heh goal → heh.
        '\u{0629}' | '\u{06C0}' | '\u{06C1}' => '\u{0647}',
        // Tashkeel, superscript alef, Quranic annotation marks, tatweel.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}' => return None,
        // Zero-width non-joiner and joiner, soft hyphen, byte order mark.
        '\u{200C}' | '\u{200D}' | '\u{00AD}' | '\u{FEFF}' => return None,
        // Arabic-Indic and Persian digits.
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => return latin_base(c),
    })
}

/// Latin letters with diacritics to their base letter (lower case).
fn latin_base(c: char) -> Option<char> {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' | 'ņ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' | 'ŕ' => 'r',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        // Combining marks left after other text: dropped.
        '\u{0300}'..='\u{036F}' => return None,
        other => other,
    };
    Some(base)
}

/// Folds `text` (see the module) and answers its words, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match fold_char(c) {
            None => {}
            Some(f) if f.is_alphanumeric() => word.push(f),
            Some(_) if !word.is_empty() => words.push(std::mem::take(&mut word)),
            Some(_) => {}
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The folded words of `text` joined by spaces: what the index stores.
pub fn index_text(text: &str) -> String {
    words(text).join(" ")
}

/// A reader's query: folded words, the last one matched as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub words: Vec<String>,
    /// Whether the last word also matches longer words (it is at least two
    /// letters long; a single letter would match most of the index).
    pub prefix_last: bool,
}

impl SearchQuery {
    /// Parses what a reader typed; the message says what is wrong.
    pub fn parse(raw: &str) -> Result<SearchQuery, String> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(format!("must be at most {MAX_QUERY_CHARS} characters"));
        }
        let words = words(raw);
        if words.is_empty() {
            return Err("must contain a word (letters or digits)".into());
        }
        if words.len() > MAX_QUERY_WORDS {
            return Err(format!("must have at most {MAX_QUERY_WORDS} words"));
        }
        let prefix_last = words.last().is_some_and(|w| w.chars().count() >= 2);
        Ok(SearchQuery { words, prefix_last })
    }

    /// The query in SQLite FTS5 syntax: every word quoted (words hold only
    /// letters and digits), the last one a prefix.
    pub fn fts5(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let _ = write!(out, "\"{w}\"");
            if self.prefix_last && i + 1 == self.words.len() {
                out.push('*');
            }
        }
        out
    }

    /// The query in PostgreSQL `to_tsquery` syntax: words quoted and AND-ed,
    /// the last one a prefix.
    pub fn tsquery(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push_str(" & ");
            }
            let _ = write!(out, "'{w}'");
            if self.prefix_last && i + 1 == self.words.len() {
                out.push_str(":*");
            }
        }
        out
    }

    /// Whether folded word `w` of a text matches word `i` of the query.
    fn matches(&self, i: usize, w: &str) -> bool {
        let want = &self.words[i];
        if self.prefix_last && i + 1 == self.words.len() {
            w.starts_with(want.as_str())
        } else {
            w == want
        }
    }

    fn matches_any(&self, w: &str) -> bool {
        (0..self.words.len()).any(|i| self.matches(i, w))
    }
}

/// Words of context a snippet shows.
const SNIPPET_WORDS: usize = 30;

/// A word of the original text: where it is, and whether it matches.
struct Span {
    start: usize,
    end: usize,
    hit: bool,
}

/// What [`Words`] makes of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// A letter or digit, folded.
    Letter(char),
    /// Adds nothing and stays inside the word it is in (marks, ZWNJ).
    Dropped,
    /// Ends a word.
    Separator,
    /// Read with [`read_slowly`] (lower case of more than one character,
    /// or outside the table).
    Slow,
}

/// Characters below this are read from a table made once: Latin, Greek,
/// Cyrillic, Hebrew and Arabic with Persian letters, where looking up
/// lower case and letters in Unicode's tables for every character is most
/// of what a snippet costs.
const READ_TABLE: usize = 0x800;

impl Read {
    fn of(c: char) -> Read {
        static TABLE: std::sync::LazyLock<Vec<Read>> = std::sync::LazyLock::new(|| {
            (0..READ_TABLE as u32)
                .map(|n| char::from_u32(n).map_or(Read::Slow, Read::slowly))
                .collect()
        });
        TABLE.get(c as usize).copied().unwrap_or(Read::Slow)
    }

    /// What [`read_slowly`] makes of `c`, when that is one of the others.
    fn slowly(c: char) -> Read {
        let mut folded = String::new();
        let (letter, dropped) = read_slowly(c, &mut folded);
        let mut chars = folded.chars();
        match (letter, dropped, chars.next(), chars.next()) {
            (true, false, Some(f), None) => Read::Letter(f),
            (false, true, None, _) => Read::Dropped,
            (false, false, None, _) => Read::Separator,
            _ => Read::Slow,
        }
    }
}

/// Folds `c` onto `folded`: whether it is a letter (or digit), and whether
/// it was dropped whole.
fn read_slowly(c: char, folded: &mut String) -> (bool, bool) {
    let mut letter = false;
    let mut dropped = true;
    for l in c.to_lowercase() {
        if let Some(f) = fold_char(l) {
            dropped = false;
            if f.is_alphanumeric() {
                letter = true;
                folded.push(f);
            }
        }
    }
    (letter, dropped)
}

/// The words of `text` in order, each folded (into one buffer, reused)
/// and matched against `query` as it is read: a snippet reads only as far
/// as it shows.
struct Words<'t, 'q> {
    chars: std::str::CharIndices<'t>,
    query: &'q SearchQuery,
    folded: String,
}

impl Iterator for Words<'_, '_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        self.folded.clear();
        let mut word: Option<(usize, usize)> = None;
        for (at, c) in self.chars.by_ref() {
            let (letter, dropped) = match Read::of(c) {
                Read::Letter(f) => {
                    self.folded.push(f);
                    (true, false)
                }
                Read::Dropped => (false, true),
                Read::Separator => (false, false),
                Read::Slow => read_slowly(c, &mut self.folded),
            };
            let end = at + c.len_utf8();
            match (&mut word, dropped || letter) {
                // Marks, ZWNJ and tatweel stay inside the word they are in.
                (Some((_, last)), true) => *last = end,
                (None, true) if letter => word = Some((at, end)),
                (None, _) => {}
                (Some(_), false) => break,
            }
        }
        let (start, end) = word?;
        Some(Span {
            start,
            end,
            hit: self.query.matches_any(&self.folded),
        })
    }
}

/// A snippet of plain `text` around its first words matching `query`,
/// HTML-escaped, with the matches in `<mark>`; `…` where text is cut.
/// `None` when no word matches.
pub fn snippet(text: &str, query: &SearchQuery) -> Option<String> {
    const BEFORE: usize = SNIPPET_WORDS / 3;
    let mut words = Words {
        chars: text.char_indices(),
        query,
        folded: String::new(),
    };
    // The words shown before the first match, and whether any came before them.
    let mut shown: std::collections::VecDeque<Span> = std::collections::VecDeque::new();
    let mut cut_before = false;
    loop {
        let span = words.next()?;
        let hit = span.hit;
        if !hit && shown.len() == BEFORE {
            shown.pop_front();
            cut_before = true;
        }
        shown.push_back(span);
        if hit {
            break;
        }
    }
    while shown.len() < SNIPPET_WORDS {
        match words.next() {
            Some(span) => shown.push_back(span),
            None => break,
        }
    }
    let cut_after = shown.len() == SNIPPET_WORDS && words.next().is_some();
    let mut out = String::new();
    if cut_before {
        out.push('…');
    }
    let mut at = shown[0].start;
    for span in &shown {
        escape_into(&mut out, &text[at..span.start]);
        let word = &text[span.start..span.end];
        if span.hit {
            out.push_str("<mark>");
            escape_into(&mut out, word);
            out.push_str("</mark>");
        } else {
            escape_into(&mut out, word);
        }
        at = span.end;
    }
    if cut_after {
        out.push('…');
    } else {
        escape_into(&mut out, text[at..].trim_end());
    }
    Some(out)
}

/// `text` escaped for HTML, on one line.
fn escape_into(out: &mut String, text: &str) {
    for (i, line) in text.split(['\n', '\r', '\t']).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        crate::domain::content::escape_html_into(out, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(words(a), words(b), "{a} and {b} should fold alike");
    }

    #[test]
    fn arabic_and_persian_keyboards_type_the_same_words() {
        same("علي", "علی");
        same("كتاب", "کتاب");
        same("مستشفى", "مستشفی");
        same("ٱلله أحمد إسلام آب", "الله احمد اسلام اب");
        same("مُحَمَّد", "محمد");
        same("کـــتاب", "کتاب");
        same("می‌خواهم", "میخواهم");
        same("۱۴۰۳ ١٤٠٣", "1403 1403");
        same("مدرسة", "مدرسه");
    }

    #[test]
    fn the_read_table_folds_as_unicode_does() {
        for c in (0..READ_TABLE as u32 + 16).filter_map(char::from_u32) {
            let mut slow = String::new();
            let (letter, dropped) = read_slowly(c, &mut slow);
            let mut fast = String::new();
            let read = match Read::of(c) {
                Read::Letter(f) => {
                    fast.push(f);
                    (true, false)
                }
                Read::Dropped => (false, true),
                Read::Separator => (false, false),
                Read::Slow => read_slowly(c, &mut fast),
            };
            assert_eq!(
                (read, fast),
                ((letter, dropped), slow),
                "U+{:04X}",
                c as u32
            );
        }
        assert_eq!(Read::of('É'), Read::Letter('e'));
        assert_eq!(Read::of('\u{0643}'), Read::Letter('\u{06A9}'));
        assert_eq!(Read::of('\u{200C}'), Read::Slow);
        assert_eq!(Read::of('\u{064E}'), Read::Dropped);
        assert_eq!(Read::of(' '), Read::Separator);
    }

    #[test]
    fn albanian_letters_fold_to_their_base() {
        same("Çështje", "ceshtje");
        same("gjërë", "gjere");
    }

    #[test]
    fn query_syntax_is_only_separators() {
        let q = SearchQuery::parse(r#"NEAR("x" * (y) OR 'z'; DROP TABLE posts;--"#).unwrap();
        assert_eq!(
            q.words,
            ["near", "x", "y", "or", "z", "drop", "table", "posts"]
        );
        assert_eq!(
            q.fts5(),
            r#""near" "x" "y" "or" "z" "drop" "table" "posts"*"#
        );
        assert!(q.tsquery().ends_with("'posts':*"));
        assert!(SearchQuery::parse("*** ((( \"").is_err());
        assert!(SearchQuery::parse("").is_err());
        assert!(SearchQuery::parse(&"a ".repeat(20)).is_err());
        assert!(!SearchQuery::parse("x").unwrap().prefix_last);
    }

    #[test]
    fn snippets_mark_matches_in_the_original_text() {
        let q = SearchQuery::parse("ميخواهم").unwrap();
        let s = snippet("من می‌خواهم <بروم> & بمانم", &q).unwrap();
        assert_eq!(s, "من <mark>می‌خواهم</mark> &lt;بروم&gt; &amp; بمانم");
        let q = SearchQuery::parse("fre").unwrap();
        let long = format!(
            "{} the freedom of the press {}",
            "word ".repeat(40),
            "tail ".repeat(40)
        );
        let s = snippet(&long, &q).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>freedom</mark>"));
        assert_eq!(snippet("nothing here", &q), None);
    }
}

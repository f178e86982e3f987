//! What editors write, made safe to store and serve.
//!
//! Content arrives as HTML or Markdown. Either way it leaves here as HTML
//! cleaned with an allow-list (ammonia's, plus `dir` on every element for
//! right-to-left text): no `script`, `style` or `iframe`, no event-handler
//! or `style` attributes, no `javascript:` or `data:` URLs; links get
//! `rel="noopener noreferrer"`. Text itself is never changed: no Unicode
//! normalisation, so Persian ZWNJ and Arabic diacritics stay as written.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The markup of submitted content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentFormat {
    #[default]
    Html,
    /// CommonMark with tables and strikethrough; raw HTML in it is cleaned
    /// like any other.
    Markdown,
}

impl ContentFormat {
    /// Every value, in the order the API documents them.
    pub const ALL: &'static [ContentFormat] = &[ContentFormat::Html, ContentFormat::Markdown];
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.add_generic_attributes(["dir"]);
    builder
});

/// How deeply elements (or Markdown block quotes and lists) may nest. The
/// HTML parser's work grows with the square of the depth, so one post of
/// `<div>` × 46,000 once held every writer up for seconds; real articles
/// stay below 20.
pub const MAX_DEPTH: usize = 64;

/// Elements the parser may have to build for one text, counting those it
/// re-opens: a `<b>` left open is opened again in every later paragraph.
pub const MAX_ELEMENTS: usize = 200_000;

/// The most clean HTML one text may become (bytes).
pub const MAX_RENDERED: usize = 1024 * 1024;

/// Why content cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("nests elements more than {MAX_DEPTH} deep")]
    TooDeep,
    #[error("has more than {MAX_ELEMENTS} elements")]
    TooManyElements,
    #[error("is more than {} KiB once rendered", MAX_RENDERED / 1024)]
    TooLarge,
}

/// Elements that have no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose start closes an open one of their kind, so a run of them
/// does not nest.
const SELF_CLOSING_RUNS: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp", "tbody",
    "thead", "tfoot", "colgroup", "caption",
];

/// Formatting elements: the parser re-opens those left open in each new
/// block.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Measures `html` in one pass, before the parser sees it: how deep its
/// elements could nest, and how many elements the parser could build.
/// Both are upper bounds (unclosed tags count as open), so what passes is
/// cheap to parse, whatever its shape.
pub fn check_html(html: &str) -> Result<(), ContentError> {
    let bytes = html.as_bytes();
    let (mut depth, mut formatting, mut elements) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(at) = memchr(b'<', &bytes[i..]) {
        i += at + 1;
        if bytes[i..].starts_with(b"!--") {
            i = match find(&bytes[i..], b"-->") {
                Some(end) => i + end + 3,
                None => bytes.len(),
            };
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = i + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |e| name_start + e);
        let self_closed = end > 0 && bytes.get(end - 1) == Some(&b'/');
        i = end.min(bytes.len());
        let name = name.as_str();
        if VOID.contains(&name) || SELF_CLOSING_RUNS.contains(&name) {
            if !closing {
                elements += 1 + formatting;
            }
        } else if closing {
            depth = depth.saturating_sub(1);
            if FORMATTING.contains(&name) {
                formatting = formatting.saturating_sub(1);
            }
        } else if !self_closed {
            depth += 1;
            elements += 1 + formatting;
            if FORMATTING.contains(&name) {
                formatting += 1;
            }
            if depth > MAX_DEPTH {
                return Err(ContentError::TooDeep);
            }
        }
        if elements > MAX_ELEMENTS {
            return Err(ContentError::TooManyElements);
        }
    }
    Ok(())
}

/// Measures Markdown's block structure before it is parsed: the block
/// quotes and list items each line opens, and its indentation (a nested
/// list item is indented under its parent).
fn check_markdown(text: &str) -> Result<(), ContentError> {
    for line in text.lines() {
        let bytes = line.as_bytes();
        let (mut depth, mut columns, mut i) = (0usize, 0usize, 0usize);
        while i < bytes.len() {
            match bytes[i] {
                b' ' => columns += 1,
                b'\t' => columns += 4,
                b'>' => depth += 1,
                b'-' | b'+' | b'*'
                    if bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t') =>
                {
                    depth += 1
                }
                b'0'..=b'9' => {
                    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                    match bytes.get(i + digits) {
                        Some(b'.' | b')') if digits <= 9 => {
                            depth += 1;
                            i += digits;
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
            if depth + columns / 2 > MAX_DEPTH {
                return Err(ContentError::TooDeep);
            }
            i += 1;
        }
    }
    Ok(())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Cleans `html` with the allow-list, if it is of a shape that is cheap
/// to parse and small enough once clean.
pub fn clean_html(html: &str) -> Result<String, ContentError> {
    check_html(html)?;
    let clean = CLEANER.clean(html).to_string();
    if clean.len() > MAX_RENDERED {
        return Err(ContentError::TooLarge);
    }
    Ok(clean)
}

/// Cleans `html` with the allow-list; text too deep or large to parse
/// safely is kept as escaped text instead (for imported content, which
/// must not stop an import; what editors send gets [`render`]'s error).
pub fn sanitize_html(html: &str) -> String {
    clean_html(html).unwrap_or_else(|_| ammonia::clean_text(html))
}

/// Submitted content as clean HTML, or why it cannot be stored.
pub fn render(content: &str, format: ContentFormat) -> Result<String, ContentError> {
    match format {
        ContentFormat::Html => clean_html(content),
        ContentFormat::Markdown => {
            use pulldown_cmark::{html, Options, Parser};
            check_markdown(content)?;
            let parser = Parser::new_ext(
                content,
                Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
            );
            let mut out = String::with_capacity(content.len() * 2);
            html::push_html(&mut out, parser);
            if out.len() > 4 * MAX_RENDERED {
                return Err(ContentError::TooLarge);
            }
            clean_html(&out)
        }
    }
}

/// Words an excerpt derived from content keeps at most.
const EXCERPT_WORDS: usize = 55;

/// A plain-text excerpt of clean HTML: its first words, ending in `…` when
/// cut short.
pub fn excerpt_of(html: &str) -> String {
    let text = plain_text(html);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= EXCERPT_WORDS {
        words.join(" ")
    } else {
        format!("{}…", words[..EXCERPT_WORDS].join(" "))
    }
}

/// Elements whose edges separate words.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "td",
    "th",
    "table",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
    "section",
    "article",
];

/// Appends `text` to `out` with the characters HTML gives meaning to
/// escaped, so that it shows as written in an element or an attribute.
pub fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// The text of clean HTML: tags dropped (block edges become spaces, inline
/// tags nothing) and the entities the cleaner writes decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        decode_into(&mut text, &rest[..start]);
        let tag = &rest[start + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let name = tag[..end].trim_start_matches('/');
        let name = &name[..name.bytes().take_while(u8::is_ascii_alphanumeric).count()];
        if BLOCKS.iter().any(|block| block.eq_ignore_ascii_case(name)) {
            text.push(' ');
        }
        rest = tag.get(end + 1..).unwrap_or("");
    }
    decode_into(&mut text, rest);
    text
}

/// Appends `text` with the entities clean HTML uses decoded.
fn decode_into(out: &mut String, mut text: &str) {
    const ENTITIES: [(&str, char); 6] = [
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&nbsp;", '\u{a0}'),
        ("&amp;", '&'),
    ];
    while let Some(at) = text.find('&') {
        out.push_str(&text[..at]);
        let tail = &text[at..];
        let (c, len) = ENTITIES
            .iter()
            .find(|(entity, _)| tail.starts_with(entity))
            .map_or(('&', 1), |(entity, c)| (*c, entity.len()));
        out.push(c);
        text = &tail[len..];
    }
    out.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_dangerous_urls_are_removed() {
        let dirty = r#"<p onclick="steal()" style="color:red">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)><iframe src="https://evil.example"></iframe>"#;
        let clean = sanitize_html(dirty);
        for bad in [
            "script",
            "onclick",
            "style",
            "javascript:",
            "onerror",
            "iframe",
            "alert",
        ] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"));
    }

    #[test]
    fn rtl_text_and_links_survive_cleaning() {
        let html = "<p dir=\"rtl\" lang=\"fa\">می\u{200c}خواهم <a href=\"/fa/x\">بخوانم</a></p>";
        let clean = sanitize_html(html);
        assert!(clean.contains("dir=\"rtl\""));
        assert!(clean.contains("می\u{200c}خواهم"));
        assert!(clean.contains("href=\"/fa/x\""));
        assert!(clean.contains("rel=\"noopener noreferrer\""));
    }

    #[test]
    fn markdown_is_rendered_then_cleaned() {
        let html = render(
            "# Title\n\n**bold** <script>x()</script>\n\n[a](javascript:alert(1))",
            ContentFormat::Markdown,
        )
        .unwrap();
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("script") && !html.contains("javascript"));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing_ordinary_nesting_is_not() {
        let deep = "<div>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            render(&deep, ContentFormat::Html),
            Err(ContentError::TooDeep)
        );
        let fine = format!("{}x{}", "<div>".repeat(30), "</div>".repeat(30));
        assert!(render(&fine, ContentFormat::Html).is_ok());
        // Runs of paragraphs and list items close each other: no depth.
        let flat = "<p>a".repeat(10_000);
        assert!(render(&flat, ContentFormat::Html).is_ok());
        for markdown in [
            ">".repeat(100_000),
            "> - ".repeat(50_000),
            format!("{}- x", " ".repeat(200)),
        ] {
            assert_eq!(
                render(&markdown, ContentFormat::Markdown),
                Err(ContentError::TooDeep)
            );
        }
        let list = "- a\n  - b\n    - c\n\n> quote\n> > nested\n\n1. one\n2. two\n";
        assert!(render(list, ContentFormat::Markdown).is_ok());
    }

    #[test]
    fn formatting_left_open_counts_in_every_later_block() {
        let open: String = (0..60).map(|n| format!("<b class=\"c{n}\">")).collect();
        let html = format!("{open}{}", "<p>x".repeat(5_000));
        assert_eq!(
            render(&html, ContentFormat::Html),
            Err(ContentError::TooManyElements)
        );
    }

    #[test]
    fn imported_html_too_deep_to_parse_is_kept_as_text() {
        let deep = format!("{}<script>x</script>", "<div>".repeat(1000));
        let kept = sanitize_html(&deep);
        assert!(kept.starts_with("&lt;div&gt;") && !kept.contains("<script"));
    }

    #[test]
    fn excerpts_are_plain_text_and_cut_at_word_limits() {
        assert_eq!(
            excerpt_of("<p>Tom &amp; Jerry</p><p>run</p>"),
            "Tom & Jerry run"
        );
        let long = format!("<p>{}</p>", "کلمه ".repeat(80));
        let excerpt = excerpt_of(&long);
        assert!(excerpt.ends_with('…'));
        assert_eq!(excerpt.split_whitespace().count(), EXCERPT_WORDS);
    }
}

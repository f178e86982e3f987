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
use utoipa::ToSchema;

/// The markup of submitted content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentFormat {
    #[default]
    Html,
    /// CommonMark with tables and strikethrough; raw HTML in it is cleaned
    /// like any other.
    Markdown,
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.add_generic_attributes(["dir"]);
    builder
});

/// Cleans `html` with the allow-list.
pub fn sanitize_html(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// Submitted content as clean HTML.
pub fn render(content: &str, format: ContentFormat) -> String {
    match format {
        ContentFormat::Html => sanitize_html(content),
        ContentFormat::Markdown => {
            use pulldown_cmark::{html, Options, Parser};
            let parser = Parser::new_ext(
                content,
                Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
            );
            let mut out = String::with_capacity(content.len() * 2);
            html::push_html(&mut out, parser);
            sanitize_html(&out)
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

/// The text of clean HTML: tags dropped (block edges become spaces, inline
/// tags nothing) and the entities the cleaner writes decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tag = &rest[start + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let name: String = tag[..end]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCKS.contains(&name.as_str()) {
            text.push(' ');
        }
        rest = tag.get(end + 1..).unwrap_or("");
    }
    text.push_str(rest);
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
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
        );
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("script") && !html.contains("javascript"));
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

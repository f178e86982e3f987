//! How WordPress's values map to Nashr's: statuses, slugs, dates, links
//! and markup.

use chrono::NaiveDateTime;

use crate::domain::PostStatus;

/// The Nashr state of a WordPress post status: `publish` is published,
/// `future` scheduled, `draft`, `pending` and `auto-draft` drafts,
/// `private` archived (kept, never public), `trash` a draft in the trash
/// (the `bool`). `inherit` (attachments, revisions) and unknown statuses
/// have none.
pub fn status(wordpress: &str) -> Option<(PostStatus, bool)> {
    match wordpress {
        "publish" => Some((PostStatus::Published, false)),
        "future" => Some((PostStatus::Scheduled, false)),
        "draft" | "pending" | "auto-draft" => Some((PostStatus::Draft, false)),
        "private" => Some((PostStatus::Archived, false)),
        "trash" => Some((PostStatus::Draft, true)),
        _ => None,
    }
}

/// A slug as WordPress exports it (`%d8%a2...` for Unicode) decoded to
/// text; bytes that are not UTF-8 become U+FFFD.
pub fn slug(exported: &str) -> String {
    percent_decoded(exported).trim().to_lowercase()
}

/// `%XX` escapes decoded; bytes that are not UTF-8 become U+FFFD.
pub fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `*_gmt` date (`2013-01-10 20:15:40`); WordPress writes zeros for
/// drafts that never had one.
pub fn gmt(exported: &str) -> Option<NaiveDateTime> {
    let exported = exported.trim();
    if exported.is_empty() || exported.starts_with("0000-00-00") {
        return None;
    }
    NaiveDateTime::parse_from_str(exported, "%Y-%m-%d %H:%M:%S").ok()
}

/// HTML without the block editor's comments (`<!-- wp:paragraph -->`,
/// `<!-- /wp:paragraph -->`); other comments and all markup stay.
pub fn without_block_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let body = after.trim_start();
        let is_block = body.starts_with("wp:") || body.starts_with("/wp:");
        match after.find("-->") {
            Some(end) if is_block => {
                out.push_str(&rest[..start]);
                rest = &after[end + 3..];
                // The editor puts each block comment on its own line.
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
            _ => {
                out.push_str(&rest[..start + 4]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Tags that start a block of their own: text between them is not put in
/// a paragraph.
const BLOCK_TAGS: [&str; 27] = [
    "<p",
    "<div",
    "<h1",
    "<h2",
    "<h3",
    "<h4",
    "<h5",
    "<h6",
    "<ul",
    "<ol",
    "<li",
    "<dl",
    "<blockquote",
    "<pre",
    "<table",
    "<figure",
    "<hr",
    "<form",
    "<address",
    "<section",
    "<article",
    "<aside",
    "<header",
    "<footer",
    "<nav",
    "<iframe",
    "<!--",
];

/// Elements whose blank lines are their own, not paragraph breaks.
const KEEP_WHOLE: [(&str, &str); 5] = [
    ("<pre", "</pre>"),
    ("<table", "</table>"),
    ("<ul", "</ul>"),
    ("<ol", "</ol>"),
    ("<blockquote", "</blockquote>"),
];

/// Paragraphs as WordPress makes them on display (`wpautop`): text
/// separated by blank lines becomes `<p>`s, single line breaks `<br />`;
/// blocks that are already markup (the block editor's, lists, tables,
/// preformatted text) stay as they are.
pub fn paragraphs(html: &str) -> String {
    let html = html.replace("\r\n", "\n");
    let mut chunks: Vec<String> = Vec::new();
    let mut open = 0i64;
    for chunk in html.split("\n\n") {
        if open > 0 {
            if let Some(last) = chunks.last_mut() {
                last.push_str("\n\n");
                last.push_str(chunk);
            }
        } else {
            chunks.push(chunk.to_string());
        }
        let lower = chunk.to_ascii_lowercase();
        for (start, end) in KEEP_WHOLE {
            open += lower.matches(start).count() as i64 - lower.matches(end).count() as i64;
        }
        open = open.max(0);
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    for chunk in chunks {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        let lower = chunk.to_ascii_lowercase();
        if BLOCK_TAGS.iter().any(|t| lower.starts_with(t)) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br />\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_states() {
        assert_eq!(status("publish"), Some((PostStatus::Published, false)));
        assert_eq!(status("future"), Some((PostStatus::Scheduled, false)));
        assert_eq!(status("pending"), Some((PostStatus::Draft, false)));
        assert_eq!(status("private"), Some((PostStatus::Archived, false)));
        assert_eq!(status("trash"), Some((PostStatus::Draft, true)));
        assert_eq!(status("inherit"), None);
        assert_eq!(status("nonsense"), None);
    }

    #[test]
    fn exported_slugs_are_decoded() {
        assert_eq!(slug("hello-world"), "hello-world");
        assert_eq!(
            slug("%d8%a2%d8%b2%d8%a7%d8%af%db%8c"),
            "آزادی",
            "WordPress percent-encodes Unicode slugs"
        );
        assert_eq!(slug("100%"), "100%");
        assert_eq!(slug("%ff"), "\u{FFFD}");
    }

    #[test]
    fn gmt_dates_parse_and_zeros_are_none() {
        assert_eq!(
            gmt("2013-01-10 20:15:40").map(|t| t.to_string()),
            Some("2013-01-10 20:15:40".to_string())
        );
        assert_eq!(gmt("0000-00-00 00:00:00"), None);
        assert_eq!(gmt(""), None);
        assert_eq!(gmt("yesterday"), None);
    }

    #[test]
    fn block_comments_go_and_the_rest_stays() {
        let html = "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\
                    <!-- a note --><!-- wp:image {\"id\":5} -->\n<figure></figure>\n<!-- /wp:image -->";
        assert_eq!(
            without_block_comments(html),
            "<p>One</p>\n<!-- a note --><figure></figure>\n"
        );
        assert_eq!(without_block_comments("<!-- wp:x"), "<!-- wp:x");
    }

    #[test]
    fn text_gets_paragraphs_and_markup_stays() {
        assert_eq!(
            paragraphs("One\ntwo\n\nThree\r\n\r\n<ul>\n<li>a</li>\n\n<li>b</li>\n</ul>"),
            "<p>One<br />\ntwo</p>\n<p>Three</p>\n<ul>\n<li>a</li>\n\n<li>b</li>\n</ul>\n"
        );
        assert_eq!(
            paragraphs("<p>Ready</p>\n\n<h2>Made</h2>"),
            "<p>Ready</p>\n<h2>Made</h2>\n"
        );
        assert_eq!(paragraphs(""), "");
    }
}

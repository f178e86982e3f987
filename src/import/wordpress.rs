//! How WordPress's values map to Nashr's, for the importer: statuses,
//! slugs, dates and block-editor markup.

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
    let bytes = exported.as_bytes();
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
    String::from_utf8_lossy(&out).trim().to_lowercase()
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
}

//! Reader comments: what a comment may hold, who sees it when, and the
//! post's `comment_count`, kept exact by the same transaction as every
//! change of a comment's status.
//!
//! - A reader's comment is held as `pending` until a moderator approves
//!   it; an editor's (scope `comments:moderate`) is approved at once. A
//!   filled honeypot or more links than allowed send it to `spam`, and
//!   the reader is told the same as for `pending`.
//! - Readers are limited per client address across instances (the
//!   database counts their recent comments), and the same author saying
//!   the same thing on the same post twice is refused.
//! - What was written is kept as plain text; readers get it as HTML made
//!   here (paragraphs, line breaks, `http(s)` links with
//!   `rel="nofollow ugc noopener"`), every other character escaped.
//! - E-mail, client address and user agent are for moderators only; the
//!   address and user agent are emptied after the privacy period.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;
use sha2::{Digest, Sha256};

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks;
use crate::content::error::{FieldErrors, WriteError};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::content::escape_html_into;
use crate::repo;
use crate::repo::comments::{CommentChanges, CommentRow, NewComment as NewCommentRow, ThreadLink};
use crate::repo::posts::PostRow;

/// Longest comment, in characters.
pub const MAX_CONTENT: usize = 5000;
/// Longest author name, in characters.
pub const MAX_AUTHOR_NAME: usize = 100;
/// Longest e-mail address and URL.
pub const MAX_EMAIL: usize = 254;
pub const MAX_URL: usize = 500;
/// Replies nest at most this deep (a top-level comment is depth 0).
pub const MAX_DEPTH: i32 = 10;

/// How comments are taken, from the settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Whether new posts take comments unless they say.
    pub open_by_default: bool,
    /// Comments per client address per window (0: no limit).
    pub limit: u32,
    pub window_secs: u64,
    /// More links than this make a reader's comment spam.
    pub max_links: u32,
    /// Days the client address and user agent are kept.
    pub privacy_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            open_by_default: true,
            limit: 5,
            window_secs: 600,
            max_links: 2,
            privacy_days: 90,
        }
    }
}

/// A comment's moderation state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Waiting for a moderator; the public does not see it.
    Pending,
    /// Shown to the public and counted in `comment_count`.
    Approved,
    Spam,
    Trash,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Approved,
        CommentStatus::Spam,
        CommentStatus::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Spam => "spam",
            CommentStatus::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> CommentStatus {
        match s {
            "approved" => CommentStatus::Approved,
            "spam" => CommentStatus::Spam,
            "trash" => CommentStatus::Trash,
            _ => CommentStatus::Pending,
        }
    }
}

/// A comment to post.
#[derive(Debug, Default)]
pub struct NewComment {
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_url: Option<String>,
    pub content: String,
    pub parent_id: Option<i64>,
    /// The honeypot: a field people never see, so never fill.
    pub trap: Option<String>,
}

/// Who posts a comment.
#[derive(Debug, Clone, Default)]
pub struct Commenter {
    /// A signed-in user; `moderates` when their token carries
    /// `comments:moderate`.
    pub user: Option<(Actor, bool)>,
    pub client_address: String,
    pub user_agent: String,
}

/// Changes a moderator makes to a comment.
#[derive(Debug, Default)]
pub struct CommentEdit {
    pub status: Option<CommentStatus>,
    pub content: Option<String>,
}

fn no_such_comment(id: i64) -> WriteError {
    WriteError::NotFound(format!("no comment {id}"))
}

/// Post `id` if it is live at `now` (a scheduled post whose time has
/// come included): only live posts show and take comments.
pub fn live_post(conn: &mut Conn, id: i64, now: NaiveDateTime) -> Result<PostRow, WriteError> {
    repo::posts::find(conn, id)?
        .filter(|p| p.is_live(now))
        .ok_or_else(|| WriteError::NotFound(format!("no live post {id}")))
}

/// Posts a comment on post `post_id`; answers its id and status (a
/// reader is told `pending` for `spam`: see the module docs).
pub fn submit(
    conn: &mut Conn,
    policy: &Policy,
    post_id: i64,
    new: NewComment,
    by: &Commenter,
) -> Result<(i64, CommentStatus), WriteError> {
    let now = crate::domain::now();
    conn.transaction(|conn| {
        let post = live_post(conn, post_id, now)?;
        if !post.comments_open {
            return Err(WriteError::Forbidden(
                "comments are closed on this post".into(),
            ));
        }
        let moderator = by.user.is_some_and(|(_, m)| m);
        let account = match by.user {
            Some((actor, _)) => repo::users::find_user(conn, actor.user_id)?,
            None => None,
        };
        let mut errors = FieldErrors::default();
        let name = match (new.author_name.as_deref(), &account) {
            (None, Some(user)) => user.display_name.clone(),
            (name, _) => checks::name(
                &mut errors,
                "author_name",
                name.unwrap_or_default(),
                1,
                MAX_AUTHOR_NAME,
            ),
        };
        let email = match (new.author_email.as_deref(), &account) {
            (None, Some(user)) => user.email.clone().unwrap_or_default(),
            (email, _) => email_field(&mut errors, email.unwrap_or_default()),
        };
        let url = url_field(&mut errors, new.author_url.as_deref().unwrap_or_default());
        let text = content_field(&mut errors, &new.content);
        let depth = match new.parent_id {
            None => 0,
            Some(parent) => match repo::comments::find(conn, parent)? {
                Some(p)
                    if p.post_id == post_id
                        && p.status == CommentStatus::Approved.as_str() =>
                {
                    if p.depth + 1 >= MAX_DEPTH {
                        errors.add(
                            "parent_id",
                            format!("replies nest at most {MAX_DEPTH} deep; reply higher up the thread"),
                        );
                    }
                    p.depth + 1
                }
                _ => {
                    errors.add(
                        "parent_id",
                        format!("no comment {parent} on this post to reply to"),
                    );
                    0
                }
            },
        };
        errors.check()?;

        if by.user.is_none() && policy.limit > 0 {
            let window = Duration::seconds(policy.window_secs as i64);
            let (recent, oldest) =
                repo::comments::recent_from(conn, &by.client_address, now - window)?;
            if recent >= i64::from(policy.limit) {
                let free_at = oldest.unwrap_or(now) + window;
                let retry_after = (free_at - now).num_seconds().max(1) as u64;
                return Err(WriteError::Limited {
                    message: format!(
                        "too many comments from this address: {} per {} s; try again in {retry_after} s",
                        policy.limit, policy.window_secs
                    ),
                    retry_after,
                });
            }
        }
        let fingerprint = fingerprint(post_id, &email, &text);
        if repo::comments::with_fingerprint(conn, post_id, &fingerprint)? {
            return Err(WriteError::Conflict(
                "this comment was already posted here".into(),
            ));
        }
        let status = if moderator {
            CommentStatus::Approved
        } else if new.trap.as_deref().is_some_and(|t| !t.trim().is_empty())
            || links_in(&text) > policy.max_links as usize
        {
            CommentStatus::Spam
        } else {
            CommentStatus::Pending
        };
        let html = render(&text);
        let watch = Watch::new(conn, Resource::Comment)?;
        let id = repo::comments::insert(
            conn,
            &NewCommentRow {
                post_id,
                parent_id: new.parent_id,
                depth,
                author_name: &name,
                author_email: &email,
                author_url: &url,
                user_id: by.user.map(|(a, _)| a.user_id),
                source: &text,
                content: &html,
                status: status.as_str(),
                fingerprint: &fingerprint,
                client_address: &by.client_address,
                user_agent: truncated(&by.user_agent, 500),
                created_at: now,
                updated_at: now,
            },
        )?;
        if status == CommentStatus::Approved {
            repo::comments::recount(conn, post_id)?;
            watch.record(conn, id, now)?;
        } else if status == CommentStatus::Pending {
            changes::received(conn, id, now)?;
        }
        let told = match status {
            CommentStatus::Spam => CommentStatus::Pending,
            other => other,
        };
        Ok((id, told))
    })
}

/// Applies a moderator's `edit` to comment `id`.
pub fn moderate(conn: &mut Conn, id: i64, edit: CommentEdit) -> Result<(), WriteError> {
    let now = crate::domain::now();
    conn.transaction(|conn| {
        let watch = Watch::existing(conn, Resource::Comment, id, now)?;
        let row = repo::comments::find(conn, id)?.ok_or_else(|| no_such_comment(id))?;
        let mut errors = FieldErrors::default();
        let text = edit
            .content
            .as_deref()
            .map(|c| content_field(&mut errors, c));
        errors.check()?;
        let changes = CommentChanges {
            status: edit.status.map(|s| s.as_str().to_string()),
            content: text.as_deref().map(render),
            fingerprint: text
                .as_deref()
                .map(|t| fingerprint(row.post_id, &row.author_email, t)),
            source: text,
            updated_at: Some(now),
        };
        repo::comments::update(conn, id, &changes)?;
        repo::comments::recount(conn, row.post_id)?;
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// Sets the status of every comment of `ids` at once; answers how many
/// changed. An unknown id changes nothing and is named.
pub fn moderate_all(
    conn: &mut Conn,
    ids: &[i64],
    status: CommentStatus,
) -> Result<usize, WriteError> {
    conn.transaction(|conn| {
        let rows = repo::comments::by_ids(conn, ids)?;
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !rows.iter().any(|r| r.id == **id))
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            let mut errors = FieldErrors::default();
            errors.add("ids", format!("no comments {}", missing.join(", ")));
            errors.check()?;
        }
        let mut changed = 0;
        for row in rows.iter().filter(|r| r.status != status.as_str()) {
            moderate(
                conn,
                row.id,
                CommentEdit {
                    status: Some(status),
                    content: None,
                },
            )?;
            changed += 1;
        }
        Ok(changed)
    })
}

/// Deletes comment `id` for good; its replies move up a level.
pub fn delete(conn: &mut Conn, id: i64) -> Result<(), WriteError> {
    let now = crate::domain::now();
    conn.transaction(|conn| {
        let watch = Watch::existing(conn, Resource::Comment, id, now)?;
        let row = repo::comments::find(conn, id)?.ok_or_else(|| no_such_comment(id))?;
        repo::comments::delete(conn, id)?;
        repo::comments::recount(conn, row.post_id)?;
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// A comment brought from another system (an import), kept as it was.
#[derive(Debug, Clone)]
pub struct Imported {
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub client_address: String,
    /// HTML, as the other system kept it; cleaned here.
    pub html: String,
    pub status: CommentStatus,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Writes an imported comment on post `post_id`: a new one, or over
/// comment `existing`; answers its id. The post's `comment_count` is
/// counted again.
pub fn put_imported(
    conn: &mut Conn,
    post_id: i64,
    existing: Option<i64>,
    c: &Imported,
) -> QueryResult<i64> {
    let now = crate::domain::now();
    let html = clean_html(&c.html);
    let source = crate::domain::content::plain_text(&html).trim().to_string();
    let depth = match c.parent_id {
        Some(p) => repo::comments::find(conn, p)?.map_or(0, |p| (p.depth + 1).min(MAX_DEPTH)),
        None => 0,
    };
    let print = fingerprint(post_id, &c.author_email, &source);
    let existing = match existing {
        Some(id) => repo::comments::find(conn, id)?.map(|r| r.id),
        None => None,
    };
    let id = match existing {
        Some(id) => {
            let watch = Watch::existing(conn, Resource::Comment, id, now)?;
            repo::comments::update(
                conn,
                id,
                &CommentChanges {
                    status: Some(c.status.as_str().into()),
                    content: Some(html),
                    source: Some(source),
                    fingerprint: Some(print),
                    updated_at: Some(now),
                },
            )?;
            repo::comments::recount(conn, post_id)?;
            watch.record(conn, id, now)?;
            id
        }
        None => {
            let watch = Watch::new(conn, Resource::Comment)?;
            let id = repo::comments::insert(
                conn,
                &NewCommentRow {
                    post_id,
                    parent_id: c.parent_id,
                    depth,
                    author_name: truncated(c.author_name.trim(), 400),
                    author_email: truncated(c.author_email.trim(), MAX_EMAIL),
                    author_url: match link_end(c.author_url.trim()) {
                        Some(_) => truncated(c.author_url.trim(), MAX_URL),
                        None => "",
                    },
                    user_id: None,
                    source: &source,
                    content: &html,
                    status: c.status.as_str(),
                    fingerprint: &print,
                    client_address: &c.client_address,
                    user_agent: "",
                    created_at: c.created_at,
                    updated_at: now,
                },
            )?;
            repo::comments::recount(conn, post_id)?;
            watch.record(conn, id, now)?;
            id
        }
    };
    Ok(id)
}

/// HTML from another system as comments may show it: text, paragraphs,
/// emphasis, quotes, lists and `http(s)` links (`rel="nofollow ugc
/// noopener"`), nothing else.
pub fn clean_html(html: &str) -> String {
    use std::collections::HashSet;
    let tags: HashSet<&str> = [
        "a",
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "code",
        "blockquote",
        "ul",
        "ol",
        "li",
        "q",
        "del",
    ]
    .into();
    ammonia::Builder::default()
        .tags(tags)
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("nofollow ugc noopener"))
        .clean(html)
        .to_string()
}

/// Empties client addresses and user agents older than the policy's days.
pub fn forget_clients(conn: &mut Conn, now: NaiveDateTime, days: u32) -> QueryResult<usize> {
    repo::comments::forget_clients(conn, now - Duration::days(i64::from(days)))
}

/// Where comment `row` shows in its post's public thread: the nearest
/// approved comment above it (one removed from view leaves its replies
/// under its own parent), from `threads` (`repo::comments::threads`).
pub fn shown_parent(row: &CommentRow, threads: &[ThreadLink]) -> Option<i64> {
    let mut parent = row.parent_id;
    for _ in 0..=MAX_DEPTH + 1 {
        let p = parent?;
        match threads.iter().find(|t| t.0 == p) {
            Some((_, _, status)) if status == CommentStatus::Approved.as_str() => return Some(p),
            Some((_, up, _)) => parent = *up,
            None => return None,
        }
    }
    None
}

/// `s` cut to at most `max` bytes on a character boundary.
fn truncated(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The same author saying the same thing on the same post.
fn fingerprint(post: i64, email: &str, text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let digest = Sha256::digest(format!(
        "{post}\u{1}{}\u{1}{}",
        email.to_lowercase(),
        words.join(" ").to_lowercase()
    ));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn email_field(errors: &mut FieldErrors, value: &str) -> String {
    let value = value.trim();
    let valid = value.len() <= MAX_EMAIL
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        errors.add(
            "author_email",
            "must be an e-mail address (it is never shown)",
        );
    }
    value.to_string()
}

fn url_field(errors: &mut FieldErrors, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        return String::new();
    }
    checks::web_address(errors, "author_url", value, MAX_URL)
}

fn content_field(errors: &mut FieldErrors, value: &str) -> String {
    let value = value.trim();
    let n = value.chars().count();
    if n == 0 || n > MAX_CONTENT {
        errors.add("content", format!("must be 1 to {MAX_CONTENT} characters"));
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.add("content", "must not hold control characters");
    }
    value.to_string()
}

/// If `s` starts with an `http(s)://` link, the byte length of the link
/// (trailing punctuation left out, as people end sentences after links).
pub(crate) fn link_end(s: &str) -> Option<usize> {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let mut end = s[scheme..]
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
        .map_or(s.len(), |i| scheme + i);
    while end > scheme && s[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', ']']) {
        end -= 1;
    }
    let host = s[scheme..end].split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty() && !host.starts_with('.')).then_some(end)
}

/// How many links `text` holds.
fn links_in(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count()
}

/// Plain text as safe HTML: paragraphs at blank lines, `<br>` at single
/// line breaks, `http(s)` links made links, everything else escaped.
pub fn render(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 16);
    let paragraphs = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    for paragraph in paragraphs {
        out.push_str("<p>");
        for (i, line) in paragraph.lines().map(str::trim).enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            let mut rest = line;
            while !rest.is_empty() {
                let at = ["http://", "https://"]
                    .iter()
                    .filter_map(|p| rest.to_ascii_lowercase().find(p))
                    .min();
                match at.and_then(|at| link_end(&rest[at..]).map(|len| (at, len))) {
                    Some((at, len)) => {
                        escape_html_into(&mut out, &rest[..at]);
                        let link = &rest[at..at + len];
                        out.push_str("<a href=\"");
                        escape_html_into(&mut out, link);
                        out.push_str("\" rel=\"nofollow ugc noopener\">");
                        escape_html_into(&mut out, link);
                        out.push_str("</a>");
                        rest = &rest[at + len..];
                    }
                    None => {
                        // A scheme with no host: plain text up to past it.
                        let skip = at.map_or(rest.len(), |at| at + 7);
                        escape_html_into(&mut out, &rest[..skip]);
                        rest = &rest[skip..];
                    }
                }
            }
        }
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_paragraphs_with_safe_links() {
        assert_eq!(
            render("Hello <b>you</b>\nsecond line\n\nSee https://example.org/a?b=1&c=2."),
            "<p>Hello &lt;b&gt;you&lt;/b&gt;<br>second line</p>\
             <p>See <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">\
             https://example.org/a?b=1&amp;c=2</a>.</p>"
        );
        assert_eq!(
            render("<script>alert(1)</script> javascript:alert(1)"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</p>"
        );
        assert_eq!(render("http:// nothing"), "<p>http:// nothing</p>");
        assert_eq!(render("سلام دنیا\u{200C}ها"), "<p>سلام دنیا\u{200C}ها</p>");
        assert_eq!(render("https://x.org\" onmouseover=\"a"), "<p><a href=\"https://x.org\" rel=\"nofollow ugc noopener\">https://x.org</a>&quot; onmouseover=&quot;a</p>");
    }

    #[test]
    fn links_are_counted_and_checked() {
        assert_eq!(links_in("a http://x.y b HTTPS://z.w www.q.r"), 3);
        assert_eq!(link_end("https://a.b/c."), Some(13));
        assert_eq!(link_end("javascript:alert(1)"), None);
        assert_eq!(link_end("https:///x"), None);
    }

    #[test]
    fn the_same_words_make_the_same_fingerprint() {
        assert_eq!(
            fingerprint(1, "A@b.c", "Hello   World"),
            fingerprint(1, "a@b.c", "hello world")
        );
        assert_ne!(fingerprint(1, "a@b.c", "x"), fingerprint(2, "a@b.c", "x"));
    }
}

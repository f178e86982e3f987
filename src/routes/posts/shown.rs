//! A post as one answer shows it: its view, written as JSON once, and what
//! this answer adds (`fallback_for`, `embedded`, `search_snippet`).
//!
//! A live post's public view and its JSON are kept across answers
//! ([`Parts`]) until a change names what the view shows, so a page built
//! anew (another filter, another page, or one dropped by an unrelated
//! change) joins kept bytes instead of building and writing twenty posts:
//! the miss path of a list costs about what copying it costs.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDateTime;
use serde::Serialize;

use super::embed::PostEmbedded;
use super::{build_views, PostLink, PostResponse};
use crate::caching::{self, Named, Parts};
use crate::db::Conn;
use crate::error::ApiError;
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::posts::{Columns, PostRow};
use crate::routes::pagination::WriteJson;
use crate::routes::AppState;

/// What showing posts takes besides their rows.
#[derive(Clone, Copy)]
pub struct Showing<'a> {
    pub editions: &'a Editions,
    pub state: &'a AppState,
    pub now: NaiveDateTime,
    /// Shown to a reader with a token: with the editors' fields, and
    /// nothing kept.
    pub private: bool,
}

/// A post's view with its JSON, for the revision of the post it shows.
pub struct Kept {
    revision: i32,
    view: PostResponse,
    /// `view` as JSON (never with this answer's additions: they are
    /// `None` in a kept view).
    json: Box<str>,
    /// The surrogate keys `json` names, for a view kept across answers.
    names: Option<BTreeSet<String>>,
    /// The post's neighbours, once a single post's answer has read them
    /// (kept views only). Kept as long as the view: every change that
    /// moves a post's neighbours names the post (`post-N`), which drops
    /// its kept view, and with it these.
    neighbours: OnceLock<Neighbours>,
}

impl Kept {
    fn new(revision: i32, view: PostResponse, kept: bool) -> Kept {
        let json = serde_json::to_string(&view)
            .expect("a post view is JSON")
            .into_boxed_str();
        Kept {
            revision,
            view,
            names: kept.then(|| caching::item_keys("post", json.as_bytes())),
            json,
            neighbours: OnceLock::new(),
        }
    }

    /// About what it holds, in bytes.
    fn size(&self) -> usize {
        let view = &self.view;
        self.json.len() + view.content.len() + view.excerpt.len() + view.title.len() + 4096
    }
}

/// A post as one answer shows it.
pub struct ShownPost {
    kept: Arc<Kept>,
    /// Lists with `lang_fallback`: the edition this post stands in for.
    pub fallback_for: Option<String>,
    /// Whole objects asked for with `include`.
    pub embedded: Option<PostEmbedded>,
    /// Search results: the piece of text around the words searched for.
    pub search_snippet: Option<String>,
    /// Single posts: the live posts before and after it.
    pub neighbours: Option<Neighbours>,
}

/// A post's `previous` and `next`.
#[derive(Debug, Clone)]
pub struct Neighbours {
    pub previous: Option<PostLink>,
    pub next: Option<PostLink>,
}

impl ShownPost {
    fn new(kept: Arc<Kept>) -> ShownPost {
        ShownPost {
            kept,
            fallback_for: None,
            embedded: None,
            search_snippet: None,
            neighbours: None,
        }
    }

    /// The view (without this answer's additions).
    pub fn view(&self) -> &PostResponse {
        &self.kept.view
    }

    /// The revision of the post the view shows.
    pub fn revision(&self) -> i32 {
        self.kept.revision
    }

    /// Gives the post its neighbours: those kept with its view, or those
    /// `read` reads, kept with the view if it is kept across answers.
    pub fn with_neighbours<E>(
        &mut self,
        read: impl FnOnce() -> Result<Neighbours, E>,
    ) -> Result<(), E> {
        let neighbours = match self.kept.neighbours.get() {
            Some(kept) => kept.clone(),
            None => {
                let read = read()?;
                if self.kept.names.is_some() {
                    let _ = self.kept.neighbours.set(read.clone());
                }
                read
            }
        };
        self.neighbours = Some(neighbours);
        Ok(())
    }

    /// What `posts` name as a response (`list`, or one item), when each
    /// knows it: views kept, nothing embedded.
    pub fn named(posts: &[ShownPost], list: bool) -> Option<Named> {
        let mut items = BTreeSet::new();
        for post in posts {
            if post.embedded.is_some() {
                return None;
            }
            items.extend(post.kept.names.as_ref()?.iter().cloned());
            if let Some(n) = &post.neighbours {
                let linked = n.previous.iter().chain(&n.next);
                items.extend(linked.map(|p| format!("post-{}", p.id)));
            }
        }
        Some(Named { list, items })
    }

    /// The post as a [`PostResponse`] of its own (a copy of the view).
    pub fn into_response(self) -> PostResponse {
        let (previous, next) = match self.neighbours {
            Some(n) => (Some(n.previous), Some(n.next)),
            None => (None, None),
        };
        PostResponse {
            fallback_for: self.fallback_for,
            embedded: self.embedded,
            search_snippet: self.search_snippet,
            previous,
            next,
            ..self.kept.view.clone()
        }
    }
}

impl WriteJson for ShownPost {
    /// Appends the post as JSON to `out`: the view's JSON, with this
    /// answer's additions written before its closing brace. For a public
    /// view these are the same bytes serde writes for
    /// [`ShownPost::into_response`] (the additions are its last fields
    /// but the editors' own, which a public view lacks).
    fn write_json(&self, out: &mut Vec<u8>) {
        let json = self.kept.json.as_bytes();
        if self.fallback_for.is_none()
            && self.embedded.is_none()
            && self.search_snippet.is_none()
            && self.neighbours.is_none()
        {
            out.extend_from_slice(json);
            return;
        }
        // The view is an object with fields: it ends with `}`.
        out.extend_from_slice(&json[..json.len() - 1]);
        let mut field = |name: &str, value: &dyn erased::Json| {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            value.write(out);
        };
        if let Some(edition) = &self.fallback_for {
            field("fallback_for", edition);
        }
        if let Some(embedded) = &self.embedded {
            field("embedded", embedded);
        }
        if let Some(snippet) = &self.search_snippet {
            field("search_snippet", snippet);
        }
        if let Some(n) = &self.neighbours {
            field("previous", &n.previous);
            field("next", &n.next);
        }
        out.push(b'}');
    }
}

/// Writing a value as JSON without naming its type (the additions differ).
mod erased {
    pub trait Json {
        fn write(&self, out: &mut Vec<u8>);
    }

    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut Vec<u8>) {
            // Writing to memory fails only for values JSON cannot hold,
            // which these are not.
            let _ = serde_json::to_writer(out, self);
        }
    }
}

/// Through serde (for `fields`, which prunes a JSON tree): the same JSON as
/// [`ShownPost::write_json`].
impl Serialize for ShownPost {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let neighbours = self.neighbours.clone();
        PostResponse {
            fallback_for: self.fallback_for.clone(),
            embedded: self.embedded.clone(),
            search_snippet: self.search_snippet.clone(),
            previous: neighbours.as_ref().map(|n| n.previous.clone()),
            next: neighbours.map(|n| n.next),
            ..self.kept.view.clone()
        }
        .serialize(serializer)
    }
}

/// The posts of `rows` as shown, in the same order. Public views come from
/// `parts` where they are kept there for the row's revision, and are kept
/// there once built; the rest are built in the same few queries whatever
/// their number ([`build_views`]). `heads`: the rows lack their texts
/// (content and excerpt, see [`repo::posts::list`]), so the rows of views
/// not kept are read again whole.
pub fn shown_posts(
    conn: &mut Conn,
    showing: &Showing,
    rows: Vec<PostRow>,
    parts: Option<&Parts>,
    heads: bool,
) -> Result<Vec<ShownPost>, ApiError> {
    let parts = parts.filter(|_| !showing.private);
    let mut shown: Vec<Option<ShownPost>> = rows
        .iter()
        .map(|row| {
            parts
                .and_then(|p| p.get::<Kept>("post", row.id))
                .filter(|kept| kept.revision == row.revision)
                .map(ShownPost::new)
        })
        .collect();
    let mut missing: Vec<PostRow> = rows
        .into_iter()
        .zip(&shown)
        .filter(|(_, shown)| shown.is_none())
        .map(|(row, _)| row)
        .collect();
    if missing.is_empty() {
        return Ok(shown.into_iter().flatten().collect());
    }
    if heads {
        let ids: Vec<i64> = missing.iter().map(|row| row.id).collect();
        let mut whole = repo::posts::by_ids(conn, &ids, Columns::Whole)?
            .into_iter()
            .peekable();
        // A post deleted since the list was read keeps its head (and shows
        // no text) rather than leave a hole in the page.
        for row in &mut missing {
            if whole.peek().is_some_and(|w| w.id == row.id) {
                *row = whole.next().expect("peeked");
            }
        }
    }
    let revisions: Vec<i32> = missing.iter().map(|row| row.revision).collect();
    let mut built = build_views(conn, showing, missing)?
        .into_iter()
        .zip(revisions);
    for slot in shown.iter_mut().filter(|shown| shown.is_none()) {
        let Some((view, revision)) = built.next() else {
            break;
        };
        let keys = parts.map(|_| view_keys(&view));
        let kept = Arc::new(Kept::new(revision, view, parts.is_some()));
        if let (Some(parts), Some(keys)) = (parts, keys) {
            parts.put("post", kept.view.id, kept.clone(), keys, kept.size());
        }
        *slot = Some(ShownPost::new(kept));
    }
    Ok(shown.into_iter().flatten().collect())
}

/// The surrogate keys of what a post's view shows: a change that names
/// one of them changes the view.
fn view_keys(view: &PostResponse) -> BTreeSet<String> {
    let mut keys = BTreeSet::from([format!("post-{}", view.id), "editions".to_string()]);
    keys.extend(view.author.iter().map(|a| format!("author-{}", a.id)));
    keys.extend(view.categories.iter().map(|c| format!("category-{}", c.id)));
    keys.extend(view.tags.iter().map(|t| format!("tag-{}", t.id)));
    keys.extend(
        view.featured_media
            .iter()
            .map(|m| format!("media-{}", m.id)),
    );
    keys.extend(view.gallery.iter().map(|g| format!("media-{}", g.media.id)));
    keys.extend(view.translations.iter().map(|t| format!("post-{}", t.id)));
    keys
}

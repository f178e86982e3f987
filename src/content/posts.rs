//! Posts: create, update, trash, restore and purge, for every path that
//! writes them.
//!
//! Every write runs in one transaction that reads the post, checks the
//! writer's `If-Match` against its revision, and updates it only if the
//! revision is still the one read (compare-and-swap), so no edit silently
//! overwrites another. Every update keeps the version it replaced, and
//! records its public change in the log.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::content::changes::{Resource, Watch};
use crate::content::checks;
use crate::content::error::{FieldError, FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain::access::{may_write_post, Actor};
use crate::domain::content::{self, ContentFormat};
use crate::domain::limits::{MAX_CONTENT, MAX_EXCERPT, MAX_TITLE};
use crate::domain::{self, PostKind, PostStatus};
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::posts::{NewPost as NewPostRow, PostChanges, PostRow};

/// A post to create (its content and excerpt come [`Cleaned`]).
#[derive(Debug, Default)]
pub struct NewPost {
    /// Edition code.
    pub edition: String,
    pub title: String,
    /// `article` when absent.
    pub kind: Option<PostKind>,
    /// Made from the title when absent.
    pub slug: Option<String>,
    /// `draft` when absent.
    pub status: Option<PostStatus>,
    pub published_at: Option<DateTime<Utc>>,
    /// The author's user id: the writer when absent.
    pub author: Option<i64>,
    pub categories: Option<Vec<i64>>,
    pub tags: Option<Vec<i64>>,
    pub featured_media: Option<i64>,
    pub featured: Option<bool>,
    /// Whether readers may comment: open when absent.
    pub comments_open: Option<bool>,
    pub translation_of: Option<i64>,
    pub gallery: Option<Vec<Picture>>,
    /// Fields of the request that could not be read (mistyped, unknown):
    /// reported with the rest, so one answer names every bad field.
    pub invalid: Vec<FieldError>,
}

/// Changes to a post; `None` leaves a field as it is, `Some(None)` clears
/// it (the content and excerpt come [`Cleaned`]).
#[derive(Debug, Default)]
pub struct PostEdit {
    pub title: Option<String>,
    pub kind: Option<PostKind>,
    pub slug: Option<String>,
    pub status: Option<PostStatus>,
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub author: Option<i64>,
    pub categories: Option<Vec<i64>>,
    pub tags: Option<Vec<i64>>,
    pub featured_media: Option<Option<i64>>,
    pub featured: Option<bool>,
    pub comments_open: Option<bool>,
    pub translation_of: Option<Option<i64>>,
    /// Replaces the gallery (`[]` empties it).
    pub gallery: Option<Vec<Picture>>,
    /// As [`NewPost::invalid`].
    pub invalid: Vec<FieldError>,
}

/// A gallery entry: a media item, with this post's caption for it.
#[derive(Debug, Clone)]
pub struct Picture {
    pub media: i64,
    pub caption: Option<String>,
}

pub fn no_such_post() -> WriteError {
    WriteError::NotFound("no such post".into())
}

fn denied(e: domain::access::Denied) -> WriteError {
    WriteError::Forbidden(e.0)
}

/// May `actor` write `post` leaving its status as it is at `now` (an
/// author may not touch their live post if they may not publish)?
pub fn may_keep(actor: Actor, post: &PostRow, now: NaiveDateTime) -> Result<(), WriteError> {
    let status = post.effective_status(now);
    may_write_post(
        actor.role,
        actor.user_id,
        post.author_id,
        Some(status),
        status,
    )
    .map_err(denied)
}

/// The status to store and the publication time, from what was asked:
/// `published` with a future time is stored as `scheduled`, and a
/// `scheduled` time that has already passed is stored as `published`.
fn schedule(
    errors: &mut FieldErrors,
    status: PostStatus,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> (PostStatus, Option<NaiveDateTime>) {
    let live_at = |at: NaiveDateTime| {
        if at > now {
            PostStatus::Scheduled
        } else {
            PostStatus::Published
        }
    };
    match status {
        PostStatus::Published => {
            let at = at.unwrap_or(now);
            (live_at(at), Some(at))
        }
        PostStatus::Scheduled => match at {
            Some(at) => (live_at(at), Some(at)),
            None => {
                errors.add("published_at", "is required to schedule a post");
                (status, None)
            }
        },
        other => (other, at),
    }
}

/// May `actor` change this post at all (whatever the new status)?
/// Posts they may neither see nor edit are a 404.
pub fn may_edit(actor: Actor, post: &PostRow, now: NaiveDateTime) -> Result<(), WriteError> {
    let own = post.author_id == Some(actor.user_id);
    if actor.role.edits_others() || own {
        return Ok(());
    }
    if post.is_live(now) {
        return Err(WriteError::Forbidden(format!(
            "a {} may only change their own posts",
            actor.role
        )));
    }
    Err(no_such_post())
}

/// Checks the references a post makes, all within its edition.
struct References<'a> {
    edition_id: i64,
    editions: &'a Editions,
}

impl References<'_> {
    fn author(&self, conn: &mut Conn, errors: &mut FieldErrors, id: i64) -> Result<(), WriteError> {
        if repo::users::find_user(conn, id)?.is_none() {
            errors.add("author", format!("no user {id}"));
        }
        Ok(())
    }

    fn terms(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        categories: Option<&[i64]>,
        tags: Option<&[i64]>,
    ) -> Result<(), WriteError> {
        let code = self.editions.code(self.edition_id).to_string();
        for (field, ids) in [("categories", categories), ("tags", tags)] {
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = ids.unwrap_or_default().iter().find(|id| !seen.insert(**id)) {
                errors.add(field, format!("lists {twice} more than once"));
            }
        }
        if let Some(ids) = categories {
            let known = repo::categories::slugs_by_ids(conn, ids)?;
            for id in ids {
                match known.iter().find(|(k, _, _)| k == id) {
                    None => errors.add("categories", format!("no category {id}")),
                    Some((_, e, _)) if *e != self.edition_id => errors.add(
                        "categories",
                        format!("category {id} is not in edition {code}"),
                    ),
                    _ => {}
                }
            }
        }
        if let Some(ids) = tags {
            let known = repo::tags::slugs_by_ids(conn, ids)?;
            for id in ids {
                match known.iter().find(|(k, _, _)| k == id) {
                    None => errors.add("tags", format!("no tag {id}")),
                    Some((_, e, _)) if *e != self.edition_id => {
                        errors.add("tags", format!("tag {id} is not in edition {code}"))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn gallery(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        items: Option<&[Picture]>,
    ) -> Result<(), WriteError> {
        let Some(items) = items else {
            return Ok(());
        };
        if items.len() > 200 {
            errors.add("gallery", "holds at most 200 items");
        }
        let ids: Vec<i64> = items.iter().map(|i| i.media).collect();
        let known: Vec<i64> = repo::media::by_ids(conn, &ids)?
            .into_iter()
            .map(|m| m.id)
            .collect();
        for (n, item) in items.iter().enumerate() {
            if !known.contains(&item.media) {
                errors.add(
                    format!("gallery[{n}].media"),
                    format!("no media item {}", item.media),
                );
            }
            if let Some(caption) = &item.caption {
                checks::text(errors, &format!("gallery[{n}].caption"), caption, 0, 2000);
            }
        }
        Ok(())
    }

    fn media(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        id: Option<i64>,
    ) -> Result<(), WriteError> {
        if let Some(id) = id {
            if repo::media::find(conn, id)?.is_none() {
                errors.add("featured_media", format!("no media item {id}"));
            }
        }
        Ok(())
    }
}

/// A post's content and excerpt made clean before any transaction opens,
/// so that no writer waits while another's text is parsed.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// The clean HTML of the content sent, or why it cannot be stored.
    content: Option<Result<String, String>>,
    /// The plain text of the excerpt sent (`Some(None)`: derive it again).
    excerpt: Option<Option<String>>,
}

impl Cleaned {
    /// Cleans the content and excerpt of a write: slow work for long
    /// texts, done before the write's transaction opens (off the async
    /// workers, in a server).
    pub fn of(
        content: Option<String>,
        format: ContentFormat,
        excerpt: Option<Option<String>>,
    ) -> Cleaned {
        Cleaned {
            content: content.map(|text| {
                if text.len() > MAX_CONTENT {
                    return Err(format!("must be at most {} KiB", MAX_CONTENT / 1024));
                }
                content::render(&text, format).map_err(|e| e.to_string())
            }),
            excerpt: excerpt
                .map(|given| given.map(|text| content::plain_text(&content::sanitize_html(&text)))),
        }
    }

    /// The clean content, with its error noted.
    fn content(&mut self, errors: &mut FieldErrors) -> Option<String> {
        match self.content.take()? {
            Ok(html) => Some(html),
            Err(message) => {
                errors.add("content", message);
                Some(String::new())
            }
        }
    }

    /// The excerpt to store: the one sent, within bounds, or one derived
    /// from `html`.
    fn excerpt(&self, errors: &mut FieldErrors, html: &str) -> String {
        match self.excerpt.as_ref().and_then(|e| e.as_deref()) {
            Some(plain) => checks::text(errors, "excerpt", plain, 0, MAX_EXCERPT),
            None => content::excerpt_of(html),
        }
    }
}

/// Whether a status makes a post public at its time.
fn publishes(status: PostStatus) -> bool {
    matches!(status, PostStatus::Published | PostStatus::Scheduled)
}

/// Creates a post; answers its id.
pub fn create(
    conn: &mut Conn,
    actor: Actor,
    req: NewPost,
    cleaned: Cleaned,
) -> Result<i64, WriteError> {
    conn.transaction(|conn| write_new(conn, actor, req, cleaned))
}

fn write_new(
    conn: &mut Conn,
    actor: Actor,
    req: NewPost,
    mut cleaned: Cleaned,
) -> Result<i64, WriteError> {
    let now = domain::now();
    let editions = repo::editions::all(conn)?;
    let mut errors = FieldErrors::default();
    errors.extend(req.invalid.iter().cloned());
    let edition = editions.by_code(&req.edition).map(|e| e.id);
    if edition.is_none() {
        errors.add("edition", format!("no edition `{}`", req.edition));
    }
    let title = checks::name(&mut errors, "title", &req.title, 1, MAX_TITLE);
    let html = cleaned.content(&mut errors).unwrap_or_default();
    let excerpt = cleaned.excerpt(&mut errors, &html);
    let (status, published_at) = schedule(
        &mut errors,
        req.status.unwrap_or(PostStatus::Draft),
        req.published_at.map(|t| t.naive_utc()),
        now,
    );
    let author = req.author.unwrap_or(actor.user_id);
    if author != actor.user_id && !actor.role.edits_others() {
        return Err(WriteError::Forbidden(
            "only editors write posts for other authors".into(),
        ));
    }
    may_write_post(actor.role, actor.user_id, Some(author), None, status).map_err(denied)?;

    let Some(edition_id) = edition else {
        return Err(errors.check().expect_err("the edition error is there"));
    };
    let refs = References {
        edition_id,
        editions: &editions,
    };
    refs.author(conn, &mut errors, author)?;
    refs.terms(
        conn,
        &mut errors,
        req.categories.as_deref(),
        req.tags.as_deref(),
    )?;
    refs.media(conn, &mut errors, req.featured_media)?;
    refs.gallery(conn, &mut errors, req.gallery.as_deref())?;
    let edition = (edition_id, editions.code(edition_id));
    let (slug, group) = checks::new_slug_and_group::<checks::Posts>(
        conn,
        &mut errors,
        actor,
        edition,
        req.slug.as_deref(),
        &title,
        req.translation_of,
    )?;
    errors.check()?;

    let kind = req.kind.unwrap_or(PostKind::Article);
    let watch = Watch::new(conn, Resource::Post)?;
    let id = repo::posts::insert(
        conn,
        &NewPostRow {
            edition_id,
            kind: kind.as_str(),
            slug: &slug,
            title: &title,
            excerpt: &excerpt,
            content: &html,
            status: status.as_str(),
            published_at,
            author_id: Some(author),
            featured_media_id: req.featured_media,
            parent_id: None,
            featured: req.featured.unwrap_or(false),
            comments_open: req.comments_open.unwrap_or(true),
            comment_count: 0,
            translation_group: group.as_deref().unwrap_or_default(),
            created_at: now,
            updated_at: now,
            created_by: Some(actor.user_id),
            updated_by: Some(actor.user_id),
            published_by: publishes(status).then_some(actor.user_id),
        },
        req.categories.as_deref().unwrap_or_default(),
        req.tags.as_deref().unwrap_or_default(),
    )?;
    if let Some(gallery) = &req.gallery {
        set_gallery(conn, id, gallery)?;
    }
    watch.record(conn, id, now)?;
    Ok(id)
}

fn set_gallery(conn: &mut Conn, id: i64, gallery: &[Picture]) -> Result<(), WriteError> {
    let items: Vec<(i64, &str)> = gallery
        .iter()
        .map(|g| (g.media, g.caption.as_deref().map(str::trim).unwrap_or("")))
        .collect();
    Ok(repo::posts::set_gallery(conn, id, &items)?)
}

/// Applies `req` to post `id` if `if_match` allows; keeps the version it
/// replaces.
pub fn update(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    req: PostEdit,
    cleaned: Cleaned,
) -> Result<(), WriteError> {
    conn.transaction(|conn| write_edit(conn, actor, id, if_match, req, cleaned))
}

fn write_edit(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    req: PostEdit,
    mut cleaned: Cleaned,
) -> Result<(), WriteError> {
    let now = domain::now();
    let current = repo::posts::find(conn, id)?.ok_or_else(no_such_post)?;
    may_edit(actor, &current, now)?;
    if current.deleted_at.is_some() {
        return Err(WriteError::Conflict(
            "the post is in the trash; restore it first".into(),
        ));
    }
    // Fields that could not be read make this a 422 whatever the
    // version; the version is checked for a body that can be applied.
    if req.invalid.is_empty() {
        if_match.check(current.revision)?;
    }
    let editions = repo::editions::all(conn)?;
    let mut errors = FieldErrors::default();
    errors.extend(req.invalid.iter().cloned());

    let current_status = current.effective_status(now);
    let (status, published_at) = if req.status.is_some() || req.published_at.is_some() {
        let at = match req.published_at {
            Some(at) => at.map(|t| t.naive_utc()),
            None => current.published_at,
        };
        schedule(&mut errors, req.status.unwrap_or(current_status), at, now)
    } else {
        (current_status, current.published_at)
    };
    if let Some(author) = req.author {
        if Some(author) != current.author_id && !actor.role.edits_others() {
            return Err(WriteError::Forbidden(
                "only editors change a post's author".into(),
            ));
        }
    }
    may_write_post(
        actor.role,
        actor.user_id,
        current.author_id,
        Some(current_status),
        status,
    )
    .map_err(denied)?;

    let title = req
        .title
        .as_deref()
        .map(|t| checks::name(&mut errors, "title", t, 1, MAX_TITLE));
    let html = cleaned.content(&mut errors);
    let excerpt = match &cleaned.excerpt {
        Some(_) => Some(cleaned.excerpt(&mut errors, html.as_deref().unwrap_or(&current.content))),
        // An excerpt derived from the old content follows the new one; one
        // an editor wrote stays.
        None => html
            .as_deref()
            .filter(|_| current.excerpt == content::excerpt_of(&current.content))
            .map(content::excerpt_of),
    };
    let refs = References {
        edition_id: current.edition_id,
        editions: &editions,
    };
    if let Some(author) = req.author {
        refs.author(conn, &mut errors, author)?;
    }
    refs.terms(
        conn,
        &mut errors,
        req.categories.as_deref(),
        req.tags.as_deref(),
    )?;
    if let Some(media) = req.featured_media {
        refs.media(conn, &mut errors, media)?;
    }
    refs.gallery(conn, &mut errors, req.gallery.as_deref())?;
    let edition = (current.edition_id, editions.code(current.edition_id));
    let (slug, group) = checks::edited_slug_and_group::<checks::Posts>(
        conn,
        &mut errors,
        actor,
        edition,
        req.slug.as_deref(),
        req.translation_of,
        id,
    )?;
    errors.check()?;

    let newly_public =
        publishes(status) && !publishes(current.status.parse().unwrap_or(PostStatus::Draft));
    let changes = PostChanges {
        kind: req.kind.map(|k| k.as_str().to_string()),
        slug,
        title,
        excerpt,
        content: html,
        status: Some(status.as_str().to_string()),
        published_at: Some(published_at),
        author_id: req.author.map(Some),
        featured_media_id: req.featured_media,
        featured: req.featured,
        comments_open: req.comments_open,
        translation_group: group,
        deleted_at: None,
        updated_by: Some(Some(actor.user_id)),
        published_by: newly_public.then_some(Some(actor.user_id)),
    };
    // The compare-and-swap comes first: a concurrent writer waits on the
    // row, then finds the revision gone and gets 412 before writing anything.
    let watch = revise(conn, &current, &changes, now, CHANGED)?;
    repo::posts::set_terms(conn, id, req.categories.as_deref(), req.tags.as_deref())?;
    if let Some(gallery) = &req.gallery {
        set_gallery(conn, id, gallery)?;
    }
    watch.record(conn, id, now)?;
    Ok(())
}

/// What a writer who lost the compare-and-swap is told.
pub const CHANGED: &str = "the post changed meanwhile; fetch it again";

/// Applies `changes` to `current` if it is still at its revision (else a
/// 412 saying `stale`), keeping the version it replaces as a revision.
/// Answers the watch to record once the rest of the write is done.
pub fn revise(
    conn: &mut Conn,
    current: &PostRow,
    changes: &PostChanges,
    now: NaiveDateTime,
    stale: &str,
) -> Result<Watch, WriteError> {
    let watch = Watch::existing(conn, Resource::Post, current.id, now)?;
    let (category_ids, tag_ids) = repo::posts::term_ids(conn, current.id)?;
    if !repo::posts::update(conn, current.id, current.revision, changes, now)? {
        return Err(WriteError::Stale(stale.into()));
    }
    repo::revisions::snapshot(conn, current, &category_ids, &tag_ids)?;
    Ok(watch)
}

/// Takes a media item about to be deleted out of the posts that show it
/// (`featured` ones lose their featured media, `galleries` lose the
/// picture, which deleting the item does): each such post must be one
/// `actor` may edit, and keeps its previous version as a revision.
pub fn let_go_of_media(
    conn: &mut Conn,
    actor: Actor,
    featured: &[i64],
    galleries: &[i64],
) -> Result<(), WriteError> {
    let now = domain::now();
    let mut ids: Vec<i64> = featured.iter().chain(galleries).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let current = repo::posts::find(conn, id)?.ok_or_else(no_such_post)?;
        let allowed =
            may_edit(actor, &current, now).is_ok() && may_keep(actor, &current, now).is_ok();
        if !allowed {
            return Err(WriteError::Forbidden(
                "posts you may not change show this item; ask an editor to delete it".into(),
            ));
        }
        let changes = PostChanges {
            featured_media_id: featured.contains(&id).then_some(None),
            updated_by: Some(Some(actor.user_id)),
            ..Default::default()
        };
        let stale = "a post that shows the item changed meanwhile; try again";
        revise(conn, &current, &changes, now, stale)?.record(conn, id, now)?;
    }
    Ok(())
}

/// Moves post `id` into the trash, restorable. A post already there
/// stays as it is.
pub fn trash(conn: &mut Conn, actor: Actor, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| set_trashed(conn, actor, id, if_match, true))
}

/// Takes post `id` out of the trash, in the state it was in; one not in
/// the trash is a conflict.
pub fn restore(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
) -> Result<(), WriteError> {
    conn.transaction(|conn| set_trashed(conn, actor, id, if_match, false))
}

/// Deletes post `id` for good (admins; the caller checks the scope).
pub fn purge(conn: &mut Conn, actor: Actor, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let now = domain::now();
        let current = repo::posts::find(conn, id)?.ok_or_else(no_such_post)?;
        may_edit(actor, &current, now)?;
        if_match.check(current.revision)?;
        let watch = Watch::existing(conn, Resource::Post, id, now)?;
        repo::posts::purge(conn, id)?;
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// Moves post `id` into the trash (`trashed`) or out of it, as its own
/// revision.
fn set_trashed(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    trashed: bool,
) -> Result<(), WriteError> {
    let now = domain::now();
    let current = repo::posts::find(conn, id)?.ok_or_else(no_such_post)?;
    may_edit(actor, &current, now)?;
    if_match.check(current.revision)?;
    match (current.deleted_at.is_some(), trashed) {
        (true, true) => return Ok(()),
        (false, false) => return Err(WriteError::Conflict("the post is not in the trash".into())),
        _ => {}
    }
    may_keep(actor, &current, now)?;
    let changes = PostChanges {
        deleted_at: Some(trashed.then_some(now)),
        updated_by: Some(Some(actor.user_id)),
        ..Default::default()
    };
    let watch = Watch::existing(conn, Resource::Post, id, now)?;
    if !repo::posts::update(conn, id, current.revision, &changes, now)? {
        return Err(WriteError::Stale(CHANGED.into()));
    }
    watch.record(conn, id, now)?;
    Ok(())
}

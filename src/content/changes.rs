//! The change log: what each write changed, as the public sees it.
//!
//! Every write path (the API, the importer, a restore, the CLI, the demo,
//! a scheduled post going live) brackets its write with a [`Watch`]: it
//! notes what the public saw of the resource before, writes, and then
//! [`Watch::record`] compares with what the public sees after and appends
//! one row to the `changes` table, in the same transaction. So a change is
//! in the log exactly when it committed, and the same write leaves the
//! same row whichever path made it.
//!
//! Only changes of public meaning are recorded: a draft saved, a trashed
//! draft, a login or a token used leave no row, so nothing that follows
//! the log (caches, webhooks, CDN purges) is disturbed by them.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::Conn;
use crate::domain::PostStatus;
use crate::repo;
use crate::repo::changes::NewChange;

/// The kinds of resource the log speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Post,
    Category,
    Tag,
    Menu,
    Media,
    Edition,
    /// A user's public profile (`/authors`).
    Author,
    /// A reader's comment on a post.
    Comment,
    /// An edition's site settings (`id` is the edition's).
    Site,
}

impl Resource {
    pub const ALL: [Resource; 9] = [
        Resource::Post,
        Resource::Category,
        Resource::Tag,
        Resource::Menu,
        Resource::Media,
        Resource::Edition,
        Resource::Author,
        Resource::Comment,
        Resource::Site,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Post => "post",
            Resource::Category => "category",
            Resource::Tag => "tag",
            Resource::Menu => "menu",
            Resource::Media => "media",
            Resource::Edition => "edition",
            Resource::Author => "author",
            Resource::Comment => "comment",
            Resource::Site => "site",
        }
    }

    /// The table of its rows (of their ids).
    fn table(self) -> &'static str {
        match self {
            Resource::Post => "posts",
            Resource::Category => "categories",
            Resource::Tag => "tags",
            Resource::Menu => "menus",
            Resource::Media => "media",
            Resource::Edition => "editions",
            Resource::Author => "users",
            Resource::Comment => "comments",
            // Every edition has its settings (set, or taken from the default).
            Resource::Site => "editions",
        }
    }
}

/// What happened to a resource, as the public sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// It appeared (a category, tag, menu, edition, a media item or an
    /// author that became public).
    Created,
    /// A post became live by a write (created live, published, restored
    /// from the trash while live).
    Published,
    /// A post reached its scheduled time: live with no write.
    WentLive,
    /// Something public changed and stays public.
    Updated,
    /// A live post was taken back (made a draft, archived, moved later).
    Unpublished,
    /// A public item went to the trash.
    Trashed,
    /// A public item was deleted, or stopped being public.
    Deleted,
    /// A reader's comment arrived and waits for a moderator: nothing
    /// public changed (the row names no key), but moderators' webhooks
    /// hear of it (`comment.created`).
    Received,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Published => "published",
            Action::WentLive => "went_live",
            Action::Updated => "updated",
            Action::Unpublished => "unpublished",
            Action::Trashed => "trashed",
            Action::Deleted => "deleted",
            Action::Received => "received",
        }
    }
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub resource: Resource,
    pub id: i64,
    pub action: Action,
    /// The edition's code, for resources that have one.
    pub edition: Option<String>,
    pub slug: Option<String>,
    pub translation_group: Option<String>,
    /// The `Surrogate-Key`s of the responses this change makes stale, in
    /// the vocabulary responses carry: the resource's own (`post-12`), the
    /// items it shows or is shown with (`category-3`, `author-2`), and the
    /// collections it is, or was, in (`posts`, `feeds`, `sitemap`).
    /// Purging them purges every response that shows the change.
    pub surrogate_keys: Vec<String>,
}

/// What the public sees of one resource at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    edition: Option<String>,
    slug: Option<String>,
    translation_group: Option<String>,
    /// The public sees it (a live post; a media item in public use; an
    /// author with a live post; any category, tag, menu or edition).
    public: bool,
    trashed: bool,
    /// Keys of the responses that show it: itself, and where it is listed.
    keys: BTreeSet<String>,
    /// Keys of the responses that only count it or show because of it (a
    /// post's categories, tags, author, media): stale when it enters or
    /// leaves them, not when its text changes.
    related: BTreeSet<String>,
    /// The public fields, where a write may change only private ones (a
    /// user's e-mail or password): no change here, no row.
    public_fields: Option<String>,
}

/// A resource being written: what the public saw of it before.
#[derive(Debug)]
#[must_use = "a watch records nothing until `record` is called after the write"]
pub struct Watch {
    resource: Resource,
    before: Option<Seen>,
}

impl Watch {
    /// Before writing resource `id`, which may or may not exist. Call it
    /// before the write locks anything (see [`repo::changes::lock`]).
    pub fn existing(
        conn: &mut Conn,
        resource: Resource,
        id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Watch> {
        repo::changes::lock(conn)?;
        Ok(Watch {
            resource,
            before: seen(conn, resource, id, now)?,
        })
    }

    /// Before creating a resource (its id is known only after).
    pub fn new(conn: &mut Conn, resource: Resource) -> QueryResult<Watch> {
        repo::changes::lock(conn)?;
        Ok(Watch {
            resource,
            before: None,
        })
    }

    /// After writing resource `id`, in the same transaction: appends the
    /// change to the log if the write has public meaning, and answers it.
    pub fn record(
        self,
        conn: &mut Conn,
        id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Option<Change>> {
        let after = seen(conn, self.resource, id, now)?;
        let change = self.change(id, after.as_ref());
        if let Some(change) = &change {
            append(conn, std::slice::from_ref(change), now)?;
        }
        Ok(change)
    }

    /// The change from what was seen before to `after`, if any.
    fn change(&self, id: i64, after: Option<&Seen>) -> Option<Change> {
        let before = self.before.as_ref().filter(|b| b.public);
        let shown = after.filter(|a| a.public);
        let action = match (before, shown) {
            (None, None) => return None,
            (None, Some(_)) if self.resource == Resource::Post => Action::Published,
            (None, Some(_)) => Action::Created,
            (Some(b), Some(a))
                if b.public_fields.is_some() && b.public_fields == a.public_fields =>
            {
                if b.keys == a.keys && b.related == a.related && b.slug == a.slug {
                    return None;
                }
                Action::Updated
            }
            (Some(_), Some(_)) => Action::Updated,
            (Some(_), None) => match after {
                None => Action::Deleted,
                Some(a) if a.trashed => Action::Trashed,
                Some(_) if self.resource == Resource::Post => Action::Unpublished,
                Some(_) => Action::Deleted,
            },
        };
        // Described by the state the public sees now, or saw last.
        let described = shown.or(before).expect("one side is public");
        let mut keys: BTreeSet<String> = before
            .into_iter()
            .chain(shown)
            .flat_map(|s| s.keys.iter().cloned())
            .collect();
        match (before, shown) {
            // Still public: what counts it or shows because of it is stale
            // only where that changed (a category added, the featured
            // image replaced), not for an edit of its text.
            (Some(b), Some(a)) => keys.extend(b.related.symmetric_difference(&a.related).cloned()),
            _ => keys.extend(described.related.iter().cloned()),
        }
        Some(Change {
            resource: self.resource,
            id,
            action,
            edition: described.edition.clone(),
            slug: described.slug.clone(),
            translation_group: described.translation_group.clone(),
            surrogate_keys: keys.into_iter().collect(),
        })
    }
}

/// Runs `write` on resource `id` (`None`: it creates one and answers its
/// id) and records what it changed: [`Watch`] in one call.
pub fn tracking<E: From<diesel::result::Error>>(
    conn: &mut Conn,
    resource: Resource,
    id: Option<i64>,
    write: impl FnOnce(&mut Conn) -> Result<i64, E>,
) -> Result<i64, E> {
    let now = crate::domain::now();
    let watch = match id {
        Some(id) => Watch::existing(conn, resource, id, now)?,
        None => Watch::new(conn, resource)?,
    };
    let id = write(conn)?;
    watch.record(conn, id, now)?;
    Ok(id)
}

/// Appends changes to the log as they are.
pub fn append(conn: &mut Conn, changes: &[Change], now: NaiveDateTime) -> QueryResult<()> {
    let keys: Vec<String> = changes.iter().map(|c| c.surrogate_keys.join(" ")).collect();
    let rows: Vec<NewChange<'_>> = changes
        .iter()
        .zip(&keys)
        .map(|(c, keys)| NewChange {
            resource: c.resource.as_str(),
            resource_id: c.id,
            edition: c.edition.as_deref(),
            action: c.action.as_str(),
            slug: c.slug.as_deref(),
            translation_group: c.translation_group.as_deref(),
            surrogate_keys: keys,
            changed_at: now,
        })
        .collect();
    repo::changes::append(conn, &rows)?;
    if !rows.is_empty() {
        appended().notify_one();
    }
    Ok(())
}

/// Told when this process appends to the log (before the transaction
/// commits, so a follower that finds nothing new yet looks again soon):
/// followers on this instance act at once instead of at their next poll.
pub fn appended() -> &'static tokio::sync::Notify {
    static APPENDED: tokio::sync::Notify = tokio::sync::Notify::const_new();
    &APPENDED
}

/// Records that post `id`, scheduled, has gone live at its time, once the
/// caller has claimed it (see [`crate::content::schedule`]).
pub fn went_live(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<Option<Change>> {
    let watch = Watch::new(conn, Resource::Post)?;
    let Some(mut change) = watch.change(id, seen(conn, Resource::Post, id, now)?.as_ref()) else {
        return Ok(None);
    };
    change.action = Action::WentLive;
    append(conn, std::slice::from_ref(&change), now)?;
    Ok(Some(change))
}

/// The surrogate keys of the responses that posts going live in
/// `(after, until]` make stale: readers see a scheduled post at its time,
/// before the log records it. `None` when more went live than are worth
/// naming one by one (everything is then stale).
pub fn going_live(
    conn: &mut Conn,
    after: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<BTreeSet<String>>> {
    const MOST: i64 = 100;
    let ids = repo::posts::live_between(conn, after, until, MOST + 1)?;
    if ids.len() as i64 > MOST {
        return Ok(None);
    }
    let mut keys = BTreeSet::new();
    for id in ids {
        if let Some(seen) = seen_post(conn, id, until)? {
            keys.extend(seen.keys);
            keys.extend(seen.related);
        }
    }
    Ok(Some(keys))
}

/// Records that comment `id` arrived and is held for moderation.
pub fn received(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let Some(comment) = repo::comments::find(conn, id)? else {
        return Ok(());
    };
    let edition = match repo::posts::find(conn, comment.post_id)? {
        Some(post) => Some(edition_code(conn, post.edition_id)?),
        None => None,
    };
    repo::changes::lock(conn)?;
    let change = Change {
        resource: Resource::Comment,
        id,
        action: Action::Received,
        edition,
        slug: None,
        translation_group: None,
        surrogate_keys: vec![],
    };
    append(conn, std::slice::from_ref(&change), now)
}

/// Records every public resource as new: what a restore into an empty
/// database, or loading the demo, changed. Answers how many rows.
pub fn record_everything(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    let mut recorded = 0;
    for resource in Resource::ALL {
        for id in repo::changes::ids_of(conn, resource.table())? {
            if Watch::new(conn, resource)?.record(conn, id, now)?.is_some() {
                recorded += 1;
            }
        }
    }
    Ok(recorded)
}

/// What the public sees of resource `id` at `now` (`None`: it does not
/// exist).
fn seen(
    conn: &mut Conn,
    resource: Resource,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<Seen>> {
    let mut keys = BTreeSet::new();
    let key = |k: &str, v: &dyn fmt::Display| format!("{k}-{v}");
    let seen = match resource {
        Resource::Post => return seen_post(conn, id, now),
        Resource::Comment => return seen_comment(conn, id, now),
        Resource::Site => return seen_site(conn, id),
        Resource::Category | Resource::Tag | Resource::Menu => {
            let row = match resource {
                Resource::Category => repo::categories::find(conn, id)?
                    .map(|r| (r.edition_id, r.slug, r.translation_group)),
                Resource::Tag => {
                    repo::tags::find(conn, id)?.map(|r| (r.edition_id, r.slug, r.translation_group))
                }
                _ => repo::menus::find(conn, id)?
                    .map(|r| (r.edition_id, r.slug, r.translation_group)),
            };
            let Some((edition_id, slug, group)) = row else {
                return Ok(None);
            };
            let edition = edition_code(conn, edition_id)?;
            let collection = match resource {
                Resource::Category => "categories",
                Resource::Tag => "tags",
                _ => "menus",
            };
            keys.insert(key(resource.as_str(), &id));
            keys.insert(collection.to_string());
            // Its translations show it among theirs.
            let groups = [group.clone()];
            let siblings = match resource {
                Resource::Category => repo::categories::translations(conn, &groups)?,
                Resource::Tag => repo::tags::translations(conn, &groups)?,
                _ => repo::menus::translations(conn, &groups)?,
            };
            keys.extend(siblings.iter().map(|t| key(resource.as_str(), &t.0)));
            if resource != Resource::Menu {
                // Feeds and sitemaps name posts' terms, unkeyed.
                keys.extend(["feeds", "sitemap"].map(String::from));
            }
            // Public while it exists.
            Seen {
                public: true,
                trashed: false,
                edition: Some(edition),
                slug: Some(slug),
                translation_group: Some(group),
                keys,
                related: BTreeSet::new(),
                public_fields: None,
            }
        }
        Resource::Media => {
            let Some(row) = repo::media::find(conn, id)? else {
                return Ok(None);
            };
            let edition = match row.edition_id {
                Some(e) => Some(edition_code(conn, e)?),
                None => None,
            };
            keys.insert(key("media", &id));
            keys.extend(["media", "feeds"].map(String::from));
            Seen {
                public: repo::media::is_public(conn, id, now)?,
                trashed: false,
                edition,
                slug: Some(row.slug),
                translation_group: None,
                keys,
                related: BTreeSet::new(),
                public_fields: None,
            }
        }
        Resource::Edition => {
            let Some(row) = repo::editions::all(conn)?
                .0
                .into_iter()
                .find(|e| e.id == id)
            else {
                return Ok(None);
            };
            // Every response names its edition's code and direction.
            keys.extend(EVERYTHING.map(String::from));
            Seen {
                public: true,
                trashed: false,
                slug: Some(row.code.clone()),
                edition: Some(row.code),
                translation_group: None,
                keys,
                related: BTreeSet::new(),
                public_fields: None,
            }
        }
        Resource::Author => {
            let Some(user) = repo::users::find_user(conn, id)? else {
                return Ok(None);
            };
            let author = repo::users::find_author(conn, id, now)?;
            keys.insert(key("author", &id));
            keys.extend(["authors", "feeds"].map(String::from));
            keys.extend(user.avatar_media_id.map(|m| key("media", &m)));
            Seen {
                public: author.is_some(),
                trashed: false,
                edition: None,
                public_fields: Some(format!(
                    "{}\u{0}{}\u{0}{}\u{0}{:?}",
                    user.slug, user.display_name, user.bio, user.avatar_media_id
                )),
                slug: Some(user.slug),
                translation_group: None,
                keys,
                related: BTreeSet::new(),
            }
        }
    };
    Ok(Some(seen))
}

/// The collections of every response: what an edition's change purges.
const EVERYTHING: [&str; 10] = [
    "editions",
    "site",
    "posts",
    "categories",
    "tags",
    "menus",
    "media",
    "authors",
    "feeds",
    "sitemap",
];

/// What the public sees of post `id` at `now`.
fn seen_post(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<Option<Seen>> {
    let mut keys = BTreeSet::new();
    let key = |k: &str, v: &dyn fmt::Display| format!("{k}-{v}");
    let Some(post) = repo::posts::find(conn, id)? else {
        return Ok(None);
    };
    let edition = edition_code(conn, post.edition_id)?;
    let (categories, tags) = repo::posts::term_ids(conn, id)?;
    // Its translations show it among theirs: `post-<id>` purges those
    // that show it already, their own keys those that will from now on.
    keys.insert(key("post", &id));
    let group = [post.translation_group.clone()];
    for sibling in repo::posts::live_translations(conn, &group, now)? {
        keys.insert(key("post", &sibling.0));
    }
    keys.extend(["posts", "feeds", "sitemap"].map(String::from));
    // Its neighbours by publication time name it as their `previous` or
    // `next` (seen before and after a write, both the old and the new
    // ones are named).
    if let (true, Some(at)) = (post.is_live(now), post.published_at) {
        let (older, newer) =
            repo::posts::neighbours(conn, post.edition_id, &post.kind, (at, id), now)?;
        keys.extend(older.into_iter().chain(newer).map(|n| key("post", &n.0)));
    }
    // Authors, categories and tags count their live posts (`author-2-posts`
    // names the responses that show author 2's count, not every post that
    // names the author); media items are public while a live post shows
    // them.
    let mut related = BTreeSet::new();
    if let Some(author) = post.author_id {
        related.insert(key("author", &author) + "-posts");
        related.insert("authors".to_string());
    }
    related.extend(categories.iter().map(|c| key("category", c) + "-posts"));
    related.extend(tags.iter().map(|t| key("tag", t) + "-posts"));
    related.extend(post.featured_media_id.map(|m| key("media", &m)));
    let gallery = repo::posts::galleries_of(conn, &[id])?;
    related.extend(gallery.iter().map(|(_, _, m, _)| key("media", m)));
    if post.featured_media_id.is_some() || !gallery.is_empty() {
        related.insert("media".to_string());
    }
    let public_fields = format!(
        "{:?}",
        (
            (&post.kind, &post.title, &post.excerpt, &post.content),
            (post.published_at, post.author_id, post.featured_media_id),
            (
                post.parent_id,
                post.featured,
                post.comment_count,
                post.comments_open
            ),
            (&categories, &tags, &gallery),
        )
    );
    Ok(Some(Seen {
        // Live, and known to be: a scheduled post whose time has
        // come is live to readers at once, but in the log only
        // once it is claimed (`went_live`), or a write publishes it.
        public: post.is_live(now) && post.status == PostStatus::Published.as_str(),
        trashed: post.deleted_at.is_some(),
        edition: Some(edition),
        slug: Some(post.slug),
        translation_group: Some(post.translation_group),
        keys,
        related,
        public_fields: Some(public_fields),
    }))
}

/// What the public sees of comment `id` at `now`: an approved comment on
/// a live post, shown in its post's thread (`post-<id>-comments`) and
/// counted in its `comment_count` (`post-<id>`, and lists ordered by the
/// count, `comment-counts`).
fn seen_comment(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<Option<Seen>> {
    let Some(comment) = repo::comments::find(conn, id)? else {
        return Ok(None);
    };
    let Some(post) = repo::posts::find(conn, comment.post_id)? else {
        return Ok(None);
    };
    let post_live = post.is_live(now) && post.status == PostStatus::Published.as_str();
    let keys = BTreeSet::from([
        format!("comment-{id}"),
        format!("post-{}-comments", post.id),
    ]);
    let related = BTreeSet::from([format!("post-{}", post.id), "comment-counts".to_string()]);
    Ok(Some(Seen {
        public: post_live && comment.status == "approved",
        trashed: comment.status == "trash",
        edition: Some(edition_code(conn, post.edition_id)?),
        slug: None,
        translation_group: None,
        keys,
        related,
        public_fields: Some(format!(
            "{}\u{0}{}\u{0}{}\u{0}{:?}",
            comment.author_name, comment.author_url, comment.content, comment.parent_id
        )),
    }))
}

/// What the public sees of edition `id`'s site settings: every edition
/// has them (unset values fall back to the default edition's, so every
/// `/site` answer may show them: `site`), with the pictures they name.
fn seen_site(conn: &mut Conn, id: i64) -> QueryResult<Option<Seen>> {
    let editions = repo::editions::all(conn)?;
    let Some(edition) = editions.0.iter().find(|e| e.id == id) else {
        return Ok(None);
    };
    let row = repo::site::of_editions(conn, &[id])?.pop();
    let mut related = BTreeSet::new();
    let pictures = row.iter().flat_map(|r| [r.logo_media_id, r.icon_media_id]);
    for media in pictures.flatten() {
        related.insert(format!("media-{media}"));
        related.insert("media".to_string());
    }
    Ok(Some(Seen {
        public: true,
        trashed: false,
        edition: Some(edition.code.clone()),
        slug: None,
        translation_group: None,
        keys: BTreeSet::from(["site".to_string()]),
        related,
        public_fields: Some(format!(
            "{:?}",
            row.map(|r| repo::site::SiteRow {
                updated_at: Default::default(),
                ..r
            })
        )),
    }))
}

fn edition_code(conn: &mut Conn, edition_id: i64) -> QueryResult<String> {
    Ok(repo::editions::all(conn)?.code(edition_id).to_string())
}

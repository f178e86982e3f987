//! `nashr import wordpress`: a WordPress export (WXR) into an edition.
//!
//! The file is read twice, as a stream both times: once to check it is
//! whole and well-formed and to count its items (a truncated or broken
//! file imports nothing), then to write it. Writing goes in batches, one
//! transaction each; every record in a batch has a savepoint of its own,
//! so one bad record is reported and skipped and the rest go in.
//!
//! Every thing written is recorded in `import_sources` with the WordPress
//! id it came from and a fingerprint of the record: importing the same
//! file again finds every fingerprint unchanged and writes nothing; a
//! later export of the same site updates what changed (a post's replaced
//! version is kept as a revision, as for any edit).
//!
//! What maps to what:
//!
//! | WordPress | Nashr |
//! | --- | --- |
//! | author | user with role author and no password (an admin sets one); an existing user of the same name is used |
//! | category (with parent, description) | category in the edition; an existing one with the same slug is taken over |
//! | tag | tag |
//! | post, page | article, page: title, slug (decoded), excerpt, content (block comments stripped, paragraphs made as WordPress shows them, cleaned like all content), dates (GMT), author, categories, tags, sticky → featured, `_thumbnail_id` → featured media, `comment_status` → `comments_open`, page parent |
//! | comment, pingback, trackback (approved or held; not spam or trash) | comment with its thread, date, author, e-mail and address; `comment_count` counts the approved ones |
//! | status | publish → published, future → scheduled, draft/pending/auto-draft → draft, private → archived, trash → in the trash |
//! | post format | a category named after it (`video`, `gallery`, ...); a gallery post's attached images become its gallery |
//! | attachment | media item: the file from `--media-dir` (a copy of `wp-content/uploads`) processed as an upload, else a remote item with its original URL |
//! | nav_menu + nav_menu_item, wp_navigation (block themes) | menu with nested items to posts, pages, categories, tags or URLs |
//! | Polylang `language`, `post_translations` | the edition of each post, and its translations |
//!
//! Every old address (permalink, `?p=`, `?page_id=`, `/category/...`,
//! `/tag/...`, `/author/...`, attachment pages and files) is recorded as a
//! redirect to the new place.

mod navigation;
pub mod values;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDateTime;
use xxhash_rust::xxh3::xxh3_128;

use crate::content::changes::{Resource, Watch};
use crate::content::comments::{self, CommentStatus, Imported as ImportedComment};
use crate::content::editions::{Naming, NewEdition};
use crate::content::users::{self, NewAccount};
use crate::db::Conn;
use crate::domain::limits::{MAX_CONTENT, MAX_EXCERPT, MAX_NAME, MAX_TITLE};
use crate::domain::{self, content, slug, MediaKind, PostKind, PostStatus, Role};
use crate::import::redirects::{old_address, Target};
use crate::import::wxr::{self, Author, Item, Record, Term, WxrError, WxrReader};
use crate::media::detect;
use crate::media::upload::{self, Incoming, Processed};
use crate::repo;
use crate::repo::categories::{CategoryChanges, NewCategory};
use crate::repo::editions::Editions;
use crate::repo::imports::{Imported, Source};
use crate::repo::media::{Described, MediaChanges};
use crate::repo::menus::{MenuChanges, NewMenu, NewMenuItem};
use crate::repo::posts::{NewPost, PostChanges};
use crate::repo::tags::{NewTag, TagChanges};

/// Records written per transaction.
const BATCH: usize = 200;

/// How an import runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The edition (code) of everything without a Polylang language.
    pub edition: String,
    /// A copy of `wp-content/uploads` to take attachments' files from.
    pub media_dir: Option<PathBuf>,
    /// Do everything, then roll it all back; no file is stored.
    pub dry_run: bool,
    /// Largest picture taken, in pixels.
    pub max_pixels: u64,
    /// Names and direction of `edition` if it does not exist yet (it is
    /// then made, from the language table where these leave gaps).
    pub naming: Naming,
}

/// What happened to the records of one kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
}

/// A record that could not be taken (or was taken only in part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: String,
    /// Its WordPress id.
    pub id: i64,
    pub title: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// By kind: `author`, `category`, `tag`, `post`, `page`, `media`,
    /// `menu`, `menu item`, and `other` for post types not imported.
    pub counts: BTreeMap<&'static str, Counts>,
    pub problems: Vec<Problem>,
    /// Attachments recorded with their original URL (no file was found).
    pub remote_media: Vec<String>,
    /// Old addresses now recorded as redirects.
    pub redirects: usize,
    /// The editions written to.
    pub edition_ids: Vec<i64>,
    /// The edition made for the import, if it did not exist:
    /// `fa (Persian, فارسی, rtl)`.
    pub created_edition: Option<String>,
    pub dry_run: bool,
}

impl Report {
    /// How many records were created, of every kind.
    pub fn created(&self) -> usize {
        self.counts.values().map(|c| c.created).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}")]
    Wxr(#[from] WxrError),
    #[error("cannot make edition `{0}`: {1}")]
    NoEdition(String, String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

/// Why one record was not taken.
#[derive(Debug)]
enum Skip {
    Reason(String),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Skip {
    fn from(e: diesel::result::Error) -> Self {
        Skip::Db(e)
    }
}

/// What a record became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Stores a processed upload's files; given by the caller, which knows
/// the media store.
pub type StoreFiles<'a> = dyn Fn(&Processed) -> Result<(), String> + 'a;

/// Checks `path` is a whole, well-formed export; answers how many items
/// (posts, pages, attachments, menu items, ...) it holds.
pub fn check(path: &Path) -> Result<u64, ImportError> {
    Ok(survey(path)?.0)
}

/// Reads the whole export at `path`: how many items it holds, and the
/// language it says the site is in (`en-US`), if it says.
fn survey(path: &Path) -> Result<(u64, Option<String>), ImportError> {
    let mut items = 0;
    let mut language = None;
    for record in WxrReader::new(open(path)?) {
        match record? {
            Record::Item(_) => items += 1,
            Record::Site { field, value } if field == "language" => language = Some(value),
            _ => {}
        }
    }
    Ok((items, language))
}

/// The id of edition `options.edition`, made first if it does not exist
/// (named from `options.naming`, the language table and the export's
/// `language`).
fn edition_for(
    conn: &mut Conn,
    options: &Options,
    language: Option<&str>,
    report: &mut Report,
) -> Result<i64, ImportError> {
    if let Some(e) = repo::editions::all(conn)?.by_code(&options.edition) {
        return Ok(e.id);
    }
    let new = NewEdition::of_language(&options.edition, &options.naming, language);
    let made = format!(
        "{} ({}, {}, {})",
        new.code,
        new.name,
        new.native_name,
        new.direction.as_str()
    );
    let code = crate::content::editions::create(conn, new)
        .map_err(|e| ImportError::NoEdition(options.edition.clone(), e.summary()))?;
    report.created_edition = Some(made);
    let editions = repo::editions::all(conn)?;
    Ok(editions.by_code(&code).map(|e| e.id).unwrap_or_default())
}

fn open(path: &Path) -> Result<BufReader<File>, ImportError> {
    File::open(path)
        .map(|f| BufReader::with_capacity(256 * 1024, f))
        .map_err(|error| ImportError::Io {
            path: path.display().to_string(),
            error,
        })
}

/// Imports the export at `path`; `progress` hears how many items of
/// `total` are done.
pub fn import(
    conn: &mut Conn,
    path: &Path,
    options: &Options,
    store: &StoreFiles<'_>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, ImportError> {
    let (total, language) = survey(path)?;
    let mut run = Run {
        options,
        store,
        editions: repo::editions::all(conn)?,
        edition: 0,
        now: domain::now(),
        source: String::new(),
        blog_path: String::new(),
        site_name: None,
        site_tagline: None,
        report: Report {
            dry_run: options.dry_run,
            ..Report::default()
        },
        users: HashMap::new(),
        terms: Vec::new(),
        term_defs: HashMap::new(),
        term_ids: HashMap::new(),
        seen_terms: HashSet::new(),
        terms_done: false,
        menus: Vec::new(),
        menu_items: Vec::new(),
        thumbnails: Vec::new(),
        parents: Vec::new(),
        attachments: Vec::new(),
        galleries: Vec::new(),
        redirected: HashSet::new(),
    };
    let records = WxrReader::new(open(path)?);
    let work = |conn: &mut Conn| -> Result<(), ImportError> {
        run.edition = conn
            .transaction(|conn| edition_for(conn, options, language.as_deref(), &mut run.report))?;
        run.editions = repo::editions::all(conn)?;
        let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
        let mut done = 0;
        let mut batches: u64 = 0;
        for record in records {
            let record = record?;
            if let Record::Item(_) = record {
                done += 1;
            }
            batch.push(record);
            if batch.len() == BATCH {
                conn.transaction(|conn| run.batch(conn, std::mem::take(&mut batch)))?;
                // Statistics that follow the tables' growth, when they grow
                // (a dry run reads them inside its transaction, which is fine).
                if run.report.created() > 0 {
                    batches += 1;
                    if batches.is_power_of_two() {
                        conn.analyze()?;
                    }
                }
                progress(done, total);
            }
        }
        conn.transaction(|conn| {
            run.batch(conn, std::mem::take(&mut batch))?;
            run.finish(conn)
        })?;
        progress(done, total);
        Ok(())
    };
    if options.dry_run {
        let rolled_back = conn.transaction(|conn| -> Result<(), DryRun> {
            work(conn).map_err(DryRun::Failed)?;
            Err(DryRun::Done)
        });
        match rolled_back {
            Err(DryRun::Failed(e)) => return Err(e),
            Err(DryRun::Db(e)) => return Err(e.into()),
            Ok(()) | Err(DryRun::Done) => {}
        }
    } else {
        work(conn)?;
    }
    run.report.edition_ids.sort_unstable();
    run.report.edition_ids.dedup();
    Ok(run.report)
}

/// A post item's categories and tags, its post format (`video`, ...)
/// and translation group.
struct PostTerms {
    category_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    format: Option<String>,
    group: Option<String>,
}

/// A post item's status and text, cleaned.
struct PostText {
    status: PostStatus,
    trashed: bool,
    html: String,
    title: String,
    excerpt: String,
    /// The exported slug, decoded.
    decoded: String,
}

/// A term as the export describes it, ready to write.
#[derive(Clone, Copy)]
struct TermValues<'a> {
    edition: i64,
    is_category: bool,
    wanted: &'a str,
    title: &'a str,
    description: &'a str,
    parent: Option<i64>,
}

/// How a dry run's transaction ends.
enum DryRun {
    Done,
    Failed(ImportError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for DryRun {
    fn from(e: diesel::result::Error) -> Self {
        DryRun::Db(e)
    }
}

/// A menu item, kept until every post is in.
#[derive(Debug, Clone, Hash)]
struct MenuEntry {
    id: i64,
    menu: String,
    parent: i64,
    order: i64,
    label: String,
    /// `_menu_item_type`: `post_type`, `taxonomy`, `custom`, ...
    kind: String,
    /// `_menu_item_object`: `page`, `post`, `category`, `post_tag`, `custom`.
    object: String,
    object_id: i64,
    url: String,
}

/// Where a menu item leads, and the label it has when WordPress gives
/// none (the target's own).
#[derive(Debug, Clone, Hash)]
struct MenuTarget {
    kind: &'static str,
    category: Option<i64>,
    tag: Option<i64>,
    post: Option<i64>,
    url: Option<String>,
    label: String,
}

impl MenuTarget {
    fn to(kind: &'static str, label: String) -> MenuTarget {
        MenuTarget {
            kind,
            category: None,
            tag: None,
            post: None,
            url: None,
            label,
        }
    }

    fn post(self, id: i64) -> MenuTarget {
        MenuTarget {
            post: Some(id),
            ..self
        }
    }
}

/// A reference kept until what it names may have been imported:
/// (Nashr post, WordPress id it names, edition).
type Pending = (i64, i64, i64);

struct Run<'a> {
    options: &'a Options,
    store: &'a StoreFiles<'a>,
    editions: Editions,
    /// The edition of records without a language.
    edition: i64,
    now: NaiveDateTime,
    /// The site's base URL: what import records are keyed by.
    source: String,
    /// The path of the site's base URL (`/demo`), or empty.
    blog_path: String,
    /// The site's title and tagline, for the edition's site settings.
    site_name: Option<String>,
    site_tagline: Option<String>,
    report: Report,
    /// Author login → user id.
    users: HashMap<String, i64>,
    /// Terms, kept until the first item: parents may come after children.
    terms: Vec<Term>,
    /// (taxonomy, slug) → term.
    term_defs: HashMap<(String, String), Term>,
    /// (edition, taxonomy, slug) → category or tag id.
    term_ids: HashMap<(i64, String, String), i64>,
    /// Term ids seen, as WordPress lists categories and tags twice.
    seen_terms: HashSet<i64>,
    terms_done: bool,
    menus: Vec<Term>,
    menu_items: Vec<MenuEntry>,
    thumbnails: Vec<Pending>,
    parents: Vec<Pending>,
    /// (attachment, its parent post, its order), all WordPress ids.
    attachments: Vec<(i64, i64, i64)>,
    /// Gallery posts: (Nashr post, WordPress post, edition).
    galleries: Vec<Pending>,
    /// Old addresses recorded as redirects, by edition.
    redirected: HashSet<(Option<i64>, String)>,
}

fn fingerprint(parts: impl std::fmt::Debug) -> String {
    format!("{:032x}", xxh3_128(format!("{parts:?}").as_bytes()))
}

/// The key of something the export names only by its slug (a term items
/// use but the file does not list): negative, so it never meets a
/// WordPress id.
fn slug_key(slug: &str) -> i64 {
    -((xxh3_128(slug.as_bytes()) as i64) & i64::MAX) - 1
}

/// Plain text of at most `max` characters.
fn plain(html: &str, max: usize) -> String {
    let text = content::plain_text(&content::sanitize_html(html));
    text.trim().chars().take(max).collect()
}

impl Run<'_> {
    fn count(&mut self, kind: &'static str, outcome: Result<Outcome, ()>) {
        let c = self.report.counts.entry(kind).or_default();
        match outcome {
            Ok(Outcome::Created) => c.created += 1,
            Ok(Outcome::Updated) => c.updated += 1,
            Ok(Outcome::Unchanged) => c.unchanged += 1,
            Err(()) => c.skipped += 1,
        }
    }

    fn problem(&mut self, kind: &str, id: i64, title: &str, reason: String) {
        self.report.problems.push(Problem {
            kind: kind.to_string(),
            id,
            title: title.to_string(),
            reason,
        });
    }

    fn source<'s>(&'s self, kind: &'s str, source_id: i64, edition_id: i64) -> Source<'s> {
        Source {
            source: &self.source,
            kind,
            source_id,
            edition_id,
        }
    }

    /// Runs `f` in a savepoint; a failure is reported against the record.
    fn each<T>(
        &mut self,
        conn: &mut Conn,
        kind: &'static str,
        (id, title): (i64, &str),
        f: impl FnOnce(&mut Self, &mut Conn) -> Result<T, Skip>,
    ) -> Option<T> {
        match conn.transaction(|conn| f(self, conn)) {
            Ok(value) => Some(value),
            Err(skip) => {
                // What the record made is rolled back: forget it.
                self.term_ids.clear();
                let reason = match skip {
                    Skip::Reason(r) => r,
                    Skip::Db(e) => format!("database: {e}"),
                };
                self.count(kind, Err(()));
                self.problem(kind, id, title, reason);
                None
            }
        }
    }

    fn batch(&mut self, conn: &mut Conn, records: Vec<Record>) -> Result<(), ImportError> {
        for record in records {
            match record {
                Record::Site { field, value } => self.site(&field, &value),
                Record::Author(a) => {
                    let label = a.login.clone();
                    if let Some(outcome) =
                        self.each(conn, "author", (a.id, &label), |run, c| run.author(c, &a))
                    {
                        self.count("author", Ok(outcome));
                    }
                }
                Record::Term(t) => {
                    if self.seen_terms.insert(t.id) {
                        self.terms.push(t);
                    }
                }
                Record::Item(item) => {
                    self.flush_terms(conn);
                    self.item(conn, *item);
                }
            }
        }
        Ok(())
    }

    fn site(&mut self, field: &str, value: &str) {
        let text = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match field {
            "title" if self.site_name.is_none() => self.site_name = text,
            "description" if self.site_tagline.is_none() => self.site_tagline = text,
            _ => {}
        }
        let value = value.trim_end_matches('/');
        match field {
            "wp:base_blog_url" => self.source = value.to_string(),
            "wp:base_site_url" | "link" if self.source.is_empty() => {
                self.source = value.to_string()
            }
            _ => return,
        }
        self.blog_path = old_address(&self.source)
            .filter(|p| p != "/")
            .unwrap_or_default();
    }

    fn author(&mut self, conn: &mut Conn, a: &Author) -> Result<Outcome, Skip> {
        let username = username_of(&a.login);
        if let Some(user) = repo::users::find_by_username(conn, &username)? {
            self.users.insert(a.login.clone(), user.id);
            return Ok(Outcome::Unchanged);
        }
        let display = a.display_name.trim();
        let account = NewAccount {
            username: username.clone(),
            password: None,
            role: Role::Author,
            display_name: Some(
                if display.is_empty() {
                    &username
                } else {
                    display
                }
                .into(),
            ),
            email: Some(a.email.trim().to_string()).filter(|e| users::check_email(e).is_none()),
            bio: None,
        };
        let id = users::create(conn, &account).map_err(|e| Skip::Reason(e.summary()))?;
        let path = format!("{}/author/{}", self.blog_path, a.login);
        self.redirect(conn, &[path], None, Target::Author(id))?;
        self.users.insert(a.login.clone(), id);
        Ok(Outcome::Created)
    }

    /// Writes the terms read so far (once, before the first item).
    fn flush_terms(&mut self, conn: &mut Conn) {
        if self.terms_done {
            return;
        }
        self.terms_done = true;
        let terms = std::mem::take(&mut self.terms);
        for t in &terms {
            self.term_defs
                .insert((t.taxonomy.clone(), t.slug.clone()), t.clone());
        }
        for t in terms {
            let kind = match t.taxonomy.as_str() {
                "category" => "category",
                "post_tag" => "tag",
                "nav_menu" => {
                    self.menus.push(t);
                    continue;
                }
                _ => continue,
            };
            let edition = self.edition;
            if self
                .term_ids
                .contains_key(&(edition, t.taxonomy.clone(), t.slug.clone()))
            {
                continue; // made already, as another's parent
            }
            let label = t.name.clone();
            // Counted by `term`, once each, whatever happened to it.
            self.each(conn, kind, (t.id, &label), |run, c| {
                run.term(c, edition, &t.taxonomy, &t.slug, &t.name)
            });
        }
    }

    /// The category or tag for a term in an edition, made or brought up to
    /// date as needed. Post formats become categories named after them.
    fn term(
        &mut self,
        conn: &mut Conn,
        edition: i64,
        taxonomy: &str,
        exported_slug: &str,
        name: &str,
    ) -> Result<(i64, Outcome), Skip> {
        let memo = (edition, taxonomy.to_string(), exported_slug.to_string());
        if let Some(&id) = self.term_ids.get(&memo) {
            return Ok((id, Outcome::Unchanged));
        }
        let def = self
            .term_defs
            .get(&(taxonomy.to_string(), exported_slug.to_string()))
            .cloned()
            .unwrap_or_else(|| Term {
                id: 0,
                taxonomy: taxonomy.into(),
                slug: exported_slug.into(),
                name: name.into(),
                ..Term::default()
            });
        let is_category = taxonomy != "post_tag";
        let kind = match taxonomy {
            "post_tag" => "tag",
            "post_format" => "format",
            _ => "category",
        };
        let decoded = values::slug(exported_slug);
        let wanted = match taxonomy {
            "post_format" => decoded.trim_start_matches("post-format-").to_string(),
            _ => decoded,
        };
        let wanted = slug::slugify(&wanted)
            .or_else(|| slug::slugify(&def.name))
            .unwrap_or_else(|| kind.to_string());
        let title = if def.name.trim().is_empty() {
            wanted.clone()
        } else {
            plain(&def.name, MAX_NAME)
        };
        let description = content::sanitize_html(&def.description);
        let parent = match def.parent.as_str() {
            "" => None,
            p if taxonomy == "category" && !self.ancestors(&def).contains(&def.slug) => {
                Some(self.term(conn, edition, taxonomy, p, p)?.0)
            }
            _ => None,
        };
        let print = fingerprint((&def, parent));
        let source_id = if def.id > 0 {
            def.id
        } else {
            slug_key(exported_slug) // a term only named by items
        };
        let known = repo::imports::find(conn, &self.source(kind, source_id, edition))?;
        let existing = match &known {
            Some(k) if is_category => {
                repo::categories::find(conn, k.target_id)?.map(|c| (c.id, c.revision))
            }
            Some(k) => repo::tags::find(conn, k.target_id)?.map(|t| (t.id, t.revision)),
            None if is_category => {
                repo::categories::find_by_slug(conn, edition, &wanted)?.map(|c| (c.id, c.revision))
            }
            None => repo::tags::find_by_slug(conn, edition, &wanted)?.map(|t| (t.id, t.revision)),
        };
        let (id, outcome) = match existing {
            Some((id, _)) if known.as_ref().is_some_and(|k| k.fingerprint == print) => {
                (id, Outcome::Unchanged)
            }
            _ => {
                let values = TermValues {
                    edition,
                    is_category,
                    wanted: &wanted,
                    title: &title,
                    description: &description,
                    parent,
                };
                self.store_term(conn, existing, &values)?
            }
        };
        if outcome != Outcome::Unchanged {
            let imported = Imported {
                target_id: id,
                fingerprint: print,
            };
            repo::imports::record(
                conn,
                &self.source(kind, source_id, edition),
                "",
                &imported,
                self.now,
            )?;
            let (path, query, target) = match taxonomy {
                "post_tag" => (
                    format!("/tag/{exported_slug}"),
                    format!("/?tag={exported_slug}"),
                    Target::Tag(id),
                ),
                "category" => (
                    format!("/category/{}", self.category_path(&def)),
                    format!("/?cat={}", def.id),
                    Target::Category(id),
                ),
                _ => (
                    format!("/type/{}", wanted),
                    format!("/?post_format={}", wanted),
                    Target::Category(id),
                ),
            };
            let olds = [path, query].map(|old| format!("{}{old}", self.blog_path));
            self.redirect(conn, &olds, Some(edition), target)?;
        }
        self.term_ids.insert(memo, id);
        self.report.edition_ids.push(edition);
        // Every term once per run (the memo above answers the rest), post
        // formats and terms only items name included, so that a second
        // run counts as unchanged what the first created.
        self.count(if is_category { "category" } else { "tag" }, Ok(outcome));
        Ok((id, outcome))
    }

    /// Writes a term the export has and the database lacks or has
    /// otherwise (`existing`: its id and revision there).
    fn store_term(
        &mut self,
        conn: &mut Conn,
        existing: Option<(i64, i32)>,
        values: &TermValues<'_>,
    ) -> Result<(i64, Outcome), Skip> {
        let TermValues {
            edition,
            is_category,
            wanted,
            title,
            description,
            parent,
        } = *values;
        let resource = if is_category {
            Resource::Category
        } else {
            Resource::Tag
        };
        Ok(match existing {
            Some((id, revision)) => {
                // Taken over or changed in WordPress: WordPress's names win;
                // the slug stays, as addresses may point at it.
                let watch = Watch::existing(conn, resource, id, self.now)?;
                if is_category {
                    repo::categories::update(
                        conn,
                        id,
                        revision,
                        &CategoryChanges {
                            parent_id: Some(parent.filter(|&p| p != id)),
                            name: Some(title.to_string()),
                            description: Some(description.to_string()),
                            ..Default::default()
                        },
                        self.now,
                    )?;
                } else {
                    repo::tags::update(
                        conn,
                        id,
                        revision,
                        &TagChanges {
                            name: Some(title.to_string()),
                            description: Some(description.to_string()),
                            ..Default::default()
                        },
                        self.now,
                    )?;
                }
                watch.record(conn, id, self.now)?;
                (id, Outcome::Updated)
            }
            None => {
                let slug = if is_category {
                    unique_slug(
                        conn,
                        wanted.to_string(),
                        None,
                        |c, w| Ok(repo::categories::find_by_slug(c, edition, w)?.is_some()),
                        |c, w| repo::categories::slugs_like(c, edition, w),
                    )?
                } else {
                    unique_slug(
                        conn,
                        wanted.to_string(),
                        None,
                        |c, w| Ok(repo::tags::find_by_slug(c, edition, w)?.is_some()),
                        |c, w| repo::tags::slugs_like(c, edition, w),
                    )?
                };
                let group = repo::new_translation_group();
                let watch = Watch::new(conn, resource)?;
                let id = if is_category {
                    repo::categories::insert(
                        conn,
                        &NewCategory {
                            edition_id: edition,
                            parent_id: parent,
                            slug: &slug,
                            name: title,
                            description,
                            position: 0,
                            translation_group: &group,
                            created_at: self.now,
                            updated_at: self.now,
                            created_by: None,
                            updated_by: None,
                        },
                    )?
                } else {
                    repo::tags::insert(
                        conn,
                        &NewTag {
                            edition_id: edition,
                            slug: &slug,
                            name: title,
                            description,
                            translation_group: &group,
                            created_at: self.now,
                            updated_at: self.now,
                            created_by: None,
                            updated_by: None,
                        },
                    )?
                };
                watch.record(conn, id, self.now)?;
                (id, Outcome::Created)
            }
        })
    }

    /// The slugs of a category's parents, nearest first, as the export
    /// names them; a parent that comes round again ends the walk (a
    /// hostile file may loop), and so do 32 levels.
    fn ancestors(&self, def: &Term) -> Vec<String> {
        let mut up: Vec<String> = Vec::new();
        let mut parent = def.parent.clone();
        while !parent.is_empty() && up.len() < 32 && !up.contains(&parent) {
            up.push(parent.clone());
            parent = self
                .term_defs
                .get(&("category".to_string(), parent))
                .map(|p| p.parent.clone())
                .unwrap_or_default();
        }
        up
    }

    /// `parent/child` slugs of a category, as in its WordPress address.
    fn category_path(&self, def: &Term) -> String {
        let mut slugs = self.ancestors(def);
        slugs.reverse();
        slugs.push(def.slug.clone());
        slugs.join("/")
    }

    /// Points old addresses (URLs or paths) at `target`; the site's root
    /// is never redirected.
    fn redirect(
        &mut self,
        conn: &mut Conn,
        olds: &[String],
        edition: Option<i64>,
        target: Target,
    ) -> Result<(), diesel::result::Error> {
        let root = |p: &str| p == "/" || p == self.blog_path;
        let mut paths: Vec<String> = olds
            .iter()
            .filter_map(|old| old_address(old))
            .filter(|p| !root(p))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        // Counted once each, as stored (one row per edition and address).
        for p in &paths {
            self.redirected.insert((edition, p.clone()));
        }
        self.report.redirects = self.redirected.len();
        repo::imports::put_redirects(conn, &paths, edition, target.parts(), self.now)
    }

    /// The edition an item belongs in: its Polylang language, else the
    /// one asked for.
    fn edition_of(&self, item: &Item) -> Result<i64, String> {
        match item.terms.iter().find(|t| t.taxonomy == "language") {
            None => Ok(self.edition),
            Some(lang) => {
                let code = values::slug(&lang.slug);
                let short = code.split(['-', '_']).next().unwrap_or_default();
                self.editions
                    .by_code(&code)
                    .or_else(|| self.editions.by_code(short))
                    .map(|e| e.id)
                    .ok_or_else(|| format!("its language `{code}` is no edition here"))
            }
        }
    }

    fn item(&mut self, conn: &mut Conn, item: Item) {
        let (kind, label): (&'static str, String) = match item.post_type.as_str() {
            "post" => ("post", item.title.clone()),
            "page" => ("page", item.title.clone()),
            "attachment" => ("media", item.title.clone()),
            "nav_menu_item" => {
                self.menu_entry(&item);
                return;
            }
            "wp_navigation" if item.status == "publish" => {
                self.navigation(&item);
                return;
            }
            other => {
                self.count("other", Err(()));
                let reason = format!("post type `{other}` is not imported");
                self.problem(other, item.id, &item.title, reason);
                return;
            }
        };
        let outcome = self.each(conn, kind, (item.id, &label), |run, c| {
            let edition = run.edition_of(&item).map_err(Skip::Reason)?;
            run.report.edition_ids.push(edition);
            if kind == "media" {
                run.attachment(c, &item, edition)
            } else {
                run.post(c, &item, edition)
            }
        });
        if let Some(outcome) = outcome {
            self.count(kind, Ok(outcome));
        }
    }

    /// The categories and tags of a post item (made as needed), its post
    /// format and its translation group, if it has them.
    fn post_terms(
        &mut self,
        conn: &mut Conn,
        item: &Item,
        edition: i64,
    ) -> Result<PostTerms, Skip> {
        let mut category_ids = Vec::new();
        let mut tag_ids = Vec::new();
        let mut format = None;
        let mut group = None;
        for t in &item.terms {
            match t.taxonomy.as_str() {
                "category" => {
                    category_ids.push(self.term(conn, edition, "category", &t.slug, &t.name)?.0)
                }
                "post_tag" => {
                    tag_ids.push(self.term(conn, edition, "post_tag", &t.slug, &t.name)?.0)
                }
                "post_format" => {
                    format = Some(
                        values::slug(&t.slug)
                            .trim_start_matches("post-format-")
                            .to_string(),
                    );
                    category_ids.push(self.term(conn, edition, "post_format", &t.slug, &t.name)?.0);
                }
                "post_translations" => group = Some(format!("{}#{}", self.source, t.slug)),
                _ => {}
            }
        }
        category_ids.sort_unstable();
        category_ids.dedup();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        Ok(PostTerms {
            category_ids,
            tag_ids,
            format,
            group,
        })
    }

    /// What a post item says of its status and text, cleaned.
    fn post_text(&mut self, item: &Item) -> Result<PostText, Skip> {
        let trashed_from = item.meta("_wp_trash_meta_status");
        let Some((status, trashed)) = values::status(&item.status) else {
            return Err(Skip::Reason(format!(
                "status `{}` is not imported",
                item.status
            )));
        };
        let status = match (trashed, trashed_from.and_then(values::status)) {
            (true, Some((before, _))) => before,
            _ => status,
        };
        // Nashr has no passwords on posts: kept, but not public.
        let status = if item.password_protected && status != PostStatus::Draft {
            let reason = "password-protected in WordPress: imported as archived, not public";
            self.problem(&item.post_type, item.id, &item.title, reason.into());
            PostStatus::Archived
        } else {
            status
        };
        let html = content::sanitize_html(&values::paragraphs(&values::without_block_comments(
            &item.content,
        )));
        if html.len() > MAX_CONTENT {
            return Err(Skip::Reason(format!(
                "its content is {} KiB, more than the {} KiB a post may hold",
                html.len() / 1024,
                MAX_CONTENT / 1024
            )));
        }
        let mut title = plain(&item.title, MAX_TITLE);
        let decoded = values::slug(&item.slug);
        if title.is_empty() {
            title = if decoded.is_empty() {
                format!("Untitled {}", item.id)
            } else {
                decoded.replace('-', " ")
            };
        }
        let excerpt = match plain(&item.excerpt, MAX_EXCERPT) {
            e if e.is_empty() => content::excerpt_of(&html),
            e => e,
        };
        Ok(PostText {
            status,
            trashed,
            html,
            title,
            excerpt,
            decoded,
        })
    }

    fn post(&mut self, conn: &mut Conn, item: &Item, edition: i64) -> Result<Outcome, Skip> {
        let is_page = item.post_type == "page";
        let PostText {
            status,
            trashed,
            html,
            title,
            excerpt,
            decoded,
        } = self.post_text(item)?;
        let created = values::gmt(&item.date_gmt);
        let modified = values::gmt(&item.modified_gmt);
        let published_at = match status {
            PostStatus::Draft => None,
            _ => Some(created.or(modified).unwrap_or(self.now)),
        };
        let author = self.users.get(&item.creator).copied();
        let PostTerms {
            category_ids,
            tag_ids,
            format,
            mut group,
        } = self.post_terms(conn, item, edition)?;
        // The post's own fingerprint leaves its comments out: they are
        // records of their own, and a new comment changes no post.
        let bare = Item {
            comments: Vec::new(),
            ..item.clone()
        };
        let print = fingerprint((&bare, edition));
        let source = self.source("post", item.id, edition);
        let known = repo::imports::find(conn, &source)?;
        let existing = match &known {
            Some(k) => repo::posts::find(conn, k.target_id)?,
            None => None,
        };
        if let (Some(k), Some(post)) = (&known, &existing) {
            if k.fingerprint == print {
                self.comments(conn, item, post.id, edition)?;
                self.users_posts_done(post.id, item, edition, format.as_deref());
                return Ok(Outcome::Unchanged);
            }
        }
        let wanted = match slug::is_valid(&decoded) {
            true => decoded.clone(),
            false => slug::slugify(&decoded)
                .or_else(|| slug::slugify(&title))
                .unwrap_or_else(|| format!("post-{}", item.id)),
        };
        let own = existing.as_ref().map(|p| p.slug.as_str());
        let slug = unique_slug(
            conn,
            wanted,
            own,
            |c, w| Ok(repo::posts::find_by_slug(c, edition, w)?.is_some()),
            |c, w| repo::posts::slugs_like(c, edition, w),
        )?;
        if let Some(g) = &group {
            let except = existing.as_ref().map(|p| p.id);
            if let Some(other) = repo::posts::group_member_in(conn, g, edition, except)? {
                let reason = format!(
                    "post {other} is already its translation in this edition; imported unlinked"
                );
                self.problem(item.post_type.as_str(), item.id, &item.title, reason);
                group = None;
            }
        }
        let deleted_at = trashed.then(|| modified.unwrap_or(self.now));
        let kind = if is_page {
            PostKind::Page
        } else {
            PostKind::Article
        };
        let comments_open = item.comment_status != "closed";
        let (id, outcome) = match existing {
            Some(post) => {
                let watch = Watch::existing(conn, Resource::Post, post.id, self.now)?;
                let (cats, tags) = repo::posts::term_ids(conn, post.id)?;
                repo::revisions::snapshot(conn, &post, &cats, &tags)?;
                let changes = PostChanges {
                    kind: Some(kind.as_str().into()),
                    slug: Some(slug),
                    title: Some(title),
                    excerpt: Some(excerpt),
                    content: Some(html),
                    status: Some(status.as_str().into()),
                    published_at: Some(published_at),
                    author_id: Some(author),
                    featured: Some(item.sticky),
                    comments_open: Some(comments_open),
                    translation_group: group,
                    deleted_at: Some(deleted_at),
                    ..Default::default()
                };
                repo::posts::update(conn, post.id, post.revision, &changes, self.now)?;
                repo::posts::set_terms(conn, post.id, Some(&category_ids), Some(&tag_ids))?;
                watch.record(conn, post.id, self.now)?;
                (post.id, Outcome::Updated)
            }
            None => {
                let group = group.unwrap_or_else(repo::new_translation_group);
                let watch = Watch::new(conn, Resource::Post)?;
                let id = repo::posts::insert(
                    conn,
                    &NewPost {
                        edition_id: edition,
                        kind: kind.as_str(),
                        slug: &slug,
                        title: &title,
                        excerpt: &excerpt,
                        content: &html,
                        status: status.as_str(),
                        published_at,
                        author_id: author,
                        featured_media_id: None,
                        parent_id: None,
                        featured: item.sticky,
                        comments_open,
                        comment_count: 0,
                        translation_group: &group,
                        created_at: created.or(modified).unwrap_or(self.now),
                        updated_at: modified.or(created).unwrap_or(self.now),
                        created_by: None,
                        updated_by: None,
                        published_by: None,
                    },
                    &category_ids,
                    &tag_ids,
                )?;
                if let Some(deleted_at) = deleted_at {
                    repo::posts::set_deleted_at(conn, id, Some(deleted_at))?;
                }
                watch.record(conn, id, self.now)?;
                (id, Outcome::Created)
            }
        };
        self.comments(conn, item, id, edition)?;
        let query = if is_page { "page_id" } else { "p" };
        let olds = [
            item.link.clone(),
            format!("{}/?{query}={}", self.blog_path, item.id),
            format!("{}/?p={}", self.blog_path, item.id),
        ];
        self.remember(conn, item, edition, (id, print), &olds, Target::Post(id))?;
        self.thumbnails.extend(
            item.meta("_thumbnail_id")
                .and_then(|v| v.trim().parse().ok())
                .map(|thumb| (id, thumb, edition)),
        );
        self.users_posts_done(id, item, edition, format.as_deref());
        Ok(outcome)
    }

    /// The comments of `item`, now post `post`: approved ones, and those
    /// held for moderation (which only moderators see); spam and trash
    /// stay behind. Pingbacks and trackbacks come as comments by the
    /// linking site, as WordPress lists and counts them; other types
    /// (shop order notes and the like) are skipped. Each is recorded, so
    /// a second import rewrites only those that changed.
    fn comments(
        &mut self,
        conn: &mut Conn,
        item: &Item,
        post: i64,
        edition: i64,
    ) -> Result<(), Skip> {
        let mut ids: HashMap<i64, i64> = HashMap::new();
        let (mut taken, others): (Vec<&wxr::Comment>, Vec<_>) =
            item.comments.iter().partition(|c| {
                matches!(
                    c.comment_type.as_str(),
                    "" | "comment" | "pingback" | "trackback"
                )
            });
        for _ in others {
            self.count("comment", Err(()));
        }
        // Parents before their replies.
        taken.sort_by_key(|c| c.id);
        for c in taken {
            let status = match c.approved.as_str() {
                "1" => CommentStatus::Approved,
                "0" => CommentStatus::Pending,
                _ => {
                    self.count("comment", Err(()));
                    continue;
                }
            };
            let print = fingerprint((c, post));
            let source = self.source("comment", c.id, edition);
            let known = repo::imports::find(conn, &source)?;
            if let Some(k) = known.as_ref().filter(|k| k.fingerprint == print) {
                if repo::comments::find(conn, k.target_id)?.is_some() {
                    ids.insert(c.id, k.target_id);
                    self.count("comment", Ok(Outcome::Unchanged));
                    continue;
                }
            }
            let imported = ImportedComment {
                author_name: c.author.clone(),
                author_email: c.author_email.clone(),
                author_url: c.author_url.clone(),
                client_address: c.author_ip.clone(),
                html: values::paragraphs(&c.content),
                status,
                parent_id: ids.get(&c.parent).copied(),
                created_at: values::gmt(&c.date_gmt).unwrap_or(self.now),
            };
            let existing = known.as_ref().map(|k| k.target_id);
            let id = comments::put_imported(conn, post, existing, &imported)?;
            let outcome = match existing {
                Some(_) => Outcome::Updated,
                None => Outcome::Created,
            };
            let record = Imported {
                target_id: id,
                fingerprint: print,
            };
            repo::imports::record(conn, &source, "", &record, self.now)?;
            ids.insert(c.id, id);
            self.count("comment", Ok(outcome));
        }
        Ok(())
    }

    /// Notes what a post refers to that may come later in the file.
    fn users_posts_done(&mut self, id: i64, item: &Item, edition: i64, format: Option<&str>) {
        if item.parent > 0 {
            self.parents.push((id, item.parent, edition));
        }
        if format == Some("gallery") {
            self.galleries.push((id, item.id, edition));
        }
    }

    fn attachment(&mut self, conn: &mut Conn, item: &Item, edition: i64) -> Result<Outcome, Skip> {
        if item.parent > 0 {
            self.attachments
                .push((item.id, item.parent, item.menu_order));
        }
        let print = fingerprint((item, edition));
        let source = self.source("media", item.id, edition);
        let known = repo::imports::find(conn, &source)?;
        let existing = match &known {
            Some(k) => repo::media::find(conn, k.target_id)?,
            None => None,
        };
        if let (Some(k), Some(_)) = (&known, &existing) {
            if k.fingerprint == print {
                return Ok(Outcome::Unchanged);
            }
        }
        let filename = item
            .attachment_url
            .rsplit('/')
            .next()
            .map(values::percent_decoded)
            .unwrap_or_default();
        let mut title = plain(&item.title, MAX_NAME);
        if title.is_empty() {
            title = filename.clone();
        }
        let alt = plain(item.meta("_wp_attachment_image_alt").unwrap_or(""), 1000);
        let caption = plain(&item.excerpt, 2000);
        let wanted = slug::slugify(&values::slug(&item.slug))
            .or_else(|| slug::slugify(&title))
            .unwrap_or_else(|| format!("media-{}", item.id));
        let own = existing.as_ref().map(|m| m.slug.as_str());
        let slug = unique_slug(
            conn,
            wanted,
            own,
            |c, w| Ok(repo::media::find_by_slug(c, Some(edition), w)?.is_some()),
            |c, w| repo::media::slugs_like(c, Some(edition), w),
        )?;
        let (id, outcome) = match existing {
            Some(m) => {
                let changes = MediaChanges {
                    slug: Some(slug),
                    title: Some(title),
                    alt_text: Some(alt),
                    caption: Some(caption),
                    ..Default::default()
                };
                let watch = Watch::existing(conn, Resource::Media, m.id, self.now)?;
                repo::media::update(conn, m.id, m.revision, &changes, self.now)?;
                watch.record(conn, m.id, self.now)?;
                (m.id, Outcome::Updated)
            }
            None => {
                let described = Described {
                    edition_id: Some(edition),
                    slug: &slug,
                    title: &title,
                    alt_text: &alt,
                    caption: &caption,
                    credit: "",
                    uploaded_by: self.users.get(&item.creator).copied(),
                    created_at: values::gmt(&item.date_gmt).unwrap_or(self.now),
                    // WordPress shows unattached files to everyone; those
                    // of a post are public while it is (its featured
                    // image and gallery).
                    listed: item.parent == 0,
                };
                let watch = Watch::new(conn, Resource::Media)?;
                let id = match self.local_file(item, &filename)? {
                    Some(processed) => {
                        if !self.options.dry_run {
                            (self.store)(&processed).map_err(Skip::Reason)?;
                        }
                        crate::media::upload::insert(conn, &processed, &described)?
                    }
                    None => {
                        self.report.remote_media.push(item.attachment_url.clone());
                        let mime =
                            detect::by_extension(&filename).unwrap_or("application/octet-stream");
                        let kind = match mime.split('/').next() {
                            Some("image") => MediaKind::Image,
                            Some("video") => MediaKind::Video,
                            Some("audio") => MediaKind::Audio,
                            _ => MediaKind::Document,
                        };
                        repo::media::insert_remote(
                            conn,
                            kind,
                            &item.attachment_url,
                            mime,
                            &filename,
                            &described,
                        )?
                    }
                };
                watch.record(conn, id, self.now)?;
                (id, Outcome::Created)
            }
        };
        let olds = [
            item.link.clone(),
            item.attachment_url.clone(),
            format!("{}/?attachment_id={}", self.blog_path, item.id),
        ];
        self.remember(conn, item, edition, (id, print), &olds, Target::Media(id))?;
        Ok(outcome)
    }

    /// Records what `item` became (and its fingerprint), and points its
    /// old addresses at it.
    fn remember(
        &mut self,
        conn: &mut Conn,
        item: &Item,
        edition: i64,
        (id, fingerprint): (i64, String),
        olds: &[String],
        target: Target,
    ) -> Result<(), Skip> {
        let imported = Imported {
            target_id: id,
            fingerprint,
        };
        let kind = if item.post_type == "attachment" {
            "media"
        } else {
            "post"
        };
        let source = self.source(kind, item.id, edition);
        repo::imports::record(conn, &source, &item.guid, &imported, self.now)?;
        self.redirect(conn, olds, Some(edition), target)?;
        Ok(())
    }

    /// The attachment's file from `--media-dir`, processed as an upload;
    /// `None` when there is none (the item is then kept as remote).
    fn local_file(&mut self, item: &Item, filename: &str) -> Result<Option<Processed>, Skip> {
        let Some(dir) = &self.options.media_dir else {
            return Ok(None);
        };
        let url = &item.attachment_url;
        let relative = ["/wp-content/uploads/", "/files/"]
            .iter()
            .find_map(|marker| url.find(marker).map(|i| &url[i + marker.len()..]))
            .map(values::percent_decoded);
        let Some(relative) = relative else {
            return Ok(None);
        };
        let relative = Path::new(&relative);
        // A hostile export must not read outside the folder.
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(Skip::Reason(format!("`{url}` leaves the media folder")));
        }
        let path = dir.join(relative);
        let Ok(bytes) = std::fs::read(&path) else {
            return Ok(None);
        };
        let incoming = Incoming {
            bytes,
            claimed: None,
            filename: upload::check_filename(filename).ok(),
        };
        match upload::process(incoming, self.options.max_pixels) {
            Ok(processed) => Ok(Some(processed)),
            Err(rejected) => {
                let reason = format!(
                    "{}: file not taken ({rejected:?}); kept as remote",
                    path.display()
                );
                self.problem("media", item.id, &item.title, reason);
                Ok(None)
            }
        }
    }

    fn menu_entry(&mut self, item: &Item) {
        let number = |key: &str| {
            item.meta(key)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(0)
        };
        let Some(menu) = item.terms.iter().find(|t| t.taxonomy == "nav_menu") else {
            self.count("menu item", Err(()));
            self.problem("menu item", item.id, &item.title, "in no menu".into());
            return;
        };
        self.menu_items.push(MenuEntry {
            id: item.id,
            menu: menu.slug.clone(),
            parent: number("_menu_item_menu_item_parent"),
            order: item.menu_order,
            label: plain(&item.title, 200),
            kind: item.meta("_menu_item_type").unwrap_or_default().to_string(),
            object: item
                .meta("_menu_item_object")
                .unwrap_or_default()
                .to_string(),
            object_id: number("_menu_item_object_id"),
            url: item
                .meta("_menu_item_url")
                .unwrap_or_default()
                .trim()
                .to_string(),
        });
    }

    /// A block theme's menu (a `wp_navigation` post), taken as a classic
    /// menu of the same links would be.
    fn navigation(&mut self, item: &Item) {
        let mut slug = values::slug(&item.slug);
        if slug.is_empty() || self.menus.iter().any(|m| m.slug == slug) {
            slug = format!("navigation-{}", item.id);
        }
        // WordPress numbers posts and menu terms apart: a key of its own.
        let id = slug_key(&format!("wp_navigation:{}", item.id));
        // Its links: negative, so that they never meet a nav_menu_item's id.
        let entry = |n: i64| if n == 0 { 0 } else { -(item.id * 10_000 + n) };
        for link in navigation::links(&item.content) {
            self.menu_items.push(MenuEntry {
                id: entry(link.number),
                menu: slug.clone(),
                parent: entry(link.parent),
                order: link.number,
                label: plain(&link.label, 200),
                kind: link.kind,
                object: link.object,
                object_id: link.object_id,
                url: link.url.trim().to_string(),
            });
        }
        self.menus.push(Term {
            taxonomy: "nav_menu".into(),
            slug,
            name: item.title.clone(),
            id,
            ..Term::default()
        });
    }

    /// What needs every item in: featured images, page parents,
    /// galleries and menus.
    fn finish(&mut self, conn: &mut Conn) -> Result<(), ImportError> {
        self.flush_terms(conn);
        // Each post these links change is one change, whatever it gets.
        let mut linked: Vec<i64> = (self.thumbnails.iter().map(|t| t.0))
            .chain(self.parents.iter().map(|p| p.0))
            .chain(self.galleries.iter().map(|g| g.0))
            .collect();
        linked.sort_unstable();
        linked.dedup();
        let mut watches = Vec::with_capacity(linked.len());
        for id in linked {
            watches.push((id, Watch::existing(conn, Resource::Post, id, self.now)?));
        }
        for (post, thumb, edition) in std::mem::take(&mut self.thumbnails) {
            let media = repo::imports::find(conn, &self.source("media", thumb, edition))?;
            repo::posts::set_featured_media(conn, post, media.map(|m| m.target_id))?;
        }
        for (post, parent, edition) in std::mem::take(&mut self.parents) {
            let parent = repo::imports::find(conn, &self.source("post", parent, edition))?;
            repo::posts::set_parent(
                conn,
                post,
                parent.map(|p| p.target_id).filter(|&p| p != post),
            )?;
        }
        let mut attachments = std::mem::take(&mut self.attachments);
        attachments.sort_by_key(|&(id, parent, order)| (parent, order, id));
        for (post, wp_post, edition) in std::mem::take(&mut self.galleries) {
            let mut items = Vec::new();
            for &(att, _, _) in attachments.iter().filter(|a| a.1 == wp_post) {
                if let Some(m) = repo::imports::find(conn, &self.source("media", att, edition))? {
                    items.push((m.target_id, ""));
                }
            }
            let now: Vec<(i64, &str)> = repo::posts::galleries_of(conn, &[post])?
                .iter()
                .map(|g| (g.2, ""))
                .collect();
            if now != items {
                repo::posts::set_gallery(conn, post, &items)?;
            }
        }
        for (id, watch) in watches {
            watch.record(conn, id, self.now)?;
        }
        self.write_menus(conn)?;
        self.write_site(conn)
    }

    /// The site's title and tagline become the edition's name and tagline
    /// where it has none yet (what an admin set stays).
    fn write_site(&mut self, conn: &mut Conn) -> Result<(), ImportError> {
        let set = repo::site::of_editions(conn, &[self.edition])?.pop();
        let (name, tagline) = set.map_or((None, None), |s| (s.name, s.tagline));
        let edit = crate::content::site::SiteEdit {
            name: name
                .is_none()
                .then(|| self.site_name.clone())
                .filter(Option::is_some),
            tagline: tagline
                .is_none()
                .then(|| self.site_tagline.clone())
                .filter(Option::is_some),
            ..Default::default()
        };
        if edit.name.is_none() && edit.tagline.is_none() {
            return Ok(());
        }
        let code = self.editions.code(self.edition).to_string();
        if let Err(e) = crate::content::site::update(conn, &code, edit) {
            self.report.problems.push(Problem {
                kind: "site".into(),
                id: 0,
                title: self.site_name.clone().unwrap_or_default(),
                reason: format!("its title and tagline were not kept: {}", e.summary()),
            });
        }
        Ok(())
    }

    fn write_menus(&mut self, conn: &mut Conn) -> Result<(), ImportError> {
        let mut entries = std::mem::take(&mut self.menu_items);
        entries.sort_by_key(|e| (e.order, e.id));
        let mut menus = std::mem::take(&mut self.menus);
        // Items may name a menu the file does not list.
        for e in &entries {
            if !menus.iter().any(|m| m.slug == e.menu) {
                menus.push(Term {
                    taxonomy: "nav_menu".into(),
                    slug: e.menu.clone(),
                    name: e.menu.clone(),
                    id: slug_key(&e.menu),
                    ..Term::default()
                });
            }
        }
        for menu in menus {
            let mine: Vec<MenuEntry> = entries
                .iter()
                .filter(|e| e.menu == menu.slug)
                .cloned()
                .collect();
            let label = menu.name.clone();
            let edition = self.edition;
            let result = self.each(conn, "menu", (menu.id, &label), |run, c| {
                run.menu(c, &menu, &mine, edition)
            });
            if let Some((outcome, items)) = result {
                self.count("menu", Ok(outcome));
                let c = self.report.counts.entry("menu item").or_default();
                match outcome {
                    Outcome::Created => c.created += items,
                    Outcome::Updated => c.updated += items,
                    Outcome::Unchanged => c.unchanged += items,
                }
            }
        }
        Ok(())
    }

    /// What each entry of a menu points at, among what was imported
    /// (`None`: nothing it can point at).
    fn menu_targets(
        &mut self,
        conn: &mut Conn,
        entries: &[MenuEntry],
        edition: i64,
    ) -> Result<Vec<Option<MenuTarget>>, Skip> {
        let mut targets: Vec<Option<MenuTarget>> = Vec::with_capacity(entries.len());
        for e in entries {
            let target = match (e.kind.as_str(), e.object.as_str()) {
                ("post_type", "post" | "page") => {
                    let post =
                        repo::imports::find(conn, &self.source("post", e.object_id, edition))?;
                    match post {
                        Some(p) => {
                            let title = repo::posts::find(conn, p.target_id)?
                                .map(|p| p.title)
                                .unwrap_or_default();
                            Some(MenuTarget::to("post", title).post(p.target_id))
                        }
                        None => None,
                    }
                }
                ("taxonomy", "category" | "post_tag") => {
                    let def = self
                        .term_defs
                        .values()
                        .find(|t| t.id == e.object_id && t.taxonomy == e.object)
                        .cloned();
                    match def {
                        Some(def) => {
                            let (id, _) =
                                self.term(conn, edition, &def.taxonomy, &def.slug, &def.name)?;
                            let target = if def.taxonomy == "category" {
                                MenuTarget {
                                    category: Some(id),
                                    ..MenuTarget::to("category", def.name)
                                }
                            } else {
                                MenuTarget {
                                    tag: Some(id),
                                    ..MenuTarget::to("tag", def.name)
                                }
                            };
                            Some(target)
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            let target = target.or_else(|| {
                (!e.url.is_empty()).then(|| MenuTarget {
                    url: Some(e.url.clone()),
                    ..MenuTarget::to("url", e.url.clone())
                })
            });
            targets.push(target);
        }
        Ok(targets)
    }

    /// A menu and its items, rewritten whole when anything changed;
    /// answers how many items it holds.
    fn menu(
        &mut self,
        conn: &mut Conn,
        menu: &Term,
        entries: &[MenuEntry],
        edition: i64,
    ) -> Result<(Outcome, usize), Skip> {
        let targets = self.menu_targets(conn, entries, edition)?;
        let print = fingerprint((menu, entries, &targets));
        let known = repo::imports::find(conn, &self.source("menu", menu.id, edition))?;
        let existing = match &known {
            Some(k) => repo::menus::find(conn, k.target_id)?,
            None => None,
        };
        let kept = targets.iter().filter(|t| t.is_some()).count();
        let name = if menu.name.trim().is_empty() {
            menu.slug.clone()
        } else {
            plain(&menu.name, 200)
        };
        let (id, outcome, watch) = match existing {
            Some(_) if known.as_ref().is_some_and(|k| k.fingerprint == print) => {
                return Ok((Outcome::Unchanged, kept));
            }
            Some(m) => {
                let watch = Watch::existing(conn, Resource::Menu, m.id, self.now)?;
                repo::menus::update(
                    conn,
                    m.id,
                    m.revision,
                    &MenuChanges {
                        name: Some(name),
                        ..Default::default()
                    },
                    self.now,
                )?;
                repo::menus::clear_items(conn, m.id)?;
                (m.id, Outcome::Updated, watch)
            }
            None => {
                let wanted =
                    slug::slugify(&values::slug(&menu.slug)).unwrap_or_else(|| "menu".into());
                let slug = unique_slug(
                    conn,
                    wanted,
                    None,
                    |c, w| Ok(repo::menus::find_by_slug(c, edition, w)?.is_some()),
                    |c, w| repo::menus::slugs_like(c, edition, w),
                )?;
                let group = repo::new_translation_group();
                let watch = Watch::new(conn, Resource::Menu)?;
                let id = repo::menus::insert(
                    conn,
                    &NewMenu {
                        edition_id: edition,
                        slug: &slug,
                        name: &name,
                        location: None,
                        translation_group: &group,
                        created_at: self.now,
                        updated_at: self.now,
                        created_by: None,
                        updated_by: None,
                    },
                )?;
                (id, Outcome::Created, watch)
            }
        };
        // Parents first: an item waits for its parent; one whose parent
        // was not imported goes at the top.
        let mut left: Vec<(&MenuEntry, &MenuTarget)> = Vec::new();
        for (e, t) in entries.iter().zip(&targets) {
            match t {
                Some(t) => left.push((e, t)),
                None => {
                    let reason =
                        format!("its target ({} {}) was not imported", e.object, e.object_id);
                    self.problem("menu item", e.id, &e.label, reason);
                }
            }
        }
        let kept_ids: HashSet<i64> = left.iter().map(|(e, _)| e.id).collect();
        let mut rows: HashMap<i64, i64> = HashMap::new();
        let mut positions: HashMap<Option<i64>, i32> = HashMap::new();
        let mut stuck = false;
        while !left.is_empty() {
            let before = left.len();
            let mut waiting = Vec::new();
            for (e, t) in left {
                let parent = match (e.parent, rows.get(&e.parent)) {
                    (0, _) => None,
                    (_, Some(&row)) => Some(row),
                    (p, None) if kept_ids.contains(&p) && !stuck => {
                        waiting.push((e, t));
                        continue;
                    }
                    _ => {
                        let reason = "its parent item was not imported; placed at the top";
                        self.problem("menu item", e.id, &e.label, reason.into());
                        None
                    }
                };
                let position = positions.entry(parent).or_default();
                let label = [e.label.as_str(), t.label.as_str()]
                    .into_iter()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("Untitled");
                let row = repo::menus::insert_item(
                    conn,
                    &NewMenuItem {
                        menu_id: id,
                        parent_id: parent,
                        position: *position,
                        label,
                        target_kind: t.kind,
                        category_id: t.category,
                        tag_id: t.tag,
                        post_id: t.post,
                        url: t.url.as_deref(),
                    },
                )?;
                *position += 1;
                rows.insert(e.id, row);
            }
            stuck = waiting.len() == before;
            left = waiting;
        }
        watch.record(conn, id, self.now)?;
        let imported = Imported {
            target_id: id,
            fingerprint: print,
        };
        let source = self.source("menu", menu.id, edition);
        repo::imports::record(conn, &source, "", &imported, self.now)?;
        Ok((outcome, kept))
    }
}

/// `wanted`, or a numbered variant of it when another item has it
/// (`own` is the item's current slug). Most slugs are free, and one
/// indexed lookup says so; only a taken one needs the list of variants.
fn unique_slug(
    conn: &mut Conn,
    wanted: String,
    own: Option<&str>,
    taken: impl FnOnce(&mut Conn, &str) -> diesel::QueryResult<bool>,
    variants: impl FnOnce(&mut Conn, &str) -> diesel::QueryResult<Vec<String>>,
) -> diesel::QueryResult<String> {
    if own == Some(wanted.as_str()) || !taken(conn, &wanted)? {
        return Ok(wanted);
    }
    let mut all = variants(conn, &wanted)?;
    all.retain(|s| Some(s.as_str()) != own);
    Ok(crate::domain::slug::free_from(&wanted, &all))
}

/// A WordPress login as a Nashr username: lower-case, characters Nashr
/// does not allow replaced by `-`, 2 to 64 long.
fn username_of(login: &str) -> String {
    let mut name: String = login
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.len() < 2 {
        name = format!("wp-{name}");
    }
    name
}

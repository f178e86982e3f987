//! The demo site: four editions modelled on a news and advocacy
//! organisation's own (English, Arabic, Persian, Albanian), loaded by
//! `nashr serve --demo` into an empty database.
//!
//! What it holds, in every edition: the menu Home, Articles, Media
//! (Cartoons, NewsPics, Photo Gallery, Videos), Publications (Books,
//! Newsletter, Pars Brief), About Us, Contact us; categories and tags to
//! match; 28 articles and some 30 more posts per edition spread over ten
//! years, linked to their translations; pictures, PDFs, an audio file, a
//! video file (made here, so processed exactly as uploads are: renditions,
//! BlurHash, page counts, durations; the audio is silence and the video a
//! container with no tracks, as no encoder runs here) and YouTube and Vimeo
//! embeds; About and Contact pages; and one draft and one scheduled post
//! that the public must not see.

pub mod bench;
mod content;
mod files;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use image::ImageFormat;

use crate::db::Conn;
use crate::domain::embed;
use crate::domain::{self, slug, MediaKind, PostKind, PostStatus, Role};
use crate::media::upload::{File, Processed};
use crate::repo;
use crate::repo::categories::NewCategory;
use crate::repo::editions::NewEdition;
use crate::repo::media::Described;
use crate::repo::menus::{NewMenu, NewMenuItem};
use crate::repo::posts::NewPost;
use crate::repo::tags::NewTag;
use crate::repo::users::NewUser;
use content::{Captioned, Text};
use files::DemoFileError;

pub use content::EDITIONS;
pub use files::{mp4_bytes, pdf_bytes};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Files(#[from] DemoFileError),
}

/// Whether the database is empty enough for the demo: no editions yet.
pub fn wanted(conn: &mut Conn) -> Result<bool, DemoError> {
    Ok(repo::editions::count(conn)? == 0)
}

/// The demo site, made but not yet stored.
pub struct Demo {
    media: DemoFiles,
}

impl Demo {
    /// The files to put in the media store before the rows are written.
    pub fn files(&self) -> impl Iterator<Item = &File> {
        let m = &self.media;
        m.article_images
            .iter()
            .chain(&m.cartoons)
            .chain(m.galleries.iter().flatten())
            .chain(&m.newspics)
            .chain(&m.book_covers)
            .chain(&m.book_pdfs)
            .chain([&m.audio_sample, &m.video])
            .flat_map(|p| std::iter::once(&p.original).chain(p.renditions.iter().map(|(_, f)| f)))
    }
}

/// Draws the demo's pictures and writes its PDFs, processed as uploads
/// are (the slow part, done on every core), without touching the
/// database or the store.
pub fn prepare() -> Result<Demo, DemoError> {
    let started = std::time::Instant::now();
    let media = DemoFiles::make()?;
    tracing::debug!(made = ?started.elapsed(), "demo files made");
    Ok(Demo { media })
}

/// Writes the demo's rows in one transaction, once its files are stored.
/// `media_base` is where stored files are served (links in posts use it).
pub fn load(conn: &mut Conn, demo: Demo, media_base: &str) -> Result<(), DemoError> {
    conn.transaction(|conn| {
        Loader::new(conn, demo.media, media_base).load()?;
        // All of it is new to whoever follows the change log.
        crate::content::changes::record_everything(conn, domain::now())?;
        Ok::<_, DemoError>(())
    })?;
    Ok(())
}

type Upload = Arc<Processed>;

/// The files the demo's media items point at, processed.
struct DemoFiles {
    article_images: Vec<Upload>,
    cartoons: Vec<Upload>,
    galleries: Vec<Vec<Upload>>,
    newspics: Vec<Upload>,
    book_covers: Vec<Upload>,
    book_pdfs: Vec<Upload>,
    audio_sample: Upload,
    video: Upload,
}

impl DemoFiles {
    fn make() -> Result<DemoFiles, DemoFileError> {
        // (first seed, count, format) of each group of pictures, drawn and
        // processed on every core: that is most of the demo's loading time.
        let groups = [
            (1, 10, ImageFormat::Jpeg),
            (20, 4, ImageFormat::Png),
            (30, 4, ImageFormat::Jpeg),
            (34, 4, ImageFormat::Jpeg),
            (38, 4, ImageFormat::Jpeg),
            (50, 3, ImageFormat::Jpeg),
            (60, 2, ImageFormat::Jpeg),
        ];
        let jobs: Vec<(u32, ImageFormat)> = groups
            .iter()
            .flat_map(|&(first, n, format)| (first..first + n).map(move |seed| (seed, format)))
            .collect();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = jobs.len().div_ceil(threads);
        let drawn: Vec<Upload> = std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|&(seed, format)| {
                                files::picture(seed, format, &format!("nashr-{seed:03}"))
                                    .map(Arc::new)
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("drawing does not panic"))
                .collect::<Result<Vec<Vec<_>>, _>>()
                .map(|parts| parts.concat())
        })?;
        let mut drawn = drawn.into_iter();
        let mut take = |n: usize| drawn.by_ref().take(n).collect::<Vec<_>>();
        Ok(DemoFiles {
            article_images: take(10),
            cartoons: take(4),
            galleries: vec![take(4), take(4), take(4)],
            newspics: take(3),
            book_covers: take(2),
            book_pdfs: content::BOOKS
                .iter()
                .map(|b| {
                    let title = b[EN].0.trim_start_matches("Book: ");
                    files::pdf(title, b[EN].1, &slugify(title)).map(Arc::new)
                })
                .collect::<Result<Vec<_>, _>>()?,
            audio_sample: Arc::new(files::silent_mp3(30, "tea-house-sample")?),
            video: Arc::new(files::video(184, "bakery-morning")?),
        })
    }
}

const EN: usize = 0;

/// Writes a number in the edition's own digits.
fn digits(n: u32, edition: usize) -> String {
    let zero = match EDITIONS[edition].0 {
        "ar" => '\u{0660}',
        "fa" => '\u{06F0}',
        _ => '0',
    };
    n.to_string()
        .chars()
        .map(|c| char::from_u32(zero as u32 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

fn at(year: i32, month: u32, day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("demo dates are valid")
}

fn paragraphs(text: &Text) -> String {
    format!(
        "<p>{} {}</p>\n<p>{}</p>",
        text.body[0], text.body[1], text.body[2]
    )
}

/// A post to insert, with the demo's defaults for the rest.
struct Draft<'a> {
    edition: usize,
    kind: PostKind,
    title: &'a str,
    excerpt: &'a str,
    content: String,
    status: PostStatus,
    published_at: NaiveDateTime,
    author: usize,
    featured_media: Option<i64>,
    featured: bool,
    group: &'a str,
    categories: Vec<i64>,
    tags: Vec<i64>,
}

impl<'a> Draft<'a> {
    /// A published article with no media, tags or categories yet.
    fn new(edition: usize, title: &'a str, group: &'a str) -> Self {
        Draft {
            edition,
            kind: PostKind::Article,
            title,
            excerpt: "",
            content: String::new(),
            status: PostStatus::Published,
            published_at: at(2016, 1, 1, 0),
            author: 0,
            featured_media: None,
            featured: false,
            group,
            categories: vec![],
            tags: vec![],
        }
    }
}

struct Loader<'c> {
    conn: &'c mut Conn,
    files: DemoFiles,
    media_base: &'c str,
    now: NaiveDateTime,
    editions: Vec<i64>,
    authors: Vec<i64>,
    categories: HashMap<(usize, &'static str), i64>,
    tags: Vec<Vec<i64>>,
    post_slugs: Vec<HashSet<String>>,
    media_slugs: Vec<HashSet<String>>,
    /// Published articles per edition: (published_at, title, slug, first sentence).
    articles: Vec<Vec<(NaiveDateTime, &'static str, String, &'static str)>>,
    pages: Vec<[i64; 2]>,
    counter: u32,
}

impl<'c> Loader<'c> {
    fn new(conn: &'c mut Conn, files: DemoFiles, media_base: &'c str) -> Self {
        Loader {
            conn,
            files,
            media_base,
            now: domain::now(),
            editions: vec![],
            authors: vec![],
            categories: HashMap::new(),
            tags: vec![],
            post_slugs: vec![HashSet::new(); EDITIONS.len()],
            media_slugs: vec![HashSet::new(); EDITIONS.len()],
            articles: vec![vec![]; EDITIONS.len()],
            pages: vec![],
            counter: 0,
        }
    }

    fn load(mut self) -> Result<(), diesel::result::Error> {
        self.editions()?;
        self.authors()?;
        self.taxonomies()?;
        self.articles()?;
        self.serials()?;
        self.media_posts()?;
        self.pages()?;
        self.menus()?;
        self.site()?;
        self.library_extras()
    }

    /// The site's name, tagline and copyright line in every edition; the
    /// social links and contact address in the default one only (the
    /// others show its).
    fn site(&mut self) -> Result<(), diesel::result::Error> {
        for (e, (name, tagline, copyright)) in content::SITE.iter().enumerate() {
            let default = e == EN;
            repo::site::put(
                self.conn,
                &repo::site::SiteRow {
                    edition_id: self.editions[e],
                    name: Some(name.to_string()),
                    tagline: Some(tagline.to_string()),
                    copyright: Some(copyright.to_string()),
                    logo_media_id: None,
                    icon_media_id: None,
                    social_links: default.then(|| content::SOCIAL_LINKS.to_string()),
                    contact_email: default.then(|| "editors@nashr.example".to_string()),
                    updated_at: self.now,
                },
            )?;
        }
        Ok(())
    }

    fn editions(&mut self) -> Result<(), diesel::result::Error> {
        for (position, (code, name, native_name, direction)) in EDITIONS.iter().enumerate() {
            let id = repo::editions::insert(
                self.conn,
                &NewEdition {
                    code,
                    name,
                    native_name,
                    direction,
                    is_default: position == EN,
                    position: position as i32,
                    created_at: self.now,
                    updated_at: self.now,
                },
            )?;
            self.editions.push(id);
        }
        Ok(())
    }

    fn authors(&mut self) -> Result<(), diesel::result::Error> {
        for (i, (display_name, slug, bio)) in content::AUTHORS.iter().enumerate() {
            let username = slug.replace('-', ".");
            let id = repo::users::insert(
                self.conn,
                &NewUser {
                    username: &username,
                    email: Some(&format!("{username}@nashr.example")),
                    display_name,
                    slug,
                    bio,
                    avatar_media_id: None,
                    // Demo authors cannot sign in until an admin sets a password.
                    password_hash: None,
                    role: if i == 0 {
                        Role::Editor.as_str()
                    } else {
                        Role::Author.as_str()
                    },
                    disabled: false,
                    created_at: self.now,
                    updated_at: self.now,
                },
            )?;
            self.authors.push(id);
        }
        Ok(())
    }

    fn taxonomies(&mut self) -> Result<(), diesel::result::Error> {
        for (position, (key, parent, names)) in content::CATEGORIES.iter().enumerate() {
            let group = repo::new_translation_group();
            for (e, name) in names.iter().enumerate() {
                let slug = if e == EN {
                    key.to_string()
                } else {
                    slugify(name)
                };
                let id = repo::categories::insert(
                    self.conn,
                    &NewCategory {
                        edition_id: self.editions[e],
                        parent_id: parent.map(|p| self.categories[&(e, p)]),
                        slug: &slug,
                        name,
                        description: content::CATEGORY_DESCRIPTION[e],
                        position: position as i32,
                        translation_group: &group,
                        created_at: self.now,
                        updated_at: self.now,
                        created_by: None,
                        updated_by: None,
                    },
                )?;
                self.categories.insert((e, key), id);
            }
        }
        for names in content::TAGS.iter() {
            let group = repo::new_translation_group();
            let mut ids = vec![];
            for (e, name) in names.iter().enumerate() {
                ids.push(repo::tags::insert(
                    self.conn,
                    &NewTag {
                        edition_id: self.editions[e],
                        slug: &slugify(name),
                        name,
                        description: "",
                        translation_group: &group,
                        created_at: self.now,
                        updated_at: self.now,
                        created_by: None,
                        updated_by: None,
                    },
                )?);
            }
            self.tags.push(ids);
        }
        Ok(())
    }

    fn unique_slug(set: &mut HashSet<String>, title: &str) -> String {
        let base = slugify(title);
        let mut slug = base.clone();
        let mut n = 2;
        while !set.insert(slug.clone()) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        slug
    }

    fn post(&mut self, d: Draft<'_>) -> Result<(i64, String), diesel::result::Error> {
        let slug = Self::unique_slug(&mut self.post_slugs[d.edition], d.title);
        self.counter += 1;
        let id = repo::posts::insert(
            self.conn,
            &NewPost {
                edition_id: self.editions[d.edition],
                kind: d.kind.as_str(),
                slug: &slug,
                title: d.title,
                excerpt: d.excerpt,
                content: &d.content,
                status: d.status.as_str(),
                published_at: Some(d.published_at),
                author_id: Some(self.authors[d.author]),
                featured_media_id: d.featured_media,
                parent_id: None,
                featured: d.featured,
                comments_open: true,
                comment_count: 0,
                translation_group: d.group,
                created_at: d.published_at.min(self.now),
                updated_at: d.published_at.min(self.now) + Duration::hours(2),
                created_by: None,
                updated_by: None,
                published_by: None,
            },
            &d.categories,
            &d.tags,
        )?;
        if d.kind == PostKind::Article
            && d.status == PostStatus::Published
            && d.published_at <= self.now
        {
            self.comments(id, d.edition, d.published_at)?;
        }
        Ok((id, slug))
    }

    /// A few readers' comments in the edition's language, one a reply,
    /// one still waiting for a moderator.
    fn comments(
        &mut self,
        post: i64,
        edition: usize,
        published_at: NaiveDateTime,
    ) -> Result<(), diesel::result::Error> {
        const SAID: [[(&str, &str); 3]; 4] = [
            [
                ("Sara", "Thank you for this report."),
                ("Daniel", "Is there any news since?\n\nThe full statement is at https://example.org/statement"),
                ("Sara", "I wondered the same."),
            ],
            [
                ("ليلى", "شكراً على هذا التقرير."),
                ("عمر", "هل من جديد حول هذا الموضوع؟"),
                ("ليلى", "وأنا أتساءل أيضاً."),
            ],
            [
                ("مریم", "از این گزارش سپاسگزارم."),
                ("رضا", "آیا خبر تازه‌ای در این باره هست؟"),
                ("مریم", "من هم همین را می‌پرسم."),
            ],
            [
                ("Arta", "Faleminderit për këtë raport."),
                ("Besnik", "A ka ndonjë lajm të ri për këtë?"),
                ("Arta", "Edhe unë pyes të njëjtën gjë."),
            ],
        ];
        let n = (self.counter * 7) % 4;
        let mut first = None;
        let said = match EDITIONS[edition].0 {
            "ar" => &SAID[1],
            "fa" => &SAID[2],
            "sq" => &SAID[3],
            _ => &SAID[0],
        };
        for (i, (name, text)) in said.iter().take(n as usize).enumerate() {
            let at = (published_at + Duration::hours(3 + 5 * i as i64)).min(self.now);
            // The third comment replies to the first and waits for a moderator.
            let (parent, status) = match i {
                2 => (first, "pending"),
                _ => (None, "approved"),
            };
            let email = format!("reader{}@example.org", i + 1);
            let id = repo::comments::insert(
                self.conn,
                &repo::comments::NewComment {
                    post_id: post,
                    parent_id: parent,
                    depth: i32::from(parent.is_some()),
                    author_name: name,
                    author_email: &email,
                    author_url: "",
                    user_id: None,
                    source: text,
                    content: &crate::content::comments::render(text),
                    status,
                    fingerprint: &format!("demo-{post}-{i}"),
                    client_address: "",
                    user_agent: "",
                    created_at: at,
                    updated_at: at,
                },
            )?;
            first = first.or(Some(id));
        }
        repo::comments::recount(self.conn, post)?;
        Ok(())
    }

    /// The row of a stored file, in an edition or (`None`) in none.
    #[allow(clippy::too_many_arguments)]
    fn media_row(
        &mut self,
        file: &Processed,
        edition: Option<usize>,
        (title, caption): (&str, &str),
        credit: &str,
        uploaded_by: usize,
        created_at: NaiveDateTime,
    ) -> Result<i64, diesel::result::Error> {
        let slug = match edition {
            Some(e) => Self::unique_slug(&mut self.media_slugs[e], title),
            None => slugify(title),
        };
        crate::media::upload::insert(
            self.conn,
            file,
            &Described {
                edition_id: edition.map(|e| self.editions[e]),
                slug: &slug,
                title,
                alt_text: if file.kind == MediaKind::Image {
                    title
                } else {
                    ""
                },
                caption,
                credit,
                uploaded_by: Some(self.authors[uploaded_by]),
                created_at,
                // The demo's library is public as a whole.
                listed: true,
            },
        )
    }

    /// A picture's rows, one per edition with the alt text and caption in
    /// its language, by the demo's photographer; all share the files.
    fn picture_rows(
        &mut self,
        image: &Processed,
        texts: [(&str, &str); 4],
        created_at: NaiveDateTime,
    ) -> Result<Vec<i64>, diesel::result::Error> {
        (0..EDITIONS.len())
            .map(|e| self.media_row(image, Some(e), texts[e], "Nadia Saleh", 5, created_at))
            .collect()
    }

    fn articles(&mut self) -> Result<(), diesel::result::Error> {
        let start = at(2016, 2, 10, 8);
        let last = content::TOPICS.len() - 1;
        for (i, topic) in content::TOPICS.iter().enumerate() {
            let date = start + Duration::days(i as i64 * 115);
            let (status, date) = match i {
                // The newest two are not public: a draft, and one scheduled a week ahead.
                n if n == last - 1 => (PostStatus::Draft, self.now),
                n if n == last => (PostStatus::Scheduled, self.now + Duration::days(7)),
                _ => (PostStatus::Published, date),
            };
            let image = self.files.article_images.get(i).cloned();
            let media = match &image {
                Some(img) => {
                    let texts = std::array::from_fn(|e| (topic.text[e].title, ""));
                    Some(self.picture_rows(img, texts, date.min(self.now))?)
                }
                None => None,
            };
            let group = repo::new_translation_group();
            for (e, text) in topic.text.iter().enumerate() {
                // The Albanian edition is the young one: its translators
                // have not reached the two newest public stories yet, so
                // `lang_fallback=en` has something to fill in.
                if EDITIONS[e].0 == "sq" && (last - 3..last - 1).contains(&i) {
                    continue;
                }
                let published_at = date + Duration::hours(e as i64 * 5);
                let categories = vec![self.categories[&(e, "articles")]];
                let tags = topic.tags.iter().map(|&t| self.tags[t][e]).collect();
                let (_, slug) = self.post(Draft {
                    excerpt: text.body[0],
                    content: paragraphs(text),
                    status,
                    published_at,
                    author: content::EDITION_AUTHORS[e][i % 2],
                    featured_media: media.as_ref().map(|m| m[e]),
                    featured: i + 4 >= last && status == PostStatus::Published,
                    categories,
                    tags,
                    ..Draft::new(e, text.title, &group)
                })?;
                if status == PostStatus::Published {
                    self.articles[e].push((published_at, text.title, slug, text.body[0]));
                }
            }
        }
        Ok(())
    }

    /// Newsletters and Pars Brief issues, which point at recent articles.
    fn serials(&mut self) -> Result<(), diesel::result::Error> {
        for k in 0..10u32 {
            let month = (k * 5 + 2) % 12 + 1;
            let date = at(2016 + k as i32, month, 5, 7);
            let group = repo::new_translation_group();
            for (e, (prefix, intro)) in content::NEWSLETTER.into_iter().enumerate() {
                let title = format!(
                    "{prefix}: {} {}",
                    content::MONTHS[e][month as usize - 1],
                    digits(2016 + k, e)
                );
                let items: String = self
                    .recent_articles(e, date, 3)
                    .iter()
                    .map(|(_, t, slug, _)| {
                        format!("<li><a href=\"/{}/{slug}\">{t}</a></li>", EDITIONS[e].0)
                    })
                    .collect();
                self.post(Draft {
                    excerpt: intro,
                    content: format!("<p>{intro}</p>\n<ul>{items}</ul>"),
                    published_at: date,
                    author: content::EDITION_AUTHORS[e][0],
                    categories: vec![self.categories[&(e, "newsletter")]],
                    ..Draft::new(e, &title, &group)
                })?;
            }
        }
        for k in 0..6u32 {
            let date = at(2019 + k as i32, 9, 20, 10);
            let group = repo::new_translation_group();
            for e in 0..EDITIONS.len() {
                let (prefix, intro) = content::PARS_BRIEF[e];
                let title = format!("{prefix} {}", digits(k + 1, e));
                let sections: String = self
                    .recent_articles(e, date, 2)
                    .iter()
                    .map(|(_, t, _, first)| format!("\n<h2>{t}</h2>\n<p>{first}</p>"))
                    .collect();
                self.post(Draft {
                    excerpt: intro,
                    content: format!("<p>{intro}</p>{sections}"),
                    published_at: date,
                    author: content::EDITION_AUTHORS[e][1],
                    categories: vec![self.categories[&(e, "pars-brief")]],
                    ..Draft::new(e, &title, &group)
                })?;
            }
        }
        Ok(())
    }

    fn recent_articles(
        &self,
        edition: usize,
        before: NaiveDateTime,
        n: usize,
    ) -> Vec<(NaiveDateTime, &'static str, String, &'static str)> {
        let mut found: Vec<_> = self.articles[edition]
            .iter()
            .filter(|(t, ..)| *t < before)
            .cloned()
            .collect();
        found.sort_by_key(|a| std::cmp::Reverse(a.0));
        found.truncate(n);
        found
    }

    /// A post per edition for each captioned item, in `category`.
    #[allow(clippy::too_many_arguments)]
    fn captioned_posts(
        &mut self,
        items: &[Captioned],
        category: &'static str,
        first: NaiveDateTime,
        every_days: i64,
        media: impl Fn(
            &mut Self,
            usize,
            &Captioned,
            NaiveDateTime,
        ) -> Result<Vec<Option<i64>>, diesel::result::Error>,
        body: impl Fn(&Self, usize, usize) -> String,
    ) -> Result<Vec<Vec<i64>>, diesel::result::Error> {
        let mut ids = vec![];
        for (k, item) in items.iter().enumerate() {
            let date = first + Duration::days(k as i64 * every_days);
            let media_ids = media(self, k, item, date)?;
            let group = repo::new_translation_group();
            let mut per_edition = vec![];
            for (e, (title, caption)) in item.iter().enumerate() {
                let extra = body(self, k, e);
                let (id, _) = self.post(Draft {
                    excerpt: caption,
                    content: format!("<p>{caption}</p>{extra}"),
                    published_at: date + Duration::hours(e as i64),
                    author: 5,
                    featured_media: media_ids[e],
                    categories: vec![self.categories[&(e, category)]],
                    ..Draft::new(e, title, &group)
                })?;
                per_edition.push(id);
            }
            ids.push(per_edition);
        }
        Ok(ids)
    }

    fn media_posts(&mut self) -> Result<(), diesel::result::Error> {
        let none = |_: &Self, _: usize, _: usize| String::new();
        let picture = |files: fn(&DemoFiles) -> &Vec<Upload>| {
            move |l: &mut Self, k: usize, item: &Captioned, date: NaiveDateTime| {
                let image = files(&l.files)[k].clone();
                Ok(l.picture_rows(&image, *item, date)?
                    .into_iter()
                    .map(Some)
                    .collect())
            }
        };
        self.captioned_posts(
            &content::CARTOONS,
            "cartoons",
            at(2018, 4, 1, 9),
            400,
            picture(|f| &f.cartoons),
            none,
        )?;
        self.captioned_posts(
            &content::NEWSPICS,
            "newspics",
            at(2020, 1, 12, 6),
            330,
            picture(|f| &f.newspics),
            none,
        )?;

        // Each gallery's pictures: [gallery][picture][edition] media ids; the
        // first picture is also the post's featured image.
        let mut gallery_media: Vec<Vec<Vec<i64>>> = vec![];
        for (k, item) in content::GALLERIES.iter().enumerate() {
            let created = at(2017 + k as i32, 10, 15, 12);
            let mut pictures = vec![];
            for picture in self.files.galleries[k].clone() {
                pictures.push(self.picture_rows(&picture, *item, created)?);
            }
            gallery_media.push(pictures);
        }
        let galleries = self.captioned_posts(
            &content::GALLERIES,
            "photo-gallery",
            at(2017, 10, 15, 12),
            500,
            |_, k, _, _| Ok(gallery_media[k][0].iter().copied().map(Some).collect()),
            none,
        )?;
        for (k, posts) in galleries.iter().enumerate() {
            for (e, post_id) in posts.iter().enumerate() {
                // The post captions its first picture; the rest keep their own.
                let items: Vec<(i64, &str)> = gallery_media[k]
                    .iter()
                    .enumerate()
                    .map(|(n, ids)| {
                        (
                            ids[e],
                            if n == 0 {
                                content::GALLERIES[k][e].1
                            } else {
                                ""
                            },
                        )
                    })
                    .collect();
                repo::posts::set_gallery(self.conn, *post_id, &items)?;
            }
        }

        self.captioned_posts(
            &content::VIDEOS,
            "videos",
            at(2019, 6, 1, 15),
            300,
            |l, k, item, date| {
                // The second video is a file of our own; the first plays on
                // YouTube, the third on Vimeo.
                if k == 1 {
                    let video = Arc::clone(&l.files.video);
                    return (0..EDITIONS.len())
                        .map(|e| {
                            l.media_row(&video, Some(e), item[e], "Nashr video desk", 5, date)
                                .map(Some)
                        })
                        .collect();
                }
                let url = if k == 0 {
                    "https://www.youtube.com/watch?v=M7lc1UVf-VE"
                } else {
                    "https://vimeo.com/76979871"
                };
                let video = embed::parse(url).expect("a video address");
                let mut ids = vec![];
                for (e, (title, caption)) in item.iter().enumerate() {
                    let slug = Self::unique_slug(&mut l.media_slugs[e], title);
                    ids.push(Some(repo::media::insert_embed(
                        l.conn,
                        &video,
                        &Described {
                            edition_id: Some(l.editions[e]),
                            slug: &slug,
                            title,
                            alt_text: title,
                            caption,
                            credit: "Nashr video desk",
                            uploaded_by: Some(l.authors[5]),
                            created_at: date,
                            listed: true,
                        },
                    )?));
                }
                Ok(ids)
            },
            none,
        )?;

        self.captioned_posts(
            &content::BOOKS,
            "books",
            at(2020, 11, 1, 9),
            864,
            |l, k, item, date| {
                let cover = l.files.book_covers[k].clone();
                Ok(l.picture_rows(&cover, *item, date)?
                    .into_iter()
                    .map(Some)
                    .collect())
            },
            |l, k, e| {
                let pdf = &l.files.book_pdfs[k];
                let label = [
                    "Download the PDF",
                    "تنزيل ملف PDF",
                    "دریافت فایل PDF",
                    "Shkarko PDF-në",
                ][e];
                format!(
                    "\n<p><a href=\"{}/{}\">{label}</a></p>",
                    l.media_base, pdf.original.key
                )
            },
        )?;
        Ok(())
    }

    fn pages(&mut self) -> Result<(), diesel::result::Error> {
        let about_group = repo::new_translation_group();
        let contact_group = repo::new_translation_group();
        for e in 0..EDITIONS.len() {
            let mut ids = [0; 2];
            for (n, (text, group)) in [
                (&content::ABOUT[e], &about_group),
                (&content::CONTACT[e], &contact_group),
            ]
            .into_iter()
            .enumerate()
            {
                ids[n] = self
                    .post(Draft {
                        kind: PostKind::Page,
                        excerpt: text.body[0],
                        content: paragraphs(text),
                        author: content::EDITION_AUTHORS[e][0],
                        ..Draft::new(e, text.title, group)
                    })?
                    .0;
            }
            self.pages.push(ids);
        }
        Ok(())
    }

    fn menus(&mut self) -> Result<(), diesel::result::Error> {
        let group = repo::new_translation_group();
        for e in 0..EDITIONS.len() {
            let (name, home, about, contact) = content::MENU[e];
            let menu_id = repo::menus::insert(
                self.conn,
                &NewMenu {
                    edition_id: self.editions[e],
                    slug: "main",
                    name,
                    location: Some("primary"),
                    translation_group: &group,
                    created_at: self.now,
                    updated_at: self.now,
                    created_by: None,
                    updated_by: None,
                },
            )?;
            let home_url = domain::paths::edition_home(EDITIONS[e].0);
            let mut position = 0;
            let mut item = |conn: &mut Conn,
                            parent: Option<i64>,
                            label: &str,
                            kind: &str,
                            category: Option<i64>,
                            post: Option<i64>,
                            url: Option<&str>| {
                position += 1;
                repo::menus::insert_item(
                    conn,
                    &NewMenuItem {
                        menu_id,
                        parent_id: parent,
                        position,
                        label,
                        target_kind: kind,
                        category_id: category,
                        tag_id: None,
                        post_id: post,
                        url,
                    },
                )
            };
            item(self.conn, None, home, "url", None, None, Some(&home_url))?;
            for (key, parent, names) in content::CATEGORIES.iter() {
                if parent.is_some() {
                    continue;
                }
                let top = item(
                    self.conn,
                    None,
                    names[e],
                    "category",
                    Some(self.categories[&(e, *key)]),
                    None,
                    None,
                )?;
                for (child, child_parent, child_names) in content::CATEGORIES.iter() {
                    if child_parent == &Some(*key) {
                        item(
                            self.conn,
                            Some(top),
                            child_names[e],
                            "category",
                            Some(self.categories[&(e, *child)]),
                            None,
                            None,
                        )?;
                    }
                }
            }
            item(
                self.conn,
                None,
                about,
                "post",
                None,
                Some(self.pages[e][0]),
                None,
            )?;
            item(
                self.conn,
                None,
                contact,
                "post",
                None,
                Some(self.pages[e][1]),
                None,
            )?;
        }
        Ok(())
    }

    /// Media that no post shows: an audiobook sample and the books' PDFs.
    fn library_extras(&mut self) -> Result<(), diesel::result::Error> {
        let created = at(2021, 3, 3, 12);
        let sample = Arc::clone(&self.files.audio_sample);
        let title = ("Voices from the Tea House (audio sample)", "");
        self.media_row(&sample, None, title, "Nashr", 2, created)?;
        for (k, pdf) in self.files.book_pdfs.clone().iter().enumerate() {
            let title = content::BOOKS[k][EN].0.trim_start_matches("Book: ");
            let caption = content::BOOKS[k][EN].1;
            self.media_row(pdf, None, (title, caption), "Nashr", 2, created)?;
        }
        Ok(())
    }
}

pub(crate) fn slugify(title: &str) -> String {
    slug::slugify(title).unwrap_or_else(|| "item".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_the_editions_own_digits() {
        assert_eq!(digits(2019, 0), "2019");
        assert_eq!(digits(2019, 1), "٢٠١٩");
        assert_eq!(digits(2019, 2), "۲۰۱۹");
    }

    #[test]
    fn demo_slugs_are_valid_and_unique_per_edition() {
        for (e, _) in EDITIONS.iter().enumerate() {
            let mut seen = HashSet::new();
            for topic in content::TOPICS.iter() {
                let s = slugify(topic.text[e].title);
                assert!(slug::is_valid(&s), "{s}");
                assert!(seen.insert(s.clone()), "duplicate {s}");
            }
        }
    }
}

//! RSS 2.0 and Atom feeds per edition and per category, and sitemaps: an
//! index with one sitemap per edition (in pages of [`SITEMAP_PAGE`] URLs),
//! each URL with its `xhtml:link hreflang` alternates. Links point at the
//! frontend (`NASHR_SITE_URL`), sitemap locations at this server.

use std::fmt::Write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::caching::Parts;
use crate::db::keyset::Window;
use crate::db::Conn;
use crate::domain::{self, paths, PostKind};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::EditionRow;
use crate::repo::posts::{PostFilter, PostSort, Visibility};
use crate::routes::extract::NoParams;
use crate::routes::posts::{alternates, columns, shown_posts, PostResponse, Showing, ShownPost};
use crate::routes::{edition_param, found, groups_of, ApiQuery, AppState, Db, TranslationIndex};

/// Items in a feed.
const FEED_ITEMS: i64 = 20;

/// URLs in one sitemap (the protocol allows 50,000).
pub const SITEMAP_PAGE: i64 = 10_000;

/// Which feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
}

impl Format {
    fn from_file(file: &str) -> Result<Format, ApiError> {
        match file {
            "rss.xml" => Ok(Format::Rss),
            "atom.xml" => Ok(Format::Atom),
            _ => Err(ApiError::not_found("feeds are rss.xml and atom.xml")),
        }
    }

    fn file(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

/// The latest articles of an edition, as RSS 2.0 (`rss.xml`) or Atom
/// (`atom.xml`).
#[utoipa::path(
    tag = "feeds",
    params(
        ("edition" = String, Path, description = "Edition code"),
        ("file" = String, Path, description = "`rss.xml` or `atom.xml`")
    ),
    responses(
        (status = 200, description = "The feed: the 20 latest articles with their full text",
         content(
             (String = "application/rss+xml"),
             (String = "application/atom+xml")
         )),
        responses::NotFound,
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/feeds/{edition}/{file}")]
pub async fn edition_feed(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _q: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let (edition, file) = path.into_inner();
    let format = Format::from_file(&file)?;
    feed(db, state, edition, None, format, Parts::for_request(&req)).await
}

/// The latest articles in a category (and its subcategories), as RSS 2.0
/// or Atom.
#[utoipa::path(
    tag = "feeds",
    params(
        ("edition" = String, Path, description = "Edition code"),
        ("slug" = String, Path, description = "Category slug"),
        ("file" = String, Path, description = "`rss.xml` or `atom.xml`")
    ),
    responses(
        (status = 200, description = "The feed: the 20 latest articles with their full text",
         content(
             (String = "application/rss+xml"),
             (String = "application/atom+xml")
         )),
        responses::NotFound,
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/feeds/{edition}/category/{slug}/{file}")]
pub async fn category_feed(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    _q: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let (edition, slug, file) = path.into_inner();
    let format = Format::from_file(&file)?;
    feed(
        db,
        state,
        edition,
        Some(slug),
        format,
        Parts::for_request(&req),
    )
    .await
}

/// What a feed is about.
struct Channel {
    title: String,
    /// The frontend page the feed follows.
    link: String,
    /// This feed's own URL.
    this: String,
    language: String,
    description: String,
}

async fn feed(
    db: Db,
    state: web::Data<AppState>,
    edition: String,
    category: Option<String>,
    format: Format,
    parts: Option<Parts>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let (channel, posts) = db
        .run(move |conn| {
            let now = domain::now();
            let editions = repo::editions::all(conn)?;
            let ed = edition_param(&editions, &edition, "edition")?;
            let (category_ids, title, link, description, feed_path) = match &category {
                None => (
                    None,
                    ed.native_name.clone(),
                    paths::edition_home(&ed.code),
                    // In the edition's own language, as the rest of it.
                    ed.native_name.clone(),
                    format!("/feeds/{}", segment(&ed.code)),
                ),
                Some(slug) => {
                    let cat = found(
                        repo::categories::find_by_slug(conn, ed.id, slug)?,
                        "category",
                    )?;
                    let all = repo::categories::all(conn, Some(ed.id))?;
                    let ids = repo::categories::with_descendants(&all, &[cat.id]);
                    let description = if cat.description.is_empty() {
                        cat.name.clone()
                    } else {
                        domain::content::plain_text(&cat.description)
                    };
                    (
                        Some(ids),
                        format!("{} · {}", cat.name, ed.native_name),
                        paths::category(&ed.code, &cat.slug),
                        description,
                        format!(
                            "/feeds/{}/category/{}",
                            segment(&ed.code),
                            segment(&cat.slug)
                        ),
                    )
                }
            };
            let file = format.file();
            let channel = Channel {
                title,
                link: site_link(&st.site_url, &link),
                this: format!("{}{feed_path}/{file}", st.public_url),
                language: ed.code.clone(),
                description,
            };
            let filter = PostFilter {
                now,
                visibility: Visibility::Live,
                edition_id: Some(ed.id),
                fallback_edition_id: None,
                kind: Some(PostKind::Article),
                category_ids,
                tag_ids: None,
                author_ids: None,
                after: None,
                before: None,
                featured: None,
                search: None,
            };
            let window = Window {
                limit: FEED_ITEMS,
                offset: 0,
                after: None,
            };
            let (rows, _) = repo::posts::list(
                conn,
                &filter,
                PostSort::PublishedDesc,
                &window,
                None,
                columns(parts.as_ref()),
            )?;
            let heads = parts.is_some();
            let showing = Showing {
                editions: &editions,
                state: &st,
                now,
                private: false,
            };
            let posts: Vec<PostResponse> =
                shown_posts(conn, &showing, rows, parts.as_ref(), heads)?
                    .into_iter()
                    .map(ShownPost::into_response)
                    .collect();
            Ok((channel, posts))
        })
        .await?;
    let body = match format {
        Format::Rss => rss(&channel, &posts, &state.site_url),
        Format::Atom => atom(&channel, &posts, &state.site_url),
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(body))
}

fn rss(channel: &Channel, posts: &[PostResponse], site: &str) -> String {
    let mut out = String::with_capacity(4096 + posts.len() * 8192);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n",
    );
    let updated = posts.iter().map(|p| p.updated_at).max();
    let _ = write!(
        out,
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <language>{}</language>\n<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n\
         <generator>Nashr</generator>\n",
        esc(&channel.title),
        esc(&channel.link),
        esc(&channel.description),
        esc(&channel.language),
        esc(&channel.this),
    );
    if let Some(t) = updated {
        let _ = writeln!(out, "<lastBuildDate>{}</lastBuildDate>", t.to_rfc2822());
    }
    for p in posts {
        let link = site_link(site, &p.path);
        out.push_str("<item>\n");
        let _ = writeln!(out, "<title>{}</title>", esc(&p.title));
        let _ = writeln!(out, "<link>{}</link>", esc(&link));
        let _ = writeln!(
            out,
            "<guid isPermaLink=\"false\">{}</guid>",
            esc(&guid(site, p))
        );
        if let Some(t) = p.published_at {
            let _ = writeln!(out, "<pubDate>{}</pubDate>", t.to_rfc2822());
        }
        if let Some(a) = &p.author {
            let _ = writeln!(out, "<dc:creator>{}</dc:creator>", esc(&a.display_name));
        }
        for c in &p.categories {
            let _ = writeln!(out, "<category>{}</category>", esc(&c.name));
        }
        let _ = writeln!(out, "<description>{}</description>", esc(&p.excerpt));
        let _ = writeln!(
            out,
            "<content:encoded>{}</content:encoded>",
            esc(&p.content)
        );
        if let Some(m) = &p.featured_media {
            let _ = writeln!(
                out,
                "<enclosure url=\"{}\" length=\"{}\" type=\"{}\"/>",
                esc(&m.url),
                m.file_size.unwrap_or(0),
                esc(&m.mime_type)
            );
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn atom(channel: &Channel, posts: &[PostResponse], site: &str) -> String {
    let mut out = String::with_capacity(4096 + posts.len() * 8192);
    let updated = posts
        .iter()
        .map(|p| p.updated_at)
        .max()
        .unwrap_or_else(|| domain::utc(NaiveDateTime::default()));
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <id>{}</id>\n<title>{}</title>\n<subtitle>{}</subtitle>\n<updated>{}</updated>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <generator>Nashr</generator>\n",
        esc(&channel.language),
        esc(&channel.this),
        esc(&channel.title),
        esc(&channel.description),
        rfc3339(updated),
        esc(&channel.link),
        esc(&channel.this),
    );
    for p in posts {
        let link = site_link(site, &p.path);
        out.push_str("<entry>\n");
        let _ = writeln!(out, "<id>{}</id>", esc(&guid(site, p)));
        let _ = writeln!(out, "<title type=\"text\">{}</title>", esc(&p.title));
        // The entry's own page is its one `alternate` (first, for readers
        // that take the first link; alone, for those that take the last);
        // its translations are `related`, each with its language.
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"text/html\" hreflang=\"{}\" href=\"{}\"/>",
            esc(&p.edition),
            esc(&link)
        );
        for alt in p
            .alternates
            .iter()
            .filter(|a| a.hreflang != "x-default" && a.path != p.path)
        {
            let _ = writeln!(
                out,
                "<link rel=\"related\" type=\"text/html\" hreflang=\"{}\" href=\"{}\"/>",
                esc(&alt.hreflang),
                esc(&site_link(site, &alt.path))
            );
        }
        if let Some(t) = p.published_at {
            let _ = writeln!(out, "<published>{}</published>", rfc3339(t));
        }
        let _ = writeln!(out, "<updated>{}</updated>", rfc3339(p.updated_at));
        let name = p.author.as_ref().map_or("", |a| a.display_name.as_str());
        let _ = writeln!(out, "<author><name>{}</name></author>", esc(name));
        for c in &p.categories {
            let _ = writeln!(
                out,
                "<category term=\"{}\" label=\"{}\"/>",
                esc(&c.slug),
                esc(&c.name)
            );
        }
        let _ = writeln!(out, "<summary type=\"text\">{}</summary>", esc(&p.excerpt));
        let _ = writeln!(out, "<content type=\"html\">{}</content>", esc(&p.content));
        if let Some(m) = &p.featured_media {
            let _ = writeln!(
                out,
                "<link rel=\"enclosure\" href=\"{}\" length=\"{}\" type=\"{}\"/>",
                esc(&m.url),
                m.file_size.unwrap_or(0),
                esc(&m.mime_type)
            );
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// A post's permanent id in feeds: stable across slug changes.
fn guid(site: &str, p: &PostResponse) -> String {
    format!("{site}/?p={}", p.id)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An absolute link to a frontend path, each segment percent-encoded.
fn site_link(site: &str, path: &str) -> String {
    let encoded: Vec<String> = path.split('/').map(segment).collect();
    format!("{site}{}", encoded.join("/"))
}

/// A path segment percent-encoded (RFC 3986 unreserved characters kept).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Text escaped for XML, without the characters XML 1.0 forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The sitemap index: one sitemap per edition and page of
/// [`SITEMAP_PAGE`] URLs.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemap index (sitemaps.org)",
         content((String = "application/xml"))),
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    db: Db,
    state: web::Data<AppState>,
    _q: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let sitemaps = db
        .run(|conn| {
            let now = domain::now();
            let editions = repo::editions::all(conn)?;
            let mut out = Vec::new();
            for ed in &editions.0 {
                let (count, last) = repo::posts::sitemap_stats(conn, ed.id, now)?;
                let pages = ((count + SITEMAP_PAGE - 1) / SITEMAP_PAGE).max(1);
                for page in 1..=pages {
                    out.push((ed.code.clone(), page, last));
                }
            }
            Ok(out)
        })
        .await?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (code, page, last) in sitemaps {
        let _ = write!(
            out,
            "<sitemap><loc>{}/sitemaps/{}/{page}.xml</loc>",
            esc(&state.public_url),
            segment(&code)
        );
        if let Some(t) = last {
            let _ = write!(out, "<lastmod>{}</lastmod>", rfc3339(domain::utc(t)));
        }
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(out))
}

/// One page of an edition's sitemap: its live posts and pages, each with
/// `xhtml:link` alternates to its translations (and `x-default`).
#[utoipa::path(
    tag = "feeds",
    params(
        ("edition" = String, Path, description = "Edition code"),
        ("page" = String, Path, description = "`1.xml`, `2.xml`, ... as the index lists them")
    ),
    responses(
        (status = 200, description = "A sitemap (sitemaps.org) with hreflang alternates",
         content((String = "application/xml"))),
        responses::NotFound,
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/sitemaps/{edition}/{page}")]
pub async fn edition_sitemap(
    db: Db,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _q: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let (edition, page) = path.into_inner();
    let page: i64 = page
        .strip_suffix(".xml")
        .and_then(|n| n.parse().ok())
        // Past this, `(page - 1) * SITEMAP_PAGE` would overflow: no site
        // has that many pages.
        .filter(|n| (1..=i64::MAX / SITEMAP_PAGE).contains(n))
        .ok_or_else(|| ApiError::not_found("sitemap pages are 1.xml, 2.xml, ..."))?;
    let site = state.site_url.clone();
    let body = db
        .run(move |conn| sitemap(conn, &site, &edition, page))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(body))
}

fn sitemap(conn: &mut Conn, site: &str, edition: &str, page: i64) -> Result<String, ApiError> {
    let now = domain::now();
    let editions = repo::editions::all(conn)?;
    let ed: &EditionRow = edition_param(&editions, edition, "edition")?;
    let rows =
        repo::posts::sitemap_page(conn, ed.id, now, (page - 1) * SITEMAP_PAGE, SITEMAP_PAGE)?;
    if rows.is_empty() && page > 1 {
        return Err(ApiError::not_found("no such sitemap page"));
    }
    let groups = groups_of(rows.iter().map(|r| &r.3));
    let translations = TranslationIndex::new(repo::posts::live_translations(conn, &groups, now)?);
    let mut out = String::with_capacity(rows.len() * 400 + 256);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (id, slug, updated_at, group) in &rows {
        let others = translations.of(&editions, group, *id);
        let _ = write!(
            out,
            "<url><loc>{}</loc><lastmod>{}</lastmod>",
            esc(&site_link(site, &paths::post(&ed.code, slug))),
            rfc3339(domain::utc(*updated_at))
        );
        if !others.is_empty() {
            for alt in alternates(&editions, &ed.code, slug, &others) {
                let _ = write!(
                    out,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    esc(&alt.hreflang),
                    esc(&site_link(site, &alt.path))
                );
            }
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_cleaned_for_xml() {
        assert_eq!(esc("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(esc("آزادی\u{200C}ها"), "آزادی\u{200C}ها");
    }

    #[test]
    fn links_are_percent_encoded_per_segment() {
        assert_eq!(
            site_link("https://x.org", "/fa/آزادی ها"),
            "https://x.org/fa/%D8%A2%D8%B2%D8%A7%D8%AF%DB%8C%20%D9%87%D8%A7"
        );
        assert_eq!(
            site_link("https://x.org", "/en/a-b"),
            "https://x.org/en/a-b"
        );
    }
}

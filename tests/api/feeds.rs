//! RSS 2.0 and Atom feeds per edition and category, and sitemaps with
//! hreflang alternates: well-formed XML (parsed by roxmltree), the right
//! language, RTL text intact, absolute links to the frontend site.

use roxmltree::{Document, Node};

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_with, TestApp};

const SITE: &str = "https://www.example.org";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML: &str = "http://www.w3.org/1999/xhtml";

struct Site {
    app: TestApp,
    /// en: world news (in a subcategory), fa: its translation, then a
    /// Persian-only post, then an en post in no category.
    posts: [i64; 4],
    picture: i64,
}

async fn site() -> Site {
    let app = spawn_with(|s| s.site_url = Some(format!("{SITE}/"))).await;
    let (en, fa, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let world = seed::category(&app, en, "world", Some(news), "g-world");
    seed::category(&app, fa, "اخبار", None, "g-news");
    let author = seed::user(&app, "writer");
    let picture = seed::image(&app, "cover");
    let world_en = Post {
        title: "Press & <freedom> \"today\"".into(),
        content: "<p>Body with <b>bold</b> &amp; more</p>".into(),
        categories: vec![world],
        author: Some(author),
        featured_media: Some(picture),
        group: "g-story".into(),
        published_at: seed::days_ago(3),
        ..Post::new(en, "press-freedom")
    }
    .insert(&app);
    let world_fa = Post {
        title: "آزادی مطبوعات\u{200C}ها امروز".into(),
        content: "<p>متن فارسی با نیم\u{200C}فاصله</p>".into(),
        group: "g-story".into(),
        published_at: seed::days_ago(3),
        ..Post::new(fa, "آزادی-مطبوعات")
    }
    .insert(&app);
    let fa_only = Post {
        published_at: seed::days_ago(2),
        ..Post::new(fa, "فقط")
    }
    .insert(&app);
    let plain = Post {
        published_at: seed::days_ago(1),
        ..Post::new(en, "plain")
    }
    .insert(&app);
    Post {
        status: "draft",
        ..Post::new(en, "a-draft")
    }
    .insert(&app);
    Site {
        app,
        posts: [world_en, world_fa, fa_only, plain],
        picture,
    }
}

async fn xml(app: &TestApp, path: &str, content_type: &str) -> String {
    let reply = app.get(path).await;
    assert_eq!(
        reply.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("content-type"),
        Some(format!("{content_type}; charset=utf-8").as_str()),
        "{path}"
    );
    assert!(
        reply.header("etag").is_some(),
        "{path} is cached like any public read"
    );
    String::from_utf8(reply.body).expect("UTF-8")
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Node<'a, 'i> {
    node.children()
        .find(|n| n.tag_name().name() == name)
        .unwrap_or_else(|| panic!("<{name}> in <{}>", node.tag_name().name()))
}

fn text<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or("")
}

fn named<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.tag_name().name() == name)
}

#[actix_web::test]
async fn rss_feeds_per_edition_carry_language_links_and_enclosures() {
    let Site {
        app,
        posts,
        picture,
    } = site().await;
    let body = xml(&app, "/feeds/en/rss.xml", "application/rss+xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = child(rss, "channel");
    assert_eq!(text(channel, "language"), "en");
    assert_eq!(text(channel, "link"), format!("{SITE}/en/"));
    let this = named(channel, "link")
        .find(|n| n.tag_name().namespace() == Some(ATOM))
        .expect("atom:link rel=self");
    assert_eq!(this.attribute("rel"), Some("self"));
    assert!(this
        .attribute("href")
        .unwrap()
        .ends_with("/feeds/en/rss.xml"));

    let items: Vec<Node> = named(channel, "item").collect();
    assert_eq!(items.len(), 2, "live English articles only");
    // Newest first.
    assert_eq!(text(items[0], "link"), format!("{SITE}/en/plain"));
    let world = items[1];
    assert_eq!(text(world, "title"), "Press & <freedom> \"today\"");
    assert_eq!(text(world, "link"), format!("{SITE}/en/press-freedom"));
    assert_eq!(text(world, "guid"), format!("{SITE}/?p={}", posts[0]));
    assert_eq!(text(world, "category"), "Category world");
    assert_eq!(text(world, "creator"), "User writer");
    assert!(text(world, "pubDate").ends_with("+0000"));
    assert_eq!(
        text(world, "encoded"),
        "<p>Body with <b>bold</b> &amp; more</p>",
        "content:encoded holds the HTML"
    );
    let enclosure = child(world, "enclosure");
    assert!(enclosure
        .attribute("url")
        .unwrap()
        .ends_with("/aa/bb/cover.jpg"));
    assert_eq!(enclosure.attribute("type"), Some("image/jpeg"));
    assert_eq!(enclosure.attribute("length"), Some("1234"));
    let _ = picture;

    // Persian: RTL text and ZWNJ intact, links percent-encoded.
    let body = xml(&app, "/feeds/fa/rss.xml", "application/rss+xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let channel = child(doc.root_element(), "channel");
    assert_eq!(text(channel, "language"), "fa");
    assert_eq!(text(channel, "title"), "فارسی");
    let titles: Vec<&str> = named(channel, "item").map(|i| text(i, "title")).collect();
    assert_eq!(titles, ["Title of فقط", "آزادی مطبوعات\u{200C}ها امروز"]);
    let link = text(named(channel, "item").nth(1).unwrap(), "link");
    assert_eq!(
        link,
        format!(
            "{SITE}/fa/%D8%A2%D8%B2%D8%A7%D8%AF%DB%8C-%D9%85%D8%B7%D8%A8%D9%88%D8%B9%D8%A7%D8%AA"
        )
    );
}

#[actix_web::test]
async fn atom_feeds_and_category_feeds() {
    let Site { app, posts, .. } = site().await;
    let body = xml(&app, "/feeds/en/atom.xml", "application/atom+xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    assert_eq!(
        feed.attribute(("http://www.w3.org/XML/1998/namespace", "lang")),
        Some("en")
    );
    assert!(!text(feed, "updated").is_empty());
    let entries: Vec<Node> = named(feed, "entry").collect();
    assert_eq!(entries.len(), 2);
    let world = entries[1];
    assert_eq!(text(world, "id"), format!("{SITE}/?p={}", posts[0]));
    assert_eq!(text(world, "title"), "Press & <freedom> \"today\"");
    let links: Vec<(Option<&str>, Option<&str>, Option<&str>)> = named(world, "link")
        .map(|l| {
            (
                l.attribute("rel"),
                l.attribute("hreflang"),
                l.attribute("href"),
            )
        })
        .collect();
    // Its own page is its only alternate (feed readers take it as the
    // entry's link); its translations are related, with their language.
    let alternates: Vec<_> = links
        .iter()
        .filter(|(rel, _, _)| *rel == Some("alternate"))
        .collect();
    assert_eq!(
        alternates,
        [&(
            Some("alternate"),
            Some("en"),
            Some(&*format!("{SITE}/en/press-freedom"))
        )]
    );
    assert!(links.iter().any(|(rel, lang, href)| *rel == Some("related")
        && *lang == Some("fa")
        && href.unwrap().starts_with(&format!("{SITE}/fa/"))));
    assert!(links.iter().any(|(rel, _, _)| *rel == Some("enclosure")));
    assert_eq!(child(world, "content").attribute("type"), Some("html"));
    assert_eq!(text(child(world, "author"), "name"), "User writer");

    // A category's feed has the posts of its subcategories, and only them.
    for file in ["rss.xml", "atom.xml"] {
        let ct = if file == "rss.xml" {
            "application/rss+xml"
        } else {
            "application/atom+xml"
        };
        let body = xml(&app, &format!("/feeds/en/category/news/{file}"), ct).await;
        let doc = Document::parse(&body).expect("well-formed XML");
        let root = doc.root_element();
        let items = root
            .descendants()
            .filter(|n| ["item", "entry"].contains(&n.tag_name().name()))
            .count();
        assert_eq!(items, 1, "{file}");
        assert!(body.contains("/en/press-freedom"));
        assert!(!body.contains("/en/plain"));
    }
    let fa_news = xml(
        &app,
        &format!(
            "/feeds/fa/category/{}/rss.xml",
            "%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1"
        ),
        "application/rss+xml",
    )
    .await;
    Document::parse(&fa_news).expect("an empty category's feed is well-formed");

    // Names of nothing are 404 problems; parameters are refused.
    for path in [
        "/feeds/xx/rss.xml",
        "/feeds/en/feed.json",
        "/feeds/en/category/nope/rss.xml",
        "/sitemaps/en/0.xml",
        "/sitemaps/en/two.xml",
        "/sitemaps/en/2.xml",
        "/sitemaps/xx/1.xml",
    ] {
        app.get(path).await.problem(404);
    }
    app.get("/feeds/en/rss.xml?page=2").await.problem(400);
}

#[actix_web::test]
async fn sitemaps_list_live_posts_with_hreflang_alternates() {
    let Site { app, posts, .. } = site().await;
    let body = xml(&app, "/sitemap.xml", "application/xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let index = doc.root_element();
    assert_eq!(index.tag_name().name(), "sitemapindex");
    assert_eq!(index.tag_name().namespace(), Some(SITEMAP));
    let locs: Vec<&str> = named(index, "sitemap").map(|s| text(s, "loc")).collect();
    assert_eq!(locs.len(), 3, "one per edition: {locs:?}");
    assert!(locs[0].starts_with(&app.address) && locs[0].ends_with("/sitemaps/en/1.xml"));

    let path = locs[0].strip_prefix(&app.address).unwrap();
    let body = xml(&app, path, "application/xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let urls: Vec<Node> = named(doc.root_element(), "url").collect();
    assert_eq!(urls.len(), 2, "live en posts, not the draft");
    let world = urls
        .iter()
        .find(|u| text(**u, "loc") == format!("{SITE}/en/press-freedom"))
        .expect("the translated post");
    assert!(!text(*world, "lastmod").is_empty());
    let alternates: Vec<(&str, &str)> = world
        .children()
        .filter(|n| n.tag_name().namespace() == Some(XHTML) && n.tag_name().name() == "link")
        .map(|l| {
            (
                l.attribute("hreflang").unwrap(),
                l.attribute("href").unwrap(),
            )
        })
        .collect();
    let fa_link = format!(
        "{SITE}/fa/%D8%A2%D8%B2%D8%A7%D8%AF%DB%8C-%D9%85%D8%B7%D8%A8%D9%88%D8%B9%D8%A7%D8%AA"
    );
    let en_link = format!("{SITE}/en/press-freedom");
    assert_eq!(
        alternates,
        [
            ("en", en_link.as_str()),
            ("fa", fa_link.as_str()),
            ("x-default", en_link.as_str())
        ]
    );
    // The Persian sitemap links back the same way.
    let body = xml(&app, "/sitemaps/fa/1.xml", "application/xml").await;
    let doc = Document::parse(&body).expect("well-formed XML");
    let fa_urls: Vec<Node> = named(doc.root_element(), "url").collect();
    assert_eq!(fa_urls.len(), 2);
    assert!(body.contains(&format!("hreflang=\"en\" href=\"{en_link}\"")));
    let _ = posts;
}

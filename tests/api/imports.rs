//! `nashr import wordpress`: the real WordPress test export (and a small
//! Polylang one) imported into a fresh database of each kind, then read
//! back over HTTP. What the file holds is read from it here with a plain
//! XML parser, so the expectations do not come from the importer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nashr::import::wordpress::{self, Options, Report};
use nashr::media::upload::Processed;
use serde_json::{json, Value};

use crate::helpers::{seed, spawn_app, TestApp};

pub const WPTEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/wordpress/wptest.xml"
);
const POLYLANG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/wordpress/polylang.xml"
);

/// Imports `path` into `edition` of the app's database and store.
pub async fn import(
    app: &TestApp,
    path: &Path,
    edition: &str,
    media_dir: Option<PathBuf>,
) -> Result<Report, String> {
    let pool = app.pool.clone();
    let store = app.store.clone();
    let handle = tokio::runtime::Handle::current();
    let path = path.to_path_buf();
    let options = Options {
        edition: edition.into(),
        media_dir,
        dry_run: false,
        max_pixels: 50_000_000,
        naming: Default::default(),
    };
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let put = |p: &Processed| nashr::cli::import::store_files(&handle, &store, p);
        wordpress::import(&mut conn.conn, &path, &options, &put, &mut |_, _| {})
            .map_err(|e| e.to_string())
    })
    .await
    .expect("the import thread finishes")
}

/// The text of `n`'s child element `name` (namespaces aside).
fn text(n: roxmltree::Node, name: &str) -> String {
    n.children()
        .find(|c| c.tag_name().name() == name)
        .and_then(|c| c.text())
        .unwrap_or_default()
        .to_string()
}

/// An `item` of the export, as the plain XML parser sees it.
struct Exported {
    id: i64,
    post_type: String,
    status: String,
    slug: String,
    date_gmt: String,
    link: String,
    sticky: bool,
    password: bool,
    thumbnail: Option<i64>,
    attachment_url: String,
    approved_comments: usize,
    content: String,
}

fn exported_items(xml: &str) -> Vec<Exported> {
    let doc = roxmltree::Document::parse(xml).expect("the fixture is XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "item")
        .map(|n| Exported {
            id: text(n, "post_id").parse().unwrap(),
            post_type: text(n, "post_type"),
            content: text(n, "encoded"),
            status: text(n, "status"),
            slug: text(n, "post_name"),
            date_gmt: text(n, "post_date_gmt"),
            link: text(n, "link"),
            sticky: text(n, "is_sticky") == "1",
            password: !text(n, "post_password").is_empty(),
            thumbnail: n
                .children()
                .filter(|m| m.tag_name().name() == "postmeta")
                .find(|m| text(*m, "meta_key") == "_thumbnail_id")
                .map(|m| text(m, "meta_value").parse().unwrap()),
            attachment_url: text(n, "attachment_url"),
            approved_comments: n
                .children()
                .filter(|c| c.tag_name().name() == "comment")
                .filter(|c| text(*c, "comment_approved") == "1")
                .count(),
        })
        .collect()
}

/// The `post_parent` of item `id`, if it has one.
fn exported_parent(xml: &str, id: i64) -> Option<i64> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "item")
        .find(|n| text(*n, "post_id") == id.to_string())
        .map(|n| text(n, "post_parent").parse().unwrap_or(0))
        .filter(|&p| p > 0)
}

/// Categories of the export: slug → (parent slug, name).
fn exported_categories(xml: &str) -> HashMap<String, (String, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "category" && n.tag_name().namespace().is_some())
        .map(|n| {
            (
                text(n, "category_nicename"),
                (text(n, "category_parent"), text(n, "cat_name")),
            )
        })
        .collect()
}

async fn total(app: &TestApp, path: &str, token: &str) -> i64 {
    app.get_as(path, token).await.expect(200)["meta"]["total"]
        .as_i64()
        .unwrap()
}

/// Posts and pages of edition en in every state.
async fn everything(app: &TestApp, token: &str) -> i64 {
    let every = "status=published,scheduled,draft,archived,trash";
    let mut n = 0;
    for kind in ["article", "page"] {
        let path = format!("/api/v1/posts?edition=en&kind={kind}&{every}&per_page=1");
        n += total(app, &path, token).await;
    }
    n
}

fn nothing_written(report: &Report) -> bool {
    report
        .counts
        .values()
        .all(|c| c.created == 0 && c.updated == 0)
}

#[actix_web::test]
async fn the_wordpress_test_export_comes_in_whole_and_a_second_run_changes_nothing() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let xml = std::fs::read_to_string(WPTEST).unwrap();
    let items = exported_items(&xml);
    // Block themes' menus (published `wp_navigation` posts) and their
    // links count as menus and menu items.
    let navigations: Vec<&Exported> = items
        .iter()
        .filter(|i| i.post_type == "wp_navigation" && i.status == "publish")
        .collect();
    let links: usize = navigations
        .iter()
        .map(|n| {
            n.content.matches("<!-- wp:navigation-link ").count()
                + n.content.matches("<!-- wp:navigation-submenu ").count()
        })
        .sum();
    assert_eq!((navigations.len(), links > 20), (3, true));
    let of_type = |t: &str| match t {
        "nav_menu_item" => items.iter().filter(|i| i.post_type == t).count() + links,
        _ => items.iter().filter(|i| i.post_type == t).count(),
    };
    assert_eq!(
        (of_type("post"), of_type("page"), of_type("attachment")),
        (37, 15, 45)
    );

    let report = import(&app, Path::new(WPTEST), "en", None).await.unwrap();
    let created = |kind: &str| report.counts.get(kind).map_or(0, |c| c.created);
    assert_eq!(created("post"), 37);
    assert_eq!(created("page"), 15);
    assert_eq!(created("media"), 45);
    assert_eq!(created("tag"), 16);
    assert_eq!(created("menu"), 3 + navigations.len());
    assert_eq!(created("menu item"), of_type("nav_menu_item"));
    let categories = exported_categories(&xml);
    assert_eq!(categories.len(), 42);
    // Every media item is remote: no --uploads-dir.
    assert_eq!(report.remote_media.len(), 45);
    // Other block-theme records (templates, styles) are reported, not imported.
    assert_eq!(
        report.counts["other"].skipped,
        items
            .iter()
            .filter(|i| !["post", "page", "attachment", "nav_menu_item"]
                .contains(&i.post_type.as_str()))
            .count()
            - navigations.len()
    );

    // Counts through the API, as the public and as an editor sees them.
    let public = |t: &str| {
        items
            .iter()
            .filter(|i| i.post_type == t && i.status == "publish" && !i.password)
            .count() as i64
    };
    assert_eq!(
        app.get("/api/v1/posts?edition=en&kind=article&per_page=1")
            .await
            .expect(200)["meta"]["total"],
        public("post")
    );
    assert_eq!(
        app.get("/api/v1/posts?edition=en&kind=page&per_page=1")
            .await
            .expect(200)["meta"]["total"],
        public("page")
    );
    assert_eq!(everything(&app, &admin).await, 52);
    assert_eq!(
        total(&app, "/api/v1/tags?edition=en&per_page=1", &admin).await,
        16
    );
    assert_eq!(
        total(&app, "/api/v1/media?edition=en&per_page=1", &admin).await,
        45
    );
    // Categories: the export's, and one per post format used.
    let cats = app
        .get("/api/v1/categories?edition=en&per_page=100")
        .await
        .expect(200);
    let by_slug: HashMap<String, Value> = cats["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["slug"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    for (slug, (parent, name)) in &categories {
        let c = &by_slug[slug];
        assert_eq!(c["name"], name.as_str(), "{slug}");
        let parent_id = (!parent.is_empty()).then(|| by_slug[parent]["id"].clone());
        assert_eq!(c["parent_id"], parent_id.unwrap_or(Value::Null), "{slug}");
    }
    assert!(by_slug.contains_key("gallery") && by_slug.contains_key("video"));

    // Spot checks of posts against the file.
    for item in items
        .iter()
        .filter(|i| i.post_type == "post" && i.status == "publish" && !i.password)
    {
        let post = app
            .get(&format!("/api/v1/posts/by-slug/{}?edition=en", item.slug))
            .await
            .expect(200);
        let date = item.date_gmt.replace(' ', "T") + "Z";
        assert_eq!(post["published_at"], date.as_str(), "{}", item.slug);
        assert_eq!(post["featured"], item.sticky, "{}", item.slug);
        assert_eq!(
            post["comment_count"], item.approved_comments as i64,
            "{}",
            item.slug
        );
        assert!(!post["content"].as_str().unwrap().contains("<!-- wp:"));
        let thumbnail = item
            .thumbnail
            .and_then(|t| items.iter().find(|a| a.id == t))
            .map(|a| a.attachment_url.as_str());
        assert_eq!(
            post["featured_media"]["url"].as_str(),
            thumbnail,
            "{}",
            item.slug
        );
    }
    assert!(items.iter().any(|i| i.sticky) && items.iter().any(|i| i.thumbnail.is_some()));
    // A password-protected post is kept, not public.
    let protected = items.iter().find(|i| i.password).expect("one in the file");
    app.get(&format!(
        "/api/v1/posts/by-slug/{}?edition=en",
        protected.slug
    ))
    .await
    .expect(404);
    let kept = app
        .get_as(
            &format!("/api/v1/posts/by-slug/{}?edition=en", protected.slug),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(kept["status"], "archived");

    // Pages keep their parents.
    for page in items
        .iter()
        .filter(|i| i.post_type == "page" && i.status == "publish")
    {
        let parent = exported_parent(&xml, page.id);
        let got = app
            .get(&format!("/api/v1/posts/by-slug/{}?edition=en", page.slug))
            .await
            .expect(200);
        let want = match parent.and_then(|p| items.iter().find(|i| i.id == p)) {
            Some(p) => app
                .get(&format!("/api/v1/posts/by-slug/{}?edition=en", p.slug))
                .await
                .expect(200)["id"]
                .clone(),
            None => Value::Null,
        };
        assert_eq!(got["parent_id"], want, "{}", page.slug);
    }

    // Menus: every item, nested as in WordPress.
    let menus = app.get("/api/v1/menus?edition=en").await.expect(200);
    fn count(items: &Value) -> usize {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| 1 + count(&i["children"]))
            .sum()
    }
    let menu_items: usize = menus["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| count(&m["items"]))
        .sum();
    assert_eq!(menu_items, of_type("nav_menu_item"));
    assert!(menus["data"].as_array().unwrap().iter().any(|m| m["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| !i["children"].as_array().unwrap().is_empty())));

    // Redirects: old permalinks and `?p=` lead to the new paths.
    let sticky = items.iter().find(|i| i.sticky).unwrap();
    let found = app
        .get_as(
            &format!("/api/v1/redirects?from={}", urlencode(&sticky.link)),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(found["data"][0]["to"], format!("/en/{}", sticky.slug));
    assert_eq!(found["data"][0]["status"], 301);
    let by_id = app
        .get_as(
            &format!(
                "/api/v1/redirects?from={}",
                urlencode(&format!("/demo/?p={}", sticky.id))
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(by_id["data"][0]["to"], format!("/en/{}", sticky.slug));
    let category = app
        .get_as("/api/v1/redirects?from=/demo/category/parent-category/child-category-03/grandchild-category/", &admin)
        .await
        .expect(200);
    assert_eq!(
        category["data"][0]["to"],
        "/en/category/grandchild-category"
    );
    app.get("/api/v1/redirects").await.problem(401);
    app.get_as("/api/v1/redirects?from=nowhere", &admin)
        .await
        .bad_parameter("from");

    // The site's title and tagline name the edition's site.
    let site = app.get_json("/api/v1/site?edition=en").await;
    assert_eq!(
        (&site["name"], &site["tagline"]),
        (&json!("WPTest"), &json!("Just another WordPress site"))
    );

    // Again: nothing is written, so nothing a reader sees changes.
    let list = "/api/v1/posts?edition=en&per_page=100";
    let before = app.get(list).await;
    let version = |app: &TestApp| app.db(|c| nashr::repo::changes::last_id(c).unwrap());
    let v1 = version(&app);
    let again = import(&app, Path::new(WPTEST), "en", None).await.unwrap();
    assert!(nothing_written(&again), "{:?}", again.counts);
    assert_eq!(again.counts["post"].unchanged, 37);
    // The counts agree with what is stored, and from run to run.
    for kind in ["category", "tag", "media", "page", "comment"] {
        assert_eq!(
            again.counts[kind].unchanged, report.counts[kind].created,
            "{kind}: {:?} then {:?}",
            report.counts[kind], again.counts[kind]
        );
    }
    let stored = app
        .get_as("/api/v1/redirects?per_page=1", &admin)
        .await
        .expect(200)["meta"]["total"]
        .as_u64()
        .unwrap();
    assert_eq!(report.redirects as u64, stored);
    assert_eq!(
        again.counts["menu item"].unchanged,
        of_type("nav_menu_item")
    );
    assert_eq!(version(&app), v1, "no public change was recorded");
    let after = app.get(list).await;
    assert_eq!(before.etag(), after.etag());
    assert_eq!(everything(&app, &admin).await, 52);

    // A later export with one post changed updates that post only.
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.xml");
    let title = "<title><![CDATA[Sticky]]></title>";
    assert!(xml.contains(title));
    std::fs::write(
        &changed,
        xml.replace(title, "<title><![CDATA[Sticky, revised]]></title>"),
    )
    .unwrap();
    let update = import(&app, &changed, "en", None).await.unwrap();
    assert_eq!(update.counts["post"].updated, 1);
    assert_eq!(update.counts["post"].unchanged, 36);
    let post = app
        .get(&format!("/api/v1/posts/by-slug/{}?edition=en", sticky.slug))
        .await
        .expect(200);
    assert_eq!(post["title"], "Sticky, revised");
    let revisions = app
        .get_as(&format!("/api/v1/posts/{}/revisions", post["id"]), &admin)
        .await
        .expect(200);
    assert_eq!(revisions["data"].as_array().unwrap().len(), 1);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn a_truncated_or_malformed_export_imports_nothing() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let xml = std::fs::read(WPTEST).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.xml");
    // Cut in the middle of the items: the first ones are whole.
    std::fs::write(&cut, &xml[..xml.len() * 2 / 3]).unwrap();
    let err = import(&app, &cut, "en", None).await.unwrap_err();
    assert!(err.contains("truncated"), "{err}");
    let broken = dir.path().join("broken.xml");
    let text = String::from_utf8(xml.clone()).unwrap();
    std::fs::write(
        &broken,
        text.replacen("</wp:post_type>", "</wp:post_typo>", 60),
    )
    .unwrap();
    let err = import(&app, &broken, "en", None).await.unwrap_err();
    assert!(err.contains("not well-formed XML at byte"), "{err}");
    let err = import(&app, Path::new(WPTEST), "Not a code!", None)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("cannot make edition `Not a code!`: code: must be a BCP 47 code"),
        "{err}"
    );
    assert_eq!(everything(&app, &admin).await, 0);
    assert_eq!(
        total(&app, "/api/v1/categories?per_page=1", &admin).await,
        0
    );
    assert_eq!(total(&app, "/api/v1/media?per_page=1", &admin).await, 0);
}

#[actix_web::test]
async fn polylang_languages_choose_editions_and_translations_are_linked() {
    let app = spawn_app().await;
    seed::editions(&app);
    let report = import(&app, Path::new(POLYLANG), "en", None).await.unwrap();
    assert_eq!(report.counts["post"].created, 2);
    assert_eq!(report.counts["post"].skipped, 1);
    assert!(report.problems[0].reason.contains("`fr`"));
    let en = app
        .get("/api/v1/posts/by-slug/freedom-of-the-press?edition=en")
        .await
        .expect(200);
    // The Unicode slug, decoded.
    let fa = app
        .get("/api/v1/posts/by-slug/آزادی-مطبوعات?edition=fa")
        .await
        .expect(200);
    assert_eq!(en["translations"][0]["id"], fa["id"]);
    assert_eq!(fa["translations"][0]["edition"], "en");
    assert_eq!(fa["featured"], true);
    assert_eq!(fa["content"], "<p>مطبوعات آزاد یک کالای عمومی است.</p>\n");
    // Classic-editor text gets its paragraphs, as WordPress shows it.
    assert_eq!(
        en["content"],
        "<p>A free press is a public good.</p>\n<p>It needs readers.</p>\n"
    );
    assert_eq!(en["author"]["display_name"], "Maryam");
    // Each edition has its own copy of the category.
    assert_eq!(en["categories"][0]["slug"], "news");
    assert_eq!(fa["categories"][0]["slug"], "news");
    assert_ne!(en["categories"][0]["id"], fa["categories"][0]["id"]);
    // The author can be given a password later; none was made.
    let admin = app.admin().await;
    let users = app.get_as("/api/v1/users", &admin).await.expect(200);
    let maryam = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "maryam")
        .expect("the author is a user");
    assert_eq!(maryam["role"], "author");
    // The Persian permalink, percent-encoded as browsers send it.
    let found = app
        .get_as(
            "/api/v1/redirects?from=/fa/2024/05/03/%25d8%25a2%25d8%25b2%25d8%25a7%25d8%25af%25db%258c-%25d9%2585%25d8%25b7%25d8%25a8%25d9%2588%25d8%25b9%25d8%25a7%25d8%25aa/",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(found["data"][0]["to"], "/fa/آزادی-مطبوعات");
    assert_eq!(found["data"][0]["edition"], "fa");
}

#[actix_web::test]
async fn attachments_found_in_the_media_folder_are_stored_as_uploads() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let xml = std::fs::read_to_string(WPTEST).unwrap();
    let items = exported_items(&xml);
    let uploads = tempfile::tempdir().unwrap();
    // One picture of the export, made here, where the uploads folder has it.
    let picture = items
        .iter()
        .find(|i| {
            i.attachment_url
                .ends_with("/2013/03/featured-image-horizontal.jpg")
        })
        .unwrap();
    let relative = picture
        .attachment_url
        .split("/wp-content/uploads/")
        .nth(1)
        .unwrap();
    let path = uploads.path().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::RgbImage::from_fn(640, 360, |x, y| image::Rgb([x as u8, y as u8, 90]));
    img.save_with_format(&path, image::ImageFormat::Jpeg)
        .unwrap();

    let report = import(&app, Path::new(WPTEST), "en", Some(uploads.path().into()))
        .await
        .unwrap();
    assert_eq!(report.remote_media.len(), 44);
    assert!(!report.remote_media.contains(&picture.attachment_url));
    let owner = items
        .iter()
        .find(|i| i.thumbnail == Some(picture.id))
        .expect("a post shows it");
    let post = app
        .get(&format!("/api/v1/posts/by-slug/{}?edition=en", owner.slug))
        .await
        .expect(200);
    let media = &post["featured_media"];
    assert_eq!(media["width"], 640);
    assert_eq!(media["mime_type"], "image/jpeg");
    let url = media["url"].as_str().unwrap();
    assert!(url.starts_with(&app.media_base), "{url}");
    let file = app.client.get(url).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert!(!media["renditions"].as_object().unwrap().is_empty());
    // Its old address leads to the stored file.
    let found = app
        .get_as(
            &format!(
                "/api/v1/redirects?from={}",
                urlencode(&picture.attachment_url)
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(found["data"][0]["to"], url);
}

#[actix_web::test]
async fn the_command_reports_a_dry_run_writes_redirects_and_refuses_a_broken_file() {
    use nashr::repo::editions::NewEdition;
    use std::process::Command;
    let db = crate::helpers::fresh_db();
    let url = db.settings.store.database_url.clone();
    let pool =
        nashr::db::Pool::connect(&url, 1, std::time::Duration::from_secs(5)).expect("a pool");
    {
        let mut c = pool.get().unwrap();
        nashr::db::run_migrations(&mut c.conn).unwrap();
        let now = nashr::domain::now();
        nashr::repo::editions::insert(
            &mut c.conn,
            &NewEdition {
                code: "en",
                name: "English",
                native_name: "English",
                direction: "ltr",
                is_default: true,
                position: 0,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
    }
    let posts = || {
        let mut c = pool.get().unwrap();
        nashr::repo::posts::count_all(&mut c.conn).unwrap()
    };
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nashr"))
            .args(["import", "wordpress"])
            .args(args)
            .env("DATABASE_URL", &url)
            .env("NASHR_MEDIA_DIR", db.dir.path().join("media"))
            .env_remove("NASHR_S3_BUCKET")
            .env("RUST_LOG", "error")
            .output()
            .expect("the binary runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (ok, stdout, stderr) = run(&[WPTEST, "--edition", "en", "--dry-run"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("dry run: imported in"), "{stdout}");
    let post_line = stdout.lines().find(|l| l.starts_with("post ")).unwrap();
    assert_eq!(
        post_line.split_whitespace().collect::<Vec<_>>(),
        ["post", "37", "0", "0", "0"]
    );
    assert!(stdout.contains("records not taken or taken in part"));
    assert_eq!(posts(), 0, "a dry run keeps nothing");

    let csv = db.dir.path().join("redirects.csv");
    let csv_arg = csv.display().to_string();
    let (ok, stdout, stderr) = run(&[WPTEST, "--edition", "en", "--redirects", &csv_arg]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("redirects written to"), "{stdout}");
    assert_eq!(posts(), 52);
    let map = std::fs::read_to_string(&csv).unwrap();
    assert!(map.starts_with("from,to,status\n"));
    assert!(map.contains("\n/demo/sticky,/en/sticky,301\n"), "{map}");

    let cut = db.dir.path().join("cut.xml");
    let bytes = std::fs::read(WPTEST).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let (ok, _, stderr) = run(&[cut.to_str().unwrap(), "--edition", "en"]);
    assert!(!ok);
    assert!(stderr.contains("truncated"), "{stderr}");
    assert_eq!(posts(), 52);
}

/// Moving in on an empty database: the import makes the edition it is
/// told to (named from the language table), a dry run makes nothing, and
/// `nashr edition` adds and changes the rest.
#[actix_web::test]
async fn an_import_into_an_empty_database_makes_its_edition_and_the_cli_manages_the_rest() {
    let db = crate::helpers::fresh_db();
    let nashr = |args: &[&str]| {
        let out = crate::helpers::nashr_command(&db.settings)
            .args(args)
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        (out.status.success(), stdout, stderr)
    };
    let editions = || {
        let pool = nashr::db::Pool::connect(
            &db.settings.store.database_url,
            1,
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        let mut c = pool.get().unwrap();
        nashr::db::run_migrations(&mut c.conn).unwrap();
        nashr::repo::editions::all(&mut c.conn).unwrap().0
    };
    let (ok, _, err) = nashr(&[
        "import",
        "wordpress",
        WPTEST,
        "--edition",
        "en",
        "--dry-run",
    ]);
    assert!(ok, "{err}");
    assert!(editions().is_empty(), "a dry run makes no edition");

    let (ok, out, err) = nashr(&["import", "wordpress", WPTEST, "--edition", "en"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("edition en (English, English, ltr) created"),
        "{out}"
    );
    let made = editions();
    assert_eq!(made.len(), 1);
    assert!(made[0].is_default && made[0].direction == "ltr");

    // The rest of the editions, from the shell.
    let (ok, out, err) = nashr(&["edition", "create", "fa"]);
    assert!(ok, "{err}");
    assert!(out.contains("fa       rtl  Persian (فارسی)"), "{out}");
    let (ok, _, err) = nashr(&[
        "edition",
        "create",
        "ku-arab",
        "--edition-name",
        "Kurdish (Sorani)",
        "--edition-native-name",
        "کوردی",
        "--edition-direction",
        "rtl",
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = nashr(&[
        "edition",
        "update",
        "fa",
        "--edition-name",
        "Farsi",
        "--default",
    ]);
    assert!(ok, "{err}");
    let all = editions();
    let fa = all.iter().find(|e| e.code == "fa").unwrap();
    assert_eq!((fa.name.as_str(), fa.is_default), ("Farsi", true));
    let ku = all.iter().find(|e| e.code == "ku-arab").unwrap();
    assert_eq!(
        (ku.native_name.as_str(), ku.direction.as_str()),
        ("کوردی", "rtl")
    );
    assert!(!all.iter().find(|e| e.code == "en").unwrap().is_default);

    // Mistakes are said once, plainly, and change nothing.
    let (ok, _, err) = nashr(&["edition", "create", "fa"]);
    assert!(!ok);
    assert_eq!(err.matches("is already an edition").count(), 1, "{err}");
    let (ok, _, err) = nashr(&["edition", "update", "xx", "--edition-name", "X"]);
    assert!(!ok && err.contains("no such edition"), "{err}");
    assert_eq!(editions().len(), 3);
}

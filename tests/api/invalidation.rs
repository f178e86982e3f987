//! Invalidation by what changed: a change drops, on every instance, the
//! kept responses that show (or could show) what it changed, and only
//! those. Each case writes through one instance and reads through a
//! second one on the same database, as behind a load balancer: what the
//! change shows is new on the next read there; what cannot show it is
//! still answered from memory (one query: where the change log stands)
//! with the same bytes, `ETag` and `Last-Modified`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{seed, spawn_app, Reply, TestApp};

/// A small site: two live English articles (c, then a: c's `next` is a)
/// and a Persian one (b, the newest), in two categories, a tag, an
/// author, a picture, a menu that points at a and its category.
struct Site {
    a: i64,
    b: i64,
    c: i64,
    news: i64,
    sport: i64,
    author: i64,
    picture: i64,
    menu: i64,
}

async fn build_site(app: &TestApp, admin: &str) -> Site {
    seed::editions(app);
    let id = |v: Value| v["id"].as_i64().expect("an id");
    let category = |edition: &'static str, name: &'static str| {
        app.post_as(
            "/api/v1/categories",
            admin,
            json!({"edition": edition, "name": name}),
        )
    };
    let news = id(category("en", "News").await.expect(201));
    let sport = id(category("fa", "Sport").await.expect(201));
    let press = app
        .post_as(
            "/api/v1/tags",
            admin,
            json!({"edition": "en", "name": "Press"}),
        )
        .await;
    let press = id(press.expect(201));
    let author = seed::user(app, "writer");
    let picture = seed::image(app, "cover");
    let post = |body: Value| app.post_as("/api/v1/posts", admin, body);
    let c = id(post(json!({
        "edition": "en", "title": "Gamma", "content": "<p>C</p>", "status": "published"
    }))
    .await
    .expect(201));
    let a = id(post(json!({
        "edition": "en", "title": "Alpha", "content": "<p>A</p>", "status": "published",
        "categories": [news], "tags": [press], "featured_media": picture, "author": author
    }))
    .await
    .expect(201));
    let b = id(post(json!({
        "edition": "fa", "title": "Beta", "content": "<p>B</p>", "status": "published",
        "categories": [sport]
    }))
    .await
    .expect(201));
    let menu = app
        .post_as(
            "/api/v1/menus",
            admin,
            json!({"edition": "en", "name": "Main", "items": [
                {"label": "Alpha", "type": "post", "target": a},
                {"label": "News", "type": "category", "target": news}
            ]}),
        )
        .await;
    let menu = id(menu.expect(201));
    Site {
        a,
        b,
        c,
        news,
        sport,
        author,
        picture,
        menu,
    }
}

/// The public responses watched, by name.
fn watched(s: &Site) -> Vec<(&'static str, String)> {
    vec![
        ("list", "/api/v1/posts".into()),
        ("a", format!("/api/v1/posts/{}", s.a)),
        ("b", format!("/api/v1/posts/{}", s.b)),
        ("c", format!("/api/v1/posts/{}", s.c)),
        ("categories", "/api/v1/categories".into()),
        ("news", format!("/api/v1/categories/{}", s.news)),
        ("sport", format!("/api/v1/categories/{}", s.sport)),
        ("tags", "/api/v1/tags".into()),
        ("author", format!("/api/v1/authors/{}", s.author)),
        ("picture", format!("/api/v1/media/{}", s.picture)),
        ("menu", format!("/api/v1/menus/{}", s.menu)),
        ("editions", "/api/v1/editions".into()),
        ("feed", "/feeds/en/rss.xml".into()),
        ("a_comments", format!("/api/v1/posts/{}/comments", s.a)),
        ("b_comments", format!("/api/v1/posts/{}/comments", s.b)),
        // Shows b (the newer of two without comments) until a has one:
        // only the count's key can drop it.
        (
            "by_comments",
            "/api/v1/posts?sort=-comment_count&per_page=1".into(),
        ),
    ]
}

/// A reader of the second instance, remembering what it was last told.
struct Reader {
    base: String,
    client: reqwest::Client,
    urls: Vec<(&'static str, String)>,
    seen: BTreeMap<&'static str, Seen>,
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    status: u16,
    etag: Option<String>,
    last_modified: Option<String>,
    body: Vec<u8>,
}

/// What a change did to the watched responses.
#[derive(Debug)]
struct Outcome {
    /// Answered differently than before.
    changed: BTreeSet<&'static str>,
    /// Answered from memory, as before.
    kept: BTreeSet<&'static str>,
}

impl Reader {
    async fn get(&self, path: &str) -> Reply {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the second instance answers");
        Reply::read(res).await.expect("a whole answer")
    }

    /// Reads every watched response twice, so that each is kept.
    async fn warm(&mut self) {
        for (name, path) in self.urls.clone() {
            self.get(&path).await;
            let r = self.get(&path).await;
            self.seen.insert(name, seen(&r));
        }
    }

    /// Reads every watched response after a change made elsewhere.
    async fn after_change(&mut self) -> Outcome {
        // The first read catches this instance up with the change log;
        // the API description shows no content, so it is never dropped.
        self.get("/openapi.json").await;
        let mut outcome = Outcome {
            changed: BTreeSet::new(),
            kept: BTreeSet::new(),
        };
        for (name, path) in self.urls.clone() {
            let r = self.get(&path).await;
            let now = seen(&r);
            if r.status == 200 && r.queries() == 1 {
                assert_eq!(self.seen[name], now, "{name} kept, but not as it was");
                outcome.kept.insert(name);
            }
            if self.seen[name] != now {
                outcome.changed.insert(name);
            }
            // Kept again for the next case.
            self.get(&path).await;
            self.seen.insert(name, now);
        }
        outcome
    }
}

impl Seen {
    fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

fn seen(r: &Reply) -> Seen {
    Seen {
        status: r.status,
        etag: r.header("etag").map(str::to_string),
        last_modified: r.header("last-modified").map(str::to_string),
        body: r.body.clone(),
    }
}

/// Checks one case: `changed` are all new, `kept` all answered from
/// memory as before.
fn check(case: &str, outcome: &Outcome, changed: &[&str], kept: &[&str]) {
    for name in changed {
        assert!(
            outcome.changed.contains(name),
            "{case}: {name} should show the change; {outcome:?}"
        );
    }
    for name in kept {
        assert!(
            outcome.kept.contains(name),
            "{case}: {name} cannot show the change and should be kept; {outcome:?}"
        );
    }
}

#[actix_web::test]
async fn a_change_drops_what_shows_it_on_every_instance_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let site = build_site(&app, &admin).await;
    let mut reader = Reader {
        base: app.second_instance().await,
        client: app.client.clone(),
        urls: watched(&site),
        seen: BTreeMap::new(),
    };
    reader.warm().await;
    let everything: Vec<&str> = reader.urls.iter().map(|(n, _)| *n).collect();
    let post = |id: i64| format!("/api/v1/posts/{id}");

    // Saving a draft (new, then edited) drops nothing anywhere.
    let draft = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Draft", "status": "draft", "categories": [site.news]}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.patch_as(
        &post(draft),
        &admin,
        json!({"content": "<p>More</p>"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check("draft saved", &o, &[], &everything);
    assert!(o.changed.is_empty(), "{o:?}");

    // A live post's text edited: the post, the lists and feeds that show
    // it, the post whose `next` it is; not the other edition's post, nor
    // what only counts it. Last-Modified moves only where it shows.
    std::thread::sleep(Duration::from_millis(1100));
    app.patch_as(
        &post(site.a),
        &admin,
        json!({"title": "Alpha, revised"}),
        None,
    )
    .await
    .expect(200);
    let before = reader.seen.clone();
    let o = reader.after_change().await;
    check(
        "live post edited",
        &o,
        &["list", "a", "c", "feed"],
        &[
            "b",
            "categories",
            "news",
            "sport",
            "tags",
            "author",
            "picture",
            "editions",
        ],
    );
    assert_ne!(
        before["list"].last_modified,
        reader.seen["list"].last_modified
    );
    assert_eq!(before["b"].last_modified, reader.seen["b"].last_modified);

    // Unpublished: also what counts it (its category, tag and author).
    app.patch_as(&post(site.a), &admin, json!({"status": "draft"}), None)
        .await
        .expect(200);
    let o = reader.after_change().await;
    check(
        "unpublished",
        &o,
        &["list", "a", "c", "news", "tags", "author", "feed"],
        &["b", "sport", "editions"],
    );
    assert_eq!(reader.seen["a"].status, 404);

    // Published again.
    app.patch_as(&post(site.a), &admin, json!({"status": "published"}), None)
        .await
        .expect(200);
    let o = reader.after_change().await;
    check(
        "published",
        &o,
        &["list", "a", "news", "tags", "author"],
        &["b", "sport", "editions"],
    );

    // Trashed and restored: the other post and its category stay.
    app.delete_as(&post(site.b), &admin, None)
        .await
        .expect_no_content();
    let o = reader.after_change().await;
    check(
        "trashed",
        &o,
        &["list", "b", "sport"],
        &["a", "news", "tags", "menu", "editions"],
    );
    app.post_as(&format!("{}/restore", post(site.b)), &admin, json!({}))
        .await
        .expect(200);
    let o = reader.after_change().await;
    check(
        "restored",
        &o,
        &["list", "b", "sport"],
        &["a", "news", "tags", "menu", "editions"],
    );

    // Purging a post already in the trash changes nothing public.
    app.delete_as(&post(draft), &admin, None)
        .await
        .expect_no_content();
    app.delete_as(&format!("{}?force=true", post(draft)), &admin, None)
        .await
        .expect_no_content();
    let o = reader.after_change().await;
    check("draft trashed and purged", &o, &[], &everything);

    // A reader's comment held for moderation: nothing public changed.
    let held = app
        .send(
            reqwest::Method::POST,
            &format!("{}/comments", post(site.a)),
            None,
            Some(json!({"author_name": "Reader", "author_email": "r@example.org", "content": "Well said."})),
            None,
        )
        .await
        .expect(202)["id"]
        .as_i64()
        .unwrap();
    let o = reader.after_change().await;
    check("comment held", &o, &[], &everything);
    assert!(o.changed.is_empty(), "{o:?}");

    // Approved: the post's comments and what shows its count (the post,
    // lists showing it, lists ordered by the count); nothing else.
    app.patch_as(
        &format!("/api/v1/comments/{held}"),
        &admin,
        json!({"status": "approved"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "comment approved",
        &o,
        &["a_comments", "a", "list", "by_comments"],
        &[
            "b",
            "b_comments",
            "categories",
            "news",
            "sport",
            "tags",
            "author",
            "picture",
            "menu",
            "editions",
            "feed",
        ],
    );
    assert_eq!(reader.seen["a"].body_json()["comment_count"], 1);
    assert_eq!(
        reader.seen["by_comments"].body_json()["data"][0]["id"],
        site.a
    );

    // A category renamed: it, the lists of categories, the posts that
    // embed it.
    app.patch_as(
        &format!("/api/v1/categories/{}", site.news),
        &admin,
        json!({"name": "World"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "category renamed",
        &o,
        &["categories", "news", "a", "list"],
        &["b", "sport", "tags", "picture", "author", "editions"],
    );

    // A category moved under another (a new one of its edition).
    let sections = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "fa", "name": "Sections"}),
        )
        .await
        .expect(201)["id"]
        .clone();
    app.patch_as(
        &format!("/api/v1/categories/{}", site.sport),
        &admin,
        json!({"parent": sections}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "category moved",
        &o,
        &["categories", "sport"],
        &["a", "tags", "picture", "author", "editions"],
    );

    // A menu renamed: the menu only.
    app.patch_as(
        &format!("/api/v1/menus/{}", site.menu),
        &admin,
        json!({"name": "Main menu"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "menu edited",
        &o,
        &["menu"],
        &[
            "list",
            "a",
            "b",
            "categories",
            "tags",
            "picture",
            "editions",
        ],
    );

    // A picture's alt text: it and the posts that show it.
    app.patch_as(
        &format!("/api/v1/media/{}", site.picture),
        &admin,
        json!({"alt_text": "A new description"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "media edited",
        &o,
        &["picture", "a", "list"],
        &["b", "categories", "sport", "tags", "menu", "editions"],
    );

    // An author renamed: the author and the posts that name them.
    app.patch_as(
        &format!("/api/v1/users/{}", site.author),
        &admin,
        json!({"display_name": "A. Writer"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check(
        "author renamed",
        &o,
        &["author", "a", "list"],
        &["b", "categories", "tags", "picture", "menu", "editions"],
    );

    // A translation published: the post and category it translates now
    // list it among their translations; the other post does not.
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "ar", "title": "ألفا", "status": "published", "translation_of": site.a}),
    )
    .await
    .expect(201);
    let o = reader.after_change().await;
    check(
        "translation published",
        &o,
        &["a", "list"],
        &["b", "categories", "news", "tags", "picture", "editions"],
    );
    app.post_as(
        "/api/v1/categories",
        &admin,
        json!({"edition": "fa", "name": "اخبار", "translation_of": site.news}),
    )
    .await
    .expect(201);
    let o = reader.after_change().await;
    check(
        "category translated",
        &o,
        &["news", "categories"],
        &["b", "sport", "tags", "picture", "editions"],
    );

    // An edition renamed: the editions, and everything may show it.
    app.patch_as(
        "/api/v1/editions/en",
        &admin,
        json!({"name": "English (world)"}),
        None,
    )
    .await
    .expect(200);
    let o = reader.after_change().await;
    check("edition edited", &o, &["editions"], &[]);

    // A scheduled post: nothing until its time; then the lists and its
    // category, with no write to announce it.
    schedule(
        &app,
        &admin,
        json!({"edition": "fa", "title": "Gamma", "categories": [site.sport]}),
        1500,
    )
    .await;
    let o = reader.after_change().await;
    check("scheduled", &o, &[], &everything);
    std::thread::sleep(Duration::from_millis(1700));
    // Live at its time: also b, whose `next` it now is.
    let o = reader.after_change().await;
    check(
        "scheduled post live",
        &o,
        &["list", "sport", "b"],
        &["a", "c", "tags", "picture", "menu", "editions"],
    );
}

/// Schedules the post `body` describes to go live `ms` from now.
async fn schedule(app: &TestApp, admin: &str, mut body: Value, ms: i64) {
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(ms);
    body["status"] = json!("scheduled");
    body["published_at"] = json!(at.to_rfc3339());
    app.post_as("/api/v1/posts", admin, body).await.expect(201);
}

/// The small site served with whole responses not kept (parts are), and
/// the address of a second instance on its database.
struct Unkept {
    app: TestApp,
    admin: String,
    site: Site,
    other: String,
}

impl Unkept {
    async fn new() -> Unkept {
        let app = crate::helpers::spawn_with(|s| s.response_cache_mb = 0).await;
        let admin = app.admin().await;
        let site = build_site(&app, &admin).await;
        let other = app.second_instance().await;
        Unkept {
            app,
            admin,
            site,
            other,
        }
    }
}

/// `path` read from the instance at `base`, without a token.
async fn read_from(app: &TestApp, base: &str, path: String) -> Reply {
    let res = app
        .client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap();
    Reply::read(res).await.unwrap()
}

/// With whole responses not kept, each response is built anew, from the
/// posts' views where they are kept: another page or filter showing the
/// same posts reuses them (fewer queries), and a change drops the views
/// that show it on every instance, so no response is built from a stale
/// one.
#[actix_web::test]
async fn responses_built_anew_reuse_post_views_until_a_change_names_them() {
    let Unkept {
        app,
        admin,
        site,
        other,
    } = Unkept::new().await;
    let read = |path: String| read_from(&app, &other, path);
    let first = read("/api/v1/posts?per_page=10".into()).await;
    first.expect(200);
    let again = read("/api/v1/posts?per_page=10&sort=-published_at".into()).await;
    assert_eq!(first.json()["data"], again.json()["data"]);
    assert!(
        again.queries() < first.queries(),
        "the second list reuses the views: {} then {} queries",
        first.queries(),
        again.queries()
    );
    let one = read(format!("/api/v1/posts/{}", site.a)).await;
    assert!(one.queries() < first.queries());

    // A category renamed through the first instance: the second builds
    // the post anew with the new name.
    app.patch_as(
        &format!("/api/v1/categories/{}", site.news),
        &admin,
        json!({"name": "World"}),
        None,
    )
    .await
    .expect(200);
    let after = read(format!("/api/v1/posts/{}", site.a)).await.expect(200);
    assert_eq!(after["categories"][0]["name"], "World");
    // The other post's view is still kept.
    let b = read(format!("/api/v1/posts/{}", site.b)).await;
    let b_again = read(format!("/api/v1/posts/{}?fields=id,title", site.b)).await;
    assert_eq!(b.expect(200)["title"], "Beta");
    assert!(b_again.queries() <= b.queries());

    // The post's text edited, and its picture described anew.
    app.patch_as(
        &format!("/api/v1/posts/{}", site.a),
        &admin,
        json!({"title": "Alpha, revised"}),
        None,
    )
    .await
    .expect(200);
    app.patch_as(
        &format!("/api/v1/media/{}", site.picture),
        &admin,
        json!({"alt_text": "Described anew"}),
        None,
    )
    .await
    .expect(200);
    let list = read("/api/v1/posts?per_page=10".into()).await.expect(200);
    let a = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == site.a)
        .expect("post a listed")
        .clone();
    assert_eq!(a["title"], "Alpha, revised");
    assert_eq!(a["featured_media"]["alt_text"], "Described anew");

    // Totals are kept too, and stay exact: a post published, one trashed,
    // one going live at its time.
    let total = |path: &'static str| {
        let read = &read;
        async move { read(path.into()).await.expect(200)["meta"]["total"].clone() }
    };
    assert_eq!(total("/api/v1/posts?edition=en").await, 2);
    let again = read("/api/v1/posts?edition=en".into()).await;
    assert!(again.queries() < first.queries(), "the total is kept");
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "Gamma", "status": "published"}),
    )
    .await
    .expect(201);
    assert_eq!(total("/api/v1/posts?edition=en").await, 3);
    app.delete_as(&format!("/api/v1/posts/{}", site.c), &admin, None)
        .await
        .expect_no_content();
    assert_eq!(total("/api/v1/posts?edition=en").await, 2);
    schedule(
        &app,
        &admin,
        json!({"edition": "en", "title": "Delta"}),
        1200,
    )
    .await;
    assert_eq!(total("/api/v1/posts?edition=en").await, 2);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(total("/api/v1/posts?edition=en").await, 3);
}

/// With whole responses not kept, a category tree is built from every
/// category's kept view (no query beyond the change log's), and a single
/// post from its kept view with its kept neighbours; a change drops them
/// on every instance: a category renamed, added or moved, a post
/// published in it or going live at its time (its count), a neighbour
/// retitled, a post published before the first one and unpublished.
#[actix_web::test]
async fn kept_trees_and_neighbours_follow_every_change_on_every_instance() {
    let Unkept {
        app,
        admin,
        site,
        other,
    } = Unkept::new().await;
    let read = |path: String| read_from(&app, &other, path);
    let tree_path = || "/api/v1/categories?tree=true&edition=en".to_string();
    let first = read(tree_path()).await;
    let again = read(tree_path()).await;
    assert_eq!(first.expect(200), again.expect(200));
    assert!(
        again.queries() < first.queries(),
        "the second tree is built from kept views: {} then {} queries",
        first.queries(),
        again.queries()
    );
    // Another edition's tree, and the whole tree, from the same views.
    let fa = read("/api/v1/categories?tree=true&edition=fa".into()).await;
    assert_eq!(fa.expect(200)["data"][0]["name"], "Sport");
    assert!(fa.queries() <= again.queries());
    let news = |tree: &Value| {
        tree["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == site.news)
            .cloned()
            .expect("News is a root")
    };
    assert_eq!(news(&again.json())["post_count"], 1);
    assert_eq!(news(&again.json())["children"], json!([]));

    // Renamed, and a subcategory added, through the first instance.
    app.patch_as(
        &format!("/api/v1/categories/{}", site.news),
        &admin,
        json!({"name": "World"}),
        None,
    )
    .await
    .expect(200);
    let europe = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "en", "name": "Europe", "parent": site.news}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let tree = read(tree_path()).await.expect(200);
    assert_eq!(news(&tree)["name"], "World");
    assert_eq!(news(&tree)["children"][0]["id"], europe);
    assert_eq!(news(&tree)["children"][0]["children"], json!([]));
    // Exactly what the tree is built from the database (a reader with a
    // token keeps nothing).
    let fresh = app.get_as(&tree_path(), &admin).await.expect(200);
    assert_eq!(tree["data"], fresh["data"]);

    // A post published in it counts at once; a scheduled one at its time.
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "Epsilon", "status": "published",
               "categories": [site.news]}),
    )
    .await
    .expect(201);
    assert_eq!(news(&read(tree_path()).await.expect(200))["post_count"], 2);
    schedule(
        &app,
        &admin,
        json!({"edition": "en", "title": "Zeta", "categories": [site.news]}),
        1200,
    )
    .await;
    assert_eq!(news(&read(tree_path()).await.expect(200))["post_count"], 2);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(news(&read(tree_path()).await.expect(200))["post_count"], 3);

    // Moved to the top level.
    app.patch_as(
        &format!("/api/v1/categories/{europe}"),
        &admin,
        json!({"parent": null}),
        None,
    )
    .await
    .expect(200);
    let tree = read(tree_path()).await.expect(200);
    assert_eq!(news(&tree)["children"], json!([]));
    assert!(tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == europe));

    // Neighbours: kept with c's view (the oldest English post, whose
    // `next` is a), read once more from memory.
    let c_path = format!("/api/v1/posts/{}", site.c);
    let c = read(c_path.clone()).await;
    let c_again = read(c_path.clone()).await;
    assert_eq!(c.expect(200), c_again.expect(200));
    assert!(
        c_again.queries() < c.queries(),
        "neighbours kept: {} then {} queries",
        c.queries(),
        c_again.queries()
    );
    assert_eq!(c_again.json()["previous"], Value::Null);
    assert_eq!(c_again.json()["next"]["id"], site.a);
    // Its neighbour retitled: the link's title changes.
    app.patch_as(
        &format!("/api/v1/posts/{}", site.a),
        &admin,
        json!({"title": "Alpha, retitled"}),
        None,
    )
    .await
    .expect(200);
    let c = read(c_path.clone()).await.expect(200);
    assert_eq!(c["next"]["title"], "Alpha, retitled");
    // A post published with an earlier date: c's `previous` is the new one.
    let before = chrono::DateTime::parse_from_rfc3339(c["published_at"].as_str().unwrap()).unwrap()
        - chrono::Duration::hours(1);
    let older = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Older", "status": "published",
                   "published_at": before.to_rfc3339()}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let c = read(c_path.clone()).await.expect(200);
    assert_eq!(c["previous"]["id"], older);
    assert_eq!(c["previous"]["title"], "Older");
    // Unpublished again: none before c.
    app.patch_as(
        &format!("/api/v1/posts/{older}"),
        &admin,
        json!({"status": "draft"}),
        None,
    )
    .await
    .expect(200);
    let c = read(c_path).await.expect(200);
    assert_eq!(c["previous"], Value::Null);
    assert_eq!(c["next"]["id"], site.a);
}

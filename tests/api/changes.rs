//! The change log (`changes` table): one row per change of public meaning,
//! written in the same transaction as the change, whichever path made it:
//! the API, `nashr import wordpress`, a restore, the CLI, the demo, or a
//! scheduled post reaching its time (once, with two instances running).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use nashr::repo::changes::ChangeRow;
use serde_json::{json, Value};

use crate::helpers::{fresh_db, nashr_command, seed, spawn_app, spawn_demo, Reply, TestApp};

/// Every row after id `after`, oldest first.
fn rows_after(app: &TestApp, after: i64) -> Vec<ChangeRow> {
    app.db(|c| nashr::repo::changes::after(c, after, 100_000).unwrap())
}

fn last_id(app: &TestApp) -> i64 {
    app.db(|c| nashr::repo::changes::last_id(c).unwrap())
}

/// `(resource, id, action)` of rows after `after`.
fn log_after(app: &TestApp, after: i64) -> Vec<(String, i64, String)> {
    rows_after(app, after)
        .into_iter()
        .map(|r| (r.resource, r.resource_id, r.action))
        .collect()
}

fn entry(resource: &str, id: i64, action: &str) -> (String, i64, String) {
    (resource.to_string(), id, action.to_string())
}

/// Whether purging the keys of `change` purges responses tagged `key`.
fn purges(change: &ChangeRow, key: &str) -> bool {
    change.surrogate_keys.split(' ').any(|k| k == key)
}

fn no_content(reply: Reply) {
    reply.expect_no_content();
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().expect("an id")
}

async fn english(app: &TestApp, token: &str) {
    app.post_as(
        "/api/v1/editions",
        token,
        json!({"code": "en", "name": "English", "native_name": "English", "direction": "ltr"}),
    )
    .await
    .expect(201);
}

#[actix_web::test]
async fn each_public_change_of_a_post_is_one_row_and_draft_work_is_none() {
    let app = spawn_app().await;
    let token = app.admin().await;
    english(&app, &token).await;
    let editions: Vec<_> = log_after(&app, 0);
    assert_eq!(editions.len(), 1, "{editions:?}");
    assert_eq!(
        (editions[0].0.as_str(), editions[0].2.as_str()),
        ("edition", "created")
    );

    let start = last_id(&app);
    let cat = id_of(
        &app.post_as(
            "/api/v1/categories",
            &token,
            json!({"edition": "en", "name": "News"}),
        )
        .await
        .expect(201),
    );
    let tag = id_of(
        &app.post_as(
            "/api/v1/tags",
            &token,
            json!({"edition": "en", "name": "Press"}),
        )
        .await
        .expect(201),
    );
    assert_eq!(
        log_after(&app, start),
        [
            entry("category", cat, "created"),
            entry("tag", tag, "created")
        ]
    );

    // A draft: created, edited, trashed, restored, edited again: nothing
    // the public can see, so no row.
    let path = |id: i64| format!("/api/v1/posts/{id}");
    let before = last_id(&app);
    let draft = id_of(
        &app.post_as(
            "/api/v1/posts",
            &token,
            json!({"edition": "en", "title": "Draft", "categories": [cat], "tags": [tag]}),
        )
        .await
        .expect(201),
    );
    app.patch_as(&path(draft), &token, json!({"title": "Draft 2"}), None)
        .await
        .expect(200);
    no_content(app.delete_as(&path(draft), &token, None).await);
    app.post_as(
        &format!("/api/v1/posts/{draft}/restore"),
        &token,
        json!(null),
    )
    .await
    .expect(200);
    app.patch_as(
        &path(draft),
        &token,
        json!({"content": "<p>more</p>"}),
        None,
    )
    .await
    .expect(200);
    let quiet = log_after(&app, before);
    assert!(quiet.is_empty(), "draft work left rows: {quiet:?}");

    let post = id_of(
        &app.post_as(
            "/api/v1/posts",
            &token,
            json!({"edition": "en", "title": "Story", "categories": [cat], "tags": [tag]}),
        )
        .await
        .expect(201),
    );
    let step = |body: Value| {
        let app = &app;
        let token = &token;
        let url = path(post);
        async move {
            let before = last_id(app);
            app.patch_as(&url, token, body, None).await.expect(200);
            log_after(app, before)
        }
    };
    assert_eq!(
        step(json!({"status": "published"})).await,
        [entry("post", post, "published")]
    );
    let published = rows_after(&app, start).pop().unwrap();
    assert_eq!(published.edition.as_deref(), Some("en"));
    assert_eq!(published.slug.as_deref(), Some("story"));
    // Its keys purge every public response that now shows it: each of
    // them carries one of them in `Surrogate-Key`.
    for read in [
        format!("/api/v1/posts/{post}"),
        "/api/v1/posts?edition=en".into(),
        "/api/v1/posts/by-slug/story?edition=en".into(),
        "/api/v1/categories?edition=en".into(),
        format!("/api/v1/categories/{cat}"),
        "/api/v1/tags?edition=en".into(),
        "/feeds/en/rss.xml".into(),
        "/sitemap.xml".into(),
    ] {
        let reply = app.get(&read).await;
        assert_eq!(reply.status, 200, "{read}");
        let shown = reply
            .header("surrogate-key")
            .unwrap_or_default()
            .to_string();
        assert!(
            shown.split(' ').any(|k| purges(&published, k)),
            "{read} shows {shown:?}, none of which the change names: {:?}",
            published.surrogate_keys
        );
    }

    assert_eq!(
        step(json!({"title": "Story, updated"})).await,
        [entry("post", post, "updated")]
    );
    // The same values again: nothing the public sees changed.
    assert_eq!(step(json!({"title": "Story, updated"})).await, []);
    assert_eq!(
        step(json!({"status": "draft"})).await,
        [entry("post", post, "unpublished")]
    );
    assert_eq!(step(json!({"title": "Story, offline"})).await, []);
    assert_eq!(
        step(json!({"status": "published"})).await,
        [entry("post", post, "published")]
    );
    // Taken out of a category: the key of the category's post count is
    // among the row's.
    let before = last_id(&app);
    app.patch_as(&path(post), &token, json!({"categories": []}), None)
        .await
        .expect(200);
    let row = rows_after(&app, before).pop().expect("a row");
    assert_eq!(row.action, "updated");
    assert!(purges(&row, &format!("category-{cat}-posts")), "{row:?}");

    let before = last_id(&app);
    no_content(app.delete_as(&path(post), &token, None).await);
    let trashed = log_after(&app, before);
    assert_eq!(trashed, [entry("post", post, "trashed")]);
    let before = last_id(&app);
    app.post_as(
        &format!("/api/v1/posts/{post}/restore"),
        &token,
        json!(null),
    )
    .await
    .expect(200);
    let restored = log_after(&app, before);
    assert_eq!(restored, [entry("post", post, "published")]);
    let before = last_id(&app);
    no_content(
        app.delete_as(&format!("/api/v1/posts/{post}?force=true"), &token, None)
            .await,
    );
    let deleted = log_after(&app, before);
    assert_eq!(deleted, [entry("post", post, "deleted")]);
    // The deleted post's row still names it, for whoever purges it.
    let row = rows_after(&app, 0).pop().unwrap();
    assert_eq!(row.slug.as_deref(), Some("story"));

    let before = last_id(&app);
    app.patch_as(
        &format!("/api/v1/categories/{cat}"),
        &token,
        json!({"name": "World"}),
        None,
    )
    .await
    .expect(200);
    no_content(
        app.delete_as(&format!("/api/v1/tags/{tag}"), &token, None)
            .await,
    );
    let terms = log_after(&app, before);
    assert_eq!(
        terms,
        [
            entry("category", cat, "updated"),
            entry("tag", tag, "deleted")
        ]
    );
    // Ids only grow.
    let ids: Vec<i64> = rows_after(&app, 0).iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[actix_web::test]
async fn logins_tokens_and_private_account_changes_leave_no_row() {
    let app = spawn_app().await;
    seed::editions(&app);
    let (author, login) = app.user_with_role("writer", "author").await;
    // A live post by the author makes them a public author.
    let mut post = seed::Post::new(1, "by-writer");
    post.author = Some(author);
    post.insert(&app);

    let before = last_id(&app);
    let again = app.login("writer", "writer-password").await;
    let (_, script) = app.script_token(&again, &["read", "posts:write"]).await;
    app.get_as("/api/v1/posts?status=draft", &script)
        .await
        .expect(200);
    app.post_as(
        "/api/v1/posts",
        &script,
        json!({"edition": "en", "title": "A draft of mine"}),
    )
    .await
    .expect(201);
    app.patch_as(
        "/api/v1/users/me",
        &login,
        json!({"email": "writer@example.org", "current_password": "writer-password"}),
        None,
    )
    .await
    .expect(200);
    // Failed logins are not content either.
    let failed = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "writer", "password": "wrong"})),
            None,
        )
        .await;
    assert_eq!(failed.status, 401);
    let quiet = log_after(&app, before);
    assert!(quiet.is_empty(), "private changes left rows: {quiet:?}");

    // The same account's public name is public.
    let before = last_id(&app);
    app.patch_as(
        "/api/v1/users/me",
        &login,
        json!({"display_name": "The Writer"}),
        None,
    )
    .await
    .expect(200);
    let named = log_after(&app, before);
    assert_eq!(named, [entry("author", author, "updated")]);
}

#[actix_web::test]
async fn a_scheduled_post_going_live_is_recorded_once_with_two_instances() {
    let app = spawn_app().await;
    let token = app.admin().await;
    english(&app, &token).await;
    let other = app.second_instance().await;
    let reply = app
        .client
        .get(format!("{other}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let mut ids = Vec::new();
    let before = last_id(&app);
    for n in 0..4 {
        ids.push(id_of(
            &app.post_as(
                "/api/v1/posts",
                &token,
                json!({"edition": "en", "title": format!("Embargoed {n}"),
                           "status": "scheduled", "published_at": at.to_rfc3339()}),
            )
            .await
            .expect(201),
        ));
    }
    let quiet = log_after(&app, before);
    assert!(quiet.is_empty(), "scheduling is not public yet: {quiet:?}");
    let start = last_id(&app);

    // Both instances' schedulers race for them; wait until every post is in
    // the log, then a little longer for any second row.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let seen = log_after(&app, start).len();
        if seen >= ids.len() || std::time::Instant::now() > deadline {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    let mut rows = log_after(&app, start);
    rows.sort();
    let mut wanted: Vec<_> = ids
        .iter()
        .map(|&id| entry("post", id, "went_live"))
        .collect();
    wanted.sort();
    assert_eq!(rows, wanted);
    // Readers see them, and a later edit is an update of a live post.
    let id = ids[0];
    assert_eq!(
        app.get_json(&format!("/api/v1/posts/{id}")).await["status"],
        "published"
    );
    let before = last_id(&app);
    app.patch_as(
        &format!("/api/v1/posts/{id}"),
        &token,
        json!({"title": "Out"}),
        None,
    )
    .await
    .expect(200);
    let edited = log_after(&app, before);
    assert_eq!(edited, [entry("post", id, "updated")]);
}

#[actix_web::test]
async fn an_edit_after_the_time_but_before_the_scheduler_publishes_once() {
    // A scheduled post whose time has passed is live to readers at once;
    // the first of the scheduler or a write records it, not both.
    let app = spawn_app().await;
    let token = app.admin().await;
    seed::editions(&app);
    let mut post = seed::Post::new(1, "due");
    post.status = "scheduled";
    post.published_at = seed::days_ago(0) - chrono::Duration::seconds(1);
    let id = post.insert(&app);
    let start = last_id(&app);
    app.patch_as(
        &format!("/api/v1/posts/{id}"),
        &token,
        json!({"title": "Due now"}),
        None,
    )
    .await
    .expect(200);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let rows = log_after(&app, start);
    assert!(
        rows == [entry("post", id, "published")]
            || rows == [entry("post", id, "went_live"), entry("post", id, "updated")],
        "{rows:?}"
    );
}

/// Rows by `(resource, action)`, counted.
fn tally(rows: &[(String, i64, String)]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for (resource, _, action) in rows {
        *out.entry((resource.clone(), action.clone())).or_default() += 1;
    }
    out
}

/// How many posts the public sees, from the API.
async fn live_posts(app: &TestApp) -> usize {
    let mut n = 0;
    for kind in ["article", "page"] {
        let list = app
            .get_json(&format!("/api/v1/posts?kind={kind}&per_page=1"))
            .await;
        n += list["meta"]["total"].as_u64().unwrap() as usize;
    }
    n
}

#[actix_web::test]
async fn the_demo_and_a_restore_of_it_record_every_public_resource_as_new() {
    let app = spawn_demo().await;
    let rows = log_after(&app, 0);
    let counts = tally(&rows);
    let live = live_posts(&app).await;
    assert!(live > 100);
    assert_eq!(counts[&("post".into(), "published".into())], live);
    let editions = app.get_json("/api/v1/editions").await;
    assert_eq!(
        counts[&("edition".into(), "created".into())],
        editions["data"].as_array().unwrap().len()
    );
    assert!(counts[&("category".into(), "created".into())] > 0);
    assert!(counts[&("menu".into(), "created".into())] > 0);
    assert!(counts[&("author".into(), "created".into())] > 0);
    // Nothing but creations.
    assert!(
        counts
            .keys()
            .all(|(_, a)| a == "created" || a == "published"),
        "{counts:?}"
    );

    // Exported and restored into an empty database, it leaves the same.
    let out = app
        .settings
        .store
        .media_dir
        .parent()
        .unwrap()
        .join("export");
    let exported = nashr_command(&app.settings)
        .arg("export")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let target = fresh_db();
    let restored = nashr_command(&target.settings)
        .args(["import", "nashr"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let pool = nashr::db::Pool::connect_with(
        &target.settings.store.database_url,
        1,
        Duration::from_secs(5),
        None,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let again: Vec<_> = nashr::repo::changes::after(&mut conn.conn, 0, 100_000)
        .unwrap()
        .into_iter()
        .map(|r| (r.resource, r.resource_id, r.action))
        .collect();
    // The same resources (ids are kept by a restore), the same actions.
    let set = |rows: &[(String, i64, String)]| {
        let mut rows = rows.to_vec();
        rows.sort();
        rows
    };
    assert_eq!(set(&again), set(&rows));
}

#[actix_web::test]
async fn the_cli_import_records_what_the_api_would_and_a_second_import_nothing() {
    let app = spawn_app().await;
    seed::editions(&app);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress/wptest.xml");
    let import = || {
        let out = nashr_command(&app.settings)
            .args(["import", "wordpress"])
            .arg(&file)
            .args(["--edition", "en"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    import();
    let rows = log_after(&app, 0);
    let counts = tally(&rows);
    // Every live post once as published (and some again as updated, when
    // their featured image or gallery is linked at the end of the import).
    let live = live_posts(&app).await;
    assert_eq!(counts[&("post".into(), "published".into())], live);
    let published: Vec<i64> = rows
        .iter()
        .filter(|r| r.2 == "published")
        .map(|r| r.1)
        .collect();
    let mut unique = published.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), published.len());
    // Every category and tag of the edition once as created.
    let categories = app
        .get_json("/api/v1/categories?edition=en&per_page=1")
        .await;
    assert_eq!(
        counts[&("category".into(), "created".into())] as u64,
        categories["meta"]["total"].as_u64().unwrap()
    );
    let tags = app.get_json("/api/v1/tags?edition=en&per_page=1").await;
    assert_eq!(
        counts[&("tag".into(), "created".into())] as u64,
        tags["meta"]["total"].as_u64().unwrap()
    );
    // No draft, private or trashed post of the file is in the log.
    for (resource, id, _) in &rows {
        if resource == "post" {
            app.get(&format!("/api/v1/posts/{id}")).await.expect(200);
        }
    }

    // The same file again changes nothing, so records nothing.
    let start = last_id(&app);
    import();
    assert_eq!(log_after(&app, start), []);

    // CLI account commands are private.
    let start = last_id(&app);
    for args in [
        vec!["user", "create", "someone", "--role", "editor"],
        vec!["user", "set-role", "someone", "author"],
        vec!["user", "disable", "someone"],
    ] {
        let out = nashr_command(&app.settings).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(log_after(&app, start), []);
}

#[actix_web::test]
async fn the_log_is_pruned_after_its_retention() {
    let app = spawn_app().await;
    let token = app.admin().await;
    english(&app, &token).await;
    assert_eq!(log_after(&app, 0).len(), 1);
    let last = last_id(&app);
    let now = seed::now();
    let pruned = app
        .db(|c| nashr::content::retention::prune(c, now + chrono::Duration::days(31), 30).unwrap());
    assert_eq!(pruned, 1);
    assert_eq!(log_after(&app, 0), []);
    // Ids are never reused after a prune.
    app.post_as(
        "/api/v1/tags",
        &token,
        json!({"edition": "en", "name": "After"}),
    )
    .await
    .expect(201);
    let rows = rows_after(&app, 0);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].id > last);
}

#[actix_web::test]
async fn menus_media_and_editions_record_their_public_changes() {
    let app = spawn_app().await;
    let token = app.admin().await;
    english(&app, &token).await;
    let start = last_id(&app);
    let menu = id_of(
        &app.post_as(
            "/api/v1/menus",
            &token,
            json!({"edition": "en", "name": "Main"}),
        )
        .await
        .expect(201),
    );
    app.patch_as(
        &format!("/api/v1/menus/{menu}"),
        &token,
        json!({"name": "Top"}),
        None,
    )
    .await
    .expect(200);
    no_content(
        app.delete_as(&format!("/api/v1/menus/{menu}"), &token, None)
            .await,
    );
    assert_eq!(
        log_after(&app, start),
        [
            entry("menu", menu, "created"),
            entry("menu", menu, "updated"),
            entry("menu", menu, "deleted")
        ]
    );

    // A media item nobody public uses is private until it is listed.
    let start = last_id(&app);
    let video = |listed: bool| {
        json!({"kind": "embed", "url": "https://www.youtube.com/watch?v=M7lc1UVf-VE",
               "title": "Reed pens", "listed": listed})
    };
    let hidden = id_of(
        &app.post_as("/api/v1/media", &token, video(false))
            .await
            .expect(201),
    );
    app.patch_as(
        &format!("/api/v1/media/{hidden}"),
        &token,
        json!({"alt_text": "pens"}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(log_after(&app, start), []);
    app.patch_as(
        &format!("/api/v1/media/{hidden}"),
        &token,
        json!({"listed": true}),
        None,
    )
    .await
    .expect(200);
    let shown = id_of(
        &app.post_as("/api/v1/media", &token, video(true))
            .await
            .expect(201),
    );
    no_content(
        app.delete_as(&format!("/api/v1/media/{shown}"), &token, None)
            .await,
    );
    assert_eq!(
        log_after(&app, start),
        [
            entry("media", hidden, "created"),
            entry("media", shown, "created"),
            entry("media", shown, "deleted")
        ]
    );

    // A new default edition changes the old default too.
    let start = last_id(&app);
    app.post_as(
        "/api/v1/editions",
        &token,
        json!({"code": "fa", "name": "Persian", "native_name": "فارسی", "direction": "rtl", "is_default": true}),
    )
    .await
    .expect(201);
    let rows = rows_after(&app, start);
    let got: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.edition.as_deref()))
        .collect();
    assert_eq!(got, [("updated", Some("en")), ("created", Some("fa"))]);
}

//! Post counts of categories, tags and authors are kept by the database
//! (not counted on each read), and stay exact through every kind of
//! write: publish, unpublish, trash, restore, purge, a change of
//! categories, tags or author, a scheduled post reaching its time (before
//! and after the scheduler marks it), a published post dated ahead, a
//! category deleted, a backup restored.

use std::time::Duration;

use serde_json::{json, Value};

use nashr::repo::counts::Counted;

use crate::helpers::{database_is_consistent, fresh_db, nashr_command, seed, spawn_app, TestApp};

/// `post_count` of categories `a`, `b`, tag `t` and author `u`, as the
/// public reads them (0 for an author with no live post, who is not
/// public).
async fn counts(app: &TestApp, a: i64, b: i64, t: i64, u: i64) -> [i64; 4] {
    let count = |v: Value| v["post_count"].as_i64().expect("a post_count");
    [
        count(
            app.get(&format!("/api/v1/categories/{a}"))
                .await
                .expect(200),
        ),
        count(
            app.get(&format!("/api/v1/categories/{b}"))
                .await
                .expect(200),
        ),
        count(app.get(&format!("/api/v1/tags/{t}")).await.expect(200)),
        // An author is public while they have a live post.
        match app.get(&format!("/api/v1/authors/{u}")).await {
            r if r.status == 404 => 0,
            r => count(r.expect(200)),
        },
    ]
}

fn kept_counts_agree(app: &TestApp) {
    assert!(app.db(database_is_consistent), "a kept count drifted");
}

#[actix_web::test]
async fn post_counts_stay_exact_through_every_kind_of_write() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (en, _, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let sport = seed::category(&app, en, "sport", None, "g-sport");
    let tag = seed::tag(&app, en, "press");
    let author = seed::user(&app, "writer");
    let post = |id: i64| format!("/api/v1/posts/{id}");
    let create = |body: Value| app.post_as("/api/v1/posts", &admin, body);
    let id = |v: Value| v["id"].as_i64().expect("an id");

    let first = id(create(
        json!({"edition": "en", "title": "One", "status": "published",
        "categories": [news], "tags": [tag], "author": author}),
    )
    .await
    .expect(201));
    let draft = id(
        create(json!({"edition": "en", "title": "Two", "status": "draft",
        "categories": [news], "tags": [tag], "author": author}))
        .await
        .expect(201),
    );
    assert_eq!(counts(&app, news, sport, tag, author).await, [1, 0, 1, 1]);

    // Published, unpublished, published again.
    let (app_, admin_) = (&app, &admin);
    let patch =
        |path: String, body: Value| async move { app_.patch_as(&path, admin_, body, None).await };
    patch(post(draft), json!({"status": "published"}))
        .await
        .expect(200);
    assert_eq!(counts(&app, news, sport, tag, author).await, [2, 0, 2, 2]);
    patch(post(draft), json!({"status": "draft"}))
        .await
        .expect(200);
    assert_eq!(counts(&app, news, sport, tag, author).await, [1, 0, 1, 1]);
    patch(post(draft), json!({"status": "published"}))
        .await
        .expect(200);

    // Moved to another category, untagged, given to another author.
    let other = seed::user(&app, "other");
    patch(
        post(draft),
        json!({"categories": [sport], "tags": [], "author": other}),
    )
    .await
    .expect(200);
    assert_eq!(counts(&app, news, sport, tag, author).await, [1, 1, 1, 1]);
    assert_eq!(counts(&app, news, sport, tag, other).await[3], 1);
    kept_counts_agree(&app);

    // Trashed, restored, trashed and purged.
    app.delete_as(&post(first), &admin, None)
        .await
        .expect_no_content();
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 1, 0, 0]);
    app.post_as(&format!("{}/restore", post(first)), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(counts(&app, news, sport, tag, author).await, [1, 1, 1, 1]);
    app.delete_as(&post(first), &admin, None)
        .await
        .expect_no_content();
    app.delete_as(&format!("{}?force=true", post(first)), &admin, None)
        .await
        .expect_no_content();
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 1, 0, 0]);
    // A live post deleted for good at once.
    app.delete_as(&format!("{}?force=true", post(draft)), &admin, None)
        .await
        .expect_no_content();
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 0, 0, 0]);
    kept_counts_agree(&app);

    // A published post dated ahead counts from its time, not before.
    let ahead = seed::Post {
        categories: vec![news],
        tags: vec![tag],
        author: Some(author),
        published_at: chrono::Utc::now().naive_utc() + chrono::Duration::days(1),
        ..seed::Post::new(en, "ahead")
    }
    .insert(&app);
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 0, 0, 0]);

    // A scheduled post counts from its time, before any scheduler has
    // marked it published, and once one has, still once.
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1200);
    let scheduled = id(create(
        json!({"edition": "en", "title": "Three", "status": "scheduled",
        "published_at": at.to_rfc3339(), "categories": [sport], "tags": [tag], "author": author}),
    )
    .await
    .expect(201));
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 0, 0, 0]);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 1, 1, 1]);
    let claimed = async {
        for _ in 0..100 {
            let status = app.get_as(&post(scheduled), &admin).await.expect(200)["status"].clone();
            if status == "published" {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    assert!(claimed.await, "the scheduler marks the post published");
    assert_eq!(counts(&app, news, sport, tag, author).await, [0, 1, 1, 1]);
    kept_counts_agree(&app);

    // A category deleted takes its links with it; the others keep theirs.
    app.delete_as(&format!("/api/v1/categories/{news}"), &admin, None)
        .await
        .expect_no_content();
    kept_counts_agree(&app);
    assert!(ahead > 0);
}

#[actix_web::test]
async fn a_restored_backup_counts_its_posts_again() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let tag = seed::tag(&app, en, "press");
    let author = seed::user(&app, "writer");
    for slug in ["one", "two", "three"] {
        seed::Post {
            categories: vec![news],
            tags: vec![tag],
            author: Some(author),
            ..seed::Post::new(en, slug)
        }
        .insert(&app);
    }
    let out = app.settings.store.media_dir.with_file_name("export");
    let exported = nashr_command(&app.settings)
        .arg("export")
        .arg(&out)
        .output()
        .unwrap();
    assert!(exported.status.success(), "{exported:?}");

    // Restored rows arrive with their counts; the triggers count the
    // links once more as they go in; the restore counts again.
    let target = fresh_db();
    let imported = nashr_command(&target.settings)
        .args(["import", "nashr"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
    let pool = nashr::db::Pool::connect(
        &target.settings.store.database_url,
        1,
        Duration::from_secs(5),
    )
    .expect("the restored database");
    let mut conn = pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    for (counted, id) in [
        (Counted::Categories, news),
        (Counted::Tags, tag),
        (Counted::Authors, author),
    ] {
        let found = nashr::repo::counts::live_posts(&mut conn.conn, counted, &[id], now).unwrap();
        assert_eq!(found[&id], 3, "{counted:?}");
    }
    assert!(database_is_consistent(&mut conn.conn));
}

/// A parent category's `post_count` is of the posts filed in it (as
/// WordPress counts); the list `category=<parent>` has its subcategories'
/// posts too, each once, and its `meta.total` is that other count.
#[actix_web::test]
async fn a_parent_counts_its_own_posts_and_its_list_counts_the_subtree() {
    use crate::helpers::seed::Post;
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let world = seed::category(&app, en, "world", None, "g-world");
    let europe = seed::category(&app, en, "europe", Some(world), "g-europe");
    let balkans = seed::category(&app, en, "balkans", Some(europe), "g-balkans");
    for (slug, categories) in [
        ("a", vec![world]),
        ("b", vec![europe]),
        ("c", vec![balkans]),
        ("d", vec![world, balkans]),
    ] {
        Post {
            categories,
            ..Post::new(en, slug)
        }
        .insert(&app);
    }
    let count = |id: i64| {
        let app = &app;
        async move {
            app.get_json(&format!("/api/v1/categories/{id}")).await["post_count"]
                .as_i64()
                .unwrap()
        }
    };
    let listed = |id: i64| {
        let app = &app;
        async move {
            app.get_json(&format!("/api/v1/posts?category={id}&per_page=1"))
                .await["meta"]["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(
        [
            count(world).await,
            count(europe).await,
            count(balkans).await
        ],
        [2, 1, 2]
    );
    assert_eq!(
        [
            listed(world).await,
            listed(europe).await,
            listed(balkans).await
        ],
        [4, 3, 2],
        "the subtree, each post once"
    );
}

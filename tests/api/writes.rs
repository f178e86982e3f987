//! The publishing workflow: drafts, scheduling, If-Match, trash, revisions,
//! validation and sanitising, through the HTTP API.

use reqwest::Method;
use serde_json::json;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, TestApp};

/// An app with en, fa and ar editions; answers the admin's token.
async fn app_with_editions() -> (TestApp, String) {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    (app, admin)
}

#[actix_web::test]
async fn an_editor_writes_a_persian_draft_and_schedules_it_to_go_live_by_itself() {
    let (app, admin) = app_with_editions().await;
    let (editor_id, editor) = app.user_with_role("leila", "editor").await;
    let fa = app.db(|c| {
        nashr::repo::editions::all(c)
            .unwrap()
            .by_code("fa")
            .unwrap()
            .id
    });
    let news = seed::category(&app, fa, "اخبار", None, "g");
    let tag = seed::tag(&app, fa, "کتاب");
    let _ = admin;

    let created = app
        .post_as(
            "/api/v1/posts",
            &editor,
            json!({"edition": "fa", "title": "کتاب‌های تازهٔ بهار", "content": "<p>متن <b>آزمایشی</b></p>",
                   "categories": [news], "tags": [tag]}),
        )
        .await;
    created.expect(201);
    let post = created.json();
    let id = post["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/posts/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(post["status"], "draft");
    assert_eq!(
        post["slug"], "کتاب-های-تازه-بهار",
        "ZWNJ becomes a hyphen; the hamza mark goes"
    );
    assert_eq!(
        post["title"], "کتاب‌های تازهٔ بهار",
        "the title keeps its ZWNJ"
    );
    assert_eq!(post["excerpt"], "متن آزمایشی");
    assert_eq!(post["categories"][0]["id"], news);
    assert_eq!(post["tags"][0]["id"], tag);
    assert_eq!(post["author"]["id"], editor_id);
    assert_eq!(post["created_by"], editor_id);

    // Drafts are the editor's: the public sees nothing.
    app.get(&format!("/api/v1/posts/{id}")).await.problem(404);
    let private = app.get_as(&format!("/api/v1/posts/{id}"), &editor).await;
    assert_eq!(private.status, 200);
    assert_eq!(private.header("cache-control"), Some("private, no-store"));
    assert!(private.header("vary").unwrap().contains("Authorization"));
    assert!(app
        .get("/api/v1/posts")
        .await
        .header("cache-control")
        .is_none_or(|c| !c.contains("private")));

    // Scheduled a couple of seconds ahead, it goes live with nothing running.
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let scheduled = app
        .patch_as(
            &format!("/api/v1/posts/{id}"),
            &editor,
            json!({"status": "scheduled", "published_at": at.to_rfc3339()}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(scheduled.status, 200);
    assert_eq!(scheduled.json()["status"], "scheduled");
    assert_eq!(scheduled.json()["published_by"], editor_id);
    assert_eq!(
        app.get("/api/v1/posts?edition=fa").await.json()["meta"]["total"],
        0
    );
    let listed = app
        .get_as("/api/v1/posts?status=scheduled", &editor)
        .await
        .json();
    assert_eq!(listed["data"][0]["id"], id);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let reply = app.get(&format!("/api/v1/posts/{id}")).await;
        if reply.status == 200 {
            assert_eq!(reply.json()["status"], "published");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled post never went live"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        app.get("/api/v1/posts?edition=fa").await.json()["data"][0]["id"],
        id
    );
    let category = app.get_json(&format!("/api/v1/categories/{news}")).await;
    assert_eq!(category["post_count"], 1);
}

#[actix_web::test]
async fn a_stale_if_match_gets_412_and_changes_nothing() {
    let (app, admin) = app_with_editions().await;
    let (_, other) = app.user_with_role("other", "editor").await;
    let id = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "First"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/posts/{id}");

    // Both editors read version 1.
    let seen = app.get_as(&path, &admin).await.etag();
    assert_eq!(app.get_as(&path, &other).await.etag(), seen);
    let first = app
        .patch_as(
            &path,
            &admin,
            json!({"title": "Admin's title"}),
            Some(&seen),
        )
        .await;
    assert_eq!(first.status, 200);
    assert_ne!(first.etag(), seen);
    let second = app
        .patch_as(
            &path,
            &other,
            json!({"title": "Other's title"}),
            Some(&seen),
        )
        .await;
    second.problem(412);
    assert_eq!(
        app.get_as(&path, &admin).await.json()["title"],
        "Admin's title"
    );
    app.delete_as(&path, &other, Some(&seen)).await.problem(412);
    app.patch_as(&path, &other, json!({"title": "x"}), Some("W/\"2\""))
        .await
        .problem(412);
    assert_eq!(
        app.get_as(&path, &admin).await.json()["title"],
        "Admin's title"
    );
    // With the current tag (or `*`) it goes through.
    let current = app.get_as(&path, &other).await.etag();
    assert_eq!(
        app.patch_as(
            &path,
            &other,
            json!({"title": "Other's title"}),
            Some(&format!("\"0\", {current}"))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.patch_as(&path, &other, json!({"featured": true}), Some("*"))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn concurrent_edits_with_the_same_if_match_let_exactly_one_through() {
    let (app, admin) = app_with_editions().await;
    let id = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Contested"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/posts/{id}");
    let tag = app.get_as(&path, &admin).await.etag();
    let attempts = (0..8).map(|n| {
        let (app, admin, path, tag) = (&app, &admin, &path, &tag);
        async move {
            app.patch_as(
                path,
                admin,
                json!({"title": format!("Edit {n}")}),
                Some(tag),
            )
            .await
        }
    });
    let replies = futures_join_all(attempts).await;
    let won: Vec<&crate::helpers::Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 412));
    let title = won[0].json()["title"].as_str().unwrap().to_string();
    assert_eq!(app.get_as(&path, &admin).await.json()["title"], title);
    assert_eq!(
        app.get_as(&format!("{path}/revisions"), &admin)
            .await
            .json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Runs futures at once (no extra crate: they share one task).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(out) => {
                        *result = Some(out);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(results.into_iter().map(|r| r.expect("finished")));
    outputs
}

#[actix_web::test]
async fn trash_restore_and_purge() {
    let (app, admin) = app_with_editions().await;
    let (_, editor) = app.user_with_role("ed", "editor").await;
    let id = app
        .post_as(
            "/api/v1/posts",
            &editor,
            json!({"edition": "en", "title": "Doomed", "status": "published"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/posts/{id}");
    assert_eq!(app.get(&path).await.status, 200);

    assert_eq!(app.delete_as(&path, &editor, None).await.status, 204);
    app.get(&path).await.problem(404);
    assert_eq!(app.get("/api/v1/posts").await.json()["meta"]["total"], 0);
    let trash = app
        .get_as("/api/v1/posts?status=trash", &editor)
        .await
        .json();
    assert_eq!(trash["data"][0]["id"], id);
    assert!(trash["data"][0]["trashed_at"].is_string());
    app.patch_as(&path, &editor, json!({"title": "x"}), None)
        .await
        .problem(409);

    let restored = app
        .send(
            Method::POST,
            &format!("{path}/restore"),
            Some(&editor),
            None,
            None,
        )
        .await;
    assert_eq!(restored.status, 200);
    assert_eq!(restored.json()["status"], "published");
    assert_eq!(app.get(&path).await.status, 200);
    app.send(
        Method::POST,
        &format!("{path}/restore"),
        Some(&editor),
        None,
        None,
    )
    .await
    .problem(409);

    app.send(
        Method::DELETE,
        &format!("{path}?force=true"),
        Some(&editor),
        None,
        None,
    )
    .await
    .problem(403);
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("{path}?force=true"),
            Some(&admin),
            None,
            None
        )
        .await
        .status,
        204
    );
    app.get_as(&path, &admin).await.problem(404);
}

#[actix_web::test]
async fn updates_keep_revisions_that_can_be_viewed_and_restored() {
    let (app, admin) = app_with_editions().await;
    let en = app.db(|c| {
        nashr::repo::editions::all(c)
            .unwrap()
            .by_code("en")
            .unwrap()
            .id
    });
    let cat = seed::category(&app, en, "first-cat", None, "g1");
    let id = app.post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "Version one", "content": "<p>one</p>", "categories": [cat]})).await.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/posts/{id}");
    app.patch_as(
        &path,
        &admin,
        json!({"title": "Version two", "content": "<p>two</p>", "categories": []}),
        None,
    )
    .await;
    app.patch_as(
        &path,
        &admin,
        json!({"title": "Version three", "content": "<p>three</p>"}),
        None,
    )
    .await;

    let revisions = app
        .get_as(&format!("{path}/revisions"), &admin)
        .await
        .json();
    let titles: Vec<&str> = revisions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Version two", "Version one"]);
    // A list like every other: one page at a time, by cursor.
    assert_eq!(revisions["meta"]["total"], 2);
    let first = app
        .get_as(&format!("{path}/revisions?per_page=1"), &admin)
        .await
        .json();
    assert_eq!(first["data"][0]["title"], "Version two");
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second = app
        .get_as(
            &format!("{path}/revisions?per_page=1&cursor={cursor}"),
            &admin,
        )
        .await
        .json();
    assert_eq!(second["data"][0]["title"], "Version one");
    assert!(second["meta"]["next_cursor"].is_null());
    let one = app
        .get_as(&format!("{path}/revisions/1"), &admin)
        .await
        .json();
    assert_eq!(one["content"], "<p>one</p>");
    assert_eq!(one["categories"], json!([cat]));

    let restored = app
        .send(
            Method::POST,
            &format!("{path}/revisions/1/restore"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(restored.status, 200);
    let post = restored.json();
    assert_eq!(post["title"], "Version one");
    assert_eq!(post["content"], "<p>one</p>");
    assert_eq!(post["categories"][0]["id"], cat);
    assert_eq!(restored.etag(), "\"4\"");
    assert_eq!(
        app.get_as(&format!("{path}/revisions"), &admin)
            .await
            .json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the restore kept version three"
    );
    app.get_as(&format!("{path}/revisions/99"), &admin)
        .await
        .problem(404);
    app.get(&format!("{path}/revisions")).await.problem(401);
}

#[actix_web::test]
async fn invalid_fields_are_reported_together_in_a_422() {
    let (app, admin) = app_with_editions().await;
    let fa = app.db(|c| {
        nashr::repo::editions::all(c)
            .unwrap()
            .by_code("fa")
            .unwrap()
            .id
    });
    let fa_cat = seed::category(&app, fa, "دسته", None, "g");
    let en_post = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Hello", "slug": "hello", "status": "published"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();

    let reply = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "   ", "slug": "Not A Slug", "categories": [fa_cat, 999999],
                   "tags": [888888], "featured_media": 777777, "author": 666666, "status": "scheduled"}),
        )
        .await;
    let mut fields = reply.invalid_fields();
    fields.sort();
    fields.dedup();
    assert_eq!(
        fields,
        [
            "author",
            "categories",
            "featured_media",
            "published_at",
            "slug",
            "tags",
            "title"
        ]
    );
    let doc = reply.json();
    assert!(doc["detail"]
        .as_str()
        .unwrap()
        .contains("fields are invalid"));
    assert!(doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"].as_str().unwrap().contains("not in edition en")));

    // Fields of the wrong type or shape are named with those of a wrong
    // value, each once, in one answer; nothing is written.
    let before =
        app.get_as("/api/v1/posts?per_page=1", &admin).await.json()["meta"]["total"].clone();
    let reply = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "fa", "title": "", "categories": [99999], "published_at": "tomorrow",
                   "status": "bogus", "kind": 7, "colour": "red"}),
        )
        .await;
    let mut fields = reply.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "categories",
            "colour",
            "kind",
            "published_at",
            "status",
            "title"
        ]
    );
    let errors = reply.json()["errors"].clone();
    let said = |field: &str| {
        errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(said("published_at").contains("RFC 3339"), "{errors}");
    assert!(said("status").contains("draft"), "{errors}");
    assert_eq!(
        app.get_as("/api/v1/posts?per_page=1", &admin).await.json()["meta"]["total"],
        before
    );
    // A change of a post alike.
    let reply = app
        .patch_as(
            &format!("/api/v1/posts/{en_post}"),
            &admin,
            json!({"title": "", "status": "bogus", "published_at": "soon"}),
            None,
        )
        .await;
    let mut fields = reply.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["published_at", "status", "title"]);
    // A body that cannot be read is a 422 whatever the If-Match says.
    let reply = app
        .patch_as(
            &format!("/api/v1/posts/{en_post}"),
            &admin,
            json!({"categories": 3.5}),
            Some("\"99\""),
        )
        .await;
    assert_eq!(reply.invalid_fields(), ["categories"]);
    assert_eq!(
        app.get_as(&format!("/api/v1/posts/{en_post}"), &admin)
            .await
            .json()["title"],
        "Hello"
    );
    // A missing field is named with the mistyped ones found before it.
    let reply = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "fa", "status": "bogus"}),
        )
        .await;
    let mut fields = reply.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["status", "title"]);

    // Uniqueness: slugs per edition, one translation per edition.
    let dup = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Other", "slug": "hello"}),
        )
        .await;
    assert_eq!(dup.invalid_fields(), ["slug"]);
    assert_eq!(
        app.post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "fa", "title": "Other", "slug": "hello"})
        )
        .await
        .status,
        201,
        "another edition may reuse it"
    );
    let same_edition = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "T", "translation_of": en_post}),
        )
        .await;
    assert_eq!(same_edition.invalid_fields(), ["translation_of"]);
    let fa_translation = app.post_as("/api/v1/posts", &admin, json!({"edition": "fa", "title": "سلام", "translation_of": en_post, "status": "published"})).await;
    assert_eq!(fa_translation.status, 201);
    assert_eq!(fa_translation.json()["translations"][0]["id"], en_post);
    let second = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "fa", "title": "دوباره", "translation_of": en_post}),
        )
        .await;
    assert_eq!(second.invalid_fields(), ["translation_of"]);

    // Body problems: types, unknown fields, not JSON.
    assert_eq!(
        app.post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": 5})
        )
        .await
        .invalid_fields(),
        ["title"]
    );
    assert_eq!(
        app.post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "x", "colour": "red"})
        )
        .await
        .invalid_fields(),
        ["colour"]
    );
    assert_eq!(
        app.post_as("/api/v1/posts", &admin, json!({"title": "x"}))
            .await
            .invalid_fields(),
        ["edition"]
    );
    assert_eq!(
        app.post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "x", "published_at": "tomorrow"})
        )
        .await
        .invalid_fields(),
        ["published_at"]
    );
    assert_eq!(
        app.post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "xx", "title": "x"})
        )
        .await
        .invalid_fields(),
        ["edition"]
    );
    let res = app
        .client
        .post(format!("{}/api/v1/posts", app.address))
        .bearer_auth(&admin)
        .body("{\"edition\":")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .post(format!("{}/api/v1/posts", app.address))
        .bearer_auth(&admin)
        .body("title=x")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = app
        .client
        .post(format!("{}/api/v1/posts", app.address))
        .bearer_auth(&admin)
        .json(&json!({"edition": "en", "title": "big", "content": huge}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn hostile_markup_is_cleaned_before_it_is_stored_or_served() {
    let (app, admin) = app_with_editions().await;
    let payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<svg onload=alert(1)><circle r=1></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<style>body{display:none}</style>",
        "<body onload=alert(1)>",
        "<p onmouseover=\"alert(1)\">hover</p>",
        "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
        "<form action=\"https://evil.example\"><input name=x></form>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    ];
    for payload in payloads {
        let post = app.post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "XSS", "content": format!("<p>safe</p>{payload}")})).await.json();
        let stored = app.db(|c| {
            nashr::repo::posts::find(c, post["id"].as_i64().unwrap())
                .unwrap()
                .unwrap()
                .content
        });
        for content in [post["content"].as_str().unwrap(), stored.as_str()] {
            let lower = content.to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onmouseover",
                "javascript:",
                "<iframe",
                "style",
                "<object",
                "<embed",
                "<form",
                "data:text",
                "<meta",
                "<svg",
            ] {
                assert!(!lower.contains(bad), "{bad} survived {payload}: {content}");
            }
            assert!(content.starts_with("<p>safe</p>"));
        }
    }
    // Markdown is rendered, then cleaned the same way.
    let md = app.post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "MD", "content_format": "markdown",
        "content": "## Heading\n\nSome *text* and [a link](https://example.org).\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))"})).await.json();
    let html = md["content"].as_str().unwrap();
    assert!(html.contains("<h2>Heading</h2>") && html.contains("<em>text</em>"));
    assert!(html.contains("href=\"https://example.org\""));
    assert!(!html.contains("script") && !html.contains("javascript"));
    assert_eq!(md["excerpt"], "Heading Some text and a link. bad");
}

#[actix_web::test]
async fn slugs_are_made_in_every_script_and_kept_unique() {
    let (app, admin) = app_with_editions().await;
    let slug = |edition: &'static str, title: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let post = app
                .post_as(
                    "/api/v1/posts",
                    admin,
                    json!({"edition": edition, "title": title}),
                )
                .await
                .json();
            post["slug"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(slug("fa", "می‌خواهم بخوانم").await, "می-خواهم-بخوانم");
    assert_eq!(slug("fa", "می‌خواهم بخوانم").await, "می-خواهم-بخوانم-2");
    assert_eq!(slug("ar", "مَكْتَبَةُ المدينة").await, "مكتبة-المدينة");
    assert_eq!(
        slug("en", "Çfarë ka të re në Tiranë?").await,
        "cfare-ka-te-re-ne-tirane"
    );
    assert_eq!(slug("en", "!!!").await, "post");
    // A Unicode slug given by the client is kept as given and found again.
    let post = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "fa", "title": "x", "slug": "نوشته-تازه", "status": "published"}),
        )
        .await
        .json();
    assert_eq!(post["slug"], "نوشته-تازه");
    let encoded: String = "نوشته-تازه".bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(
        app.get_json(&format!("/api/v1/posts/by-slug/{encoded}?edition=fa"))
            .await["id"],
        post["id"]
    );
}

#[actix_web::test]
async fn contributors_write_drafts_and_authors_their_own_posts() {
    let (app, admin) = app_with_editions().await;
    let (contributor_id, contributor) = app.user_with_role("new-writer", "contributor").await;
    let (_, author) = app.user_with_role("staff-writer", "author").await;

    app.post_as(
        "/api/v1/posts",
        &contributor,
        json!({"edition": "en", "title": "x", "status": "published"}),
    )
    .await
    .problem(403);
    let draft = app
        .post_as(
            "/api/v1/posts",
            &contributor,
            json!({"edition": "en", "title": "My draft"}),
        )
        .await;
    assert_eq!(draft.status, 201);
    let id = draft.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/posts/{id}");
    app.patch_as(
        &path,
        &contributor,
        json!({"status": "scheduled", "published_at": "2099-01-01T00:00:00Z"}),
        None,
    )
    .await
    .problem(403);
    assert_eq!(
        app.patch_as(&path, &contributor, json!({"title": "Better draft"}), None)
            .await
            .status,
        200
    );
    // Others' drafts are invisible to contributors and authors.
    app.get_as(&path, &author).await.problem(404);
    app.patch_as(&path, &author, json!({"title": "mine now"}), None)
        .await
        .problem(404);
    let drafts = app
        .get_as("/api/v1/posts?status=draft", &author)
        .await
        .json();
    assert_eq!(drafts["meta"]["total"], 0);
    app.post_as(
        "/api/v1/posts",
        &contributor,
        json!({"edition": "en", "title": "x", "author": 1}),
    )
    .await
    .problem(403);

    // An editor publishes it; then it is no longer the contributor's to change.
    let published = app
        .patch_as(&path, &admin, json!({"status": "published"}), None)
        .await;
    assert_eq!(published.json()["author"]["id"], contributor_id);
    app.patch_as(&path, &contributor, json!({"title": "changed"}), None)
        .await
        .problem(403);
    app.delete_as(&path, &contributor, None).await.problem(403);

    // Authors publish and trash their own.
    let own = app
        .post_as(
            "/api/v1/posts",
            &author,
            json!({"edition": "en", "title": "Mine", "status": "published"}),
        )
        .await;
    assert_eq!(own.status, 201);
    let own_path = format!("/api/v1/posts/{}", own.json()["id"]);
    app.patch_as(&path, &author, json!({"title": "not mine"}), None)
        .await
        .problem(403);
    assert_eq!(app.delete_as(&own_path, &author, None).await.status, 204);
}

#[actix_web::test]
async fn categories_tags_menus_media_and_editions_are_written_with_checks() {
    let (app, admin) = app_with_editions().await;
    let cat = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "fa", "name": "رسانه"}),
        )
        .await;
    assert_eq!(cat.status, 201);
    let parent = cat.json()["id"].as_i64().unwrap();
    assert_eq!(cat.json()["slug"], "رسانه");
    let child = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "fa", "name": "کارتون", "parent": parent}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let cycle = app
        .patch_as(
            &format!("/api/v1/categories/{parent}"),
            &admin,
            json!({"parent": child}),
            None,
        )
        .await;
    assert_eq!(cycle.invalid_fields(), ["parent"]);
    let en_cat = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "en", "name": "Media", "translation_of": parent}),
        )
        .await
        .json();
    assert_eq!(en_cat["translations"][0]["id"], parent);
    let other_edition = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "en", "name": "Sub", "parent": parent}),
        )
        .await;
    assert_eq!(other_edition.invalid_fields(), ["parent"]);
    app.delete_as(&format!("/api/v1/categories/{parent}"), &admin, None)
        .await
        .problem(409);
    let etag = app.get(&format!("/api/v1/categories/{child}")).await.etag();
    let renamed = app
        .patch_as(
            &format!("/api/v1/categories/{child}"),
            &admin,
            json!({"name": "کاریکاتور", "parent": null}),
            Some(&etag),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["parent_id"], serde_json::Value::Null);
    app.patch_as(
        &format!("/api/v1/categories/{child}"),
        &admin,
        json!({"name": "x"}),
        Some(&etag),
    )
    .await
    .problem(412);
    assert_eq!(
        app.delete_as(&format!("/api/v1/categories/{parent}"), &admin, None)
            .await
            .status,
        204
    );

    let tag = app
        .post_as(
            "/api/v1/tags",
            &admin,
            json!({"edition": "ar", "name": "ثقافة", "description": "<b onclick=x()>نص</b>"}),
        )
        .await
        .json();
    assert_eq!(tag["description"], "<b>نص</b>");
    let dup = app
        .post_as(
            "/api/v1/tags",
            &admin,
            json!({"edition": "ar", "name": "x", "slug": "ثقافة"}),
        )
        .await;
    assert_eq!(dup.invalid_fields(), ["slug"]);

    let page = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "About", "kind": "page", "status": "published"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let menu = app
        .post_as("/api/v1/menus", &admin, json!({"edition": "en", "name": "Main", "location": "primary", "items": [
            {"label": "Home", "type": "url", "url": "/en/"},
            {"label": "Media", "type": "category", "target": en_cat["id"], "children": [{"label": "Site", "type": "url", "url": "https://example.org/"}]},
            {"label": "About", "type": "page", "target": page}
        ]}))
        .await;
    menu.expect(201);
    let menu = menu.json();
    assert_eq!(
        menu["items"][1]["children"][0]["url"],
        "https://example.org/"
    );
    assert_eq!(menu["items"][2]["url"], "/en/about");
    let bad = app
        .post_as(
            "/api/v1/menus",
            &admin,
            json!({"edition": "en", "name": "Bad", "items": [
                {"label": "x", "type": "url", "url": "javascript:alert(1)"},
                {"label": "y", "type": "post", "target": page},
                {"label": "", "type": "category", "target": parent}
            ]}),
        )
        .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "items[0].url",
            "items[1].target",
            "items[2].label",
            "items[2].target"
        ]
    );
    let replaced = app
        .patch_as(
            &format!("/api/v1/menus/{}", menu["id"]),
            &admin,
            json!({"items": [{"label": "Only", "type": "url", "url": "/"}]}),
            None,
        )
        .await
        .json();
    assert_eq!(replaced["items"].as_array().unwrap().len(), 1);

    let image = seed::image(&app, "photo");
    Post {
        featured_media: Some(image),
        ..Post::new(1, "uses-photo")
    }
    .insert(&app);
    let media = app
        .patch_as(
            &format!("/api/v1/media/{image}"),
            &admin,
            json!({"alt_text": "متن جایگزین", "edition": "fa"}),
            None,
        )
        .await
        .json();
    assert_eq!(media["alt_text"], "متن جایگزین");
    assert_eq!(media["edition"], "fa");
    app.delete_as(&format!("/api/v1/media/{image}"), &admin, None)
        .await
        .problem(409);
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/media/{image}?force=true"),
            Some(&admin),
            None,
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.get_json("/api/v1/posts/by-slug/uses-photo?edition=en")
            .await["featured_media"],
        serde_json::Value::Null
    );

    let edition = app
        .post_as(
            "/api/v1/editions",
            &admin,
            json!({"code": "ku", "name": "Kurdish", "native_name": "کوردی", "direction": "rtl"}),
        )
        .await;
    assert_eq!(edition.status, 201);
    assert_eq!(edition.json()["is_default"], false);
    assert_eq!(
        app.post_as(
            "/api/v1/editions",
            &admin,
            json!({"code": "Kurdish!", "name": "x", "native_name": "x", "direction": "rtl"})
        )
        .await
        .invalid_fields(),
        ["code"]
    );
    let made_default = app
        .patch_as(
            "/api/v1/editions/ku",
            &admin,
            json!({"is_default": true}),
            None,
        )
        .await
        .json();
    assert_eq!(made_default["is_default"], true);
    assert_eq!(
        app.get_json("/api/v1/editions/en").await["is_default"],
        false
    );
    app.delete_as("/api/v1/editions/ku", &admin, None)
        .await
        .problem(409);
    app.patch_as(
        "/api/v1/editions/en",
        &admin,
        json!({"is_default": true}),
        None,
    )
    .await;
    assert_eq!(
        app.delete_as("/api/v1/editions/ku", &admin, None)
            .await
            .status,
        204
    );
    app.delete_as("/api/v1/editions/fa", &admin, None)
        .await
        .problem(409);
}

#[actix_web::test]
async fn admins_manage_users_and_users_manage_themselves() {
    let (app, admin) = app_with_editions().await;
    let created = app.post_as("/api/v1/users", &admin, json!({"username": "Sara", "password": "a-long-password", "role": "editor", "display_name": "سارا احمدی", "email": "sara@example.org"})).await;
    assert_eq!(created.status, 201);
    let sara = created.json();
    assert_eq!(sara["username"], "sara");
    assert_eq!(sara["slug"], "سارا-احمدی");
    assert!(sara.get("password").is_none() && sara.get("password_hash").is_none());
    let dup = app
        .post_as(
            "/api/v1/users",
            &admin,
            json!({"username": "sara", "password": "a-long-password", "role": "editor"}),
        )
        .await;
    assert_eq!(dup.invalid_fields(), ["username"]);
    let bad = app
        .post_as(
            "/api/v1/users",
            &admin,
            json!({"username": "x y", "password": "short", "role": "editor", "email": "nope"}),
        )
        .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["email", "password", "username"]);

    let token = app.login("sara", "a-long-password").await;
    app.get_as("/api/v1/users", &token).await.problem(403);
    let id = sara["id"].as_i64().unwrap();
    let unconfirmed = app
        .patch_as(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"password": "another-long-password"}),
            None,
        )
        .await;
    assert_eq!(unconfirmed.invalid_fields(), ["current_password"]);
    let me = app
        .patch_as(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"bio": "نویسنده", "password": "another-long-password",
                   "current_password": "a-long-password"}),
            None,
        )
        .await;
    assert_eq!(me.status, 200);
    app.login("sara", "another-long-password").await;
    app.patch_as(
        &format!("/api/v1/users/{id}"),
        &token,
        json!({"role": "admin"}),
        None,
    )
    .await
    .problem(403);
    app.get_as("/api/v1/users/1", &token).await.problem(404);
    assert_eq!(
        app.get_as("/api/v1/users", &admin).await.json()["meta"]["total"],
        2
    );
    let admin_me = app.get_as("/api/v1/users/me", &admin).await.json();
    app.patch_as(
        &format!("/api/v1/users/{}", admin_me["id"]),
        &admin,
        json!({"disabled": true}),
        None,
    )
    .await
    .problem(409);
    app.delete_as(&format!("/api/v1/users/{}", admin_me["id"]), &admin, None)
        .await
        .problem(409);
    assert_eq!(
        app.delete_as(&format!("/api/v1/users/{id}"), &admin, None)
            .await
            .status,
        204
    );
}

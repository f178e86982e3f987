//! Reader comments: held for moderation, approved into public threads,
//! counted exactly on posts, refused cleanly when hostile, limited per
//! address, never showing an e-mail address, and imported from WordPress.

use std::path::Path;

use serde_json::{json, Value};

use crate::helpers::{seed, spawn_app, spawn_with, Reply, TestApp};
use crate::imports::WPTEST;

const EMAIL: &str = "secret-reader@example.org";

/// Posts a comment on `post` without a token.
async fn comment(app: &TestApp, post: i64, body: Value) -> Reply {
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/posts/{post}/comments"),
        None,
        Some(body),
        None,
    )
    .await
}

fn reader(content: &str) -> Value {
    json!({"author_name": "Reader", "author_email": EMAIL, "content": content})
}

/// Comments stored, in any state.
fn stored(app: &TestApp) -> i64 {
    app.db(|c| {
        nashr::repo::comments::list(
            c,
            &Default::default(),
            &nashr::db::keyset::Window {
                limit: 1,
                offset: 0,
                after: None,
            },
        )
        .unwrap()
        .1
    })
}

/// Whether every post's `comment_count` is its approved comments.
fn counts_exact(app: &TestApp) -> bool {
    app.db(|c| {
        let posts: Vec<(i64, i32)> = {
            use diesel::prelude::*;
            use nashr::db::schema::posts;
            nashr::with_conn!(c, c => posts::table.select((posts::id, posts::comment_count)).load(c))
                .unwrap()
        };
        posts.into_iter().all(|(id, count)| {
            let approved = nashr::repo::comments::list(
                c,
                &nashr::repo::comments::CommentFilter {
                    post_id: Some(id),
                    status: Some("approved".into()),
                },
                &nashr::db::keyset::Window {
                    limit: 1,
                    offset: 0,
                    after: None,
                },
            )
            .unwrap()
            .1;
            approved == i64::from(count)
        })
    })
}

async fn live_post(app: &TestApp, admin: &str, title: &str) -> i64 {
    app.post_as(
        "/api/v1/posts",
        admin,
        json!({"edition": "en", "title": title, "content": "<p>Rare zebra words.</p>", "status": "published"}),
    )
    .await
    .expect(201)["id"]
    .as_i64()
    .unwrap()
}

#[actix_web::test]
async fn a_readers_comment_waits_for_a_moderator_then_shows_threaded_and_counted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    seed::editions(&app);
    let post = live_post(&app, &admin, "Zebra crossing").await;
    let comments = format!("/api/v1/posts/{post}/comments");

    let held = comment(&app, post, reader("First!\n\nSee https://example.org/x")).await;
    let held = held.expect(202);
    assert_eq!(held["status"], "pending");
    let id = held["id"].as_i64().unwrap();
    assert_eq!(held.as_object().unwrap().len(), 2, "{held}");

    // Invisible to the public; the count does not move.
    assert_eq!(app.get(&comments).await.expect(200)["data"], json!([]));
    let shown = |path: String| {
        let app = &app;
        async move { app.get(&path).await.expect(200) }
    };
    assert_eq!(
        shown(format!("/api/v1/posts/{post}")).await["comment_count"],
        0
    );

    // Moderators see it, with what only they see.
    let queue = app
        .get_as("/api/v1/comments?status=pending", &admin)
        .await
        .expect(200);
    assert_eq!(queue["data"][0]["id"], id);
    assert_eq!(queue["data"][0]["author_email"], EMAIL);
    assert_eq!(queue["data"][0]["client_address"], "127.0.0.1");

    // Approved: it shows, and the post counts it everywhere it is shown.
    let approved = app
        .patch_as(
            &format!("/api/v1/comments/{id}"),
            &admin,
            json!({"status": "approved"}),
            None,
        )
        .await
        .expect(200);
    assert_eq!(approved["status"], "approved");
    let list = app.get(&comments).await.expect(200);
    assert_eq!(list["meta"]["total"], 1);
    let first = &list["data"][0];
    assert_eq!(first["id"], id);
    assert_eq!(first["parent_id"], Value::Null);
    assert_eq!(
        first["content"],
        "<p>First!</p><p>See <a href=\"https://example.org/x\" rel=\"nofollow ugc noopener\">https://example.org/x</a></p>"
    );
    assert_eq!(first["direction"], "ltr");
    assert!(first.get("author_email").is_none() && first.get("status").is_none());
    assert_eq!(
        shown(format!("/api/v1/posts/{post}")).await["comment_count"],
        1
    );
    let listed = shown("/api/v1/posts?edition=en".into()).await;
    assert_eq!(listed["data"][0]["comment_count"], 1);
    let found = shown("/api/v1/posts?search=zebra".into()).await;
    assert_eq!(found["data"][0]["comment_count"], 1);

    // An editor's reply is approved at once, threaded under it; a Persian
    // reply keeps its bytes and reads right to left.
    let reply = app
        .post_as(
            &comments,
            &admin,
            json!({"content": "Thank you.", "parent_id": id}),
        )
        .await;
    let reply = reply.expect(201);
    assert_eq!(reply["status"], "approved");
    assert_eq!(reply["parent_id"], id);
    let persian = "سلام، می‌خواهم بدانم\u{200C}ها";
    let fa = comment(
        &app,
        post,
        json!({"author_name": "مریم", "author_email": "m@example.org", "content": persian, "parent_id": id}),
    )
    .await
    .expect(202)["id"]
        .as_i64()
        .unwrap();
    app.post_as(
        "/api/v1/comments/moderate",
        &admin,
        json!({"ids": [fa], "status": "approved"}),
    )
    .await
    .expect(200);
    let list = app.get(&comments).await.expect(200);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    let fa = data.iter().find(|c| c["id"] == fa).unwrap();
    assert_eq!(fa["content"], format!("<p>{persian}</p>"));
    assert_eq!(fa["direction"], "rtl");
    assert_eq!(fa["parent_id"], id);
    assert_eq!(
        shown(format!("/api/v1/posts/{post}")).await["comment_count"],
        3
    );

    // Trashing the parent keeps its replies, now at the top level, and
    // counts again; deleting one counts again too.
    app.patch_as(
        &format!("/api/v1/comments/{id}"),
        &admin,
        json!({"status": "trash"}),
        None,
    )
    .await
    .expect(200);
    let list = app.get(&comments).await.expect(200);
    assert_eq!(list["meta"]["total"], 2);
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["parent_id"].is_null()));
    app.delete_as(&format!("/api/v1/comments/{}", reply["id"]), &admin, None)
        .await
        .expect_no_content();
    assert_eq!(
        shown(format!("/api/v1/posts/{post}")).await["comment_count"],
        1
    );
    assert!(counts_exact(&app));
}

#[actix_web::test]
async fn hostile_comments_are_refused_cleanly_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    seed::editions(&app);
    let post = live_post(&app, &admin, "Target").await;
    let other = live_post(&app, &admin, "Other").await;
    let draft = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Draft", "status": "draft"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let closed = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Closed", "status": "published", "comments_open": false}),
        )
        .await
        .expect(201);
    assert_eq!(closed["comments_open"], false);
    let closed = closed["id"].as_i64().unwrap();
    let on_other = app
        .post_as(
            &format!("/api/v1/posts/{other}/comments"),
            &admin,
            json!({"content": "Elsewhere"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let before = stored(&app);

    let cases: Vec<(&str, i64, Value, u16)> = vec![
        (
            "no name",
            post,
            json!({"author_email": EMAIL, "content": "x"}),
            422,
        ),
        (
            "bad e-mail",
            post,
            json!({"author_name": "A", "author_email": "nope", "content": "x"}),
            422,
        ),
        ("empty", post, reader("   "), 422),
        ("too long", post, reader(&"a".repeat(5001)), 422),
        (
            "javascript: url",
            post,
            json!({"author_name": "A", "author_email": EMAIL, "author_url": "javascript:alert(1)", "content": "x"}),
            422,
        ),
        ("control characters", post, reader("bell\u{7}"), 422),
        (
            "unknown field",
            post,
            json!({"author_name": "A", "author_email": EMAIL, "content": "x", "status": "approved"}),
            422,
        ),
        (
            "forged parent",
            post,
            json!({"author_name": "A", "author_email": EMAIL, "content": "x", "parent_id": on_other}),
            422,
        ),
        (
            "missing parent",
            post,
            json!({"author_name": "A", "author_email": EMAIL, "content": "x", "parent_id": 999_999}),
            422,
        ),
        ("draft", draft, reader("x"), 404),
        ("no such post", 999_999, reader("x"), 404),
        ("closed", closed, reader("x"), 403),
    ];
    for (case, target, body, status) in cases {
        let r = comment(&app, target, body).await;
        r.problem(status);
        assert_eq!(stored(&app), before, "{case} stored something");
    }
    // Every bad field named at once.
    let r = comment(
        &app,
        post,
        json!({"author_name": "", "author_email": "x", "content": ""}),
    )
    .await;
    let mut fields = r.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["author_email", "author_name", "content"]);

    // A NUL byte, a body of a megabyte, not JSON.
    let raw = |body: Vec<u8>, kind: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(format!("{}/api/v1/posts/{post}/comments", app.address))
                .header("Content-Type", kind)
                .body(body)
                .send()
                .await
                .unwrap();
            Reply::read(res).await.unwrap()
        }
    };
    raw(
        br#"{"author_name":"A","author_email":"a@b.cd","content":"x\u0000y"}"#.to_vec(),
        "application/json",
    )
    .await
    .problem(400);
    let huge = format!(
        r#"{{"author_name":"A","author_email":"a@b.cd","content":"{}"}}"#,
        "x".repeat(1_100_000)
    );
    raw(huge.into_bytes(), "application/json")
        .await
        .problem(413);
    let mb = format!(
        r#"{{"author_name":"A","author_email":"a@b.cd","content":"{}"}}"#,
        "x".repeat(1_000_000)
    );
    raw(mb.into_bytes(), "application/json").await.problem(422);
    raw(b"content=x".to_vec(), "application/x-www-form-urlencoded")
        .await
        .problem(415);
    // JSON that is not an object (serde would read a struct from an array).
    for body in [
        "[null, null]",
        "[\"A\", \"a@b.cd\", null, \"x\"]",
        "null",
        "\"x\"",
    ] {
        raw(body.as_bytes().to_vec(), "application/json")
            .await
            .problem(422);
    }
    assert_eq!(stored(&app), before);

    // Markup and script links are text, never markup.
    let id = comment(
        &app,
        post,
        reader(
            "<script>alert(1)</script> <a href=\"javascript:alert(1)\">x</a> javascript:alert(2)",
        ),
    )
    .await
    .expect(202)["id"]
        .as_i64()
        .unwrap();
    let seen = app
        .get_as(&format!("/api/v1/comments/{id}"), &admin)
        .await
        .expect(200);
    let html = seen["content"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("<a "), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // A moderator's change must be an object too (found by schemathesis).
    app.send(
        reqwest::Method::PATCH,
        &format!("/api/v1/comments/{id}"),
        Some(&admin),
        Some(json!([null, null])),
        None,
    )
    .await
    .problem(422);

    // Replies nest ten deep, no deeper.
    let mut parent = app
        .post_as(
            &format!("/api/v1/posts/{post}/comments"),
            &admin,
            json!({"content": "level 0"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    for depth in 1..10 {
        parent = app
            .post_as(
                &format!("/api/v1/posts/{post}/comments"),
                &admin,
                json!({"content": format!("level {depth}"), "parent_id": parent}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
    }
    let deeper = app
        .post_as(
            &format!("/api/v1/posts/{post}/comments"),
            &admin,
            json!({"content": "level 10", "parent_id": parent}),
        )
        .await;
    assert_eq!(deeper.problem(422)["errors"][0]["field"], "parent_id");
    assert!(counts_exact(&app));
}

#[actix_web::test]
async fn floods_are_limited_spam_is_held_and_no_public_answer_shows_an_email() {
    let app = spawn_with(|s| {
        s.comment_limit = 3;
        s.comment_window_secs = 600;
    })
    .await;
    let admin = app.admin().await;
    seed::editions(&app);
    let post = live_post(&app, &admin, "Zebra flood").await;

    // A filled honeypot and too many links: spam, though told `pending`.
    let trap = comment(
        &app,
        post,
        json!({"author_name": "Bot", "author_email": EMAIL, "content": "Buy now", "website": "http://spam.example"}),
    )
    .await
    .expect(202);
    assert_eq!(trap["status"], "pending");
    let fine = comment(&app, post, reader("A fair point."))
        .await
        .expect(202);
    // The same thing again: 409.
    comment(&app, post, reader("A  FAIR point."))
        .await
        .problem(409);
    let links = comment(
        &app,
        post,
        reader("http://a.example http://b.example http://c.example"),
    )
    .await
    .expect(202);
    let spam = app
        .get_as("/api/v1/comments?status=spam", &admin)
        .await
        .expect(200);
    let spam_ids: Vec<&Value> = spam["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(spam_ids, [&trap["id"], &links["id"]]);

    // The fourth stored within the window is refused, with when to come back;
    // editors are not limited.
    let limited = comment(&app, post, reader("One more thing.")).await;
    limited.problem(429);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    app.post_as(
        &format!("/api/v1/posts/{post}/comments"),
        &admin,
        json!({"content": "Moderator here."}),
    )
    .await
    .expect(201);

    // Approve the fair one: the e-mail shows in no public answer.
    app.patch_as(
        &format!("/api/v1/comments/{}", fine["id"]),
        &admin,
        json!({"status": "approved"}),
        None,
    )
    .await
    .expect(200);
    for path in [
        format!("/api/v1/posts/{post}/comments"),
        format!("/api/v1/posts/{post}"),
        "/api/v1/posts?edition=en&include=author".into(),
        "/api/v1/posts?search=zebra".into(),
        "/api/v1/authors".into(),
        "/feeds/en/rss.xml".into(),
        "/feeds/en/atom.xml".into(),
        "/sitemap.xml".into(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains(EMAIL), "{path} shows the e-mail");
    }
    // Moderation is for moderators: none of it without the scope.
    let (_, author) = app.user_with_role("writer", "author").await;
    app.get_as("/api/v1/comments", &author).await.problem(403);
    let (_, read) = app.script_token(&admin, &["read"]).await;
    app.get_as("/api/v1/comments", &read).await.problem(403);
    app.get("/api/v1/comments").await.problem(401);
}

#[actix_web::test]
async fn wordpress_comments_arrive_threaded_and_a_second_import_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    seed::editions(&app);
    let fixture = Path::new(WPTEST);
    let import = || crate::imports::import(&app, fixture, "en", None);
    let first = import().await.expect("the import runs");
    let counts = first.counts["comment"];
    let xml = std::fs::read_to_string(fixture).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let exported: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://wordpress.org/export/1.2/", "comment")))
        .collect();
    assert_eq!(exported.len(), 30);
    assert_eq!(counts.created, 30, "{counts:?}");
    let all = app
        .get_as("/api/v1/comments?per_page=100", &admin)
        .await
        .expect(200);
    let data = all["data"].as_array().unwrap();
    assert_eq!(data.len(), 30);
    assert!(data.iter().all(|c| c["status"] == "approved"));
    // Threads as exported: as many replies as the export has.
    let replies_exported = exported
        .iter()
        .filter(|c| {
            c.children()
                .find(|n| n.has_tag_name(("http://wordpress.org/export/1.2/", "comment_parent")))
                .and_then(|n| n.text())
                .is_some_and(|t| t.trim() != "0")
        })
        .count();
    assert!(replies_exported > 0);
    let replies = data.iter().filter(|c| !c["parent_id"].is_null()).count();
    assert_eq!(replies, replies_exported);
    for reply in data.iter().filter(|c| !c["parent_id"].is_null()) {
        let parent = data.iter().find(|c| c["id"] == reply["parent_id"]).unwrap();
        assert_eq!(parent["post_id"], reply["post_id"]);
    }
    assert!(counts_exact(&app));

    let changes_before = app.db(|c| nashr::repo::changes::last_id(c).unwrap());
    let second = import().await.expect("the import runs");
    assert_eq!(second.counts["comment"].created, 0);
    assert_eq!(second.counts["comment"].updated, 0);
    assert_eq!(
        app.db(|c| nashr::repo::changes::last_id(c).unwrap()),
        changes_before,
        "a second import writes nothing"
    );
}

//! The findings of the security probe of 2026-12, each reproduced as the
//! attack it was (see SECURITY.md, "Probe of 2026-12"): every test here
//! failed on the code before the fixes.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, spawn_with, Reply, TestApp, ADMIN_PASSWORD, ALL_SCOPES};

async fn my_id(app: &TestApp, token: &str) -> i64 {
    app.get_as("/api/v1/users/me", token).await.expect(200)["id"]
        .as_i64()
        .unwrap()
}

/// The text of a problem document: its detail and every field message.
fn problem_text(doc: &Value) -> String {
    let mut text = doc["detail"].as_str().unwrap_or_default().to_string();
    text.push_str(&field_messages(doc));
    text
}

/// The field messages of a 422 problem document.
fn field_messages(doc: &Value) -> String {
    let mut text = String::new();
    for e in doc["errors"].as_array().into_iter().flatten() {
        text.push(' ');
        text.push_str(e["message"].as_str().unwrap_or_default());
    }
    text
}

async fn try_login(app: &TestApp, username: &str, password: &str) -> Reply {
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"username": username, "password": password})),
        None,
    )
    .await
}

// Finding 1 (critical): a `read` token took over its owner's account.
#[actix_web::test]
async fn a_read_token_cannot_change_its_owners_password_email_or_tokens() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let id = my_id(&app, &admin).await;
    let (_, read_only) = app.script_token(&admin, &["read"]).await;
    let (other, _) = app.script_token(&admin, &["posts:write"]).await;

    let path = format!("/api/v1/users/{id}");
    for body in [
        json!({"password": "taken-over-password"}),
        json!({"email": "attacker@example.test"}),
        json!({"display_name": "Owned"}),
    ] {
        for at in [path.as_str(), "/api/v1/users/me"] {
            app.patch_as(at, &read_only, body.clone(), None)
                .await
                .problem(403);
        }
    }
    app.delete_as(&format!("/api/v1/tokens/{other}"), &read_only, None)
        .await
        .problem(403);
    app.post_as(
        "/api/v1/tokens",
        &read_only,
        json!({"name": "x", "scopes": ["read"]}),
    )
    .await
    .problem(403);

    // Nothing changed: the old password logs in, the e-mail and the other
    // token are as they were.
    try_login(&app, "admin", ADMIN_PASSWORD).await.expect(200);
    try_login(&app, "admin", "taken-over-password")
        .await
        .problem(401);
    let me = app.get_as("/api/v1/users/me", &admin).await.expect(200);
    assert_ne!(me["email"], "attacker@example.test");
    assert_ne!(me["display_name"], "Owned");
    assert!(app
        .get_as(&format!("/api/v1/tokens/{other}"), &admin)
        .await
        .expect(200)["revoked_at"]
        .is_null());

    // Even a script token with every scope may not change the password or
    // e-mail: that needs a login, and the current password.
    let (_, everything) = app.script_token(&admin, &ALL_SCOPES).await;
    let change = json!({"password": "a-new-password-1", "current_password": ADMIN_PASSWORD});
    app.patch_as(&path, &everything, change.clone(), None)
        .await
        .problem(403);
    // `account` is enough for the rest of one's profile.
    let renamed = app
        .patch_as(
            "/api/v1/users/me",
            &everything,
            json!({"display_name": "Site Admin"}),
            None,
        )
        .await
        .expect(200);
    assert_eq!(renamed["display_name"], "Site Admin");
}

// Findings 1 and 8: a password change ends every other login and token.
#[actix_web::test]
async fn changing_your_password_needs_the_current_one_and_ends_every_other_session() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, alice) = app.user_with_role("alice", "author").await;
    let other_session = app.login("alice", "alice-password").await;
    let (_, script) = app.script_token(&alice, &["read", "account"]).await;
    let path = format!("/api/v1/users/{id}");

    let missing = app
        .patch_as(
            &path,
            &alice,
            json!({"password": "brand-new-password"}),
            None,
        )
        .await;
    assert_eq!(missing.invalid_fields(), ["current_password"]);
    app.patch_as(
        &path,
        &alice,
        json!({"password": "brand-new-password", "current_password": "a-wrong-guess"}),
        None,
    )
    .await
    .problem(403);
    app.patch_as(
        &path,
        &alice,
        json!({"password": "brand-new-password", "current_password": "alice-password"}),
        None,
    )
    .await
    .expect(200);

    // The login that made the change goes on; every other one ends, and
    // so does every script token.
    app.get_as("/api/v1/users/me", &alice).await.expect(200);
    app.get_as("/api/v1/users/me", &other_session)
        .await
        .problem(401);
    app.get_as("/api/v1/users/me", &script).await.problem(401);
    try_login(&app, "alice", "alice-password")
        .await
        .problem(401);
    let fresh = app.login("alice", "brand-new-password").await;
    app.get_as("/api/v1/users/me", &fresh).await.expect(200);

    // An admin's reset ends every login, the new one included.
    app.patch_as(
        &path,
        &admin,
        json!({"password": "reset-by-the-admin"}),
        None,
    )
    .await
    .expect(200);
    for token in [&alice, &fresh] {
        app.get_as("/api/v1/users/me", token).await.problem(401);
    }
}

// Finding 8: tokens outlived a reset and a disable.
#[actix_web::test]
async fn disabling_a_user_ends_their_logins_for_good() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, bob) = app.user_with_role("bob", "author").await;
    let (_, script) = app.script_token(&bob, &["read"]).await;
    let path = format!("/api/v1/users/{id}");
    app.patch_as(&path, &admin, json!({"disabled": true}), None)
        .await
        .expect(200);
    app.patch_as(&path, &admin, json!({"disabled": false}), None)
        .await
        .expect(200);
    // Enabled again, but the old login and script token stay dead.
    app.get_as("/api/v1/users/me", &bob).await.problem(401);
    app.get_as("/api/v1/users/me", &script).await.problem(401);
    let again = app.login("bob", "bob-password").await;
    app.get_as("/api/v1/users/me", &again).await.expect(200);
}

// Finding 9: five wrong passwords from anywhere locked the owner out.
#[actix_web::test]
async fn wrong_passwords_from_one_address_do_not_lock_out_the_owner_elsewhere() {
    let app = spawn_with(|s| s.trusted_proxies = "127.0.0.1".into()).await;
    let from = |address: &'static str, password: &'static str| {
        app.client
            .post(format!("{}/api/v1/auth/token", app.address))
            .header("X-Forwarded-For", address)
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    for _ in 0..5 {
        let res = from("203.0.113.66", "guess-guess-guess").await.unwrap();
        assert_eq!(res.status(), 401);
    }
    // The attacker is slowed down, even with the right password...
    let res = from("203.0.113.66", ADMIN_PASSWORD).await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // ... but the owner, elsewhere, logs in.
    let res = from("198.51.100.7", ADMIN_PASSWORD).await.unwrap();
    assert_eq!(res.status(), 200);
}

// Finding 2: nested content stalled every write for minutes.
#[actix_web::test]
async fn deeply_nested_content_is_refused_and_expanding_content_is_bounded() {
    let app = spawn_app().await;
    seed::editions(&app);
    let (_, carl) = app.user_with_role("carl", "contributor").await;
    let payloads = [
        ("html", "<div>".repeat(46_000)),
        ("markdown", ">".repeat(100_000)),
        ("markdown", "> - ".repeat(50_000)),
        ("html", format!("{}x", "<blockquote>".repeat(65))),
        // Each line a list item: 480 KB becomes more than 1 MiB of HTML.
        ("markdown", "- a\n".repeat(120_000)),
    ];
    for (format, content) in payloads {
        let reply = app
            .post_as(
                "/api/v1/posts",
                &carl,
                json!({"edition": "en", "title": "Nested", "content": content, "content_format": format}),
            )
            .await;
        assert_eq!(reply.invalid_fields(), ["content"], "{format}");
    }
    // Larger than the limit: refused before any parsing.
    let reply = app
        .post_as(
            "/api/v1/posts",
            &carl,
            json!({"edition": "en", "title": "Huge", "content": "<div>".repeat(110_000)}),
        )
        .await;
    assert_eq!(reply.status, 422);
    // What real articles do still works, and nothing refused was stored.
    let fine = format!(
        "{}<p>deep enough</p>{}",
        "<div>".repeat(40),
        "</div>".repeat(40)
    );
    let post = app
        .post_as(
            "/api/v1/posts",
            &carl,
            json!({"edition": "en", "title": "Fine", "content": fine}),
        )
        .await
        .expect(201);
    assert!(post["content"].as_str().unwrap().contains("deep enough"));
    let drafts = app
        .get_as("/api/v1/posts?status=draft", &carl)
        .await
        .expect(200);
    assert_eq!(drafts["data"].as_array().unwrap().len(), 1);
}

// Finding 3: forged cursors and page numbers were 500s on PostgreSQL.
#[actix_web::test]
async fn forged_cursors_and_huge_page_numbers_are_client_errors() {
    use base64::Engine;
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    for n in 0..3 {
        seed::tag(&app, en, &format!("tag-{n}"));
        Post::new(en, &format!("post-{n}")).insert(&app);
    }
    let forge = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    // The probe's own cursor: a NUL inside a sort key.
    let probe = "eyJvIjoicG9zaXRpb24iLCJrIjpbeyJzIjoiQ2l0XHUwMDAwaWVzIn1dLCJpIjoyMX0";
    let nul_title = forge(r#"{"o":"title","k":[{"s":"Ti\u0000tle"}],"i":2}"#);
    let nul_order = forge(r#"{"o":"ti\u0000tle","k":[{"s":"x"}],"i":2}"#);
    let long = forge(&format!(
        r#"{{"o":"title","k":[{{"s":"{}"}}],"i":2}}"#,
        "x".repeat(10_000)
    ));
    for path in [
        format!("/api/v1/tags?cursor={probe}"),
        format!("/api/v1/posts?sort=title&cursor={nul_title}"),
        format!("/api/v1/posts?sort=title&cursor={nul_order}"),
        format!("/api/v1/posts?sort=title&cursor={long}"),
        format!("/api/v1/categories?cursor={nul_title}"),
        format!("/api/v1/authors?cursor={nul_title}"),
    ] {
        app.get(&path).await.bad_parameter("cursor");
    }
    for page in ["922337203685479", "9223372036854775807", "922337203685478"] {
        app.get(&format!("/sitemaps/en/{page}.xml"))
            .await
            .problem(404);
    }
    assert_eq!(app.get("/sitemaps/en/1.xml").await.status, 200);
}

/// Editions en, fa, ar; alice and bob authors, carl contributor, ed editor;
/// alice's draft, alice's live post and bob's live post.
struct Newsroom {
    app: TestApp,
    en: i64,
    alice: String,
    bob: String,
    carl: String,
    ed: String,
    draft: i64,
    alice_live: i64,
    bob_live: i64,
}

async fn newsroom() -> Newsroom {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let (alice_id, alice) = app.user_with_role("alice", "author").await;
    let (bob_id, bob) = app.user_with_role("bob", "author").await;
    let (_, carl) = app.user_with_role("carl", "contributor").await;
    let (_, ed) = app.user_with_role("ed", "editor").await;
    let draft = Post {
        status: "draft",
        author: Some(alice_id),
        ..Post::new(en, "zebrafoxtrot-secret-merger")
    }
    .insert(&app);
    let alice_live = Post {
        author: Some(alice_id),
        ..Post::new(en, "wombat-public-post")
    }
    .insert(&app);
    let bob_live = Post {
        author: Some(bob_id),
        ..Post::new(en, "bobs-post")
    }
    .insert(&app);
    Newsroom {
        app,
        en,
        alice,
        bob,
        carl,
        ed,
        draft,
        alice_live,
        bob_live,
    }
}

// Finding 4: translation_of skipped ownership and visibility.
#[actix_web::test]
async fn joining_a_translation_group_needs_the_right_to_edit_the_post_joined() {
    let n = newsroom().await;
    let app = &n.app;
    // carl cannot see alice's draft: it is as if it did not exist.
    let hidden = app
        .post_as(
            "/api/v1/posts",
            &n.carl,
            json!({"edition": "fa", "title": "x", "translation_of": n.draft}),
        )
        .await;
    assert_eq!(hidden.invalid_fields(), ["translation_of"]);
    let unknown = app
        .post_as(
            "/api/v1/posts",
            &n.carl,
            json!({"edition": "fa", "title": "x", "translation_of": 987_654}),
        )
        .await;
    assert_eq!(
        field_messages(&hidden.json()).replace(&n.draft.to_string(), "N"),
        field_messages(&unknown.json()).replace("987654", "N")
    );
    // bob may see alice's live post but not attach his own to it.
    let attach = app
        .patch_as(
            &format!("/api/v1/posts/{}", n.bob_live),
            &n.bob,
            json!({"translation_of": n.alice_live}),
            None,
        )
        .await;
    assert_eq!(attach.invalid_fields(), ["translation_of"]);
    let alice_post = app
        .get(&format!("/api/v1/posts/{}", n.alice_live))
        .await
        .expect(200);
    assert_eq!(alice_post["translations"].as_array().map(Vec::len), Some(0));
    // alice's own translation works; then ed cannot add a second one, and
    // the refusal names no post.
    let fa = app
        .post_as(
            "/api/v1/posts",
            &n.alice,
            json!({"edition": "fa", "title": "ترجمه", "translation_of": n.draft}),
        )
        .await
        .expect(201);
    let fa_id = fa["id"].as_i64().unwrap();
    let second = app
        .post_as(
            "/api/v1/posts",
            &n.ed,
            json!({"edition": "fa", "title": "دوم", "translation_of": n.draft}),
        )
        .await;
    assert_eq!(second.invalid_fields(), ["translation_of"]);
    assert!(!problem_text(&second.json()).contains(&fa_id.to_string()));
}

// Finding 5: the slug check told anyone which slugs hidden posts use.
#[actix_web::test]
async fn a_slug_taken_by_a_hidden_post_or_imitating_another_names_nothing() {
    let n = newsroom().await;
    let app = &n.app;
    let taken = app
        .post_as(
            "/api/v1/posts",
            &n.carl,
            json!({"edition": "en", "title": "p", "slug": "zebrafoxtrot-secret-merger"}),
        )
        .await;
    assert_eq!(taken.invalid_fields(), ["slug"]);
    let text = problem_text(&taken.json());
    assert!(!text.contains(&format!("post {}", n.draft)), "{text}");
    assert!(!text.contains("already used"), "{text}");
    // An editor, who sees the draft, is told which post has it.
    let told = app
        .post_as(
            "/api/v1/posts",
            &n.ed,
            json!({"edition": "en", "title": "p", "slug": "zebrafoxtrot-secret-merger"}),
        )
        .await;
    assert!(problem_text(&told.json()).contains(&format!("post {}", n.draft)));
    // A Cyrillic о imitating the live post's slug.
    let imitation = app
        .post_as(
            "/api/v1/posts",
            &n.carl,
            json!({"edition": "en", "title": "p", "slug": "w\u{043E}mbat-public-post"}),
        )
        .await;
    assert_eq!(imitation.invalid_fields(), ["slug"]);
    // Slugs in the edition's own script stay welcome.
    app.post_as(
        "/api/v1/posts",
        &n.carl,
        json!({"edition": "fa", "title": "p", "slug": "می-خواهم"}),
    )
    .await
    .expect(201);
}

// Finding 6: media only a draft used were public, with their file names.
#[actix_web::test]
async fn media_that_only_drafts_use_are_not_public_and_file_names_are_for_editors() {
    let n = newsroom().await;
    let app = &n.app;
    let image = seed::image(app, "acme-takeover-embargoed-until-friday");
    app.db(|c| {
        use diesel::prelude::*;
        use nashr::db::schema::{media, posts};
        nashr::with_conn!(c, c => diesel::update(media::table.find(image))
            .set(media::listed.eq(false))
            .execute(c))
        .unwrap();
        nashr::with_conn!(c, c => diesel::update(posts::table.find(n.draft))
            .set(posts::featured_media_id.eq(image))
            .execute(c))
        .unwrap();
    });
    let search = "/api/v1/media?search=takeover";
    assert_eq!(app.get_json(search).await["data"], json!([]));
    assert_eq!(app.get_json("/api/v1/media").await["data"], json!([]));
    app.get(&format!("/api/v1/media/{image}"))
        .await
        .problem(404);
    // Those who may read drafts see it; only media managers its file name.
    let for_ed = app.get_as(search, &n.ed).await.expect(200);
    assert_eq!(for_ed["data"][0]["original_filename"], "photo.jpg");
    let for_carl = app.get_as(search, &n.carl).await.expect(200);
    assert_eq!(for_carl["data"][0]["id"], image);
    assert!(for_carl["data"][0]["original_filename"].is_null());

    // Published, it is public, still without its file name.
    app.patch_as(
        &format!("/api/v1/posts/{}", n.draft),
        &n.alice,
        json!({"status": "published"}),
        None,
    )
    .await
    .expect(200);
    let public = app.get_json(search).await;
    assert_eq!(public["data"][0]["id"], image);
    assert!(public["data"][0]["original_filename"].is_null());
    let one = app.get_json(&format!("/api/v1/media/{image}")).await;
    assert!(one["original_filename"].is_null());
}

// Finding 7: an author's forced delete changed other people's posts.
#[actix_web::test]
async fn force_deleting_media_needs_the_right_to_edit_every_post_that_shows_it() {
    let n = newsroom().await;
    let app = &n.app;
    let alice_id = my_id(app, &n.alice).await;
    let image = seed::image(app, "shared-picture");
    app.db(|c| {
        use diesel::prelude::*;
        use nashr::db::schema::{media, posts};
        nashr::with_conn!(c, c => diesel::update(media::table.find(image))
            .set(media::uploaded_by.eq(alice_id))
            .execute(c))
        .unwrap();
        nashr::with_conn!(c, c => diesel::update(posts::table.find(n.bob_live))
            .set(posts::featured_media_id.eq(image))
            .execute(c))
        .unwrap();
    });
    let path = format!("/api/v1/posts/{}", n.bob_live);
    let before = app.get(&path).await;
    let etag = before.etag();
    let last_modified = before.header("last-modified").unwrap().to_string();
    // `Last-Modified` counts whole seconds.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;

    let refused = app
        .delete_as(&format!("/api/v1/media/{image}?force=true"), &n.alice, None)
        .await;
    refused.problem(403);
    assert_eq!(app.get_json(&path).await["featured_media"]["id"], image);

    let deleted = app
        .delete_as(&format!("/api/v1/media/{image}?force=true"), &n.ed, None)
        .await;
    assert_eq!(deleted.status, 204);
    let after = app.get(&path).await;
    assert!(after.json()["featured_media"].is_null());
    assert_ne!(after.etag(), etag);
    let revisions = app
        .get_as(&format!("{path}/revisions"), &n.ed)
        .await
        .expect(200);
    assert_eq!(revisions["data"].as_array().unwrap().len(), 1);
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .header("If-Modified-Since", last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

// Finding 10: names and slugs that pretend to be something else.
#[actix_web::test]
async fn names_titles_and_file_names_that_pretend_are_refused() {
    let n = newsroom().await;
    let app = &n.app;
    for (field, value) in [
        ("display_name", "admin"),
        ("display_name", "\u{0430}dmin"),
        ("slug", "admin"),
        ("display_name", "\u{200B}"),
        ("display_name", "bob\u{202E}nimda"),
    ] {
        let reply = app
            .patch_as("/api/v1/users/me", &n.carl, json!({ field: value }), None)
            .await;
        assert_eq!(reply.invalid_fields(), [field], "{value:?}");
    }
    for title in ["\u{200B}", " \u{2060}\u{FEFF} ", "invoice\u{202E}fdp.exe"] {
        let reply = app
            .post_as(
                "/api/v1/posts",
                &n.carl,
                json!({"edition": "en", "title": title}),
            )
            .await;
        assert_eq!(reply.invalid_fields(), ["title"], "{title:?}");
    }
    // Right-to-left marks are how Persian titles place punctuation.
    app.post_as(
        "/api/v1/posts",
        &n.carl,
        json!({"edition": "fa", "title": "\u{200F}«سلام»"}),
    )
    .await
    .expect(201);
    for filename in [
        "filename*=UTF-8''gpj%E2%80%AE.png",
        "filename*=UTF-8''%C0%AE%C0%AE.png",
    ] {
        let res = app
            .client
            .post(format!("{}/api/v1/media", app.address))
            .bearer_auth(&n.alice)
            .header("Content-Type", "image/png")
            .header("Content-Disposition", format!("attachment; {filename}"))
            .body(crate::helpers::png(4, 4))
            .send()
            .await
            .unwrap();
        let reply = Reply::read(res).await.unwrap();
        assert_eq!(reply.invalid_fields(), ["filename"], "{filename}");
    }
}

// Finding 11: any user could learn which e-mail addresses are in use.
#[actix_web::test]
async fn an_email_in_use_is_not_revealed_and_probing_is_slowed() {
    let n = newsroom().await;
    let app = &n.app;
    let admin = app.admin().await;
    let alice_id = my_id(app, &n.alice).await;
    app.patch_as(
        &format!("/api/v1/users/{alice_id}"),
        &admin,
        json!({"email": "alice@example.org"}),
        None,
    )
    .await
    .expect(200);
    let probe = json!({"email": "alice@example.org", "current_password": "carl-password"});
    let first = app
        .patch_as("/api/v1/users/me", &n.carl, probe.clone(), None)
        .await;
    assert_eq!(first.invalid_fields(), ["email"]);
    let text = problem_text(&first.json());
    assert!(!text.contains("another user"), "{text}");
    // Each probe counts as a failed password: the fifth is the last.
    for _ in 0..4 {
        app.patch_as("/api/v1/users/me", &n.carl, probe.clone(), None)
            .await;
    }
    let limited = app
        .patch_as("/api/v1/users/me", &n.carl, probe.clone(), None)
        .await;
    limited.problem(429);
}

// Finding 12: answers that did not match the rest of the API.
#[actix_web::test]
async fn unknown_nested_fields_repeated_terms_and_the_bearer_scheme() {
    let n = newsroom().await;
    let app = &n.app;
    app.get(&format!(
        "/api/v1/posts/{}?fields=id,author.email",
        n.alice_live
    ))
    .await
    .bad_parameter("fields");
    let ok = app
        .get_json(&format!(
            "/api/v1/posts/{}?fields=id,author.display_name",
            n.alice_live
        ))
        .await;
    assert!(ok["author"]["display_name"].is_string());

    let category = seed::category(app, n.en, "news", None, "g1");
    let repeated = app
        .post_as(
            "/api/v1/posts",
            &n.ed,
            json!({"edition": "en", "title": "t", "categories": [category, category, category]}),
        )
        .await;
    assert_eq!(repeated.invalid_fields(), ["categories"]);

    for scheme in ["BEARER", "bearer", "Bearer", "bEaReR"] {
        let res = app
            .client
            .get(format!("{}/api/v1/users/me", app.address))
            .header("Authorization", format!("{scheme} {}", n.ed))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{scheme}");
    }
}

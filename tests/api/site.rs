//! What a frontend needs beyond content: the site's settings per edition
//! (with the default edition's values where an edition has none), preview
//! tokens for drafts, and each post's neighbours.

use serde_json::{json, Value};

use crate::helpers::seed::{self, days_ago, Post};
use crate::helpers::{spawn_app, spawn_with};

#[actix_web::test]
async fn site_settings_fall_back_to_the_default_edition_and_only_admins_change_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    seed::editions(&app);
    let logo = seed::image(&app, "logo");
    // Not listed on its own: public only once the site shows it.
    app.db(|c| {
        use diesel::prelude::*;
        use nashr::db::schema::media::dsl::*;
        nashr::with_conn!(c, c => diesel::update(media).set(listed.eq(false)).execute(c)).unwrap();
    });
    app.get(&format!("/api/v1/media/{logo}")).await.problem(404);

    // Nothing set: nothing to show, nothing fallen back to.
    let empty = app.get_json("/api/v1/site?edition=fa").await;
    assert_eq!(
        (
            &empty["edition"],
            &empty["default_edition"],
            &empty["direction"]
        ),
        (&json!("fa"), &json!("en"), &json!("rtl"))
    );
    assert_eq!(empty["name"], Value::Null);
    assert_eq!(empty["social_links"], json!([]));
    assert_eq!(empty["fallbacks"], json!([]));

    let en = app
        .patch_as(
            "/api/v1/site?edition=en",
            &admin,
            json!({"name": "Pars Times", "tagline": "News in four languages",
                   "copyright": "© 2003–2026 Pars Times. All rights reserved.",
                   "logo": logo, "contact_email": "desk@example.org",
                   "social_links": [{"network": "youtube", "url": "https://www.youtube.com/@pars"},
                                    {"network": "facebook", "url": "https://facebook.com/pars"}]}),
            None,
        )
        .await
        .expect(200);
    assert_eq!(en["name"], "Pars Times");
    assert_eq!(en["logo"]["id"], logo);
    assert_eq!(en["social_links"][0]["network"], "youtube");
    let fa = app
        .patch_as(
            "/api/v1/site?edition=fa",
            &admin,
            json!({"name": "پارس تایمز", "tagline": "خبر به چهار زبان"}),
            None,
        )
        .await
        .expect(200);
    assert_eq!(fa["name"], "پارس تایمز");
    let fa = app.get_json("/api/v1/site?edition=fa").await;
    assert_eq!(fa["name"], "پارس تایمز", "its own");
    assert_eq!(fa["copyright"], en["copyright"], "the default edition's");
    assert_eq!(fa["logo"]["id"], logo);
    assert_eq!(fa["social_links"], en["social_links"]);
    assert_eq!(
        fa["fallbacks"],
        json!(["copyright", "logo", "social_links", "contact_email"])
    );
    // Without `edition`: the default edition's.
    assert_eq!(app.get_json("/api/v1/site").await["edition"], "en");

    // Unset (null): the default edition's again.
    app.patch_as(
        "/api/v1/site?edition=fa",
        &admin,
        json!({"tagline": null}),
        None,
    )
    .await
    .expect(200);
    let fa = app.get_json("/api/v1/site?edition=fa").await;
    assert_eq!(fa["tagline"], "News in four languages");
    assert!(fa["fallbacks"]
        .as_array()
        .unwrap()
        .contains(&json!("tagline")));
    assert_eq!(fa["name"], "پارس تایمز");

    // Bad values: every field named, nothing stored.
    let bad = app
        .patch_as(
            "/api/v1/site?edition=en",
            &admin,
            json!({"name": "", "logo": 999_999, "contact_email": "not an address",
                   "social_links": [{"network": "You Tube", "url": "javascript:alert(1)"}]}),
            None,
        )
        .await;
    bad.problem(422);
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_email",
            "logo",
            "name",
            "social_links[0].network",
            "social_links[0].url"
        ]
    );
    assert_eq!(
        app.get_json("/api/v1/site?edition=en").await["name"],
        "Pars Times"
    );
    app.patch_as(
        "/api/v1/site?edition=en",
        &admin,
        json!({"social_links": [{"network": "x", "url": "https://x.com/a", "extra": 1}]}),
        None,
    )
    .await
    .problem(422);
    app.patch_as(
        "/api/v1/site?edition=xx",
        &admin,
        json!({"name": "X"}),
        None,
    )
    .await
    .problem(404);
    app.get("/api/v1/site?edition=xx").await.problem(404);

    // Only admins (scope `settings:write`).
    let (_, editor) = app.user_with_role("eda", "editor").await;
    app.patch_as("/api/v1/site", &editor, json!({"name": "Mine"}), None)
        .await
        .problem(403);
    let (_, scripted) = app.script_token(&admin, &["read", "posts:write"]).await;
    app.patch_as("/api/v1/site", &scripted, json!({"name": "Mine"}), None)
        .await
        .problem(403);
    let (_, allowed) = app.script_token(&admin, &["settings:write"]).await;
    app.patch_as("/api/v1/site", &allowed, json!({"name": "Ours"}), None)
        .await
        .expect(200);
    assert_eq!(
        app.get_json("/api/v1/site?edition=fa").await["name"],
        "پارس تایمز"
    );
    assert_eq!(app.get_json("/api/v1/site").await["name"], "Ours");

    // The logo is public while the site shows it.
    app.get(&format!("/api/v1/media/{logo}")).await.expect(200);
}

/// A preview token reads its post whatever its status, privately, and
/// opens nothing else; it expires and is revoked with the post's others.
#[actix_web::test]
async fn a_preview_token_reads_one_draft_and_nothing_else() {
    let app = spawn_with(|s| {
        s.preview_url = Some("https://site.example/api/preview?token={token}&path={path}".into())
    })
    .await;
    let admin = app.admin().await;
    seed::editions(&app);
    let (author_id, author) = app.user_with_role("writer", "author").await;
    let draft = |title: &str| {
        let (app, author) = (&app, author.clone());
        let title = title.to_string();
        async move {
            app.post_as(
                "/api/v1/posts",
                &author,
                json!({"edition": "fa", "title": title, "content": "<p>پیش‌نویس</p>", "author": author_id}),
            )
            .await
            .expect(201)
        }
    };
    let post = draft("یادداشت آینده").await;
    let other = draft("دیگری").await;
    let id = post["id"].as_i64().unwrap();
    let slug = post["slug"].as_str().unwrap().to_string();

    let preview = app
        .post_as(&format!("/api/v1/posts/{id}/preview"), &author, json!({}))
        .await;
    let preview = preview.expect(201);
    let token = preview["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("preview_"), "{token}");
    assert!(preview["expires_at"].is_string());
    let url = preview["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://site.example/api/preview?token=preview_"),
        "{url}"
    );
    assert!(url.contains("&path=%2Ffa%2F"), "{url}");

    // Without the token the draft does not exist.
    app.get(&format!("/api/v1/posts/{id}")).await.problem(404);
    // With it: the draft, private.
    let seen = app
        .get(&format!("/api/v1/posts/{id}?preview={token}"))
        .await;
    assert_eq!(seen.header("cache-control"), Some("private, no-store"));
    let body = seen.expect(200);
    assert_eq!(body["status"], "draft");
    assert_eq!(body["title"], "یادداشت آینده");
    let by_slug = format!(
        "/api/v1/posts/by-slug/{}?edition=fa&preview={token}",
        urlencode(&slug)
    );
    assert_eq!(app.get_json(&by_slug).await["id"], id);
    // The latest version, never a kept one.
    app.patch_as(
        &format!("/api/v1/posts/{id}"),
        &author,
        json!({"title": "یادداشت تازه"}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(app.get_json(&by_slug).await["title"], "یادداشت تازه");

    // It reads that post only, and opens nothing else.
    let other = other["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/posts/{other}?preview={token}"))
        .await
        .problem(403);
    app.get(&format!("/api/v1/posts/{id}?preview=preview_nonsense"))
        .await
        .problem(401);
    app.get_as(&format!("/api/v1/posts/{id}"), &token)
        .await
        .problem(401);
    app.patch_as(
        &format!("/api/v1/posts/{id}"),
        &token,
        json!({"title": "x"}),
        None,
    )
    .await
    .problem(401);
    app.get(&format!("/api/v1/posts?status=draft&preview={token}"))
        .await
        .problem(400);

    // Someone who may not edit the post may not preview it.
    let (_, contributor) = app.user_with_role("newcomer", "contributor").await;
    let refused = app
        .post_as(
            &format!("/api/v1/posts/{id}/preview"),
            &contributor,
            json!({}),
        )
        .await;
    assert!(matches!(refused.status, 403 | 404), "{}", refused.status);
    app.post_as("/api/v1/posts/999999/preview", &admin, json!({}))
        .await
        .problem(404);

    // Expired: 401.
    app.db(|c| {
        use diesel::prelude::*;
        use nashr::db::schema::post_previews::dsl::*;
        let past = seed::now() - chrono::Duration::seconds(1);
        nashr::with_conn!(c, c => diesel::update(post_previews).set(expires_at.eq(past)).execute(c))
            .unwrap();
    });
    app.get(&format!("/api/v1/posts/{id}?preview={token}"))
        .await
        .problem(401);

    // Revoked with the post's other previews.
    let fresh = app
        .post_as(&format!("/api/v1/posts/{id}/preview"), &admin, json!({}))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/posts/{id}?preview={fresh}"))
        .await
        .expect(200);
    app.delete_as(&format!("/api/v1/posts/{id}/preview"), &author, None)
        .await
        .expect_no_content();
    app.get(&format!("/api/v1/posts/{id}?preview={fresh}"))
        .await
        .problem(401);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `previous` and `next` of a single post: the adjacent live posts of its
/// edition and kind by publication time, skipping drafts, scheduled posts,
/// the trash, pages and other editions.
#[actix_web::test]
async fn a_post_links_its_live_neighbours_of_the_same_edition_and_kind() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let at = |days: i64| days_ago(days);
    let live = |slug: &str, days: i64| {
        Post {
            published_at: at(days),
            ..Post::new(en, slug)
        }
        .insert(&app)
    };
    let oldest = live("oldest", 30);
    let middle = live("middle", 20);
    let newest = live("newest", 10);
    // Between them, none of these is a neighbour.
    for (slug, status, kind, edition, days) in [
        ("a-draft", "draft", "article", en, 25),
        ("archived", "archived", "article", en, 15),
        ("a-page", "published", "page", en, 15),
        ("persian", "published", "article", fa, 15),
    ] {
        Post {
            status,
            kind,
            published_at: at(days),
            ..Post::new(edition, slug)
        }
        .insert(&app);
    }
    Post {
        status: "scheduled",
        published_at: seed::now() + chrono::Duration::days(3),
        ..Post::new(en, "future")
    }
    .insert(&app);

    let links = |v: &Value| (v["previous"]["id"].as_i64(), v["next"]["id"].as_i64());
    let one = app.get_json(&format!("/api/v1/posts/{middle}")).await;
    assert_eq!(links(&one), (Some(oldest), Some(newest)));
    assert_eq!(one["previous"]["path"], "/en/oldest");
    assert_eq!(one["next"]["title"], "Title of newest");
    assert!(one["next"]["published_at"].is_string());
    let first = app.get_json(&format!("/api/v1/posts/{oldest}")).await;
    assert_eq!(links(&first), (None, Some(middle)));
    assert!(
        first.get("previous").is_some_and(Value::is_null),
        "null, not absent"
    );
    let last = app
        .get_json("/api/v1/posts/by-slug/newest?edition=en")
        .await;
    assert_eq!(links(&last), (Some(middle), None));

    // Lists do not carry them.
    let list = app.get_json("/api/v1/posts?edition=en").await;
    assert!(list["data"][0].get("next").is_none());

    // A trashed neighbour is skipped, and the pages showing it change.
    let admin = app.admin().await;
    app.delete_as(&format!("/api/v1/posts/{middle}"), &admin, None)
        .await
        .expect_no_content();
    let first = app.get_json(&format!("/api/v1/posts/{oldest}")).await;
    assert_eq!(links(&first), (None, Some(newest)));
}

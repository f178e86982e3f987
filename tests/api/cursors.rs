//! Cursor pagination: every list can be walked with `meta.next_cursor`,
//! giving the same items as page numbers, and a walk is stable while
//! content is added between its pages.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, TestApp};

/// What identifies each item of a list page: its id, or an edition's code.
fn keys(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i.get("id") {
            Some(id) => id.to_string(),
            None => i["code"].to_string(),
        })
        .collect()
}

/// Every item of a list, by following `links.next` (cursors) from the
/// first page with `per_page`; answers the ids and how many pages it took.
async fn walk(
    app: &TestApp,
    path: &str,
    per_page: u32,
    token: Option<&str>,
) -> (Vec<String>, usize) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let first = format!("{path}{sep}per_page={per_page}");
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let reply = match (&next, token) {
            (None, Some(t)) => app.get_as(&first, t).await,
            (None, None) => app.get(&first).await,
            (Some(url), Some(t)) => app.get_as(url, t).await,
            (Some(url), None) => app.get(url).await,
        };
        let body = reply.expect(200);
        pages += 1;
        ids.extend(keys(&body));
        let link = body["links"]["next"].as_str();
        match body["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(link.is_some(), "{path}: a cursor without a next link");
                if next.is_some() {
                    assert_eq!(
                        body["meta"]["page"],
                        Value::Null,
                        "cursor pages have no number"
                    );
                    let link = link.unwrap().strip_prefix(&app.address).unwrap();
                    assert!(link.contains("cursor="), "{link}");
                }
                next = Some(format!("{first}&cursor={cursor}"));
            }
            None => {
                assert!(link.is_none(), "{path}: the last page has no next link");
                break;
            }
        }
        assert!(pages < 500, "{path}: no end");
    }
    (ids, pages)
}

#[actix_web::test]
async fn a_walk_by_cursor_neither_repeats_nor_skips_while_posts_are_added() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    for n in 0..45 {
        Post {
            // Pairs share a publication time: the id breaks the tie.
            published_at: seed::days_ago(100 - n / 2),
            ..Post::new(en, &format!("post-{n}"))
        }
        .insert(&app);
    }
    // Scheduled for tomorrow: not live, so neither pages nor cursors show it.
    let scheduled = Post {
        status: "scheduled",
        published_at: seed::days_ago(-1),
        ..Post::new(en, "tomorrow")
    }
    .insert(&app);
    let by_pages = app.ids("/api/v1/posts?per_page=100").await;
    assert_eq!(by_pages.len(), 45);

    // Walk 10 at a time, adding a newer post and an older one before each
    // page: a walk by cursor sees each post that was there exactly once.
    let mut seen = Vec::new();
    let mut url = "/api/v1/posts?per_page=10".to_string();
    let mut added = 0;
    loop {
        for days in [0, 500] {
            Post {
                published_at: seed::days_ago(days),
                ..Post::new(en, &format!("added-{added}"))
            }
            .insert(&app);
            added += 1;
        }
        let body = app.get_json(&url).await;
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
        match body["meta"]["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/posts?per_page=10&cursor={cursor}"),
            None => break,
        }
    }
    let original: HashSet<i64> = by_pages.iter().copied().collect();
    let walked: Vec<i64> = seen
        .iter()
        .copied()
        .filter(|id| original.contains(id))
        .collect();
    assert_eq!(walked, by_pages, "every post once, in order");
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no post twice");
    assert!(
        !unique.contains(&scheduled),
        "a scheduled post stays unseen"
    );

    // Other orders walk like their pages do.
    for order in [
        "title",
        "-title",
        "published_at",
        "-comment_count",
        "id",
        "-updated_at",
    ] {
        let path = format!("/api/v1/posts?sort={order}");
        let all = keys(&app.get_json(&format!("{path}&per_page=100")).await);
        let (walked, pages) = walk(&app, &path, 7, None).await;
        assert_eq!(walked, all, "sort={order}");
        assert_eq!(pages, all.len().div_ceil(7), "sort={order}");
    }
}

#[actix_web::test]
async fn cursors_are_checked() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    for n in 0..3 {
        Post::new(en, &format!("p{n}")).insert(&app);
    }
    let body = app.get_json("/api/v1/posts?per_page=1").await;
    let cursor = body["meta"]["next_cursor"].as_str().unwrap().to_string();
    app.get(&format!(
        "/api/v1/posts?per_page=1&sort=title&cursor={cursor}"
    ))
    .await
    .bad_parameter("cursor");
    app.get(&format!("/api/v1/posts?page=2&cursor={cursor}"))
        .await
        .bad_parameter("cursor");
    for garbage in [
        "x",
        "eyJ9",
        "%E2%98%83",
        "eyJvIjoiLXB1Ymxpc2hlZF9hdCIsImsiOltdLCJpIjoxfQ",
    ] {
        app.get(&format!("/api/v1/posts?cursor={garbage}"))
            .await
            .bad_parameter("cursor");
    }
    // A forged cursor of the right shape is only a position: no error.
    let forged = base64_json(&json!({"o": "-published_at", "k": [{"s": "' OR 1=1 --"}], "i": 1}));
    let reply = app.get(&format!("/api/v1/posts?cursor={forged}")).await;
    assert!(
        reply.status == 200 || reply.status == 400,
        "{}",
        reply.status
    );
    assert_eq!(app.get_json("/api/v1/posts").await["meta"]["total"], 3);
}

fn base64_json(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[actix_web::test]
async fn every_list_walks_by_cursor_like_its_pages() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let admin = app.admin().await;
    for n in 0..5 {
        let author = seed::user(&app, &format!("writer-{n}"));
        seed::tag(&app, en, &format!("tag-{n}"));
        seed::category(&app, fa, &format!("cat-{n}"), None, &format!("g{n}"));
        seed::image(&app, &format!("img-{n}"));
        Post {
            author: Some(author),
            ..Post::new(en, &format!("p{n}"))
        }
        .insert(&app);
        app.user_with_role(&format!("user{n}"), "editor").await;
        app.script_token(&admin, &["read"]).await;
        app.post_as(
            "/api/v1/menus",
            &admin,
            json!({"edition": "en", "name": format!("Menu {n}"), "items": []}),
        )
        .await
        .expect(201);
    }
    // A draft with no publication time among published posts.
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "Draft"}),
    )
    .await
    .expect(201);

    for (path, token) in [
        ("/api/v1/tags", None),
        ("/api/v1/tags?sort=-name", None),
        ("/api/v1/categories", None),
        ("/api/v1/categories?sort=slug", None),
        ("/api/v1/categories?tree=true", None),
        ("/api/v1/media", None),
        ("/api/v1/media?sort=-file_size", None),
        ("/api/v1/authors", None),
        ("/api/v1/menus", None),
        ("/api/v1/editions", None),
        ("/api/v1/users", Some(admin.as_str())),
        ("/api/v1/tokens", Some(admin.as_str())),
        ("/api/v1/posts?status=any", Some(admin.as_str())),
        (
            "/api/v1/posts?status=any&sort=published_at",
            Some(admin.as_str()),
        ),
        ("/api/v1/media?search=img", None),
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let all_path = format!("{path}{sep}per_page=100");
        let all = match token {
            Some(t) => app.get_as(&all_path, t).await.expect(200),
            None => app.get_json(&all_path).await,
        };
        let all = keys(&all);
        assert!(all.len() >= 3, "{path}: {all:?}");
        let (walked, _) = walk(&app, path, 2, token).await;
        assert_eq!(walked, all, "{path}");
    }
}

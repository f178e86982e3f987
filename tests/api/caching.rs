//! HTTP caching of public reads: strong ETags and Last-Modified that follow the
//! representation, 304s, Cache-Control for the public and for tokens,
//! Vary, and brotli/gzip compression.

use std::io::Read;

use serde_json::json;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, spawn_with, Reply, TestApp};

/// GET with extra request headers.
async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let res = request.send().await.expect("the server answers");
    Reply {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.bytes().await.expect("a body").to_vec(),
    }
}

fn vary(reply: &Reply) -> String {
    reply
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

#[actix_web::test]
async fn public_reads_revalidate_with_304_until_the_content_changes() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let id = Post {
        categories: vec![news],
        ..Post::new(en, "hello")
    }
    .insert(&app);

    for path in [
        "/api/v1/posts".to_string(),
        format!("/api/v1/posts/{id}"),
        "/api/v1/categories?tree=true".to_string(),
    ] {
        let first = app.get(&path).await;
        assert_eq!(first.status, 200, "{path}");
        let etag = first.header("etag").expect("an ETag").to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
            "a strong ETag: {etag}"
        );
        assert_eq!(
            first.header("cache-control"),
            Some("public, max-age=60, stale-while-revalidate=300")
        );
        let vary = vary(&first);
        assert!(
            vary.contains("accept-encoding") && vary.contains("authorization"),
            "{vary}"
        );

        let again = get_with(&app, &path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert!(again.header("cache-control").unwrap().starts_with("public"));

        let other = get_with(&app, &path, &[("If-None-Match", "\"something-else\"")]).await;
        assert_eq!(other.status, 200);
    }

    // Renaming the post's category changes the post's representation, not
    // its revision: the public ETag follows the representation.
    let path = format!("/api/v1/posts/{id}");
    let before = app.get(&path).await.header("etag").unwrap().to_string();
    let admin = app.admin().await;
    app.patch_as(
        &format!("/api/v1/categories/{news}"),
        &admin,
        json!({"name": "World news"}),
        None,
    )
    .await
    .expect(200);
    let after = get_with(&app, &path, &[("If-None-Match", &before)]).await;
    assert_eq!(after.status, 200, "a changed representation is sent again");
    assert_ne!(after.header("etag").unwrap(), before);
    assert_eq!(after.json()["categories"][0]["name"], "World news");

    // The public ETag of an item leads with its revision, so it also
    // works in If-Match; once the item changes it is stale.
    let public = after.header("etag").unwrap().to_string();
    assert!(public.starts_with("\"1."), "{public}");
    app.patch_as(
        &path,
        &admin,
        json!({"title": "Hello again"}),
        Some(&public),
    )
    .await
    .expect(200);
    app.patch_as(&path, &admin, json!({"title": "Lost"}), Some(&public))
        .await
        .problem(412);
    // An If-Match that names nothing is malformed: 400, and nothing changes.
    app.patch_as(&path, &admin, json!({"title": "Empty"}), Some(""))
        .await
        .problem(400);
    assert_eq!(app.get_json(&path).await["title"], "Hello again");
}

#[actix_web::test]
async fn token_reads_are_private_and_keep_revision_etags() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let id = Post::new(en, "hello").insert(&app);
    let admin = app.admin().await;
    let path = format!("/api/v1/posts/{id}");
    let private = app.get_as(&path, &admin).await;
    assert_eq!(private.status, 200);
    assert_eq!(private.header("cache-control"), Some("private, no-store"));
    assert_eq!(
        private.etag(),
        "\"1\"",
        "editors' ETags are revisions, for If-Match"
    );
    let listed = app.get_as("/api/v1/posts?status=any", &admin).await;
    assert_eq!(listed.header("cache-control"), Some("private, no-store"));
    // Errors are not cached as public content.
    let missing = app.get("/api/v1/posts/999999").await;
    assert_eq!(missing.status, 404);
    assert!(missing
        .header("cache-control")
        .is_none_or(|c| !c.contains("public")));
}

#[actix_web::test]
async fn bodies_are_compressed_as_the_client_accepts() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    for n in 0..10 {
        Post {
            content: format!("<p>{}</p>", "Words of a long article. ".repeat(50)),
            ..Post::new(en, &format!("p{n}"))
        }
        .insert(&app);
    }
    let plain = app.get("/api/v1/posts").await;
    assert!(plain.header("content-encoding").is_none());
    let hash = plain.header("etag").unwrap().trim_matches('"').to_string();

    let br = get_with(&app, "/api/v1/posts", &[("Accept-Encoding", "gzip, br")]).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("etag"), Some(format!("\"{hash}-br\"").as_str()));
    assert!(
        br.body.len() * 4 < plain.body.len(),
        "brotli shrinks repeated text"
    );
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain.body);

    let gz = get_with(&app, "/api/v1/posts", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain.body);

    // A validator of any coding revalidates the others.
    let revalidated = get_with(
        &app,
        "/api/v1/posts",
        &[
            ("Accept-Encoding", "gzip"),
            ("If-None-Match", &format!("\"{hash}-br\"")),
        ],
    )
    .await;
    assert_eq!(revalidated.status, 304);
    let refused = get_with(
        &app,
        "/api/v1/posts",
        &[("Accept-Encoding", "br;q=0, gzip;q=0")],
    )
    .await;
    assert!(refused.header("content-encoding").is_none());
}

#[actix_web::test]
async fn cache_lifetimes_are_configurable() {
    let app = spawn_with(|s| {
        s.cache_max_age = 5;
        s.cache_stale_while_revalidate = 0;
    })
    .await;
    assert_eq!(
        app.get("/api/v1/editions").await.header("cache-control"),
        Some("public, max-age=5, stale-while-revalidate=0")
    );
}

#[actix_web::test]
async fn last_modified_follows_writes_and_if_modified_since_revalidates() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let id = Post::new(en, "hello").insert(&app);
    let first = app.get("/api/v1/posts").await;
    assert_eq!(first.status, 200);
    let modified = first
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    assert!(modified.ends_with(" GMT"), "an HTTP date: {modified}");

    let again = get_with(&app, "/api/v1/posts", &[("if-modified-since", &modified)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("last-modified"), Some(modified.as_str()));
    // If-None-Match wins over If-Modified-Since (RFC 9110): a tag that no
    // longer matches means a full answer.
    let stale_tag = get_with(
        &app,
        "/api/v1/posts",
        &[
            ("if-modified-since", &modified),
            ("if-none-match", "\"0000\""),
        ],
    )
    .await;
    assert_eq!(stale_tag.status, 200);
    let old = get_with(
        &app,
        "/api/v1/posts",
        &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    )
    .await;
    assert_eq!(old.status, 200);
    let garbage = get_with(&app, "/api/v1/posts", &[("if-modified-since", "yesterday")]).await;
    assert_eq!(garbage.status, 200);

    // A write a second later moves Last-Modified on.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let admin = app.admin().await;
    app.patch_as(
        &format!("/api/v1/posts/{id}"),
        &admin,
        json!({"title": "Changed"}),
        None,
    )
    .await
    .expect(200);
    let after = get_with(&app, "/api/v1/posts", &[("if-modified-since", &modified)]).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.json()["data"][0]["title"], "Changed");
    assert_ne!(after.header("last-modified"), Some(modified.as_str()));
}

#[actix_web::test]
async fn kept_responses_never_outlive_a_change() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let id = Post {
        categories: vec![news],
        ..Post::new(en, "hello")
    }
    .insert(&app);
    let admin = app.admin().await;
    let path = format!("/api/v1/posts/{id}");
    // Twice, so that the second answer comes from the response cache.
    for _ in 0..2 {
        let r = app.get("/api/v1/posts?include=categories").await;
        assert_eq!(r.json()["data"][0]["title"], "Title of hello");
    }
    let cached = app.get("/api/v1/posts?include=categories").await;
    assert_eq!(
        cached.queries(),
        1,
        "a kept response costs the version check"
    );

    // A write through the API, a write of a related row (the category),
    // and a write straight into the database are all seen at once.
    app.patch_as(&path, &admin, json!({"title": "New title"}), None)
        .await
        .expect(200);
    let r = app.get("/api/v1/posts?include=categories").await;
    assert_eq!(r.json()["data"][0]["title"], "New title");
    app.patch_as(
        &format!("/api/v1/categories/{news}"),
        &admin,
        json!({"name": "World"}),
        None,
    )
    .await
    .expect(200);
    let r = app.get("/api/v1/posts?include=categories").await;
    assert_eq!(r.json()["data"][0]["categories"][0]["name"], "World");
    assert_eq!(
        r.json()["data"][0]["embedded"]["categories"][0]["name"],
        "World"
    );
    Post::new(en, "direct").insert(&app);
    assert_eq!(app.ids("/api/v1/posts").await.len(), 2);

    // A scheduled post appears when its time comes, with no write.
    let soon = seed::now() + chrono::Duration::milliseconds(1500);
    let scheduled = Post {
        status: "scheduled",
        published_at: soon,
        ..Post::new(en, "soon")
    }
    .insert(&app);
    assert!(!app.ids("/api/v1/posts").await.contains(&scheduled));
    assert!(!app.ids("/api/v1/posts").await.contains(&scheduled));
    std::thread::sleep(std::time::Duration::from_millis(1700));
    assert!(app.ids("/api/v1/posts").await.contains(&scheduled));
}

#[actix_web::test]
async fn responses_name_their_content_for_cdn_purges() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let author = seed::user(&app, "writer");
    let news = seed::category(&app, en, "news", None, "g-news");
    let tag = seed::tag(&app, en, "press");
    let picture = seed::image(&app, "cover");
    let id = Post {
        author: Some(author),
        categories: vec![news],
        tags: vec![tag],
        featured_media: Some(picture),
        ..Post::new(en, "hello")
    }
    .insert(&app);
    let other = Post::new(en, "other").insert(&app);
    let list = app.get("/api/v1/posts").await;
    let keys: Vec<&str> = list
        .header("surrogate-key")
        .expect("Surrogate-Key")
        .split(' ')
        .collect();
    for want in [
        "posts".to_string(),
        format!("post-{id}"),
        format!("post-{other}"),
        format!("author-{author}"),
        format!("category-{news}"),
        format!("tag-{tag}"),
        format!("media-{picture}"),
    ] {
        assert!(keys.contains(&want.as_str()), "{want} in {keys:?}");
    }
    assert_eq!(
        list.header("cache-tag").unwrap(),
        keys.join(","),
        "Cache-Tag has the same keys"
    );
    // A single post names itself and its neighbours (`previous`, `next`),
    // whose titles it shows.
    let single = app.get(&format!("/api/v1/posts/{other}")).await;
    let body = single.json();
    let neighbours: Vec<String> = ["previous", "next"]
        .iter()
        .filter_map(|n| body[n]["id"].as_i64())
        .map(|n| format!("post-{n}"))
        .collect();
    assert!(!neighbours.is_empty(), "{body}");
    let mut want = vec![format!("post-{other}")];
    want.extend(neighbours);
    want.sort();
    assert_eq!(
        single.header("surrogate-key"),
        Some(format!("posts {}", want.join(" ")).as_str())
    );
    let categories = app.get("/api/v1/categories").await;
    assert_eq!(
        categories.header("surrogate-key"),
        Some(format!("categories category-{news} category-{news}-posts").as_str())
    );
    // Editors' answers are not for shared caches.
    let admin = app.admin().await;
    let private = app.get_as("/api/v1/posts", &admin).await;
    assert!(private.header("surrogate-key").is_none());
    assert!(private.header("last-modified").is_none());
}

#[actix_web::test]
async fn concurrent_readers_see_every_acknowledged_write() {
    // Readers share content-version checks; a read that starts after a
    // write was acknowledged must still see it.
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let id = Post::new(en, "hello").insert(&app);
    let admin = app.admin().await;
    let path = format!("/api/v1/posts/{id}");
    let url = format!("{}{path}", app.address);
    for round in 0..5 {
        let title = format!("Title {round}");
        app.patch_as(&path, &admin, json!({"title": title}), None)
            .await
            .expect(200);
        let reads = (0..24).map(|_| {
            let client = app.client.clone();
            let url = url.clone();
            async move {
                let body: serde_json::Value =
                    client.get(&url).send().await.unwrap().json().await.unwrap();
                body["title"].as_str().unwrap().to_string()
            }
        });
        for seen in futures_util::future::join_all(reads).await {
            assert_eq!(seen, title, "round {round}");
        }
    }
}

use serde_json::Value;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, TestApp};

/// 45 live English articles, one a day, newest first by id.
async fn app_with_45_posts() -> (TestApp, Vec<i64>) {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let mut ids: Vec<i64> = (0..45)
        .map(|n| {
            Post {
                published_at: seed::days_ago(100 - n),
                ..Post::new(en, &format!("post-{n}"))
            }
            .insert(&app)
        })
        .collect();
    ids.reverse();
    (app, ids)
}

#[actix_web::test]
async fn pages_have_meta_links_link_header_and_total() {
    let (app, ids) = app_with_45_posts().await;

    let reply = app.get("/api/v1/posts?per_page=20&page=2").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-total-count"), Some("45"));
    let body = reply.json();
    let got: Vec<i64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[20..40]);
    let mut meta = body["meta"].clone();
    let next_cursor = meta["next_cursor"].take();
    assert!(
        next_cursor.is_string(),
        "a page with more after it gives a cursor"
    );
    assert_eq!(
        meta,
        serde_json::json!({"page": 2, "per_page": 20, "total": 45, "total_pages": 3, "total_is_estimate": false, "next_cursor": null})
    );
    let after = app
        .ids(&format!(
            "/api/v1/posts?per_page=20&cursor={}",
            next_cursor.as_str().unwrap()
        ))
        .await;
    assert_eq!(after, ids[40..], "the cursor continues where page 2 ends");
    let base = format!("{}/api/v1/posts", app.address);
    assert_eq!(body["links"]["self"], format!("{base}?per_page=20&page=2"));
    assert_eq!(body["links"]["first"], format!("{base}?per_page=20&page=1"));
    assert_eq!(body["links"]["prev"], format!("{base}?per_page=20&page=1"));
    assert_eq!(body["links"]["next"], format!("{base}?per_page=20&page=3"));
    assert_eq!(body["links"]["last"], format!("{base}?per_page=20&page=3"));

    let link = reply.header("link").unwrap();
    for rel in ["self", "first", "prev", "next", "last"] {
        let href = body["links"][rel].as_str().unwrap();
        assert!(
            link.contains(&format!("<{href}>; rel=\"{rel}\"")),
            "{rel} missing in {link}"
        );
    }

    // The last page is short and has no next link.
    let last = app.get_json("/api/v1/posts?per_page=20&page=3").await;
    assert_eq!(last["data"].as_array().unwrap().len(), 5);
    assert_eq!(last["links"]["next"], Value::Null);
    let first = app.get_json("/api/v1/posts?per_page=20").await;
    assert_eq!(first["links"]["prev"], Value::Null);
}

#[actix_web::test]
async fn pagination_edges() {
    let (app, _) = app_with_45_posts().await;

    let past = app.get("/api/v1/posts?page=9").await;
    assert_eq!(past.status, 200);
    let body = past.json();
    assert_eq!(body["data"], serde_json::json!([]));
    assert_eq!(body["meta"]["total"], 45);
    assert!(
        body["links"]["prev"].as_str().unwrap().ends_with("page=3"),
        "prev points at the last page"
    );
    assert_eq!(body["links"]["next"], Value::Null);

    for bad in [
        "per_page=0",
        "per_page=101",
        "per_page=abc",
        "per_page=-1",
        "per_page=",
    ] {
        app.get(&format!("/api/v1/posts?{bad}"))
            .await
            .bad_parameter("per_page");
    }
    for bad in ["page=0", "page=abc", "page=99999999999", "page=2147483648"] {
        app.get(&format!("/api/v1/posts?{bad}"))
            .await
            .bad_parameter("page");
    }
    let full = app.get_json("/api/v1/posts?per_page=100").await;
    assert_eq!(full["data"].as_array().unwrap().len(), 45);
    assert_eq!(full["meta"]["total_pages"], 1);
}

#[actix_web::test]
async fn unknown_or_repeated_parameters_are_rejected() {
    let app = spawn_app().await;
    let doc = app
        .get("/api/v1/posts?colour=red")
        .await
        .bad_parameter("colour");
    assert!(
        doc["detail"].as_str().unwrap().contains("edition"),
        "lists the known parameters: {doc}"
    );
    app.get("/api/v1/posts?page=1&page=2")
        .await
        .bad_parameter("page");
    app.get("/api/v1/posts?sort=popularity")
        .await
        .bad_parameter("sort");
    app.get("/api/v1/posts?kind=video")
        .await
        .bad_parameter("kind");
    app.get("/api/v1/posts?featured=yes")
        .await
        .bad_parameter("featured");
    app.get("/api/v1/posts?after=yesterday")
        .await
        .bad_parameter("after");
    app.get("/api/v1/posts?edition=xx").await.unknown("edition");
    app.get("/api/v1/posts/1?full=true")
        .await
        .bad_parameter("full");
    app.get("/api/v1/posts/by-slug/x")
        .await
        .bad_parameter("edition");
    app.get("/api/v1/posts?edition=")
        .await
        .bad_parameter("edition");
    app.get("/api/v1/posts?category=")
        .await
        .bad_parameter("category");
}

/// Ids in a list answer, for `?query`.
async fn list(app: &TestApp, query: &str) -> Vec<i64> {
    app.ids(&format!("/api/v1/posts?{query}")).await
}

#[actix_web::test]
async fn every_filter_narrows_the_list() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let news = seed::category(&app, en, "news", None, "g-news");
    let local = seed::category(&app, en, "local", Some(news), "g-local");
    let city = seed::category(&app, en, "city", Some(local), "g-city");
    let sport = seed::category(&app, en, "sport", None, "g-sport");
    let fa_news = seed::category(&app, fa, "اخبار", None, "g-news");
    let books = seed::tag(&app, en, "books");
    let alice = seed::user(&app, "alice");
    let bob = seed::user(&app, "bob");

    let in_news = Post {
        categories: vec![news],
        author: Some(alice),
        published_at: seed::time("2020-01-10T10:00:00Z"),
        ..Post::new(en, "in-news")
    }
    .insert(&app);
    let in_city = Post {
        categories: vec![city],
        tags: vec![books],
        author: Some(bob),
        published_at: seed::time("2021-06-01T10:00:00Z"),
        featured: true,
        ..Post::new(en, "in-city")
    }
    .insert(&app);
    let in_sport = Post {
        categories: vec![sport],
        tags: vec![books],
        author: Some(alice),
        published_at: seed::time("2022-03-01T10:00:00Z"),
        comment_count: 9,
        ..Post::new(en, "in-sport")
    }
    .insert(&app);
    let fa_post = Post {
        categories: vec![fa_news],
        published_at: seed::time("2023-01-01T10:00:00Z"),
        ..Post::new(fa, "خبر")
    }
    .insert(&app);
    let page = Post {
        kind: "page",
        published_at: seed::time("2019-01-01T10:00:00Z"),
        ..Post::new(en, "about")
    }
    .insert(&app);

    // Default: articles of every edition, newest first; pages only on request.
    assert_eq!(list(&app, "").await, [fa_post, in_sport, in_city, in_news]);
    assert_eq!(list(&app, "kind=page").await, [page]);
    assert_eq!(list(&app, "edition=en").await, [in_sport, in_city, in_news]);
    assert_eq!(list(&app, "edition=fa").await, [fa_post]);

    // Categories by id or slug, with their descendants at any depth.
    assert_eq!(
        list(&app, &format!("category={news}")).await,
        [in_city, in_news]
    );
    assert_eq!(
        list(&app, "category=news&edition=en").await,
        [in_city, in_news]
    );
    assert_eq!(list(&app, "category=local").await, [in_city]);
    assert_eq!(list(&app, "category=city,sport").await, [in_sport, in_city]);
    assert_eq!(
        list(&app, "category=%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1").await,
        [fa_post]
    );
    app.get("/api/v1/posts?category=nothing")
        .await
        .unknown("category");
    app.get(&format!("/api/v1/posts?category={news}&edition=fa"))
        .await
        .unknown("category");

    assert_eq!(list(&app, "tag=books").await, [in_sport, in_city]);
    assert_eq!(
        list(&app, &format!("tag={books}")).await,
        [in_sport, in_city]
    );
    app.get("/api/v1/posts?tag=films").await.unknown("tag");

    assert_eq!(list(&app, "author=alice").await, [in_sport, in_news]);
    assert_eq!(list(&app, &format!("author={bob}")).await, [in_city]);
    app.get("/api/v1/posts?author=carol")
        .await
        .unknown("author");

    assert_eq!(
        list(&app, "after=2021-01-01&edition=en").await,
        [in_sport, in_city]
    );
    assert_eq!(list(&app, "before=2021-06-01T10:00:00Z").await, [in_news]);
    assert_eq!(
        list(&app, "after=2021-06-01T12:00:00%2B03:00&before=2022-01-01").await,
        [in_city]
    );

    assert_eq!(list(&app, "featured=true").await, [in_city]);
    assert_eq!(
        list(&app, "featured=false&edition=en").await,
        [in_sport, in_news]
    );

    assert_eq!(
        list(&app, "sort=published_at").await,
        [in_news, in_city, in_sport, fa_post]
    );
    assert_eq!(
        list(&app, "sort=-comment_count&edition=en").await[0],
        in_sport
    );
    assert_eq!(
        list(&app, "sort=id").await,
        [in_news, in_city, in_sport, fa_post]
    );
    assert_eq!(
        list(&app, "sort=-title&edition=en").await,
        [in_sport, in_news, in_city]
    );

    // Filters combine.
    assert_eq!(
        list(&app, "category=news&tag=books&author=bob&featured=true").await,
        [in_city]
    );
}

#[actix_web::test]
async fn drafts_and_future_posts_are_invisible_until_their_time() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let cat = seed::category(&app, en, "news", None, "g");
    let live = Post {
        categories: vec![cat],
        ..Post::new(en, "live")
    }
    .insert(&app);
    let draft = Post {
        status: "draft",
        categories: vec![cat],
        ..Post::new(en, "draft")
    }
    .insert(&app);
    let future = Post {
        status: "scheduled",
        published_at: seed::now() + chrono::Duration::hours(2),
        categories: vec![cat],
        ..Post::new(en, "future")
    }
    .insert(&app);
    let due = Post {
        status: "scheduled",
        published_at: seed::now() - chrono::Duration::minutes(1),
        categories: vec![cat],
        ..Post::new(en, "due")
    }
    .insert(&app);
    let archived = Post {
        status: "archived",
        ..Post::new(en, "archived")
    }
    .insert(&app);
    let published_ahead = Post {
        published_at: seed::now() + chrono::Duration::days(1),
        ..Post::new(en, "ahead")
    }
    .insert(&app);

    // A scheduled post whose time has passed is live with no job having run.
    assert_eq!(list(&app, "").await, [due, live]);
    for hidden in [draft, future, archived, published_ahead] {
        app.get(&format!("/api/v1/posts/{hidden}"))
            .await
            .problem(404);
    }
    for slug in ["draft", "future", "archived", "ahead"] {
        app.get(&format!("/api/v1/posts/by-slug/{slug}?edition=en"))
            .await
            .problem(404);
    }
    let due_post = app.get_json(&format!("/api/v1/posts/{due}")).await;
    assert_eq!(
        due_post["status"], "published",
        "a scheduled post whose time came is published"
    );
    let category = app.get_json(&format!("/api/v1/categories/{cat}")).await;
    assert_eq!(category["post_count"], 2, "counts only live posts");
    assert_eq!(
        app.get("/api/v1/posts").await.header("x-total-count"),
        Some("2")
    );
}

#[actix_web::test]
async fn single_posts_by_id_and_by_percent_encoded_persian_slug() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let slug = "می-خواهم-بخوانم";
    let id = Post::new(fa, slug).insert(&app);
    Post::new(en, "other").insert(&app);

    let encoded: String = slug.bytes().map(|b| format!("%{b:02X}")).collect();
    let post = app
        .get_json(&format!("/api/v1/posts/by-slug/{encoded}?edition=fa"))
        .await;
    assert_eq!(post["id"], id);
    assert_eq!(post["slug"], slug);
    assert_eq!(post["path"], format!("/fa/{slug}"));
    assert_eq!(post["direction"], "rtl");
    assert_eq!(post["edition"], "fa");
    // The same slug in another edition is another (here: no) post.
    app.get(&format!("/api/v1/posts/by-slug/{encoded}?edition=en"))
        .await
        .problem(404);
    assert_eq!(
        app.get_json(&format!("/api/v1/posts/{id}")).await["slug"],
        slug
    );
    app.get("/api/v1/posts/999999").await.problem(404);
    app.get("/api/v1/posts/abc").await.bad_parameter("id");
}

#[actix_web::test]
async fn persian_and_arabic_text_round_trips_byte_for_byte() {
    let app = spawn_app().await;
    let (_, fa, ar) = seed::editions(&app);
    // ZWNJ (U+200C) inside words, Persian digits, and Arabic with full tashkeel.
    let persian = "کتاب\u{200c}های تازه\u{200c}ای که می\u{200c}خواهم بخوانم: ۱۴۰۲";
    let arabic = "العِلْمُ نُورٌ وَالجَهْلُ ظَلَامٌ ـــ ١٢٣";
    let fa_id = Post {
        title: persian.into(),
        content: format!("<p dir=\"rtl\">{persian}</p>"),
        ..Post::new(fa, "fa-text")
    }
    .insert(&app);
    let ar_id = Post {
        title: arabic.into(),
        content: format!("<p>{arabic}</p>"),
        ..Post::new(ar, "ar-text")
    }
    .insert(&app);

    let reply = app.get(&format!("/api/v1/posts/{fa_id}")).await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let post = reply.json();
    assert_eq!(
        post["title"].as_str().unwrap().as_bytes(),
        persian.as_bytes()
    );
    assert_eq!(
        post["content"].as_str().unwrap(),
        format!("<p dir=\"rtl\">{persian}</p>")
    );
    // The raw body carries the characters themselves, not escapes.
    assert!(String::from_utf8(reply.body.clone())
        .unwrap()
        .contains(persian));

    let post = app.get_json(&format!("/api/v1/posts/{ar_id}")).await;
    assert_eq!(
        post["title"].as_str().unwrap().as_bytes(),
        arabic.as_bytes()
    );
    assert_eq!(post["direction"], "rtl");
}

#[actix_web::test]
async fn translations_are_listed_in_both_directions_and_only_when_live() {
    let app = spawn_app().await;
    let (en, fa, ar) = seed::editions(&app);
    let en_id = Post {
        group: "story".into(),
        ..Post::new(en, "story")
    }
    .insert(&app);
    let fa_id = Post {
        group: "story".into(),
        ..Post::new(fa, "داستان")
    }
    .insert(&app);
    Post {
        group: "story".into(),
        status: "draft",
        ..Post::new(ar, "قصة")
    }
    .insert(&app);

    let en_post = app.get_json(&format!("/api/v1/posts/{en_id}")).await;
    assert_eq!(en_post["translation_group"], "story");
    assert_eq!(
        en_post["translations"],
        serde_json::json!([{"edition": "fa", "id": fa_id, "slug": "داستان"}])
    );
    let fa_post = app.get_json(&format!("/api/v1/posts/{fa_id}")).await;
    assert_eq!(
        fa_post["translations"],
        serde_json::json!([{"edition": "en", "id": en_id, "slug": "story"}])
    );
    let listed = app.get_json("/api/v1/posts?edition=fa").await;
    assert_eq!(listed["data"][0]["translations"][0]["id"], en_id);
}

#[actix_web::test]
async fn posts_carry_their_relations() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let cat = seed::category(&app, en, "news", None, "g");
    let tag = seed::tag(&app, en, "books");
    let author = seed::user(&app, "alice");
    let image = seed::image(&app, "cover");
    let id = Post {
        categories: vec![cat],
        tags: vec![tag],
        author: Some(author),
        featured_media: Some(image),
        comment_count: 3,
        featured: true,
        ..Post::new(en, "rich")
    }
    .insert(&app);

    let post = app.get_json(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(
        post["categories"],
        serde_json::json!([{"id": cat, "slug": "news", "name": "Category news"}])
    );
    assert_eq!(
        post["tags"],
        serde_json::json!([{"id": tag, "slug": "books", "name": "Tag books"}])
    );
    assert_eq!(
        post["author"],
        serde_json::json!({"id": author, "slug": "alice", "display_name": "User alice"})
    );
    assert_eq!(post["featured_media"]["id"], image);
    assert_eq!(
        post["featured_media"]["url"],
        format!("{}/aa/bb/cover.jpg", app.media_base)
    );
    assert_eq!(
        post["featured_media"]["renditions"]["thumbnail"]["width"],
        150
    );
    assert_eq!(post["comment_count"], 3);
    assert_eq!(post["featured"], true);
    assert_eq!(post["kind"], "article");
    assert_eq!(post["status"], "published");
    assert!(post["published_at"].as_str().unwrap().ends_with('Z'));
    assert!(post.get("email").is_none() && post["author"].get("email").is_none());
}

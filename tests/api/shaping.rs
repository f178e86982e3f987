//! Shaping responses: sparse fieldsets, embedded objects (`include`),
//! fallback to another edition (`lang_fallback`) and hreflang alternates.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, spawn_with};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[actix_web::test]
async fn fields_keep_only_what_was_asked_for_in_the_same_queries() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let author = seed::user(&app, "writer");
    let news = seed::category(&app, en, "news", None, "g-news");
    let picture = seed::image(&app, "cover");
    for n in 0..3 {
        Post {
            author: Some(author),
            categories: vec![news],
            featured_media: Some(picture),
            ..Post::new(en, &format!("p{n}"))
        }
        .insert(&app);
    }
    let whole = app.get("/api/v1/posts").await;
    let shaped = app
        .get("/api/v1/posts?fields=id,title,author.display_name,categories.slug,featured_media.renditions.thumbnail.url")
        .await;
    let body = shaped.expect(200);
    // A whole answer and a shaped one have their own media types, each
    // with its own schema in the OpenAPI document.
    assert_eq!(whole.header("content-type"), Some("application/json"));
    assert_eq!(
        shaped.header("content-type"),
        Some("application/vnd.nashr.fields+json")
    );
    assert_eq!(body["meta"]["total"], 3, "the envelope is whole");
    for post in body["data"].as_array().unwrap() {
        assert_eq!(
            keys(post),
            ["author", "categories", "featured_media", "id", "title"]
                .map(String::from)
                .into()
        );
        assert_eq!(keys(&post["author"]), ["display_name".to_string()].into());
        assert_eq!(keys(&post["categories"][0]), ["slug".to_string()].into());
        assert_eq!(post["categories"][0]["slug"], "news");
        let thumbnail = &post["featured_media"]["renditions"]["thumbnail"];
        assert_eq!(keys(thumbnail), ["url".to_string()].into());
        assert!(thumbnail["url"].as_str().unwrap().ends_with("t.jpg"));
    }
    // (Fewer, even: the posts' views, built for the first list, are kept.)
    assert!(
        shaped.queries() <= whole.queries(),
        "fields change the answer, not the queries"
    );

    let id = body["data"][0]["id"].as_i64().unwrap();
    let one = app
        .get(&format!("/api/v1/posts/{id}?fields=title,edition"))
        .await;
    assert_eq!(
        one.header("content-type"),
        Some("application/vnd.nashr.fields+json")
    );
    assert_eq!(
        keys(&one.expect(200)),
        ["edition", "title"].map(String::from).into()
    );
    let by_slug = app
        .get("/api/v1/posts/by-slug/p1?edition=en&fields=slug")
        .await;
    assert_eq!(
        by_slug.header("content-type"),
        Some("application/vnd.nashr.fields+json")
    );
    assert_eq!(by_slug.expect(200), serde_json::json!({"slug": "p1"}));
    let whole_one = app.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(whole_one.header("content-type"), Some("application/json"));

    app.get("/api/v1/posts?fields=password")
        .await
        .bad_parameter("fields");
    app.get("/api/v1/posts?fields=title..x")
        .await
        .bad_parameter("fields");
    app.get(&format!("/api/v1/posts/{id}?fields=,"))
        .await
        .bad_parameter("fields");
}

/// Three stories: one in en and fa, one only in en, one only in fa; the
/// en posts with an author, a category, two tags and a picture.
async fn translated_site() -> (crate::helpers::TestApp, i64, [i64; 4]) {
    // Views not kept, so that every list builds its posts: what is counted
    // is what building costs.
    let app = spawn_with(|s| s.view_cache_mb = 0).await;
    let (en, fa, _) = seed::editions(&app);
    let author = seed::user(&app, "writer");
    let news = seed::category(&app, en, "news", None, "g-news");
    let world = seed::category(&app, en, "world", Some(news), "g-world");
    let tags = vec![seed::tag(&app, en, "press"), seed::tag(&app, en, "law")];
    let picture = seed::image(&app, "cover");
    let rich = |slug: &str, group: &str| Post {
        author: Some(author),
        categories: vec![world],
        tags: tags.clone(),
        featured_media: Some(picture),
        group: group.to_string(),
        published_at: seed::days_ago(2),
        ..Post::new(en, slug)
    };
    let both_en = rich("both", "g-both").insert(&app);
    let both_fa = Post {
        group: "g-both".into(),
        ..Post::new(fa, "هر-دو")
    }
    .insert(&app);
    let only_en = rich("only-en", "g-only-en").insert(&app);
    let only_fa = Post::new(fa, "فقط-فارسی").insert(&app);
    (app, en, [both_en, both_fa, only_en, only_fa])
}

#[actix_web::test]
async fn include_embeds_whole_objects_in_a_fixed_number_of_queries() {
    let (app, en, [both_en, both_fa, only_en, _]) = translated_site().await;
    let list = app
        .get("/api/v1/posts?edition=en&include=author,categories,tags,translations,featured_media")
        .await;
    let body = list.expect(200);
    let posts = body["data"].as_array().unwrap();
    assert_eq!(posts.len(), 2);
    let both = posts.iter().find(|p| p["id"] == both_en).unwrap();
    let embedded = &both["embedded"];
    assert_eq!(
        keys(embedded),
        ["author", "categories", "tags", "translations"]
            .map(String::from)
            .into()
    );
    // Whole objects, not the short references the post carries anyway.
    assert_eq!(embedded["author"]["slug"], "writer");
    assert!(embedded["author"]["post_count"].as_i64().unwrap() >= 2);
    assert!(embedded["author"].get("bio").is_some());
    assert_eq!(embedded["categories"][0]["slug"], "world");
    assert!(embedded["categories"][0]["parent_id"].as_i64().is_some());
    assert!(embedded["categories"][0].get("description").is_some());
    let tag_slugs: Vec<&str> = embedded["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(tag_slugs, ["law", "press"]);
    assert_eq!(embedded["tags"][0]["post_count"], 2);
    let translations = embedded["translations"].as_array().unwrap();
    assert_eq!(translations.len(), 1);
    assert_eq!(translations[0]["id"], both_fa);
    assert_eq!(translations[0]["edition"], "fa");
    assert_eq!(translations[0]["direction"], "rtl");
    assert_eq!(translations[0]["title"], "Title of هر-دو");
    assert_eq!(translations[0]["path"], "/fa/هر-دو");
    let only = posts.iter().find(|p| p["id"] == only_en).unwrap();
    assert_eq!(only["embedded"]["translations"], serde_json::json!([]));

    // Without include there is nothing embedded.
    let plain = app.get_json("/api/v1/posts?edition=en").await;
    assert!(plain["data"][0].get("embedded").is_none());

    // One post or twenty: the same queries.
    for n in 0..20 {
        Post {
            author: Some(posts[0]["author"]["id"].as_i64().unwrap()),
            ..Post::new(en, &format!("more-{n}"))
        }
        .insert(&app);
    }
    let all = "include=author,categories,tags,translations";
    // The first read after those writes catches the response cache up with
    // the change log (one query more); the two compared do not.
    app.get("/api/v1/editions").await.expect(200);
    let one = app.get(&format!("/api/v1/posts?per_page=1&{all}")).await;
    let many = app.get(&format!("/api/v1/posts?per_page=22&{all}")).await;
    assert_eq!(one.expect(200)["data"].as_array().unwrap().len(), 1);
    assert_eq!(many.expect(200)["data"].as_array().unwrap().len(), 22);
    assert_eq!(one.queries(), many.queries());

    // Single posts take it too, with fields= on the embedded objects.
    let single = app
        .get_json(&format!(
            "/api/v1/posts/{both_en}?include=author&fields=id,embedded.author.display_name"
        ))
        .await;
    assert_eq!(keys(&single), ["embedded", "id"].map(String::from).into());
    assert_eq!(
        keys(&single["embedded"]["author"]),
        ["display_name".to_string()].into()
    );
    let by_slug = app
        .get_json("/api/v1/posts/by-slug/both?edition=en&include=translations")
        .await;
    assert_eq!(by_slug["embedded"]["translations"][0]["id"], both_fa);

    // Unknown names are a 400 naming the parameter.
    for bad in ["comments", "author,", "", "author,,tags"] {
        app.get(&format!("/api/v1/posts?include={bad}"))
            .await
            .bad_parameter("include");
    }
}

#[actix_web::test]
async fn lang_fallback_fills_missing_translations_and_says_so() {
    let (app, _, [both_en, both_fa, only_en, only_fa]) = translated_site().await;
    let list = app
        .get_json("/api/v1/posts?edition=fa&lang_fallback=en&sort=id")
        .await;
    let got: Vec<(i64, Option<&str>)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_i64().unwrap(), p["fallback_for"].as_str()))
        .collect();
    // The fa version of the shared story, the English-only story standing
    // in for a Persian one, and the Persian-only story; never both
    // versions of one story.
    assert_eq!(
        got,
        [(both_fa, None), (only_en, Some("fa")), (only_fa, None)]
    );
    assert_eq!(list["meta"]["total"], 3);
    assert!(!got.iter().any(|(id, _)| *id == both_en));

    // A draft translation does not count: the English post stands in.
    let admin = app.admin().await;
    app.patch_as(
        &format!("/api/v1/posts/{both_fa}"),
        &admin,
        serde_json::json!({"status": "draft"}),
        None,
    )
    .await
    .expect(200);
    let ids = app
        .ids("/api/v1/posts?edition=fa&lang_fallback=en&sort=id")
        .await;
    assert_eq!(ids, [both_en, only_en, only_fa]);

    // Without lang_fallback, only the edition; the same edition as the
    // fallback changes nothing; a fallback without an edition is a 400,
    // an unknown one a 404.
    assert_eq!(app.ids("/api/v1/posts?edition=fa&sort=id").await, [only_fa]);
    assert_eq!(
        app.ids("/api/v1/posts?edition=fa&lang_fallback=fa&sort=id")
            .await,
        [only_fa]
    );
    app.get("/api/v1/posts?lang_fallback=en")
        .await
        .bad_parameter("lang_fallback");
    app.get("/api/v1/posts?edition=fa&lang_fallback=xx")
        .await
        .problem(404);
}

#[actix_web::test]
async fn posts_list_their_hreflang_alternates() {
    let (app, _, [both_en, both_fa, only_en, _]) = translated_site().await;
    let en = app.get_json(&format!("/api/v1/posts/{both_en}")).await;
    assert_eq!(
        en["alternates"],
        serde_json::json!([
            {"hreflang": "en", "path": "/en/both"},
            {"hreflang": "fa", "path": "/fa/هر-دو"},
            {"hreflang": "x-default", "path": "/en/both"},
        ])
    );
    let fa = app.get_json(&format!("/api/v1/posts/{both_fa}")).await;
    assert_eq!(fa["alternates"][0]["hreflang"], "fa");
    assert_eq!(fa["alternates"][2]["path"], "/en/both");
    let alone = app.get_json(&format!("/api/v1/posts/{only_en}")).await;
    assert_eq!(
        alone["alternates"],
        serde_json::json!([
            {"hreflang": "en", "path": "/en/only-en"},
            {"hreflang": "x-default", "path": "/en/only-en"},
        ])
    );
}

/// Posts are written from their views' JSON with what one answer adds
/// (`fallback_for`, `embedded`, `search_snippet`) joined in; `fields`
/// naming every field goes through the serializer instead. Both must be
/// the same JSON, for lists and single posts, built anew or kept.
#[actix_web::test]
async fn posts_joined_from_their_json_are_what_the_serializer_writes() {
    const EVERY_FIELD: &str = "id,kind,edition,direction,slug,path,title,excerpt,content,status,\
        published_at,updated_at,author,categories,tags,featured_media,gallery,featured,\
        comment_count,comments_open,parent_id,translation_group,translations,alternates,fallback_for,embedded,\
        search_snippet,previous,next";
    for view_cache_mb in [0, 32] {
        let app = spawn_with(|s| s.view_cache_mb = view_cache_mb).await;
        let (en, fa, _) = seed::editions(&app);
        let author = seed::user(&app, "writer");
        let news = seed::category(&app, en, "news", None, "g-news");
        let picture = seed::image(&app, "cover");
        let en_post = Post {
            author: Some(author),
            categories: vec![news],
            tags: vec![seed::tag(&app, en, "press")],
            featured_media: Some(picture),
            group: "g-both".into(),
            ..Post::new(en, "both")
        }
        .insert(&app);
        // Stands in for a Persian translation, with its author embedded.
        Post {
            author: Some(author),
            ..Post::new(en, "only-en")
        }
        .insert(&app);
        Post {
            group: "g-both".into(),
            ..Post::new(fa, "هر-دو")
        }
        .insert(&app);
        let paths = [
            "/api/v1/posts?edition=fa&lang_fallback=en&include=author,categories,tags,translations&sort=id"
                .to_string(),
            "/api/v1/posts?search=Title&include=author".to_string(),
            "/api/v1/posts?search=Title".to_string(),
            "/api/v1/posts?sort=id".to_string(),
            format!("/api/v1/posts/{en_post}?include=author,categories,tags,translations"),
            format!("/api/v1/posts/{en_post}"),
        ];
        // Twice: built anew, then from kept views (where they are kept).
        for _ in 0..2 {
            for path in &paths {
                let joined = app.get_json(path).await;
                let join = if path.contains('?') { '&' } else { '?' };
                let serialized = app
                    .get_json(&format!("{path}{join}fields={EVERY_FIELD}"))
                    .await;
                let (joined, serialized) = match joined.get("data") {
                    Some(data) => (data.clone(), serialized["data"].clone()),
                    None => (joined, serialized),
                };
                assert_eq!(
                    joined, serialized,
                    "{path}, views kept: {view_cache_mb} MiB"
                );
            }
        }
        let fallback = app.get_json(&paths[0]).await;
        assert!(fallback["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["fallback_for"] == "fa" && p["embedded"]["author"]["id"] == author));
        let found = app.get_json(&paths[2]).await;
        assert!(found["data"][0]["search_snippet"]
            .as_str()
            .is_some_and(|s| s.contains("<mark>")));
    }
}

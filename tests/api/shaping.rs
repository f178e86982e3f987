//! Shaping responses: sparse fieldsets on posts.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::seed::{self, Post};
use crate::helpers::spawn_app;

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
    assert_eq!(
        shaped.queries(),
        whole.queries(),
        "fields change the answer, not the queries"
    );

    let id = body["data"][0]["id"].as_i64().unwrap();
    let one = app
        .get_json(&format!("/api/v1/posts/{id}?fields=title,edition"))
        .await;
    assert_eq!(keys(&one), ["edition", "title"].map(String::from).into());
    let by_slug = app
        .get_json("/api/v1/posts/by-slug/p1?edition=en&fields=slug")
        .await;
    assert_eq!(by_slug, serde_json::json!({"slug": "p1"}));

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

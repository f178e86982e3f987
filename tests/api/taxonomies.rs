use serde_json::json;

use crate::helpers::seed::{self, Post};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn categories_nest_count_live_posts_and_link_translations() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let media = seed::category(&app, en, "media", None, "g-media");
    let cartoons = seed::category(&app, en, "cartoons", Some(media), "g-cartoons");
    let videos = seed::category(&app, en, "videos", Some(media), "g-videos");
    let deep = seed::category(&app, en, "shorts", Some(videos), "g-shorts");
    let about = seed::category(&app, en, "about", None, "g-about");
    let fa_media = seed::category(&app, fa, "رسانه", None, "g-media");
    Post {
        categories: vec![cartoons],
        ..Post::new(en, "a")
    }
    .insert(&app);
    Post {
        categories: vec![cartoons, deep],
        ..Post::new(en, "b")
    }
    .insert(&app);
    Post {
        categories: vec![cartoons],
        status: "draft",
        ..Post::new(en, "c")
    }
    .insert(&app);

    let flat = app.get_json("/api/v1/categories?edition=en&sort=id").await;
    assert_eq!(flat["meta"]["total"], 5);
    assert_eq!(flat["data"][1]["id"], cartoons);
    assert_eq!(flat["data"][1]["parent_id"], media);
    assert_eq!(flat["data"][1]["post_count"], 2);
    assert_eq!(flat["data"][1]["path"], "/en/category/cartoons");
    assert!(
        flat["data"][1].get("children").is_none(),
        "children only in trees"
    );

    let top = app
        .ids("/api/v1/categories?edition=en&parent=0&sort=id")
        .await;
    assert_eq!(top, [media, about]);
    assert_eq!(
        app.ids(&format!("/api/v1/categories?parent={media}&sort=id"))
            .await,
        [cartoons, videos]
    );
    app.get("/api/v1/categories?parent=999999")
        .await
        .unknown("parent");
    app.get("/api/v1/categories?parent=-1")
        .await
        .bad_parameter("parent");

    let tree = app
        .get_json("/api/v1/categories?edition=en&tree=true&sort=id")
        .await;
    assert_eq!(tree["meta"]["total"], 2, "pages count top-level categories");
    let roots = tree["data"].as_array().unwrap();
    let media_node = roots.iter().find(|c| c["id"] == media).unwrap();
    let children: Vec<i64> = media_node["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(children.len(), 2);
    assert!(children.contains(&cartoons) && children.contains(&videos));
    let videos_node = media_node["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == videos)
        .unwrap();
    assert_eq!(videos_node["children"][0]["id"], deep);
    assert_eq!(videos_node["children"][0]["children"], json!([]));

    let one = app.get_json(&format!("/api/v1/categories/{media}")).await;
    assert_eq!(
        one["translations"],
        json!([{"edition": "fa", "id": fa_media, "slug": "رسانه"}])
    );
    let by_slug = app
        .get_json("/api/v1/categories/by-slug/%D8%B1%D8%B3%D8%A7%D9%86%D9%87?edition=fa")
        .await;
    assert_eq!(by_slug["id"], fa_media);
    assert_eq!(by_slug["translations"][0]["id"], media);
    app.get("/api/v1/categories/by-slug/media?edition=fa")
        .await
        .problem(404);
    app.get("/api/v1/categories/999999").await.problem(404);
    app.get("/api/v1/categories?tree=maybe")
        .await
        .bad_parameter("tree");
}

#[actix_web::test]
async fn tags_count_live_posts_and_are_found_by_slug() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let books = seed::tag(&app, en, "books");
    let films = seed::tag(&app, en, "films");
    let fa_books = seed::tag(&app, fa, "کتاب");
    Post {
        tags: vec![books],
        ..Post::new(en, "a")
    }
    .insert(&app);
    Post {
        tags: vec![books, films],
        ..Post::new(en, "b")
    }
    .insert(&app);
    Post {
        tags: vec![films],
        status: "draft",
        ..Post::new(en, "c")
    }
    .insert(&app);

    let list = app.get_json("/api/v1/tags?edition=en").await;
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(list["data"][0]["slug"], "books");
    assert_eq!(list["data"][0]["post_count"], 2);
    assert_eq!(list["data"][1]["post_count"], 1);
    assert_eq!(list["data"][0]["path"], "/en/tag/books");
    assert_eq!(
        app.ids("/api/v1/tags?sort=-id").await,
        [fa_books, films, books]
    );

    let fa_tag = app
        .get_json("/api/v1/tags/by-slug/%DA%A9%D8%AA%D8%A7%D8%A8?edition=fa")
        .await;
    assert_eq!(fa_tag["id"], fa_books);
    assert_eq!(fa_tag["edition"], "fa");
    assert_eq!(
        app.get_json(&format!("/api/v1/tags/{films}")).await["name"],
        "Tag films"
    );
    app.get("/api/v1/tags/by-slug/nothing?edition=en")
        .await
        .problem(404);
    app.get("/api/v1/tags?edition=zz").await.unknown("edition");
}

use nashr::repo;
use nashr::repo::menus::{NewMenu, NewMenuItem};
use serde_json::json;

use crate::helpers::seed::{self, Post};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn menus_nest_items_resolved_to_paths_and_hide_what_is_not_public() {
    let app = spawn_app().await;
    let (en, fa, _) = seed::editions(&app);
    let media = seed::category(&app, en, "media", None, "g1");
    let cartoons = seed::category(&app, en, "cartoons", Some(media), "g2");
    let about = Post {
        kind: "page",
        ..Post::new(en, "about-us")
    }
    .insert(&app);
    let secret = Post {
        kind: "page",
        status: "draft",
        ..Post::new(en, "secret")
    }
    .insert(&app);
    let story = Post::new(en, "story").insert(&app);

    let (menu, fa_menu) = app.db(|c| {
        let now = seed::now();
        let mut menu = |edition, slug: &str| {
            repo::menus::insert(
                c,
                &NewMenu {
                    edition_id: edition,
                    slug,
                    name: "Main",
                    location: Some("primary"),
                    translation_group: "menus",
                    created_at: now,
                    updated_at: now,
                    created_by: None,
                    updated_by: None,
                },
            )
            .unwrap()
        };
        let (m, fa_m) = (menu(en, "main"), menu(fa, "main"));
        let mut item =
            |parent, position, label: &str, kind: &str, category, post, url: Option<&str>| {
                repo::menus::insert_item(
                    c,
                    &NewMenuItem {
                        menu_id: m,
                        parent_id: parent,
                        position,
                        label,
                        target_kind: kind,
                        category_id: category,
                        tag_id: None,
                        post_id: post,
                        url,
                    },
                )
                .unwrap()
            };
        item(None, 1, "Home", "url", None, None, Some("/en/"));
        let top = item(None, 2, "Media", "category", Some(media), None, None);
        item(
            Some(top),
            1,
            "Cartoons",
            "category",
            Some(cartoons),
            None,
            None,
        );
        item(Some(top), 2, "A story", "post", None, Some(story), None);
        let hidden = item(None, 3, "Secret", "post", None, Some(secret), None);
        item(
            Some(hidden),
            1,
            "Under the secret",
            "url",
            None,
            None,
            Some("https://example.org/"),
        );
        item(None, 4, "About Us", "post", None, Some(about), None);
        (m, fa_m)
    });

    let got = app.get_json(&format!("/api/v1/menus/{menu}")).await;
    assert_eq!(got["slug"], "main");
    assert_eq!(got["location"], "primary");
    assert_eq!(
        got["translations"],
        json!([{"edition": "fa", "id": fa_menu, "slug": "main"}])
    );
    let items = got["items"].as_array().unwrap();
    let labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["Home", "Media", "About Us"],
        "the draft page and its children are left out"
    );
    assert_eq!(items[0]["type"], "url");
    assert_eq!(items[0]["url"], "/en/");
    assert_eq!(items[0]["target"], serde_json::Value::Null);
    assert_eq!(items[1]["type"], "category");
    assert_eq!(items[1]["url"], "/en/category/media");
    assert_eq!(items[1]["target"], json!({"id": media, "slug": "media"}));
    assert_eq!(items[1]["children"][0]["url"], "/en/category/cartoons");
    assert_eq!(items[1]["children"][1]["type"], "post");
    assert_eq!(items[1]["children"][1]["url"], "/en/story");
    assert_eq!(items[2]["type"], "page");
    assert_eq!(items[2]["url"], "/en/about-us");
    assert_eq!(items[2]["children"], json!([]));

    assert_eq!(
        app.get_json("/api/v1/menus/by-slug/main?edition=fa").await["id"],
        fa_menu
    );
    assert_eq!(app.ids("/api/v1/menus?edition=en").await, [menu]);
    app.get("/api/v1/menus/by-slug/footer?edition=en")
        .await
        .problem(404);
}

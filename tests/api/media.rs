use crate::helpers::{seed, spawn_app};

#[actix_web::test]
async fn media_items_list_filter_and_show_renditions() {
    let app = spawn_app().await;
    seed::editions(&app);
    let first = seed::image(&app, "first");
    let second = seed::image(&app, "second");

    let list = app.get_json("/api/v1/media?sort=id").await;
    assert_eq!(list["meta"]["total"], 2);
    let item = &list["data"][0];
    assert_eq!(item["id"], first);
    assert_eq!(item["kind"], "image");
    assert_eq!(
        item["url"],
        format!("{}/media/aa/bb/first.jpg", app.address)
    );
    assert_eq!(item["mime_type"], "image/jpeg");
    assert_eq!(item["width"], 1200);
    assert_eq!(item["edition"], serde_json::Value::Null);
    let medium = &item["renditions"]["medium"];
    assert_eq!(medium["width"], 300);
    assert_eq!(medium["url"], format!("{}/media/aa/bb/m.jpg", app.address));

    assert_eq!(
        app.ids("/api/v1/media?kind=image&sort=-id").await,
        [second, first]
    );
    assert_eq!(app.ids("/api/v1/media?kind=video").await, Vec::<i64>::new());
    app.get("/api/v1/media?kind=hologram")
        .await
        .bad_parameter("kind");
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{second}")).await["slug"],
        "second"
    );
    app.get("/api/v1/media/999999").await.problem(404);
}

#[actix_web::test]
async fn stored_files_are_served_with_ranges_and_safe_headers() {
    let app = spawn_app().await;
    let store = nashr::media::LocalStore::new(&app.media_dir);
    let key = store.put(b"%PDF-1.4 not really a book", "pdf").unwrap();

    let whole = app.get(&format!("/media/{key}")).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, b"%PDF-1.4 not really a book");
    assert_eq!(whole.header("content-type"), Some("application/pdf"));
    assert_eq!(whole.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        whole.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let part = app
        .client
        .get(format!("{}/media/{key}", app.address))
        .header("Range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF-1.4");

    let missing = app.get("/media/00/00/nothing.jpg").await;
    missing.problem(404);
    assert_ne!(
        missing.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    app.get("/media/../Cargo.toml").await.problem(404);
}

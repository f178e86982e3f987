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
    assert_eq!(item["url"], format!("{}/aa/bb/first.jpg", app.media_base));
    assert_eq!(item["mime_type"], "image/jpeg");
    assert_eq!(item["width"], 1200);
    assert_eq!(item["edition"], serde_json::Value::Null);
    let medium = &item["renditions"]["medium"];
    assert_eq!(medium["width"], 300);
    assert_eq!(medium["url"], format!("{}/aa/bb/m.jpg", app.media_base));

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
async fn stored_files_are_served_with_ranges_and_long_caching() {
    let app = spawn_app().await;
    let bytes = b"%PDF-1.4 not really a book".to_vec();
    let key = nashr::media::content_key(&bytes, "pdf");
    assert!(app
        .store
        .put(&key, bytes.clone(), "application/pdf")
        .await
        .unwrap());
    assert!(
        !app.store
            .put(&key, bytes.clone(), "application/pdf")
            .await
            .unwrap(),
        "stored once"
    );
    let url = format!("{}/{key}", app.media_base);

    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "application/pdf");
    assert_eq!(
        whole.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let local = matches!(app.store, nashr::media::Store::Local(_));
    if local {
        assert_eq!(whole.headers()["x-content-type-options"], "nosniff");
    }
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let part = app
        .client
        .get(&url)
        .header("Range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF-1.4");

    if local {
        let missing = app.get("/media/00/00/nothing.jpg").await;
        missing.problem(404);
        assert_ne!(
            missing.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        app.get("/media/../Cargo.toml").await.problem(404);
    }
}

use nashr::startup::Application;

use crate::helpers::fresh_db;

#[actix_web::test]
async fn two_instances_starting_at_once_on_one_database_both_come_up() {
    let db = fresh_db();
    let (a, b) = tokio::join!(
        Application::build(db.settings.clone()),
        Application::build(db.settings.clone())
    );
    let (a, b) = (
        a.expect("first instance starts"),
        b.expect("second instance starts"),
    );
    for app in [&a, &b] {
        let mut conn = app.pool().get().unwrap();
        assert_eq!(nashr::repo::editions::count(&mut conn.conn).unwrap(), 0);
    }
    let urls = [
        format!("http://127.0.0.1:{}/readyz", a.port()),
        format!("http://127.0.0.1:{}/readyz", b.port()),
    ];
    actix_web::rt::spawn(a.run_until_stopped());
    actix_web::rt::spawn(b.run_until_stopped());
    for url in urls {
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    }
}

#[actix_web::test]
async fn a_plain_start_adds_no_content_and_a_demo_start_adds_it_once() {
    let db = fresh_db();
    let plain = Application::build(db.settings.clone()).await.unwrap();
    let mut conn = plain.pool().get().unwrap();
    assert_eq!(nashr::repo::posts::count_all(&mut conn.conn).unwrap(), 0);
    drop(conn);

    let mut demo = db.settings.clone();
    demo.demo = true;
    let first = Application::build(demo.clone()).await.unwrap();
    let mut conn = first.pool().get().unwrap();
    let loaded = nashr::repo::posts::count_all(&mut conn.conn).unwrap();
    assert!(loaded >= 200, "{loaded}");
    drop(conn);
    let again = Application::build(demo).await.unwrap();
    let mut conn = again.pool().get().unwrap();
    assert_eq!(
        nashr::repo::posts::count_all(&mut conn.conn).unwrap(),
        loaded
    );
}

#[actix_web::test]
async fn without_a_configured_key_logins_survive_restarts_and_work_on_every_instance() {
    let mut db = fresh_db();
    db.settings.jwt_secret = None;
    let first = Application::build(db.settings.clone()).await.unwrap();
    let first_url = format!("http://127.0.0.1:{}", first.port());
    actix_web::rt::spawn(first.run_until_stopped());
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{first_url}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    // A second instance (or the first, restarted) on the same database
    // signs with the same generated key.
    let second = Application::build(db.settings.clone()).await.unwrap();
    let second_url = format!("http://127.0.0.1:{}", second.port());
    actix_web::rt::spawn(second.run_until_stopped());
    let me = client
        .get(format!("{second_url}/api/v1/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // The key lives in the database, not in any file beside the binary.
    let stored = {
        let mut conn = nashr::db::Pool::connect(
            &db.settings.store.database_url,
            1,
            std::time::Duration::from_secs(5),
        )
        .unwrap()
        .get()
        .unwrap();
        nashr::repo::secrets::get_or_create(&mut conn.conn, "jwt_secret", || {
            unreachable!("the key exists")
        })
        .unwrap()
    };
    assert!(stored.len() >= 43, "a strong key");
}

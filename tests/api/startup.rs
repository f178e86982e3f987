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

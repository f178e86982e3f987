use reqwest::Method;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_answer_problem_documents() {
    let app = spawn_app().await;

    let doc = app.get("/api/v1/nothing-here").await.problem(404);
    assert!(doc["detail"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nothing-here"));
    app.get("/").await.problem(404);

    let wrong = app.request(Method::PUT, "/api/v1/posts/1").await;
    wrong.problem(405);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD, PATCH, DELETE"));
    let wrong = app.request(Method::DELETE, "/api/v1/posts").await;
    wrong.problem(405);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD, POST"));
    app.request(Method::PUT, "/healthz").await.problem(405);
    // A fixed path wins over a template that would also match it.
    let me = app.request(Method::DELETE, "/api/v1/users/me").await;
    me.problem(405);
    assert_eq!(me.header("allow"), Some("GET, HEAD, PATCH"));
    assert_eq!(
        app.request(Method::OPTIONS, "/api/v1/users/me")
            .await
            .header("allow"),
        Some("GET, HEAD, PATCH")
    );
}

#[actix_web::test]
async fn extractor_failures_are_problem_documents_not_plain_text() {
    let app = spawn_app().await;
    app.get("/api/v1/posts/12abc").await.bad_parameter("id");
    app.get("/api/v1/posts/99999999999999999999999")
        .await
        .bad_parameter("id");
    app.get("/api/v1/media/-").await.bad_parameter("id");
    // A slug that decodes to bytes that are not UTF-8 names no post.
    crate::helpers::seed::editions(&app);
    app.get("/api/v1/posts/by-slug/%FF%FE?edition=en")
        .await
        .problem(404);
    // Malformed percent-encoding in the query string names no edition.
    app.get("/api/v1/posts?edition=%E0%A4%A")
        .await
        .unknown("edition");
}

#[actix_web::test]
async fn health_probes_request_ids_and_head() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.header("cache-control"), Some("no-store"));

    // A plain id from the client is echoed; anything else is replaced.
    let res = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("X-Request-Id", "trace-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-42.a_b");
    let res = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("X-Request-Id", "bad id\twith\u{7f}")
        .send()
        .await;
    if let Ok(res) = res {
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    let head = app.request(Method::HEAD, "/api/v1/editions").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("x-total-count"), Some("0"));
}

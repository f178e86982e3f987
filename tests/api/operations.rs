//! Running Nashr in production: metrics, browser policy (CORS, security
//! headers), rate limits, body and client timeouts, and several instances
//! on one database.

use std::io::{Read, Write};
use std::time::Duration;

use nashr::startup::Application;
use serde_json::json;

use crate::helpers::{fresh_db, seed, spawn_app, spawn_with, TestApp};

/// The value of a sample line `name{labels} value` in Prometheus text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[actix_web::test]
async fn metrics_count_requests_by_route_template_with_latency_pool_and_logins() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let id = seed::Post::new(en, "counted").insert(&app);
    for _ in 0..3 {
        app.get(&format!("/api/v1/posts/{id}")).await.expect(200);
    }
    app.get("/api/v1/posts/999999").await.problem(404);
    app.get("/no/such/path").await.problem(404);
    let failed = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "admin", "password": "wrong"})),
            None,
        )
        .await;
    failed.problem(401);

    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(reply.body.clone()).unwrap();
    // By template, not by raw path: three 200s and one 404 on one series each.
    assert_eq!(
        sample(
            &text,
            r#"nashr_http_requests_total{method="GET",route="/api/v1/posts/{id}",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"nashr_http_requests_total{method="GET",route="/api/v1/posts/{id}",status="404"}"#
        ),
        Some(1.0)
    );
    assert!(!text.contains("posts/999999") && !text.contains("/no/such/path"));
    assert_eq!(
        sample(
            &text,
            r#"nashr_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"nashr_http_request_duration_seconds_count{method="GET",route="/api/v1/posts/{id}"}"#
        ),
        Some(4.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"nashr_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v1/posts/{id}"}"#
        )
        .or_else(|| sample(
            &text,
            r#"nashr_http_request_duration_seconds_bucket{method="GET",route="/api/v1/posts/{id}",le="+Inf"}"#
        )),
        Some(4.0),
        "{text}"
    );
    assert_eq!(sample(&text, "nashr_login_failures_total"), Some(1.0));
    assert_eq!(sample(&text, "nashr_db_pool_max_connections"), Some(4.0));
    let in_use = sample(&text, r#"nashr_db_pool_connections{state="in_use"}"#).unwrap();
    let idle = sample(&text, r#"nashr_db_pool_connections{state="idle"}"#).unwrap();
    assert!(
        in_use >= 0.0 && idle >= 1.0 && in_use + idle <= 4.0,
        "{text}"
    );
    assert_eq!(sample(&text, "nashr_db_pool_waiting"), Some(0.0));
    assert!(sample(&text, "nashr_db_query_duration_seconds_count").unwrap() >= 4.0);
    // The scrape itself is in flight while it is written.
    assert_eq!(sample(&text, "nashr_http_requests_in_flight"), Some(1.0));
}

#[actix_web::test]
async fn uploads_are_counted_stored_or_refused() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let png = crate::helpers::png(40, 30);
    let stored = app
        .client
        .post(format!("{}/api/v1/media", app.address))
        .bearer_auth(&admin)
        .header("Content-Type", "image/png")
        .header("Content-Disposition", "attachment; filename=\"a.png\"")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 201);
    let refused = app
        .client
        .post(format!("{}/api/v1/media", app.address))
        .bearer_auth(&admin)
        .header("Content-Type", "image/png")
        .body("not a picture")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 415);
    let text = String::from_utf8(app.get("/metrics").await.body).unwrap();
    assert_eq!(
        sample(&text, r#"nashr_uploads_total{outcome="stored"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"nashr_uploads_total{outcome="refused"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "nashr_upload_bytes_total"),
        Some(png.len() as f64)
    );
}

#[actix_web::test]
async fn metrics_can_require_a_token() {
    let app =
        spawn_with(|s| s.metrics_token = Some(nashr::config::Secret("scrape-me".into()))).await;
    app.get("/metrics").await.problem(401);
    app.get_as("/metrics", "not-it").await.problem(401);
    let admin = app.admin().await;
    app.get_as("/metrics", &admin).await.problem(401);
    let reply = app.get_as("/metrics", "scrape-me").await;
    assert_eq!(reply.status, 200);
    assert!(String::from_utf8_lossy(&reply.body).contains("nashr_http_requests_total"));
}

async fn with_origin(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    origin: &str,
) -> reqwest::Response {
    app.client
        .request(method, format!("{}{path}", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization, if-match, content-type",
        )
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn browsers_may_call_from_listed_origins_only() {
    let app = spawn_with(|s| {
        s.cors_origins = "https://www.example.org, http://localhost:3000".into();
    })
    .await;
    seed::editions(&app);

    let preflight = with_origin(
        &app,
        reqwest::Method::OPTIONS,
        "/api/v1/posts/1",
        "https://www.example.org",
    )
    .await;
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "https://www.example.org");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("PATCH") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for wanted in ["authorization", "if-match", "content-type"] {
        assert!(allowed.contains(wanted), "{allowed}");
    }
    assert!(
        h["vary"].to_str().unwrap().contains("Origin")
            || h.get_all("vary").iter().any(|v| v == "Origin")
    );

    let refused = with_origin(
        &app,
        reqwest::Method::OPTIONS,
        "/api/v1/posts/1",
        "https://evil.example",
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let read = with_origin(
        &app,
        reqwest::Method::GET,
        "/api/v1/editions",
        "http://localhost:3000",
    )
    .await;
    assert_eq!(read.status(), 200);
    assert_eq!(
        read.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let exposed = read.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for wanted in [
        "ETag",
        "Link",
        "X-Total-Count",
        "RateLimit-Remaining",
        "Retry-After",
    ] {
        assert!(exposed.contains(wanted), "{exposed}");
    }
    let other = with_origin(
        &app,
        reqwest::Method::GET,
        "/api/v1/editions",
        "https://evil.example",
    )
    .await;
    assert_eq!(
        other.status(),
        200,
        "the server answers; the browser withholds it"
    );
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_with(|s| s.public_url = Some("https://api.example.org".into())).await;
    let check = |reply: &crate::helpers::Reply, csp_start: &str| {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            reply.header("strict-transport-security"),
            Some("max-age=31536000")
        );
        let csp = reply.header("content-security-policy").unwrap();
        assert!(csp.starts_with(csp_start), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    };
    check(&app.get("/api/v1/editions").await, "default-src 'none'");
    check(&app.get("/api/v1/posts?page=x").await, "default-src 'none'");
    check(&app.get("/nowhere").await, "default-src 'none'");
    check(&app.get("/docs/").await, "default-src 'self'");
    // Without https, no HSTS (it would pin a plain-HTTP development host).
    let plain = spawn_app().await;
    assert_eq!(
        plain
            .get("/api/v1/editions")
            .await
            .header("strict-transport-security"),
        None
    );
}

#[actix_web::test]
async fn reads_without_a_token_and_writes_are_limited_per_client() {
    let app = spawn_with(|s| {
        s.rate_limit_reads = 3;
        s.rate_limit_writes = 2;
        s.rate_limit_window_secs = 60;
    })
    .await;
    let admin = app.admin().await; // a write: 1 of 2
    let remaining: Vec<String> = {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let reply = app.get("/api/v1/editions").await;
            assert_eq!(reply.status, 200);
            assert_eq!(reply.header("ratelimit-limit"), Some("3"));
            assert_eq!(reply.header("ratelimit-policy"), Some("3;w=60"));
            let reset: u64 = reply.header("ratelimit-reset").unwrap().parse().unwrap();
            assert!((1..=60).contains(&reset));
            seen.push(reply.header("ratelimit-remaining").unwrap().to_string());
        }
        seen
    };
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = app.get("/api/v1/posts").await;
    let doc = limited.problem(429);
    assert!(doc["detail"].as_str().unwrap().contains("too many reads"));
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));

    // An editor's reads are not limited; probes and metrics never are.
    for _ in 0..5 {
        assert_eq!(app.get_as("/api/v1/posts", &admin).await.status, 200);
    }
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(app.get("/readyz").await.status, 200);

    // Writes have their own allowance: the login used one.
    let body =
        json!({"code": "en", "name": "English", "native_name": "English", "direction": "ltr"});
    app.post_as("/api/v1/editions", &admin, body.clone())
        .await
        .expect(201);
    let refused = app
        .post_as("/api/v1/editions", &admin, json!({"code": "fa"}))
        .await;
    assert!(refused.problem(429)["detail"]
        .as_str()
        .unwrap()
        .contains("too many writes"));
    // Nothing of the refused write was stored.
    assert_eq!(
        app.get_as("/api/v1/editions", &admin).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let text = String::from_utf8(app.get("/metrics").await.body).unwrap();
    assert_eq!(
        sample(&text, r#"nashr_rate_limited_total{limit="reads"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"nashr_rate_limited_total{limit="writes"}"#),
        Some(1.0)
    );
}

#[actix_web::test]
async fn exempt_clients_are_not_limited() {
    let app = spawn_with(|s| {
        s.rate_limit_reads = 1;
        s.rate_limit_exempt = "127.0.0.1".into();
    })
    .await;
    for _ in 0..4 {
        let reply = app.get("/api/v1/editions").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("ratelimit-limit"), None);
    }
}

#[actix_web::test]
async fn a_json_body_over_the_configured_limit_is_a_413() {
    let app = spawn_with(|s| s.max_json_bytes = 2048).await;
    seed::editions(&app);
    let admin = app.admin().await;
    let big = json!({"edition": "en", "title": "Big", "content": "x".repeat(4096)});
    app.post_as("/api/v1/posts", &admin, big).await.problem(413);
    let small = json!({"edition": "en", "title": "Small", "content": "x".repeat(512)});
    app.post_as("/api/v1/posts", &admin, small)
        .await
        .expect(201);
}

#[actix_web::test]
async fn a_client_too_slow_to_send_its_headers_is_cut_off() {
    let app = spawn_with(|s| s.client_timeout_secs = 1).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"GET /api/v1/editions HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        // ... and never the blank line that ends the headers.
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer).to_string(),
        )
    })
    .await
    .unwrap();
    let (waited, text) = answer;
    assert!(waited < Duration::from_secs(8), "closed after {waited:?}");
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[actix_web::test]
async fn a_write_through_one_instance_is_read_through_another_on_the_next_request() {
    let db = fresh_db();
    let a = Application::build(db.settings.clone()).await.unwrap();
    let b = Application::build(db.settings.clone()).await.unwrap();
    let (url_a, url_b) = (
        format!("http://127.0.0.1:{}", a.port()),
        format!("http://127.0.0.1:{}", b.port()),
    );
    actix_web::rt::spawn(a.run_until_stopped());
    actix_web::rt::spawn(b.run_until_stopped());
    let client = reqwest::Client::new();
    let token = crate::helpers::admin_token_at(&client, &url_a).await;
    let write =
        |method: reqwest::Method, path: String, body: serde_json::Value, tag: Option<String>| {
            let mut req = client
                .request(method, format!("{url_a}{path}"))
                .bearer_auth(&token)
                .json(&body);
            if let Some(tag) = tag {
                req = req.header("If-Match", tag);
            }
            req.send()
        };
    let read = |path: String| client.get(format!("{url_b}{path}")).send();

    let created = write(
        reqwest::Method::POST,
        "/api/v1/editions".into(),
        json!({"code": "en", "name": "English", "native_name": "English", "direction": "ltr"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    // B has cached its answer to the list before the post exists.
    let empty = read("/api/v1/posts".into())
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(empty["meta"]["total"], 0);
    let post = write(
        reqwest::Method::POST,
        "/api/v1/posts".into(),
        json!({"edition": "en", "title": "First", "status": "published"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(post.status(), 201);
    let tag = post.headers()["etag"].to_str().unwrap().to_string();
    let id = post.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let list = read("/api/v1/posts".into())
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 1, "B sees A's write at once");

    let mut tag = tag;
    for n in 0..5 {
        let title = format!("Title {n}");
        let changed = write(
            reqwest::Method::PATCH,
            format!("/api/v1/posts/{id}"),
            json!({"title": title}),
            Some(tag.clone()),
        )
        .await
        .unwrap();
        assert_eq!(changed.status(), 200);
        tag = changed.headers()["etag"].to_str().unwrap().to_string();
        let seen = read(format!("/api/v1/posts/{id}"))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        assert_eq!(seen["title"], title, "B serves no stale copy");
    }
    let gone = write(
        reqwest::Method::DELETE,
        format!("/api/v1/posts/{id}"),
        json!({}),
        Some(tag),
    )
    .await
    .unwrap();
    assert!(gone.status().is_success());
    assert_eq!(
        read(format!("/api/v1/posts/{id}")).await.unwrap().status(),
        404
    );
}

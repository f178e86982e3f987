//! Hostile input against every operation of the OpenAPI document: SQL
//! injection strings in every parameter, path traversal, oversized and
//! deeply nested JSON, invalid UTF-8, NUL bytes, header injection, a forged
//! `Host`. The answer is always a clear 4xx problem (or a normal answer
//! that treats the input as plain text), never a 5xx, a leak of SQL or
//! files, or a change to what is stored. SECURITY.md lists what was tried.

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{seed, spawn_app, Reply, TestApp};

const INJECTIONS: [&str; 8] = [
    "' OR '1'='1",
    "1; DROP TABLE posts; --",
    "1' UNION SELECT password_hash, username FROM users --",
    "\" OR \"\"=\"",
    "1) OR (1=1",
    "en' AND pg_sleep(5) IS NULL --",
    "%27%20OR%201=1--",
    "$1 ? :name",
];

/// Words that would show a database error or a file leaking out.
const LEAKS: [&str; 10] = [
    "syntax error",
    "SQLSTATE",
    "sqlite",
    "postgres",
    "diesel",
    "SELECT ",
    "password_hash",
    "$argon2",
    "root:x:0",
    "[package]",
];

fn check(what: &str, reply: &Reply) {
    check_echoing(what, reply, "");
}

/// [`check`], for an answer that may quote `input` back (a problem naming
/// the value it refuses): the quote is not a leak.
fn check_echoing(what: &str, reply: &Reply, input: &str) {
    assert!(
        reply.status < 500,
        "{what}: {} {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    if reply.status >= 400 {
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}: {}",
            reply.status
        );
    }
    let mut body = String::from_utf8_lossy(&reply.body).to_string();
    if !input.is_empty() {
        body = body.replace(input, "");
        body = body.replace(
            &serde_json::to_string(input)
                .unwrap()
                .trim_matches('"')
                .to_string(),
            "",
        );
        body = body.replace(&percent(input), "");
        // List parameters quote the item they refuse.
        for part in input.split(',') {
            body = body.replace(part, "");
        }
    }
    for leak in LEAKS {
        assert!(!body.contains(leak), "{what}: `{leak}` in {body}");
    }
}

fn percent(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Rows that hostile requests must leave as they were.
fn census(app: &TestApp) -> (i64, i64) {
    app.db(|c| {
        (
            nashr::repo::posts::count_all(c).unwrap(),
            nashr::repo::editions::count(c).unwrap(),
        )
    })
}

#[actix_web::test]
async fn sql_injection_in_every_parameter_of_every_operation_is_plain_text() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    seed::Post::new(en, "a-post").insert(&app);
    let admin = app.admin().await;
    let before = census(&app);
    let doc: Value = app.get("/openapi.json").await.json();
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "delete" => Method::DELETE,
                "patch" => Method::PATCH,
                "post" => Method::POST,
                _ => continue,
            };
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for injection in INJECTIONS {
                // Every path parameter at once, then each query parameter.
                let mut url = path.clone();
                for p in params.iter().filter(|p| p["in"] == "path") {
                    let name = p["name"].as_str().unwrap();
                    url = url.replace(&format!("{{{name}}}"), &percent(injection));
                }
                let mut targets = vec![url.clone()];
                for p in params.iter().filter(|p| p["in"] == "query") {
                    let name = p["name"].as_str().unwrap();
                    // With path parameters, the injected ones stay in place.
                    let base = url.clone();
                    targets.push(format!("{base}?{name}={}", percent(injection)));
                }
                for target in targets {
                    let body = (method == Method::POST || method == Method::PATCH).then(
                        || json!({"title": injection, "slug": injection, "edition": injection}),
                    );
                    let reply = app
                        .send(
                            method.clone(),
                            &target,
                            Some(&admin),
                            body,
                            Some(&format!("\"{injection}\"")),
                        )
                        .await;
                    check_echoing(&format!("{method} {target}"), &reply, injection);
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 500, "{tried}");
    // Nothing was dropped, nothing appeared.
    assert_eq!(census(&app), before);
    // A title that looks like SQL is stored as the text it is.
    let post = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": INJECTIONS[1]}),
        )
        .await
        .expect(201);
    assert_eq!(post["title"], INJECTIONS[1]);
    let id = post["id"].as_i64().unwrap();
    let read = app
        .get_as(&format!("/api/v1/posts/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(read["title"], INJECTIONS[1]);
    eprintln!(
        "hostile ({}): {tried} requests with SQL injection strings, none a 5xx",
        crate::helpers::backend_name()
    );
}

#[actix_web::test]
async fn path_traversal_reaches_no_file_outside_the_media_store() {
    let app = spawn_app().await;
    for path in [
        "/media/../../../../etc/passwd",
        "/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/media/..%2f..%2f..%2fCargo.toml",
        "/media/%2e%2e%5c%2e%2e%5cCargo.toml",
        "/media/....//....//etc/passwd",
        "/docs/../../../etc/passwd",
        "/docs/%2e%2e/%2e%2e/Cargo.toml",
        "/api/v1/posts/by-slug/..%2F..%2Fetc%2Fpasswd",
        "/feeds/..%2F..%2Fetc/rss.xml",
        "/media/%00.png",
    ] {
        let reply = app.get(path).await;
        check(path, &reply);
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {}",
            reply.status
        );
    }
}

#[actix_web::test]
async fn oversized_nested_and_malformed_bodies_are_refused_whole() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let before = census(&app);
    let raw = |body: Vec<u8>, content_type: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let res = app
                .client
                .post(format!("{}/api/v1/posts", app.address))
                .bearer_auth(admin)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            Reply::read(res).await.unwrap()
        }
    };
    let big = format!(
        r#"{{"edition":"en","title":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    raw(big.into_bytes(), "application/json").await.problem(413);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let reply = raw(deep.into_bytes(), "application/json").await;
    check("deeply nested", &reply);
    assert!(matches!(reply.status, 400 | 422), "{}", reply.status);
    let deep_object = format!(
        r#"{{"edition":"en","title":"t","content":{}"x"{}}}"#,
        r#"{"a":"#.repeat(5000),
        "}".repeat(5000)
    );
    let reply = raw(deep_object.into_bytes(), "application/json").await;
    check("deeply nested object", &reply);
    assert!(matches!(reply.status, 400 | 422));
    let mut invalid = br#"{"edition":"en","title":""#.to_vec();
    invalid.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    invalid.extend_from_slice(br#""}"#);
    let reply = raw(invalid, "application/json").await;
    check("invalid UTF-8", &reply);
    assert_eq!(reply.status, 400);
    let reply = raw(b"title=x".to_vec(), "application/x-www-form-urlencoded").await;
    check("a form", &reply);
    assert_eq!(reply.status, 415);
    let reply = raw(
        br#"{"edition":"en","title":"a"#.to_vec(),
        "application/json",
    )
    .await;
    check("cut-off JSON", &reply);
    assert_eq!(reply.status, 400);
    // NUL bytes: PostgreSQL cannot store them in text, so they are refused
    // up front on both databases alike.
    let reply = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "nul\u{0}byte"}),
        )
        .await;
    check("NUL in a title", &reply);
    assert!(matches!(reply.status, 400 | 422), "{}", reply.status);
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(crate::helpers::png(8, 8))
                .file_name("a.png")
                .mime_str("image/png")
                .unwrap(),
        )
        .text("alt_text", "nul\u{0}byte");
    let res = app
        .client
        .post(format!("{}/api/v1/media", app.address))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let reply = Reply::read(res).await.unwrap();
    check("NUL in an upload's field", &reply);
    assert!(matches!(reply.status, 400 | 422), "{}", reply.status);
    let reply = app.get("/api/v1/posts?search=%00").await;
    check("NUL in a query", &reply);
    assert_eq!(reply.status, 400);
    let reply = app.get("/api/v1/posts/by-slug/a%00b?edition=en").await;
    check("NUL in a path", &reply);
    assert_eq!(reply.status, 400);
    assert_eq!(census(&app), before, "nothing was stored");
}

/// Sends `request` as it is on a new connection; answers the raw response.
fn raw_http(address: &str, request: &[u8]) -> String {
    let addr = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).to_string()
}

#[actix_web::test]
async fn injected_headers_and_forged_hosts_change_nothing() {
    let app = spawn_app().await;
    seed::editions(&app);
    let address = app.address.clone();
    let answers = actix_web::rt::task::spawn_blocking(move || {
        let id = raw_http(
            &address,
            b"GET /api/v1/editions HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc%0d%0aSet-Cookie:%20a=b\r\nConnection: close\r\n\r\n",
        );
        let bare_cr = raw_http(
            &address,
            b"GET /api/v1/editions HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\rSet-Cookie: a=b\r\nConnection: close\r\n\r\n",
        );
        let host = raw_http(
            &address,
            b"GET /api/v1/posts?per_page=1 HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\nForwarded: host=evil.example\r\nConnection: close\r\n\r\n",
        );
        let huge = raw_http(
            &address,
            format!("GET /api/v1/posts?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a=1&".repeat(40_000)).as_bytes(),
        );
        (id, bare_cr, host, huge)
    })
    .await
    .unwrap();
    let (id, bare_cr, host, huge) = answers;
    assert!(id.starts_with("HTTP/1.1 200"), "{id}");
    let (head, _) = id.split_once("\r\n\r\n").unwrap();
    assert!(!head.to_lowercase().contains("set-cookie"), "{head}");
    assert!(
        !head.contains("abc%0d"),
        "a request id that is not plain is replaced: {head}"
    );
    assert!(
        bare_cr.starts_with("HTTP/1.1 400") || bare_cr.is_empty(),
        "{bare_cr}"
    );
    assert!(!bare_cr.to_lowercase().contains("set-cookie"));
    assert!(host.starts_with("HTTP/1.1 200"), "{host}");
    assert!(
        !host.contains("evil.example"),
        "links use the configured address: {host}"
    );
    assert!(
        !huge.starts_with("HTTP/1.1 5"),
        "{}",
        &huge[..huge.len().min(200)]
    );
}

//! Webhooks: a real receiver on loopback gets every public change as a
//! signed Standard Webhooks delivery, retried until it answers 2xx; the
//! targets a webhook may have are checked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{seed, spawn_with, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A receiver on loopback: records each request and answers the next
/// status of `script`, then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(script: &[u16]) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let (seen, plan) = (got.clone(), script.clone());
        let server = HttpServer::new(move || {
            let (seen, plan) = (seen.clone(), plan.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, plan) = (seen.clone(), plan.clone());
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    seen.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = plan.lock().unwrap().pop_front().unwrap_or(200);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .body("thanks")
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests came (at most 20 s).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} deliveries expected, got {:#?}", self.received());
    }
}

/// Checks a delivery's signature the way the specification says,
/// independently of the server's code.
fn verify(secret: &str, r: &Received) {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let signatures: Vec<&str> = r.signature.split(' ').collect();
    assert!(
        signatures.contains(&format!("v1,{expected}").as_str()),
        "{r:?}"
    );
    let ts: i64 = r.timestamp.parse().unwrap();
    assert!((ts - chrono::Utc::now().timestamp()).abs() < 300);
}

async fn make_webhook(app: &TestApp, token: &str, url: &str, events: Value) -> (i64, String) {
    let created = app
        .post_as(
            "/api/v1/webhooks",
            token,
            json!({"url": url, "events": events, "description": "test"}),
        )
        .await;
    let body = created.expect(201);
    assert!(created
        .header("location")
        .unwrap()
        .ends_with(&format!("/api/v1/webhooks/{}", body["id"])));
    let secret = body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    (body["id"].as_i64().unwrap(), secret)
}

fn private_allowed(s: &mut nashr::config::Settings) {
    s.webhook_allow_private = true;
    s.webhook_first_retry_ms = 50;
}

#[actix_web::test]
async fn every_public_change_is_delivered_signed_in_commit_order() {
    let app = spawn_with(private_allowed).await;
    seed::editions(&app);
    let admin = app.admin().await;
    let receiver = Receiver::start(&[]);
    let (hook, secret) = make_webhook(&app, &admin, &receiver.url, json!(["*"])).await;
    let shown = app
        .get_as(&format!("/api/v1/webhooks/{hook}"), &admin)
        .await
        .expect(200);
    assert_eq!(shown["url"], receiver.url.as_str());
    assert!(shown.get("secret").is_none(), "the secret is shown once");
    assert_eq!(shown["events"], json!(["*"]));

    let post = app
        .post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "Rivers", "content": "<p>x</p>", "status": "published"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/posts/{post}");
    app.patch_as(&path, &admin, json!({"title": "Rivers rise"}), Some("*"))
        .await
        .expect(200);
    app.patch_as(&path, &admin, json!({"status": "draft"}), Some("*"))
        .await
        .expect(200);
    app.patch_as(
        &path,
        &admin,
        json!({"content": "<p>a draft edit</p>"}),
        Some("*"),
    )
    .await
    .expect(200);
    app.patch_as(&path, &admin, json!({"status": "published"}), Some("*"))
        .await
        .expect(200);
    app.delete_as(&path, &admin, Some("*"))
        .await
        .expect_no_content();
    let category = app
        .post_as(
            "/api/v1/categories",
            &admin,
            json!({"edition": "en", "name": "Climate", "slug": "climate"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.patch_as(
        &format!("/api/v1/categories/{category}"),
        &admin,
        json!({"name": "Climate news"}),
        Some("*"),
    )
    .await
    .expect(200);
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let scheduled = app
        .post_as("/api/v1/posts", &admin, json!({"edition": "en", "title": "Later", "content": "<p>y</p>", "status": "scheduled", "published_at": soon}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    let got = receiver.wait_for(8).await;
    for r in &got {
        verify(&secret, r);
    }
    let seen: Vec<(String, i64)> = got
        .iter()
        .map(|r| {
            let v = r.json();
            (
                v["type"].as_str().unwrap().to_string(),
                v["data"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, i64)> = [
        ("post.published", post),
        ("post.updated", post),
        ("post.unpublished", post),
        ("post.published", post),
        ("post.deleted", post),
        ("category.created", category),
        ("category.updated", category),
        ("post.published", scheduled),
    ]
    .into_iter()
    .map(|(t, id)| (t.to_string(), id))
    .collect();
    // In commit order for each resource (resources are sent side by side).
    let of = |list: &[(String, i64)], kind: &str, id: i64| -> Vec<String> {
        list.iter()
            .filter(|(t, i)| t.starts_with(kind) && *i == id)
            .map(|(t, _)| t.clone())
            .collect()
    };
    for (kind, id) in [
        ("post.", post),
        ("post.", scheduled),
        ("category.", category),
    ] {
        assert_eq!(
            of(&seen, kind, id),
            of(&want, kind, id),
            "the draft edit sends nothing; the scheduled post goes live by itself"
        );
    }
    assert_eq!(seen.len(), want.len());
    let ids: std::collections::BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "one webhook-id per event");
    let first = got
        .iter()
        .map(Received::json)
        .find(|v| v["data"]["id"] == post && v["data"]["kind"] == "post")
        .unwrap();
    assert_eq!(first["data"]["kind"], "post");
    assert_eq!(first["data"]["edition"], "en");
    assert_eq!(first["data"]["path"], path.as_str());
    assert!(first["data"]["surrogate_keys"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("post-{post}"))));
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));

    // Nothing more comes: every event was sent once.
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.received().len(), 8);

    // Only the events a webhook asks for.
    let second = Receiver::start(&[]);
    make_webhook(&app, &admin, &second.url, json!(["category.updated"])).await;
    app.patch_as(
        &format!("/api/v1/categories/{category}"),
        &admin,
        json!({"name": "Climate"}),
        Some("*"),
    )
    .await
    .expect(200);
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "More", "content": "<p>z</p>", "status": "published"}),
    )
    .await
    .expect(201);
    let got = second.wait_for(1).await;
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(second.received().len(), 1, "{got:?}");
    assert_eq!(got[0].json()["type"], "category.updated");
}

#[actix_web::test]
async fn a_failing_receiver_gets_the_same_event_until_it_answers() {
    let app = spawn_with(private_allowed).await;
    seed::editions(&app);
    let admin = app.admin().await;
    let receiver = Receiver::start(&[500, 500]);
    let (hook, secret) = make_webhook(&app, &admin, &receiver.url, json!(["post.published"])).await;
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "Once", "content": "<p>x</p>", "status": "published"}),
    )
    .await
    .expect(201);
    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|r| r.id == got[0].id && r.body == got[0].body),
        "the same event each time"
    );
    for r in &got {
        verify(&secret, r);
    }

    let deliveries = format!("/api/v1/webhooks/{hook}/deliveries");
    let mut list = Value::Null;
    for _ in 0..50 {
        list = app.get_as(&deliveries, &admin).await.expect(200);
        if list["data"].as_array().unwrap().len() == 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let attempts: Vec<(Value, Value, Value)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["attempt"].clone(),
                a["response_status"].clone(),
                a["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (json!(1), json!(500), json!("delivered")),
            (json!(2), json!(500), json!("delivered")),
            (json!(3), json!(200), json!("delivered")),
        ]
    );
    assert_eq!(list["data"][0]["event_id"], got[0].id.as_str());
    assert_eq!(list["data"][0]["error"], "answered 500");
    assert_eq!(list["meta"]["total"], 1);

    // A retry by hand sends the same event again.
    let delivery = list["data"][0]["delivery_id"].as_i64().unwrap();
    app.post_as(
        &format!("{deliveries}/{delivery}/retry"),
        &admin,
        json!(null),
    )
    .await
    .expect(202);
    let got = receiver.wait_for(4).await;
    assert_eq!(got[3].id, got[0].id);

    // A ping.
    let ping = app
        .post_as(
            &format!("/api/v1/webhooks/{hook}/test"),
            &admin,
            json!(null),
        )
        .await
        .expect(202);
    let got = receiver.wait_for(5).await;
    assert_eq!(got[4].id, ping["event_id"].as_str().unwrap());
    assert_eq!(got[4].json()["type"], "ping");
    verify(&secret, &got[4]);

    // Disabled: nothing is sent; deleted: gone.
    app.patch_as(
        &format!("/api/v1/webhooks/{hook}"),
        &admin,
        json!({"enabled": false}),
        Some("*"),
    )
    .await
    .expect(200);
    app.post_as(
        "/api/v1/posts",
        &admin,
        json!({"edition": "en", "title": "Twice", "content": "<p>x</p>", "status": "published"}),
    )
    .await
    .expect(201);
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.received().len(), 5);
    app.delete_as(&format!("/api/v1/webhooks/{hook}"), &admin, Some("*"))
        .await
        .expect_no_content();
    app.get_as(&format!("/api/v1/webhooks/{hook}"), &admin)
        .await
        .problem(404);
}

#[actix_web::test]
async fn webhook_targets_and_fields_are_checked() {
    let app = spawn_with(|_| {}).await;
    let admin = app.admin().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest",
        "ftp://example.org/",
        "http://[::1]/",
        "http://localhost:8080/",
        "not a url",
    ] {
        let reply = app
            .post_as(
                "/api/v1/webhooks",
                &admin,
                json!({"url": url, "events": ["*"]}),
            )
            .await;
        reply.problem(422);
        assert_eq!(reply.invalid_fields(), ["url"], "{url}");
    }
    let reply = app
        .post_as(
            "/api/v1/webhooks",
            &admin,
            json!({"url": "https://93.184.216.34/", "events": ["post.eaten"]}),
        )
        .await;
    reply.problem(422);
    assert_eq!(reply.invalid_fields(), ["events"]);
    let reply = app
        .post_as(
            "/api/v1/webhooks",
            &admin,
            json!({"url": "https://93.184.216.34/", "events": []}),
        )
        .await;
    assert_eq!(reply.invalid_fields(), ["events"]);

    let (_, editor) = app.user_with_role("ed", "editor").await;
    app.get_as("/api/v1/webhooks", &editor).await.problem(403);
    app.post_as(
        "/api/v1/webhooks",
        &editor,
        json!({"url": "https://93.184.216.34/", "events": ["*"]}),
    )
    .await
    .problem(403);
    app.get("/api/v1/webhooks").await.problem(401);
    app.get_as("/api/v1/webhooks/999", &admin)
        .await
        .problem(404);
    assert_eq!(
        app.get_as("/api/v1/webhooks", &admin).await.expect(200)["data"],
        json!([])
    );
}

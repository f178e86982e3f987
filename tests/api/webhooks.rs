//! Webhooks: a real receiver on loopback gets every public change as a
//! signed Standard Webhooks delivery, retried until it answers 2xx; the
//! targets a webhook may have are checked.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{admin_token_at, fresh_db, seed, spawn_with, Binary, Reply, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    /// Whether the receiver held this request without answering.
    held: bool,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A receiver on loopback: records each request and answers the next
/// status of `script`, then 200; while `hold` is set, it answers nothing
/// (an attempt stays in flight).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    hold: Arc<AtomicBool>,
    /// When set, the first request of each event answers 500.
    fail_first: Arc<AtomicBool>,
}

impl Receiver {
    fn start(script: &[u16]) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::<Received>::new()));
        let seen_all = got.clone();
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let hold = Arc::new(AtomicBool::new(false));
        let fail_first = Arc::new(AtomicBool::new(false));
        let flags = (hold.clone(), fail_first.clone());
        let server = HttpServer::new(move || {
            let (seen, plan, flags) = (got.clone(), script.clone(), flags.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, plan, (holding, failing)) = (seen.clone(), plan.clone(), flags.clone());
                async move {
                    let held = holding.load(Ordering::SeqCst);
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let id = header("webhook-id");
                    let first = !seen.lock().unwrap().iter().any(|r| r.id == id);
                    seen.lock().unwrap().push(Received {
                        id,
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                        held,
                    });
                    if held {
                        actix_web::rt::time::sleep(Duration::from_secs(60)).await;
                    }
                    let status = if first && failing.load(Ordering::SeqCst) {
                        500
                    } else {
                        plan.lock().unwrap().pop_front().unwrap_or(200)
                    };
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .body("thanks")
                }
            }))
        })
        .workers(1)
        .max_connections(256)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            got: seen_all,
            hold,
            fail_first,
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

/// `POST base+path` as `token` with `body`; answers the reply.
async fn post_at(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Value,
) -> Reply {
    let sent = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    Reply::read(sent).await.expect("a body")
}

#[actix_web::test]
async fn a_server_killed_with_attempts_in_flight_delivers_every_event_after_a_restart() {
    let db = fresh_db();
    // Short attempts, so that the claim of the killed instance (twice the
    // timeout and 5 s) runs out soon.
    let env = [
        ("NASHR_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("NASHR_WEBHOOK_FIRST_RETRY_MS", "200"),
        ("NASHR_WEBHOOK_TIMEOUT_SECS", "2"),
    ];
    let mut server = Binary::start(&db.settings, &env);
    let client = reqwest::Client::new();
    let base = server.address.clone();
    let admin = admin_token_at(&client, &base).await;
    post_at(
        &client,
        &base,
        "/api/v1/editions",
        &admin,
        json!({"code": "en", "name": "English", "native_name": "English", "direction": "ltr"}),
    )
    .await
    .expect(201);
    let receiver = Receiver::start(&[]);
    let hook = post_at(
        &client,
        &base,
        "/api/v1/webhooks",
        &admin,
        json!({"url": receiver.url, "events": ["*"]}),
    )
    .await
    .expect(201);
    let secret = hook["secret"].as_str().unwrap().to_string();

    // The receiver holds every request: attempts stay in flight.
    receiver.hold.store(true, Ordering::SeqCst);
    let mut want: Vec<(String, i64)> = Vec::new();
    for n in 0..10 {
        let post = post_at(&client, &base, "/api/v1/posts", &admin, json!({"edition": "en", "title": format!("Story {n}"), "content": "<p>x</p>", "status": "published"}))
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        want.push(("post.published".into(), post));
        if n % 3 == 0 {
            let sent = client
                .patch(format!("{base}/api/v1/posts/{post}"))
                .bearer_auth(&admin)
                .header("If-Match", "*")
                .json(&json!({"title": format!("Story {n}, updated")}))
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 200);
            want.push(("post.updated".into(), post));
        }
    }
    // Killed once an attempt is in flight; the updates are still waiting
    // behind the publications of their posts.
    let in_flight = receiver.wait_for(1).await;
    server.signal("-KILL");
    let status = server.wait(Duration::from_secs(10));
    assert!(!status.success(), "killed, not exited: {status}");
    assert!(in_flight.iter().all(|r| r.held));
    receiver.hold.store(false, Ordering::SeqCst);

    let server = Binary::start(&db.settings, &env);
    let base = server.address.clone();
    let answered =
        |got: &[Received]| -> Vec<Received> { got.iter().filter(|r| !r.held).cloned().collect() };
    let mut got = Vec::new();
    for _ in 0..300 {
        got = answered(&receiver.received());
        let ids: BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
        if ids.len() >= want.len() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    for r in &got {
        verify(&secret, r);
    }
    // Every event arrived and was answered, in commit order per post.
    let mut seen: Vec<(String, i64)> = Vec::new();
    for r in &got {
        let v = r.json();
        let event = (
            v["type"].as_str().unwrap().to_string(),
            v["data"]["id"].as_i64().unwrap(),
        );
        if !seen.contains(&event) {
            seen.push(event);
        }
    }
    for (_, post) in &want {
        let of = |list: &[(String, i64)]| -> Vec<String> {
            list.iter()
                .filter(|(_, id)| id == post)
                .map(|(t, _)| t.clone())
                .collect()
        };
        assert_eq!(of(&seen), of(&want), "post {post}");
    }
    assert_eq!(seen.len(), want.len(), "{seen:?}");
    // The attempt cut off by the kill was sent again with its id, and no
    // event id was lost or made twice.
    let ids: BTreeSet<String> = got.iter().map(|r| r.id.clone()).collect();
    for r in &in_flight {
        assert!(ids.contains(&r.id), "the held attempt {} came again", r.id);
    }
    let admin = admin_token_at(&client, &base).await;
    let deliveries = client
        .get(format!(
            "{base}/api/v1/webhooks/{}/deliveries?per_page=100",
            hook["id"]
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let deliveries = Reply::read(deliveries).await.unwrap().expect(200);
    let listed: BTreeSet<String> = deliveries["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["response_status"] == 200)
        .map(|a| a["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ids, "each event's answered attempt is listed");
    assert_eq!(deliveries["meta"]["total"], want.len());
}

#[actix_web::test]
async fn two_instances_share_the_deliveries_and_send_no_attempt_twice() {
    let app = spawn_with(private_allowed).await;
    let other = app.second_instance().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let receiver = Receiver::start(&[]);
    receiver.fail_first.store(true, Ordering::SeqCst);
    let (hook, secret) = make_webhook(&app, &admin, &receiver.url, json!(["*"])).await;
    let client = reqwest::Client::new();
    let mut events = 0;
    for n in 0..12 {
        let base = if n % 2 == 0 { &app.address } else { &other };
        post_at(&client, base, "/api/v1/posts", &admin, json!({"edition": "en", "title": format!("Story {n}"), "content": "<p>x</p>", "status": "published"}))
            .await
            .expect(201);
        post_at(
            &client,
            base,
            "/api/v1/tags",
            &admin,
            json!({"edition": "en", "name": format!("Tag {n}")}),
        )
        .await
        .expect(201);
        events += 2;
    }
    // Each event: a 500, then a 200 on the retry; never the same attempt
    // from both instances.
    let got = receiver.wait_for(2 * events).await;
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let got_all = receiver.received();
    assert_eq!(got_all.len(), got.len().max(2 * events), "{got_all:#?}");
    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got_all {
        verify(&secret, r);
        *per_id.entry(r.id.as_str()).or_default() += 1;
    }
    assert_eq!(per_id.len(), events);
    assert!(per_id.values().all(|&n| n == 2), "{per_id:?}");
    let listed = app
        .get_as(
            &format!("/api/v1/webhooks/{hook}/deliveries?per_page=100"),
            &admin,
        )
        .await
        .expect(200);
    let mut attempts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for a in listed["data"].as_array().unwrap() {
        attempts
            .entry(a["event_id"].as_str().unwrap().to_string())
            .or_default()
            .push(a["attempt"].as_i64().unwrap());
    }
    assert_eq!(attempts.len(), events);
    for numbers in attempts.values_mut() {
        numbers.sort();
        assert_eq!(numbers, &[1, 2]);
    }
}

//! Load and faults, on loopback and bounded in count and time: readers and
//! editors at once (several editors on the same posts with `If-Match`), a
//! server killed with SIGKILL in the middle of writes and uploads, and the
//! database going away under load. Each test prints what it counted.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{fresh_db, png, seed, spawn_with, Binary, Reply};

/// Statuses counted by kind of request.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<(&'static str, u16), u64>>);

impl Tally {
    fn add(&self, kind: &'static str, status: u16) {
        *self.0.lock().unwrap().entry((kind, status)).or_default() += 1;
    }

    fn total(&self) -> u64 {
        self.0.lock().unwrap().values().sum()
    }

    fn server_errors(&self) -> u64 {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|((_, s), _)| *s >= 500)
            .map(|(_, n)| n)
            .sum()
    }

    fn summary(&self) -> String {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|((kind, status), n)| format!("{kind} {status}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The markers `[e1-7]` in a post's content, in order.
fn markers(content: &str) -> Vec<String> {
    content
        .split('[')
        .skip(1)
        .filter_map(|part| part.split_once(']').map(|(m, _)| m.to_string()))
        .filter(|m| m.starts_with('e'))
        .collect()
}

const EDITORS: usize = 6;
const ROUNDS: usize = 40;
const POSTS: usize = 5;
const READERS: usize = 6;
const READS: usize = 400;

#[actix_web::test]
async fn readers_and_editors_at_once_lose_no_acknowledged_write() {
    let app = spawn_with(|s| s.db_pool_size = 6).await;
    seed::editions(&app);
    let admin = app.admin().await;
    let mut editors = Vec::new();
    for n in 0..EDITORS {
        editors.push(app.user_with_role(&format!("editor{n}"), "editor").await.1);
    }
    let mut posts = Vec::new();
    for n in 0..POSTS {
        let created = app
            .post_as(
                "/api/v1/posts",
                &admin,
                json!({"edition": "en", "title": format!("Shared {n}"), "content": "<p>start</p>", "status": "published"}),
            )
            .await
            .expect(201);
        posts.push(created["id"].as_i64().unwrap());
    }

    let tally = Tally::default();
    // (post, marker) of every acknowledged and every refused update.
    let accepted = Mutex::new(Vec::<(i64, String)>::new());
    let refused = Mutex::new(Vec::<(i64, String)>::new());
    let created = Mutex::new(Vec::<(i64, String)>::new());

    let editor_work = editors.iter().enumerate().map(|(k, token)| {
        let (app, tally, accepted, refused, created, posts) =
            (&app, &tally, &accepted, &refused, &created, &posts);
        async move {
            for round in 0..ROUNDS {
                let id = posts[(k * 3 + round) % POSTS];
                let path = format!("/api/v1/posts/{id}");
                let current = app.get_as(&path, token).await;
                tally.add("editor read", current.status);
                if current.status != 200 {
                    continue;
                }
                let tag = current.etag();
                let content = current.json()["content"].as_str().unwrap().to_string();
                let marker = format!("e{k}-{round}");
                let changed = app
                    .patch_as(
                        &path,
                        token,
                        json!({"content": format!("{content}<p>[{marker}]</p>")}),
                        Some(&tag),
                    )
                    .await;
                tally.add("update", changed.status);
                match changed.status {
                    200 => accepted.lock().unwrap().push((id, marker)),
                    _ => refused.lock().unwrap().push((id, marker)),
                }
                if round % 5 == 0 {
                    let title = format!("New by {k} in round {round}");
                    let made = app
                        .post_as(
                            "/api/v1/posts",
                            token,
                            json!({"edition": "en", "title": title, "status": "published"}),
                        )
                        .await;
                    tally.add("create", made.status);
                    if made.status == 201 {
                        let id = made.json()["id"].as_i64().unwrap();
                        created.lock().unwrap().push((id, title));
                    }
                }
            }
        }
    });
    let paths = [
        "/api/v1/posts".to_string(),
        "/api/v1/posts?edition=en&per_page=5".to_string(),
        format!("/api/v1/posts/{}", posts[0]),
        format!("/api/v1/posts/{}", posts[1]),
        "/api/v1/editions".to_string(),
        "/api/v1/posts?search=shared".to_string(),
        "/feeds/en/rss.xml".to_string(),
    ];
    let reader_work = (0..READERS).map(|r| {
        let (app, tally, paths) = (&app, &tally, &paths);
        async move {
            let mut etags: HashMap<&str, String> = HashMap::new();
            for n in 0..READS {
                let path = paths[(r + n) % paths.len()].as_str();
                let mut req = app.client.get(format!("{}{path}", app.address));
                if let Some(tag) = etags.get(path) {
                    req = req.header("If-None-Match", tag);
                }
                let res = req.send().await.expect("the server answers");
                let status = res.status().as_u16();
                if let Some(tag) = res.headers().get("etag") {
                    etags.insert(path, tag.to_str().unwrap().to_string());
                }
                let _ = res.bytes().await;
                tally.add("read", status);
            }
        }
    });
    let started = Instant::now();
    let deadline = Duration::from_secs(240);
    let all = async {
        futures_util::join!(join_all(editor_work), join_all(reader_work));
    };
    actix_web::rt::time::timeout(deadline, all)
        .await
        .expect("the load ends in time");
    let elapsed = started.elapsed();

    // Every acknowledged update is there, every refused one is not, and
    // each post has one revision per acknowledged update.
    let accepted = accepted.into_inner().unwrap();
    let refused = refused.into_inner().unwrap();
    let mut lost = 0;
    let mut ghosts = 0;
    for &id in &posts {
        let post = app
            .get_as(&format!("/api/v1/posts/{id}"), &admin)
            .await
            .expect(200);
        let found: BTreeSet<String> = markers(post["content"].as_str().unwrap())
            .into_iter()
            .collect();
        let wanted: BTreeSet<String> = accepted
            .iter()
            .filter(|(p, _)| *p == id)
            .map(|(_, m)| m.clone())
            .collect();
        lost += wanted.difference(&found).count();
        ghosts += refused
            .iter()
            .filter(|(p, m)| *p == id && found.contains(m))
            .count();
        assert_eq!(found, wanted, "post {id}: torn or lost updates");
        let revisions = app
            .get_as(
                &format!("/api/v1/posts/{id}/revisions?per_page=100"),
                &admin,
            )
            .await
            .expect(200);
        let count = revisions["data"].as_array().map(Vec::len).unwrap();
        assert_eq!(count, wanted.len(), "post {id}: one revision per update");
    }
    for (id, title) in created.into_inner().unwrap() {
        let post = app
            .get_as(&format!("/api/v1/posts/{id}"), &admin)
            .await
            .expect(200);
        assert_eq!(post["title"], title.as_str());
    }
    eprintln!(
        "load ({}): {} requests in {elapsed:.1?}; {}; updates acknowledged {}, refused {}; lost {lost}, refused-but-stored {ghosts}",
        crate::helpers::backend_name(),
        tally.total(),
        tally.summary(),
        accepted.len(),
        refused.len()
    );
    assert_eq!(tally.server_errors(), 0, "{}", tally.summary());
    assert!(
        !accepted.is_empty() && !refused.is_empty(),
        "the editors really collided"
    );
    let statuses: BTreeSet<u16> = tally
        .0
        .lock()
        .unwrap()
        .keys()
        .filter(|(kind, _)| *kind == "update")
        .map(|(_, s)| *s)
        .collect();
    assert!(
        statuses.is_subset(&BTreeSet::from([200, 412])),
        "{statuses:?}"
    );
    assert_eq!((lost, ghosts), (0, 0));
}

/// What a writer tried, and whether the server said it was done.
#[derive(Debug, Clone)]
enum Attempt {
    Create {
        title: String,
        id: Option<i64>,
    },
    Rename {
        id: i64,
        title: String,
        acknowledged: bool,
    },
    Upload {
        bytes: usize,
        id: Option<i64>,
    },
}

/// Adds `attempt` to the log; answers its place there.
fn record(log: &Mutex<Vec<Attempt>>, attempt: Attempt) -> usize {
    let mut log = log.lock().unwrap();
    log.push(attempt);
    log.len() - 1
}

/// The answer to a writer's request, or `None` once the server is gone;
/// never a 5xx.
async fn send(req: reqwest::RequestBuilder) -> Option<Reply> {
    let reply = Reply::read(req.send().await.ok()?).await.ok()?;
    assert!(
        reply.status < 500,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    Some(reply)
}

#[actix_web::test]
async fn a_server_killed_in_the_middle_of_writes_and_uploads_leaves_a_consistent_site() {
    let db = fresh_db();
    let grace = [("NASHR_UPLOAD_GRACE", "1")];
    let mut server = Binary::start(&db.settings, &grace);
    let client = reqwest::Client::new();
    let base = server.address.clone();
    let token = crate::helpers::admin_token_at(&client, &base).await;
    let edition = client
        .post(format!("{base}/api/v1/editions"))
        .bearer_auth(&token)
        .json(
            &json!({"code": "en", "name": "English", "native_name": "English", "direction": "ltr"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(edition.status(), 201);

    let stop = AtomicBool::new(false);
    let log = Mutex::new(Vec::<Attempt>::new());
    let writer = |w: usize| {
        let (client, base, token, stop, log) = (&client, &base, &token, &stop, &log);
        async move {
            let mut mine: Vec<(i64, String)> = Vec::new();
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                match n % 3 {
                    0 if !mine.is_empty() => {
                        let (id, etag) = mine[n % mine.len()].clone();
                        let title = format!("Renamed {w}-{n}");
                        let at = record(
                            log,
                            Attempt::Rename {
                                id,
                                title: title.clone(),
                                acknowledged: false,
                            },
                        );
                        let req = client
                            .patch(format!("{base}/api/v1/posts/{id}"))
                            .bearer_auth(token)
                            .header("If-Match", &etag)
                            .json(&json!({"title": title}));
                        let Some(reply) = send(req).await else {
                            break;
                        };
                        if reply.status == 200 {
                            if let Attempt::Rename { acknowledged, .. } =
                                &mut log.lock().unwrap()[at]
                            {
                                *acknowledged = true;
                            }
                            let slot = n % mine.len();
                            mine[slot].1 = reply.etag();
                        }
                    }
                    1 => {
                        let bytes = png(64 + (w * 50 + n) as u32 % 200, 48);
                        let size = bytes.len();
                        let at = record(
                            log,
                            Attempt::Upload {
                                bytes: size,
                                id: None,
                            },
                        );
                        let req = client
                            .post(format!("{base}/api/v1/media"))
                            .bearer_auth(token)
                            .header("Content-Type", "image/png")
                            .header(
                                "Content-Disposition",
                                format!("attachment; filename=\"p{w}-{n}.png\""),
                            )
                            .body(bytes);
                        let Some(reply) = send(req).await else {
                            break;
                        };
                        if reply.status == 201 {
                            let id = reply.json()["id"].as_i64().unwrap();
                            log.lock().unwrap()[at] = Attempt::Upload {
                                bytes: size,
                                id: Some(id),
                            };
                        }
                    }
                    _ => {
                        let title = format!("Written {w}-{n}");
                        let at = record(
                            log,
                            Attempt::Create {
                                title: title.clone(),
                                id: None,
                            },
                        );
                        let req = client
                            .post(format!("{base}/api/v1/posts"))
                            .bearer_auth(token)
                            .json(&json!({"edition": "en", "title": title, "content": "<p>Body</p>", "status": "published"}));
                        let Some(reply) = send(req).await else {
                            break;
                        };
                        if reply.status == 201 {
                            let id = reply.json()["id"].as_i64().unwrap();
                            mine.push((id, reply.etag()));
                            log.lock().unwrap()[at] = Attempt::Create {
                                title,
                                id: Some(id),
                            };
                        }
                    }
                }
            }
        }
    };
    let killer = async {
        actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
        server.signal("-KILL");
        stop.store(true, Ordering::Relaxed);
    };
    actix_web::rt::time::timeout(Duration::from_secs(60), async {
        futures_util::join!(join_all((0..4).map(writer)), killer)
    })
    .await
    .expect("the writers stop once the server is gone");
    let status = server.wait(Duration::from_secs(10));
    assert!(!status.success(), "killed, not exited: {status}");

    // What a kill between storing a file and committing its row leaves,
    // made for certain: a noted file no row uses.
    let store = db.settings.store.media_store().unwrap();
    let pool = nashr::db::Pool::connect(&db.settings.store.database_url, 1, Duration::from_secs(5))
        .unwrap();
    let stray = nashr::media::content_key(b"a file whose upload never committed", "png");
    store
        .put(
            &stray,
            b"a file whose upload never committed".to_vec(),
            "image/png",
        )
        .await
        .unwrap();
    nashr::repo::pending_files::note_storing(
        &mut pool.get().unwrap().conn,
        std::slice::from_ref(&stray),
        nashr::domain::now(),
    )
    .unwrap();

    // Restarted on the same database and store.
    let server = Binary::start(&db.settings, &grace);
    let base = server.address.clone();
    let attempts = log.into_inner().unwrap();
    let acknowledged = |a: &Attempt| match a {
        Attempt::Create { id, .. } | Attempt::Upload { id, .. } => id.is_some(),
        Attempt::Rename { acknowledged, .. } => *acknowledged,
    };
    let done = attempts.iter().filter(|a| acknowledged(a)).count();
    assert!(
        done >= 10,
        "the server was killed in the middle of work: {attempts:?}"
    );

    let get = |path: String| {
        let (client, base, token) = (&client, &base, &token);
        async move {
            let res = client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // Every acknowledged post is there, with its last acknowledged title or
    // one tried after it (a write the kill cut off may have committed).
    let mut posts_checked = 0;
    for attempt in &attempts {
        if let Attempt::Create {
            title,
            id: Some(id),
        } = attempt
        {
            let (status, post) = get(format!("/api/v1/posts/{id}")).await;
            assert_eq!(status, 200, "post {id}");
            let renames: Vec<(&String, bool)> = attempts
                .iter()
                .filter_map(|a| match a {
                    Attempt::Rename {
                        id: r,
                        title,
                        acknowledged,
                    } if r == id => Some((title, *acknowledged)),
                    _ => None,
                })
                .collect();
            let last_acked = renames
                .iter()
                .rposition(|(_, acked)| *acked)
                .map(|i| renames[i].0)
                .unwrap_or(title);
            let later: Vec<&String> = match renames.iter().rposition(|(_, acked)| *acked) {
                Some(i) => renames[i + 1..].iter().map(|(t, _)| *t).collect(),
                None => renames.iter().map(|(t, _)| *t).collect(),
            };
            let now = post["title"].as_str().unwrap();
            assert!(
                now == last_acked || later.iter().any(|t| t.as_str() == now),
                "post {id}: {now} after acknowledging {last_acked}"
            );
            posts_checked += 1;
        }
    }
    // Every acknowledged upload is there with its files.
    let mut uploads_checked = 0;
    for attempt in &attempts {
        if let Attempt::Upload {
            id: Some(id),
            bytes,
        } = attempt
        {
            let (status, media) = get(format!("/api/v1/media/{id}")).await;
            assert_eq!(status, 200, "media {id}");
            assert_eq!(media["file_size"], *bytes as i64, "media {id}");
            let url = media["url"].as_str().unwrap();
            let file = client.get(url).send().await.unwrap();
            assert_eq!(file.status(), 200, "{url}");
            uploads_checked += 1;
        }
    }
    // No row without its files, no file without its row: the sweep at
    // start removes what the kill left once its grace (1 s) is over.
    let pool = nashr::db::Pool::connect(&db.settings.store.database_url, 1, Duration::from_secs(5))
        .unwrap();
    let store = db.settings.store.media_store().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let (orphans, missing) = loop {
        let used: BTreeSet<String> = {
            let mut conn = pool.get().unwrap();
            let ids = nashr::repo::media::all_ids(&mut conn.conn).unwrap();
            ids.into_iter()
                .flat_map(|id| nashr::repo::media::keys_of(&mut conn.conn, id).unwrap())
                .collect()
        };
        let stored: BTreeSet<String> = store.keys().await.unwrap().into_iter().collect();
        let orphans: Vec<&String> = stored.difference(&used).collect();
        let missing: Vec<&String> = used.difference(&stored).collect();
        if orphans.is_empty() || Instant::now() > deadline {
            break (
                orphans.into_iter().cloned().collect::<Vec<_>>(),
                missing.into_iter().cloned().collect::<Vec<_>>(),
            );
        }
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(
        missing.is_empty(),
        "rows whose files are missing: {missing:?}"
    );
    assert!(
        orphans.is_empty(),
        "files no row uses: {orphans:?}\n{}",
        server.log()
    );
    {
        let mut conn = pool.get().unwrap();
        assert!(crate::helpers::database_is_consistent(&mut conn.conn));
    }
    eprintln!(
        "kill -9 ({}): {} writes tried, {done} acknowledged; {posts_checked} posts and {uploads_checked} uploads checked after the restart; 0 orphan files, 0 rows without files",
        crate::helpers::backend_name(),
        attempts.len()
    );
    drop(server);
}

/// A TCP relay to PostgreSQL that can be cut: while down, it closes every
/// connection it carries and refuses new ones, as a stopped server would.
struct Relay {
    address: std::net::SocketAddr,
    up: std::sync::Arc<AtomicBool>,
    links: std::sync::Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    /// Relays on a thread of its own, so that it runs while the app's
    /// thread blocks on opening its pool.
    fn start(upstream: String) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let up = std::sync::Arc::new(AtomicBool::new(true));
        let links = std::sync::Arc::new(Mutex::new(Vec::new()));
        let (up2, links2) = (up.clone(), links.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((mut client, _)) = listener.accept().await else {
                        return;
                    };
                    if !up2.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let upstream = upstream.clone();
                    let link = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    links2.lock().unwrap().push(link);
                }
            });
        });
        Relay { address, up, links }
    }

    /// The database "stops": every connection is cut, new ones refused.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// The database is back.
    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn while_the_database_is_down_requests_get_503_and_recover_without_a_restart() {
    if crate::helpers::backend_name() != "postgres" {
        eprintln!("database down: PostgreSQL only (SQLite is a file inside the process)");
        return;
    }
    let db = fresh_db();
    let url = db.settings.store.database_url.clone();
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let relay = Relay::start(host.to_string());
    let relayed = format!("{scheme_user}@{}/{path}", relay.address);
    let app = spawn_with(|s| {
        s.store.database_url = relayed.clone();
        s.store.db_timeout_secs = 1;
        s.db_pool_size = 4;
    })
    .await;
    // Kept alive for the app: the schema is dropped with `db`.
    let _db = db;
    seed::editions(&app);
    let admin = app.admin().await;
    let post = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "en", "title": "Steady", "status": "published"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    enum Phase {
        Before,
        Down,
        After,
    }
    let phase = Mutex::new(Phase::Before);
    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::<(Phase, Instant, u16, bool)>::new());
    let paths = [
        format!("/api/v1/posts/{post}"),
        "/api/v1/posts".to_string(),
        "/readyz".to_string(),
        "/api/v1/editions".to_string(),
    ];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let reader = |r: usize| {
        let (app, phase, stop, seen, paths, client) = (&app, &phase, &stop, &seen, &paths, &client);
        async move {
            let mut n = r;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let started_in = *phase.lock().unwrap();
                let res = client
                    .get(format!("{}{}", app.address, paths[n % paths.len()]))
                    .send()
                    .await
                    .expect("Nashr itself keeps answering");
                let status = res.status().as_u16();
                let problem = res
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v == "application/problem+json");
                let ended_in = *phase.lock().unwrap();
                let _ = res.bytes().await;
                // Only requests begun and ended in one phase say what it does.
                if started_in == ended_in {
                    seen.lock()
                        .unwrap()
                        .push((started_in, Instant::now(), status, problem));
                }
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let conductor = async {
        actix_web::rt::time::sleep(Duration::from_millis(800)).await;
        *phase.lock().unwrap() = Phase::Down;
        relay.cut();
        // A write while it is down is refused whole.
        let refused = app
            .post_as(
                "/api/v1/posts",
                &admin,
                json!({"edition": "en", "title": "Written while down", "status": "published"}),
            )
            .await;
        actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
        relay.restore();
        *phase.lock().unwrap() = Phase::After;
        let restored = Instant::now();
        actix_web::rt::time::sleep(Duration::from_secs(8)).await;
        stop.store(true, Ordering::SeqCst);
        (refused, restored)
    };
    let ((refused, restored), _) = actix_web::rt::time::timeout(Duration::from_secs(60), async {
        futures_util::join!(conductor, join_all((0..3).map(reader)))
    })
    .await
    .expect("the test ends in time");

    let seen = seen.into_inner().unwrap();
    let count = |p: Phase, f: &dyn Fn(u16) -> bool| {
        seen.iter()
            .filter(|(ph, _, s, _)| *ph == p && f(*s))
            .count()
    };
    let summary = format!(
        "before: {} ok; down: {} answered 503, {} other; after: {} answered 503, {} ok",
        count(Phase::Before, &|s| s == 200),
        count(Phase::Down, &|s| s == 503),
        count(Phase::Down, &|s| s != 503),
        count(Phase::After, &|s| s == 503),
        count(Phase::After, &|s| s == 200),
    );
    eprintln!(
        "database down ({}): {summary}",
        crate::helpers::backend_name()
    );
    assert_eq!(
        refused.status,
        503,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    assert!(
        seen.iter().all(|(_, _, s, _)| *s == 200 || *s == 503),
        "{seen:?}"
    );
    assert!(seen
        .iter()
        .filter(|(_, _, s, _)| *s == 503)
        .all(|(_, _, _, problem)| *problem));
    assert_eq!(count(Phase::Before, &|s| s != 200), 0, "{summary}");
    assert!(count(Phase::Down, &|s| s == 503) >= 3, "{summary}");
    assert_eq!(count(Phase::Down, &|s| s != 503), 0, "{summary}");
    // Back within a few seconds, and for good.
    let first_ok = seen
        .iter()
        .filter(|(p, _, s, _)| *p == Phase::After && *s == 200)
        .map(|(_, at, _, _)| *at)
        .min()
        .expect("requests succeed again");
    assert!(first_ok - restored < Duration::from_secs(5), "{summary}");
    assert!(
        seen.iter()
            .filter(|(p, at, _, _)| *p == Phase::After && *at > first_ok)
            .all(|(_, _, s, _)| *s == 200),
        "{summary}"
    );
    // Nothing of the refused write was stored.
    let list = app
        .get_as("/api/v1/posts?search=down", &admin)
        .await
        .expect(200);
    assert_eq!(list["meta"]["total"], 0);
}

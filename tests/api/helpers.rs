//! Spawning the real server for a test, on a fresh database of its own:
//! a SQLite file in a temporary folder, or, when `TEST_DATABASE_URL` is set,
//! a PostgreSQL schema made for the test and dropped after it.

use std::sync::Once;

use chrono::{NaiveDateTime, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use nashr::config::{Secret, Settings};
use nashr::db::{Conn, Pool};
use nashr::repo;
use nashr::startup::Application;
use serde_json::Value;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: Pool,
    /// The media store the app uses (a folder, or S3 when `TEST_S3_ENDPOINT` is set).
    pub store: nashr::media::Store,
    /// Base URL of stored files.
    pub media_base: String,
    /// What it was started with (for a second instance, or the CLI, on
    /// the same database).
    pub settings: Settings,
    _dir: tempfile::TempDir,
    // Dropped last: the schema goes once nothing uses it.
    _pg: Option<PgSchema>,
}

/// A PostgreSQL schema for one test.
/// A PostgreSQL schema of its own for one test, dropped after it.
pub struct PgSchema {
    base: String,
    name: String,
}

impl PgSchema {
    pub fn create(base: &str) -> PgSchema {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(base).expect("TEST_DATABASE_URL is reachable");
        diesel::sql_query(format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .expect("can create a schema");
        PgSchema {
            base: base.to_string(),
            name,
        }
    }

    pub fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-csearch_path%3D{}", self.base, self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.base) {
            let _ =
                diesel::sql_query(format!("DROP SCHEMA {} CASCADE", self.name)).execute(&mut conn);
        }
    }
}

static TRACING: Once = Once::new();

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// Every scope a token can hold.
pub const ALL_SCOPES: [&str; 8] = [
    "read",
    "posts:write",
    "media:write",
    "taxonomy:write",
    "menus:write",
    "webhooks:write",
    "admin",
    "account",
];

/// The tests' signing key, so they can forge tokens to check they fail.
pub const JWT_SECRET: &str = "a-signing-key-for-tests-only-32-bytes-long";

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_demo() -> TestApp {
    spawn_with(|s| s.demo = true).await
}

/// Settings for a fresh, empty database of the kind the run tests, and
/// what keeps that database alive.
pub struct FreshDb {
    pub settings: Settings,
    pub dir: tempfile::TempDir,
    pg: Option<PgSchema>,
}

pub fn fresh_db() -> FreshDb {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            nashr::telemetry::init();
        }
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pg = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .map(|base| PgSchema::create(&base));
    let mut settings = Settings::from_env();
    settings.store.database_url = match &pg {
        Some(schema) => schema.url(),
        None => dir.path().join("nashr.db").display().to_string(),
    };
    settings.addr = "127.0.0.1:0".into();
    settings.public_url = None;
    settings.store.media_dir = dir.path().join("media");
    settings.db_pool_size = 4;
    settings.workers = Some(1);
    settings.shutdown_timeout_secs = 1;
    settings.demo = false;
    // Tests make many requests from one address; the limits have tests of
    // their own (operations.rs).
    settings.rate_limit_reads = 0;
    settings.rate_limit_writes = 0;
    settings.admin_password = Some(Secret(ADMIN_PASSWORD.into()));
    // With TEST_S3_ENDPOINT, media go to that S3-compatible server (the
    // bucket must exist), under a prefix of their own.
    settings.store.s3_bucket = None;
    if let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let bucket = std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "nashr-test".into());
        settings.store.s3_public_url = Some(format!("{endpoint}/{bucket}"));
        settings.store.s3_endpoint = Some(endpoint);
        settings.store.s3_bucket = Some(bucket);
        settings.store.s3_access_key_id = Some("test".into());
        settings.store.s3_secret_access_key = Some(Secret("test".into()));
        settings.store.s3_prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    }
    settings.jwt_secret = Some(Secret(JWT_SECRET.into()));
    FreshDb { settings, dir, pg }
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let FreshDb {
        mut settings,
        dir,
        pg,
    } = fresh_db();
    configure(&mut settings);
    let store = settings.store.media_store().expect("a media store");

    let app = Application::build(settings.clone())
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let media_base = store.public_base(&address);
    let pool = app.pool().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        pool,
        store,
        media_base,
        settings,
        _dir: dir,
        _pg: pg,
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// Reads a response whole; an error if the body does not arrive.
    pub async fn read(res: reqwest::Response) -> reqwest::Result<Reply> {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Database queries the request made, from `Server-Timing`.
    pub fn queries(&self) -> u64 {
        let timing = self
            .header("server-timing")
            .expect("Server-Timing is present");
        let start = timing.find("queries=").expect("a query count") + "queries=".len();
        timing[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a number")
    }

    /// Asserts the status, showing the body when it differs; answers the
    /// body as JSON.
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    /// Asserts `204 No Content` with nothing in the body.
    pub fn expect_no_content(&self) {
        assert_eq!(self.status, 204, "{}", String::from_utf8_lossy(&self.body));
        assert!(self.body.is_empty(), "a 204 with a body");
    }

    /// Asserts a problem document with this status, and answers it.
    pub fn problem(&self, status: u16) -> Value {
        let doc = self.expect(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(doc["status"], status);
        assert_eq!(doc["type"], "about:blank");
        assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(doc["detail"].as_str().is_some_and(|d| !d.is_empty()));
        doc
    }

    /// Asserts a 422 problem, and answers the fields it names.
    pub fn invalid_fields(&self) -> Vec<String> {
        let doc = self.problem(422);
        doc["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_string()
    }

    /// Asserts a 404 problem for a parameter that names nothing.
    pub fn unknown(&self, param: &str) -> Value {
        let doc = self.problem(404);
        assert_eq!(doc["errors"][0]["field"], param, "{doc}");
        doc
    }

    /// Asserts a 400 problem naming `param`.
    pub fn bad_parameter(&self, param: &str) -> Value {
        let doc = self.problem(400);
        assert_eq!(doc["errors"][0]["field"], param, "{doc}");
        assert!(doc["detail"].as_str().unwrap().contains(param));
        doc
    }
}

impl TestApp {
    pub async fn request(&self, method: reqwest::Method, path: &str) -> Reply {
        let res = self
            .client
            .request(method, format!("{}{path}", self.address))
            .send()
            .await
            .expect("the server answers");
        Reply::read(res).await.expect("a body")
    }

    /// Starts one more instance on this app's database (as behind a load
    /// balancer); answers its base URL.
    pub async fn second_instance(&self) -> String {
        let mut settings = self.settings.clone();
        settings.addr = "127.0.0.1:0".into();
        let other = Application::build(settings)
            .await
            .expect("a second instance starts");
        let address = format!("http://127.0.0.1:{}", other.port());
        actix_web::rt::spawn(other.run_until_stopped());
        address
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(reqwest::Method::GET, path).await
    }

    /// Any request, with an optional bearer token, JSON body and `If-Match`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        let res = req.send().await.expect("the server answers");
        Reply::read(res).await.expect("a body")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(token), None, None)
            .await
    }

    pub async fn post_as(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(token), Some(body), None)
            .await
    }

    pub async fn patch_as(
        &self,
        path: &str,
        token: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Reply {
        self.send(
            reqwest::Method::PATCH,
            path,
            Some(token),
            Some(body),
            if_match,
        )
        .await
    }

    pub async fn delete_as(&self, path: &str, token: &str, if_match: Option<&str>) -> Reply {
        self.send(reqwest::Method::DELETE, path, Some(token), None, if_match)
            .await
    }

    /// Logs in and answers the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"username": username, "password": password})),
                None,
            )
            .await;
        reply.expect(200)["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// A new user with `role`; answers their id and a login token.
    pub async fn user_with_role(&self, username: &str, role: &str) -> (i64, String) {
        let password = format!("{username}-password");
        let id = self.db(|c| {
            nashr::content::users::create(
                c,
                &nashr::content::users::NewAccount {
                    username: username.into(),
                    password: Some(password.clone()),
                    role: role.parse().unwrap(),
                    display_name: None,
                    email: None,
                    bio: None,
                },
            )
            .unwrap()
        });
        (id, self.login(username, &password).await)
    }

    /// A script token with `scopes`, made with the login `token`.
    pub async fn script_token(&self, token: &str, scopes: &[&str]) -> (i64, String) {
        let reply = self
            .post_as(
                "/api/v1/tokens",
                token,
                serde_json::json!({"name": "test", "scopes": scopes}),
            )
            .await;
        reply.expect(201);
        let body = reply.json();
        (
            body["id"].as_i64().unwrap(),
            body["token"].as_str().unwrap().to_string(),
        )
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.expect(200)
    }

    /// The `id`s of a list's `data`, in order.
    pub async fn ids(&self, path: &str) -> Vec<i64> {
        self.get_json(path).await["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|item| item["id"].as_i64().expect("an id"))
            .collect()
    }

    /// Runs `f` on a database connection of the app's pool.
    pub fn db<T>(&self, f: impl FnOnce(&mut Conn) -> T) -> T {
        let mut conn = self.pool.get().expect("a connection");
        f(&mut conn.conn)
    }
}

/// Content for tests, written through the same repo functions the app uses.
pub mod seed {
    use super::*;
    use nashr::content::changes::Resource;
    use nashr::repo::categories::NewCategory;
    use nashr::repo::editions::NewEdition;
    use nashr::repo::media::{NewMedia, NewRendition};
    use nashr::repo::posts::NewPost;
    use nashr::repo::tags::NewTag;
    use nashr::repo::users::NewUser;

    pub fn now() -> NaiveDateTime {
        nashr::domain::now()
    }

    pub fn days_ago(days: i64) -> NaiveDateTime {
        now() - chrono::Duration::days(days)
    }

    pub fn time(rfc3339: &str) -> NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .expect("a valid time")
            .with_timezone(&Utc)
            .naive_utc()
    }

    /// Runs an insert as Nashr's own write paths do: with its change
    /// recorded in the change log, so that caches see it.
    fn recorded(
        c: &mut nashr::db::Conn,
        resource: Resource,
        insert: impl FnOnce(&mut nashr::db::Conn) -> diesel::QueryResult<i64>,
    ) -> diesel::QueryResult<i64> {
        nashr::content::changes::tracking(c, resource, None, insert)
    }

    /// Editions en (default), fa and ar, as (en, fa, ar) ids.
    pub fn editions(app: &TestApp) -> (i64, i64, i64) {
        app.db(|c| {
            let mut add = |code, name, native, direction, position| {
                recorded(c, Resource::Edition, |c| {
                    repo::editions::insert(
                        c,
                        &NewEdition {
                            code,
                            name,
                            native_name: native,
                            direction,
                            is_default: position == 0,
                            position,
                            created_at: now(),
                            updated_at: now(),
                        },
                    )
                })
                .unwrap()
            };
            (
                add("en", "English", "English", "ltr", 0),
                add("fa", "Persian", "فارسی", "rtl", 1),
                add("ar", "Arabic", "العربية", "rtl", 2),
            )
        })
    }

    pub fn category(
        app: &TestApp,
        edition: i64,
        slug: &str,
        parent: Option<i64>,
        group: &str,
    ) -> i64 {
        app.db(|c| {
            recorded(c, Resource::Category, |c| {
                repo::categories::insert(
                    c,
                    &NewCategory {
                        edition_id: edition,
                        parent_id: parent,
                        slug,
                        name: &format!("Category {slug}"),
                        description: "",
                        position: 0,
                        translation_group: group,
                        created_at: now(),
                        updated_at: now(),
                        created_by: None,
                        updated_by: None,
                    },
                )
            })
            .unwrap()
        })
    }

    pub fn tag(app: &TestApp, edition: i64, slug: &str) -> i64 {
        app.db(|c| {
            recorded(c, Resource::Tag, |c| {
                repo::tags::insert(
                    c,
                    &NewTag {
                        edition_id: edition,
                        slug,
                        name: &format!("Tag {slug}"),
                        description: "",
                        translation_group: &repo::new_translation_group(),
                        created_at: now(),
                        updated_at: now(),
                        created_by: None,
                        updated_by: None,
                    },
                )
            })
            .unwrap()
        })
    }

    pub fn user(app: &TestApp, slug: &str) -> i64 {
        app.db(|c| {
            recorded(c, Resource::Author, |c| {
                repo::users::insert(
                    c,
                    &NewUser {
                        username: slug,
                        email: Some(&format!("{slug}@example.test")),
                        display_name: &format!("User {slug}"),
                        slug,
                        bio: "",
                        avatar_media_id: None,
                        password_hash: Some("not-a-real-hash"),
                        role: "editor",
                        disabled: false,
                        created_at: now(),
                        updated_at: now(),
                    },
                )
            })
            .unwrap()
        })
    }

    /// An image media item with two renditions.
    pub fn image(app: &TestApp, slug: &str) -> i64 {
        app.db(|c| {
            recorded(c, Resource::Media, |c| {
                repo::media::insert(
                    c,
                    &NewMedia {
                        kind: "image",
                        edition_id: None,
                        slug,
                        title: slug,
                        storage_key: Some(&format!("aa/bb/{slug}.jpg")),
                        source_url: None,
                        original_filename: Some("photo.jpg"),
                        mime_type: "image/jpeg",
                        file_size: Some(1234),
                        width: Some(1200),
                        height: Some(800),
                        duration: None,
                        alt_text: "alt",
                        caption: "caption",
                        credit: "credit",
                        placeholder: None,
                        metadata: "{}",
                        uploaded_by: None,
                        created_at: now(),
                        listed: true,
                        updated_at: now(),
                    },
                    &[
                        NewRendition {
                            media_id: 0,
                            name: "thumbnail",
                            storage_key: "aa/bb/t.jpg",
                            mime_type: "image/jpeg",
                            width: 150,
                            height: 150,
                            file_size: 100,
                        },
                        NewRendition {
                            media_id: 0,
                            name: "medium",
                            storage_key: "aa/bb/m.jpg",
                            mime_type: "image/jpeg",
                            width: 300,
                            height: 200,
                            file_size: 200,
                        },
                    ],
                )
            })
            .unwrap()
        })
    }

    /// A post to insert; `Post::new` gives a live article.
    pub struct Post {
        pub edition: i64,
        pub slug: String,
        pub title: String,
        pub content: String,
        pub kind: &'static str,
        pub status: &'static str,
        pub published_at: NaiveDateTime,
        pub author: Option<i64>,
        pub featured_media: Option<i64>,
        pub featured: bool,
        pub comment_count: i32,
        pub comments_open: bool,
        pub group: String,
        pub categories: Vec<i64>,
        pub tags: Vec<i64>,
    }

    impl Post {
        pub fn new(edition: i64, slug: &str) -> Post {
            Post {
                edition,
                slug: slug.to_string(),
                title: format!("Title of {slug}"),
                content: "<p>Body</p>".to_string(),
                kind: "article",
                status: "published",
                published_at: days_ago(1),
                author: None,
                featured_media: None,
                featured: false,
                comment_count: 0,
                comments_open: true,
                group: repo::new_translation_group(),
                categories: vec![],
                tags: vec![],
            }
        }

        pub fn insert(self, app: &TestApp) -> i64 {
            app.db(|c| {
                recorded(c, Resource::Post, |c| {
                    repo::posts::insert(
                        c,
                        &NewPost {
                            edition_id: self.edition,
                            kind: self.kind,
                            slug: &self.slug,
                            title: &self.title,
                            excerpt: "",
                            content: &self.content,
                            status: self.status,
                            published_at: Some(self.published_at),
                            author_id: self.author,
                            featured_media_id: self.featured_media,
                            parent_id: None,
                            featured: self.featured,
                            comments_open: self.comments_open,
                            comment_count: self.comment_count,
                            translation_group: &self.group,
                            created_at: self.published_at,
                            updated_at: self.published_at,
                            created_by: None,
                            updated_by: None,
                            published_by: None,
                        },
                        &self.categories,
                        &self.tags,
                    )
                })
                .unwrap()
            })
        }
    }
}

/// A PNG picture of this size, with a gradient so that it is not trivial.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("a PNG");
    bytes
}

/// The `nashr` binary with `settings` (database, media store, admin
/// password, signing key) in its environment and nothing else, run in the
/// test's folder.
pub fn nashr_command(settings: &Settings) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nashr"));
    let dir = settings
        .store
        .media_dir
        .parent()
        .expect("the media folder is in the test's folder");
    std::fs::create_dir_all(dir).expect("the test's folder");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &settings.store.database_url)
        .env("NASHR_MEDIA_DIR", &settings.store.media_dir)
        .env("NASHR_DB_POOL_SIZE", settings.db_pool_size.to_string())
        .env("NASHR_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("NASHR_JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "warn,nashr=info");
    if let Some(bucket) = &settings.store.s3_bucket {
        cmd.env("NASHR_S3_BUCKET", bucket)
            .env(
                "NASHR_S3_ENDPOINT",
                settings.store.s3_endpoint.clone().unwrap_or_default(),
            )
            .env(
                "NASHR_S3_PUBLIC_URL",
                settings.store.s3_public_url.clone().unwrap_or_default(),
            )
            .env("NASHR_S3_PREFIX", &settings.store.s3_prefix)
            .env("NASHR_S3_ACCESS_KEY_ID", "test")
            .env("NASHR_S3_SECRET_ACCESS_KEY", "test");
    }
    cmd
}

/// The `nashr` binary serving `settings` as a child process, for tests that
/// stop it the hard way.
pub struct Binary {
    pub child: std::process::Child,
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Binary {
    /// Starts `nashr serve` with `settings` (and `extra` variables) in its
    /// environment, and waits until it listens.
    pub fn start(settings: &Settings, extra: &[(&str, &str)]) -> Binary {
        use std::io::BufRead;
        let mut cmd = nashr_command(settings);
        cmd.arg("serve")
            .env("NASHR_ADDR", "127.0.0.1:0")
            .env("NASHR_WORKERS", "2")
            .env("NASHR_RATE_LIMIT_READS", "0")
            .env("NASHR_RATE_LIMIT_WRITES", "0")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (name, value) in extra {
            cmd.env(name, value);
        }
        let mut child = cmd.spawn().expect("the binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                // `local=ADDR` in text logs, `"local":"ADDR"` in JSON ones.
                let at = line
                    .find("local=")
                    .map(|at| at + 6)
                    .or_else(|| line.find("\"local\":\"").map(|at| at + 9));
                if let Some(at) = at {
                    let addr: String = line[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '"')
                        .collect();
                    let _ = tx.send(addr);
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(addr) => format!("http://{addr}"),
            Err(_) => panic!(
                "the server did not start:\n{}",
                log.lock().unwrap().join("\n")
            ),
        };
        Binary {
            child,
            address,
            log,
        }
    }

    /// Sends `signal` (`-KILL`, `-TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// Waits for the process to end, up to `limit`.
    pub fn wait(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited on") {
                return status;
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The database the run tests: `sqlite` or `postgres`.
pub fn backend_name() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => "postgres",
        _ => "sqlite",
    }
}

/// The database's own check of itself: SQLite's `integrity_check` and
/// `foreign_key_check`; on PostgreSQL, that every post's edition, author
/// and terms exist (constraints PostgreSQL enforces itself) and that no
/// revision or rendition points at a row that is gone; on both, that
/// every kept post count agrees with a fresh count.
pub fn database_is_consistent(conn: &mut nashr::db::Conn) -> bool {
    nashr::repo::counts::drift(conn).unwrap() == 0 && sound(conn)
}

fn sound(conn: &mut nashr::db::Conn) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    match conn {
        nashr::db::Conn::Sqlite(c) => {
            let check: Vec<Line> =
                diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
                    .load(c)
                    .unwrap();
            let keys: Vec<Line> =
                diesel::sql_query("SELECT \"table\" AS line FROM pragma_foreign_key_check")
                    .load(c)
                    .unwrap();
            check.len() == 1 && check[0].line == "ok" && keys.is_empty()
        }
        nashr::db::Conn::Pg(c) => {
            let dangling: Vec<Count> = diesel::sql_query(
                "SELECT (SELECT count(*) FROM media_renditions r WHERE NOT EXISTS (SELECT 1 FROM media m WHERE m.id = r.media_id)) \
                 + (SELECT count(*) FROM post_revisions v WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = v.post_id)) AS n",
            )
            .load(c)
            .unwrap();
            dangling[0].n == 0
        }
    }
}

/// Logs `admin` in on the server at `base` (a binary or another instance);
/// answers the access token.
pub async fn admin_token_at(client: &reqwest::Client, base: &str) -> String {
    let login = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("the server answers");
    Reply::read(login).await.expect("a body").expect(200)["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

//! Settings, from the environment (and a `.env` file, read in `main` only).
//! Every setting is also a command-line flag of the commands that use it;
//! `.env.example` documents them all.

use std::path::PathBuf;

use clap::{Args, Parser};

/// Where the site's data lives: the database and the media store. Every
/// command takes these (before or after its subcommand's name).
#[derive(Debug, Clone, Args)]
pub struct StoreSettings {
    /// Database: a SQLite file path (created if missing), or a
    /// `postgres://user@host/db` URL.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "data/nashr.db"
    )]
    pub database_url: String,

    /// Seconds a request waits for a database connection before a 503.
    #[arg(long, global = true, env = "NASHR_DB_TIMEOUT", default_value_t = 5)]
    pub db_timeout_secs: u64,

    /// Folder of the local media store.
    #[arg(
        long,
        global = true,
        env = "NASHR_MEDIA_DIR",
        default_value = "data/media"
    )]
    pub media_dir: PathBuf,

    /// Largest picture, in pixels (width times height), checked from the
    /// header before anything is decoded.
    #[arg(
        long,
        global = true,
        env = "NASHR_MAX_IMAGE_PIXELS",
        default_value_t = 100_000_000
    )]
    pub max_image_pixels: u64,

    /// Keep media in this S3-compatible bucket instead of `NASHR_MEDIA_DIR`.
    #[arg(long, global = true, env = "NASHR_S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// The object store's endpoint, for S3-compatible servers other than
    /// AWS (`http://127.0.0.1:9000`).
    #[arg(long, global = true, env = "NASHR_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// The bucket's region.
    #[arg(
        long,
        global = true,
        env = "NASHR_S3_REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,

    /// The access key's id (default: the AWS SDK's usual sources, such
    /// as `AWS_ACCESS_KEY_ID` or an instance role).
    #[arg(long, global = true, env = "NASHR_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,

    /// The access key's secret.
    #[arg(
        long,
        global = true,
        env = "NASHR_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<Secret>,

    /// Base URL clients fetch the bucket's files from (the bucket's URL, or
    /// a CDN in front of it). Required with `NASHR_S3_BUCKET`.
    #[arg(long, global = true, env = "NASHR_S3_PUBLIC_URL")]
    pub s3_public_url: Option<String>,

    /// Prefix of every key in the bucket, so that several sites can share it.
    #[arg(long, global = true, env = "NASHR_S3_PREFIX", default_value = "")]
    pub s3_prefix: String,
}

/// What `nashr serve` takes: where the data lives, and how to serve it.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub store: StoreSettings,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "NASHR_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Base URL that clients reach this server at, used in links, `Location`
    /// and feeds (default: `http://` + the listening address).
    #[arg(long, env = "NASHR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Base URL of the frontend site readers open, for the links in feeds
    /// and sitemaps (default: the public URL of this server).
    #[arg(long, env = "NASHR_SITE_URL")]
    pub site_url: Option<String>,

    /// Largest number of database connections per instance, and of threads
    /// running queries (default: two per CPU core, at least 4; more only
    /// adds threads taking turns on the same cores).
    #[arg(long, env = "NASHR_DB_POOL_SIZE", default_value_t = default_pool_size())]
    pub db_pool_size: u32,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "NASHR_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds in-flight requests get to finish on shutdown (SIGTERM, Ctrl-C).
    #[arg(long, env = "NASHR_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// Load the demo site into an empty database at start. From the
    /// environment: 1, true, yes or on; 0, false, no or off.
    #[arg(long, env = "NASHR_DEMO", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,

    /// Key that signs login tokens, at least 32 bytes. Default: a key made
    /// once and kept in the database, shared by every instance.
    #[arg(long, env = "NASHR_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Seconds a login token stays valid.
    #[arg(long, env = "NASHR_JWT_TTL", default_value_t = 3600)]
    pub jwt_ttl_secs: i64,

    /// Password of the `admin` user made on a database with no users.
    /// Default: a generated password, printed once.
    #[arg(long, env = "NASHR_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,

    /// Failed logins for one username within `NASHR_LOGIN_WINDOW` before
    /// further attempts get 429.
    #[arg(long, env = "NASHR_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i64,

    /// Failed logins from one client address within the window before 429.
    #[arg(long, env = "NASHR_LOGIN_MAX_CLIENT_FAILURES", default_value_t = 20)]
    pub login_max_client_failures: i64,

    /// Seconds over which failed logins are counted.
    #[arg(long, env = "NASHR_LOGIN_WINDOW", default_value_t = 900)]
    pub login_window_secs: i64,

    /// Seconds shared caches and browsers may keep a public read
    /// (`Cache-Control: public, max-age=..`).
    #[arg(long, env = "NASHR_CACHE_MAX_AGE", default_value_t = 60)]
    pub cache_max_age: u32,

    /// Seconds a cache may keep serving a stale public read while it
    /// revalidates it (`stale-while-revalidate=..`).
    #[arg(
        long,
        env = "NASHR_CACHE_STALE_WHILE_REVALIDATE",
        default_value_t = 300
    )]
    pub cache_stale_while_revalidate: u32,

    /// Memory for whole responses to public reads, in MiB, each reused
    /// until a change names what it shows (a write, or a scheduled post
    /// going live); 0 turns the response cache off.
    #[arg(long, env = "NASHR_RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: usize,

    /// Memory for the parts public responses are built from (each live
    /// post's public view, the categories' views, the editions), in MiB,
    /// reused by every response that shows them until a change names
    /// them; 0 turns it off.
    #[arg(long, env = "NASHR_VIEW_CACHE_MB", default_value_t = 32)]
    pub view_cache_mb: usize,

    /// How many of the newest matches of a search are ranked by
    /// relevance; beyond it a list's total is an estimate
    /// (`meta.total_is_estimate`) and pages end with the ranked ones.
    #[arg(long, env = "NASHR_SEARCH_WINDOW", default_value_t = 1000,
          value_parser = clap::value_parser!(i64).range(20..=100_000))]
    pub search_window: i64,

    /// Allow webhooks to targets on loopback, private and link-local
    /// networks (a receiver on the same host or network).
    #[arg(long, env = "NASHR_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private: bool,

    /// Each webhook attempt's time limit, in seconds.
    #[arg(long, env = "NASHR_WEBHOOK_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub webhook_timeout_secs: u64,

    /// The wait before a failed delivery's first retry, in milliseconds;
    /// it doubles each time (up to an hour), with jitter.
    #[arg(long, env = "NASHR_WEBHOOK_FIRST_RETRY_MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_first_retry_ms: u64,

    /// How long a delivery is retried before it is marked failed, in hours.
    #[arg(long, env = "NASHR_WEBHOOK_RETRY_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u64).range(1..=720))]
    pub webhook_retry_hours: u64,

    /// A webhook whose deliveries have failed for this many hours, with
    /// none delivered since, is disabled with the reason shown.
    #[arg(long, env = "NASHR_WEBHOOK_DISABLE_AFTER_HOURS", default_value_t = 72,
          value_parser = clap::value_parser!(u64).range(1..=8760))]
    pub webhook_disable_after_hours: u64,

    /// Whether new posts take reader comments unless they say.
    #[arg(long, env = "NASHR_COMMENTS_OPEN", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub comments_open: bool,

    /// Comments one client address may post per window
    /// (`NASHR_COMMENT_WINDOW_SECS`), across instances; more get 429. 0: no limit.
    #[arg(long, env = "NASHR_COMMENT_LIMIT", default_value_t = 5)]
    pub comment_limit: u32,

    /// The window of `NASHR_COMMENT_LIMIT`, in seconds.
    #[arg(long, env = "NASHR_COMMENT_WINDOW_SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub comment_window_secs: u64,

    /// A reader's comment with more links than this is held as spam.
    #[arg(long, env = "NASHR_COMMENT_MAX_LINKS", default_value_t = 2)]
    pub comment_max_links: u32,

    /// Days a comment's client address and user agent are kept for
    /// moderators; then they are emptied.
    #[arg(long, env = "NASHR_COMMENT_PRIVACY_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub comment_privacy_days: u32,

    /// Seconds a preview token (`POST /api/v1/posts/{id}/preview`) reads
    /// its post.
    #[arg(long, env = "NASHR_PREVIEW_TTL", default_value_t = 3600,
          value_parser = clap::value_parser!(i64).range(60..=604_800))]
    pub preview_ttl_secs: i64,

    /// The frontend's preview address, answered with each preview token:
    /// `{token}`, `{id}`, `{slug}`, `{edition}` and `{path}` are put in
    /// (`https://www.example.org/api/preview?token={token}&path={path}`).
    #[arg(long, env = "NASHR_PREVIEW_URL")]
    pub preview_url: Option<String>,

    /// Largest upload, in bytes; larger ones get 413.
    #[arg(long, env = "NASHR_MAX_UPLOAD_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_upload_bytes: usize,

    /// Largest JSON body of a write, in bytes; larger ones get 413.
    #[arg(long, env = "NASHR_MAX_JSON_BYTES", default_value_t = 1024 * 1024)]
    pub max_json_bytes: usize,

    /// Seconds a client has to send a request's headers before it gets
    /// 408 and the connection is closed (slow-loris).
    #[arg(long, env = "NASHR_CLIENT_TIMEOUT", default_value_t = 10)]
    pub client_timeout_secs: u64,

    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, env = "NASHR_KEEP_ALIVE", default_value_t = 15)]
    pub keep_alive_secs: u64,

    /// Longest a single database statement may run, in seconds, before it
    /// is cancelled and the request answered 503 (PostgreSQL's
    /// `statement_timeout`; SQLite has no such limit).
    #[arg(long, env = "NASHR_DB_STATEMENT_TIMEOUT", default_value_t = 30)]
    pub db_statement_timeout_secs: u64,

    /// Frontend origins allowed to call the API from a browser
    /// (comma-separated, `https://www.example.org`), or `*` for any. Empty:
    /// no cross-origin calls.
    #[arg(long, env = "NASHR_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,

    /// Reads without a token allowed per client address per window; more
    /// get 429. 0 turns the limit off.
    #[arg(long, env = "NASHR_RATE_LIMIT_READS", default_value_t = 3000)]
    pub rate_limit_reads: u32,

    /// Writes (POST, PUT, PATCH, DELETE, logins included) allowed per
    /// client address per window. 0 turns the limit off.
    #[arg(long, env = "NASHR_RATE_LIMIT_WRITES", default_value_t = 120)]
    pub rate_limit_writes: u32,

    /// Client addresses never rate-limited (comma-separated): a frontend's
    /// own servers that render pages from the API, say.
    #[arg(long, env = "NASHR_RATE_LIMIT_EXEMPT", default_value = "")]
    pub rate_limit_exempt: String,

    /// Seconds of the rate-limit window.
    #[arg(long, env = "NASHR_RATE_LIMIT_WINDOW", default_value_t = 60)]
    pub rate_limit_window_secs: u64,

    /// Addresses of the load balancers or proxies in front of Nashr
    /// (comma-separated). Only from them is `X-Forwarded-For` believed, to
    /// find the client's address for rate limits and failed logins.
    #[arg(long, env = "NASHR_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Bearer token `GET /metrics` requires; unset, metrics are open (keep
    /// the path off the public internet at the load balancer then).
    #[arg(long, env = "NASHR_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,

    /// Seconds a file stored by an upload that never finished (a crash, a
    /// lost database) is kept before the sweep removes it.
    #[arg(long, env = "NASHR_UPLOAD_GRACE", default_value_t = 3600)]
    pub upload_grace_secs: u64,

    /// Days the change log keeps its rows (what integrators and the
    /// caches follow); older rows are pruned every hour.
    #[arg(long, env = "NASHR_CHANGES_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub changes_retention_days: u32,
}

/// A value kept out of logs and `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

#[derive(Parser)]
struct EnvOnly {
    #[command(flatten)]
    settings: Settings,
}

impl Settings {
    /// The settings the environment gives, with defaults for the rest.
    pub fn from_env() -> Settings {
        EnvOnly::parse_from(["nashr"]).settings
    }

    /// The base URL for links, without a trailing slash.
    pub fn public_url_for(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }
}

impl StoreSettings {
    /// The media store the settings name: S3 when a bucket is set, else
    /// the local folder.
    pub fn media_store(&self) -> Result<crate::media::Store, String> {
        use crate::media::{LocalStore, S3Settings, S3Store, Store};
        let Some(bucket) = &self.s3_bucket else {
            return Ok(Store::Local(LocalStore::new(&self.media_dir)));
        };
        let public_url = self
            .s3_public_url
            .clone()
            .ok_or("NASHR_S3_PUBLIC_URL is required with NASHR_S3_BUCKET")?;
        let s3 = S3Settings {
            endpoint: self.s3_endpoint.clone(),
            bucket: bucket.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self
                .s3_secret_access_key
                .as_ref()
                .map(|s| s.expose().to_string()),
            public_url,
            prefix: self.s3_prefix.clone(),
        };
        S3Store::new(&s3).map(Store::S3).map_err(|e| e.to_string())
    }
}

/// Two database connections per CPU core, at least 4.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).max(4)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn env_example_documents_every_setting() {
        let example = include_str!("../.env.example");
        let missing: Vec<String> = super::EnvOnly::command()
            .get_arguments()
            .filter_map(|arg| arg.get_env())
            .map(|env| env.to_string_lossy().into_owned())
            .filter(|env| !example.contains(env.as_str()))
            .collect();
        assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    }
}

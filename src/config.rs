//! Settings, from the environment (and a `.env` file, read in `main` only).
//! Every setting is also a command-line flag of the commands that use it;
//! `.env.example` documents them all.

use std::path::PathBuf;

use clap::{Args, Parser};

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: a SQLite file path (created if missing), or a
    /// `postgres://user@host/db` URL.
    #[arg(long, env = "DATABASE_URL", default_value = "data/nashr.db")]
    pub database_url: String,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "NASHR_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Base URL that clients reach this server at, used in links, `Location`
    /// and feeds (default: `http://` + the listening address).
    #[arg(long, env = "NASHR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Folder of the local media store.
    #[arg(long, env = "NASHR_MEDIA_DIR", default_value = "data/media")]
    pub media_dir: PathBuf,

    /// Largest number of database connections per instance.
    #[arg(long, env = "NASHR_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Seconds a request waits for a database connection before a 503.
    #[arg(long, env = "NASHR_DB_TIMEOUT", default_value_t = 5)]
    pub db_timeout_secs: u64,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "NASHR_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds in-flight requests get to finish on shutdown (SIGTERM, Ctrl-C).
    #[arg(long, env = "NASHR_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// Load the demo site into an empty database at start.
    #[arg(long, env = "NASHR_DEMO")]
    pub demo: bool,
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

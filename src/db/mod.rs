//! One code base on SQLite and PostgreSQL.
//!
//! [`Conn`] holds a concrete diesel connection of either kind and
//! [`with_conn!`](crate::with_conn) compiles a query once per backend, so
//! repo code writes each query a single time and still gets everything diesel
//! offers each backend (booleans, `RETURNING`, batch inserts). The pool hands
//! out [`DbConn`]s that count their queries, which the HTTP layer reports in
//! `Server-Timing` and the tests use to prove lists are free of N+1 queries.

pub mod constraints;
pub mod keyset;
pub mod metrics;
pub mod schema;
pub mod search;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use metrics::DbMetrics;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock held while migrating, so that several
/// instances starting at once apply each migration exactly once.
const MIGRATION_LOCK_KEY: i64 = 0x6e61_7368_7200_0001;

/// A PostgreSQL connection whose last work succeeded this recently is
/// handed out without a ping (as HikariCP's alive-bypass window does).
const ALIVE_WITHOUT_PING: Duration = Duration::from_millis(500);

/// Which database a URL names: `postgres://` or `postgresql://` is
/// PostgreSQL, anything else a SQLite file (optionally `sqlite://path`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A connection to either backend.
pub enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection inside a [`Conn`].
/// The body is compiled once per backend.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Pg($c) => $body,
        }
    };
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Pg(_) => Backend::Postgres,
        }
    }

    /// Refreshes PostgreSQL's planner statistics, as autovacuum would in
    /// a while: after a bulk load the planner otherwise still believes the
    /// tables nearly empty and scans them instead of using their indexes.
    /// Nothing to do on SQLite.
    pub fn analyze(&mut self) -> diesel::QueryResult<()> {
        if let Conn::Pg(c) = self {
            diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), c)?;
        }
        Ok(())
    }

    /// Runs `f` in a transaction that is committed when it returns `Ok` and
    /// rolled back otherwise. On SQLite the transaction takes the write lock
    /// up front (`BEGIN IMMEDIATE`), so concurrent writers wait for the busy
    /// timeout instead of failing when a read lock cannot be upgraded.
    /// Called inside a transaction, it makes a savepoint.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let nested =
            with_conn!(self, c => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth())?
            .is_some();
        match self {
            // Inside a transaction, a savepoint: only this part rolls back.
            _ if nested => with_conn!(self, c => AnsiTransactionManager::begin_transaction(c))?,
            Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
            Conn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match f(self) {
            Ok(value) => {
                let committed =
                    with_conn!(self, c => AnsiTransactionManager::commit_transaction(c));
                if let Err(e) = committed {
                    let _ = with_conn!(self, c => AnsiTransactionManager::rollback_transaction(c));
                    return Err(e.into());
                }
                Ok(value)
            }
            Err(e) => {
                let _ = with_conn!(self, c => AnsiTransactionManager::rollback_transaction(c));
                Err(e)
            }
        }
    }
}

/// Query count and time spent in the database.
#[derive(Debug, Default)]
pub struct QueryStats {
    queries: AtomicU64,
    nanos: AtomicU64,
}

impl QueryStats {
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }

    fn add(&self, queries: u64, elapsed: Duration) {
        self.queries.fetch_add(queries, Ordering::Relaxed);
        self.nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Counts a connection's queries into its [`QueryStats`].
struct QueryCounter {
    stats: Arc<QueryStats>,
    metrics: Arc<DbMetrics>,
    started: Option<Instant>,
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let elapsed = self.started.take().map(|s| s.elapsed()).unwrap_or_default();
                self.stats.add(1, elapsed);
                self.metrics.observe_query(elapsed);
                match error {
                    Some(e) => tracing::debug!(%query, error = %e, "query failed"),
                    None => tracing::trace!(%query, ?elapsed, "query"),
                }
            }
            _ => {}
        }
    }
}

/// A pooled connection and the running count of its queries.
pub struct DbConn {
    pub conn: Conn,
    stats: Arc<QueryStats>,
    /// When work on it last succeeded (through [`Pool::run_counted`]).
    worked: Option<Instant>,
}

impl DbConn {
    fn snapshot(&self) -> (u64, Duration) {
        (self.stats.queries(), self.stats.elapsed())
    }
}

/// Opens connections for the pool, with SQLite's pragmas set on each one.
pub struct Manager {
    url: String,
    backend: Backend,
    metrics: Arc<DbMetrics>,
    statement_timeout: Option<Duration>,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let stats = Arc::new(QueryStats::default());
        let mut conn = match self.backend {
            Backend::Sqlite => {
                let mut c =
                    SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside a writer; the busy timeout makes
                // writers queue instead of failing; foreign keys are off by
                // default in SQLite.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Conn::Sqlite(c)
            }
            Backend::Postgres => {
                let mut c =
                    PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                if let Some(limit) = self.statement_timeout.filter(|t| !t.is_zero()) {
                    c.batch_execute(&format!("SET statement_timeout = {}", limit.as_millis()))
                        .map_err(r2d2::Error::QueryError)?;
                }
                Conn::Pg(c)
            }
        };
        let counter = QueryCounter {
            stats: stats.clone(),
            metrics: self.metrics.clone(),
            started: None,
        };
        with_conn!(&mut conn, c => c.set_instrumentation(counter));
        Ok(DbConn {
            conn,
            stats,
            worked: None,
        })
    }

    /// Checked as the pool hands it out: an embedded connection cannot
    /// break; a server's is pinged unless work on it succeeded within
    /// [`ALIVE_WITHOUT_PING`] (a round trip less for every busy request).
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        let recent = conn
            .worked
            .is_some_and(|t| t.elapsed() < ALIVE_WITHOUT_PING);
        match &mut conn.conn {
            Conn::Sqlite(_) => Ok(()),
            Conn::Pg(_) if recent => Ok(()),
            Conn::Pg(c) => c.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The connection pool, cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    backend: Backend,
    metrics: Arc<DbMetrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("could not create the SQLite directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("could not connect to the database: {0}")]
    Connect(#[from] r2d2::PoolError),
}

impl Pool {
    /// Opens a pool of up to `size` connections. Fails if the database
    /// cannot be reached within `timeout`.
    pub fn connect(url: &str, size: u32, timeout: Duration) -> Result<Pool, PoolError> {
        Pool::connect_with(url, size, timeout, None)
    }

    /// [`connect`](Self::connect), and on PostgreSQL every statement is
    /// cancelled after `statement_timeout` (the request then gets a 503).
    pub fn connect_with(
        url: &str,
        size: u32,
        timeout: Duration,
        statement_timeout: Option<Duration>,
    ) -> Result<Pool, PoolError> {
        let backend = Backend::from_url(url);
        let url = match backend {
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() && !path.starts_with(':') {
                        std::fs::create_dir_all(dir).map_err(|source| PoolError::Directory {
                            path: dir.display().to_string(),
                            source,
                        })?;
                    }
                }
                path.to_string()
            }
            Backend::Postgres => url.to_string(),
        };
        let metrics = Arc::new(DbMetrics::default());
        let inner = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .build(Manager {
                url,
                backend,
                metrics: metrics.clone(),
                statement_timeout,
            })?;
        Ok(Pool {
            inner,
            backend,
            metrics,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection, waiting up to the pool's timeout for one to be free
    /// (counted as waiting only when none was free at once).
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, r2d2::PoolError> {
        if let Some(conn) = self.inner.try_get() {
            return Ok(conn);
        }
        let _waiting = self.metrics.waiting();
        self.inner.get()
    }

    /// Query timings and waiting requests, for `/metrics`.
    pub fn db_metrics(&self) -> &DbMetrics {
        &self.metrics
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }

    /// Runs `f` on a pooled connection and adds its queries to `stats`.
    pub fn run_counted<T, E, F>(&self, stats: Option<&QueryStats>, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E>,
        E: From<r2d2::PoolError>,
    {
        let mut conn = self.get()?;
        let (queries, elapsed) = conn.snapshot();
        let result = f(&mut conn.conn);
        if let Some(stats) = stats {
            let (q, e) = conn.snapshot();
            stats.add(q - queries, e.saturating_sub(elapsed));
        }
        // A failure has the connection pinged before its next use.
        conn.worked = result.is_ok().then(Instant::now);
        result
    }

    pub fn state(&self) -> r2d2::State {
        self.inner.state()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("migration failed: {0}")]
pub struct MigrationError(String);

/// Applies pending migrations under a lock, so that instances starting
/// together apply each migration once: on PostgreSQL an advisory lock, on
/// SQLite the database's write lock (`BEGIN IMMEDIATE`). Returns the
/// versions applied.
pub fn run_migrations(conn: &mut Conn) -> Result<Vec<String>, MigrationError> {
    let err = |e: &dyn std::fmt::Display| MigrationError(e.to_string());
    let versions = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
        applied
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<String>>()
    };
    match conn {
        Conn::Sqlite(c) => c.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map(versions)
                .map_err(|e| err(&e))
        }),
        Conn::Pg(c) => {
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
                .execute(c)
                .map_err(|e| err(&e))?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(versions);
            let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
                .execute(c);
            let applied = result.map_err(|e| err(&e))?;
            unlocked.map_err(|e| err(&e))?;
            Ok(applied)
        }
    }
}

impl From<diesel::result::Error> for MigrationError {
    fn from(e: diesel::result::Error) -> Self {
        MigrationError(e.to_string())
    }
}

/// Runs `work` on a pooled connection off the async threads (background
/// work: the scheduler, sweeps, webhooks); a failure is logged as `what`
/// and answered as `None`.
pub async fn on_connection<T: Send + 'static, E: std::fmt::Display>(
    pool: &Pool,
    what: &'static str,
    work: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
) -> Option<T> {
    let pool = pool.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<T, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        work(&mut conn.conn).map_err(|e| e.to_string())
    })
    .await;
    match done {
        Ok(Ok(value)) => Some(value),
        Ok(Err(error)) => {
            tracing::warn!(%error, "{what} failed; it runs again later");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "{what} stopped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// SQLite is built with its query planner stability guarantee
    /// (`.cargo/config.toml`): otherwise every statement with a bound
    /// `LIMIT` is compiled again on each run and none stays prepared.
    #[test]
    fn sqlite_keeps_plans_stable() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap();
        assert!(
            options.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG: build inside the repository (it sets LIBSQLITE3_FLAGS)"
        );
    }
}

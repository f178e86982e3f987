//! Prometheus metrics of one instance, served at `GET /metrics` in the
//! Prometheus text format (0.0.4).
//!
//! Every instance counts its own requests; Prometheus scrapes each one and
//! sums them. What is measured:
//!
//! - `nashr_http_requests_total{method,route,status}` and
//!   `nashr_http_request_duration_seconds{method,route}`: by route
//!   template (`/api/v1/posts/{id}`), never by raw path, so that the number
//!   of series stays bounded whatever clients send;
//! - `nashr_http_requests_in_flight`;
//! - `nashr_db_pool_connections{state="in_use"|"idle"}`,
//!   `nashr_db_pool_max_connections`, `nashr_db_pool_waiting` (requests
//!   waiting for a connection) and `nashr_db_query_duration_seconds`;
//! - `nashr_uploads_total{outcome}` and `nashr_upload_bytes_total`;
//! - `nashr_login_failures_total`, `nashr_rate_limited_total{limit}`.

use std::sync::atomic::Ordering;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::Pool;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Request latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// The method as a label: the standard ones by name, anything else
/// `other`, so that clients cannot make new series with made-up methods.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

/// What an upload came to.
#[derive(Clone, Copy, Debug)]
pub enum Upload {
    Stored,
    Refused,
}

/// Which rate limit answered 429.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    Reads,
    Writes,
}

/// The metrics of one running app.
pub struct Metrics {
    registry: Registry,
    pool: Pool,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
    pool_connections: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    pool_waiting: Gauge,
    uploads: Family<OutcomeLabels, Counter>,
    upload_bytes: Counter,
    login_failures: Counter,
    rate_limited: Family<LimitLabels, Counter>,
    webhook_deliveries: Family<StatusLabels, Gauge>,
    webhook_oldest_pending: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    pub fn new(pool: &Pool) -> Metrics {
        let mut registry = Registry::with_prefix("nashr");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its response, by route template",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being served now",
            in_flight.clone(),
        );
        let pool_connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this instance, in use or idle",
            pool_connections.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Largest number of database connections (NASHR_DB_POOL_SIZE)",
            pool_max.clone(),
        );
        let pool_waiting = Gauge::default();
        registry.register(
            "db_pool_waiting",
            "Requests waiting for a database connection",
            pool_waiting.clone(),
        );
        registry.register(
            "db_query_duration_seconds",
            "Time of each database query",
            pool.db_metrics().query_seconds.clone(),
        );
        let uploads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "uploads",
            "Media uploads, stored or refused",
            uploads.clone(),
        );
        let upload_bytes = Counter::default();
        registry.register(
            "upload_bytes",
            "Bytes of stored uploads",
            upload_bytes.clone(),
        );
        let login_failures = Counter::default();
        registry.register(
            "login_failures",
            "Failed logins: a wrong username or password, or a disabled user",
            login_failures.clone(),
        );
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429 by a rate limit",
            rate_limited.clone(),
        );
        let webhook_deliveries = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries kept, by status: pending (the queue), delivered, failed (all instances)",
            webhook_deliveries.clone(),
        );
        let webhook_oldest_pending = Gauge::default();
        registry.register(
            "webhook_oldest_pending_seconds",
            "Age of the oldest undelivered webhook delivery (0 when none waits)",
            webhook_oldest_pending.clone(),
        );
        Metrics {
            registry,
            pool: pool.clone(),
            requests,
            latency,
            in_flight,
            pool_connections,
            pool_max,
            pool_waiting,
            uploads,
            upload_bytes,
            login_failures,
            rate_limited,
            webhook_deliveries,
            webhook_oldest_pending,
        }
    }

    /// The webhook queue as the database holds it: deliveries by status,
    /// and the age in seconds of the oldest pending one.
    pub fn webhook_queue(&self, by_status: &[(String, i64)], oldest_pending_secs: i64) {
        for status in ["pending", "delivered", "failed"] {
            let n = by_status
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            self.webhook_deliveries
                .get_or_create(&StatusLabels {
                    status: status.to_string(),
                })
                .set(n);
        }
        self.webhook_oldest_pending.set(oldest_pending_secs);
    }

    /// Counts a request as in flight until the guard drops.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Counts an answered request. `route` is the template the request
    /// matched, or `None` for a request no route matched.
    pub fn observe(&self, method: &str, route: Option<String>, status: u16, started: Instant) {
        let method = method_label(method);
        let route = route.unwrap_or_else(|| "unmatched".to_string());
        let mut labels = RequestLabels {
            method,
            route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
        let route = RouteLabels {
            method,
            route: std::mem::take(&mut labels.route),
        };
        self.latency
            .get_or_create(&route)
            .observe(started.elapsed().as_secs_f64());
    }

    pub fn upload(&self, outcome: Upload, bytes: u64) {
        let outcome = match outcome {
            Upload::Stored => "stored",
            Upload::Refused => "refused",
        };
        self.uploads.get_or_create(&OutcomeLabels { outcome }).inc();
        if bytes > 0 {
            self.upload_bytes.inc_by(bytes);
        }
    }

    pub fn login_failed(&self) {
        self.login_failures.inc();
    }

    pub fn rate_limited(&self, limit: Limit) {
        let limit = match limit {
            Limit::Reads => "reads",
            Limit::Writes => "writes",
        };
        self.rate_limited
            .get_or_create(&LimitLabels { limit })
            .inc();
    }

    /// The metrics as Prometheus text, with the pool read now.
    pub fn render(&self) -> String {
        let state = self.pool.state();
        let idle = i64::from(state.idle_connections);
        let in_use = i64::from(state.connections) - idle;
        self.pool_connections
            .get_or_create(&StateLabels { state: "in_use" })
            .set(in_use);
        self.pool_connections
            .get_or_create(&StateLabels { state: "idle" })
            .set(idle);
        self.pool_max.set(i64::from(self.pool.max_size()));
        self.pool_waiting
            .set(self.pool.db_metrics().waiting.load(Ordering::Relaxed));
        let mut text = String::with_capacity(16 * 1024);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

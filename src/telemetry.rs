//! Logging set-up and the middleware that gives every request an id, a log
//! line, a `Server-Timing` header with its database work, and its place in
//! the [`Metrics`].

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::db::QueryStats;
use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Sets up logging once per process: `RUST_LOG` filters (default `info`);
/// `NASHR_LOG_FORMAT=json` writes one JSON object per line (with the
/// request's id, method and path on every line of a request) for log
/// collectors, anything else readable text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("NASHR_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// The id of the request being served, from `X-Request-Id` or made up.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// A client's request id is kept if it is short and plain; otherwise a new
/// one is made, so that ids are safe to log and to echo.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

pub async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let _in_flight = metrics.as_ref().map(|m| m.start());
    let id = request_id(&req);
    let method = req.method().clone();
    let path = req.path().to_owned();
    // HEAD is answered by the GET handler; actix drops the body itself.
    if method == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let stats = Arc::new(QueryStats::default());
    req.extensions_mut().insert(stats.clone());
    req.extensions_mut().insert(RequestId(id.clone()));

    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let mut res = next.call(req).instrument(span.clone()).await?;

    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    if let Some(metrics) = &metrics {
        let route = res.request().match_pattern();
        metrics.observe(method.as_str(), route, status, started);
    }
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, v);
    }
    let timing = format!(
        "db;dur={:.3};desc=\"queries={}\", app;dur={:.3}",
        stats.elapsed().as_secs_f64() * 1000.0,
        stats.queries(),
        elapsed.as_secs_f64() * 1000.0
    );
    if let Ok(v) = HeaderValue::from_str(&timing) {
        headers.insert(SERVER_TIMING, v);
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0,
            queries = stats.queries(),
            "served"
        )
    });
    Ok(res)
}

//! HTTP caching of public reads: validators, `Cache-Control` and
//! compression, in one middleware around the API.
//!
//! For a `GET` or `HEAD` without credentials answered `200`:
//!
//! - the body gets a strong `ETag`, a hash of its bytes (XXH3-128), so a
//!   representation that changes for any reason (a category renamed, a
//!   translation published, a scheduled post going live) gets a new one,
//!   on every instance alike; `If-None-Match` with it answers `304`. A
//!   single item keeps its revision in front (`"3.<hash>"`), so the public
//!   `ETag` also works in `If-Match`;
//! - `Last-Modified`, the last change of published content (any write, or
//!   a scheduled post going live), and `304` for `If-Modified-Since`;
//! - `Surrogate-Key` and `Cache-Tag` naming what the response shows
//!   (`posts post-12 author-3 category-5`), for purging a CDN by key;
//! - whole responses are kept in memory (`NASHR_RESPONSE_CACHE_MB`) for as
//!   long as the content version (bumped by database triggers on every
//!   write, see migration 000004) stays the same and no scheduled post has
//!   gone live, so a repeated read costs one query: the version check.
//!   The check runs on every request, so instances sharing a database
//!   never serve each other's stale copies;
//! - `Cache-Control: public, max-age=.., stale-while-revalidate=..`
//!   (`NASHR_CACHE_MAX_AGE`, `NASHR_CACHE_STALE_WHILE_REVALIDATE`);
//! - the body is compressed with brotli or gzip when the client accepts
//!   it, and the `ETag` of a compressed body names its coding
//!   (`"<hash>-br"`), as compressed bytes are another representation;
//!   `Vary: Accept-Encoding, Authorization`.
//!
//! Requests with credentials are `private, no-store` (see
//! [`crate::routes::principal::private_when_authorized`]) and keep the revision `ETag`s
//! editors use with `If-Match`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::domain;
use crate::error::ApiError;
use crate::repo;
use crate::repo::content_state::ContentState;
use crate::routes::Db;

/// Bodies smaller than this are sent as they are.
const COMPRESS_FROM: usize = 1024;

/// How public reads are cached: by clients and shared caches (`public`),
/// and here, whole responses until content changes (`responses`).
#[derive(Debug)]
pub struct CachePolicy {
    /// The `Cache-Control` value of public reads.
    pub public: HeaderValue,
    responses: ResponseCache,
}

impl CachePolicy {
    pub fn new(max_age: u32, stale_while_revalidate: u32, cache_bytes: usize) -> CachePolicy {
        let value =
            format!("public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}");
        CachePolicy {
            public: HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("no-cache")),
            responses: ResponseCache::new(cache_bytes),
        }
    }
}

/// Whole public responses of one content version, as sent (compressed or
/// not), so that a hit costs one query: the version check.
#[derive(Debug)]
struct ResponseCache {
    budget: usize,
    current: Mutex<Generation>,
    probe: Probe,
}

/// Checks of the content state, shared by requests: a request waits for
/// the first check that *starts* after it arrived (so it sees every write
/// committed before it came), and requests that arrive while a check runs
/// share the next one. Under load this makes one query serve many
/// requests; alone, a request runs its own.
#[derive(Debug, Default)]
struct Probe {
    state: Mutex<ProbeState>,
    done: tokio::sync::Notify,
}

/// What a request does next about the content state.
enum Step {
    /// Wait for the check that is running to finish.
    Wait,
    /// Run the check, for itself and whoever waits.
    RunForAll,
    /// The shared check failed: check alone.
    OwnCheck,
}

/// The check a request is running for others too.
struct Running<'a> {
    probe: &'a Probe,
    number: u64,
    found: Option<ContentState>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self.probe.lock();
        state.running = false;
        state.finished = Some((self.number, self.found));
        drop(state);
        self.probe.done.notify_waiters();
    }
}

#[derive(Debug, Default)]
struct ProbeState {
    /// Checks started so far; the one running, if any, is the last.
    started: u64,
    running: bool,
    /// The last finished check: its number and what it found (`None`
    /// when it failed, and each waiter then checks for itself).
    finished: Option<(u64, Option<ContentState>)>,
}

impl Probe {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProbeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn check(&self, db: &Db) -> Result<ContentState, ApiError> {
        let now = domain::now();
        // The first check that may serve this request.
        let mut wanted = {
            let state = self.lock();
            state.started + 1
        };
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            let step = {
                let mut state = self.lock();
                match state.finished {
                    Some((n, Some(found))) if n >= wanted => return Ok(found),
                    Some((n, None)) if n >= wanted => Step::OwnCheck,
                    _ if !state.running => {
                        state.running = true;
                        state.started += 1;
                        wanted = state.started;
                        Step::RunForAll
                    }
                    _ => Step::Wait,
                }
            };
            match step {
                Step::Wait => done.await,
                Step::OwnCheck => break,
                Step::RunForAll => {
                    // Finishes the check even if this request is dropped
                    // midway (its client went away): waiters then check
                    // for themselves.
                    let mut running = Running {
                        probe: self,
                        number: wanted,
                        found: None,
                    };
                    let found = db
                        .run(move |conn| Ok(repo::content_state::current(conn, now)?))
                        .await;
                    running.found = found.as_ref().ok().copied();
                    return found;
                }
            }
        }
        db.run(move |conn| Ok(repo::content_state::current(conn, now)?))
            .await
    }
}

/// What holds while content stays as it is.
#[derive(Debug, Default)]
struct Generation {
    version: i64,
    /// The next scheduled post goes live then, changing the content.
    until: Option<NaiveDateTime>,
    last_modified: Option<NaiveDateTime>,
    entries: HashMap<(String, Option<Coding>), Arc<Cached>>,
    bytes: usize,
}

/// Content as a request saw it: its version and last change.
type Stamp = (i64, NaiveDateTime);

impl Generation {
    fn is(&self, (version, last_modified): Stamp) -> bool {
        self.version == version && self.last_modified == Some(last_modified)
    }
}

/// A response as the cache keeps it.
#[derive(Debug)]
struct Cached {
    head: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    hash: String,
}

impl ResponseCache {
    fn new(budget: usize) -> ResponseCache {
        ResponseCache {
            budget,
            current: Mutex::new(Generation::default()),
            probe: Probe::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generation> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The content version and its last change, from the database (one
    /// query), starting a new generation when content changed.
    async fn validate(&self, db: &Db) -> Result<Stamp, ApiError> {
        let state = self.probe.check(db).await?;
        let now = domain::now();
        let last_modified = state
            .last_live
            .map_or(state.changed_at, |t| t.max(state.changed_at));
        let mut generation = self.lock();
        // A scheduled post that went live since is a change too.
        let stale = generation.version != state.version
            || generation.until.is_some_and(|t| t <= now)
            || generation.last_modified != Some(last_modified);
        if stale && generation.version <= state.version {
            *generation = Generation {
                version: state.version,
                until: state.next_live,
                last_modified: Some(last_modified),
                ..Generation::default()
            };
        }
        Ok((state.version, last_modified))
    }

    fn get(&self, stamp: Stamp, key: &(String, Option<Coding>)) -> Option<Arc<Cached>> {
        if self.budget == 0 {
            return None;
        }
        let generation = self.lock();
        generation
            .is(stamp)
            .then(|| generation.entries.get(key).cloned())
            .flatten()
    }

    /// Keeps `cached` if content is still as `stamp` says; when the budget
    /// is spent, the generation starts afresh.
    fn put(&self, stamp: Stamp, key: (String, Option<Coding>), cached: Cached) {
        let size = cached.body.len() + key.0.len() + 512;
        if self.budget == 0 || size > self.budget / 8 {
            return;
        }
        let mut generation = self.lock();
        if !generation.is(stamp) {
            return;
        }
        if generation.bytes + size > self.budget {
            generation.entries.clear();
            generation.bytes = 0;
        }
        generation.bytes += size;
        generation.entries.insert(key, Arc::new(cached));
    }
}

/// A content coding the server can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }

    /// The coding the client prefers among those it accepts (`q` > 0),
    /// brotli first on a tie.
    fn negotiate(headers: &HeaderMap) -> Option<Coding> {
        let mut best: Option<(Coding, f32)> = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let coding = match name.as_str() {
                    "br" => Coding::Brotli,
                    "gzip" | "x-gzip" => Coding::Gzip,
                    _ => continue,
                };
                if q <= 0.0 {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((b, bq)) => q > bq || (q == bq && coding == Coding::Brotli && b != coding),
                };
                if better {
                    best = Some((coding, q));
                }
            }
        }
        best.map(|(c, _)| c)
    }

    fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Brotli => {
                let mut out = Vec::with_capacity(bytes.len() / 4);
                {
                    let mut writer = brotli::CompressorWriter::new(&mut out, 16 * 1024, 5, 22);
                    writer.write_all(bytes)?;
                }
                Ok(out)
            }
            Coding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 4),
                    flate2::Compression::new(6),
                );
                encoder.write_all(bytes)?;
                encoder.finish()
            }
        }
    }
}

/// Whether the response to `req` is a public read this middleware handles.
fn is_public_read(req: &ServiceRequest) -> bool {
    let path = req.path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.headers().contains_key(header::AUTHORIZATION)
        && (path.starts_with("/api/")
            || path.starts_with("/feeds/")
            || path.starts_with("/sitemap")
            || path == "/openapi.json")
}

/// Whether `If-None-Match` names `tag` (any coding of it) or is `*`.
fn none_match(if_none_match: Option<&HeaderValue>, hash: &str) -> bool {
    let Some(Ok(value)) = if_none_match.map(|v| v.to_str()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|candidate| {
        let candidate = candidate.strip_prefix("W/").unwrap_or(candidate);
        let tag = candidate.trim_matches('"');
        let tag = tag.rsplit('.').next().unwrap_or(tag);
        candidate == "*" || tag.split('-').next().is_some_and(|h| h == hash)
    })
}

/// Whether the client's copy is current: `If-None-Match` names this
/// representation, or, without `If-None-Match`, `If-Modified-Since` is no
/// earlier than the last change (RFC 9110 §13.2.2).
fn not_modified(headers: &HeaderMap, hash: &str, last_modified: NaiveDateTime) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        return none_match(Some(tags), hash);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<header::HttpDate>().ok());
    since.is_some_and(|since| {
        let since: DateTime<Utc> = std::time::SystemTime::from(since).into();
        // HTTP dates have whole seconds.
        last_modified.and_utc().timestamp() <= since.timestamp()
    })
}

/// The middleware (see the module).
pub async fn public_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_public_read(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(policy) = req.app_data::<web::Data<CachePolicy>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let db = match Db::for_request(req.request()) {
        Ok(db) => db,
        Err(e) => return Ok(req.error_response(e)),
    };
    let stamp = match policy.responses.validate(&db).await {
        Ok(stamp) => stamp,
        Err(e) => return Ok(req.error_response(e)),
    };
    let coding = Coding::negotiate(req.headers());
    let key = (req.uri().to_string(), coding);
    let last_modified = stamp.1;
    if let Some(cached) = policy.responses.get(stamp, &key) {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(
            req.clone(),
            replay(&req, &cached, last_modified),
        ));
    }
    let res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let failed = HttpResponse::InternalServerError().finish();
            return Ok(ServiceResponse::new(req, failed));
        }
    };
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes));
    let coding = coding.filter(|_| bytes.len() >= COMPRESS_FROM);
    // A single item's revision stays in front, so that its public ETag
    // also works in `If-Match`.
    let revision = head
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"'))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .map(|v| format!("{v}."))
        .unwrap_or_default();
    let etag = match coding {
        Some(c) => format!("\"{revision}{hash}-{}\"", c.token()),
        None => format!("\"{revision}{hash}\""),
    };
    let headers = head.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    headers.insert(header::CACHE_CONTROL, policy.public.clone());
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(keys) = surrogate_keys(req.path(), &bytes) {
        headers.insert(
            HeaderName::from_static("cache-tag"),
            keys.replace(' ', ",").parse()?,
        );
        headers.insert(HeaderName::from_static("surrogate-key"), keys.parse()?);
    }
    let body = match coding.map(|c| (c, c.encode(&bytes))) {
        Some((c, Ok(encoded))) => {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(c.token()),
            );
            Bytes::from(encoded)
        }
        _ => bytes,
    };
    let cached = Cached {
        head: head
            .headers()
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        body,
        hash,
    };
    let res = replay(&req, &cached, last_modified);
    policy.responses.put(stamp, key, cached);
    Ok(ServiceResponse::new(req, res))
}

/// Longest `Surrogate-Key` list; beyond it only the collection is named,
/// which purges the response all the same.
const MAX_KEYS_LEN: usize = 8 * 1024;

/// The purge keys of a response: its collection (`posts`, `feeds`) and
/// `<kind>-<id>` for every item in it, embedded ones included
/// (`post-12 author-3 category-5 tag-9 media-40`), space-separated.
fn surrogate_keys(path: &str, body: &[u8]) -> Option<String> {
    let rest = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix('/'))?;
    let collection = rest.split(['/', '.']).next().filter(|c| !c.is_empty())?;
    let kind = match collection {
        "posts" => "post",
        "categories" => "category",
        "tags" => "tag",
        "authors" => "author",
        "editions" => "edition",
        "menus" => "menu",
        "media" => "media",
        // Feeds and sitemaps list posts.
        "feeds" | "sitemap" | "sitemaps" => return Some(format!("{collection} posts")),
        other => return Some(other.to_string()),
    };
    let mut keys = std::collections::BTreeSet::new();
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        match value.get("data") {
            Some(items) => collect_keys(items, kind, &mut keys),
            None => collect_keys(&value, kind, &mut keys),
        }
    }
    let mut out = collection.to_string();
    for key in keys {
        if out.len() + key.len() + 1 > MAX_KEYS_LEN {
            break;
        }
        out.push(' ');
        out.push_str(&key);
    }
    Some(out)
}

/// Adds `<kind>-<id>` for `value` and what it embeds.
fn collect_keys(
    value: &serde_json::Value,
    kind: &str,
    keys: &mut std::collections::BTreeSet<String>,
) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, kind, keys)),
        Value::Object(fields) => {
            if let Some(id) = fields.get("id").and_then(Value::as_i64) {
                keys.insert(format!("{kind}-{id}"));
            }
            for (name, v) in fields {
                let inner = match name.as_str() {
                    "author" => "author",
                    "categories" => "category",
                    "tags" => "tag",
                    "featured_media" | "media" | "avatar" => "media",
                    "gallery" => "gallery",
                    "translations" | "children" | "embedded" => kind,
                    _ => continue,
                };
                collect_keys(v, inner, keys);
            }
        }
        _ => {}
    }
}

/// The response for `req` from a kept one: `304` when the client's copy
/// is current.
fn replay(req: &HttpRequest, cached: &Cached, last_modified: NaiveDateTime) -> HttpResponse {
    let modified = header::HttpDate::from(std::time::SystemTime::from(last_modified.and_utc()));
    if not_modified(req.headers(), &cached.hash, last_modified) {
        let mut res = HttpResponse::NotModified();
        for (name, value) in &cached.head {
            if [header::ETAG, header::CACHE_CONTROL, header::VARY].contains(name)
                || name.as_str() == "surrogate-key"
                || name.as_str() == "cache-tag"
            {
                res.append_header((name.clone(), value.clone()));
            }
        }
        res.insert_header((header::LAST_MODIFIED, modified));
        return res.finish();
    }
    let mut res = HttpResponse::Ok();
    for (name, value) in &cached.head {
        res.append_header((name.clone(), value.clone()));
    }
    res.insert_header((header::LAST_MODIFIED, modified));
    res.body(cached.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;

    fn accepting(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("accept-encoding"),
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn codings_are_negotiated_by_quality() {
        assert_eq!(
            Coding::negotiate(&accepting("gzip, deflate, br")),
            Some(Coding::Brotli)
        );
        assert_eq!(
            Coding::negotiate(&accepting("gzip;q=1, br;q=0.5")),
            Some(Coding::Gzip)
        );
        assert_eq!(Coding::negotiate(&accepting("br;q=0, gzip;q=0")), None);
        assert_eq!(Coding::negotiate(&accepting("identity")), None);
        assert_eq!(Coding::negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn if_none_match_matches_any_coding_of_the_hash() {
        let tag = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(none_match(Some(&tag("\"abc\"")), "abc"));
        assert!(none_match(Some(&tag("\"x\", W/\"abc-br\"")), "abc"));
        assert!(none_match(Some(&tag("*")), "abc"));
        assert!(!none_match(Some(&tag("\"abcd\"")), "abc"));
        assert!(!none_match(None, "abc"));
        assert!(none_match(Some(&tag("\"3.abc-gzip\"")), "abc"));
    }
}

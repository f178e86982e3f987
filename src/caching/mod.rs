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
//! - `Surrogate-Key` and `Cache-Tag` naming what the response shows
//!   (`posts post-12 author-3 category-5`, see [`keys`]), for purging a
//!   CDN by key;
//! - `Last-Modified`, the last change that named one of those keys, and
//!   `304` for `If-Modified-Since`;
//! - whole responses are kept in memory (`NASHR_RESPONSE_CACHE_MB`) until
//!   a change in the change log names one of their keys, or a scheduled
//!   post they could show goes live ([`store`]), so a repeated read costs
//!   one query: where the log stands. The check runs on every request, so
//!   instances sharing a database never serve each other's stale copies;
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

mod coding;
mod keys;
mod probe;
mod store;

use std::sync::Arc;

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::routes::Db;
use coding::Coding;
use store::{Cached, ResponseCache, Stamp};

/// Bodies smaller than this are sent as they are.
const COMPRESS_FROM: usize = 1024;

/// How public reads are cached: by clients and shared caches (`public`),
/// and here, whole responses until a change names what they show
/// (`responses`).
#[derive(Debug)]
pub struct CachePolicy {
    /// The `Cache-Control` value of public reads.
    pub public: HeaderValue,
    responses: ResponseCache,
}

impl CachePolicy {
    /// `cache_bytes` for whole responses, `parts_bytes` for the parts
    /// they are built from ([`Parts`]).
    pub fn new(
        max_age: u32,
        stale_while_revalidate: u32,
        cache_bytes: usize,
        parts_bytes: usize,
    ) -> CachePolicy {
        let value =
            format!("public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}");
        CachePolicy {
            public: HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("no-cache")),
            responses: ResponseCache::new(cache_bytes, parts_bytes),
        }
    }
}

/// The parts public responses are built from (a post's public view with
/// what it embeds), kept across responses until a change names what they
/// show, so that a response built anew (another page, another filter, a
/// response dropped by an unrelated change) reuses them. Only for public
/// reads, which this middleware has brought up to the change log first.
#[derive(Clone)]
pub struct Parts {
    policy: web::Data<CachePolicy>,
    stamp: Stamp,
}

impl Parts {
    /// The parts for `req`, if it is a public read and parts are kept.
    pub fn for_request(req: &HttpRequest) -> Option<Parts> {
        let stamp = *req.extensions().get::<Stamp>()?;
        let policy = req.app_data::<web::Data<CachePolicy>>()?.clone();
        policy
            .responses
            .keeps_parts()
            .then_some(Parts { policy, stamp })
    }

    pub fn get<T: std::any::Any + Send + Sync>(
        &self,
        kind: &'static str,
        id: i64,
    ) -> Option<Arc<T>> {
        self.policy.responses.part((kind, id))
    }

    /// Keeps `value` until a change names one of `keys`; `size` is about
    /// what it holds, in bytes.
    pub fn put<T: std::any::Any + Send + Sync>(
        &self,
        kind: &'static str,
        id: i64,
        value: Arc<T>,
        keys: std::collections::BTreeSet<String>,
        size: usize,
    ) {
        self.policy
            .responses
            .put_part(self.stamp, (kind, id), value, keys, size);
    }
}

/// What a response shows, named by the handler that built it from kept
/// parts that know their keys (see [`item_keys`]), so that the body need
/// not be read for them: the same keys reading the body finds (debug
/// builds, which run the tests, check that they are).
#[derive(Debug, Clone)]
pub struct Named {
    /// A list of its collection, rather than one item.
    pub list: bool,
    pub items: std::collections::BTreeSet<String>,
}

/// The keys an item of `kind` (`post`) names, from its JSON: what a
/// response that shows it names for it.
pub fn item_keys(kind: &str, json: &[u8]) -> std::collections::BTreeSet<String> {
    keys::of_item(kind, json)
}

/// Whether the response to `req` is a public read this middleware handles.
fn is_public_read(req: &ServiceRequest) -> bool {
    let path = req.path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !crate::routes::principal::carries_credentials(req)
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
    req.extensions_mut().insert(stamp);
    let coding = Coding::negotiate(req.headers());
    let key = (req.uri().to_string(), coding);
    let building = match policy.responses.get_or_wait(&key).await {
        Ok(cached) => {
            let (req, _) = req.into_parts();
            return Ok(ServiceResponse::new(req.clone(), replay(&req, &cached)));
        }
        Err(building) => building,
    };
    let res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let named = head.extensions_mut().remove::<Named>();
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
    let keys = match named {
        Some(named) => {
            let keys = keys::of_named(req.path(), named.list, named.items);
            debug_assert_eq!(
                keys,
                keys::of_response(req.path(), &bytes),
                "{}",
                req.path()
            );
            keys
        }
        None => keys::of_response(req.path(), &bytes),
    }
    .map(|mut keys| {
        keys.note_order(req.query_string());
        keys
    })
    .unwrap_or_else(keys::Keys::everything);
    let names = keys.header();
    headers.insert(
        HeaderName::from_static("cache-tag"),
        names.replace(' ', ",").parse()?,
    );
    headers.insert(HeaderName::from_static("surrogate-key"), names.parse()?);
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
    let cached = Arc::new(Cached {
        head: head
            .headers()
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        body,
        hash,
        last_modified: policy.responses.last_modified(&keys),
        keys,
    });
    let res = replay(&req, &cached);
    policy.responses.put(stamp, key, cached);
    // Those waiting for it take it now.
    drop(building);
    Ok(ServiceResponse::new(req, res))
}

/// The response for `req` from a kept one: `304` when the client's copy
/// is current.
fn replay(req: &HttpRequest, cached: &Cached) -> HttpResponse {
    let last_modified = cached.last_modified;
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

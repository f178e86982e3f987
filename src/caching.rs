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
//! - `Cache-Control: public, max-age=.., stale-while-revalidate=..`
//!   (`NASHR_CACHE_MAX_AGE`, `NASHR_CACHE_STALE_WHILE_REVALIDATE`);
//! - the body is compressed with brotli or gzip when the client accepts
//!   it, and the `ETag` of a compressed body names its coding
//!   (`"<hash>-br"`), as compressed bytes are another representation;
//!   `Vary: Accept-Encoding, Authorization`.
//!
//! Requests with credentials are `private, no-store` (see
//! [`crate::auth::private_when_authorized`]) and keep the revision `ETag`s
//! editors use with `If-Match`.

use std::io::Write;

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// Bodies smaller than this are sent as they are.
const COMPRESS_FROM: usize = 1024;

/// How long shared caches and browsers may keep public reads.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    /// The `Cache-Control` value of public reads.
    pub public: HeaderValue,
}

impl CachePolicy {
    pub fn new(max_age: u32, stale_while_revalidate: u32) -> CachePolicy {
        let value =
            format!("public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}");
        CachePolicy {
            public: HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("no-cache")),
        }
    }
}

/// A content coding the server can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The middleware (see the module).
pub async fn public_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_public_read(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let policy = req
        .app_data::<web::Data<CachePolicy>>()
        .map(|p| p.public.clone())
        .unwrap_or(HeaderValue::from_static("no-cache"));
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let coding = Coding::negotiate(req.headers());
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
    headers.insert(header::CACHE_CONTROL, policy);
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if none_match(if_none_match.as_ref(), &hash) {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL, header::LAST_MODIFIED] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.insert_header((name, value.clone()));
            }
        }
        for vary in head.headers().get_all(header::VARY) {
            not_modified.append_header((header::VARY, vary.clone()));
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    let body = match coding {
        Some(c) => match c.encode(&bytes) {
            Ok(encoded) => {
                head.headers_mut().insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static(c.token()),
                );
                encoded
            }
            Err(_) => bytes.to_vec(),
        },
        None => bytes.to_vec(),
    };
    let res = head.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(req, res))
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

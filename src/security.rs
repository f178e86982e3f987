//! What every response says about how a browser may use it: security
//! headers, and CORS for the frontends in `NASHR_CORS_ORIGINS`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::error::ApiError;

/// The request headers a browser may send cross-origin.
const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-Match, If-None-Match, If-Modified-Since, X-Request-Id";
/// The response headers a cross-origin script may read.
const EXPOSE_HEADERS: &str = "ETag, Last-Modified, Link, Location, X-Total-Count, X-Request-Id, \
     Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, \
     Server-Timing";
const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";
/// Seconds a browser may keep a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "3600";

/// JSON, feeds and media: nothing in them may run or be framed.
const CSP_API: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";
/// Swagger UI at `/docs`: its own scripts and styles, nothing from elsewhere.
const CSP_DOCS: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// The configured browser policy.
#[derive(Debug, Clone)]
pub struct BrowserPolicy {
    origins: Origins,
    /// Sent only when the public URL is `https://`.
    hsts: bool,
}

#[derive(Debug, Clone)]
enum Origins {
    Any,
    Listed(Vec<String>),
}

impl BrowserPolicy {
    /// `origins` as configured: comma-separated origins or `*`;
    /// `public_url` is where clients reach this server.
    pub fn new(origins: &str, public_url: &str) -> Result<BrowserPolicy, String> {
        let list: Vec<&str> = origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        let origins = if list.contains(&"*") {
            Origins::Any
        } else {
            let mut parsed = Vec::new();
            for origin in list {
                let origin = origin.trim_end_matches('/');
                let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                    && !origin
                        .split_once("://")
                        .is_some_and(|(_, rest)| rest.is_empty() || rest.contains('/'));
                if !valid {
                    return Err(format!(
                        "NASHR_CORS_ORIGINS: `{origin}` is not an origin like https://www.example.org"
                    ));
                }
                parsed.push(origin.to_ascii_lowercase());
            }
            Origins::Listed(parsed)
        };
        Ok(BrowserPolicy {
            origins,
            hsts: public_url.starts_with("https://"),
        })
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`,
    /// if it is allowed.
    fn allow(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        match &self.origins {
            Origins::Any => Some(HeaderValue::from_static("*")),
            Origins::Listed(list) => {
                let given = origin.to_str().ok()?.to_ascii_lowercase();
                list.contains(&given).then(|| origin.clone())
            }
        }
    }

    fn varies_by_origin(&self) -> bool {
        matches!(self.origins, Origins::Listed(_))
    }
}

/// Answers CORS preflights, and adds the CORS and security headers to
/// every response.
pub async fn browser_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(policy) = req.app_data::<web::Data<BrowserPolicy>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed = policy.allow(origin.as_ref());
    let docs = req.path().starts_with("/docs");
    let preflight = req.method() == Method::OPTIONS
        && origin.is_some()
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let response = match &allowed {
            Some(allow) => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allow.clone()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE))
                .finish(),
            None => actix_web::ResponseError::error_response(&ApiError::Forbidden(
                "this origin is not allowed to call the API from a browser (NASHR_CORS_ORIGINS)"
                    .into(),
            )),
        };
        req.into_response(response)
    } else {
        let mut res = next.call(req).await?.map_into_boxed_body();
        if let Some(allow) = allowed {
            let headers = res.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
        res
    };
    let headers = res.headers_mut();
    if policy.varies_by_origin() {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    security_headers(headers, docs, policy.hsts);
    Ok(res)
}

fn security_headers(headers: &mut HeaderMap, docs: bool, hsts: bool) {
    let csp = if docs { CSP_DOCS } else { CSP_API };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_origins_match_exactly_and_bad_ones_are_refused() {
        let policy = BrowserPolicy::new(
            "https://www.example.org, http://localhost:3000/",
            "http://x",
        )
        .unwrap();
        let ok = HeaderValue::from_static("https://www.example.org");
        assert_eq!(policy.allow(Some(&ok)), Some(ok.clone()));
        let local = HeaderValue::from_static("http://localhost:3000");
        assert!(policy.allow(Some(&local)).is_some());
        for other in [
            "https://www.example.org.evil.test",
            "https://example.org",
            "null",
        ] {
            assert_eq!(policy.allow(Some(&HeaderValue::from_static(other))), None);
        }
        assert!(BrowserPolicy::new("www.example.org", "http://x").is_err());
        assert!(BrowserPolicy::new("https://a.example/path", "http://x").is_err());
        let any = BrowserPolicy::new("*", "https://api.example").unwrap();
        assert_eq!(any.allow(Some(&ok)), Some(HeaderValue::from_static("*")));
        assert!(any.hsts);
    }
}

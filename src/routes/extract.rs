//! Extractors shared by the handlers: the database handle and strict query
//! parameters, plus the error handlers that keep actix's own extractors
//! answering problem documents.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::db::{Conn, Pool, QueryStats};
use crate::error::{ApiError, FieldError};

/// The database, for one request: runs diesel (which blocks) on the
/// blocking thread pool and counts the request's queries.
pub struct Db {
    pool: Pool,
    stats: Option<Arc<QueryStats>>,
}

impl Db {
    /// The database handle of a request, outside an extractor.
    pub fn for_request(req: &HttpRequest) -> Result<Db, ApiError> {
        req.app_data::<web::Data<Pool>>()
            .map(|pool| Db {
                pool: pool.get_ref().clone(),
                stats: req.extensions().get::<Arc<QueryStats>>().cloned(),
            })
            .ok_or_else(|| ApiError::internal("the database pool is not configured"))
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let stats = self.stats.clone();
        web::block(move || pool.run_counted(stats.as_deref(), f)).await?
    }
}

impl FromRequest for Db {
    type Error = ApiError;
    type Future = Ready<Result<Db, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Db::for_request(req))
    }
}

/// Query parameters parsed strictly: an unknown or repeated parameter, or a
/// bad value, is a 400 that names the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<ApiQuery<T>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// For operations without query parameters: any parameter is a 400.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        query_error(&path, &e.inner().to_string())
    })
}

/// Turns serde's words into a problem that names the parameter.
fn query_error(path: &str, message: &str) -> ApiError {
    let quoted = message.split('`').nth(1).unwrap_or_default().to_string();
    if message.starts_with("unknown field") {
        let known = message
            .split_once("expected ")
            .map(|(_, rest)| format!("; expected {rest}"))
            .unwrap_or_default();
        return ApiError::query(
            quoted,
            format!("is not a parameter of this operation{known}"),
        );
    }
    if message.starts_with("duplicate field") {
        return ApiError::query(
            quoted,
            "is given more than once; separate several values with commas",
        );
    }
    if message.starts_with("missing field") {
        return ApiError::query(quoted, "is required");
    }
    let param = if path.is_empty() || path == "." {
        "query".to_string()
    } else {
        path.to_string()
    };
    let reason = if message.contains("digit")
        || message.contains("integer")
        || message.contains("number too large")
    {
        "must be a whole number".to_string()
    } else if message.contains("`true` or `false`") {
        "must be true or false".to_string()
    } else if let Some((_, expected)) = message.split_once("expected one of ") {
        format!("must be one of {expected}")
    } else {
        message.to_string()
    };
    ApiError::query(param, reason)
}

/// A JSON body parsed strictly: not JSON is a 415, too large a 413, not
/// well-formed a 400, and missing, unknown or mistyped fields a 422 that
/// names every one of them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(ApiJson) })
    }
}

/// A JSON body as [`ApiJson`] takes it, except that mistyped and unknown
/// fields are set aside (as if absent) and named in `.1`, for the handler
/// to report with its own checks: one 422 then names every bad field,
/// whether its type or its value is wrong.
pub struct ApiJsonChecked<T>(pub T, pub Vec<FieldError>);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJsonChecked<T> {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move {
            let (value, invalid) = parse_json_leniently(&body.await?)?;
            Ok(ApiJsonChecked(value, invalid))
        })
    }
}

/// The body of a request that says it is JSON.
fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl std::future::Future<Output = Result<web::Bytes, ApiError>> {
    let is_json = req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    });
    let body = web::Bytes::from_request(req, payload);
    async move {
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be JSON, sent with `Content-Type: application/json`".into(),
            ));
        }
        body.await
            .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                Some(actix_web::error::PayloadError::Overflow) => {
                    ApiError::PayloadTooLarge("the body is larger than this operation takes".into())
                }
                _ => ApiError::BadRequest(format!("the body could not be read: {e}")),
            })
    }
}

/// `bytes` as a `T`; every missing, unknown or mistyped field is named in
/// one 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match parse_json_leniently(bytes)? {
        (value, invalid) if invalid.is_empty() => Ok(value),
        (_, invalid) => Err(ApiError::Unprocessable(invalid)),
    }
}

/// How many bad fields one body may have named.
const MAX_FIELD_ERRORS: usize = 64;

/// `bytes` as a `T`, with each unknown or mistyped field of the top-level
/// object set aside and named. A missing required field (which nothing
/// can stand in for) is a 422 naming it with those found before.
fn parse_json_leniently<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<(T, Vec<FieldError>), ApiError> {
    use serde_json::error::Category;
    if escapes_nul(bytes) {
        // PostgreSQL cannot store NUL in text; refused alike on SQLite.
        return Err(ApiError::BadRequest(
            "the body contains a NUL character (\\u0000), which no text may hold".into(),
        ));
    }
    // Every body is an object: serde would take a struct from an array
    // too (`[null, null]`), which no client means.
    let opening = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if opening.is_some_and(|&b| b != b'{')
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    {
        return Err(ApiError::Unprocessable(vec![FieldError {
            field: "body".into(),
            message: "must be a JSON object".into(),
        }]));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = match serde_path_to_error::deserialize(de) {
        Ok(value) => return Ok((value, Vec::new())),
        Err(e) => e,
    };
    match first.inner().classify() {
        Category::Data => {}
        Category::Eof if bytes.iter().all(u8::is_ascii_whitespace) => {
            return Err(ApiError::BadRequest(
                "the body is empty; send a JSON object".into(),
            ))
        }
        _ => {
            return Err(ApiError::BadRequest(format!(
                "the body is not valid JSON: {}",
                first.into_inner()
            )))
        }
    }
    let mut invalid = vec![field_error(first)];
    // Well-formed JSON with bad fields: set each aside and look again.
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(bytes) else {
        return Err(ApiError::Unprocessable(invalid));
    };
    loop {
        let last = invalid.last().expect("one at least");
        let top = last.field.split(['.', '[']).next().unwrap_or_default();
        if last.message == "is required" || object.remove(top).is_none() {
            return Err(ApiError::Unprocessable(invalid));
        }
        match serde_path_to_error::deserialize(serde_json::Value::Object(object.clone())) {
            Ok(value) => return Ok((value, invalid)),
            Err(e) if invalid.len() < MAX_FIELD_ERRORS => {
                let next = field_error(e);
                // A field set aside for its type is not missing as well.
                if invalid.iter().any(|f| f.field == next.field) {
                    return Err(ApiError::Unprocessable(invalid));
                }
                invalid.push(next);
            }
            Err(_) => return Err(ApiError::Unprocessable(invalid)),
        }
    }
}

/// The field a deserialisation error is about, and what is wrong with it,
/// in words.
fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    let quoted = message.split('`').nth(1).unwrap_or_default();
    let field = if path == "." || path.is_empty() {
        quoted.to_string()
    } else {
        path
    };
    let message = if message.starts_with("missing field") {
        "is required".to_string()
    } else if message.starts_with("unknown field") {
        message
            .split_once(", expected ")
            .map(|(_, known)| format!("is not a field here; expected {known}"))
            .unwrap_or_else(|| "is not a field here".into())
    } else if message.contains("premature end of input")
        || message.contains("input contains invalid characters")
        || message.contains("input is out of range")
        || message.contains("trailing input")
    {
        // chrono's words for a time it cannot read.
        "must be a time in RFC 3339 form, such as 2026-12-07T09:30:00Z".to_string()
    } else {
        message.to_string()
    };
    FieldError { field, message }
}

/// `If-Match`: the versions a write may replace. Absent, any version may
/// be replaced; present, a write to any other version is a 412.
pub use crate::content::precondition::{etag, IfMatch};

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let values: Vec<String> = req
            .headers()
            .get_all(actix_web::http::header::IF_MATCH)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let present = req
            .headers()
            .contains_key(actix_web::http::header::IF_MATCH);
        if present && values.is_empty() {
            // Present but naming nothing is malformed, not a stale version.
            return ready(Err(ApiError::BadRequest(
                "If-Match is empty: send the ETag you read, or *".into(),
            )));
        }
        ready(Ok(IfMatch(present.then_some(values))))
    }
}

/// A path segment that does not parse: ids are the only numeric segments.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(error = %err, "bad path parameter");
    // `PATCH /users/me` reaches `/users/{id}`; `/users/me` itself only reads.
    let literal = req
        .app_data::<web::Data<crate::routes::RouteTable>>()
        .and_then(|routes| routes.literal_methods(req.path()));
    if let Some(allow) = literal {
        return ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
        }
        .into();
    }
    let message = err.to_string();
    if message.contains("i64") {
        ApiError::path("id", "must be a whole number").into()
    } else {
        ApiError::path("path", "is not valid UTF-8 text").into()
    }
}

pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => {
            ApiError::UnsupportedMediaType("the body must be application/json".into()).into()
        }
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes")).into()
        }
        other => ApiError::BadRequest(format!("the JSON body is not valid: {other}")).into(),
    }
}

pub fn query_config_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        page: Option<u32>,
        flag: Option<bool>,
    }

    fn field_of(e: ApiError) -> (String, String) {
        match e {
            ApiError::BadParameter { param, message, .. } => (param, message),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_parameter() {
        let (p, m) = field_of(parse_query::<Q>("page=abc").unwrap_err());
        assert_eq!((p.as_str(), m.as_str()), ("page", "must be a whole number"));
        let (p, _) = field_of(parse_query::<Q>("nope=1").unwrap_err());
        assert_eq!(p, "nope");
        let (p, m) = field_of(parse_query::<Q>("page=1&page=2").unwrap_err());
        assert_eq!(p, "page");
        assert!(m.contains("more than once"));
        let (p, m) = field_of(parse_query::<Q>("flag=yes").unwrap_err());
        assert_eq!((p.as_str(), m.as_str()), ("flag", "must be true or false"));
    }

    #[test]
    fn percent_encoded_values_are_decoded() {
        let q: Q = parse_query("page=%33").unwrap();
        assert_eq!(q.page, Some(3));
    }
}

/// Whether JSON text holds the escape `\u0000` (and not the six
/// characters `\\u0000`, an escaped backslash before `u0000`).
fn escapes_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).enumerate().any(|(at, w)| {
        w == b"\\u0000"
            && bytes[..at]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count()
                % 2
                == 0
    })
}

/// Refuses an address with a NUL character (`%00`) in its path or query
/// before any handler sees it: no text may hold one.
pub async fn refuse_nul(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    // `%00` has no letters: no case to fold, nothing to allocate.
    let nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    let message = "may not contain a NUL character (%00): no text may hold one";
    let query = req.query_string();
    let error = if nul(req.path()) {
        Some(ApiError::BadRequest(format!("the path {message}")))
    } else if nul(query) {
        let param = query
            .split('&')
            .find(|pair| nul(pair))
            .and_then(|pair| pair.split('=').next())
            .map(|name| {
                form_urlencoded::parse(name.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .next()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        Some(ApiError::query(param, message))
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(req.error_response(error));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod nul_tests {
    use super::escapes_nul;

    #[test]
    fn only_a_real_nul_escape_counts() {
        assert!(escapes_nul(br#"{"a":"x\u0000y"}"#));
        assert!(escapes_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!escapes_nul(br#"{"a":"\\u0000"}"#));
        assert!(!escapes_nul(br#"{"a":"u0000"}"#));
    }
}

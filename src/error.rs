//! One error type for the HTTP layer, answered as `application/problem+json`
//! (RFC 9457). 5xx answers are generic; their cause goes to the log.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::content::error::{FieldError, FieldErrors, WriteError};

/// One invalid field or parameter.
#[derive(ToSchema)]
#[schema(as = FieldError)]
#[allow(dead_code)]
pub struct FieldErrorSchema {
    /// The field or query parameter at fault.
    field: String,
    /// What is wrong with it.
    message: String,
}

impl From<crate::media::files::FilesError> for ApiError {
    fn from(e: crate::media::files::FilesError) -> Self {
        match e {
            crate::media::files::FilesError::Db(e) => e.into(),
            store => ApiError::Unavailable(store.to_string()),
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Invalid(errors) => ApiError::Unprocessable(errors),
            WriteError::Forbidden(m) => ApiError::Forbidden(m),
            WriteError::NotFound(m) => ApiError::NotFound(m),
            WriteError::Conflict(m) => ApiError::Conflict(m),
            WriteError::Stale(m) => ApiError::PreconditionFailed(m),
            WriteError::Limited {
                message,
                retry_after,
            } => ApiError::TooManyRequests {
                message,
                retry_after,
            },
            WriteError::Db(e) => e.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Bad Request", "status": 400,
    "detail": "invalid query parameter `per_page`: must be a whole number from 1 to 100",
    "errors": [{"field": "per_page", "message": "must be a whole number from 1 to 100"}]
}))]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status code's reason phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong, for a human.
    pub detail: String,
    /// One entry per invalid field or parameter, when that is the problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query or path parameter is unknown, repeated or has a bad value.
    #[error("invalid {location} parameter `{param}`: {message}")]
    BadParameter {
        location: &'static str,
        param: String,
        message: String,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// A parameter is well formed but names an edition, category, tag or
    /// author that does not exist: a 404 that names the parameter.
    #[error("{message}")]
    NoSuch { param: String, message: String },
    /// No credentials, or credentials that are not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the power to do this.
    #[error("{0}")]
    Forbidden(String),
    /// `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("{method} is not allowed here; allowed: {}", allow.join(", "))]
    MethodNotAllowed { method: String, allow: Vec<String> },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{} invalid", crate::content::error::fields_phrase(.0.len()))]
    Unprocessable(Vec<FieldError>),
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a failure of something below: logged with its whole chain
    /// of causes, answered with a generic body.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn query(param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            location: "query",
            param: param.into(),
            message: message.into(),
        }
    }

    pub fn path(param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            location: "path",
            param: param.into(),
            message: message.into(),
        }
    }

    pub fn no_such(param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::NoSuch {
            param: param.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// One line for a terminal: the invalid fields, or the detail.
    pub fn summary(&self) -> String {
        let problem = self.problem();
        let fields: Vec<String> = problem
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        if fields.is_empty() {
            problem.detail
        } else {
            fields.join("; ")
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            ApiError::BadParameter { param, message, .. } | ApiError::NoSuch { param, message } => {
                (
                    self.to_string(),
                    vec![FieldError {
                        field: param.clone(),
                        message: message.clone(),
                    }],
                )
            }
            ApiError::Unprocessable(errors) => (self.to_string(), errors.clone()),
            ApiError::Internal(_) => (
                "The server met an unexpected condition; it has been logged.".to_string(),
                vec![],
            ),
            _ => (self.to_string(), vec![]),
        };
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NoSuch { .. } => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(cause = %causes(cause.as_ref()), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"nashr\""));
            }
            _ => {}
        }
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ApiError::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                unique_violation(info.constraint_name(), info.message())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::Conflict("the change conflicts with resources that refer to it".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::Unavailable("the database connection was lost; try again".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Unavailable("the change collided with another one; try again".into())
            }
            DieselError::DatabaseError(_, ref info) if transient(info.message()) => {
                tracing::warn!(error = %info.message(), "database busy or unreachable");
                ApiError::Unavailable("the database is busy or unreachable; try again".into())
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

/// An error and every cause below it, outermost first: `a: b: c`.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether a database error is about the database's state rather than the
/// request: it is down or restarting, a statement ran past
/// `NASHR_DB_STATEMENT_TIMEOUT`, a deadlock was broken, or SQLite stayed
/// locked past its busy timeout. Retrying later can succeed: a 503.
fn transient(message: &str) -> bool {
    const SIGNS: [&str; 11] = [
        "server closed the connection",
        "terminating connection",
        "could not receive data",
        "could not send data",
        "no connection to the server",
        "connection to server",
        "the database system is",
        "canceling statement due to",
        "deadlock detected",
        "database is locked",
        "database table is locked",
    ];
    SIGNS.iter().any(|sign| message.contains(sign))
}

/// A unique constraint that failed, as the field a client can fix (see
/// [`crate::db::constraints`]); a 409 when no field can fix it.
fn unique_violation(constraint: Option<&str>, message: &str) -> ApiError {
    match crate::db::constraints::unique_violated(constraint, message) {
        Some(crate::db::constraints::Unique {
            field: Some((field, message)),
            ..
        }) => ApiError::Unprocessable(vec![FieldError {
            field: (*field).into(),
            message: (*message).into(),
        }]),
        found => {
            if found.is_none() {
                tracing::warn!(
                    constraint,
                    message,
                    "a unique constraint missing from db::constraints"
                );
            }
            ApiError::Conflict("a resource with these values already exists".into())
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::Unavailable("the database is not available; try again shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

/// Problem responses shared by the operations in the OpenAPI document.
pub mod responses {
    use super::Problem;
    use utoipa::IntoResponses;

    /// A query or path parameter is unknown, repeated or has a bad value.
    #[derive(IntoResponses)]
    #[response(status = 400, content_type = "application/problem+json")]
    pub struct BadRequest(pub Problem);

    /// No token, or one that is malformed, forged, expired, revoked, or
    /// belongs to a disabled user.
    #[derive(IntoResponses)]
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"nashr\"`"))
    )]
    pub struct Unauthorized(pub Problem);

    /// The token's role or scopes do not allow this.
    #[derive(IntoResponses)]
    #[response(status = 403, content_type = "application/problem+json")]
    pub struct Forbidden(pub Problem);

    /// The change conflicts with the current state (a slug in use, an item
    /// still referred to).
    #[derive(IntoResponses)]
    #[response(status = 409, content_type = "application/problem+json")]
    pub struct Conflict(pub Problem);

    /// `If-Match` names a version that is no longer current; nothing changed.
    #[derive(IntoResponses)]
    #[response(status = 412, content_type = "application/problem+json")]
    pub struct PreconditionFailed(pub Problem);

    /// The body is larger than this operation takes.
    #[derive(IntoResponses)]
    #[response(status = 413, content_type = "application/problem+json")]
    pub struct PayloadTooLarge(pub Problem);

    /// The body is not `application/json`.
    #[derive(IntoResponses)]
    #[response(status = 415, content_type = "application/problem+json")]
    pub struct UnsupportedMediaType(pub Problem);

    /// Fields are missing or invalid: one entry per field in `errors`.
    #[derive(IntoResponses)]
    #[response(status = 422, content_type = "application/problem+json")]
    pub struct Unprocessable(pub Problem);

    /// Too many attempts; retry after `Retry-After` seconds.
    #[derive(IntoResponses)]
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
    )]
    pub struct TooManyRequests(pub Problem);

    /// No such resource, or it is not public; or a parameter names an
    /// edition, category, tag or author that does not exist (the problem's
    /// `errors` then name the parameter).
    #[derive(IntoResponses)]
    #[response(status = 404, content_type = "application/problem+json")]
    pub struct NotFound(pub Problem);

    /// The database is unreachable; retry after the `Retry-After` seconds.
    #[derive(IntoResponses)]
    #[response(
        status = 503,
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
    )]
    pub struct Unavailable(pub Problem);
}

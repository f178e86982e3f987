//! The HTTP side of [`crate::auth`]: the extractors that turn an
//! `Authorization: Bearer ...` header into a [`Principal`] (or a 401), the
//! scope checks handlers make (403), and the middleware that keeps what a
//! token sees out of shared caches.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::jwt::JwtKeys;
use crate::auth::{tokens, Principal};
use crate::domain::access::{Scope, Scopes};
use crate::domain::{self, Role};
use crate::error::ApiError;
use crate::repo;
use crate::routes::Db;

impl Principal {
    /// Refuses with 403 unless the request may use `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(scope) {
            return Ok(());
        }
        let why = if self.token_id.is_some() && self.role.scopes().contains(scope) {
            "this token was not given it"
        } else {
            "the role does not include it"
        };
        Err(ApiError::Forbidden(format!(
            "this needs the `{scope}` scope; {why} (role: {})",
            self.role
        )))
    }

    /// Refuses with 403 unless the request was made with a login token (a
    /// password was typed for it), not a script token.
    pub fn require_login(&self, what: &str) -> Result<(), ApiError> {
        if self.token_id.is_none() {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "{what} needs a login token (POST /auth/token), not a script token"
        )))
    }
}

fn unauthorized(why: &str) -> ApiError {
    ApiError::Unauthorized(why.to_string())
}

/// The token of an `Authorization: Bearer <token>` header, if it is one.
/// The scheme's name is case-insensitive (RFC 9110, section 11.1).
pub fn bearer(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Resolves the request's credentials; `None` when it carries none.
pub async fn authenticate(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = bearer(value)
        .ok_or_else(|| unauthorized("send the token as `Authorization: Bearer <token>`"))?
        .to_string();
    let db = Db::for_request(req)?;
    if tokens::looks_like_script_token(&token) {
        let hash = tokens::hash(&token);
        return db
            .run(move |conn| {
                let now = domain::now();
                let (token, user) = repo::tokens::find_by_hash(conn, &hash)?
                    .ok_or_else(|| unauthorized("the token is not valid"))?;
                if token.revoked_at.is_some() {
                    return Err(unauthorized("the token has been revoked"));
                }
                if token.expires_at.is_some_and(|t| t <= now) {
                    return Err(unauthorized("the token has expired"));
                }
                if user.disabled {
                    return Err(unauthorized("the token's user is disabled"));
                }
                // Kept to the minute, so busy scripts do not write on every request.
                if token
                    .last_used_at
                    .is_none_or(|t| now - t > chrono::Duration::seconds(60))
                {
                    repo::tokens::touch(conn, token.id, now)?;
                }
                let role: Role = user.role.parse().map_err(ApiError::internal)?;
                Ok(Some(Principal {
                    user_id: user.id,
                    username: user.username,
                    scopes: Scopes::parse_stored(&token.scopes).intersect(&role.scopes()),
                    role,
                    token_id: Some(token.id),
                    session: None,
                }))
            })
            .await;
    }
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal("the JWT keys are not configured"))?;
    let claims = keys.verify(&token).map_err(unauthorized)?;
    let id: i64 = claims
        .sub
        .parse()
        .map_err(|_| unauthorized("the token's subject is not a user"))?;
    db.run(move |conn| {
        let user = repo::users::find_user(conn, id)?
            .ok_or_else(|| unauthorized("the token's user no longer exists"))?;
        if user.disabled {
            return Err(unauthorized("the user is disabled"));
        }
        if claims.ver != user.session_version
            && user.kept_session.as_deref() != Some(claims.jti.as_str())
        {
            return Err(unauthorized(
                "the token was ended by a password change or a disabled account; log in again",
            ));
        }
        let role: Role = user.role.parse().map_err(ApiError::internal)?;
        Ok(Some(Principal {
            user_id: user.id,
            username: user.username,
            scopes: role.scopes(),
            role,
            token_id: None,
            session: Some(claims.jti),
        }))
    })
    .await
}

type Authenticating<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// A request that must carry valid credentials (401 otherwise).
impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Authenticating<Principal>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(&req)
                .await?
                .ok_or_else(|| unauthorized("this needs a token: `Authorization: Bearer <token>`"))
        })
    }
}

/// Whoever is asking, if they sent credentials; bad credentials are still a
/// 401, never a quiet downgrade to the public view.
pub struct Viewer(pub Option<Principal>);

impl Viewer {
    /// The principal, if it may see what the public cannot.
    pub fn reader(&self) -> Option<&Principal> {
        self.0.as_ref().filter(|p| p.scopes.contains(Scope::Read))
    }
}

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = Authenticating<Viewer>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(Viewer) })
    }
}

/// Whether a request carries credentials: a token in `Authorization`, or
/// a post's preview token in `?preview=`. What they open is private.
pub fn carries_credentials(req: &ServiceRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION)
        || form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "preview")
}

/// Nothing a token can see may be stored by a shared cache: responses to
/// requests with credentials are `private, no-store`, and every response
/// varies by `Authorization`.
pub async fn private_when_authorized(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let authorized = carries_credentials(&req);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if authorized {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    headers.append(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(res)
}

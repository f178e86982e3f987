//! Logging in: a username and password for a short-lived JWT.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::jwt::JwtKeys;
use crate::auth::password;
use crate::domain;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::routes::extract::ApiJson;
use crate::routes::Db;

/// Limits on failed logins, from the settings. A username is limited per
/// client address, so an attacker who guesses wrong locks out only
/// themself, never the owner logging in from elsewhere; a client is
/// limited across usernames, so it cannot guess through many accounts.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    pub max_failures: i64,
    pub max_client_failures: i64,
    pub window_secs: i64,
}

impl LoginPolicy {
    /// 429 while `client` has failed too often, for `username` or at all.
    pub fn refuse_if_limited(
        &self,
        conn: &mut crate::db::Conn,
        username: &str,
        client: &str,
    ) -> Result<(), ApiError> {
        let now = domain::now();
        let window = Duration::seconds(self.window_secs);
        let recent = repo::auth_failures::recent(conn, username, client, now - window)?;
        let limited = [
            (recent.by_username, self.max_failures),
            (recent.by_client, self.max_client_failures),
        ]
        .into_iter()
        .filter(|((count, _), max)| count >= max)
        .filter_map(|((_, oldest), _)| oldest)
        .min();
        match limited {
            Some(oldest) => {
                let wait = (oldest + window - now).num_seconds().max(1) as u64;
                Err(ApiError::TooManyRequests {
                    message: format!("too many failed attempts; try again in {wait} seconds"),
                    retry_after: wait,
                })
            }
            None => Ok(()),
        }
    }

    /// Counts a failed password for `username` from the request's client,
    /// or forgets the username's failures after a success.
    pub async fn record(
        &self,
        db: &Db,
        req: &HttpRequest,
        username: &str,
        success: bool,
        metrics: &crate::metrics::Metrics,
    ) -> Result<(), ApiError> {
        let client = crate::ratelimit::client_address(req);
        if !success {
            tracing::info!(%username, %client, "password refused");
            metrics.login_failed();
        }
        let (name, window) = (username.to_string(), Duration::seconds(self.window_secs));
        db.run(move |conn| {
            let now = domain::now();
            if success {
                repo::auth_failures::clear(conn, &name, &client)?;
            } else {
                repo::auth_failures::record(conn, &name, &client, now, now - window)?;
            }
            Ok(())
        })
        .await
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "editor")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT; send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

const WRONG: &str = "the username or password is wrong";

/// Log in: exchange a username and password for a login token (JWT).
///
/// Wrong passwords and unknown usernames get the same answer after the same
/// work. After too many failures for a username from one client address,
/// or from one client address at all, that client gets 429 until the
/// window has passed; the account stays open to everyone else.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A login token", body = TokenResponse),
        responses::BadRequest,
        responses::Unauthorized,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::TooManyRequests,
        responses::Unavailable
    )
)]
#[post("/auth/token")]
pub async fn create_auth_token(
    req: HttpRequest,
    db: Db,
    keys: web::Data<JwtKeys>,
    policy: web::Data<LoginPolicy>,
    metrics: web::Data<crate::metrics::Metrics>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = crate::ratelimit::client_address(&req);
    let username = body.username.trim().to_lowercase();
    let (name, limits) = (username.clone(), policy.get_ref().clone());
    let found = db
        .run(move |conn| {
            limits.refuse_if_limited(conn, &name, &client)?;
            Ok(repo::users::find_by_username(conn, &name)?)
        })
        .await?;
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let matched = web::block(move || password::verify(&body.password, stored.as_deref())).await?;
    let user = found.filter(|u| matched && !u.disabled);
    policy
        .record(&db, &req, &username, user.is_some(), &metrics)
        .await?;
    let Some(user) = user else {
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: keys.issue(user.id, &user.role, user.session_version),
            token_type: "Bearer",
            expires_in: keys.ttl_secs,
        }))
}

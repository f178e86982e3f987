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

/// Limits on failed logins, from the settings.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    pub max_failures: i64,
    pub max_client_failures: i64,
    pub window_secs: i64,
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
/// work. After too many failures for a username, or from one client
/// address, attempts get 429 until the window has passed.
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
    let window = Duration::seconds(policy.window_secs);

    let (client2, name2, limits) = (client.clone(), username.clone(), policy.clone());
    let found = db
        .run(move |conn| {
            let now = domain::now();
            let recent = repo::auth_failures::recent(conn, &name2, &client2, now - window)?;
            let limited = [
                (recent.by_username, limits.max_failures),
                (recent.by_client, limits.max_client_failures),
            ]
            .into_iter()
            .filter(|((count, _), max)| count >= max)
            .filter_map(|((_, oldest), _)| oldest)
            .min();
            if let Some(oldest) = limited {
                let wait = (oldest + window - now).num_seconds().max(1) as u64;
                return Err(ApiError::TooManyRequests {
                    message: format!("too many failed logins; try again in {wait} seconds"),
                    retry_after: wait,
                });
            }
            Ok(repo::users::find_by_username(conn, &name2)?)
        })
        .await?;

    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let matched = web::block(move || password::verify(&body.password, stored.as_deref())).await?;
    let user = found.filter(|u| matched && !u.disabled);

    let (name3, client3) = (username.clone(), client.clone());
    let signed_in = user.is_some();
    db.run(move |conn| {
        let now = domain::now();
        if signed_in {
            repo::auth_failures::clear(conn, &name3)?;
        } else {
            repo::auth_failures::record(conn, &name3, &client3, now, now - window)?;
        }
        Ok(())
    })
    .await?;
    let Some(user) = user else {
        tracing::info!(%username, %client, "login failed");
        metrics.login_failed();
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: keys.issue(user.id, &user.role),
            token_type: "Bearer",
            expires_in: keys.ttl_secs,
        }))
}

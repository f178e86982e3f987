//! Script tokens: long-lived, scoped, revocable credentials for scripts.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{tokens, Principal};
use crate::domain;
use crate::domain::access::{Scope, Scopes};
use crate::error::{responses, ApiError, FieldError};
use crate::repo;
use crate::repo::tokens::{NewToken, TokenRow};
use crate::routes::extract::{ApiJson, NoParams};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for, e.g. `nightly import`.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do; at most what your role allows.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// When it stops working; never, if absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A script token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    /// The owner.
    pub user_id: i64,
    pub name: String,
    /// The secret's first characters, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new script token, with the secret shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    /// The secret: send it as `Authorization: Bearer <token>`. It is not
    /// stored and cannot be shown again.
    pub token: String,
}

impl From<TokenRow> for TokenInfo {
    fn from(t: TokenRow) -> Self {
        TokenInfo {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            prefix: t.prefix,
            scopes: Scopes::parse_stored(&t.scopes).0.into_iter().collect(),
            expires_at: t.expires_at.map(domain::utc),
            last_used_at: t.last_used_at.map(domain::utc),
            revoked_at: t.revoked_at.map(domain::utc),
            created_at: domain::utc(t.created_at),
        }
    }
}

/// Create a script token.
///
/// Needs the `account` scope and a login token, or a script token with the
/// `admin` scope as well: a leaked script token cannot mint others.
#[utoipa::path(
    tag = "tokens",
    request_body = CreateTokenRequest,
    security(("bearer" = ["account"])),
    responses(
        (status = 201, description = "The token, with its secret shown once", body = CreatedToken,
         headers(("Location" = String, description = "The token's URL"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[post("/tokens")]
pub async fn create_token(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Account)?;
    if principal.token_id.is_some() && !principal.is_admin() {
        return Err(ApiError::Forbidden(
            "script tokens are made with a login token (or a token with the `admin` scope)".into(),
        ));
    }
    let mut errors = Vec::new();
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError {
            field: "name".into(),
            message: "must be 1 to 100 characters".into(),
        });
    }
    let scopes = Scopes::of(&body.scopes);
    if scopes.0.is_empty() {
        errors.push(FieldError {
            field: "scopes".into(),
            message: "must name at least one scope".into(),
        });
    }
    let beyond: Vec<String> = scopes
        .0
        .difference(&principal.role.scopes().0)
        .map(|s| s.to_string())
        .collect();
    if !beyond.is_empty() {
        errors.push(FieldError {
            field: "scopes".into(),
            message: format!(
                "{} {} beyond the role {}",
                beyond.join(", "),
                if beyond.len() == 1 { "is" } else { "are" },
                principal.role
            ),
        });
    }
    let now = domain::now();
    let expires_at = body.expires_at.map(|t| t.naive_utc());
    if expires_at.is_some_and(|t| t <= now) {
        errors.push(FieldError {
            field: "expires_at".into(),
            message: "must be in the future".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Unprocessable(errors));
    }
    let (secret, hash, prefix) = tokens::generate();
    let row = db
        .run(move |conn| {
            let id = repo::tokens::insert(
                conn,
                &NewToken {
                    user_id: principal.user_id,
                    name: &name,
                    token_hash: &hash,
                    prefix: &prefix,
                    scopes: &scopes.to_string(),
                    expires_at,
                    created_at: now,
                },
            )?;
            found(repo::tokens::find(conn, id)?, "token")
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("{}/api/v1/tokens/{}", state.public_url, row.id),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedToken {
            info: row.into(),
            token: secret,
        }))
}

list_query! {
    pub struct TokenListQuery {
        /// Admins: another user's tokens (by user id).
        pub user: Option<i64>,
    }
}

/// List your script tokens (admins: anyone's, with `user`), newest first.
#[utoipa::path(
    tag = "tokens",
    params(TokenListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tokens, without secrets", body = ListResponse<TokenInfo>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::Unavailable
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<TokenListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let owner = match q.user {
        Some(user) if user != principal.user_id => {
            principal.require(Scope::Admin)?;
            user
        }
        _ => principal.user_id,
    };
    let rows = db
        .run(move |conn| Ok(repo::tokens::list(conn, Some(owner))?))
        .await?;
    let (rows, total, next) = page.in_memory("-id", rows, true, |t| (vec![], t.id))?;
    let data: Vec<TokenInfo> = rows.into_iter().map(TokenInfo::from).collect();
    Ok(ListResponse::new(&req, &state.public_url, data, total, page, next).respond())
}

/// The token `id`, if it is the principal's own or the principal is an admin.
async fn own_token(db: &Db, principal: &Principal, id: i64) -> Result<TokenRow, ApiError> {
    let token = db
        .run(move |conn| found(repo::tokens::find(conn, id)?, "token"))
        .await?;
    if token.user_id != principal.user_id && !principal.is_admin() {
        return Err(ApiError::not_found("no such token"));
    }
    Ok(token)
}

/// One of your script tokens. A revoked token is gone from here (404);
/// the list keeps it, with its `revoked_at`, for the record.
#[utoipa::path(
    tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token, without its secret", body = TokenInfo),
        responses::BadRequest,
        responses::Unauthorized,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/tokens/{id}")]
pub async fn get_token(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let token = own_token(&db, &principal, id.into_inner()).await?;
    if token.revoked_at.is_some() {
        return Err(ApiError::not_found("this token was revoked"));
    }
    Ok(HttpResponse::Ok().json(TokenInfo::from(token)))
}

/// Revoke a script token: it stops working on the next request. Your own
/// need the `account` scope; other people's (admins) `admin`.
#[utoipa::path(
    tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    security(("bearer" = ["account"])),
    responses(
        (status = 204, description = "Revoked (revoking twice is harmless)"),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let token = own_token(&db, &principal, id.into_inner()).await?;
    principal.require(if token.user_id == principal.user_id {
        Scope::Account
    } else {
        Scope::Admin
    })?;
    db.run(move |conn| Ok(repo::tokens::revoke(conn, token.id, domain::now())?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

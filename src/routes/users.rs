//! User accounts (admins), and `me` for everyone signed in.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{password, Principal};
use crate::content::users::{self, NewAccount, UserEdit};
use crate::domain::access::{Actor, Scope};
use crate::domain::{self, Role};
use crate::error::{responses, ApiError, FieldError};
use crate::repo;
use crate::repo::users::UserRow;
use crate::routes::auth::LoginPolicy;
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// A user account, as admins and the user see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether the user can log in (demo and imported authors cannot until
    /// an admin sets a password).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for UserResponse {
    fn from(u: UserRow) -> Self {
        UserResponse {
            id: u.id,
            role: u.role.parse().unwrap_or(Role::Contributor),
            has_password: u.password_hash.is_some(),
            username: u.username,
            email: u.email,
            display_name: u.display_name,
            slug: u.slug,
            bio: u.bio,
            disabled: u.disabled,
            created_at: domain::utc(u.created_at),
            updated_at: domain::utc(u.updated_at),
        }
    }
}

fn user_reply(mut reply: actix_web::HttpResponseBuilder, user: UserRow) -> HttpResponse {
    reply
        .insert_header(("ETag", etag(user.revision)))
        .json(UserResponse::from(user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 2 to 64 of a-z, 0-9, `.`, `_`, `-`; stored in lower case.
    #[schema(pattern = r"^[A-Za-z0-9._-]{2,64}$")]
    pub username: String,
    /// At least 10 characters. Without one, the user cannot log in.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
    pub role: Role,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub bio: Option<String>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    /// Changing your own e-mail needs a login token and `current_password`.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub bio: Option<String>,
    pub slug: Option<String>,
    /// A new password (at least 10 characters). Changing your own needs a
    /// login token and `current_password`; every other login and every
    /// script token of the user stops working.
    pub password: Option<String>,
    /// Your password now: needed to change your own password or e-mail.
    pub current_password: Option<String>,
    /// Admins only.
    pub role: Option<Role>,
    /// Admins only. Disabling a user also ends their logins and revokes
    /// their script tokens.
    pub disabled: Option<bool>,
}

list_query! {
    pub struct UserListQuery {}
}

/// List users (admins).
#[utoipa::path(
    tag = "users",
    params(UserListQuery),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<UserResponse>,
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
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let page = q.page_request()?;
    let window = page.window("id", &[])?;
    let (mut rows, total) = db
        .run(move |conn| Ok(repo::users::list_users(conn, &window)?))
        .await?;
    let next = page.next_cursor("id", &mut rows, total, |u| (vec![], u.id));
    let data = rows.into_iter().map(UserResponse::from).collect();
    Ok(ListResponse::new(&req, &state.public_url, data, total, page, next).respond())
}

/// Create a user (admins).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, description = "The user", body = UserResponse,
         headers(("Location" = String, description = "The user's URL"), ("ETag" = String, description = "The user's version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[post("/users")]
pub async fn create_user(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let user = db
        .run(move |conn| {
            let account = NewAccount {
                username: body.username,
                password: body.password,
                role: body.role,
                display_name: body.display_name,
                email: body.email,
                bio: body.bio,
            };
            let id = conn.transaction(|conn| users::create(conn, &account))?;
            found(repo::users::find_user(conn, id)?, "user")
        })
        .await?;
    let location = format!("{}/api/v1/users/{}", state.public_url, user.id);
    Ok(user_reply(
        HttpResponse::Created()
            .insert_header(("Location", location))
            .take(),
        user,
    ))
}

/// The signed-in user.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "You", body = UserResponse, headers(("ETag" = String, description = "Your account's version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Unavailable
    )
)]
#[get("/users/me")]
pub async fn get_me(
    db: Db,
    principal: Principal,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = principal.user_id;
    let user = db
        .run(move |conn| found(repo::users::find_user(conn, id)?, "user"))
        .await?;
    Ok(user_reply(HttpResponse::Ok(), user))
}

/// Admins see everyone; others only themselves.
fn may_see(principal: &Principal, id: i64) -> Result<(), ApiError> {
    if principal.user_id == id || principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::not_found("no such user"))
    }
}

/// One user (admins, or the user themself).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserResponse, headers(("ETag" = String, description = "The user's version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    may_see(&principal, id)?;
    let user = db
        .run(move |conn| found(repo::users::find_user(conn, id)?, "user"))
        .await?;
    Ok(user_reply(HttpResponse::Ok(), user))
}

/// Update a user (admins), or yourself (`account`). Users may change their
/// own name, e-mail, bio, slug and password; role and `disabled` are for
/// admins. Your own password or e-mail needs a login token (not a script
/// token) and `current_password`.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateUserRequest,
    security(("bearer" = ["account"])),
    responses(
        (status = 200, description = "The updated user", body = UserResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::TooManyRequests,
        responses::Unavailable
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    db: Db,
    id: web::Path<i64>,
    principal: Principal,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    change_user(&req, db, id.into_inner(), principal, if_match, body).await
}

/// Update yourself: as `PATCH /users/{your id}`.
#[utoipa::path(
    tag = "users",
    params(("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateUserRequest,
    security(("bearer" = ["account"])),
    responses(
        (status = 200, description = "You, updated", body = UserResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::TooManyRequests,
        responses::Unavailable
    )
)]
#[patch("/users/me")]
pub async fn update_me(
    req: HttpRequest,
    db: Db,
    principal: Principal,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = principal.user_id;
    change_user(&req, db, id, principal, if_match, body).await
}

/// What the token must carry to change user `id`: `account` for
/// yourself, `admin` for others and for roles and `disabled`, and a login
/// token for your own password or e-mail. What the user's role allows is
/// the content layer's ([`users::may_change`]).
fn may_change(principal: &Principal, id: i64, body: &UpdateUserRequest) -> Result<(), ApiError> {
    let own = principal.user_id == id;
    if own {
        principal.require(Scope::Account)?;
    } else if principal.role == Role::Admin {
        principal.require(Scope::Admin)?;
    }
    if (body.role.is_some() || body.disabled.is_some()) && principal.role == Role::Admin {
        principal.require(Scope::Admin)?;
    }
    if own && (body.password.is_some() || body.email.is_some()) {
        principal.require_login("changing your own password or e-mail")?;
    }
    Ok(())
}

impl UpdateUserRequest {
    /// The change asked for, with the new password (if any) hashed.
    fn edit(self, password_hash: Option<String>) -> UserEdit {
        UserEdit {
            email: self.email,
            display_name: self.display_name,
            slug: self.slug,
            bio: self.bio,
            password_hash,
            role: self.role,
            disabled: self.disabled,
        }
    }
}

async fn change_user(
    req: &HttpRequest,
    db: Db,
    id: i64,
    principal: Principal,
    if_match: IfMatch,
    body: UpdateUserRequest,
) -> Result<HttpResponse, ApiError> {
    may_change(&principal, id, &body)?;
    let actor = Actor::from(&principal);
    let own = principal.user_id == id;
    let confirming = own && (body.password.is_some() || body.email.is_some());
    let asked = body.clone().edit(None);
    users::may_change(&actor, id, &asked)?;
    let mut errors = users::check_edit(&actor, &asked, body.password.as_deref());
    if confirming && body.current_password.is_none() {
        errors.add(
            "current_password",
            "is needed to change your own password or e-mail",
        );
    }
    errors.check()?;
    if confirming {
        let policy = req
            .app_data::<web::Data<LoginPolicy>>()
            .ok_or_else(|| ApiError::internal("the login policy is not configured"))?;
        let metrics = req
            .app_data::<web::Data<crate::metrics::Metrics>>()
            .ok_or_else(|| ApiError::internal("the metrics are not configured"))?;
        confirm_password(req, &db, &principal, &body, policy, metrics).await?;
    }
    let password_hash = match body.password.clone() {
        Some(p) => Some(web::block(move || password::hash(&p)).await?),
        None => None,
    };
    let keep = principal.session.clone();
    let edit = body.edit(password_hash);
    let user = db
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                users::update(conn, &actor, id, &if_match, edit, keep.as_deref())
            })?)
        })
        .await?;
    Ok(user_reply(HttpResponse::Ok(), user))
}

/// Checks `current_password` for a change to your own password or e-mail,
/// counted with failed logins (a wrong one counts as one, and a client
/// that failed too often gets 429), and refuses an e-mail address that
/// another user has without saying whose it is.
async fn confirm_password(
    req: &HttpRequest,
    db: &Db,
    principal: &Principal,
    body: &UpdateUserRequest,
    policy: &LoginPolicy,
    metrics: &crate::metrics::Metrics,
) -> Result<(), ApiError> {
    let (id, client) = (principal.user_id, crate::ratelimit::client_address(req));
    let (username, limits) = (principal.username.clone(), policy.clone());
    let email = body.email.clone().flatten();
    let (stored, email_taken) = db
        .run(move |conn| {
            limits.refuse_if_limited(conn, &username, &client)?;
            let user = found(repo::users::find_user(conn, id)?, "user")?;
            let taken = match email {
                Some(e) => repo::users::email_taken(conn, &e, id)?,
                None => false,
            };
            Ok((user.password_hash, taken))
        })
        .await?;
    let given = body.current_password.clone().unwrap_or_default();
    let matched = web::block(move || password::verify(&given, stored.as_deref())).await?;
    // A taken address counts as a failure too: probing addresses is as
    // slow as guessing passwords.
    policy
        .record(
            db,
            req,
            &principal.username,
            matched && !email_taken,
            metrics,
        )
        .await?;
    if !matched {
        return Err(ApiError::Forbidden("the current password is wrong".into()));
    }
    if email_taken {
        return Err(ApiError::Unprocessable(vec![FieldError {
            field: "email".into(),
            message: "cannot be used; ask an admin".into(),
        }]));
    }
    Ok(())
}

/// Delete a user who has no posts or media (admins). Users with content are
/// disabled instead (`PATCH` with `disabled: true`), so nothing is lost.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::Unavailable
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    db: Db,
    id: web::Path<i64>,
    principal: Principal,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let (id, actor) = (id.into_inner(), Actor::from(&principal));
    db.run(move |conn| Ok(conn.transaction(|conn| users::delete(conn, &actor, id, &if_match))?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

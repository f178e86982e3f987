//! Webhooks over HTTP (admins, scope `webhooks:write`): the requests, and
//! handlers that hand them to [`crate::webhooks`].

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::domain;
use crate::domain::access::Scope;
use crate::error::{responses, ApiError, FieldError};
use crate::repo;
use crate::repo::webhooks::{AttemptLine, WebhookRow};
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{ApiQuery, AppState, Db};
use crate::webhooks::{self, secret::Sealer, target, HookEdit, NewHook};

/// What webhooks need of the server: its sealing key and whether private
/// targets are allowed.
pub struct WebhookKeys {
    pub sealer: Sealer,
    pub allow_private: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where deliveries are POSTed: `http` or `https`; not on a private
    /// network unless the operator allows it.
    #[schema(max_length = 2000, example = "https://builds.example.org/hooks/nashr")]
    pub url: String,
    /// Event types to send, or `["*"]` for all.
    #[schema(min_items = 1, example = json!(["post.published", "post.updated"]))]
    pub events: Vec<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `true` enables a webhook again (and clears why it was disabled).
    pub enabled: Option<bool>,
}

/// A webhook, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub enabled: bool,
    /// Why the server disabled it, when it did (failing for days).
    pub disabled_reason: Option<String>,
    /// Since when its deliveries fail, if they do.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new webhook, with its signing secret shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// The Standard Webhooks signing secret (`whsec_` + base64): verify
    /// each delivery's `webhook-signature` with it. Not shown again.
    pub secret: String,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl From<WebhookRow> for WebhookResponse {
    fn from(h: WebhookRow) -> Self {
        WebhookResponse {
            id: h.id,
            url: h.url,
            events: h.events.split_whitespace().map(str::to_string).collect(),
            description: h.description,
            enabled: h.enabled,
            disabled_reason: h.disabled_reason,
            failing_since: h.failing_since.map(utc),
            created_at: utc(h.created_at),
            updated_at: utc(h.updated_at),
        }
    }
}

/// One attempt of a delivery (or a delivery not yet tried).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// The delivery: retry it with `POST .../deliveries/{delivery_id}/retry`.
    pub delivery_id: i64,
    /// The `webhook-id` it is sent with, the same on every attempt.
    pub event_id: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `pending` (due at `next_attempt_at`), `delivered` or `failed`.
    pub status: String,
    /// This attempt's number, from 1; null before the first.
    pub attempt: Option<i32>,
    /// What the receiver answered; null if it could not be reached.
    pub response_status: Option<i32>,
    pub duration_ms: Option<i64>,
    /// Why the attempt failed.
    pub error: Option<String>,
    pub attempted_at: Option<DateTime<Utc>>,
    /// When the delivery is tried next (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<AttemptLine> for DeliveryAttempt {
    fn from(a: AttemptLine) -> Self {
        DeliveryAttempt {
            delivery_id: a.delivery_id,
            event_id: a.event_id,
            event_type: a.event_type,
            next_attempt_at: (a.status == "pending").then(|| utc(a.next_attempt_at)),
            status: a.status,
            attempt: a.attempt,
            response_status: a.response_status,
            duration_ms: a.duration_ms,
            error: a.error,
            attempted_at: a.attempted_at.map(utc),
        }
    }
}

/// Refuses (422, naming `url`) a URL that is malformed or whose host
/// resolves to an address webhooks may not reach.
async fn check_target(url: &str, allow_private: bool) -> Result<(), ApiError> {
    let invalid = |message: String| {
        ApiError::Unprocessable(vec![FieldError {
            field: "url".into(),
            message,
        }])
    };
    let (host, port) = target::check_url(url).map_err(invalid)?;
    target::resolve(&host, port, allow_private)
        .await
        .map_err(invalid)?;
    Ok(())
}

fn webhook_reply(row: WebhookRow) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("ETag", etag(row.revision)))
        .json(WebhookResponse::from(row))
}

/// Make a webhook (admins). The answer holds its secret, shown only now.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 201, description = "The webhook and its secret", body = CreatedWebhook,
         headers(("Location" = String, description = "The webhook's URL"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    db: Db,
    state: web::Data<AppState>,
    keys: web::Data<WebhookKeys>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    if webhooks::target::check_url(&body.url).is_ok() {
        check_target(&body.url, keys.allow_private).await?;
    }
    let keys = keys.into_inner();
    let (row, secret) = db
        .run(move |conn| {
            let new = NewHook {
                url: body.url,
                events: body.events,
                description: body.description,
                enabled: body.enabled,
            };
            let (id, secret) = webhooks::create(conn, &keys.sealer, new, domain::now())?;
            Ok((webhooks::get(conn, id)?, secret))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("{}/api/v1/webhooks/{}", state.public_url, row.id),
        ))
        .insert_header(("ETag", etag(row.revision)))
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedWebhook {
            webhook: row.into(),
            secret,
        }))
}

list_query! {
    pub struct WebhookListQuery {}
}

/// The webhooks, oldest first (admins).
#[utoipa::path(
    tag = "webhooks",
    params(WebhookListQuery),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, description = "A page of webhooks, without secrets", body = ListResponse<WebhookResponse>),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::Unavailable
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<WebhookListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let page = q.page_request()?;
    let rows = db.run(move |conn| Ok(repo::webhooks::all(conn)?)).await?;
    let (rows, total, next) = page.in_memory("id", rows, false, |h| (vec![], h.id))?;
    let data: Vec<WebhookResponse> = rows.into_iter().map(Into::into).collect();
    Ok(ListResponse::new(&req, &state.public_url, data, total, page, next).respond())
}

/// One webhook (admins), without its secret.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse,
         headers(("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let id = id.into_inner();
    let row = db.run(move |conn| Ok(webhooks::get(conn, id)?)).await?;
    Ok(webhook_reply(row))
}

/// Change a webhook (admins).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateWebhookRequest,
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse,
         headers(("ETag" = String, description = "Its new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable,
        responses::Unavailable
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    db: Db,
    keys: web::Data<WebhookKeys>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    if let Some(url) = body.url.as_deref().filter(|u| target::check_url(u).is_ok()) {
        check_target(url, keys.allow_private).await?;
    }
    let id = id.into_inner();
    let row = db
        .run(move |conn| {
            let edit = HookEdit {
                url: body.url,
                events: body.events,
                description: body.description,
                enabled: body.enabled,
            };
            webhooks::update(conn, id, &if_match, edit, domain::now())?;
            Ok(webhooks::get(conn, id)?)
        })
        .await?;
    Ok(webhook_reply(row))
}

/// Delete a webhook and its deliveries (admins).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let id = id.into_inner();
    db.run(move |conn| Ok(webhooks::delete(conn, id, &if_match)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A queued event: its `webhook-id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedEvent {
    pub event_id: String,
}

/// Send a `ping` event to a webhook now (admins); its attempts show in
/// the deliveries.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 202, description = "The ping is queued", body = QueuedEvent),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let id = id.into_inner();
    let event_id = db
        .run(move |conn| Ok(webhooks::ping(conn, id, domain::now())?))
        .await?;
    Ok(HttpResponse::Accepted().json(QueuedEvent { event_id }))
}

list_query! {
    pub struct DeliveryListQuery {}
}

/// A webhook's deliveries, newest first, each with its attempts in order
/// (admins). `meta.total` counts deliveries; `per_page` deliveries come
/// per page, so a page has one item per attempt.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), DeliveryListQuery),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, description = "Attempts of a page of deliveries", body = ListResponse<DeliveryAttempt>),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    ApiQuery(q): ApiQuery<DeliveryListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let page = q.page_request()?;
    if page.cursor.is_some() {
        return Err(ApiError::query("cursor", "deliveries are paged by `page`"));
    }
    let id = id.into_inner();
    let (limit, offset) = (page.limit(), page.offset());
    let (lines, total) = db
        .run(move |conn| {
            webhooks::get(conn, id)?;
            Ok(repo::webhooks::attempts(conn, id, limit, offset)?)
        })
        .await?;
    let data: Vec<DeliveryAttempt> = lines.into_iter().map(Into::into).collect();
    Ok(ListResponse::new(&req, &state.public_url, data, total, page, None).respond())
}

/// Send a delivery again now, whatever its state (admins), with the
/// same `webhook-id`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 202, description = "The delivery is due again", body = QueuedEvent),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Unavailable
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    db: Db,
    principal: Principal,
    path: web::Path<(i64, i64)>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let (id, delivery) = path.into_inner();
    let event_id = db
        .run(move |conn| Ok(webhooks::retry(conn, id, delivery, domain::now())?))
        .await?;
    Ok(HttpResponse::Accepted().json(QueuedEvent { event_id }))
}

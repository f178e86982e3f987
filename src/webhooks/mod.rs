//! Webhooks: frontends, static builds, CDNs and chat rooms told of every
//! public change, at least once, signed by the Standard Webhooks scheme.
//!
//! - Events come from the change log ([`crate::content::changes`]): an
//!   event exists exactly when its change committed, whichever path made
//!   it (the API, an import, a restore, the CLI, a scheduled post going
//!   live with no write at all).
//! - [`fan_out`] turns new log rows into one delivery per listening
//!   webhook, under the outbox cursor's row lock, so with several
//!   instances each change becomes deliveries once. The body is fixed then:
//!   every attempt sends the same bytes with the same `webhook-id`.
//! - [`deliver`] claims due deliveries (one statement; PostgreSQL skips
//!   rows another instance holds), sends them off the request path, and
//!   records each attempt; failures are retried with exponential backoff
//!   and jitter until `retry_for` has passed, then marked failed. A
//!   webhook failing for `disable_after` is disabled with the reason.
//! - [`target`] refuses URLs on private networks, at creation and at
//!   every connection; [`secret`] makes, seals and signs with secrets.

pub mod deliver;
pub mod secret;
pub mod target;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde_json::json;

use crate::content::error::{FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::repo;
use crate::repo::changes::ChangeRow;
use crate::repo::webhooks::{NewDelivery, NewWebhook, WebhookChanges, WebhookRow};

/// Every event type a webhook can listen to (`*` is all of them).
/// `comment.created` is a reader's comment held for moderation;
/// `comment.approved` a comment the public now sees (approved by a
/// moderator, or written by one).
pub const EVENTS: &[&str] = &[
    "post.published",
    "post.updated",
    "post.unpublished",
    "post.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "menu.updated",
    "media.created",
    "media.updated",
    "media.deleted",
    "edition.created",
    "edition.updated",
    "edition.deleted",
    "comment.created",
    "comment.approved",
    "site.updated",
    "ping",
];

/// The event a change of the log is, if any (authors have none).
pub fn event_type(resource: &str, action: &str) -> Option<&'static str> {
    Some(match (resource, action) {
        ("post", "created" | "published" | "went_live") => "post.published",
        ("post", "updated") => "post.updated",
        ("post", "unpublished") => "post.unpublished",
        ("post", "trashed" | "deleted") => "post.deleted",
        ("menu", _) => "menu.updated",
        ("comment", "received") => "comment.created",
        ("comment", "created") => "comment.approved",
        ("comment", _) => return None,
        ("site", _) => "site.updated",
        (kind, action) => {
            let verb = match action {
                "created" | "published" | "went_live" => "created",
                "updated" => "updated",
                "unpublished" | "trashed" | "deleted" => "deleted",
                _ => return None,
            };
            match (kind, verb) {
                ("category", "created") => "category.created",
                ("category", "updated") => "category.updated",
                ("category", _) => "category.deleted",
                ("tag", "created") => "tag.created",
                ("tag", "updated") => "tag.updated",
                ("tag", _) => "tag.deleted",
                ("media", "created") => "media.created",
                ("media", "updated") => "media.updated",
                ("media", _) => "media.deleted",
                ("edition", "created") => "edition.created",
                ("edition", "updated") => "edition.updated",
                ("edition", _) => "edition.deleted",
                _ => return None,
            }
        }
    })
}

/// RFC 3339 in UTC, as the payload's `timestamp`.
fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The API path of a changed resource.
fn path(change: &ChangeRow) -> String {
    match change.resource.as_str() {
        "post" => format!("/api/v1/posts/{}", change.resource_id),
        "category" => format!("/api/v1/categories/{}", change.resource_id),
        "tag" => format!("/api/v1/tags/{}", change.resource_id),
        "menu" => format!("/api/v1/menus/{}", change.resource_id),
        "comment" => format!("/api/v1/comments/{}", change.resource_id),
        "media" => format!("/api/v1/media/{}", change.resource_id),
        "edition" => format!(
            "/api/v1/editions/{}",
            change.edition.as_deref().unwrap_or_default()
        ),
        "site" => format!(
            "/api/v1/site?edition={}",
            change.edition.as_deref().unwrap_or_default()
        ),
        other => format!("/api/v1/{other}/{}", change.resource_id),
    }
}

/// The body of the event of `change`.
pub fn body(event_type: &str, change: &ChangeRow) -> String {
    json!({
        "type": event_type,
        "timestamp": rfc3339(change.changed_at),
        "data": {
            "id": change.resource_id,
            "kind": change.resource,
            "edition": change.edition,
            "slug": change.slug,
            "path": path(change),
            "translation_group": change.translation_group,
            "surrogate_keys": change.surrogate_keys.split_whitespace().collect::<Vec<_>>(),
        }
    })
    .to_string()
}

/// Turns up to `limit` new rows of the change log into deliveries; answers
/// how many deliveries it made. One instance at a time (the outbox row's
/// lock); the cursor moves in the same transaction as the rows it made.
/// When the log has not moved past the cursor, it takes no lock at all
/// (two index reads), so an idle instance's polls write nothing.
pub fn fan_out(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    if repo::changes::last_id(conn)? <= repo::webhooks::outbox(conn)? {
        return Ok(0);
    }
    conn.transaction(|conn| {
        let last = repo::webhooks::lock_outbox(conn)?;
        let changes = repo::changes::after(conn, last, limit)?;
        let Some(newest) = changes.last().map(|c| c.id) else {
            return Ok(0);
        };
        let hooks: Vec<WebhookRow> = repo::webhooks::all(conn)?
            .into_iter()
            .filter(|h| h.enabled)
            .collect();
        let mut made = Vec::new();
        for change in &changes {
            let Some(kind) = event_type(&change.resource, &change.action) else {
                continue;
            };
            let listening: Vec<&WebhookRow> = hooks
                .iter()
                .filter(|h| change.id > h.from_change_id && h.listens_to(kind))
                .collect();
            if listening.is_empty() {
                continue;
            }
            let body = body(kind, change);
            let resource = format!("{}-{}", change.resource, change.resource_id);
            let event_id = format!("msg_change_{}", change.id);
            for hook in listening {
                made.push((
                    hook.id,
                    event_id.clone(),
                    kind,
                    resource.clone(),
                    body.clone(),
                ));
            }
        }
        let rows: Vec<NewDelivery<'_>> = made
            .iter()
            .map(|(webhook_id, event_id, kind, resource, body)| NewDelivery {
                webhook_id: *webhook_id,
                event_id,
                event_type: kind,
                resource,
                body,
                status: "pending",
                next_attempt_at: now,
                created_at: now,
            })
            .collect();
        repo::webhooks::insert_deliveries(conn, &rows)?;
        repo::webhooks::set_outbox(conn, newest)?;
        Ok(rows.len())
    })
}

/// What an admin gives to make a webhook.
#[derive(Debug, Clone)]
pub struct NewHook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// What an admin may change of a webhook.
#[derive(Debug, Clone, Default)]
pub struct HookEdit {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// Checks a URL's form (the address is checked by the caller, which can
/// resolve names).
fn check_url(url: &str, errors: &mut FieldErrors) {
    if let Err(why) = target::check_url(url) {
        errors.add("url", why);
    }
}

/// The events as stored: known types, space-separated.
fn check_events(events: &[String], errors: &mut FieldErrors) -> String {
    if events.is_empty() {
        errors.add("events", "must name at least one event type, or \"*\"");
    }
    for e in events {
        if e != "*" && !EVENTS.contains(&e.as_str()) {
            errors.add("events", format!("`{e}` is not an event type"));
        }
    }
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    events.join(" ")
}

fn check_description(description: &str, errors: &mut FieldErrors) {
    if description.chars().count() > 500 {
        errors.add("description", "is longer than 500 characters");
    }
}

/// Makes a webhook; answers its id and its secret (shown only now). It
/// hears of changes committed from now on.
pub fn create(
    conn: &mut Conn,
    sealer: &secret::Sealer,
    new: NewHook,
    now: NaiveDateTime,
) -> Result<(i64, String), WriteError> {
    let mut errors = FieldErrors::default();
    check_url(&new.url, &mut errors);
    let events = check_events(&new.events, &mut errors);
    let description = new.description.unwrap_or_default();
    check_description(&description, &mut errors);
    errors.check()?;
    let secret = secret::generate();
    let sealed = sealer.seal(&secret);
    let id = conn.transaction(|conn| {
        let from = repo::changes::last_id(conn)?;
        repo::webhooks::insert(
            conn,
            &NewWebhook {
                url: &new.url,
                description: &description,
                events: &events,
                enabled: new.enabled.unwrap_or(true),
                sealed_secret: &sealed,
                from_change_id: from,
                created_at: now,
                updated_at: now,
            },
        )
    })?;
    Ok((id, secret))
}

/// The webhook `id`, or 404.
pub fn get(conn: &mut Conn, id: i64) -> Result<WebhookRow, WriteError> {
    repo::webhooks::find(conn, id)?.ok_or_else(|| WriteError::NotFound("no such webhook".into()))
}

/// Changes a webhook (`If-Match` against its revision). Enabling it again
/// clears the reason it was disabled.
pub fn update(
    conn: &mut Conn,
    id: i64,
    if_match: &IfMatch,
    edit: HookEdit,
    now: NaiveDateTime,
) -> Result<(), WriteError> {
    let mut errors = FieldErrors::default();
    if let Some(url) = &edit.url {
        check_url(url, &mut errors);
    }
    let events = edit.events.as_ref().map(|e| check_events(e, &mut errors));
    if let Some(d) = &edit.description {
        check_description(d, &mut errors);
    }
    errors.check()?;
    conn.transaction(|conn| {
        let hook = get(conn, id)?;
        if_match.check(hook.revision)?;
        let reenabled = edit.enabled == Some(true) && !hook.enabled;
        let changes = WebhookChanges {
            url: edit.url,
            description: edit.description,
            events,
            enabled: edit.enabled,
            disabled_reason: reenabled.then_some(None),
            failing_since: reenabled.then_some(None),
        };
        repo::webhooks::update(conn, id, &changes, now)?;
        Ok(())
    })
}

pub fn delete(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let hook = get(conn, id)?;
        if_match.check(hook.revision)?;
        repo::webhooks::delete(conn, id)?;
        Ok(())
    })
}

/// Queues a `ping` to webhook `id`; answers its event id.
pub fn ping(conn: &mut Conn, id: i64, now: NaiveDateTime) -> Result<String, WriteError> {
    let hook = get(conn, id)?;
    let event_id = format!("msg_ping_{}", uuid::Uuid::new_v4().simple());
    let body = json!({
        "type": "ping",
        "timestamp": rfc3339(now),
        "data": {"webhook_id": hook.id, "url": hook.url},
    })
    .to_string();
    let resource = event_id.clone();
    repo::webhooks::insert_deliveries(
        conn,
        &[NewDelivery {
            webhook_id: hook.id,
            event_id: &event_id,
            event_type: "ping",
            resource: &resource,
            body: &body,
            status: "pending",
            next_attempt_at: now,
            created_at: now,
        }],
    )?;
    Ok(event_id)
}

/// Makes delivery `delivery` of webhook `id` due again now; answers its
/// event id.
pub fn retry(
    conn: &mut Conn,
    id: i64,
    delivery: i64,
    now: NaiveDateTime,
) -> Result<String, WriteError> {
    get(conn, id)?;
    repo::webhooks::retry(conn, id, delivery, now)?
        .ok_or_else(|| WriteError::NotFound("no such delivery".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_of_the_log_names_a_documented_event_or_none() {
        let actions = [
            "created",
            "published",
            "went_live",
            "updated",
            "unpublished",
            "trashed",
            "deleted",
        ];
        for resource in [
            "post", "category", "tag", "menu", "media", "edition", "author", "comment",
        ] {
            for action in actions {
                match event_type(resource, action) {
                    Some(e) => assert!(EVENTS.contains(&e), "{resource} {action}: {e}"),
                    None => assert!(
                        resource == "author" || resource == "comment",
                        "{resource} {action}"
                    ),
                }
            }
        }
        assert_eq!(event_type("comment", "received"), Some("comment.created"));
        assert_eq!(event_type("comment", "created"), Some("comment.approved"));
        assert_eq!(event_type("site", "updated"), Some("site.updated"));
        assert_eq!(event_type("post", "went_live"), Some("post.published"));
        assert_eq!(event_type("post", "trashed"), Some("post.deleted"));
        assert_eq!(event_type("category", "updated"), Some("category.updated"));
    }
}

//! Webhooks, their deliveries and attempts, and the outbox cursor
//! (migration 000013). What they mean: [`crate::webhooks`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_outbox, webhooks};
use crate::db::Conn;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// Space-separated event types, or `*`.
    pub events: String,
    pub enabled: bool,
    pub sealed_secret: String,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub from_change_id: i64,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    /// Whether it listens to events of `event_type`.
    pub fn listens_to(&self, event_type: &str) -> bool {
        self.events
            .split_whitespace()
            .any(|e| e == "*" || e == event_type)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a str,
    pub enabled: bool,
    pub sealed_secret: &'a str,
    pub from_change_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<String>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub resource: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub webhook_id: i64,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub resource: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub response_status: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub attempted_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttempt<'a> {
    pub delivery_id: i64,
    pub attempt: i32,
    pub response_status: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
    pub attempted_at: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, new: &NewWebhook<'_>) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::insert_into(webhooks::table)
        .values(new)
        .returning(webhooks::id)
        .get_result(c))
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<WebhookRow>> {
    with_conn!(conn, c => webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(c)
        .optional())
}

/// Whether any webhook is enabled.
pub fn any_enabled(conn: &mut Conn) -> QueryResult<bool> {
    with_conn!(conn, c => diesel::select(diesel::dsl::exists(
        webhooks::table.filter(webhooks::enabled.eq(true)),
    ))
    .get_result(c))
}

/// Every webhook, oldest first.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<WebhookRow>> {
    with_conn!(conn, c => webhooks::table
        .order(webhooks::id.asc())
        .select(WebhookRow::as_select())
        .load(c))
}

/// Applies `changes` to webhook `id` and counts a revision; answers
/// whether it exists.
pub fn update(
    conn: &mut Conn,
    id: i64,
    changes: &WebhookChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(webhooks::table.find(id))
        .set((
            changes,
            webhooks::revision.eq(webhooks::revision + 1),
            webhooks::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(n == 1)
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    let n = with_conn!(conn, c => {
        diesel::delete(webhook_attempts::table.filter(
            webhook_attempts::delivery_id.eq_any(
                webhook_deliveries::table
                    .filter(webhook_deliveries::webhook_id.eq(id))
                    .select(webhook_deliveries::id),
            ),
        ))
        .execute(c)?;
        diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
            .execute(c)?;
        diesel::delete(webhooks::table.find(id)).execute(c)
    })?;
    Ok(n == 1)
}

/// Takes the outbox's row lock for the caller's transaction (a write, so
/// SQLite takes its write lock now rather than fail to upgrade later) and
/// answers the last change id turned into deliveries.
pub fn lock_outbox(conn: &mut Conn) -> QueryResult<i64> {
    with_conn!(conn, c => diesel::update(webhook_outbox::table.find(1))
        .set(webhook_outbox::last_change_id.eq(webhook_outbox::last_change_id))
        .execute(c))?;
    outbox(conn)
}

pub fn set_outbox(conn: &mut Conn, last_change_id: i64) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(webhook_outbox::table.find(1))
        .set(webhook_outbox::last_change_id.eq(last_change_id))
        .execute(c))?;
    Ok(())
}

/// The last change id turned into deliveries (no lock).
pub fn outbox(conn: &mut Conn) -> QueryResult<i64> {
    with_conn!(conn, c => webhook_outbox::table
        .find(1)
        .select(webhook_outbox::last_change_id)
        .first(c))
}

pub fn insert_deliveries(conn: &mut Conn, rows: &[NewDelivery<'_>]) -> QueryResult<()> {
    if !rows.is_empty() {
        with_conn!(conn, c => diesel::insert_into(webhook_deliveries::table).values(rows).execute(c))?;
    }
    Ok(())
}

/// Claims up to `limit` due deliveries of enabled webhooks until
/// `until`: pending, due by `now`, not claimed by an attempt still in its
/// time, and the oldest pending one of their webhook and resource (so one
/// resource's events arrive in commit order). One statement: two
/// instances never claim the same row (PostgreSQL skips rows another
/// claims; SQLite has one writer). With nothing pending and due it
/// writes nothing: one read of the partial index.
pub fn claim_due(
    conn: &mut Conn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let due = with_conn!(conn, c => diesel::select(diesel::dsl::exists(
        webhook_deliveries::table
            .filter(literally_equal!("webhook_deliveries.status", "pending"))
            .filter(webhook_deliveries::next_attempt_at.le(now)),
    ))
    .get_result::<bool>(c))?;
    if !due {
        return Ok(Vec::new());
    }
    let condition = "d.status = 'pending' AND d.next_attempt_at <= $1 \
         AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
         AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.enabled) \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id \
             AND e.resource = d.resource AND e.status = 'pending' AND e.id < d.id)";
    let columns = "id, webhook_id, event_id, event_type, resource, body, status, attempts, \
                   next_attempt_at, claimed_until, created_at, finished_at";
    match conn {
        Conn::Pg(c) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET claimed_until = $2 WHERE id IN \
             (SELECT d.id FROM webhook_deliveries d WHERE {condition} ORDER BY d.id LIMIT $3 \
              FOR UPDATE SKIP LOCKED) RETURNING {columns}"
        ))
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(until)
        .bind::<BigInt, _>(limit)
        .load(c),
        Conn::Sqlite(c) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET claimed_until = ?2 WHERE id IN \
             (SELECT d.id FROM webhook_deliveries d WHERE {} ORDER BY d.id LIMIT ?3) \
             RETURNING {columns}",
            condition.replace("$1", "?1")
        ))
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(until)
        .bind::<BigInt, _>(limit)
        .load(c),
    }
}

/// Records an attempt of delivery `id` and its outcome: `status`
/// (`pending` again with `next_attempt_at`, `delivered` or `failed`).
pub fn finish_attempt(
    conn: &mut Conn,
    id: i64,
    attempt: &NewAttempt<'_>,
    status: &str,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<()> {
    let finished = (status != "pending").then_some(attempt.attempted_at);
    with_conn!(conn, c => {
        diesel::insert_into(webhook_attempts::table).values(attempt).execute(c)?;
        diesel::update(webhook_deliveries::table.find(id))
            .set((
                webhook_deliveries::status.eq(status),
                webhook_deliveries::attempts.eq(attempt.attempt),
                webhook_deliveries::next_attempt_at.eq(next_attempt_at),
                webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::finished_at.eq(finished),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// Makes delivery `id` of webhook `webhook_id` due again now, whatever
/// its state; answers its event id, if it exists.
pub fn retry(
    conn: &mut Conn,
    webhook_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    with_conn!(conn, c => diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::webhook_id.eq(webhook_id)),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::next_attempt_at.eq(now),
        webhook_deliveries::finished_at.eq(None::<NaiveDateTime>),
    ))
    .returning(webhook_deliveries::event_id)
    .get_result(c)
    .optional())
}

/// One delivery's attempt, as the deliveries list shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct AttemptLine {
    #[diesel(sql_type = BigInt)]
    pub delivery_id: i64,
    #[diesel(sql_type = Text)]
    pub event_id: String,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamp)]
    pub next_attempt_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Integer>)]
    pub attempt: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub response_status: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub duration_ms: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub attempted_at: Option<NaiveDateTime>,
}

/// The newest `limit` deliveries of webhook `id` after skipping
/// `offset`, each with its attempts (a delivery not yet tried has one line
/// without an attempt), newest delivery first, attempts in order; and how
/// many deliveries it has.
pub fn attempts(
    conn: &mut Conn,
    id: i64,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AttemptLine>, i64)> {
    let total: i64 = with_conn!(conn, c => webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .count()
        .get_result(c))?;
    let sql = "SELECT d.id AS delivery_id, d.event_id, d.event_type, d.status, d.next_attempt_at, \
               a.attempt, a.response_status, a.duration_ms, a.error, a.attempted_at \
               FROM (SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3) d \
               LEFT JOIN webhook_attempts a ON a.delivery_id = d.id \
               ORDER BY d.id DESC, a.attempt ASC";
    let lines = match conn {
        Conn::Pg(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .load(c)?,
        Conn::Sqlite(c) => diesel::sql_query(sql.replace('$', "?"))
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .load(c)?,
    };
    Ok((lines, total))
}

/// Deliveries by status, and when the oldest pending one was made.
pub struct Queue {
    pub by_status: Vec<(String, i64)>,
    pub oldest_pending: Option<NaiveDateTime>,
}

/// The queue as the database holds it (every instance's).
pub fn queue(conn: &mut Conn) -> QueryResult<Queue> {
    with_conn!(conn, c => {
        let by_status = webhook_deliveries::table
            .group_by(webhook_deliveries::status)
            .select((webhook_deliveries::status, diesel::dsl::count_star()))
            .load(c)?;
        let oldest = webhook_deliveries::table
            .filter(literally_equal!("webhook_deliveries.status", "pending"))
            .select(diesel::dsl::min(webhook_deliveries::created_at))
            .first(c)?;
        Ok(Queue {
            by_status,
            oldest_pending: oldest,
        })
    })
}

/// Notes an attempt's outcome on webhook `id`: a success clears its
/// failing time; a failure starts it, and disables the webhook once it
/// has failed for `disable_after`.
pub fn note_outcome(
    conn: &mut Conn,
    id: i64,
    ok: bool,
    now: NaiveDateTime,
    disable_after: chrono::Duration,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        if ok {
            diesel::update(webhooks::table.find(id).filter(webhooks::failing_since.is_not_null()))
                .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
                .execute(c)?;
            return Ok(());
        }
        diesel::update(webhooks::table.find(id).filter(webhooks::failing_since.is_null()))
            .set(webhooks::failing_since.eq(now))
            .execute(c)?;
        let since: Option<Option<NaiveDateTime>> = webhooks::table
            .find(id)
            .select(webhooks::failing_since)
            .first(c)
            .optional()?;
        if let Some(Some(since)) = since {
            if now - since >= disable_after {
                let reason = format!(
                    "disabled at {} after failing since {}",
                    now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    since.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                diesel::update(webhooks::table.find(id))
                    .set((webhooks::enabled.eq(false), webhooks::disabled_reason.eq(reason)))
                    .execute(c)?;
            }
        }
        Ok(())
    })
}

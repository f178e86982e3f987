//! Sending deliveries: claim what is due, POST it signed, record the
//! attempt. Runs on every instance beside the server, never on a
//! request's path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::{on_connection as blocking, Pool};
use crate::domain;
use crate::repo;
use crate::repo::webhooks::{DeliveryRow, NewAttempt, WebhookRow};
use crate::webhooks::secret::{self, Sealer};
use crate::webhooks::{fan_out, target};

/// How deliveries are made (`NASHR_WEBHOOK_*`).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Each attempt's limit, connecting and answering.
    pub timeout: Duration,
    /// The wait before the first retry; it doubles each time, up to an
    /// hour, with a fifth either way of jitter.
    pub first_retry: Duration,
    /// How long a delivery is retried before it is marked failed.
    pub retry_for: chrono::Duration,
    /// A webhook failing for this long is disabled.
    pub disable_after: chrono::Duration,
    /// Whether targets on private networks are allowed.
    pub allow_private: bool,
}

/// At most this much of a response body is read (and then dropped).
const BODY_LIMIT: usize = 4096;
/// Deliveries claimed per pass.
const BATCH: usize = 32;
/// Attempts in flight at once, per instance.
const IN_FLIGHT: usize = 64;

/// The outcome of one attempt.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    took: Duration,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Delivers webhooks for as long as the process runs: turns the change
/// log into deliveries, claims the due ones and sends each on its own (a
/// slow receiver holds up only its own deliveries), at most `IN_FLIGHT`
/// at a time, and waits a little when there was nothing to do.
pub async fn run(pool: Pool, sealer: Sealer, policy: Policy) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .dns_resolver(Arc::new(Guard {
            allow_private: policy.allow_private,
        }))
        .user_agent(concat!("nashr-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks cannot be delivered: no HTTP client");
            return;
        }
    };
    let (sealer, policy) = (Arc::new(sealer), Arc::new(policy));
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    // A claim outlives the longest attempt, so that a delivery is sent
    // again only when the instance that claimed it is gone.
    let lease =
        chrono::Duration::from_std(policy.timeout * 2 + Duration::from_secs(5)).unwrap_or_default();
    let mut quick = QUICK.len();
    loop {
        let free = slots.available_permits().min(BATCH);
        let claimed = if free == 0 {
            Vec::new()
        } else {
            blocking(&pool, "claiming webhook deliveries", move |conn| {
                let now = domain::now();
                fan_out(conn, now, 500)?;
                let due = repo::webhooks::claim_due(conn, now, now + lease, free as i64)?;
                if due.is_empty() {
                    return Ok(Vec::new());
                }
                let hooks = repo::webhooks::all(conn)?;
                Ok::<_, diesel::result::Error>(
                    due.into_iter()
                        .filter_map(|d| {
                            let hook = hooks.iter().find(|h| h.id == d.webhook_id)?.clone();
                            Some((d, hook))
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .unwrap_or_default()
        };
        let busy = !claimed.is_empty();
        for (delivery, hook) in claimed {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let (client, pool, sealer, policy) =
                (client.clone(), pool.clone(), sealer.clone(), policy.clone());
            tokio::spawn(async move {
                let outcome = attempt(&client, &sealer, &policy, &hook, &delivery).await;
                record(&pool, &policy, &hook, &delivery, outcome).await;
                drop(slot);
            });
        }
        if busy {
            quick = QUICK.len();
            continue;
        }
        // Idle: wait for the next poll, or for a write on this instance;
        // after a write, look again soon (its transaction may not have
        // committed when it told us).
        if let Some(wait) = QUICK.get(quick) {
            quick += 1;
            tokio::time::sleep(*wait).await;
        } else {
            let woken = tokio::time::timeout(POLL, crate::content::changes::appended().notified());
            if woken.await.is_ok() {
                quick = 0;
            }
        }
    }
}

/// How often an idle instance looks for work written elsewhere.
const POLL: Duration = Duration::from_millis(200);
/// The looks after a write on this instance.
const QUICK: [Duration; 4] = [
    Duration::from_millis(2),
    Duration::from_millis(10),
    Duration::from_millis(30),
    Duration::from_millis(60),
];

/// One POST of `delivery` to `hook`.
async fn attempt(
    client: &reqwest::Client,
    sealer: &Sealer,
    policy: &Policy,
    hook: &WebhookRow,
    delivery: &DeliveryRow,
) -> Outcome {
    let started = Instant::now();
    let fail = |error: String| Outcome {
        status: None,
        error: Some(error),
        took: started.elapsed(),
    };
    let Some(secret) = sealer.open(&hook.sealed_secret) else {
        return fail(
            "the secret cannot be opened: the server's signing key changed; make the webhook again"
                .into(),
        );
    };
    // A literal address is never looked up, so the guard below would not
    // see it: check it here.
    match target::check_url(&hook.url) {
        Ok((host, port)) => {
            if host.parse::<std::net::IpAddr>().is_ok() {
                if let Err(why) = target::resolve(&host, port, policy.allow_private).await {
                    return fail(format!("url {why}"));
                }
            }
        }
        Err(why) => return fail(format!("url {why}")),
    }
    let timestamp = domain::now().and_utc().timestamp();
    let Some(signature) = secret::sign(&secret, &delivery.event_id, timestamp, &delivery.body)
    else {
        return fail("the secret is not a whsec_ secret".into());
    };
    let sent = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.body.clone())
        .send()
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(error) => return fail(describe(&error)),
    };
    let status = response.status().as_u16();
    let mut read = 0;
    while read < BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    Outcome {
        status: Some(status),
        error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
        took: started.elapsed(),
    }
}

/// A transport error in a few words, with its cause.
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = what.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// The wait before retry number `attempt` (from 1).
fn backoff(policy: &Policy, attempt: i32) -> Duration {
    let base = policy
        .first_retry
        .saturating_mul(1u32 << attempt.clamp(1, 20).saturating_sub(1) as u32)
        .min(Duration::from_secs(3600));
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    // 0.8 to 1.2 times the base.
    base.mul_f64(0.8 + 0.4 * f64::from(byte[0]) / 255.0)
}

/// Records an attempt: delivered, due again later, or failed for good.
async fn record(
    pool: &Pool,
    policy: &Policy,
    hook: &WebhookRow,
    delivery: &DeliveryRow,
    outcome: Outcome,
) {
    let (hook_id, delivery_id, created) = (hook.id, delivery.id, delivery.created_at);
    let attempt = delivery.attempts + 1;
    let policy = policy.clone();
    blocking(pool, "recording a webhook attempt", move |conn| {
        let now = domain::now();
        let ok = outcome.ok();
        let (status, next): (&str, NaiveDateTime) = if ok {
            ("delivered", now)
        } else if now - created >= policy.retry_for {
            ("failed", now)
        } else {
            let wait = chrono::Duration::from_std(backoff(&policy, attempt)).unwrap_or_default();
            ("pending", now + wait)
        };
        conn.transaction(|conn| {
            repo::webhooks::finish_attempt(
                conn,
                delivery_id,
                &NewAttempt {
                    delivery_id,
                    attempt,
                    response_status: outcome.status.map(i32::from),
                    duration_ms: outcome.took.as_millis() as i64,
                    error: outcome.error.as_deref(),
                    attempted_at: now,
                },
                status,
                next,
            )?;
            repo::webhooks::note_outcome(conn, hook_id, ok, now, policy.disable_after)
        })
    })
    .await;
}

/// Resolves names for the webhook client and refuses private addresses
/// at connection time (a name may resolve elsewhere than when the webhook
/// was made).
struct Guard {
    allow_private: bool,
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = target::resolve(&host, 0, allow_private).await.map_err(
                |why| -> Box<dyn std::error::Error + Send + Sync> {
                    format!("{host} {why}").into()
                },
            )?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

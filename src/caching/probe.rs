//! The one query a public read costs before it can be answered from
//! memory: where the change log stands ([`LogState`]), shared between the
//! requests that arrive together.

use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::domain;
use crate::error::ApiError;
use crate::repo;
use crate::repo::changes::LogState;
use crate::routes::Db;

/// Checks of the log, shared by requests: a request waits for the first
/// check that *starts* after it arrived (so it sees every write committed
/// before it came), and requests that arrive while a check runs share the
/// next one. Under load this makes one query serve many requests; alone,
/// a request runs its own.
#[derive(Debug, Default)]
pub struct Probe {
    state: Mutex<ProbeState>,
    done: tokio::sync::Notify,
}

/// What a check found, and the moment it looked.
pub type Found = (LogState, NaiveDateTime);

/// What a request does next about the log.
enum Step {
    /// Wait for the check that is running to finish.
    Wait,
    /// Run the check, for itself and whoever waits.
    RunForAll,
    /// The shared check failed: check alone.
    OwnCheck,
}

/// The check a request is running for others too.
struct Running<'a> {
    probe: &'a Probe,
    number: u64,
    found: Option<Found>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self.probe.lock();
        state.running = false;
        state.finished = Some((self.number, self.found));
        drop(state);
        self.probe.done.notify_waiters();
    }
}

#[derive(Debug, Default)]
struct ProbeState {
    /// Checks started so far; the one running, if any, is the last.
    started: u64,
    running: bool,
    /// The last finished check: its number and what it found (`None`
    /// when it failed, and each waiter then checks for itself).
    finished: Option<(u64, Option<Found>)>,
}

async fn look(db: &Db) -> Result<Found, ApiError> {
    db.run(|conn| {
        let now = domain::now();
        Ok((repo::changes::state(conn, now)?, now))
    })
    .await
}

impl Probe {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProbeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn check(&self, db: &Db) -> Result<Found, ApiError> {
        // The first check that may serve this request.
        let mut wanted = {
            let state = self.lock();
            state.started + 1
        };
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            let step = {
                let mut state = self.lock();
                match state.finished {
                    Some((n, Some(found))) if n >= wanted => return Ok(found),
                    Some((n, None)) if n >= wanted => Step::OwnCheck,
                    _ if !state.running => {
                        state.running = true;
                        state.started += 1;
                        wanted = state.started;
                        Step::RunForAll
                    }
                    _ => Step::Wait,
                }
            };
            match step {
                Step::Wait => done.await,
                Step::OwnCheck => break,
                Step::RunForAll => {
                    // Finishes the check even if this request is dropped
                    // midway (its client went away): waiters then check
                    // for themselves.
                    let mut running = Running {
                        probe: self,
                        number: wanted,
                        found: None,
                    };
                    let found = look(db).await;
                    running.found = found.as_ref().ok().copied();
                    return found;
                }
            }
        }
        look(db).await
    }
}

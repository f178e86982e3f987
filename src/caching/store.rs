//! Whole public responses kept in memory, each with the surrogate keys of
//! what it shows, and dropped when a change names one of them.
//!
//! Every request first asks where the change log stands (one query,
//! shared with the requests that arrive together: [`Probe`]). When the
//! log has moved since this instance last looked, it reads the new rows
//! (one indexed query, by one request while the others wait) and drops
//! the responses they make stale; so does a scheduled post whose time has
//! come, before the log records it. Whatever no change names stays, with
//! its bytes and `ETag`: a draft saved, a login, a token used drop
//! nothing. Instances sharing a database each follow the log, so none
//! serves a copy older than a write acknowledged before the request came.

use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use chrono::NaiveDateTime;

use super::coding::Coding;
use super::keys::Keys;
use super::probe::Probe;
use crate::content::changes;
use crate::error::ApiError;
use crate::repo;
use crate::routes::Db;

/// Rows read at once when catching up; more than this behind, everything
/// is dropped (and the rest read on the next request).
const CATCH_UP: i64 = 1_000;

/// Keys whose last change is remembered; beyond, all are forgotten and
/// every response's `Last-Modified` becomes the latest change.
const MAX_KEY_TIMES: usize = 100_000;

/// An instance that has not looked at the log for this long drops
/// everything: the rows it missed may have been pruned.
const MAX_IDLE: Duration = Duration::from_secs(24 * 3600);

/// What a response is kept under: its URI and content coding.
pub type Key = (String, Option<Coding>);

/// A response as the cache keeps it.
#[derive(Debug)]
pub struct Cached {
    pub head: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    pub hash: String,
    pub keys: Keys,
    pub last_modified: NaiveDateTime,
}

impl Cached {
    fn size(&self, key: &Key) -> usize {
        let keys: usize = self.keys.items.iter().map(|k| k.len() + 24).sum();
        self.body.len() + key.0.len() + keys + 512
    }
}

/// The cache as a request found it: responses built now may be kept only
/// if nothing was dropped meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

#[derive(Debug)]
pub struct ResponseCache {
    budget: usize,
    parts_budget: usize,
    state: Mutex<State>,
    probe: Probe,
    /// Held by the one request reading new log rows.
    catching_up: tokio::sync::Mutex<()>,
    /// Responses being built, each by one request while the others that
    /// ask for it wait ([`ResponseCache::get_or_wait`]).
    building: Mutex<HashMap<Key, Arc<tokio::sync::Notify>>>,
}

/// The one request building a response that others wait for: they are
/// told when this goes.
pub struct Building<'a> {
    cache: &'a ResponseCache,
    key: Key,
}

impl Drop for Building<'_> {
    fn drop(&mut self) {
        let waiting = self
            .cache
            .building
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
        if let Some(done) = waiting {
            done.notify_waiters();
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// `None` until the first look at the log.
    followed: Option<Followed>,
    /// Bumped whenever responses are dropped.
    epoch: u64,
    entries: HashMap<Key, Arc<Cached>>,
    bytes: usize,
    /// Parts that responses are built from (a post's public view), kept
    /// within their own budget, so that a response built anew reuses
    /// them; dropped like responses, by the keys of what they show.
    parts: HashMap<PartKey, Part>,
    parts_bytes: usize,
    /// Counts parts kept, so that the oldest go first.
    parts_seq: u64,
    /// When each key was last named by a change.
    key_times: HashMap<String, NaiveDateTime>,
    /// The `Last-Modified` of keys no change has named since.
    base: Option<NaiveDateTime>,
    /// The latest change seen.
    latest: Option<NaiveDateTime>,
}

/// How far this instance has followed the log.
#[derive(Debug, Clone, Copy)]
struct Followed {
    /// The last row applied.
    last_id: i64,
    /// Posts going live by their time are applied up to here.
    live_until: NaiveDateTime,
    looked: Instant,
}

/// What a catch-up found: the log's new rows, and what posts went live.
struct Caught {
    rows: Vec<repo::changes::ChangeRow>,
    /// Keys of posts that went live by their time (`Some(None)`: too many
    /// to name).
    live: Option<Option<BTreeSet<String>>>,
    /// When the latest of them went live.
    live_at: Option<NaiveDateTime>,
    /// Posts going live are applied up to here.
    now: NaiveDateTime,
}

impl ResponseCache {
    pub fn new(budget: usize, parts_budget: usize) -> ResponseCache {
        ResponseCache {
            budget,
            parts_budget,
            state: Mutex::new(State::default()),
            probe: Probe::default(),
            catching_up: tokio::sync::Mutex::new(()),
            building: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Brings the cache up to the log: what a request does first.
    pub async fn validate(&self, db: &Db) -> Result<Stamp, ApiError> {
        let (log, now) = self.probe.check(db).await?;
        {
            let mut state = self.lock();
            match state.followed {
                None => {
                    let started = [log.last_at, log.last_live].into_iter().flatten().max();
                    state.base = Some(started.unwrap_or(now));
                    state.latest = state.base;
                    state.followed = Some(Followed {
                        last_id: log.last_id,
                        live_until: now,
                        looked: Instant::now(),
                    });
                    return Ok(Stamp(state.epoch));
                }
                Some(f) => {
                    let behind = log.last_id > f.last_id;
                    let went_live = log.last_live.is_some_and(|t| t > f.live_until);
                    if !behind && !went_live && f.looked.elapsed() < MAX_IDLE {
                        let f = state.followed.as_mut().expect("followed");
                        f.live_until = f.live_until.max(now);
                        f.looked = Instant::now();
                        return Ok(Stamp(state.epoch));
                    }
                }
            }
        }
        let _one = self.catching_up.lock().await;
        let followed = self.lock().followed.expect("followed once looked");
        if followed.looked.elapsed() >= MAX_IDLE {
            self.drop_all(log.last_at.unwrap_or(now), log.last_id, now);
            return Ok(Stamp(self.lock().epoch));
        }
        if followed.last_id >= log.last_id && followed.live_until >= now {
            // Another request caught up past this one's look meanwhile.
            return Ok(Stamp(self.lock().epoch));
        }
        // Posts that went live by their time up to the probe's moment.
        let went_live = log.last_live.filter(|t| *t > followed.live_until);
        let caught = db
            .run(move |conn| {
                let rows = repo::changes::after(conn, followed.last_id, CATCH_UP)?;
                let live = match went_live {
                    Some(_) => Some(changes::going_live(conn, followed.live_until, now)?),
                    None => None,
                };
                Ok(Caught {
                    rows,
                    live,
                    live_at: went_live,
                    now,
                })
            })
            .await?;
        self.apply(caught);
        Ok(Stamp(self.lock().epoch))
    }

    /// Drops what `caught` makes stale, and notes when each key changed.
    fn apply(&self, caught: Caught) {
        let mut state = self.lock();
        let Some(mut followed) = state.followed else {
            return;
        };
        if caught.rows.is_empty() && caught.live.is_none() {
            // Another request caught up first.
            return;
        }
        let mut changed: BTreeSet<String> = BTreeSet::new();
        let mut everything = caught.rows.len() as i64 >= CATCH_UP;
        for row in &caught.rows {
            followed.last_id = followed.last_id.max(row.id);
            for key in row.surrogate_keys.split_whitespace() {
                state.note(key, row.changed_at);
                changed.insert(key.to_string());
            }
        }
        match caught.live {
            Some(Some(keys)) => {
                let at = caught.live_at.unwrap_or(caught.now);
                for key in &keys {
                    state.note(key, at);
                }
                changed.extend(keys);
            }
            Some(None) => everything = true,
            None => {}
        }
        followed.live_until = followed.live_until.max(caught.now);
        followed.looked = Instant::now();
        state.followed = Some(followed);
        if everything {
            let latest = state.latest.unwrap_or(caught.now);
            state.clear(latest);
        } else if !changed.is_empty() {
            let mut freed = 0;
            state.entries.retain(|key, cached| {
                let stale = cached.keys.stale_after(&changed);
                if stale {
                    freed += cached.size(key);
                }
                !stale
            });
            state.bytes -= freed.min(state.bytes);
            let mut freed = 0;
            state.parts.retain(|_, part| {
                let stale = part.keys.iter().any(|k| changed.contains(k));
                if stale {
                    freed += part.size;
                }
                !stale
            });
            state.parts_bytes -= freed.min(state.parts_bytes);
        }
        state.epoch += 1;
    }

    /// Forgets every response and every key's time (an instance that
    /// lost track of the log).
    fn drop_all(&self, latest: NaiveDateTime, last_id: i64, now: NaiveDateTime) {
        let mut state = self.lock();
        state.clear(latest);
        state.followed = Some(Followed {
            last_id,
            live_until: now,
            looked: Instant::now(),
        });
        state.epoch += 1;
    }

    /// The `Last-Modified` of a response with `keys`: the last change
    /// that named one of them.
    pub fn last_modified(&self, keys: &Keys) -> NaiveDateTime {
        let state = self.lock();
        let base = state.base.unwrap_or_default();
        if keys.everything {
            return state.latest.unwrap_or(base);
        }
        keys.names()
            .filter_map(|k| state.key_times.get(k))
            .copied()
            .fold(base, NaiveDateTime::max)
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Cached>> {
        if self.budget == 0 {
            return None;
        }
        self.lock().entries.get(key).cloned()
    }

    /// The kept response for `key`; or, when none is kept, to build it
    /// (with a guard when others will wait for it). A response that
    /// another request is building already is waited for: a change makes
    /// every connection miss at once; one builds, the others take its
    /// answer (or build their own, if it was not kept).
    pub async fn get_or_wait(&self, key: &Key) -> Result<Arc<Cached>, Option<Building<'_>>> {
        if self.budget == 0 {
            return Err(None);
        }
        if let Some(found) = self.get(key) {
            return Ok(found);
        }
        let done = {
            let mut building = self.building.lock().unwrap_or_else(|e| e.into_inner());
            match building.get(key) {
                Some(done) => done.clone(),
                None => {
                    building.insert(key.clone(), Arc::new(tokio::sync::Notify::new()));
                    return Err(Some(Building {
                        cache: self,
                        key: key.clone(),
                    }));
                }
            }
        };
        let notified = done.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Built and kept between the look and now?
        if let Some(found) = self.get(key) {
            return Ok(found);
        }
        notified.await;
        self.get(key).ok_or(None)
    }

    /// Keeps `cached` unless something was dropped since `stamp` (it may
    /// show what is gone); when the budget is spent, the oldest half goes.
    pub fn put(&self, stamp: Stamp, key: Key, cached: Arc<Cached>) {
        let size = cached.size(&key);
        if self.budget == 0 || size > self.budget / 8 {
            return;
        }
        let mut state = self.lock();
        if state.epoch != stamp.0 {
            return;
        }
        if state.bytes + size > self.budget {
            state.shrink(self.budget / 2);
        }
        state.bytes += size;
        if let Some(old) = state.entries.insert(key.clone(), cached) {
            state.bytes -= old.size(&key).min(state.bytes);
        }
    }
}

/// What a part is kept under: its kind (`"post"`) and id.
pub type PartKey = (&'static str, i64);

/// A part of responses as the cache keeps it.
#[derive(Debug)]
struct Part {
    value: Arc<dyn Any + Send + Sync>,
    /// The surrogate keys of what it shows: a change naming one drops it.
    keys: BTreeSet<String>,
    size: usize,
    seq: u64,
}

impl ResponseCache {
    /// The part kept under `key`, if it is a `T`.
    /// Whether parts are kept at all (a budget above 0).
    pub fn keeps_parts(&self) -> bool {
        self.parts_budget > 0
    }

    pub fn part<T: Any + Send + Sync>(&self, key: PartKey) -> Option<Arc<T>> {
        if self.parts_budget == 0 {
            return None;
        }
        let value = self.lock().parts.get(&key)?.value.clone();
        value.downcast::<T>().ok()
    }

    /// Keeps `value` under `key` until a change names one of `keys`,
    /// unless something was dropped since `stamp`; when the budget is
    /// spent, the oldest half goes.
    pub fn put_part<T: Any + Send + Sync>(
        &self,
        stamp: Stamp,
        key: PartKey,
        value: Arc<T>,
        keys: BTreeSet<String>,
        size: usize,
    ) {
        let size = size + keys.iter().map(|k| k.len() + 24).sum::<usize>() + 128;
        if self.parts_budget == 0 || size > self.parts_budget / 8 {
            return;
        }
        let mut state = self.lock();
        if state.epoch != stamp.0 {
            return;
        }
        if state.parts_bytes + size > self.parts_budget {
            state.shrink_parts(self.parts_budget / 2);
        }
        state.parts_seq += 1;
        let part = Part {
            value,
            keys,
            size,
            seq: state.parts_seq,
        };
        state.parts_bytes += size;
        if let Some(old) = state.parts.insert(key, part) {
            state.parts_bytes -= old.size.min(state.parts_bytes);
        }
    }
}

impl State {
    /// Drops parts until at most `target` bytes are kept, the oldest first.
    fn shrink_parts(&mut self, target: usize) {
        evict(&mut self.parts, &mut self.parts_bytes, target, |_, p| {
            (p.seq, p.size)
        });
    }

    fn note(&mut self, key: &str, at: NaiveDateTime) {
        if self.key_times.len() >= MAX_KEY_TIMES && !self.key_times.contains_key(key) {
            self.key_times.clear();
            self.base = self.latest;
        }
        let time = self.key_times.entry(key.to_string()).or_insert(at);
        *time = (*time).max(at);
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
    }

    fn clear(&mut self, latest: NaiveDateTime) {
        self.entries.clear();
        self.bytes = 0;
        self.parts.clear();
        self.parts_bytes = 0;
        self.key_times.clear();
        self.base = Some(latest);
        self.latest = Some(latest);
    }

    /// Drops responses until at most `target` bytes are kept: those
    /// changed longest ago first (a cheap stand-in for least recently
    /// used).
    fn shrink(&mut self, target: usize) {
        evict(&mut self.entries, &mut self.bytes, target, |key, c| {
            (c.last_modified, c.size(key))
        });
    }
}

/// Removes entries of `map`, lowest `age_and_size` age first, until
/// `bytes` (what `map` holds, kept up to date) is at most `target`.
fn evict<K, V, A>(
    map: &mut HashMap<K, V>,
    bytes: &mut usize,
    target: usize,
    age_and_size: impl Fn(&K, &V) -> (A, usize),
) where
    K: Clone + Eq + std::hash::Hash,
    A: Ord,
{
    let mut by_age: Vec<(A, K)> = map
        .iter()
        .map(|(k, v)| (age_and_size(k, v).0, k.clone()))
        .collect();
    by_age.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (_, key) in by_age {
        if *bytes <= target {
            break;
        }
        if let Some(old) = map.remove(&key) {
            *bytes -= age_and_size(&key, &old).1.min(*bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_drops_the_oldest_until_the_target_is_met() {
        // key -> (age, size)
        let mut map: HashMap<&str, (u32, usize)> = HashMap::from([
            ("c", (3, 10)),
            ("a", (1, 10)),
            ("d", (4, 10)),
            ("b", (2, 10)),
        ]);
        let mut bytes = 40;
        evict(&mut map, &mut bytes, 20, |_, v| *v);
        assert_eq!(bytes, 20);
        let mut left: Vec<&str> = map.keys().copied().collect();
        left.sort_unstable();
        assert_eq!(left, ["c", "d"]);
        // Nothing goes when the target is met already.
        evict(&mut map, &mut bytes, 30, |_, v| *v);
        assert_eq!(map.len(), 2);
    }
}

//! Files leave the media store here and nowhere else: a file goes once its
//! note in `pending_files` is claimed and no media item uses it, both in
//! one transaction, so an upload storing the same bytes at that moment
//! (the store is content-addressed) waits and then stores them again.
//!
//! Notes are made before an upload stores its files and forgotten when its
//! item commits; a deleted item notes its files too. Whatever a crash cut
//! off is removed by [`sweep`] once its note is older than
//! `NASHR_UPLOAD_GRACE`, on every instance at start and then periodically.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::Conn;
use crate::media::Store;
use crate::repo;

/// Why files could not be removed; nothing noted is lost, a later sweep
/// tries again.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("the media store is not available")]
    Store,
}

/// Keys looked at per round of a sweep.
const BATCH: i64 = 200;

pub use crate::repo::pending_files::released_at;

/// Removes the files of `keys` whose notes are older than `before` and
/// that no item uses; answers how many went. `runtime` drives the store's
/// calls from this (blocking) thread.
pub fn release(
    conn: &mut Conn,
    store: &Store,
    runtime: &tokio::runtime::Handle,
    keys: &[String],
    before: NaiveDateTime,
) -> Result<usize, FilesError> {
    let mut removed = 0;
    for key in keys {
        let gone = conn.transaction(|conn| {
            if !repo::pending_files::claim(conn, key, before)? {
                return Ok::<_, FilesError>(false);
            }
            if repo::media::key_in_use(conn, key)? {
                return Ok(false);
            }
            // A failure rolls the claim back: the next sweep tries again.
            store.delete_blocking(runtime, key).map_err(|e| {
                tracing::warn!(%key, error = %e, "could not remove a file");
                FilesError::Store
            })?;
            Ok(true)
        })?;
        removed += usize::from(gone);
    }
    Ok(removed)
}

/// Removes every file noted more than `grace` ago that no item uses, and
/// (in a local store) temporary files a crash left half-written.
pub fn sweep(
    conn: &mut Conn,
    store: &Store,
    runtime: &tokio::runtime::Handle,
    grace: Duration,
) -> Result<usize, FilesError> {
    let before = crate::domain::now() - chrono::Duration::from_std(grace).unwrap_or_default();
    let mut removed = 0;
    loop {
        let due = repo::pending_files::due(conn, before, BATCH)?;
        if due.is_empty() {
            break;
        }
        removed += release(conn, store, runtime, &due, before)?;
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    if let Store::Local(local) = store {
        removed += local.remove_stale_temporaries(grace);
    }
    if removed > 0 {
        tracing::info!(removed, "removed files no media item uses");
    }
    Ok(removed)
}

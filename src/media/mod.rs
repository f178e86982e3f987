//! The media store and what goes into it.
//!
//! Keys are content-addressed (`ab/cd/<sha-256>.<ext>`), so storing the same
//! bytes twice keeps one file and a key never changes meaning; that is what
//! lets files be served with immutable cache headers. The store is a local
//! folder (served by Nashr at `/media/`) or S3-compatible object storage
//! shared by several instances; both answer the same calls.

pub mod clean;
pub mod detect;
pub mod files;
pub mod images;
pub mod probe;
pub mod upload;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};
use sha2::{Digest, Sha256};

/// How many files [`Store::put_all`] sends at once.
const PARALLEL_PUTS: usize = 8;

/// Cache policy of stored files: their keys never change meaning.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The key for `bytes` stored with extension `ext`.
pub fn content_key(bytes: &[u8], ext: &str) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/{}/{hex}.{ext}", &hex[..2], &hex[2..4])
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
    #[error("object store: {0}")]
    Object(#[from] object_store::Error),
}

/// Every file under `root`, at any depth: its path relative to `root`
/// (with `/`, as a store key) and its full path. Folders that cannot be
/// read are skipped.
pub fn files_under(root: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                files.push((rel.to_string_lossy().replace('\\', "/"), path));
            }
        }
    }
    files
}

/// Files in a local folder, served at `/media/`.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStore { root: root.into() }
    }

    /// Runs a file operation on `key` off the async threads.
    async fn off_thread<T: Send + 'static>(
        &self,
        key: &str,
        op: impl FnOnce(&LocalStore, &str) -> std::io::Result<T> + Send + 'static,
    ) -> std::io::Result<T> {
        let (local, key) = (self.clone(), key.to_string());
        tokio::task::spawn_blocking(move || op(&local, &key))
            .await
            .map_err(std::io::Error::other)?
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` and answers its key. The file is written under a
    /// temporary name and renamed into place, so a reader never sees half a
    /// file; storing bytes that are already there does nothing.
    pub fn put(&self, bytes: &[u8], ext: &str) -> std::io::Result<String> {
        let key = content_key(bytes, ext);
        self.put_at(&key, bytes)?;
        Ok(key)
    }

    /// Stores `bytes` at `key`; answers whether the file is new.
    pub fn put_at(&self, key: &str, bytes: &[u8]) -> std::io::Result<bool> {
        let path = self.root.join(key);
        if path.exists() {
            return Ok(false);
        }
        let dir = path.parent().expect("keys have a folder");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        match written.and_then(|()| std::fs::rename(&tmp, &path)) {
            Ok(()) => Ok(true),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.root.join(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes temporary files older than `age` that a crash left behind
    /// in the middle of a write; answers how many.
    pub fn remove_stale_temporaries(&self, age: Duration) -> usize {
        files_under(&self.root)
            .into_iter()
            .filter(|(key, _)| {
                let name = key.rsplit('/').next().unwrap_or_default();
                name.starts_with('.') && name.ends_with(".tmp")
            })
            .filter(|(_, path)| {
                std::fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|elapsed| elapsed >= age)
            })
            .filter(|(_, path)| std::fs::remove_file(path).is_ok())
            .count()
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.root.join(key)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Where S3-compatible object storage is, and how to reach its files.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Base URL clients fetch files from (a CDN, or the bucket's own URL).
    pub public_url: String,
    /// Prepended to every key (`site-a/`), to share a bucket.
    pub prefix: String,
}

/// Files in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Arc<AmazonS3>,
    prefix: String,
    public_url: String,
}

impl S3Store {
    pub fn new(s: &S3Settings) -> Result<S3Store, StoreError> {
        // An unreachable store fails an upload within seconds (503), not
        // after object_store's default three minutes of retries.
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
        };
        let client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_retry(retry)
            .with_client_options(client);
        if let Some(endpoint) = &s.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        Ok(S3Store {
            client: Arc::new(builder.build()?),
            prefix: s.prefix.trim_matches('/').to_string(),
            public_url: s.public_url.trim_end_matches('/').to_string(),
        })
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }
}

/// The media store.
#[derive(Debug, Clone)]
pub enum Store {
    Local(LocalStore),
    S3(S3Store),
}

impl Store {
    /// Base URL of stored files, without a trailing slash; a file's URL is
    /// this, `/`, and its key.
    pub fn public_base(&self, public_url: &str) -> String {
        match self {
            Store::Local(_) => format!("{public_url}/media"),
            Store::S3(s3) => {
                if s3.prefix.is_empty() {
                    s3.public_url.clone()
                } else {
                    format!("{}/{}", s3.public_url, s3.prefix)
                }
            }
        }
    }

    /// Stores `bytes` at `key` (content-addressed) with its media type;
    /// answers whether the file is new (false: the same bytes were there).
    pub async fn put(&self, key: &str, bytes: Vec<u8>, mime: &str) -> Result<bool, StoreError> {
        match self {
            Store::Local(local) => Ok(local
                .off_thread(key, move |l, k| l.put_at(k, &bytes))
                .await?),
            Store::S3(s3) => {
                let path = s3.path(key);
                if s3.client.head(&path).await.is_ok() {
                    return Ok(false);
                }
                let mut attributes = Attributes::new();
                attributes.insert(Attribute::ContentType, mime.to_string().into());
                attributes.insert(Attribute::CacheControl, IMMUTABLE.into());
                let options = PutOptions {
                    attributes,
                    ..Default::default()
                };
                s3.client
                    .put_opts(&path, PutPayload::from(bytes), options)
                    .await?;
                Ok(true)
            }
        }
    }

    /// Puts `files`, several at a time; answers the keys that were new.
    /// If any cannot be stored, removes the new ones that were, so that
    /// nothing of them is left behind, and answers the first error.
    pub async fn put_all<'f>(
        &self,
        files: impl IntoIterator<Item = &'f upload::File>,
    ) -> Result<Vec<String>, StoreError> {
        use futures_util::StreamExt;
        let puts = files.into_iter().map(|file| async move {
            let stored = self.put(&file.key, file.bytes.clone(), file.mime).await;
            (file.key.clone(), stored)
        });
        let mut done = futures_util::stream::iter(puts).buffer_unordered(PARALLEL_PUTS);
        let mut new = Vec::new();
        let mut failed = None;
        while let Some((key, stored)) = done.next().await {
            match stored {
                Ok(true) => new.push(key),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(%key, error = %e, "could not store a file");
                    failed.get_or_insert(e);
                }
            }
        }
        match failed {
            None => Ok(new),
            Some(e) => {
                self.delete_all(&new).await;
                Err(e)
            }
        }
    }

    /// Removes files, logging (not failing on) those it cannot remove.
    pub async fn delete_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.delete(key).await {
                tracing::warn!(%key, error = %e, "could not remove a stored file");
            }
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Store::Local(local) => Ok(local.off_thread(key, LocalStore::delete).await?),
            Store::S3(s3) => match s3.client.delete(&s3.path(key)).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// [`delete`](Self::delete) from a blocking thread; `runtime` drives
    /// the object store's calls.
    pub fn delete_blocking(
        &self,
        runtime: &tokio::runtime::Handle,
        key: &str,
    ) -> Result<(), StoreError> {
        match self {
            Store::Local(local) => Ok(local.delete(key)?),
            Store::S3(_) => runtime.block_on(self.delete(key)),
        }
    }

    /// The stored bytes at `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Store::Local(local) => Ok(local.off_thread(key, LocalStore::get).await?),
            Store::S3(s3) => match s3.client.get(&s3.path(key)).await {
                Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Every key stored (under the prefix), for tests and audits.
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Local(local) => Ok(files_under(&local.root)
                .into_iter()
                .map(|(key, _)| key)
                .collect()),
            Store::S3(s3) => {
                use futures_util::TryStreamExt;
                let prefix = (!s3.prefix.is_empty()).then(|| ObjectPath::from(s3.prefix.as_str()));
                let listed: Vec<_> = s3.client.list(prefix.as_ref()).try_collect().await?;
                let strip = if s3.prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}/", s3.prefix)
                };
                Ok(listed
                    .into_iter()
                    .map(|meta| {
                        meta.location
                            .to_string()
                            .trim_start_matches(strip.as_str())
                            .to_string()
                    })
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_bytes_share_one_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let a = store.put(b"same bytes", "txt").unwrap();
        let b = store.put(b"same bytes", "txt").unwrap();
        let c = store.put(b"other bytes", "txt").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.ends_with(".txt") && a.len() == 2 + 1 + 2 + 1 + 64 + 4);
        assert_eq!(std::fs::read(dir.path().join(&a)).unwrap(), b"same bytes");
    }
}

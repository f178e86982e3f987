//! The media store: where uploaded files and their renditions live.
//!
//! Keys are content-addressed (`ab/cd/<sha-256>.<ext>`), so storing the same
//! bytes twice keeps one file and a key never changes meaning; that is what
//! lets files be served with immutable cache headers.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The key for `bytes` stored with extension `ext`.
pub fn content_key(bytes: &[u8], ext: &str) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/{}/{hex}.{ext}", &hex[..2], &hex[2..4])
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

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` and answers its key. The file is written under a
    /// temporary name and renamed into place, so a reader never sees half a
    /// file; storing bytes that are already there does nothing.
    pub fn put(&self, bytes: &[u8], ext: &str) -> std::io::Result<String> {
        let key = content_key(bytes, ext);
        let path = self.root.join(&key);
        if path.exists() {
            return Ok(key);
        }
        let dir = path.parent().expect("keys have a folder");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        match written.and_then(|()| std::fs::rename(&tmp, &path)) {
            Ok(()) => Ok(key),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
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

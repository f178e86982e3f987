//! Script tokens: `nashr_` and 43 characters of randomness. Only a SHA-256
//! of the secret is stored; a token with that much entropy needs no slow
//! hash, and lookups stay one indexed query.

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "nashr_";

/// A new secret, with its hash and the prefix shown in lists.
pub fn generate() -> (String, String, String) {
    let secret = format!("{PREFIX}{}", super::random_token(32));
    let hash = hash(&secret);
    let shown = secret.chars().take(PREFIX.len() + 6).collect();
    (secret, hash, shown)
}

pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn looks_like_script_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}

//! Who is asking: login tokens (JWT), script tokens, passwords, and the
//! [`Principal`] they stand for. The HTTP side (the extractors that turn
//! an `Authorization: Bearer ...` header into one) is
//! [`crate::routes::principal`].

pub mod jwt;
pub mod password;
pub mod tokens;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::domain::access::{Scope, Scopes};
use crate::domain::Role;

/// Whether two secrets are equal, in time that does not depend on where
/// they first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    // Equal-length digests, so the length of the secret does not leak either.
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// `n` random bytes, URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An authenticated user, with what they may do on this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    /// The user's role now (not when the token was made).
    pub role: Role,
    /// For a login, the role's scopes; for a script token, its scopes
    /// intersected with the role's.
    pub scopes: Scopes,
    /// The script token used, if any.
    pub token_id: Option<i64>,
    /// The login token's id (`jti`), when a login token was used.
    pub session: Option<String>,
}

impl From<&Principal> for crate::domain::access::Actor {
    fn from(p: &Principal) -> Self {
        crate::domain::access::Actor {
            user_id: p.user_id,
            role: p.role,
        }
    }
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.scopes.contains(Scope::Admin)
    }
}

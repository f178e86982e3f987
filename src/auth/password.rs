//! Passwords: argon2id with the crate's recommended parameters.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// A hash of nothing anyone knows, checked when a user has no password (or
/// does not exist) so that every failed login costs the same time.
static DECOY: LazyLock<String> = LazyLock::new(|| hash(&super::random_token(32)));

/// Whether `password` matches `stored`. Always does the work of one argon2
/// verification, even when there is nothing to compare with.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (target, real) = match stored {
        Some(hash) if hash.starts_with("$argon2") => (hash, true),
        _ => (DECOY.as_str(), false),
    };
    let matched = Argon2::default()
        .verify_password(password.as_bytes(), target)
        .is_ok();
    matched && real
}

/// Makes sure the decoy exists before the first login needs it.
pub fn warm_up() {
    LazyLock::force(&DECOY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("کلمه‌عبور correct horse");
        let b = hash("کلمه‌عبور correct horse");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("کلمه‌عبور correct horse", Some(&a)));
        assert!(!verify("wrong", Some(&a)));
        assert!(!verify("anything", None));
        assert!(!verify("anything", Some("not-a-hash")));
    }
}

//! Webhook signing secrets: made, shown once, kept sealed.
//!
//! A secret is `whsec_` + base64 of 24 random bytes (the Standard Webhooks
//! form: receivers decode the part after the prefix and sign with it). The
//! database keeps it sealed with a key derived from the server's signing
//! key (`NASHR_JWT_SECRET`): the secret XOR-ed with an HMAC-SHA256 key
//! stream under a random nonce, and a tag that tells a wrong key from a
//! right one. With `NASHR_JWT_SECRET` set in the environment a database
//! dump alone does not reveal the secrets; without it the key is kept in
//! the database too, and a dump does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a secret as it is shown.
const PREFIX: &str = "whsec_";
/// The version prefix of a sealed secret.
const SEALED: &str = "v1.";

/// A new secret, as shown to the admin who made the webhook.
pub fn generate() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the operating system's random numbers");
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The key bytes a secret signs with (the base64 after `whsec_`).
pub fn key_bytes(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()
}

/// The base64 `v1,` signature of `id.timestamp.body` with `secret`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let mut mac = HmacSha256::new_from_slice(&key_bytes(secret)?).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Seals and opens secrets with a key derived from the server's own.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl Sealer {
    pub fn new(server_key: &[u8]) -> Sealer {
        let mut mac =
            HmacSha256::new_from_slice(b"nashr webhook secrets v1").expect("any key size");
        mac.update(server_key);
        Sealer {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn prf(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key size");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// `plain` XOR-ed with the key stream of `nonce`.
    fn stream(&self, nonce: &[u8], plain: &[u8]) -> Vec<u8> {
        plain
            .chunks(32)
            .enumerate()
            .flat_map(|(block, chunk)| {
                let pad = self.prf(&[b"stream", nonce, &(block as u64).to_be_bytes()]);
                chunk
                    .iter()
                    .zip(pad)
                    .map(|(b, p)| b ^ p)
                    .collect::<Vec<u8>>()
            })
            .collect()
    }

    /// The form the database keeps.
    pub fn seal(&self, secret: &str) -> String {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the operating system's random numbers");
        let sealed = self.stream(&nonce, secret.as_bytes());
        let tag = self.prf(&[b"tag", &nonce, &sealed]);
        let mut out = nonce.to_vec();
        out.extend_from_slice(&tag[..16]);
        out.extend(sealed);
        format!("{SEALED}{}", STANDARD.encode(out))
    }

    /// The secret again; `None` when it was sealed with another key (the
    /// server's signing key changed) or is not a sealed secret.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let raw = STANDARD.decode(sealed.strip_prefix(SEALED)?).ok()?;
        if raw.len() < 32 {
            return None;
        }
        let (nonce, rest) = raw.split_at(16);
        let (tag, body) = rest.split_at(16);
        let expected = self.prf(&[b"tag", nonce, body]);
        // Not secret-dependent timing worth guarding: the tag only tells a
        // wrong key from a right one.
        if expected[..16] != *tag {
            return None;
        }
        String::from_utf8(self.stream(nonce, body)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let secret = generate();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(key_bytes(&secret).unwrap().len(), 24);
        let sealer = Sealer::new(b"server key");
        let sealed = sealer.seal(&secret);
        assert!(!sealed.contains(&secret[6..]));
        assert_eq!(sealer.open(&sealed).as_deref(), Some(secret.as_str()));
        assert_eq!(Sealer::new(b"another key").open(&sealed), None);
        assert_ne!(sealer.seal(&secret), sealed, "a new nonce each time");
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}

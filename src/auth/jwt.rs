//! Login tokens: HS256 JWTs with `sub`, `role`, `iat`, `exp`, `iss`, `aud`
//! and `jti`. Only HS256 is accepted; `alg: none` and every other algorithm
//! are refused before the signature is looked at.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "nashr";
pub const AUDIENCE: &str = "nashr-api";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The role at login, for clients' information; requests use the
    /// user's role as it is at the time of each request.
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The user's session version at login: a password change, reset or
    /// disabling moves it on and so ends the token. Absent in tokens from
    /// before it existed, which count as version 0.
    #[serde(default)]
    pub ver: i32,
}

/// The signing key and token lifetime.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_secs: i64) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// A token for user `id` with `role` in session version `ver`, valid
    /// for the configured time.
    pub fn issue(&self, id: i64, role: &str, ver: i32) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: id.to_string(),
            role: role.to_string(),
            iat: now,
            exp: now + self.ttl_secs,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: uuid::Uuid::new_v4().to_string(),
            ver,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing does not fail")
    }

    /// The claims of a valid token, or why it is not.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidSignature => "the token's signature is not valid",
                ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidAlgorithmName
                | ErrorKind::UnsupportedAlgorithm => "the token is not signed with HS256",
                ErrorKind::InvalidIssuer => "the token was not issued by this server",
                ErrorKind::InvalidAudience => "the token is not meant for this API",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
                    "the token lacks a required claim"
                }
                _ => "the token is malformed",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", 60)
    }

    #[test]
    fn issued_tokens_verify() {
        let claims = keys().verify(&keys().issue(7, "editor", 0)).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("7", "editor"));
        assert_eq!(claims.iss, ISSUER);
    }

    #[test]
    fn tampered_tokens_fail() {
        let token = keys().issue(7, "editor", 0);
        let other = JwtKeys::new(b"another secret, also 32 bytes!!!", 60);
        assert!(other.verify(&token).is_err());
        let parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys()
            .verify(&format!("{none_header}.{}.", parts[1]))
            .is_err());
        assert!(keys().verify("not.a.token").is_err());
        let expired = JwtKeys::new(b"0123456789abcdef0123456789abcdef", -120).issue(7, "editor", 0);
        assert_eq!(
            keys().verify(&expired).unwrap_err(),
            "the token has expired"
        );
    }
}

//! HS256 minting for connected apps.
//!
//! jsonwebtoken 12 chooses its crypto backend at run time. Rather than enabling its
//! `rust_crypto` feature (RSA, P-256, P-384 and Ed25519 for one HMAC), we give it a
//! small HMAC-SHA256 provider over `ring`, which the TLS stack already builds. The
//! provider is installed only when the process has none yet, so an application that
//! chose its own jsonwebtoken backend keeps it (the pattern rustls uses).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, new_error};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header};
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// The longest validity Tableau accepts for a connected-app JWT (spec §12.1, code 16).
pub(crate) const MAX_CONNECTED_APP_JWT_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The claims Tableau reads from a connected-app JWT (spec §12.1).
#[derive(Serialize)]
struct ConnectedAppClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'static str,
    exp: u64,
    jti: String,
    /// Always an array: a single string is rejected by Tableau.
    scp: &'a [String],
}

/// What goes into one minted token.
pub(crate) struct MintInput<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) secret_id: &'a str,
    pub(crate) secret_value: &'a SecretString,
    pub(crate) username: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) lifetime: Duration,
    pub(crate) now: SystemTime,
}

/// Signs one connected-app JWT; every call has a fresh `jti`.
pub(crate) fn mint_connected_app_jwt(
    input: &MintInput<'_>,
) -> Result<SecretString, jsonwebtoken::errors::Error> {
    ensure_crypto_provider();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(input.secret_id.to_owned());
    // Tableau's sample puts the client id in the header; code 10083 means it is missing.
    header.extras.insert("iss", input.client_id);
    let lifetime = input.lifetime.min(MAX_CONNECTED_APP_JWT_LIFETIME);
    // A clock before 1970 is a broken host; fall back to 0 so the server rejects the
    // token as expired instead of this library panicking.
    let now = input
        .now
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let claims = ConnectedAppClaims {
        iss: input.client_id,
        sub: input.username,
        aud: "tableau",
        exp: (now + lifetime).as_secs(),
        jti: uuid::Uuid::new_v4().to_string(),
        scp: input.scopes,
    };
    let key = EncodingKey::from_secret(input.secret_value.expose_secret().as_bytes())?;
    jsonwebtoken::encode(&header, &claims, &key).map(SecretString::from)
}

/// Installs [`RING_HS256_PROVIDER`] unless the process already has a jsonwebtoken
/// provider (installed by the application, or chosen by a crate feature).
pub(crate) fn ensure_crypto_provider() {
    if CryptoProvider::try_get_default().is_none() {
        // Losing a race to another installer is fine: any provider does HS256.
        let _ = RING_HS256_PROVIDER.install_default();
    }
}

/// A jsonwebtoken provider that knows HS256 only, backed by `ring`.
static RING_HS256_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: ring_signer,
    verifier_factory: ring_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

struct RingHs256(hmac::Key);

fn ring_signer(
    algorithm: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    Ok(Box::new(RingHs256(hmac::Key::new(
        hmac::HMAC_SHA256,
        key.as_bytes(),
    ))))
}

fn ring_verifier(
    algorithm: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    Ok(Box::new(RingHs256(hmac::Key::new(
        hmac::HMAC_SHA256,
        key.try_get_as_bytes()?,
    ))))
}

impl signature::Signer<Vec<u8>> for RingHs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.0, msg).as_ref().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for RingHs256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        // ring compares in constant time.
        hmac::verify(&self.0, msg, signature).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for RingHs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for RingHs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        secret: &'a SecretString,
        scopes: &'a [String],
        lifetime: Duration,
    ) -> MintInput<'a> {
        MintInput {
            client_id: "client-1",
            secret_id: "secret-id-1",
            secret_value: secret,
            username: "alice@example.com",
            scopes,
            lifetime,
            now: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        }
    }

    #[test]
    fn ring_provider_signs_and_verifies_hs256_only() {
        let key = EncodingKey::from_secret(b"k3y").unwrap();
        let signer = (RING_HS256_PROVIDER.signer_factory)(&Algorithm::HS256, &key).unwrap();
        let signature = signer.try_sign(b"header.payload").unwrap();
        // Independent check with ring's one-shot API.
        let ring_key = hmac::Key::new(hmac::HMAC_SHA256, b"k3y");
        assert!(hmac::verify(&ring_key, b"header.payload", &signature).is_ok());
        let decoding = DecodingKey::from_secret(b"k3y").unwrap();
        let verifier =
            (RING_HS256_PROVIDER.verifier_factory)(&Algorithm::HS256, &decoding).unwrap();
        assert!(verifier.verify(b"header.payload", &signature).is_ok());
        assert!(verifier.verify(b"header.tampered", &signature).is_err());
        assert!((RING_HS256_PROVIDER.signer_factory)(&Algorithm::HS384, &key).is_err());
        assert!((RING_HS256_PROVIDER.verifier_factory)(&Algorithm::RS256, &decoding).is_err());
    }

    #[test]
    fn minted_token_has_tableau_header_and_claims() {
        let secret = SecretString::from("shh-value");
        let scopes = vec!["tableau:content:read".to_owned()];
        // Asking for an hour still yields at most ten minutes.
        let jwt =
            mint_connected_app_jwt(&input(&secret, &scopes, Duration::from_secs(3600))).unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.kid.as_deref(), Some("secret-id-1"));
        assert_eq!(
            header.extras.get::<String>("iss").unwrap().as_deref(),
            Some("client-1")
        );
        let claims: serde_json::Value =
            jsonwebtoken::dangerous::insecure_decode_claims(jwt.expose_secret()).unwrap();
        assert_eq!(claims["exp"], 1_800_000_000u64 + 600);
        assert_eq!(claims["aud"], "tableau");
        assert_eq!(claims["sub"], "alice@example.com");
        assert_eq!(claims["scp"], serde_json::json!(["tableau:content:read"]));
        assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    }
}

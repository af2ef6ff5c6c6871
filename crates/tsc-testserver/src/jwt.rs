//! JWT sign-in: connected-app (HS256) and Unified Access Token (RS256) verification, the UAT
//! key pair, and helpers that mint valid tokens for tests.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::config::UatSettings;
use crate::data::ConnectedAppData;
use crate::error::Error;

/// The claim that carries the tenant in a UAT.
pub const UAT_TENANT_CLAIM: &str = "https://tableau.com/tenantId";

/// Why a JWT was refused. Only the reason's name is ever logged; never the token.
pub(crate) type Refusal = &'static str;

/// What a verified JWT says.
pub(crate) struct VerifiedJwt {
    /// `sub` (connected app) or the configured username claim (UAT).
    pub(crate) username: String,
}

/// Used `jti` values with their `exp`, so a token cannot be replayed while still valid.
#[derive(Default)]
pub(crate) struct JtiStore {
    used: HashMap<String, i64>,
}

impl JtiStore {
    /// Records `jti`; false when it was already used and has not expired.
    fn claim(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        self.used.retain(|_, e| *e >= now);
        if self.used.contains_key(jti) {
            return false;
        }
        self.used.insert(jti.to_owned(), exp);
        true
    }
}

fn relaxed_validation(alg: Algorithm) -> Validation {
    // Claims are checked by hand below against the emulator's (movable) clock, so the
    // library only checks the signature and the algorithm.
    let mut v = Validation::new(alg);
    v.required_spec_claims = HashSet::new();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v
}

fn check_time_and_ids(
    claims: &Value,
    now: i64,
    max_lifetime: Duration,
    jtis: &mut JtiStore,
    require_jti: bool,
) -> Result<(), Refusal> {
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("exp missing")?;
    if exp <= now {
        return Err("exp in the past");
    }
    if exp > now + max_lifetime.as_secs() as i64 {
        return Err("exp beyond the maximum validity");
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64)
        && nbf > now + 60
    {
        return Err("nbf in the future");
    }
    match claims.get("scp") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        _ => return Err("scp is not an array of strings"),
    }
    match claims.get("jti").and_then(Value::as_str) {
        Some(jti) if !jti.is_empty() && !jtis.claim(jti, exp, now) => return Err("jti reused"),
        Some(jti) if !jti.is_empty() => {}
        _ if require_jti => return Err("jti missing"),
        _ => {}
    }
    Ok(())
}

/// Verifies a connected-app JWT: HS256 with the secret named by `kid`, `iss` (header or
/// payload) naming the app, `aud == "tableau"`, `exp` in (now, now + max], fresh `jti`,
/// `scp` array, `sub` present. Returns the subject.
pub(crate) fn verify_connected_app(
    token: &str,
    apps: &[ConnectedAppData],
    now: i64,
    max_lifetime: Duration,
    jtis: &mut JtiStore,
) -> Result<VerifiedJwt, Refusal> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| "malformed JWT")?;
    if header.alg != Algorithm::HS256 {
        return Err("algorithm is not HS256");
    }
    let kid = header.kid.as_deref().ok_or("kid missing")?;
    let app = apps
        .iter()
        .find(|a| a.secret_id == kid)
        .ok_or("no connected-app secret for kid")?;
    if !app.enabled {
        return Err("connected app disabled");
    }
    let key = DecodingKey::from_secret(app.secret_value.expose_secret().as_bytes())
        .map_err(|_| "unusable secret")?;
    let data = jsonwebtoken::decode::<Value>(token, &key, &relaxed_validation(Algorithm::HS256))
        .map_err(|_| "bad signature")?;
    let claims = data.claims;
    let header_iss: Option<String> = header.extras.get("iss").ok().flatten();
    let iss = header_iss
        .or_else(|| claims.get("iss").and_then(Value::as_str).map(str::to_owned))
        .ok_or("iss missing")?;
    if iss != app.client_id {
        return Err("iss does not name the connected app");
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == "tableau",
        Some(Value::Array(a)) => a.iter().any(|x| x == "tableau"),
        _ => false,
    };
    if !aud_ok {
        return Err("aud is not tableau");
    }
    check_time_and_ids(&claims, now, max_lifetime, jtis, true)?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or("sub missing")?;
    Ok(VerifiedJwt {
        username: sub.to_owned(),
    })
}

/// The UAT signing key pair, generated at start in cloud mode.
pub struct UatKey {
    private_pem: SecretString,
    public_pem: String,
}

impl std::fmt::Debug for UatKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UatKey")
            .field("private_pem", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl UatKey {
    /// The process-wide UAT key: an RSA-2048 key generated on first use and shared by every
    /// emulator in the process (generation costs about a second in debug builds; the key is
    /// test-only and never leaves the machine).
    pub fn shared() -> Result<&'static UatKey, Error> {
        static KEY: std::sync::OnceLock<UatKey> = std::sync::OnceLock::new();
        if let Some(k) = KEY.get() {
            return Ok(k);
        }
        let key = UatKey::generate()?;
        Ok(KEY.get_or_init(|| key))
    }

    /// Generates a fresh RSA-2048 key pair.
    pub fn generate() -> Result<UatKey, Error> {
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048)
            .map_err(|e| Error::UatKey(e.to_string()))?;
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| Error::UatKey(e.to_string()))?;
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::UatKey(e.to_string()))?;
        Ok(UatKey {
            private_pem: SecretString::from(private_pem.as_str()),
            public_pem,
        })
    }

    /// The PKCS#8 PEM private key a test signs UATs with.
    pub fn private_pem(&self) -> &SecretString {
        &self.private_pem
    }

    /// The SPKI PEM public key the emulator verifies with.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }
}

/// Verifies a UAT: RS256 with the configured key id, `iss` = configured issuer, tenant claim,
/// username claim, `exp` rules as for connected apps (UAT limits are unconfirmed), `scp`.
pub(crate) fn verify_uat(
    token: &str,
    settings: &UatSettings,
    key: &UatKey,
    now: i64,
    max_lifetime: Duration,
    jtis: &mut JtiStore,
) -> Result<VerifiedJwt, Refusal> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| "malformed JWT")?;
    if header.alg != Algorithm::RS256 {
        return Err("algorithm is not RS256");
    }
    if header.kid.as_deref() != Some(settings.key_id.as_str()) {
        return Err("kid does not name the UAT key");
    }
    let dk = DecodingKey::from_rsa_pem(key.public_pem.as_bytes()).map_err(|_| "unusable key")?;
    let claims = jsonwebtoken::decode::<Value>(token, &dk, &relaxed_validation(Algorithm::RS256))
        .map_err(|_| "bad signature")?
        .claims;
    if claims.get("iss").and_then(Value::as_str) != Some(settings.issuer.as_str()) {
        return Err("iss is not the UAT issuer");
    }
    if claims.get(UAT_TENANT_CLAIM).and_then(Value::as_str) != Some(settings.tenant_id.as_str()) {
        return Err("tenant mismatch");
    }
    check_time_and_ids(&claims, now, max_lifetime, jtis, false)?;
    let username = claims
        .get(&settings.username_claim)
        .and_then(Value::as_str)
        .ok_or("username claim missing")?;
    Ok(VerifiedJwt {
        username: username.to_owned(),
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Mints a connected-app JWT the emulator accepts (header `kid` + `iss`, payload `iss`, `sub`,
/// `aud`, `exp` = now + 5 min, fresh `jti`, `scp`). For tests of code that takes a ready JWT.
///
/// ```
/// let data = tsc_testserver::DataSet::default_data(0);
/// let jwt = tsc_testserver::mint_connected_app_jwt(&data.connected_apps[0], "admin", &["tableau:content:read"]);
/// assert_eq!(jwt.split('.').count(), 3);
/// ```
pub fn mint_connected_app_jwt(app: &ConnectedAppData, sub: &str, scopes: &[&str]) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.secret_id.clone());
    header.extras.insert("iss", app.client_id.clone());
    let now = unix_now();
    let claims = json!({
        "iss": app.client_id,
        "sub": sub,
        "aud": "tableau",
        "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
        "scp": scopes,
    });
    EncodingKey::from_secret(app.secret_value.expose_secret().as_bytes())
        .and_then(|k| jsonwebtoken::encode(&header, &claims, &k))
        .unwrap_or_default()
}

/// Mints a UAT the emulator accepts for `username` (cloud mode).
pub fn mint_uat_jwt(
    settings: &UatSettings,
    key: &UatKey,
    username: &str,
    scopes: &[&str],
) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(settings.key_id.clone());
    let now = unix_now();
    let mut claims = json!({
        "iss": settings.issuer,
        "exp": now + 300,
        "iat": now - 5,
        "nbf": now - 5,
        "jti": uuid::Uuid::new_v4().to_string(),
        "scp": scopes,
    });
    if let Value::Object(map) = &mut claims {
        map.insert(
            UAT_TENANT_CLAIM.to_owned(),
            Value::String(settings.tenant_id.clone()),
        );
        map.insert(
            settings.username_claim.clone(),
            Value::String(username.to_owned()),
        );
    }
    EncodingKey::from_rsa_pem(key.private_pem.expose_secret().as_bytes())
        .and_then(|k| jsonwebtoken::encode(&header, &claims, &k))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSet;

    fn sign(app: &ConnectedAppData, header_iss: bool, claims: Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(app.secret_id.clone());
        if header_iss {
            header.extras.insert("iss", app.client_id.clone());
        }
        let key =
            EncodingKey::from_secret(app.secret_value.expose_secret().as_bytes()).expect("key");
        jsonwebtoken::encode(&header, &claims, &key).expect("encode")
    }

    fn base(app: &ConnectedAppData, now: i64) -> Value {
        json!({"sub": "admin", "aud": "tableau", "exp": now + 300, "jti": "j1", "scp": ["tableau:content:read"], "iss": app.client_id})
    }

    #[test]
    fn connected_app_rules() {
        let data = DataSet::default_data(0);
        let app = &data.connected_apps[0];
        let apps = &data.connected_apps;
        let now = unix_now();
        let ten = Duration::from_secs(600);
        let mut jtis = JtiStore::default();
        let ok = sign(app, false, base(app, now));
        assert_eq!(
            verify_connected_app(&ok, apps, now, ten, &mut jtis)
                .map(|v| v.username)
                .ok(),
            Some("admin".to_owned())
        );
        assert_eq!(
            verify_connected_app(&ok, apps, now, ten, &mut jtis).err(),
            Some("jti reused")
        );
        let mut c = base(app, now);
        c["jti"] = json!("j2");
        c.as_object_mut().expect("obj").remove("iss");
        assert!(
            verify_connected_app(&sign(app, true, c.clone()), apps, now, ten, &mut jtis).is_ok()
        );
        c["jti"] = json!("j3");
        assert_eq!(
            verify_connected_app(&sign(app, false, c), apps, now, ten, &mut jtis).err(),
            Some("iss missing")
        );
        let cases: Vec<(&str, Value, Refusal)> = vec![
            ("aud", json!("other"), "aud is not tableau"),
            ("exp", json!(now - 1), "exp in the past"),
            ("exp", json!(now + 601), "exp beyond the maximum validity"),
            (
                "scp",
                json!("tableau:content:read"),
                "scp is not an array of strings",
            ),
        ];
        for (i, (k, v, why)) in cases.into_iter().enumerate() {
            let mut c = base(app, now);
            c[k] = v;
            c["jti"] = json!(format!("case{i}"));
            assert_eq!(
                verify_connected_app(&sign(app, false, c), apps, now, ten, &mut jtis).err(),
                Some(why)
            );
        }
        let mut other = app.clone();
        other.secret_value = SecretString::from("wrong-secret-wrong-secret-wrong-secret");
        let mut c = base(app, now);
        c["jti"] = json!("j9");
        assert_eq!(
            verify_connected_app(&sign(&other, false, c), apps, now, ten, &mut jtis).err(),
            Some("bad signature")
        );
        assert_eq!(
            verify_connected_app("garbage", apps, now, ten, &mut jtis).err(),
            Some("malformed JWT")
        );
    }

    #[test]
    fn minted_tokens_verify() {
        let data = DataSet::default_data(0);
        let jwt = mint_connected_app_jwt(&data.connected_apps[0], "analyst", &["a:b:c"]);
        let mut jtis = JtiStore::default();
        let v = verify_connected_app(
            &jwt,
            &data.connected_apps,
            unix_now(),
            Duration::from_secs(600),
            &mut jtis,
        )
        .map_err(|e| e.to_owned())
        .expect("valid");
        assert_eq!(v.username, "analyst");
    }

    #[test]
    fn uat_round_trip_and_debug_redacts() {
        let key = UatKey::generate().expect("key");
        assert!(!format!("{key:?}").contains("PRIVATE"));
        let settings = UatSettings::default();
        let jwt = mint_uat_jwt(
            &settings,
            &key,
            "admin@example.com",
            &["tableau:content:read"],
        );
        let mut jtis = JtiStore::default();
        let v = verify_uat(
            &jwt,
            &settings,
            &key,
            unix_now(),
            Duration::from_secs(600),
            &mut jtis,
        )
        .map_err(|e| e.to_owned())
        .expect("valid");
        assert_eq!(v.username, "admin@example.com");
        let other = UatSettings {
            tenant_id: "other".into(),
            ..UatSettings::default()
        };
        let jwt = mint_uat_jwt(&other, &key, "admin@example.com", &["x"]);
        assert_eq!(
            verify_uat(
                &jwt,
                &settings,
                &key,
                unix_now(),
                Duration::from_secs(600),
                &mut jtis
            )
            .err(),
            Some("tenant mismatch")
        );
    }
}

//! Emulator configuration: a builder with server and cloud profiles, loadable from JSON.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::data::{DataSet, luid};
use crate::error::Error;

/// Which product the emulator pretends to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Tableau Server: Default site, impersonation, switch-site.
    Server,
    /// Tableau Cloud: a site is required, no impersonation or switch-site, UAT sign-in.
    Cloud,
}

impl Mode {
    /// `"server"` or `"cloud"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Server => "server",
            Mode::Cloud => "cloud",
        }
    }
}

/// How the session lifetime is measured. Which one real servers use is unconfirmed
/// (the setting is called `wgserver.session.idle_limit`, hence idle is the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionExpiry {
    /// The TTL counts from the session's last use; every accepted call extends it.
    Idle,
    /// The TTL counts from sign-in.
    Absolute,
}

/// Unified Access Token settings (cloud mode). The RSA key pair is generated at start.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UatSettings {
    /// The configuration's issuer URI: the JWT `iss` must equal it.
    pub issuer: String,
    /// The key id: the JWT header `kid` must equal it.
    pub key_id: String,
    /// The tenant: the claim `https://tableau.com/tenantId` must equal it.
    pub tenant_id: String,
    /// The claim that carries the username (user e-mail or name).
    pub username_claim: String,
}

impl Default for UatSettings {
    fn default() -> Self {
        UatSettings {
            issuer: "https://uat.tsc-testserver.invalid".to_owned(),
            key_id: "tsc-testserver-uat-key".to_owned(),
            tenant_id: luid("uat:tenant"),
            username_claim: "email".to_owned(),
        }
    }
}

/// Emulator configuration. Start from [`Config::server`] or [`Config::cloud`].
///
/// ```
/// use std::time::Duration;
/// use tsc_testserver::{Config, SessionExpiry};
/// let config = Config::server()
///     .api_version("3.24")
///     .session_ttl(Duration::from_secs(60))
///     .session_expiry(SessionExpiry::Absolute)
///     .workbooks_per_site(5);
/// assert_eq!(config.api_version_str(), "3.24");
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) mode: Mode,
    pub(crate) api_version: String,
    pub(crate) session_ttl: Duration,
    pub(crate) session_expiry: SessionExpiry,
    pub(crate) workbooks_per_site: usize,
    pub(crate) legacy_auth_endpoint: bool,
    pub(crate) redirect_status: u16,
    pub(crate) product_version: String,
    pub(crate) build: String,
    pub(crate) pat_absolute_lifetime: Duration,
    pub(crate) pat_inactivity_limit: Duration,
    pub(crate) max_jwt_lifetime: Duration,
    pub(crate) uat: UatSettings,
    pub(crate) data: Option<DataSet>,
}

/// Server profile: 240 minutes, Tableau's documented default (`wgserver.session.idle_limit`).
pub const SERVER_SESSION_TTL: Duration = Duration::from_secs(240 * 60);
/// Cloud profile: 120 minutes.
pub const CLOUD_SESSION_TTL: Duration = Duration::from_secs(120 * 60);
/// Default workbooks per site: three pages at TSC's page size of 100.
pub const DEFAULT_WORKBOOKS_PER_SITE: usize = 250;

impl Default for Config {
    fn default() -> Self {
        Config::server()
    }
}

impl Config {
    /// Tableau Server profile (240-minute idle sessions, REST 3.27).
    pub fn server() -> Self {
        Config {
            mode: Mode::Server,
            api_version: crate::DEFAULT_API_VERSION.to_owned(),
            session_ttl: SERVER_SESSION_TTL,
            session_expiry: SessionExpiry::Idle,
            workbooks_per_site: DEFAULT_WORKBOOKS_PER_SITE,
            legacy_auth_endpoint: false,
            redirect_status: 301,
            product_version: "2025.3.0".to_owned(),
            build: "20253.25.1010.1200".to_owned(),
            pat_absolute_lifetime: Duration::from_secs(365 * 86_400),
            pat_inactivity_limit: Duration::from_secs(15 * 86_400),
            max_jwt_lifetime: Duration::from_secs(600),
            uat: UatSettings::default(),
            data: None,
        }
    }

    /// Tableau Cloud profile (120-minute sessions, site required, UAT enabled).
    pub fn cloud() -> Self {
        Config {
            mode: Mode::Cloud,
            session_ttl: CLOUD_SESSION_TTL,
            ..Config::server()
        }
    }

    /// Switches to cloud mode keeping every other value.
    pub fn cloud_mode(mut self) -> Self {
        self.mode = Mode::Cloud;
        self
    }

    /// The highest REST API version served, `major.minor` (validated by [`Config::validate`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Session lifetime.
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// Idle or absolute session expiry.
    pub fn session_expiry(mut self, expiry: SessionExpiry) -> Self {
        self.session_expiry = expiry;
        self
    }

    /// Workbooks generated per site in the default data (ignored when data is given).
    pub fn workbooks_per_site(mut self, n: usize) -> Self {
        self.workbooks_per_site = n;
        self
    }

    /// Serve the legacy `GET /auth?format=xml` endpoint of pre-2.4 servers.
    pub fn legacy_auth_endpoint(mut self, on: bool) -> Self {
        self.legacy_auth_endpoint = on;
        self
    }

    /// Status the plain-HTTP listener redirects with: 301, 302, 307 or 308.
    pub fn redirect_status(mut self, status: u16) -> Self {
        self.redirect_status = status;
        self
    }

    /// Marketing version and build reported by `serverinfo`.
    pub fn product_version(mut self, version: impl Into<String>, build: impl Into<String>) -> Self {
        self.product_version = version.into();
        self.build = build.into();
        self
    }

    /// Longest accepted JWT validity (`exp - now`); Tableau documents 10 minutes.
    pub fn max_jwt_lifetime(mut self, max: Duration) -> Self {
        self.max_jwt_lifetime = max;
        self
    }

    /// PAT absolute lifetime (default 365 days) and inactivity limit (default 15 days).
    pub fn pat_lifetimes(mut self, absolute: Duration, inactivity: Duration) -> Self {
        self.pat_absolute_lifetime = absolute;
        self.pat_inactivity_limit = inactivity;
        self
    }

    /// UAT issuer, key id, tenant and username claim (cloud mode).
    pub fn uat(mut self, uat: UatSettings) -> Self {
        self.uat = uat;
        self
    }

    /// Replace the default data entirely.
    pub fn data(mut self, data: DataSet) -> Self {
        self.data = Some(data);
        self
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The configured API version string.
    pub fn api_version_str(&self) -> &str {
        &self.api_version
    }

    /// The configured session TTL.
    pub fn session_ttl_value(&self) -> Duration {
        self.session_ttl
    }

    /// Workbooks per site of the generated default data.
    pub fn workbooks_per_site_value(&self) -> usize {
        self.workbooks_per_site
    }

    /// Checks every value; [`crate::TestServer::try_new`] calls it.
    pub fn validate(&self) -> Result<(), Error> {
        if crate::routes::ApiVersion::parse(&self.api_version).is_none() {
            return Err(Error::InvalidConfig(format!(
                "api_version {:?} is not MAJOR.MINOR",
                self.api_version
            )));
        }
        if ![301, 302, 307, 308].contains(&self.redirect_status) {
            return Err(Error::InvalidConfig(format!(
                "redirect_status {} is not one of 301, 302, 307, 308",
                self.redirect_status
            )));
        }
        if self.session_ttl.is_zero() {
            return Err(Error::InvalidConfig("session_ttl must be positive".into()));
        }
        if let Some(data) = &self.data {
            data.validate().map_err(Error::InvalidConfig)?;
        }
        Ok(())
    }

    /// Reads a JSON configuration file. Every field is optional; `mode` picks the profile the
    /// other fields override. See the crate README for the shape.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let file: ConfigFile =
            serde_json::from_str(&text).map_err(|source| Error::ParseConfig {
                path: path.to_owned(),
                source,
            })?;
        let config = file.apply();
        config.validate()?;
        Ok(config)
    }
}

/// The JSON file shape: all optional, applied over the chosen profile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    mode: Option<Mode>,
    api_version: Option<String>,
    session_ttl_secs: Option<u64>,
    session_expiry: Option<SessionExpiry>,
    workbooks_per_site: Option<usize>,
    legacy_auth_endpoint: Option<bool>,
    redirect_status: Option<u16>,
    product_version: Option<String>,
    build: Option<String>,
    max_jwt_lifetime_secs: Option<u64>,
    uat: Option<UatSettings>,
    data: Option<DataSet>,
}

impl ConfigFile {
    fn apply(self) -> Config {
        let mut c = match self.mode {
            Some(Mode::Cloud) => Config::cloud(),
            _ => Config::server(),
        };
        if let Some(v) = self.api_version {
            c.api_version = v;
        }
        if let Some(s) = self.session_ttl_secs {
            c.session_ttl = Duration::from_secs(s);
        }
        if let Some(e) = self.session_expiry {
            c.session_expiry = e;
        }
        if let Some(n) = self.workbooks_per_site {
            c.workbooks_per_site = n;
        }
        if let Some(b) = self.legacy_auth_endpoint {
            c.legacy_auth_endpoint = b;
        }
        if let Some(s) = self.redirect_status {
            c.redirect_status = s;
        }
        if let Some(p) = self.product_version {
            c.product_version = p;
        }
        if let Some(b) = self.build {
            c.build = b;
        }
        if let Some(s) = self.max_jwt_lifetime_secs {
            c.max_jwt_lifetime = Duration::from_secs(s);
        }
        if let Some(u) = self.uat {
            c.uat = u;
        }
        c.data = self.data;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_differ_in_ttl_and_mode() {
        assert_eq!(Config::server().session_ttl, SERVER_SESSION_TTL);
        assert_eq!(Config::cloud().session_ttl, CLOUD_SESSION_TTL);
        assert_eq!(Config::cloud().mode, Mode::Cloud);
    }

    #[test]
    fn validate_rejects_bad_values() {
        assert!(Config::server().api_version("3").validate().is_err());
        assert!(Config::server().api_version("x.y").validate().is_err());
        assert!(Config::server().redirect_status(303).validate().is_err());
        assert!(Config::server().redirect_status(308).validate().is_ok());
    }

    #[test]
    fn file_overrides_profile() {
        let dir = std::env::temp_dir().join(format!("tsc-ts-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("c.json");
        std::fs::write(
            &path,
            r#"{"mode":"cloud","api_version":"3.20","session_ttl_secs":90,"workbooks_per_site":7}"#,
        )
        .expect("write");
        let c = Config::from_file(&path).expect("valid file");
        assert_eq!(c.mode, Mode::Cloud);
        assert_eq!(c.api_version, "3.20");
        assert_eq!(c.session_ttl, Duration::from_secs(90));
        assert_eq!(c.workbooks_per_site, 7);
        std::fs::write(&path, r#"{"bogus": 1}"#).expect("write");
        assert!(matches!(
            Config::from_file(&path),
            Err(Error::ParseConfig { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

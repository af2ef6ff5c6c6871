//! Ways to sign in: the built-in credentials and the [`CredentialStrategy`] trait.
//!
//! Every built-in type keeps its secret in a [`SecretString`] from construction to the
//! request body, so `Debug` shows names and sites but never a password, token secret
//! or JWT. Constructors never fail; the values are checked when the request is built,
//! before anything is sent (see [`CredentialStrategy::sign_in_request`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tsc_model::{ApiVersion, SignInCredentials, SignInRequest};

use crate::error::{Error, Result};
use crate::jwt::{self, MAX_CONNECTED_APP_JWT_LIFETIME, MintInput};

/// A boxed, `Send` future, so [`CredentialStrategy`] stays object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What kind of credentials a strategy sends; decides the REST API version floor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// Username and password (REST 2.0).
    Password,
    /// Personal access token (REST 3.6; with impersonation 3.11).
    PersonalAccessToken,
    /// A connected-app JWT (REST 3.17).
    Jwt,
    /// A Tableau Cloud Unified Access Token JWT (REST 3.27).
    UnifiedAccessToken,
}

impl CredentialKind {
    /// The first REST API version that accepts this kind of sign-in.
    pub fn floor(self, impersonating: bool) -> ApiVersion {
        match (self, impersonating) {
            (CredentialKind::Password, _) => ApiVersion::SIGN_IN,
            (CredentialKind::PersonalAccessToken, false) => ApiVersion::PAT,
            (CredentialKind::PersonalAccessToken, true) => ApiVersion::PAT_IMPERSONATION,
            (CredentialKind::Jwt, _) => ApiVersion::JWT,
            (CredentialKind::UnifiedAccessToken, _) => ApiVersion::UAT,
        }
    }

    /// The call named in [`Error::VersionTooLow`].
    pub(crate) fn sign_in_call(self, impersonating: bool) -> &'static str {
        match (self, impersonating) {
            (CredentialKind::Password, false) => "sign in with username and password",
            (CredentialKind::Password, true) => {
                "sign in with username and password as another user"
            }
            (CredentialKind::PersonalAccessToken, false) => "sign in with a personal access token",
            (CredentialKind::PersonalAccessToken, true) => {
                "sign in with a personal access token as another user"
            }
            (CredentialKind::Jwt, _) => "sign in with a JWT",
            (CredentialKind::UnifiedAccessToken, _) => "sign in with a Unified Access Token",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialKind::Password => "username/password",
            CredentialKind::PersonalAccessToken => "personal access token",
            CredentialKind::Jwt => "JWT",
            CredentialKind::UnifiedAccessToken => "Unified Access Token",
        })
    }
}

/// A way to sign in. Implement it to plug in your own source of credentials, for
/// example a personal access token read from a vault at every sign-in.
///
/// The trait is object safe; the session keeps an `Arc<dyn CredentialStrategy>` so it
/// can sign in again when the session expires (if [`reusable`](Self::reusable)).
///
/// ```
/// use std::sync::Arc;
/// use tsc_auth::{BoxFuture, CredentialKind, CredentialStrategy, Result};
/// use tsc_model::{SignInCredentials, SignInRequest};
///
/// /// Reads the PAT secret from the environment at each sign-in.
/// #[derive(Debug)]
/// struct PatFromEnv { name: String, site: String }
///
/// impl CredentialStrategy for PatFromEnv {
///     fn kind(&self) -> CredentialKind { CredentialKind::PersonalAccessToken }
///     fn site_content_url(&self) -> &str { &self.site }
///     fn reusable(&self) -> bool { true }
///     fn sign_in_request<'a>(&'a self, site: &'a str) -> BoxFuture<'a, Result<SignInRequest>> {
///         Box::pin(async move {
///             let secret = std::env::var("MY_PAT_SECRET").unwrap_or_default();
///             let credentials = SignInCredentials::PersonalAccessToken {
///                 name: self.name.clone(),
///                 secret: secret.into(),
///             };
///             Ok(SignInRequest::new(credentials, site))
///         })
///     }
/// }
///
/// let strategy: Arc<dyn CredentialStrategy> =
///     Arc::new(PatFromEnv { name: "ci".into(), site: "marketing".into() });
/// assert_eq!(strategy.site_content_url(), "marketing");
/// ```
pub trait CredentialStrategy: Send + Sync + fmt::Debug {
    /// What kind of credentials this sends (decides the version floor).
    fn kind(&self) -> CredentialKind;

    /// The site to sign in to: its content URL, `""` for the Default site.
    fn site_content_url(&self) -> &str;

    /// Whether this signs in as another user (a server administrator impersonating).
    fn impersonating(&self) -> bool {
        false
    }

    /// Whether this strategy can sign in more than once. A raw JWT is single use, so
    /// after it expires only a strategy that mints a new JWT can sign in again.
    fn reusable(&self) -> bool;

    /// The first REST API version that accepts this sign-in.
    fn floor(&self) -> ApiVersion {
        self.kind().floor(self.impersonating())
    }

    /// Builds the body of one sign-in to `site_content_url` (normally
    /// [`site_content_url`](Self::site_content_url); after a site switch, the site the
    /// session moved to). Checks the credentials first: an empty username, token name,
    /// token secret or JWT is an [`Error::InvalidCredentials`], before any request.
    fn sign_in_request<'a>(
        &'a self,
        site_content_url: &'a str,
    ) -> BoxFuture<'a, Result<SignInRequest>>;
}

fn require(value: &str, field: &'static str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidCredentials {
            field,
            problem: "is empty",
        });
    }
    Ok(())
}

fn with_impersonation(request: SignInRequest, user_id: &Option<String>) -> SignInRequest {
    match user_id {
        Some(id) => request.impersonate(id.clone()),
        None => request,
    }
}

/// Username and password sign-in (Python TSC's `TableauAuth`).
///
/// ```
/// use tsc_auth::TableauAuth;
/// let auth = TableauAuth::new("alice", "s3cret", "marketing");
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// ```
#[derive(Clone, Debug)]
pub struct TableauAuth {
    username: String,
    password: SecretString,
    site_id: String,
    user_id_to_impersonate: Option<String>,
}

impl TableauAuth {
    /// Credentials for `username` on the site whose content URL is `site_id`
    /// (`""` = the Default site).
    pub fn new(
        username: impl Into<String>,
        password: impl Into<SecretString>,
        site_id: impl Into<String>,
    ) -> Self {
        TableauAuth {
            username: username.into(),
            password: password.into(),
            site_id: site_id.into(),
            user_id_to_impersonate: None,
        }
    }

    /// Signs in as the user with this LUID (server administrators only).
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl CredentialStrategy for TableauAuth {
    fn kind(&self) -> CredentialKind {
        CredentialKind::Password
    }
    fn site_content_url(&self) -> &str {
        &self.site_id
    }
    fn impersonating(&self) -> bool {
        self.user_id_to_impersonate.is_some()
    }
    fn reusable(&self) -> bool {
        true
    }
    fn sign_in_request<'a>(
        &'a self,
        site_content_url: &'a str,
    ) -> BoxFuture<'a, Result<SignInRequest>> {
        Box::pin(async move {
            require(&self.username, "username")?;
            require(self.password.expose_secret(), "password")?;
            let credentials = SignInCredentials::Password {
                name: self.username.clone(),
                password: self.password.clone(),
            };
            Ok(with_impersonation(
                SignInRequest::new(credentials, site_content_url),
                &self.user_id_to_impersonate,
            ))
        })
    }
}

/// Personal access token sign-in (Python TSC's `PersonalAccessTokenAuth`).
///
/// Tableau keeps one session per token: signing in again with the same token, from
/// anywhere, ends the previous session. The session manager recovers from that by
/// signing in again once (see [`ReauthPolicy`](crate::ReauthPolicy)).
///
/// ```
/// use tsc_auth::PersonalAccessTokenAuth;
/// let auth = PersonalAccessTokenAuth::new("nightly-job", "Abc123secret", "");
/// assert!(!format!("{auth:?}").contains("Abc123secret"));
/// ```
#[derive(Clone, Debug)]
pub struct PersonalAccessTokenAuth {
    token_name: String,
    token_value: SecretString,
    site_id: String,
    user_id_to_impersonate: Option<String>,
}

impl PersonalAccessTokenAuth {
    /// Credentials for the token called `token_name` on the site whose content URL is
    /// `site_id` (`""` = the Default site).
    pub fn new(
        token_name: impl Into<String>,
        token_value: impl Into<SecretString>,
        site_id: impl Into<String>,
    ) -> Self {
        PersonalAccessTokenAuth {
            token_name: token_name.into(),
            token_value: token_value.into(),
            site_id: site_id.into(),
            user_id_to_impersonate: None,
        }
    }

    /// Signs in as the user with this LUID (server administrators only; REST 3.11).
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }

    /// The token's name.
    pub fn token_name(&self) -> &str {
        &self.token_name
    }
}

impl CredentialStrategy for PersonalAccessTokenAuth {
    fn kind(&self) -> CredentialKind {
        CredentialKind::PersonalAccessToken
    }
    fn site_content_url(&self) -> &str {
        &self.site_id
    }
    fn impersonating(&self) -> bool {
        self.user_id_to_impersonate.is_some()
    }
    fn reusable(&self) -> bool {
        true
    }
    fn sign_in_request<'a>(
        &'a self,
        site_content_url: &'a str,
    ) -> BoxFuture<'a, Result<SignInRequest>> {
        Box::pin(async move {
            require(&self.token_name, "personal access token name")?;
            require(
                self.token_value.expose_secret(),
                "personal access token secret",
            )?;
            let credentials = SignInCredentials::PersonalAccessToken {
                name: self.token_name.clone(),
                secret: self.token_value.clone(),
            };
            Ok(with_impersonation(
                SignInRequest::new(credentials, site_content_url),
                &self.user_id_to_impersonate,
            ))
        })
    }
}

/// Sign-in with a JWT you already hold: a connected-app token (REST 3.17) or a Tableau
/// Cloud Unified Access Token (REST 3.27). Python TSC's `JWTAuth`, without its
/// positional `isUat` boolean.
///
/// A JWT is single use, so this strategy cannot sign in again after the session
/// expires; use [`ConnectedAppAuth`] (or your own minting [`CredentialStrategy`]) for
/// long-running work.
///
/// ```
/// use tsc_auth::{CredentialKind, CredentialStrategy, JwtAuth};
/// let auth = JwtAuth::uat("eyJhbGciOi.payload.signature", "marketing");
/// assert_eq!(auth.kind(), CredentialKind::UnifiedAccessToken);
/// assert!(!auth.reusable());
/// assert!(!format!("{auth:?}").contains("payload"));
/// ```
#[derive(Clone, Debug)]
pub struct JwtAuth {
    jwt: SecretString,
    is_uat: bool,
    site_id: String,
    user_id_to_impersonate: Option<String>,
}

impl JwtAuth {
    /// A connected-app JWT for the site whose content URL is `site_id`.
    pub fn new(jwt: impl Into<SecretString>, site_id: impl Into<String>) -> Self {
        JwtAuth {
            jwt: jwt.into(),
            is_uat: false,
            site_id: site_id.into(),
            user_id_to_impersonate: None,
        }
    }

    /// A Tableau Cloud Unified Access Token for the site whose content URL is `site_id`.
    pub fn uat(jwt: impl Into<SecretString>, site_id: impl Into<String>) -> Self {
        JwtAuth {
            is_uat: true,
            ..JwtAuth::new(jwt, site_id)
        }
    }

    /// Signs in as the user with this LUID (server administrators only).
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }
}

impl CredentialStrategy for JwtAuth {
    fn kind(&self) -> CredentialKind {
        if self.is_uat {
            CredentialKind::UnifiedAccessToken
        } else {
            CredentialKind::Jwt
        }
    }
    fn site_content_url(&self) -> &str {
        &self.site_id
    }
    fn impersonating(&self) -> bool {
        self.user_id_to_impersonate.is_some()
    }
    fn reusable(&self) -> bool {
        false
    }
    fn sign_in_request<'a>(
        &'a self,
        site_content_url: &'a str,
    ) -> BoxFuture<'a, Result<SignInRequest>> {
        Box::pin(async move {
            require(self.jwt.expose_secret(), "JWT")?;
            let credentials = SignInCredentials::Jwt {
                jwt: self.jwt.clone(),
                is_uat: self.is_uat,
            };
            Ok(with_impersonation(
                SignInRequest::new(credentials, site_content_url),
                &self.user_id_to_impersonate,
            ))
        })
    }
}

/// Connected-app (direct trust) sign-in that mints a fresh HS256 JWT for every
/// sign-in, so it can sign in again whenever the session expires.
///
/// The token follows spec §12.1: header `alg = HS256`, `typ = JWT`, `kid` = secret id,
/// `iss` = client id; claims `iss` = client id, `sub` = username, `aud = "tableau"`,
/// `exp` = now + lifetime (at most 10 minutes), a UUID v4 `jti`, and `scp` as an array.
///
/// ```
/// use std::time::Duration;
/// use tsc_auth::{ConnectedAppAuth, CredentialStrategy};
/// let auth = ConnectedAppAuth::builder("client-id", "secret-id", "secret-value", "alice@example.com")
///     .scopes(["tableau:content:read"])
///     .lifetime(Duration::from_secs(300))
///     .site_id("marketing")
///     .build()?;
/// assert!(auth.reusable());
/// assert!(!format!("{auth:?}").contains("secret-value"));
/// # Ok::<(), tsc_auth::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConnectedAppAuth {
    client_id: String,
    secret_id: String,
    secret_value: SecretString,
    username: String,
    scopes: Vec<String>,
    lifetime: Duration,
    site_id: String,
}

/// Builds a [`ConnectedAppAuth`]; see [`ConnectedAppAuth::builder`].
#[derive(Debug)]
#[must_use]
pub struct ConnectedAppAuthBuilder {
    inner: ConnectedAppAuth,
}

impl ConnectedAppAuth {
    /// The default token lifetime: five minutes, half of Tableau's maximum.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);
    /// The longest lifetime Tableau accepts; longer requests are capped to it.
    pub const MAX_LIFETIME: Duration = MAX_CONNECTED_APP_JWT_LIFETIME;

    /// Starts a connected app whose client id, secret id and secret value come from
    /// Tableau, signing in as `username` (on Tableau Cloud, the user's email).
    pub fn builder(
        client_id: impl Into<String>,
        secret_id: impl Into<String>,
        secret_value: impl Into<SecretString>,
        username: impl Into<String>,
    ) -> ConnectedAppAuthBuilder {
        ConnectedAppAuthBuilder {
            inner: ConnectedAppAuth {
                client_id: client_id.into(),
                secret_id: secret_id.into(),
                secret_value: secret_value.into(),
                username: username.into(),
                scopes: Vec::new(),
                lifetime: Self::DEFAULT_LIFETIME,
                site_id: String::new(),
            },
        }
    }

    /// Signs one new JWT, valid from now for the configured lifetime.
    pub fn mint_jwt(&self) -> Result<SecretString> {
        self.mint_jwt_at(SystemTime::now())
    }

    fn mint_jwt_at(&self, now: SystemTime) -> Result<SecretString> {
        jwt::mint_connected_app_jwt(&MintInput {
            client_id: &self.client_id,
            secret_id: &self.secret_id,
            secret_value: &self.secret_value,
            username: &self.username,
            scopes: &self.scopes,
            lifetime: self.lifetime,
            now,
        })
        .map_err(Error::MintJwt)
    }

    /// The lifetime of each minted token (already capped at 10 minutes).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The scopes put in `scp`.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl ConnectedAppAuthBuilder {
    /// The scopes the session may use, e.g. `tableau:content:read` (at least one).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How long each minted token is valid; capped at
    /// [`ConnectedAppAuth::MAX_LIFETIME`] (10 minutes), which is all Tableau accepts.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.inner.lifetime = lifetime.min(ConnectedAppAuth::MAX_LIFETIME);
        self
    }

    /// The site to sign in to (its content URL; `""`, the default, is the Default site).
    pub fn site_id(mut self, site_id: impl Into<String>) -> Self {
        self.inner.site_id = site_id.into();
        self
    }

    /// Checks the settings: client id, secret id, secret value and username must not be
    /// empty, there must be at least one scope, and the lifetime must be at least one
    /// second (`exp` has whole-second resolution).
    pub fn build(self) -> Result<ConnectedAppAuth> {
        let app = self.inner;
        require(&app.client_id, "connected app client id")?;
        require(&app.secret_id, "connected app secret id")?;
        require(
            app.secret_value.expose_secret(),
            "connected app secret value",
        )?;
        require(&app.username, "username")?;
        if app.scopes.is_empty() || app.scopes.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::InvalidCredentials {
                field: "scopes",
                problem: "must list at least one non-empty scope",
            });
        }
        if app.lifetime < Duration::from_secs(1) {
            return Err(Error::InvalidCredentials {
                field: "lifetime",
                problem: "must be at least one second",
            });
        }
        Ok(app)
    }
}

impl CredentialStrategy for ConnectedAppAuth {
    fn kind(&self) -> CredentialKind {
        CredentialKind::Jwt
    }
    fn site_content_url(&self) -> &str {
        &self.site_id
    }
    fn reusable(&self) -> bool {
        true
    }
    fn sign_in_request<'a>(
        &'a self,
        site_content_url: &'a str,
    ) -> BoxFuture<'a, Result<SignInRequest>> {
        Box::pin(async move {
            let credentials = SignInCredentials::Jwt {
                jwt: self.mint_jwt()?,
                is_uat: false,
            };
            Ok(SignInRequest::new(credentials, site_content_url))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_follow_the_spec() {
        assert_eq!(CredentialKind::Password.floor(true), ApiVersion::SIGN_IN);
        assert_eq!(
            CredentialKind::PersonalAccessToken.floor(false),
            ApiVersion::PAT
        );
        assert_eq!(
            CredentialKind::PersonalAccessToken.floor(true),
            ApiVersion::PAT_IMPERSONATION
        );
        assert_eq!(CredentialKind::Jwt.floor(false), ApiVersion::JWT);
        assert_eq!(
            CredentialKind::UnifiedAccessToken.floor(false),
            ApiVersion::UAT
        );
    }

    #[test]
    fn lifetime_is_capped_at_ten_minutes() {
        let app = ConnectedAppAuth::builder("c", "k", "v", "u")
            .scopes(["tableau:content:read"])
            .lifetime(Duration::from_secs(3600))
            .build()
            .unwrap();
        assert_eq!(app.lifetime(), Duration::from_secs(600));
    }

    #[test]
    fn builder_rejects_missing_parts() {
        let no_scope = ConnectedAppAuth::builder("c", "k", "v", "u").build();
        assert!(matches!(
            no_scope,
            Err(Error::InvalidCredentials {
                field: "scopes",
                ..
            })
        ));
        let no_secret = ConnectedAppAuth::builder("c", "k", "", "u")
            .scopes(["s"])
            .build();
        assert!(matches!(
            no_secret,
            Err(Error::InvalidCredentials {
                field: "connected app secret value",
                ..
            })
        ));
        let no_user = ConnectedAppAuth::builder("c", "k", "v", " ")
            .scopes(["s"])
            .build();
        assert!(matches!(
            no_user,
            Err(Error::InvalidCredentials {
                field: "username",
                ..
            })
        ));
    }
}

//! The session lifecycle: sign in, sign out, switch site, server version.

use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use tower::ServiceExt;
use tower_layer::Layer;
use tsc_model::{ApiError, ApiVersion, ServerInfoItem, SignInResponse, SwitchSiteRequest};
use tsc_transport::{Body, ResponseUri, Transport};

use crate::AUTH_HEADER;
use crate::credentials::CredentialStrategy;
use crate::error::{Error, Result};
use crate::layer::SessionLayer;
use crate::origin::Origin;
use crate::session::{PatExpiry, SessionData, SessionInfo};

/// Which product the server is; decides whether Server-only calls are attempted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deployment {
    /// Tableau Cloud when the host ends with `.online.tableau.com`, otherwise Server.
    #[default]
    Auto,
    /// Tableau Server.
    Server,
    /// Tableau Cloud (no site switching).
    Cloud,
}

/// What to do when a request fails because the session expired (`401002`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReauthPolicy {
    /// Sign in again once with the same credentials and replay the request.
    #[default]
    Once,
    /// Return the `401` answer as it is.
    Never,
}

/// Tableau's code for "switch to the site you are already on" (treated as success).
const SAME_SITE_CODE: &str = "403070";
/// serverinfo answers that send TSC to the legacy `/auth` endpoint (spec §6.2).
const LEGACY_FALLBACK_CODES: [&str; 2] = ["404003", "404001"];
const XML: HeaderValue = HeaderValue::from_static("application/xml");

/// Builds a [`SessionManager`]; see [`SessionManager::builder`].
#[derive(Debug)]
#[must_use]
pub struct SessionManagerBuilder {
    transport: Transport,
    server_url: Uri,
    version: ApiVersion,
    deployment: Deployment,
    reauth: ReauthPolicy,
    pat_expiry_warning: Duration,
}

impl SessionManagerBuilder {
    /// The REST API version to use until [`SessionManager::use_server_version`] asks
    /// the server (default [`ApiVersion::DEFAULT`], 2.4, as in Python TSC).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// Tableau Server or Tableau Cloud (default: guess from the host name).
    pub fn deployment(mut self, deployment: Deployment) -> Self {
        self.deployment = deployment;
        self
    }

    /// Whether an expired session is renewed automatically (default
    /// [`ReauthPolicy::Once`]).
    pub fn reauth(mut self, policy: ReauthPolicy) -> Self {
        self.reauth = policy;
        self
    }

    /// Emit a `warn` event at sign-in when the personal access token expires sooner
    /// than this (default 7 days).
    pub fn pat_expiry_warning(mut self, threshold: Duration) -> Self {
        self.pat_expiry_warning = threshold;
        self
    }

    /// Checks the server URL (absolute `http` or `https`, with a host, no query) and
    /// builds the manager.
    pub fn build(self) -> Result<SessionManager> {
        let invalid = |problem| Error::InvalidServerUrl {
            url: self.server_url.to_string(),
            problem,
        };
        let origin = Origin::of(&self.server_url)
            .ok_or_else(|| invalid("must be an absolute http:// or https:// URL with a host"))?;
        if self.server_url.query().is_some() {
            return Err(invalid("must not have a query string"));
        }
        let cloud = match self.deployment {
            Deployment::Cloud => true,
            Deployment::Server => false,
            Deployment::Auto => {
                origin.host == "online.tableau.com" || origin.host.ends_with(".online.tableau.com")
            }
        };
        let base = base_of(&self.server_url);
        Ok(SessionManager {
            shared: Arc::new(Shared {
                transport: self.transport,
                cloud,
                reauth: self.reauth,
                pat_expiry_warning: self.pat_expiry_warning,
                state: RwLock::new(State {
                    base,
                    origin,
                    version: self.version,
                    probed: false,
                    session: None,
                    strategy: None,
                    generation: 0,
                }),
                sign_in_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

/// `scheme://authority/prefix` without a trailing slash.
fn base_of(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("https");
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let path = uri.path().trim_end_matches('/');
    format!("{scheme}://{authority}{path}")
}

/// Owns the session of one Tableau server: signs in, out, switches site, negotiates
/// the REST API version and sends authenticated requests.
///
/// Cheap to clone (an `Arc` inside); clones share the session. Safe to use from many
/// tasks at once.
///
/// ```
/// # use tsc_transport::{Body, Transport};
/// use std::sync::Arc;
/// use tsc_auth::{PersonalAccessTokenAuth, SessionManager};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tsc_auth::Result<()> {
/// # let fake = tower::service_fn(|req: http::Request<Body>| async move {
/// #     let xml = match req.uri().path() {
/// #         "/api/3.24/auth/signin" => r#"<tsResponse><credentials token="tok"><site id="site-luid" contentUrl="marketing"/><user id="user-luid"/></credentials></tsResponse>"#,
/// #         _ => "",
/// #     };
/// #     let status = if xml.is_empty() { 204 } else { 200 };
/// #     Ok::<_, std::convert::Infallible>(http::Response::builder().status(status).body(Body::from(xml)).unwrap())
/// # });
/// # let transport = Transport::new(fake);
/// let manager = SessionManager::builder(transport, "https://tableau.example.com".parse().unwrap())
///     .api_version("3.24".parse().unwrap())
///     .build()?;
/// let session = manager
///     .sign_in(Arc::new(PersonalAccessTokenAuth::new("ci", "secret", "marketing")))
///     .await?;
/// assert_eq!(session.site_id(), "site-luid");
/// assert_eq!(
///     manager.site_url("workbooks")?.to_string(),
///     "https://tableau.example.com/api/3.24/sites/site-luid/workbooks"
/// );
/// manager.sign_out().await?;
/// assert!(manager.session().is_none());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionManager {
    shared: Arc<Shared>,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.read();
        f.debug_struct("SessionManager")
            .field("server", &state.base)
            .field("version", &state.version)
            .field("cloud", &self.shared.cloud)
            .field("session", &state.session)
            .field("strategy", &state.strategy)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    transport: Transport,
    cloud: bool,
    reauth: ReauthPolicy,
    pat_expiry_warning: Duration,
    state: RwLock<State>,
    /// Serialises every change of session (sign-in, renewal, switch, sign-out), so
    /// concurrent expiries lead to one sign-in.
    sign_in_lock: tokio::sync::Mutex<()>,
}

struct State {
    base: String,
    origin: Origin,
    version: ApiVersion,
    probed: bool,
    session: Option<SessionInfo>,
    strategy: Option<Arc<dyn CredentialStrategy>>,
    /// Bumped at every change of token; a request remembers the generation it was
    /// sent with, so a renewal happens only if nobody renewed since.
    generation: u64,
}

impl SessionManager {
    /// Starts a manager for the server at `server_url` (e.g.
    /// `https://tableau.example.com`; a path prefix is kept), talking through
    /// `transport`.
    pub fn builder(transport: Transport, server_url: Uri) -> SessionManagerBuilder {
        SessionManagerBuilder {
            transport,
            server_url,
            version: ApiVersion::DEFAULT,
            deployment: Deployment::Auto,
            reauth: ReauthPolicy::Once,
            pat_expiry_warning: Duration::from_secs(7 * 24 * 60 * 60),
        }
    }

    /// The current session, if signed in.
    pub fn session(&self) -> Option<SessionInfo> {
        self.shared.read().session.clone()
    }

    /// The REST API version in use.
    pub fn version(&self) -> ApiVersion {
        self.shared.read().version
    }

    /// The server URL in use: the configured one, or its https form after the http
    /// probe found that the server redirects to https.
    pub fn server_url(&self) -> Uri {
        self.shared.server_url()
    }

    /// The transport the manager sends through (sign-in, sign-out and [`send`](Self::send)).
    pub fn transport(&self) -> &Transport {
        &self.shared.transport
    }

    /// Whether the server is treated as Tableau Cloud.
    pub fn is_cloud(&self) -> bool {
        self.shared.cloud
    }

    /// `{server}/api/{version}/{path}`.
    pub fn api_url(&self, path: &str) -> Result<Uri> {
        self.shared.api_url(path)
    }

    /// `{server}/api/{version}/sites/{site-luid}/{path}` for the signed-in site.
    pub fn site_url(&self, path: &str) -> Result<Uri> {
        let site_id = self
            .session()
            .ok_or(Error::NotSignedIn)?
            .site_id()
            .to_owned();
        self.shared
            .api_url(&format!("sites/{site_id}/{}", path.trim_start_matches('/')))
    }

    /// The layer that authenticates requests with this manager's session.
    pub fn layer(&self) -> SessionLayer {
        SessionLayer::new(self.shared.clone())
    }

    /// Sends `request` through [`SessionLayer`] over this manager's transport: the
    /// token is attached for this server and an expired session is renewed once.
    ///
    /// The answer is returned whatever its status; turn an error status into an
    /// [`Error`] with [`Error::from_response`].
    pub async fn send(&self, request: Request<Body>) -> Result<Response<Body>> {
        self.layer()
            .layer(self.shared.transport.clone())
            .oneshot(request)
            .await
    }

    /// `GET serverinfo` (REST 2.4), without a token.
    pub async fn server_info(&self) -> Result<ServerInfoItem> {
        self.shared
            .check_floor("server info", ApiVersion::SERVER_INFO)?;
        let (status, headers, body) = self.shared.get_unauthenticated("serverinfo", true).await?;
        if !status.is_success() {
            return Err(Error::from_response(status, &headers, &body));
        }
        Ok(ServerInfoItem::from_xml(&body)?)
    }

    /// Asks the server for its newest REST API version and uses it from now on.
    ///
    /// Follows Python TSC (spec §6.2): `GET serverinfo`; when that answers `404003` or
    /// `404001` (or the version in use is below 2.4), falls back to the legacy
    /// `GET {server}/auth?format=xml` and maps its product version (`9.3` → 2.2,
    /// unknown → 2.3). A legacy answer that is not XML keeps the current version. Any
    /// other failure is returned and the version stays as it was.
    pub async fn use_server_version(&self) -> Result<ApiVersion> {
        let current = self.version();
        if current.at_least(ApiVersion::SERVER_INFO) {
            match self.server_info().await {
                Ok(info) => {
                    let version = info.rest_api_version;
                    self.shared.write().version = version;
                    tracing::debug!(%version, "using the server's REST API version");
                    return Ok(version);
                }
                Err(e) if e.code().is_some_and(|c| LEGACY_FALLBACK_CODES.contains(&c)) => {
                    tracing::debug!(
                        code = e.code(),
                        "serverinfo unavailable; trying legacy /auth"
                    );
                }
                Err(e) => return Err(e),
            }
        }
        let (status, _, body) = self
            .shared
            .get_unauthenticated_raw("auth?format=xml")
            .await?;
        let legacy = if status.is_success() {
            tsc_model::LegacyAuthInfo::from_xml(&body)
                .ok()
                .map(|info| info.rest_api_version())
        } else {
            None
        };
        match legacy {
            Some(version) => {
                self.shared.write().version = version;
                tracing::debug!(%version, "using the legacy server's REST API version");
                Ok(version)
            }
            None => {
                tracing::warn!(%current, %status, "legacy auth info unreadable; keeping the current REST API version");
                Ok(current)
            }
        }
    }

    /// Signs in with `strategy` and keeps the session (replacing any earlier one).
    ///
    /// Before anything is sent: the REST API version floor of the strategy is checked
    /// ([`Error::VersionTooLow`]) and the credentials are validated
    /// ([`Error::InvalidCredentials`]). On an `http://` server URL, `GET serverinfo`
    /// (no secrets) runs first; if the server redirects it to https on the same host,
    /// the manager switches to https before the credentials leave. A server that
    /// really speaks only http still works, with a `warn` event.
    ///
    /// The strategy is kept so the session can be renewed when it expires.
    pub async fn sign_in(&self, strategy: Arc<dyn CredentialStrategy>) -> Result<SessionInfo> {
        let _guard = self.shared.sign_in_lock.lock().await;
        let site = strategy.site_content_url().to_owned();
        let session = self
            .shared
            .perform_sign_in(strategy.as_ref(), &site)
            .await?;
        self.shared.install(Some(session.clone()), Some(strategy));
        Ok(session)
    }

    /// Signs out (`POST auth/signout`) and forgets the session.
    ///
    /// Idempotent: without a session nothing is sent. If the server says the token is
    /// already invalid (`401`, e.g. a personal access token used elsewhere since), the
    /// session is forgotten and this counts as success (logged at debug).
    pub async fn sign_out(&self) -> Result<()> {
        let _guard = self.shared.sign_in_lock.lock().await;
        let Some(session) = self.session() else {
            tracing::debug!("sign out: not signed in, nothing to do");
            return Ok(());
        };
        let url = self.shared.api_url("auth/signout")?;
        let mut request = Request::new(Body::empty());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url;
        self.shared.insert_token(&mut request, &session);
        let response = self.shared.transport.send(request).await?;
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?;
        if status.is_success() {
            tracing::debug!("signed out");
        } else if status == StatusCode::UNAUTHORIZED {
            tracing::debug!(
                code = ApiError::sniff(&body).map(|e| e.code),
                "sign out: the token was already invalid; treating the session as ended"
            );
        } else {
            return Err(Error::from_response(status, &parts.headers, &body));
        }
        self.shared.install(None, None);
        Ok(())
    }

    /// Moves the session to another site of the same server (`POST auth/switchSite`,
    /// REST 2.6, Tableau Server only): the new token, site and user replace the old.
    ///
    /// Switching to the site already signed in to (`403070`) succeeds and changes
    /// nothing. If the session had expired (`401002`) and the credentials can be reused
    /// (with [`ReauthPolicy::Once`]), the manager signs in to the target site directly. On Tableau Cloud this fails with [`Error::NotAvailableOnCloud`] before
    /// anything is sent.
    pub async fn switch_site(&self, content_url: &str) -> Result<SessionInfo> {
        if self.shared.cloud {
            return Err(Error::NotAvailableOnCloud {
                call: "switch site",
            });
        }
        self.shared
            .check_floor("switch site", ApiVersion::SWITCH_SITE)?;
        let _guard = self.shared.sign_in_lock.lock().await;
        let session = self.session().ok_or(Error::NotSignedIn)?;
        let url = self.shared.api_url("auth/switchSite")?;
        let mut request = Request::new(Body::full(SwitchSiteRequest::new(content_url).to_xml()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url;
        request.headers_mut().insert(CONTENT_TYPE, XML);
        self.shared.insert_token(&mut request, &session);
        let response = self.shared.transport.send(request).await?;
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?;
        if status.is_success() {
            let answer = SignInResponse::from_xml(&body)?;
            // The PAT behind the session did not change, so neither did its expiry.
            let mut switched = self.shared.session_from(answer)?;
            if switched.pat_expiry.is_none() {
                switched.pat_expiry = session.inner.pat_expiry.clone();
            }
            let switched = SessionInfo {
                inner: Arc::new(switched),
            };
            tracing::debug!(site = switched.site_content_url(), "switched site");
            let strategy = self.shared.read().strategy.clone();
            self.shared.install(Some(switched.clone()), strategy);
            return Ok(switched);
        }
        let error = Error::from_response(status, &parts.headers, &body);
        if error.code() == Some(SAME_SITE_CODE) {
            tracing::debug!(
                site = content_url,
                "already on that site; nothing to switch"
            );
            return Ok(session);
        }
        let strategy = self.shared.read().strategy.clone();
        match strategy {
            // The session expired: signing in to the target site directly is the switch.
            Some(strategy)
                if error.is_session_expired()
                    && self.shared.reauth == ReauthPolicy::Once
                    && strategy.reusable() =>
            {
                tracing::debug!(
                    site = content_url,
                    "session expired during switch site; signing in to the target site"
                );
                let renewed = self
                    .shared
                    .perform_sign_in(strategy.as_ref(), content_url)
                    .await?;
                self.shared.install(Some(renewed.clone()), Some(strategy));
                Ok(renewed)
            }
            _ => Err(error),
        }
    }
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent data (every
        // write is a few field assignments), so poisoning is ignored.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn reauth_policy(&self) -> ReauthPolicy {
        self.reauth
    }

    pub(crate) fn server_url(&self) -> Uri {
        let base = self.read().base.clone();
        // `base` was built from a valid Uri (or from the answering URI), so this parses;
        // fall back to the root of the origin rather than panic.
        base.parse().unwrap_or_default()
    }

    fn api_url(&self, path: &str) -> Result<Uri> {
        let (base, version) = {
            let state = self.read();
            (state.base.clone(), state.version)
        };
        parse_url(format!(
            "{base}/api/{version}/{}",
            path.trim_start_matches('/')
        ))
    }

    fn check_floor(&self, call: &'static str, floor: ApiVersion) -> Result<()> {
        let current = self.read().version;
        if current.at_least(floor) {
            Ok(())
        } else {
            Err(Error::VersionTooLow {
                call,
                floor,
                current,
            })
        }
    }

    /// Puts the session's `X-Tableau-Auth` on `request`. The one place the header is set.
    fn insert_token(&self, request: &mut Request<Body>, session: &SessionInfo) {
        request
            .headers_mut()
            .insert(AUTH_HEADER, session.inner.auth_header.clone());
    }

    /// Attaches the current token if `request` goes to this server; returns the
    /// session generation it was attached from.
    pub(crate) fn attach_token(&self, request: &mut Request<Body>) -> Option<u64> {
        let (session, generation) = {
            let state = self.read();
            if !state.origin.admits(request.uri()) {
                return None;
            }
            (state.session.clone()?, state.generation)
        };
        self.insert_token(request, &session);
        Some(generation)
    }

    fn install(&self, session: Option<SessionInfo>, strategy: Option<Arc<dyn CredentialStrategy>>) {
        let mut state = self.write();
        state.session = session;
        state.strategy = strategy;
        state.generation += 1;
    }

    /// Signs in again after a `401002` on a request sent with token `generation`,
    /// unless another request already did.
    pub(crate) async fn renew_session(&self, generation: u64) -> Result<()> {
        let _guard = self.sign_in_lock.lock().await;
        let (current, session, strategy) = {
            let state = self.read();
            (
                state.generation,
                state.session.clone(),
                state.strategy.clone(),
            )
        };
        if current != generation {
            return Ok(());
        }
        let (Some(session), Some(strategy)) = (session, strategy) else {
            return Err(Error::NotSignedIn);
        };
        if !strategy.reusable() {
            return Err(Error::CannotSignInAgain {
                kind: strategy.kind(),
                reason: "a JWT can be used for one sign-in only; sign in again with a new JWT, \
                         or use a strategy that mints one per sign-in (ConnectedAppAuth)",
            });
        }
        let renewed = self
            .perform_sign_in(strategy.as_ref(), session.site_content_url())
            .await?;
        tracing::info!(
            site = renewed.site_content_url(),
            "session renewed after expiry"
        );
        self.install(Some(renewed), Some(strategy));
        Ok(())
    }

    async fn perform_sign_in(
        &self,
        strategy: &dyn CredentialStrategy,
        site: &str,
    ) -> Result<SessionInfo> {
        self.check_floor(
            strategy.kind().sign_in_call(strategy.impersonating()),
            strategy.floor(),
        )?;
        // Validates the credentials too, so nothing is sent for empty ones.
        let body = strategy.sign_in_request(site).await?.to_xml();
        self.ensure_secure_origin().await?;
        let url = self.api_url("auth/signin")?;
        let mut request = Request::new(Body::full(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url.clone();
        request.headers_mut().insert(CONTENT_TYPE, XML);
        let response = self.transport.send(request).await?;
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?;
        if status.is_success() {
            let answer = SignInResponse::from_xml(&body)?;
            let session = self.session_from(answer)?;
            self.warn_if_pat_expires_soon(&session);
            tracing::debug!(
                kind = %strategy.kind(),
                site = %session.site_content_url,
                user = %session.user_id,
                "signed in"
            );
            return Ok(SessionInfo {
                inner: Arc::new(session),
            });
        }
        let api = ApiError::sniff(&body);
        match (status, api) {
            (StatusCode::UNAUTHORIZED, Some(api)) => Err(Error::FailedSignIn {
                code: api.code,
                summary: api.summary,
                detail: api.detail,
            }),
            (StatusCode::METHOD_NOT_ALLOWED, api) => Err(Error::SignInRedirectedToGet {
                code: api.map(|a| a.code).unwrap_or_default(),
                url,
            }),
            _ => Err(Error::from_response(status, &parts.headers, &body)),
        }
    }

    fn session_from(&self, answer: SignInResponse) -> Result<SessionData> {
        let signed_in_at = SystemTime::now();
        let token = crate::session::SessionToken::new(answer.token);
        let auth_header = token.header_value().ok_or(Error::UnusableSessionToken)?;
        let pat_expiry = answer.estimated_time_to_expiration.map(|t| PatExpiry {
            expires_at: t.parsed.and_then(|d| signed_in_at.checked_add(d)),
            remaining: t.parsed,
            raw: t.raw,
        });
        Ok(SessionData {
            token,
            auth_header,
            site_id: answer.site.id,
            site_content_url: answer.site.content_url,
            user_id: answer.user.id,
            signed_in_at,
            pat_expiry,
        })
    }

    fn warn_if_pat_expires_soon(&self, session: &SessionData) {
        let Some(expiry) = &session.pat_expiry else {
            return;
        };
        match expiry.remaining {
            Some(remaining) if remaining < self.pat_expiry_warning => {
                tracing::warn!(
                    remaining_secs = remaining.as_secs(),
                    estimated_time_to_expiration = %expiry.raw,
                    "the personal access token expires soon; create a new one"
                );
            }
            Some(_) => {}
            None => tracing::debug!(
                estimated_time_to_expiration = %expiry.raw,
                "could not read the personal access token's expiry"
            ),
        }
    }

    /// On an `http://` server, asks `serverinfo` (no secrets) once and moves to https
    /// when the server redirects there on the same host.
    async fn ensure_secure_origin(&self) -> Result<()> {
        {
            let state = self.read();
            if state.origin.https || state.probed {
                return Ok(());
            }
        }
        // The answer's status does not matter, only where it came from.
        self.get_unauthenticated("serverinfo", true).await?;
        let state = self.read();
        if !state.origin.https {
            tracing::warn!(
                server = %state.base,
                "the server answers over plain http; credentials and session tokens will cross the network unencrypted"
            );
        }
        Ok(())
    }

    /// `GET {server}/api/{v}/{path}` without a token; notes an https upgrade.
    async fn get_unauthenticated(
        &self,
        path: &str,
        api: bool,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes)> {
        let url = if api {
            self.api_url(path)?
        } else {
            let base = self.read().base.clone();
            parse_url(format!("{base}/{path}"))?
        };
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = url;
        let response = self.transport.send(request).await?;
        if let Some(ResponseUri(answered)) = response.extensions().get::<ResponseUri>() {
            self.observe_answering_uri(answered);
        }
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?;
        Ok((status, parts.headers, body))
    }

    async fn get_unauthenticated_raw(
        &self,
        path: &str,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes)> {
        self.get_unauthenticated(path, false).await
    }

    /// Moves an http server to https when `answered` shows the same host over https.
    fn observe_answering_uri(&self, answered: &Uri) {
        let mut state = self.write();
        state.probed = true;
        if state.origin.https {
            return;
        }
        let Some(seen) = Origin::of(answered) else {
            return;
        };
        if seen.https && seen.host == state.origin.host {
            let authority = answered.authority().map(|a| a.as_str()).unwrap_or_default();
            let prefix = state
                .base
                .splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_default();
            state.base = format!("https://{authority}{prefix}");
            state.origin = seen;
            tracing::info!(server = %state.base, "the server redirects to https; using https from now on");
        }
    }
}

fn parse_url(url: String) -> Result<Uri> {
    match url.parse::<Uri>() {
        Ok(uri) => Ok(uri),
        Err(source) => Err(Error::InvalidUrl { url, source }),
    }
}

//! [`Server`]: the entry point, shaped like TSC's `TSC.Server`.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response, Uri};
use tower_layer::Layer;
use tsc_auth::{Deployment, ReauthPolicy, SessionManager, SessionToken};
use tsc_model::ApiVersion;
use tsc_transport::{
    Body, BoxError, BoxedService, Certificate, RedirectPolicy, Transport, TransportBuilder,
};

use crate::endpoints::{AuthEndpoint, ServerInfoEndpoint, SitesEndpoint, WorkbooksEndpoint};
use crate::{Error, Result};

/// How server certificates are verified — the twin of TSC's `http_options['verify']`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verify {
    /// Trust the system's root certificates (the default).
    #[default]
    System,
    /// Also trust the CA certificates in this PEM file (`{'verify': '/path/ca.pem'}`).
    CaFile(PathBuf),
    /// Also trust these PEM-encoded CA certificates.
    CaPem(Vec<u8>),
    /// Trust **only** the CA certificates in this PEM file, not the system roots.
    CaFileOnly(PathBuf),
    /// Accept any certificate (`{'verify': False}`).
    ///
    /// # Warning
    ///
    /// Anyone on the network path can read and change the traffic, including your
    /// credentials and session token. Use only against a development server.
    Disabled,
}

/// HTTP options that can be changed after construction — the twin of TSC's
/// `server.add_http_options({...})`.
///
/// Options that are `None` keep their current value.
///
/// ```
/// use std::time::Duration;
/// use tsc::{HttpOptions, Verify};
/// let options = HttpOptions::new()
///     .verify(Verify::CaFile("/etc/ssl/internal-ca.pem".into()))
///     .timeout(Duration::from_secs(30));
/// assert_eq!(options.verify_option(), Some(&Verify::CaFile("/etc/ssl/internal-ca.pem".into())));
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct HttpOptions {
    verify: Option<Verify>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    proxy: Option<String>,
    user_agent: Option<String>,
}

impl HttpOptions {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Certificate verification.
    pub fn verify(mut self, verify: Verify) -> Self {
        self.verify = Some(verify);
        self
    }

    /// Overall time limit for one request (TSC's `timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time limit for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// An explicit proxy URL (TSC's `proxies`); `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` are
    /// honoured without it.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The `User-Agent` header (default `tsc-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The verification setting, if set.
    pub fn verify_option(&self) -> Option<&Verify> {
        self.verify.as_ref()
    }

    fn merge(&mut self, other: HttpOptions) {
        if other.verify.is_some() {
            self.verify = other.verify;
        }
        if other.timeout.is_some() {
            self.timeout = other.timeout;
        }
        if other.connect_timeout.is_some() {
            self.connect_timeout = other.connect_timeout;
        }
        if other.proxy.is_some() {
            self.proxy = other.proxy;
        }
        if other.user_agent.is_some() {
            self.user_agent = other.user_agent;
        }
    }

    fn apply(&self, mut b: TransportBuilder) -> Result<TransportBuilder> {
        match &self.verify {
            None | Some(Verify::System) => {}
            Some(Verify::CaFile(path)) => {
                b = b.tls_certs_merge([Certificate::from_pem_file(path.clone())]);
            }
            Some(Verify::CaFileOnly(path)) => {
                b = b.tls_certs_only([Certificate::from_pem_file(path.clone())]);
            }
            Some(Verify::CaPem(pem)) => {
                b = b.tls_certs_merge([Certificate::from_pem(pem)]);
            }
            Some(Verify::Disabled) => b = b.tls_danger_accept_invalid_certs(true),
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(p) = &self.proxy {
            b = b.proxy(p.clone());
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.clone());
        }
        Ok(b)
    }
}

type LayerFn = Arc<dyn Fn(TransportBuilder) -> TransportBuilder + Send + Sync>;

/// Everything needed to (re)build the default transport when HTTP options change.
#[derive(Clone, Default)]
struct TransportRecipe {
    options: HttpOptions,
    redirect: Option<RedirectPolicy>,
    layers: Vec<LayerFn>,
}

impl TransportRecipe {
    fn build(&self) -> Result<Transport> {
        let mut b = self.options.apply(Transport::builder())?;
        if let Some(policy) = &self.redirect {
            b = b.redirect(policy.clone());
        }
        for layer in &self.layers {
            b = layer(b);
        }
        Ok(b.build()?)
    }
}

/// A tower service that forwards to the transport currently in the slot, so
/// [`Server::add_http_options`] can swap the transport under a live session.
#[derive(Clone)]
struct SlotService(Arc<RwLock<Transport>>);

impl tower_service::Service<Request<Body>> for SlotService {
    type Response = Response<Body>;
    type Error = tsc_transport::Error;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = std::result::Result<Response<Body>, tsc_transport::Error>> + Send>,
    >;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // A poisoned lock only means another thread panicked while swapping; the Transport
        // inside is still a complete value.
        let transport = match self.0.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        Box::pin(async move { transport.send(req).await })
    }
}

pub(crate) struct Inner {
    pub(crate) manager: SessionManager,
    slot: Arc<RwLock<Transport>>,
    /// `None` when the caller supplied their own transport.
    recipe: Mutex<Option<TransportRecipe>>,
    /// Incremented by every sign-in, so a stale guard never signs out a newer session.
    pub(crate) sign_in_epoch: AtomicU64,
    /// The version was chosen by the caller or asked from the server: never negotiate it
    /// behind the caller's back.
    pub(crate) version_settled: AtomicBool,
}

/// A Tableau Server or Tableau Cloud site — the twin of TSC's `TSC.Server`.
///
/// `Server` is `Clone + Send + Sync`; clones share one session and one connection pool,
/// so hand clones to as many tasks as you like.
///
/// ```
/// # async fn doc() -> tsc::Result<()> {
/// let server = tsc::Server::new("https://tableau.example.com")?;
/// assert!(!server.is_signed_in());
/// assert_eq!(server.server_address(), "https://tableau.example.com/");
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(doc()).unwrap();
/// ```
#[derive(Clone)]
pub struct Server {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The manager's Debug redacts the token; we only add what is public anyway.
        f.debug_struct("Server")
            .field("server_address", &self.server_address())
            .field("version", &self.version().to_string())
            .field("signed_in", &self.is_signed_in())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server with default options, the TSC default API version (2.4) and no network
    /// round trip. Use [`Server::builder`] for `use_server_version`, TLS options and more.
    ///
    /// A URL without a scheme means `https://` (TSC assumes `http://` and so sends
    /// credentials in clear text when the server would have accepted https).
    pub fn new(server_address: &str) -> Result<Self> {
        Self::builder(server_address).build_now()
    }

    /// A builder for a server.
    pub fn builder(server_address: impl Into<String>) -> ServerBuilder {
        ServerBuilder::new(server_address.into())
    }

    /// The server's base URL.
    pub fn server_address(&self) -> String {
        self.inner.manager.server_url().to_string()
    }

    /// The REST API version in use.
    pub fn version(&self) -> ApiVersion {
        self.inner.manager.version()
    }

    /// Asks the server for its REST API version and uses it from now on (TSC's
    /// `server.use_server_version()`), with TSC's legacy fallback for very old servers.
    pub async fn use_server_version(&self) -> Result<ApiVersion> {
        let version = self.inner.manager.use_server_version().await?;
        self.inner.version_settled.store(true, Ordering::SeqCst);
        Ok(version)
    }

    /// Changes HTTP options on a live server — the twin of `server.add_http_options({...})`.
    ///
    /// The transport is rebuilt with the merged options; the session (if any) is kept.
    /// Fails with [`Error::InvalidArgument`] when the server was built with a custom
    /// transport (configure that transport instead).
    pub fn add_http_options(&self, options: HttpOptions) -> Result<()> {
        let mut recipe = self
            .inner
            .recipe
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(recipe) = recipe.as_mut() else {
            return Err(Error::invalid(
                "http options",
                "this server uses a custom transport (ServerBuilder::transport); configure that transport instead",
            ));
        };
        let mut next = recipe.clone();
        next.options.merge(options);
        let transport = next.build()?;
        *recipe = next;
        *self
            .inner
            .slot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = transport;
        Ok(())
    }

    /// Sign in, sign out and switch site (TSC's `server.auth`).
    pub fn auth(&self) -> AuthEndpoint<'_> {
        AuthEndpoint::new(self)
    }

    /// Site queries (TSC's `server.sites`).
    pub fn sites(&self) -> SitesEndpoint<'_> {
        SitesEndpoint::new(self)
    }

    /// Workbook queries (TSC's `server.workbooks`).
    pub fn workbooks(&self) -> WorkbooksEndpoint<'_> {
        WorkbooksEndpoint::new(self)
    }

    /// Server information (TSC's `server.server_info`).
    pub fn server_info(&self) -> ServerInfoEndpoint<'_> {
        ServerInfoEndpoint::new(self)
    }

    /// The session token, if signed in. It is a secret: its `Debug` is redacted; call
    /// `secrecy::ExposeSecret::expose_secret` only where you must send it yourself.
    pub fn auth_token(&self) -> Option<SessionToken> {
        self.inner.manager.session().map(|s| s.token().clone())
    }

    /// The LUID of the signed-in site.
    pub fn site_id(&self) -> Option<String> {
        self.inner.manager.session().map(|s| s.site_id().to_owned())
    }

    /// The content URL of the signed-in site (`""` for the Default site).
    pub fn site_url(&self) -> Option<String> {
        self.inner
            .manager
            .session()
            .map(|s| s.site_content_url().to_owned())
    }

    /// The LUID of the signed-in user.
    pub fn user_id(&self) -> Option<String> {
        self.inner.manager.session().map(|s| s.user_id().to_owned())
    }

    /// `true` while a session is held.
    pub fn is_signed_in(&self) -> bool {
        self.inner.manager.session().is_some()
    }

    /// The session manager of the auth layer, for calls the facade does not wrap yet.
    pub fn session_manager(&self) -> &SessionManager {
        &self.inner.manager
    }

    /// Sends an authenticated request through the session layer and returns the raw
    /// response (escape hatch for endpoints the facade does not cover yet).
    pub async fn send(&self, request: Request<Body>) -> Result<Response<Body>> {
        Ok(self.inner.manager.send(request).await?)
    }
}

/// Configures a [`Server`]. Configuration errors surface at [`ServerBuilder::build`].
#[must_use]
pub struct ServerBuilder {
    address: String,
    use_server_version: bool,
    version: Option<ApiVersion>,
    recipe: TransportRecipe,
    transport: Option<Transport>,
    reauth: ReauthPolicy,
    deployment: Deployment,
    pat_expiry_warning: Option<Duration>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("address", &self.address)
            .field("use_server_version", &self.use_server_version)
            .field("layers", &self.recipe.layers.len())
            .field("custom_transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    fn new(address: String) -> Self {
        Self {
            address,
            use_server_version: false,
            version: None,
            recipe: TransportRecipe::default(),
            transport: None,
            reauth: ReauthPolicy::default(),
            deployment: Deployment::Auto,
            pat_expiry_warning: None,
        }
    }

    /// Ask the server for its REST API version during [`ServerBuilder::build`] (TSC's
    /// `Server(url, use_server_version=True)`).
    pub fn use_server_version(mut self, yes: bool) -> Self {
        self.use_server_version = yes;
        self
    }

    /// Use this REST API version (TSC's `server.version = "3.19"`).
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// HTTP options (verification, timeouts, proxy, user agent).
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.recipe.options.merge(options);
        self
    }

    /// Shorthand for `http_options(HttpOptions::new().verify(verify))`.
    pub fn verify(self, verify: Verify) -> Self {
        self.http_options(HttpOptions::new().verify(verify))
    }

    /// Overall request timeout.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.http_options(HttpOptions::new().timeout(timeout))
    }

    /// Connect timeout.
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.http_options(HttpOptions::new().connect_timeout(timeout))
    }

    /// The redirect policy (default: [`RedirectPolicy::default`], at most 10 hops and the
    /// safety rules documented there).
    pub fn redirect_policy(mut self, policy: RedirectPolicy) -> Self {
        self.recipe.redirect = Some(policy);
        self
    }

    /// Adds a user tower layer to the default transport stack (see
    /// `tsc_transport::TransportBuilder::layer` for where it sits).
    ///
    /// The layer is kept so [`Server::add_http_options`] can rebuild the stack with it,
    /// hence `Clone + Sync`.
    pub fn layer<L, B>(mut self, layer: L) -> Self
    where
        L: Layer<BoxedService> + Clone + Send + Sync + 'static,
        L::Service: tower_service::Service<Request<Body>, Response = Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower_service::Service<Request<Body>>>::Future: Send + 'static,
        <L::Service as tower_service::Service<Request<Body>>>::Error: Into<BoxError>,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.recipe
            .layers
            .push(Arc::new(move |b: TransportBuilder| b.layer(layer.clone())));
        self
    }

    /// Uses this transport instead of the default stack (an in-memory test server, or a
    /// stack you built). TLS options, layers and [`Server::add_http_options`] do not apply
    /// to it.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// What to do when the session expires mid-run (default: sign in again once).
    pub fn reauth(mut self, policy: ReauthPolicy) -> Self {
        self.reauth = policy;
        self
    }

    /// Tableau Server or Tableau Cloud (default: Cloud when the host ends with
    /// `.online.tableau.com`).
    pub fn deployment(mut self, deployment: Deployment) -> Self {
        self.deployment = deployment;
        self
    }

    /// Warn when a personal access token expires sooner than this (default 7 days).
    pub fn pat_expiry_warning(mut self, threshold: Duration) -> Self {
        self.pat_expiry_warning = Some(threshold);
        self
    }

    /// Builds the server; with `use_server_version(true)` it asks the server for its
    /// version first, as TSC's constructor does.
    pub async fn build(self) -> Result<Server> {
        let ask = self.use_server_version;
        let server = self.build_now()?;
        if ask {
            server.use_server_version().await?;
        }
        Ok(server)
    }

    fn build_now(self) -> Result<Server> {
        let url = parse_server_url(&self.address)?;
        let (transport, recipe) = match self.transport {
            Some(t) => (t, None),
            None => (self.recipe.build()?, Some(self.recipe)),
        };
        let pinned = self.version.is_some();
        let slot = Arc::new(RwLock::new(transport));
        let mut mb = SessionManager::builder(Transport::new(SlotService(slot.clone())), url)
            .reauth(self.reauth)
            .deployment(self.deployment);
        if let Some(v) = self.version {
            mb = mb.api_version(v);
        }
        if let Some(t) = self.pat_expiry_warning {
            mb = mb.pat_expiry_warning(t);
        }
        let manager = mb.build()?;
        Ok(Server {
            inner: Arc::new(Inner {
                manager,
                slot,
                recipe: Mutex::new(recipe),
                sign_in_epoch: AtomicU64::new(0),
                version_settled: AtomicBool::new(pinned),
            }),
        })
    }
}

impl Inner {
    pub(crate) fn next_epoch(&self) -> u64 {
        self.sign_in_epoch.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.sign_in_epoch.load(Ordering::SeqCst)
    }
}

/// Parses a server address; no scheme means `https://`. Rejects what cannot be a Tableau
/// server URL before any request is sent.
pub(crate) fn parse_server_url(address: &str) -> Result<Uri> {
    let trimmed = address.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid("server address", "it is empty"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|e| Error::invalid("server address", format!("`{trimmed}` is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("https") | Some("http") => {}
        Some(other) => {
            return Err(Error::invalid(
                "server address",
                format!("scheme `{other}` is not supported; use https:// (or http://)"),
            ));
        }
        None => return Err(Error::invalid("server address", "it has no scheme")),
    }
    match uri.host() {
        Some(h) if !h.is_empty() => {}
        _ => {
            return Err(Error::invalid(
                "server address",
                format!("`{trimmed}` has no host name"),
            ));
        }
    }
    if uri.query().is_some() {
        return Err(Error::invalid(
            "server address",
            "it must not contain a query string",
        ));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_host_means_https() {
        let u = parse_server_url("tableau.example.com").unwrap();
        assert_eq!(u.scheme_str(), Some("https"));
        assert_eq!(u.host(), Some("tableau.example.com"));
    }

    #[test]
    fn rejects_bad_addresses_before_any_request() {
        for bad in [
            "",
            "   ",
            "ftp://host",
            "https://",
            "https://host/?a=b",
            "http://",
        ] {
            let err = parse_server_url(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidArgument {
                        what: "server address",
                        ..
                    }
                ),
                "{bad:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn server_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Server>();
    }
}

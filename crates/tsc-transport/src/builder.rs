//! `TransportBuilder`: configuration of the default stack.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use hyper_rustls::{FixedServerNameResolver, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::util::BoxCloneSyncService;
use tower_layer::Layer;
use tower_service::Service;

use crate::client::{Pipeline, Stack, StackService};
use crate::connect::{
    ConnectTimeout, NoTls, ProxyConnector, RecentTlsErrors, RecordTlsErrors, SharedConnector,
};
use crate::error::ConfigError;
use crate::redirect::{UpgradeMemory, ValidPolicy};
use crate::tls::TlsOptions;
use crate::{
    Body, BoxError, Certificate, DEFAULT_USER_AGENT, Error, Identity, RedirectPolicy, RetryPolicy,
    TlsVersion, Transport,
};

/// The boxed service type that user layers wrap (see [`TransportBuilder::layer`]).
pub type BoxedService = BoxCloneSyncService<Request<Body>, Response<Body>, Error>;

type LayerFn = Box<dyn FnOnce(BoxedService) -> BoxedService + Send>;

/// The default response-size limit: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// The default connect timeout: 30 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`Transport`] over the default stack.
///
/// The stack, outermost first:
///
/// 1. **user layers** added with [`TransportBuilder::layer`] (the first added is the
///    outermost); they see each request once, as the caller sent it;
/// 2. the transport's pipeline, one service for the concerns that share the request copy
///    needed to send it again:
///    - checks that the URI is absolute, sets `User-Agent` if absent, rewrites `http://` to
///      `https://` for origins whose upgrade was remembered;
///    - the overall request timeout (over every hop and retry, and reading the body);
///    - retries ([`RetryPolicy`]) and redirects ([`RedirectPolicy`]);
///    - one traced span per attempt;
/// 3. hyper-util's pooled client (HTTP/1.1 and HTTP/2 by ALPN, keep-alive) with the
///    response-size limit on bodies;
/// 4. the connector: the connect timeout around proxy/TCP and the rustls handshake.
///
/// Configuration errors (an unreadable CA file, an invalid proxy URL, …) are reported by
/// [`TransportBuilder::build`].
///
/// ```
/// use std::time::Duration;
/// use tsc_transport::Transport;
/// let transport = Transport::builder()
///     .connect_timeout(Duration::from_secs(10))
///     .timeout(Duration::from_secs(120))
///     .user_agent("my-tool/1.0")
///     .build()?;
/// # let _ = transport;
/// # Ok::<(), tsc_transport::Error>(())
/// ```
#[must_use]
pub struct TransportBuilder {
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    max_response_bytes: u64,
    redirect: RedirectPolicy,
    retry: RetryPolicy,
    tls: TlsOptions,
    proxy: ProxyMode,
    pool_idle_timeout: Option<Duration>,
    http2: bool,
    layers: Vec<LayerFn>,
}

#[derive(Clone, Debug)]
enum ProxyMode {
    Env,
    Off,
    Explicit(String),
}

impl Default for TransportBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("redirect", &self.redirect)
            .field("retry", &self.retry)
            .field("tls", &self.tls)
            .field(
                "proxy",
                // An explicit proxy URL may hold a password.
                &match self.proxy {
                    ProxyMode::Env => "from environment",
                    ProxyMode::Off => "off",
                    ProxyMode::Explicit(_) => "explicit",
                },
            )
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl TransportBuilder {
    /// The defaults: system roots, 30 s connect timeout, no overall timeout, 64 MiB response
    /// limit, [`RedirectPolicy::default`], [`RetryPolicy::default`], proxies from the
    /// environment, HTTP/2 allowed.
    pub fn new() -> Self {
        Self {
            user_agent: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            request_timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            redirect: RedirectPolicy::default(),
            retry: RetryPolicy::default(),
            tls: TlsOptions::default(),
            proxy: ProxyMode::Env,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            http2: true,
            layers: Vec::new(),
        }
    }

    /// The `User-Agent` sent when a request has none (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
        self
    }

    /// Limit on establishing a connection: TCP connect, proxy tunnel and TLS handshake.
    /// `None` disables it. Elapsing gives [`Error::Timeout`] with [`TimeoutKind::Connect`](crate::TimeoutKind::Connect).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Limit on a whole request: every redirect hop and retry, until the response body is
    /// read. `None` (the default) disables it. Elapsing gives [`Error::Timeout`] with
    /// [`TimeoutKind::Request`](crate::TimeoutKind::Request).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// Limit on the size of a response body ([`DEFAULT_MAX_RESPONSE_BYTES`] by default).
    /// Exceeding it gives [`Error::BodyTooLarge`] from [`Body::collect`].
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The redirect policy ([`RedirectPolicy::default`] follows redirects safely).
    pub fn redirect(mut self, policy: RedirectPolicy) -> Self {
        self.redirect = policy;
        self
    }

    /// The retry policy for 429/503 answers ([`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends every request through this proxy (`http://[user:password@]host:port`): https
    /// requests through a `CONNECT` tunnel, http requests in absolute form; credentials in
    /// the URL are sent as `Proxy-Authorization` (basic). Replaces the proxies from the
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, used by default).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyMode::Explicit(url.into());
        self
    }

    /// Uses no proxy, ignoring `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` in the environment.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyMode::Off;
        self
    }

    /// Whether HTTP/2 may be negotiated by ALPN on https connections (default `true`).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s; `None` keeps it forever).
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = timeout.into();
        self
    }

    /// Trusts these CA certificates in addition to the default roots (the twin of TSC's
    /// `verify="ca.pem"` for a server with an internal CA).
    pub fn tls_certs_merge(mut self, certs: impl IntoIterator<Item = Certificate>) -> Self {
        self.tls.extra_roots.extend(certs);
        self
    }

    /// Trusts only these CA certificates (and not the system's roots).
    pub fn tls_certs_only(mut self, certs: impl IntoIterator<Item = Certificate>) -> Self {
        self.tls.extra_roots.extend(certs);
        self.tls.only_extra_roots = true;
        self
    }

    /// Presents this client certificate to servers that require mutual TLS.
    pub fn tls_identity(mut self, identity: Identity) -> Self {
        self.tls.identity = Some(identity);
        self
    }

    /// The lowest TLS version accepted (rustls supports 1.2 and 1.3; the default allows both).
    pub fn tls_version_min(mut self, version: TlsVersion) -> Self {
        self.tls.version_min = Some(version);
        self
    }

    /// Verifies the server certificate against this name (and sends it as SNI) instead of the
    /// URL's host: for servers reached by IP address or through a load balancer.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls.server_name = Some(name.into());
        self
    }

    /// Accepts any server certificate: the twin of TSC's `verify=False`.
    ///
    /// # Warning
    ///
    /// This disables the check that you are talking to your Tableau server. Anyone on the
    /// network path can then impersonate it and read the credentials you sign in with and
    /// every session token. Use it only against a test server, and prefer trusting the
    /// server's CA with [`TransportBuilder::tls_certs_merge`]. Building a transport with this
    /// option emits one `warn` tracing event.
    pub fn tls_danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.danger_accept_invalid_certs = accept;
        self
    }

    /// Uses this rustls configuration as it is (trust anchors, identity, versions); the
    /// other `tls_*` options except [`TransportBuilder::tls_server_name`] are then ignored.
    /// ALPN protocols are set by the transport.
    pub fn tls_preconfigured(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.preconfigured = Some(config);
        self
    }

    /// Adds a tower layer around the whole stack (position 1 in the list above).
    ///
    /// The layer sees every request once, as given to [`Transport::send`], before the
    /// `User-Agent` default, the overall timeout, retries and redirects; headers it adds are
    /// therefore subject to the redirect policy's credential stripping. The first layer added
    /// is the outermost. Its errors are converted as [`Transport::new`] does.
    ///
    /// ```
    /// use tsc_transport::Transport;
    /// let transport = Transport::builder()
    ///     .layer(tower::util::MapRequestLayer::new(|mut req: http::Request<tsc_transport::Body>| {
    ///         req.headers_mut().insert("x-request-source", http::HeaderValue::from_static("nightly-job"));
    ///         req
    ///     }))
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok::<(), tsc_transport::Error>(())
    /// ```
    pub fn layer<L, B>(mut self, layer: L) -> Self
    where
        L: Layer<BoxedService> + Send + 'static,
        L::Service: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send + 'static,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.layers.push(Box::new(move |inner: BoxedService| {
            Transport::new(layer.layer(inner)).into_service()
        }));
        self
    }

    fn proxy_matcher(&self) -> Result<Option<Matcher>, ConfigError> {
        match &self.proxy {
            ProxyMode::Off => Ok(None),
            ProxyMode::Env => Ok(Some(Matcher::from_env())),
            ProxyMode::Explicit(url) => {
                let uri = url
                    .parse::<http::Uri>()
                    .map_err(|_| ConfigError::InvalidProxy {
                        reason: "not a URL".to_owned(),
                    })?;
                if uri.scheme_str() != Some("http") {
                    return Err(ConfigError::InvalidProxy {
                        reason: "only http:// proxies are supported (https destinations are tunnelled with CONNECT)"
                            .to_owned(),
                    });
                }
                if uri.host().is_none() {
                    return Err(ConfigError::InvalidProxy {
                        reason: "no host".to_owned(),
                    });
                }
                Ok(Some(Matcher::builder().all(url.as_str()).build()))
            }
        }
    }

    /// Builds the transport. Reads CA and identity files, loads the system roots, and reports
    /// any configuration problem as [`Error::Config`].
    pub fn build(self) -> Result<Transport, Error> {
        let user_agent =
            HeaderValue::try_from(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
                .map_err(ConfigError::InvalidUserAgent)?;
        let policy = self.redirect.validate()?;
        let tls_config = self.tls.client_config()?;
        let server_name = self.tls.server_name()?;
        let matcher = self.proxy_matcher()?.map(Arc::new);

        let mut http = HttpConnector::new();
        // The https connector below decides the scheme; the TCP connector must accept both.
        http.enforce_http(false);
        http.set_nodelay(true);
        let proxied = ProxyConnector::new(http, matcher.clone());
        let Some(tls_config) = tls_config else {
            // No crypto provider and no TLS option: http:// only (https:// is refused).
            let connector =
                SharedConnector::new(ConnectTimeout::new(NoTls(proxied), self.connect_timeout));
            let client = self.client_builder().build(connector);
            let tls_errors = Arc::new(RecentTlsErrors::default());
            return Ok(self.finish(client, policy, user_agent, matcher, tls_errors));
        };
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config)
            .https_or_http();
        let https = match server_name {
            Some(name) => https.with_server_name_resolver(FixedServerNameResolver::new(name)),
            None => https,
        };
        let https = if self.http2 {
            https.enable_http1().enable_http2().wrap_connector(proxied)
        } else {
            https.enable_http1().wrap_connector(proxied)
        };
        let tls_errors = Arc::new(RecentTlsErrors::default());
        let connector = SharedConnector::new(RecordTlsErrors::new(
            ConnectTimeout::new(https, self.connect_timeout),
            tls_errors.clone(),
        ));
        let client = self.client_builder().build(connector);
        Ok(self.finish(client, policy, user_agent, matcher, tls_errors))
    }

    fn client_builder(&self) -> hyper_util::client::legacy::Builder {
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout);
        builder
    }

    fn finish<C>(
        self,
        client: Client<C, Body>,
        policy: ValidPolicy,
        user_agent: HeaderValue,
        proxy: Option<Arc<Matcher>>,
        tls_errors: Arc<RecentTlsErrors>,
    ) -> Transport
    where
        C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
    {
        let pipeline: Arc<dyn Stack> = Arc::new(Pipeline {
            client,
            max_response_bytes: self.max_response_bytes,
            redirect: policy,
            memory: UpgradeMemory::default(),
            retry: self.retry,
            user_agent,
            timeout: self.request_timeout,
            proxy,
            tls_errors,
        });
        if self.layers.is_empty() {
            return Transport::from_stack(pipeline);
        }
        let mut service: BoxedService = BoxCloneSyncService::new(StackService(pipeline));
        // The first layer added is the outermost, so wrap in reverse order.
        for layer in self.layers.into_iter().rev() {
            service = layer(service);
        }
        Transport::from_parts(service, "default")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_user_agent_is_a_build_error() {
        let err = TransportBuilder::new()
            .user_agent("bad\nvalue")
            .build()
            .err();
        assert!(
            matches!(err, Some(Error::Config(ConfigError::InvalidUserAgent(_)))),
            "{err:?}"
        );
    }

    #[test]
    fn debug_hides_an_explicit_proxy_url() {
        let builder = TransportBuilder::new().proxy("http://user:hunter2@proxy.example:3128");
        let text = format!("{builder:?}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    /// Without a provider feature (and none installed), http works, https is a typed error,
    /// and TLS options are refused at build time.
    #[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
    #[tokio::test]
    async fn without_a_crypto_provider_https_is_refused() {
        let transport = TransportBuilder::new().no_proxy().build();
        let transport = match transport {
            Ok(transport) => transport,
            Err(err) => panic!("http-only transport should build: {err}"),
        };
        let request = Request::get("https://127.0.0.1:9/").body(Body::empty());
        let request = match request {
            Ok(request) => request,
            Err(err) => panic!("{err}"),
        };
        let err = transport.send(request).await.err();
        assert!(
            matches!(err, Some(Error::Config(ConfigError::NoCryptoProvider))),
            "{err:?}"
        );
        let err = TransportBuilder::new()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .err();
        assert!(
            matches!(err, Some(Error::Config(ConfigError::NoCryptoProvider))),
            "{err:?}"
        );
    }
}

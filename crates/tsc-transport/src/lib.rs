//! # tsc-transport
//!
//! The HTTP transport of tsc: a tower service stack over hyper, hyper-util and hyper-rustls.
//!
//! It owns TLS options (custom CA, client identity, explicit insecure mode), the redirect
//! policy that keeps POST bodies and credentials safe, retries of 429/503, timeouts, a
//! response-size limit, proxies and tracing. It knows nothing about Tableau's XML: requests
//! carry absolute URIs built by the layers above.
//!
//! ```
//! use tsc_transport::{Body, Transport};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tsc_transport::Error> {
//! // The default stack: pooled keep-alive connections, HTTP/1.1 and HTTP/2 (ALPN), rustls
//! // with the system's roots, redirect-safe POST, proxies from the environment.
//! let transport = Transport::builder().build()?;
//! # let _ = transport;
//!
//! // Any tower service works too, e.g. an in-memory fake server in tests:
//! let fake = Transport::new(tower::service_fn(|_req: http::Request<Body>| async {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(Body::from("<tsResponse/>")))
//! }));
//! let request = http::Request::get("https://tableau.example.com/api/3.24/serverinfo")
//!     .body(Body::empty())
//!     .map_err(|e| tsc_transport::Error::InvalidRequest { reason: e.to_string() })?;
//! let response = fake.send(request).await?;
//! assert_eq!(&response.into_body().collect().await?[..], b"<tsResponse/>");
//! # Ok(()) }
//! ```
//!
//! ## TLS
//!
//! The twins of Tableau Server Client's `add_http_options({'verify': ...})`:
//!
//! | TSC (Python) | tsc-transport |
//! |---|---|
//! | `verify=True` (default) | the default: the operating system's roots (feature `webpki-roots`: Mozilla's bundled roots) |
//! | `verify="ca.pem"` | [`TransportBuilder::tls_certs_merge`] with [`Certificate::from_pem_file`], or [`TransportBuilder::tls_certs_only`] to trust nothing else |
//! | `verify=False` | [`TransportBuilder::tls_danger_accept_invalid_certs`] (emits one `warn` event) |
//! | `cert=(cert, key)` | [`TransportBuilder::tls_identity`] with [`Identity::from_pem_files`] |
//! | `configure_ssl(allow_weak_dh=True)` | **none**: rustls implements no finite-field Diffie-Hellman suites, so there is no weak DH to allow |
//!
//! Plus [`TransportBuilder::tls_version_min`], [`TransportBuilder::tls_server_name`] (reach a
//! server by IP or through a load balancer) and [`TransportBuilder::tls_preconfigured`].
//! A certificate failure is an [`Error::Tls`] naming the host, the [`TlsFailure`] reason
//! (unknown issuer, expired, name mismatch, client certificate rejected, …) and the option
//! that fixes it.
//!
//! ## Cargo features
//!
//! - `rustls-ring` (default): rustls with the ring crypto provider.
//! - `rustls-aws-lc`: rustls with aws-lc-rs instead (if both are on, ring is used).
//! - `webpki-roots`: trust Mozilla's bundled roots instead of the system store.
//!
//! A crypto provider the application installed with `CryptoProvider::install_default` is
//! always preferred; the transport never installs one globally. With neither provider
//! feature and none installed, the transport serves `http://` only and answers `https://`
//! with [`ConfigError::NoCryptoProvider`] (setting any `tls_*` option then fails at build).
//!
//! ## Redirects, retries, timeouts, limits, proxies
//!
//! See [`RedirectPolicy`] (rules 1–6 of redirect-safe POST, the remembered http→https
//! upgrade, cross-origin credential stripping), [`RetryPolicy`] (429/503 with `Retry-After`,
//! GET/HEAD only), and [`TransportBuilder`] for timeouts ([`TimeoutKind`]), the response-size
//! limit, `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` or an explicit proxy, and the `User-Agent`.
//!
//! ## Tracing
//!
//! Each HTTP attempt (every redirect hop and retry) is one `debug` span named `HTTP` with
//! OpenTelemetry-style fields: `otel.name` (from an [`OperationName`] request extension),
//! `otel.kind`, `http.request.method`, `url.full` (without the
//! query string), `server.address`, `server.port`, `http.response.status_code`,
//! `duration_ms` and `error.type`. Header values and bodies are never recorded.

mod body;
mod builder;
mod client;
mod connect;
mod error;
mod redirect;
mod retry;
mod tls;
mod transport;

pub use body::Body;
pub use builder::{
    BoxedService, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, TransportBuilder,
};
pub use error::{BoxError, ConfigError, Error, RedirectError, TimeoutKind, TlsError, TlsFailure};
pub use redirect::RedirectPolicy;
pub use retry::RetryPolicy;
pub use tls::{Certificate, Identity, TlsVersion};
pub use transport::{OperationName, ResponseFuture, ResponseUri, Transport};

/// Re-exported so that [`TransportBuilder::tls_preconfigured`] can be called without a
/// direct dependency (and with the same version).
pub use rustls;

/// The `User-Agent` sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("tsc-rs/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    #[test]
    fn user_agent_names_crate_version() {
        assert!(super::DEFAULT_USER_AGENT.starts_with("tsc-rs/0."));
    }
}

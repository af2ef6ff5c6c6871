//! # tsc-transport
//!
//! The HTTP transport of tsc: a tower service stack over hyper, hyper-util and hyper-rustls.
//!
//! It owns TLS options (custom CA, client identity, explicit insecure mode), the redirect
//! policy that keeps POST bodies and credentials safe, timeouts, size limits, proxies and
//! tracing. It knows nothing about Tableau's XML: requests carry absolute URIs built by the
//! layers above.

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
pub use transport::{ResponseFuture, ResponseUri, Transport};

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

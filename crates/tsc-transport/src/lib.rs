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
mod error;
mod transport;

pub use body::Body;
pub use builder::TransportBuilder;
pub use error::{BoxError, ConfigError, Error, RedirectError, TimeoutKind, TlsError, TlsFailure};
pub use transport::{ResponseFuture, ResponseUri, Transport};

/// The `User-Agent` sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("tsc-rs/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    #[test]
    fn user_agent_names_crate_version() {
        assert!(super::DEFAULT_USER_AGENT.starts_with("tsc-rs/0."));
    }
}

//! The error types of the transport.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::{Method, StatusCode};

/// A type-erased error, as used by tower services.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while sending a request through a [`crate::Transport`].
///
/// Lower-layer errors are kept as sources (see [`std::error::Error::source`]), never
/// flattened into strings. URLs in messages never include the query string.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection (or the proxy tunnel) could not be established.
    #[error("could not connect to {host}")]
    Connect {
        /// `host[:port]` that was being reached.
        host: String,
        /// The underlying failure.
        #[source]
        source: BoxError,
    },
    /// A timeout elapsed.
    #[error("{kind} timeout after {after:?} for {target}")]
    Timeout {
        /// Which timeout elapsed.
        kind: TimeoutKind,
        /// The configured duration.
        after: Duration,
        /// The URL (without query) that was being requested, or the host being connected to.
        target: String,
    },
    /// The TLS handshake or session failed (for example an untrusted certificate).
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A redirect was refused or could not be followed.
    #[error(transparent)]
    Redirect(#[from] RedirectError),
    /// The response body is larger than the configured limit.
    #[error(
        "response body exceeds the limit of {limit} bytes (see TransportBuilder::max_response_bytes)"
    )]
    BodyTooLarge {
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The HTTP exchange failed after the connection was made (protocol error, reset, …).
    #[error("HTTP exchange with {host} failed")]
    Http {
        /// `host[:port]` that was being talked to.
        host: String,
        /// The underlying failure (usually a `hyper::Error`).
        #[source]
        source: BoxError,
    },
    /// Reading the response body failed.
    #[error("reading the response body failed")]
    Body(#[source] BoxError),
    /// The request cannot be sent as given (for example its URI is not absolute).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong with it.
        reason: String,
    },
    /// The transport could not be built from its configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A custom service or layer failed with an error of its own.
    #[error("the transport service failed")]
    Service(#[source] BoxError),
}

impl Error {
    /// Whether a connect or request timeout elapsed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Which timeout elapsed, if this is a timeout.
    pub fn timeout_kind(&self) -> Option<TimeoutKind> {
        match self {
            Error::Timeout { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether this is a TLS failure.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls(_))
    }

    /// Whether a redirect was refused or could not be followed.
    pub fn is_redirect(&self) -> bool {
        matches!(self, Error::Redirect(_))
    }

    /// Whether connecting failed (not counting TLS failures and timeouts).
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Connect { .. })
    }

    /// Whether the response body exceeded the size limit.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self, Error::BodyTooLarge { .. })
    }

    /// Converts an error from a service or layer: an `Error` inside is kept as it is,
    /// anything else is wrapped as [`Error::Service`].
    pub fn from_boxed(err: BoxError) -> Error {
        match err.downcast::<Error>() {
            Ok(own) => *own,
            Err(other) => Error::Service(other),
        }
    }

    /// Converts an error raised while streaming a body.
    pub(crate) fn from_body_error(err: BoxError) -> Error {
        match err.downcast::<Error>() {
            Ok(own) => *own,
            Err(other) => Error::Body(other),
        }
    }
}

/// Which timeout elapsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection (TCP, proxy tunnel and TLS handshake) took too long.
    Connect,
    /// The whole request (all redirect hops and retries, and reading the body) took too long.
    Request,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Request => "request",
        })
    }
}

/// A TLS failure, with the host, the reason and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("TLS with {host} failed: {reason}. {}", reason.remedy())]
pub struct TlsError {
    /// The host name (or IP address) the TLS session was with.
    pub host: String,
    /// Why it failed, classified.
    pub reason: TlsFailure,
    /// The rustls error.
    #[source]
    pub source: rustls::Error,
}

/// The classified reason of a [`TlsError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate chain does not lead to a trusted root.
    UnknownIssuer,
    /// The server's certificate has expired.
    Expired,
    /// The server's certificate is not valid yet.
    NotYetValid,
    /// The server's certificate is not valid for the host name that was used.
    NameMismatch,
    /// The server's certificate has been revoked.
    Revoked,
    /// The server's certificate is malformed or unsupported.
    BadCertificate,
    /// The server required a client certificate (mTLS) and none, or an unaccepted one, was sent.
    ClientCertificateRejected,
    /// No common protocol version or cipher suite.
    HandshakeFailure,
    /// Something else (see the source).
    Other,
}

impl TlsFailure {
    /// A short description of the reason.
    fn describe(&self) -> &'static str {
        match self {
            TlsFailure::UnknownIssuer => "the certificate is signed by an unknown issuer",
            TlsFailure::Expired => "the certificate has expired",
            TlsFailure::NotYetValid => "the certificate is not valid yet",
            TlsFailure::NameMismatch => "the certificate is not valid for this host name",
            TlsFailure::Revoked => "the certificate has been revoked",
            TlsFailure::BadCertificate => "the certificate is malformed or unsupported",
            TlsFailure::ClientCertificateRejected => {
                "the server requires a client certificate and did not accept ours"
            }
            TlsFailure::HandshakeFailure => "no common TLS version or cipher suite",
            TlsFailure::Other => "the TLS session failed",
        }
    }

    /// What the user can do about it.
    pub fn remedy(&self) -> &'static str {
        match self {
            TlsFailure::UnknownIssuer => {
                "If the server uses an internal CA, pass its PEM file with \
                 TransportBuilder::tls_certs_merge([Certificate::from_pem_file(\"ca.pem\")]) \
                 (the twin of TSC's verify=\"ca.pem\")"
            }
            TlsFailure::Expired | TlsFailure::NotYetValid => {
                "Renew the server certificate or check this machine's clock"
            }
            TlsFailure::NameMismatch => {
                "Use the host name the certificate was issued for, or set \
                 TransportBuilder::tls_server_name(...) to it"
            }
            TlsFailure::ClientCertificateRejected => {
                "Pass a client certificate and key with \
                 TransportBuilder::tls_identity(Identity::from_pem_files(cert, key))"
            }
            TlsFailure::HandshakeFailure => {
                "Check TransportBuilder::tls_version_min; rustls supports TLS 1.2 and 1.3 \
                 with modern cipher suites only"
            }
            TlsFailure::Revoked | TlsFailure::BadCertificate | TlsFailure::Other => {
                "Check the server's certificate configuration"
            }
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a redirect was refused or could not be followed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectError {
    /// Following would turn the request into a GET (303, or 301/302 after a POST).
    #[error(
        "{status} redirect from {from} to {location} would turn the {method} into a GET and drop \
         its body; Tableau then answers 405 (error 405000, Method Not Allowed). Refused. Use the \
         final URL ({location}) as the server URL, typically https:// instead of http://"
    )]
    MethodChange {
        /// The redirect status.
        status: StatusCode,
        /// The method of the request that was redirected.
        method: Method,
        /// The URL that answered with the redirect (without query).
        from: String,
        /// The redirect target (without query).
        location: String,
    },
    /// A redirect from `https` to `http`.
    #[error("refusing to follow a redirect from {from} to {location}: it downgrades https to http")]
    Downgrade {
        /// The https URL that answered (without query).
        from: String,
        /// The http target (without query).
        location: String,
    },
    /// A redirect to another origin for a request that carries a body or credentials.
    #[error(
        "refusing to follow a redirect from {from} to another origin, {location}: the request \
         carries {carries}. Either allow that origin with \
         RedirectPolicy::default().allow_origin(\"{target_origin}\"), or use {target_origin} \
         directly as the server URL"
    )]
    CrossOrigin {
        /// The URL that answered (without query).
        from: String,
        /// The redirect target (without query).
        location: String,
        /// The target origin, `scheme://host[:port]`.
        target_origin: String,
        /// What the request carries: "a body", "credentials" or "a body and credentials".
        carries: &'static str,
    },
    /// A redirect status without a `Location` header.
    #[error("{status} redirect from {from} has no Location header")]
    MissingLocation {
        /// The redirect status.
        status: StatusCode,
        /// The URL that answered (without query).
        from: String,
    },
    /// A `Location` header that is not a usable http(s) URL.
    #[error("{status} redirect from {from} has an invalid Location header: {location:?}")]
    InvalidLocation {
        /// The redirect status.
        status: StatusCode,
        /// The URL that answered (without query).
        from: String,
        /// The header value (lossily decoded, without query string, truncated).
        location: String,
    },
    /// More hops than the policy allows.
    #[error("too many redirects: more than {limit} hops (last from {from})")]
    TooManyHops {
        /// The configured hop limit.
        limit: usize,
        /// The URL of the last redirect (without query).
        from: String,
    },
    /// A redirect back to a URL already visited.
    #[error("redirect loop: {location} was already visited")]
    Loop {
        /// The URL visited twice (without query).
        location: String,
    },
    /// The request body is a stream and cannot be sent again.
    #[error(
        "cannot follow the {status} redirect to {location}: the request body is a stream and \
         cannot be replayed; send it with Body::full"
    )]
    BodyNotReplayable {
        /// The redirect status.
        status: StatusCode,
        /// The redirect target (without query).
        location: String,
    },
}

/// A configuration error reported by [`crate::TransportBuilder::build`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A certificate or key file could not be read.
    #[error("cannot read {what} file {}", path.display())]
    ReadFile {
        /// What the file was supposed to hold.
        what: &'static str,
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// PEM data that holds no certificate (or no private key).
    #[error("{source_name} contains no {what}")]
    NoPemItem {
        /// What was expected ("certificate", "private key").
        what: &'static str,
        /// The file path, or "PEM data" for in-memory bytes.
        source_name: String,
    },
    /// PEM data that could not be parsed.
    #[error("{source_name} is not valid PEM")]
    InvalidPem {
        /// The file path, or "PEM data" for in-memory bytes.
        source_name: String,
        /// The parser error.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// A certificate that rustls rejects as a trust anchor.
    #[error("{source_name} holds a certificate that cannot be used as a trust anchor")]
    InvalidCertificate {
        /// The file path, or "PEM data"/"DER data" for in-memory bytes.
        source_name: String,
        /// The rustls error.
        #[source]
        source: rustls::Error,
    },
    /// The TLS client configuration was rejected by rustls (for example a key that does
    /// not match the certificate).
    #[error("invalid TLS configuration: {context}")]
    Tls {
        /// What was being configured.
        context: &'static str,
        /// The rustls error.
        #[source]
        source: rustls::Error,
    },
    /// No rustls crypto provider: no `rustls-ring`/`rustls-aws-lc` feature and none installed.
    #[error(
        "no rustls crypto provider: enable the `rustls-ring` or `rustls-aws-lc` feature, or \
         install one with CryptoProvider::install_default"
    )]
    NoCryptoProvider,
    /// An invalid server name for `tls_server_name`.
    #[error("invalid TLS server name {name:?}")]
    InvalidServerName {
        /// The name given.
        name: String,
    },
    /// An invalid proxy URL.
    #[error("invalid proxy URL: {reason}")]
    InvalidProxy {
        /// What is wrong (the URL itself is not repeated: it may contain a password).
        reason: String,
    },
    /// An invalid origin passed to `RedirectPolicy::allow_origin`.
    #[error(
        "invalid origin for RedirectPolicy::allow_origin: {origin:?} (expected scheme://host[:port])"
    )]
    InvalidAllowedOrigin {
        /// The origin given.
        origin: String,
    },
    /// An invalid `User-Agent` value.
    #[error("invalid User-Agent value")]
    InvalidUserAgent(#[source] http::header::InvalidHeaderValue),
}

//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while configuring or starting the emulator.
///
/// Request-level problems are never errors here: they become Tableau error responses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration file could not be read.
    #[error("cannot read configuration file {path}")]
    ReadConfig {
        /// The file that was asked for.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A configuration file is not valid JSON of the expected shape.
    #[error("invalid configuration file {path}")]
    ParseConfig {
        /// The file that was asked for.
        path: PathBuf,
        /// The parse failure.
        #[source]
        source: serde_json::Error,
    },
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Binding a listener or writing a file failed.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// Generating the CA or the server certificate failed.
    #[error("certificate generation failed")]
    Certificate(#[source] rcgen::Error),
    /// Building the rustls server configuration failed.
    #[error("TLS configuration failed")]
    Tls(#[source] rustls::Error),
    /// Generating or encoding the UAT RSA key failed.
    #[error("UAT key generation failed: {0}")]
    UatKey(String),
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

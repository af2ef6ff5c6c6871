//! The facade's one error type, wrapping the layers' errors.

use http::StatusCode;

/// A specialized `Result` for the facade.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a `tsc` call.
///
/// The layers' errors are wrapped, not stringified: match on [`Error::Auth`],
/// [`Error::Transport`] or [`Error::Model`] to reach the typed cause, or use the helpers
/// ([`Error::is_timeout`], [`Error::is_tls`], [`Error::is_redirect`], [`Error::status`],
/// [`Error::code`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Sign-in, session, version or Tableau API error (also carries transport errors that
    /// happened during an authenticated call).
    #[error(transparent)]
    Auth(#[from] tsc_auth::Error),
    /// The HTTP transport failed (TLS, redirect, timeout, connection, size limit).
    #[error(transparent)]
    Transport(#[from] tsc_transport::Error),
    /// A response body could not be decoded.
    #[error(transparent)]
    Model(#[from] tsc_model::Error),
    /// A site-scoped call was made before signing in.
    #[error("not signed in: call `server.auth().sign_in(&auth)` first")]
    NotSignedIn,
    /// A task fetching pages in parallel panicked or was cancelled (a bug, or a runtime
    /// shutting down).
    #[error("a task fetching page {page} did not finish")]
    PageTask {
        /// The page it was fetching.
        page: u32,
        /// Why it did not finish.
        #[source]
        source: tokio::task::JoinError,
    },
    /// An argument was rejected before any request was sent.
    #[error("invalid {what}: {why}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// Why it was rejected and what to do.
        why: String,
    },
}

impl Error {
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Error::InvalidArgument {
            what,
            why: why.into(),
        }
    }

    fn transport(&self) -> Option<&tsc_transport::Error> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Auth(tsc_auth::Error::Transport(e)) => Some(e),
            _ => None,
        }
    }

    /// `true` when a connect or request timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.transport()
            .is_some_and(tsc_transport::Error::is_timeout)
    }

    /// `true` when TLS failed (certificate not trusted, expired, wrong name, …).
    pub fn is_tls(&self) -> bool {
        self.transport().is_some_and(tsc_transport::Error::is_tls)
    }

    /// `true` when a redirect was refused by the redirect policy.
    pub fn is_redirect(&self) -> bool {
        self.transport()
            .is_some_and(tsc_transport::Error::is_redirect)
    }

    /// The HTTP status of a Tableau error response, if this error came from one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Auth(e) => e.status(),
            _ => None,
        }
    }

    /// The Tableau error code (for example `"401002"`), if this error came from one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Auth(e) => e.code(),
            _ => None,
        }
    }

    /// `true` for [`Error::NotSignedIn`] and its twin in the auth layer.
    pub fn is_not_signed_in(&self) -> bool {
        matches!(self, Error::NotSignedIn)
            || matches!(self, Error::Auth(tsc_auth::Error::NotSignedIn))
    }
}

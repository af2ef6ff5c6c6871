//! The one error type of this crate.

use http::{HeaderMap, StatusCode, Uri};
use tsc_model::ApiVersion;

use crate::credentials::CredentialKind;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while signing in, out, switching site or sending an
/// authenticated request.
///
/// Lower-layer errors are wrapped ([`Error::Transport`], [`Error::Model`]), never
/// turned into strings, so a refused redirect is still matchable further down the
/// `source()` chain. No variant ever holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused the sign-in (HTTP 401, usually code `401001`): wrong name or
    /// password, revoked or expired token, a site the user is not on, a bad JWT.
    /// Python TSC calls this `FailedSignInError`.
    #[error("sign-in failed: {code} {summary}: {detail}")]
    FailedSignIn {
        /// Tableau's six-digit error code, e.g. `401001`.
        code: String,
        /// Tableau's short summary.
        summary: String,
        /// Tableau's longer explanation.
        detail: String,
    },
    /// A call that needs a session was made before signing in (or after signing out).
    #[error("not signed in: sign in first")]
    NotSignedIn,
    /// The server answered with a Tableau error body.
    #[error("Tableau answered HTTP {status}: {code} {summary}: {detail}")]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Tableau's six-digit error code.
        code: String,
        /// Tableau's short summary.
        summary: String,
        /// Tableau's longer explanation.
        detail: String,
    },
    /// The server answered with something that is not a Tableau XML body: a
    /// maintenance page, a proxy's HTML error, an empty 5xx.
    #[error(
        "expected a Tableau XML answer, got HTTP {status} (content type {content_type:?}): {excerpt:?}"
    )]
    NonXmlResponse {
        /// The HTTP status.
        status: StatusCode,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The first characters of the body, for diagnosis.
        excerpt: String,
    },
    /// The call needs a newer REST API version than the one in use; checked before
    /// anything is sent.
    #[error(
        "{call} needs REST API version {floor} or later, but this client uses {current} \
         (ask the server with use_server_version(), or set a newer api_version)"
    )]
    VersionTooLow {
        /// What was attempted, e.g. `"sign in with a personal access token"`.
        call: &'static str,
        /// The first REST API version that supports it.
        floor: ApiVersion,
        /// The version this client is using.
        current: ApiVersion,
    },
    /// The call exists only on Tableau Server.
    #[error("{call} is not available on Tableau Cloud")]
    NotAvailableOnCloud {
        /// What was attempted, e.g. `"switch site"`.
        call: &'static str,
    },
    /// The credentials cannot be sent as they are (caught before any request).
    #[error("invalid credentials: {field} {problem}")]
    InvalidCredentials {
        /// Which value is wrong, e.g. `"username"`.
        field: &'static str,
        /// What is wrong with it, e.g. `"is empty"`.
        problem: &'static str,
    },
    /// The sign-in reached the server as a GET (HTTP 405, code `405000`).
    #[error(
        "the server received the sign-in as a GET (HTTP 405, code {code}), most likely because \
         an http→https redirect turned the POST into a GET; use the https:// server URL ({url})"
    )]
    SignInRedirectedToGet {
        /// Tableau's error code (`405000`), or empty when the body had none.
        code: String,
        /// The sign-in URL that was requested.
        url: Uri,
    },
    /// The session expired and the credentials cannot be used a second time.
    #[error("the session expired and cannot be renewed with {kind} credentials: {reason}")]
    CannotSignInAgain {
        /// The kind of credentials the session was opened with.
        kind: CredentialKind,
        /// Why they cannot be reused.
        reason: &'static str,
    },
    /// The session expired and was renewed, but the request's body was a stream that
    /// can only be sent once.
    #[error(
        "the session expired and was renewed, but the request body is a stream that cannot be \
         sent twice; send the request again"
    )]
    BodyNotReplayable,
    /// A URL could not be built from the server address and a path.
    #[error("cannot build a URL from {url:?}")]
    InvalidUrl {
        /// The text that failed to parse.
        url: String,
        /// Why it failed.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The server URL given to the session manager cannot be used.
    #[error("invalid server URL {url:?}: {problem}")]
    InvalidServerUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The server returned a session token that cannot be sent in an HTTP header.
    #[error("the server returned a session token that cannot be sent in an HTTP header")]
    UnusableSessionToken,
    /// A connected-app JWT could not be signed.
    #[error("could not sign the connected-app JWT")]
    MintJwt(#[source] jsonwebtoken::errors::Error),
    /// The HTTP transport failed (connect, TLS, timeout, redirect refused, ...).
    #[error("HTTP transport failed")]
    Transport(#[from] tsc_transport::Error),
    /// A Tableau answer could not be decoded.
    #[error("could not decode the Tableau answer")]
    Model(#[from] tsc_model::Error),
}

impl Error {
    /// The HTTP status behind this error, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::FailedSignIn { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Api { status, .. } | Error::NonXmlResponse { status, .. } => Some(*status),
            Error::SignInRedirectedToGet { .. } => Some(StatusCode::METHOD_NOT_ALLOWED),
            _ => None,
        }
    }

    /// Tableau's six-digit error code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::FailedSignIn { code, .. }
            | Error::Api { code, .. }
            | Error::SignInRedirectedToGet { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the transport gave up waiting.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_timeout())
    }

    /// Whether the transport refused or failed to follow a redirect.
    pub fn is_redirect(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_redirect())
    }

    /// Whether the TLS handshake or certificate check failed.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_tls())
    }

    /// Whether the server said the session token is invalid or expired (`401002`).
    pub fn is_session_expired(&self) -> bool {
        self.code() == Some(SESSION_INVALID_CODE)
    }

    /// Turns a non-success answer into [`Error::Api`] or [`Error::NonXmlResponse`].
    ///
    /// Useful for callers that send their own requests through
    /// [`SessionManager::send`](crate::SessionManager::send).
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        match tsc_model::ApiError::sniff(body) {
            Some(api) => Error::Api {
                status,
                code: api.code,
                summary: api.summary,
                detail: api.detail,
            },
            None => Error::NonXmlResponse {
                status,
                content_type: headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                excerpt: excerpt(body),
            },
        }
    }
}

/// Tableau's code for an invalid, expired, signed-out or superseded token.
pub(crate) const SESSION_INVALID_CODE: &str = "401002";

/// The first 200 characters of a body, lossily decoded, for error messages, with the
/// values of secret-bearing attributes or JSON keys replaced by `[redacted]` (a proxy
/// or a broken server might echo a request).
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = redact(&String::from_utf8_lossy(body));
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Blanks the quoted value after `token=`, `password=`, `personalAccessTokenSecret=`,
/// `jwt=` (XML attributes) and `"token":` etc. (JSON).
fn redact(text: &str) -> String {
    const KEYS: [&str; 4] = ["token", "password", "personalAccessTokenSecret", "jwt"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for key in KEYS {
            let Some(after_key) = rest.strip_prefix(key) else {
                continue;
            };
            // `key="v"`, `key='v'`, `key": "v"` (the JSON key's closing quote first).
            let after_sep = after_key
                .strip_prefix('"')
                .unwrap_or(after_key)
                .trim_start();
            let Some(after_sep) = after_sep
                .strip_prefix('=')
                .or_else(|| after_sep.strip_prefix(':'))
            else {
                continue;
            };
            let after_sep = after_sep.trim_start();
            let Some(quote) = after_sep.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let value = &after_sep[1..];
            let end = value.find(quote).unwrap_or(value.len());
            out.push_str(key);
            out.push('=');
            out.push(quote);
            out.push_str("[redacted]");
            out.push(quote);
            rest = value.get(end + 1..).unwrap_or("");
            continue 'scan;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_redact_secrets_and_stay_short() {
        let body = br#"<html>echo: <credentials name="a" password="hunter2" jwt='e.y.j'/> {"token": "t0k3n"}</html>"#;
        let text = excerpt(body);
        for secret in ["hunter2", "e.y.j", "t0k3n"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("name=\"a\""), "{text}");
        assert!(text.contains("[redacted]"));
        let long = excerpt(&[b'x'; 1000]);
        assert_eq!(long.chars().count(), 201);
        assert_eq!(excerpt("é".as_bytes()), "é");
    }
}

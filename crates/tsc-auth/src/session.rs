//! What a signed-in session holds.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// The session token Tableau returned; it goes out as `X-Tableau-Auth`.
///
/// `Debug` never shows it. Read it with [`expose_secret`](Self::expose_secret) only to
/// hand it to something that needs it.
#[derive(Clone)]
pub struct SessionToken(SecretString);

impl SessionToken {
    /// Wraps a token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        SessionToken(token.into())
    }

    /// The token text.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The `X-Tableau-Auth` value for this token, marked sensitive so `Debug` output of
    /// the headers and the transport's redirect filter both treat it as a credential.
    ///
    /// This is the only place the header value is built. `None` when the token holds
    /// bytes that cannot go into a header (a server bug; the caller reports it).
    pub(crate) fn header_value(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(self.expose_secret()).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([REDACTED])")
    }
}

/// When the personal access token used to sign in expires, from the sign-in answer's
/// `estimatedTimeToExpiration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatExpiry {
    /// The value as Tableau sent it, e.g. `"173:21:12"`.
    pub raw: String,
    /// How long the token had left at sign-in, when `raw` could be read.
    pub remaining: Option<Duration>,
    /// `signed_in_at + remaining`, when `raw` could be read.
    pub expires_at: Option<SystemTime>,
}

/// A signed-in session: the token and where it belongs.
///
/// Cheap to clone. `Debug` redacts the token.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub(crate) inner: Arc<SessionData>,
}

#[derive(Debug)]
pub(crate) struct SessionData {
    pub(crate) token: SessionToken,
    /// `X-Tableau-Auth`, built once by [`SessionToken::header_value`] (sensitive).
    pub(crate) auth_header: HeaderValue,
    pub(crate) site_id: String,
    pub(crate) site_content_url: String,
    pub(crate) user_id: String,
    pub(crate) signed_in_at: SystemTime,
    pub(crate) pat_expiry: Option<PatExpiry>,
}

impl SessionInfo {
    /// The session token (secret).
    pub fn token(&self) -> &SessionToken {
        &self.inner.token
    }

    /// The LUID of the site signed in to; it goes in `/sites/{site-luid}/…` URLs.
    pub fn site_id(&self) -> &str {
        &self.inner.site_id
    }

    /// The content URL of the site signed in to (`""` = the Default site).
    pub fn site_content_url(&self) -> &str {
        &self.inner.site_content_url
    }

    /// The LUID of the signed-in user (the impersonated user when impersonating).
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// When this client received the token.
    pub fn signed_in_at(&self) -> SystemTime {
        self.inner.signed_in_at
    }

    /// When the personal access token expires, if the server said (PAT sign-ins).
    pub fn pat_expiry(&self) -> Option<&PatExpiry> {
        self.inner.pat_expiry.as_ref()
    }
}

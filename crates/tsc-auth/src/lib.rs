//! # tsc-auth
//!
//! Credential strategies and the session lifecycle of the Tableau REST API: sign in,
//! sign out, switch site, server-version negotiation, and renewal of expired sessions.
//!
//! * Credentials: [`TableauAuth`] (username and password), [`PersonalAccessTokenAuth`],
//!   [`JwtAuth`] (a connected-app JWT or a Tableau Cloud Unified Access Token you
//!   already hold) and [`ConnectedAppAuth`] (mints a fresh HS256 JWT for every
//!   sign-in). Plug in your own with [`CredentialStrategy`]. Secrets stay in
//!   [`secrecy`] types and never appear in `Debug`, errors or logs.
//! * [`SessionManager`] owns one server's session; [`SessionLayer`] is the tower layer
//!   that adds `X-Tableau-Auth` (only for that server's origin) and signs in again
//!   once when the token expires.
//!
//! Beyond Python TSC: expired sessions are renewed ([`ReauthPolicy`]), a dead token at
//! sign-out is not an error, an `http://` server that redirects to https is switched
//! to https before credentials are sent, PAT expiry is exposed and warned about, and
//! version floors are checked before sending ([`Error::VersionTooLow`]).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod credentials;
mod error;
mod jwt;
mod layer;
mod manager;
mod origin;
mod session;

pub use credentials::{
    BoxFuture, ConnectedAppAuth, ConnectedAppAuthBuilder, CredentialKind, CredentialStrategy,
    JwtAuth, PersonalAccessTokenAuth, TableauAuth,
};
pub use error::{Error, Result};
pub use layer::{SessionLayer, SessionService};
pub use manager::{Deployment, ReauthPolicy, SessionManager, SessionManagerBuilder};
pub use secrecy::{ExposeSecret, SecretString};
pub use session::{PatExpiry, SessionInfo, SessionToken};

/// The header that carries the session token on every call after sign-in.
pub const AUTH_HEADER: &str = "x-tableau-auth";

#[cfg(test)]
mod tests {
    #[test]
    fn header_name_is_lowercase_tableau_auth() {
        assert_eq!(super::AUTH_HEADER, "X-Tableau-Auth".to_ascii_lowercase());
    }
}

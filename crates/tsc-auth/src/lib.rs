//! # tsc-auth
//!
//! Credential strategies and the session lifecycle of the Tableau REST API.
//!
//! It will own: personal access token, username/password and JWT (connected app and
//! Tableau Cloud UAT) credentials, impersonation, sign in, sign out, switch site,
//! server-version negotiation and re-sign-in when a session expires.

/// The header that carries the session token on every call after sign-in.
pub const AUTH_HEADER: &str = "x-tableau-auth";

#[cfg(test)]
mod tests {
    #[test]
    fn header_name_is_lowercase_tableau_auth() {
        assert_eq!(super::AUTH_HEADER, "X-Tableau-Auth".to_ascii_lowercase());
    }
}

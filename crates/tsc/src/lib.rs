//! # tsc — the Tableau Server Client for Rust
//!
//! A thin facade over the layers of the workspace, named like the Python
//! `tableauserverclient` so its sign-in guide ports line by line.
//!
//! It will own: `Server`, `PersonalAccessTokenAuth`, `TableauAuth`, `JwtAuth`, `sign_in`,
//! `switch_site` and the endpoints built on them.

pub use tsc_auth as auth;
pub use tsc_model as model;
pub use tsc_transport as transport;

#[cfg(test)]
mod tests {
    #[test]
    fn layers_are_reexported() {
        assert_eq!(crate::auth::AUTH_HEADER, "x-tableau-auth");
        assert!(crate::transport::DEFAULT_USER_AGENT.starts_with("tsc-rs/"));
    }
}

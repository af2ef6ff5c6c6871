//! # tsc-model
//!
//! Typed XML request and response models for the Tableau Server / Tableau Cloud REST API.
//!
//! This crate is *sans-IO*: it builds request bodies and decodes response bodies, and never
//! opens a socket. Depend on it alone when you bring your own HTTP stack.
//!
//! It will own: sign-in / switch-site request bodies, the credentials, server-info, site,
//! workbook, pagination and error responses, and [`ApiVersion`]-style version handling.

/// The default XML namespace of current Tableau REST API responses.
pub const TABLEAU_NAMESPACE: &str = "http://tableau.com/api";

#[cfg(test)]
mod tests {
    #[test]
    fn namespace_is_tableau_api() {
        assert_eq!(super::TABLEAU_NAMESPACE, "http://tableau.com/api");
    }
}

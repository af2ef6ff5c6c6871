//! # tsc-testserver
//!
//! An emulated Tableau Server / Tableau Cloud REST API, in memory (a tower service) and on
//! loopback TLS. It shares no response-writing code with the client crates.

/// The REST API version the emulator answers by default.
pub const DEFAULT_API_VERSION: &str = "3.27";

#[cfg(test)]
mod tests {
    #[test]
    fn default_version_is_dotted() {
        assert_eq!(super::DEFAULT_API_VERSION.split('.').count(), 2);
    }
}

//! Origin comparison: the one rule that decides where the session token may go.

use http::Uri;
use http::uri::Scheme;

/// Scheme, lowercase host and port (default ports filled in) of an absolute URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Origin {
    /// `None` for relative URIs and schemes other than http and https.
    pub(crate) fn of(uri: &Uri) -> Option<Origin> {
        let https = match uri.scheme() {
            Some(s) if *s == Scheme::HTTPS => true,
            Some(s) if *s == Scheme::HTTP => false,
            _ => return None,
        };
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Origin { https, host, port })
    }

    /// The https origin this http origin is upgraded to when a server redirects
    /// `http://host` to `https://host`: same host, port 443 unless the http origin
    /// named a non-default port (then that port is kept, as redirects usually do).
    pub(crate) fn upgraded(&self) -> Origin {
        let port = if !self.https && self.port == 80 {
            443
        } else {
            self.port
        };
        Origin {
            https: true,
            host: self.host.clone(),
            port,
        }
    }

    /// Whether `uri` may receive the session token of a server at `self`: the exact
    /// origin, or its https upgrade.
    pub(crate) fn admits(&self, uri: &Uri) -> bool {
        match Origin::of(uri) {
            Some(other) => other == *self || (!self.https && other == self.upgraded()),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn same_origin_with_normalised_ports_and_case() {
        let o = Origin::of(&uri("https://Tableau.Example.com")).unwrap();
        assert!(o.admits(&uri("https://tableau.example.com:443/api/3.24/sites")));
        assert!(!o.admits(&uri("https://tableau.example.com:8443/api")));
        assert!(!o.admits(&uri("http://tableau.example.com/api")));
        assert!(!o.admits(&uri("https://tableau.example.com.evil.test/api")));
        assert!(!o.admits(&uri("/api/3.24/sites")));
    }

    #[test]
    fn http_origin_admits_its_https_upgrade_only() {
        let o = Origin::of(&uri("http://tableau.example.com")).unwrap();
        assert!(o.admits(&uri("http://tableau.example.com:80/x")));
        assert!(o.admits(&uri("https://tableau.example.com/x")));
        assert!(!o.admits(&uri("https://other.example.com/x")));
        let custom = Origin::of(&uri("http://127.0.0.1:8080")).unwrap();
        assert!(custom.admits(&uri("https://127.0.0.1:8080/x")));
        assert!(!custom.admits(&uri("https://127.0.0.1/x")));
    }
}

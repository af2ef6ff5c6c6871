//! The endpoint groups of [`crate::Server`], named like TSC's (`server.auth`, `server.sites`, …).

mod auth;
mod server_info;
mod sites;
mod workbooks;

pub use auth::{AuthEndpoint, SignInGuard};
pub use server_info::ServerInfoEndpoint;
pub use sites::SitesEndpoint;
pub use workbooks::{Pager, WorkbooksEndpoint};

use bytes::Bytes;
use http::{Method, Request, Uri};
use tsc_transport::Body;

use crate::{Error, Result, Server};

/// Sends an authenticated GET and returns the body of a 2xx answer; anything else becomes
/// the auth layer's typed Tableau error (XML error body, or a non-XML page).
pub(crate) async fn get_ok(server: &Server, uri: Uri) -> Result<Bytes> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(http::header::ACCEPT, "application/xml")
        .body(Body::empty())
        .map_err(|e| Error::invalid("request", e.to_string()))?;
    let response = server.inner.manager.send(request).await?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?;
    if parts.status.is_success() {
        Ok(bytes)
    } else {
        Err(tsc_auth::Error::from_response(parts.status, &parts.headers, &bytes).into())
    }
}

/// `{server}/api/{version}/sites/{site-luid}/{path}`; `NotSignedIn` before sign-in.
pub(crate) fn site_uri(server: &Server, path_and_query: &str) -> Result<Uri> {
    if !server.is_signed_in() {
        return Err(Error::NotSignedIn);
    }
    Ok(server.inner.manager.site_url(path_and_query)?)
}

/// `{server}/api/{version}/{path}`.
pub(crate) fn api_uri(server: &Server, path_and_query: &str) -> Result<Uri> {
    Ok(server.inner.manager.api_url(path_and_query)?)
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(
            super::encode_component("Sales & Ops/2024"),
            "Sales%20%26%20Ops%2F2024"
        );
        assert_eq!(super::encode_component("MarketingTeam"), "MarketingTeam");
    }
}

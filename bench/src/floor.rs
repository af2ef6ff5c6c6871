//! The bare-hyper floor: a hyper-util client over hyper-rustls that sends the same HTTP
//! requests as tsc (same URIs, `User-Agent`, `X-Tableau-Auth`, bodies) and parses nothing
//! beyond two substring searches for the session token and site id.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The floor's client type.
pub(crate) type BareClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The sign-in body tsc sends for the emulator's PAT on the Default site.
pub(crate) fn sign_in_body() -> Bytes {
    Bytes::from(format!(
        "<tsRequest><credentials personalAccessTokenName=\"{}\" personalAccessTokenSecret=\"{}\">\
         <site contentUrl=\"\" /></credentials></tsRequest>",
        crate::PAT_NAME,
        crate::PAT_SECRET
    ))
}

/// A pooled keep-alive client trusting only the CA in `ca_file` (as tsc is configured).
pub(crate) fn client(ca_file: &Path) -> Result<BareClient, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| format!("reading {}: {e}", ca_file.display()))?
    {
        let cert = cert.map_err(|e| format!("reading {}: {e}", ca_file.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("CA in {}: {e}", ca_file.display()))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS config: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(https))
}

fn request(
    method: http::Method,
    uri: &str,
    token: Option<&str>,
    body: Bytes,
) -> Result<Request<Full<Bytes>>, String> {
    let mut builder = Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(USER_AGENT, tsc_transport::DEFAULT_USER_AGENT);
    if body.is_empty() {
        // tsc's GETs ask for XML explicitly.
        if method == http::Method::GET {
            builder = builder.header(http::header::ACCEPT, "application/xml");
        }
    } else {
        builder = builder.header(CONTENT_TYPE, "application/xml");
    }
    if let Some(t) = token {
        builder = builder.header("x-tableau-auth", t);
    }
    builder
        .body(Full::new(body))
        .map_err(|e| format!("request {uri}: {e}"))
}

/// Sends one request and collects the body; fails on an unexpected status.
pub(crate) async fn send(
    client: &BareClient,
    request: Request<Full<Bytes>>,
    expect: StatusCode,
) -> Result<Bytes, String> {
    let uri = request.uri().to_string();
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{uri}: {}", crate::chain(&e)))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{uri}: body: {e}"))?
        .to_bytes();
    if status != expect {
        return Err(format!("{uri}: status {status}, expected {expect}"));
    }
    Ok(body)
}

/// The value of the first `attr="…"` after `anchor` in `body` (no XML parsing: the floor).
fn value_after<'a>(body: &'a str, anchor: &str, attr: &str) -> Option<&'a str> {
    let from = body.find(anchor)? + anchor.len();
    let rest = &body[from..];
    let start = rest.find(attr)? + attr.len();
    let rest = &rest[start..];
    Some(&rest[..rest.find('"')?])
}

/// The GET URI of one workbook page, byte for byte what tsc sends.
pub(crate) fn page_uri(base: &str, site_id: &str, number: usize, size: usize) -> String {
    let (major, minor) = crate::API_VERSION;
    format!(
        "{base}/api/{major}.{minor}/sites/{site_id}/workbooks?pageNumber={number}&pageSize={size}"
    )
}

/// Sign in, GET `ceil(items / page_size)` pages (`concurrency` at a time), sign out.
/// Returns the body bytes received.
pub(crate) async fn list_workbooks(
    client: &BareClient,
    base: &str,
    items: usize,
    page_size: usize,
    concurrency: usize,
) -> Result<usize, String> {
    let (major, minor) = crate::API_VERSION;
    let api = format!("{base}/api/{major}.{minor}");
    let body = send(
        client,
        request(
            http::Method::POST,
            &format!("{api}/auth/signin"),
            None,
            sign_in_body(),
        )?,
        StatusCode::OK,
    )
    .await?;
    let text = std::str::from_utf8(&body).map_err(|_| "sign-in answer is not UTF-8".to_owned())?;
    let token = value_after(text, "<credentials", "token=\"")
        .ok_or("no token in the sign-in answer")?
        .to_owned();
    let site_id = value_after(text, "<site", " id=\"")
        .ok_or("no site id in the sign-in answer")?
        .to_owned();
    let pages = items.div_ceil(page_size.max(1)).max(1);
    let bytes: usize = stream::iter(1..=pages)
        .map(|number| {
            let uri = page_uri(base, &site_id, number, page_size);
            let token = token.as_str();
            async move {
                let req = request(http::Method::GET, &uri, Some(token), Bytes::new())?;
                send(client, req, StatusCode::OK).await.map(|b| b.len())
            }
        })
        .buffered(concurrency.max(1))
        .try_fold(0usize, |acc, n| async move { Ok(acc + n) })
        .await?;
    send(
        client,
        request(
            http::Method::POST,
            &format!("{api}/auth/signout"),
            Some(&token),
            Bytes::new(),
        )?,
        StatusCode::NO_CONTENT,
    )
    .await?;
    Ok(bytes)
}

/// One unauthenticated GET (the transport benchmark's request); returns the body length.
pub(crate) async fn get(client: &BareClient, uri: &str) -> Result<usize, String> {
    let req = request(http::Method::GET, uri, None, Bytes::new())?;
    send(client, req, StatusCode::OK).await.map(|b| b.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_token_and_site() {
        let body = r#"<tsResponse><credentials token="abc|def"><site id="s-1" contentUrl=""/><user id="u-1"/></credentials></tsResponse>"#;
        assert_eq!(
            super::value_after(body, "<credentials", "token=\""),
            Some("abc|def")
        );
        assert_eq!(super::value_after(body, "<site", " id=\""), Some("s-1"));
        assert_eq!(super::value_after(body, "<nope", "x=\""), None);
    }
}

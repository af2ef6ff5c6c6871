//! `tsc-bench serve`: a minimal loopback HTTPS server with the emulator's REST surface for
//! this benchmark only (PAT sign-in, sign-out, `serverinfo`, workbook pages), whose cost per
//! page is proportional to the page, not to the site.
//!
//! Why it exists: `cargo xtask bench` measures clients, so the server must not dominate.
//! `tsc-testserver` renders a workbook list in O(n²) of the site's workbooks (see the bench
//! report), so the xtask probes it first and falls back to this server when one page takes
//! too long. Pages are the parse benchmark's generator with the right pagination and ids.
//! It prints one JSON ready line (`https_url`, `ca_file`) like the emulator binary.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::json;

use crate::Options;

const TOKEN: &str = "replay-session-token|0123456789abcdef";
const SITE_ID: &str = "0a1b2c3d-0000-4000-8000-00000000517e";
const USER_ID: &str = "5de011f8-5aa9-4d5b-b991-f462c8dd6bb7";

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let workbooks = options.number("workbooks-per-site", 10_000)?;
    // Simulated server time per workbook page, so that paging under a real server's latency
    // (tens of ms per page) can be measured too.
    let latency = std::time::Duration::from_millis(options.number("page-latency-ms", 0)? as u64);
    let dir = std::path::PathBuf::from(options.string("dir")?);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (ca_pem, config) = certificates()?;
    let ca_file = dir.join("replay-ca.pem");
    std::fs::write(&ca_file, ca_pem).map_err(|e| format!("{}: {e}", ca_file.display()))?;
    // Two workers, as the emulator binary has.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("bind 127.0.0.1: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let ready = json!({
            "https_url": format!("https://{addr}"),
            "ca_file": ca_file,
            "workbooks_per_site": workbooks,
            "server": "tsc-bench replay",
            "page_latency_ms": latency.as_millis() as u64,
        });
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{ready}");
            let _ = out.flush();
        }
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        loop {
            let (tcp, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req| async move {
                    Ok::<_, Infallible>(route(req, workbooks, latency).await)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    })
}

fn certificates() -> Result<(String, Arc<rustls::ServerConfig>), String> {
    let err = |e: rcgen::Error| format!("certificate: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tsc-bench replay CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, &ca_key);
    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(err)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    // Python 3.13+ verifies strictly and wants an authority key identifier.
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(err)?;
    let key = rustls_pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| format!("leaf key: {e}"))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
    .map_err(|e| format!("TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((ca_cert.pem(), Arc::new(config)))
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml;charset=utf-8"),
    );
    response
}

const HEAD: &str = "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\" \
    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
    xsi:schemaLocation=\"http://tableau.com/api http://tableau.com/api/ts-api-3.27.xsd\">";

async fn route(
    req: Request<Incoming>,
    workbooks: usize,
    latency: std::time::Duration,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let authorized = req
        .headers()
        .get("x-tableau-auth")
        .is_some_and(|v| v.as_bytes() == TOKEN.as_bytes());
    let method = req.method().clone();
    // Read the whole request body, as a real server does.
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Some(rest) = path.strip_prefix("/api/3.27/") else {
        return reply(StatusCode::NOT_FOUND, "");
    };
    match (method, rest) {
        (http::Method::GET, "serverinfo") => reply(
            StatusCode::OK,
            format!(
                "{HEAD}<serverInfo><productVersion build=\"20251.0\">2025.1.0</productVersion><restApiVersion>3.27</restApiVersion></serverInfo></tsResponse>"
            ),
        ),
        (http::Method::POST, "auth/signin") => {
            let text = String::from_utf8_lossy(&body);
            let ok = text.contains(&format!("personalAccessTokenName=\"{}\"", crate::PAT_NAME))
                && text.contains(&format!(
                    "personalAccessTokenSecret=\"{}\"",
                    crate::PAT_SECRET
                ));
            if !ok {
                return reply(
                    StatusCode::UNAUTHORIZED,
                    format!(
                        "{HEAD}<error code=\"401001\"><summary>Signin Error</summary><detail>Error signing in to Tableau Server</detail></error></tsResponse>"
                    ),
                );
            }
            reply(
                StatusCode::OK,
                format!(
                    "{HEAD}<credentials token=\"{TOKEN}\" estimatedTimeToExpiration=\"173:21:37\"><site id=\"{SITE_ID}\" contentUrl=\"\"/><user id=\"{USER_ID}\"/></credentials></tsResponse>"
                ),
            )
        }
        (http::Method::POST, "auth/signout") if authorized => reply(StatusCode::NO_CONTENT, ""),
        (http::Method::GET, r) if r == format!("sites/{SITE_ID}/workbooks") => {
            if !authorized {
                return reply(
                    StatusCode::UNAUTHORIZED,
                    format!(
                        "{HEAD}<error code=\"401002\"><summary>Unauthorized Access</summary><detail>Invalid authentication credentials were provided.</detail></error></tsResponse>"
                    ),
                );
            }
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|v| v.parse::<usize>().ok())
            };
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let size = param("pageSize").unwrap_or(100).clamp(1, 1000);
            let number = param("pageNumber").unwrap_or(1).max(1);
            let first = size.saturating_mul(number - 1).min(workbooks);
            let count = size.min(workbooks - first);
            reply(
                StatusCode::OK,
                crate::parse::render_page(first, count, number, size, workbooks),
            )
        }
        _ => reply(StatusCode::NOT_FOUND, ""),
    }
}

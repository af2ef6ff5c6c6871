//! The http probe over real loopback sockets: a plain-HTTP listener that records every
//! byte it receives and answers `301` to a TLS listener on the same host. Credentials
//! must never reach the plain listener.

mod support;

use std::sync::{Arc, Mutex};

use rcgen::{CertificateParams, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tsc_auth::{PersonalAccessTokenAuth, SessionManager};
use tsc_model::ApiVersion;
use tsc_transport::{Certificate, Transport};

const PAT_SECRET: &str = "pat-loopback-3c9a1f-secret";
const SESSION_TOKEN: &str = "loopback-session-token-8e1d";

/// Reads one HTTP/1.1 request (head + Content-Length body); returns its raw bytes.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return data;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&buf[..n]);
            }
            return data;
        }
    }
}

fn request_line(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn respond<S: AsyncWrite + Unpin>(stream: &mut S, status: &str, extra: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\n{extra}content-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A TLS "Tableau" on 127.0.0.1 answering serverinfo and sign-in; returns its port, the
/// CA PEM and the requests it got.
async fn tls_tableau() -> (u16, String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let record = record.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let raw = read_request(&mut tls).await;
                let line = request_line(&raw);
                record.lock().unwrap().push(raw);
                if line.contains("/serverinfo") {
                    respond(&mut tls, "200 OK", "", "<tsResponse><serverInfo><productVersion build=\"20242.24.0719.1101\">2024.2.1</productVersion><restApiVersion>3.24</restApiVersion></serverInfo></tsResponse>").await;
                } else if line.starts_with("POST") && line.contains("/auth/signin") {
                    let body = format!(
                        "<tsResponse><credentials token=\"{SESSION_TOKEN}\"><site id=\"site-luid\" contentUrl=\"\"/><user id=\"user-luid\"/></credentials></tsResponse>"
                    );
                    respond(&mut tls, "200 OK", "", &body).await;
                } else if line.starts_with("POST") && line.contains("/auth/signout") {
                    respond(&mut tls, "204 No Content", "", "").await;
                } else {
                    respond(&mut tls, "404 Not Found", "", "").await;
                }
            });
        }
    });
    (port, ca_cert.pem(), seen)
}

/// A plain-HTTP listener on 127.0.0.1 that records each request and 301s it to
/// `https://127.0.0.1:{https_port}` + the same path.
async fn recording_redirector(https_port: u16) -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let raw = read_request(&mut tcp).await;
                let line = request_line(&raw);
                record.lock().unwrap().push(raw);
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                let location = format!("location: https://127.0.0.1:{https_port}{path}\r\n");
                respond(&mut tcp, "301 Moved Permanently", &location, "").await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn credentials_never_reach_the_plain_http_listener() {
    support::capture_logs();
    let (https_port, ca_pem, tls_seen) = tls_tableau().await;
    let (http_port, http_seen) = recording_redirector(https_port).await;
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_pem(ca_pem)])
        .build()
        .unwrap();
    let manager = SessionManager::builder(
        transport,
        format!("http://127.0.0.1:{http_port}").parse().unwrap(),
    )
    .api_version(ApiVersion::new(3, 24))
    .build()
    .unwrap();
    let session = manager
        .sign_in(Arc::new(PersonalAccessTokenAuth::new("ci", PAT_SECRET, "")))
        .await
        .unwrap();
    assert_eq!(session.site_id(), "site-luid");
    assert_eq!(
        manager.server_url().to_string(),
        format!("https://127.0.0.1:{https_port}/")
    );

    let http_requests = http_seen.lock().unwrap().clone();
    assert_eq!(
        http_requests.len(),
        1,
        "only the probe went over plain http"
    );
    let probe = String::from_utf8_lossy(&http_requests[0]).into_owned();
    assert!(probe.starts_with("GET /api/3.24/serverinfo "), "{probe}");
    assert!(
        !probe.contains(PAT_SECRET) && !probe.contains("ci\""),
        "{probe}"
    );
    assert!(
        !probe.to_ascii_lowercase().contains("x-tableau-auth"),
        "{probe}"
    );

    let tls_requests: Vec<String> = tls_seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    let sign_in = tls_requests
        .iter()
        .find(|r| r.starts_with("POST /api/3.24/auth/signin "))
        .expect("sign-in went to the TLS listener");
    assert!(sign_in.contains(PAT_SECRET), "the secret went over TLS");

    // Later calls go straight to https too; nothing more reaches the plain listener.
    manager.sign_out().await.unwrap();
    assert_eq!(http_seen.lock().unwrap().len(), 1);
    let tls_count = tls_seen.lock().unwrap().len();
    let sign_out = String::from_utf8_lossy(&tls_seen.lock().unwrap()[tls_count - 1]).into_owned();
    assert!(
        sign_out.starts_with("POST /api/3.24/auth/signout "),
        "{sign_out}"
    );
    assert!(sign_out.contains(SESSION_TOKEN));
    // The whole stack (transport tracing included) logged at TRACE without the secrets.
    assert!(
        support::logs().contains("serverinfo"),
        "the capture saw the requests"
    );
    support::assert_secret_absent(
        PAT_SECRET,
        &[format!("{manager:?}"), format!("{session:?}")],
    );
    support::assert_secret_absent(
        SESSION_TOKEN,
        &[format!("{manager:?}"), format!("{session:?}")],
    );
}

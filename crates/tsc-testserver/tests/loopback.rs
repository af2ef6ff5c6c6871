//! The loopback listeners: HTTPS with the generated CA, the HTTP→HTTPS redirect listener,
//! plain HTTP, a connection cut mid-body, shutdown. Real sockets, 127.0.0.1 only.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tsc_testserver::{Config, Fault, ListenOptions, Route, TestServer};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Result<Bytes, BoxError>,
}

fn host_port(url: &str) -> (String, u16) {
    let rest = url.split("://").nth(1).expect("scheme");
    let rest = rest.split('/').next().expect("authority");
    let (host, port) = rest.rsplit_once(':').expect("port");
    (host.to_owned(), port.parse().expect("port number"))
}

fn client_config(ca_pem: Option<&str>) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(cert.expect("PEM")).expect("CA");
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// One request over a fresh connection; `tls` = (server name, CA PEM).
async fn send(
    url: &str,
    tls: Option<(&str, Option<&str>)>,
    method: &str,
    path: &str,
    host_header: Option<&str>,
    body: &str,
) -> Result<Answer, BoxError> {
    let (host, port) = host_port(url);
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(
            "host",
            host_header.map_or(format!("{host}:{port}"), str::to_owned),
        )
        .body(Full::new(Bytes::from(body.to_owned())))?;
    let response = match tls {
        Some((name, ca)) => {
            let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca)));
            let stream = connector
                .connect(ServerName::try_from(name.to_owned())?, tcp)
                .await?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            sender.send_request(req).await?
        }
        None => {
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
            tokio::spawn(conn);
            sender.send_request(req).await?
        }
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(BoxError::from);
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

fn sign_in_body() -> String {
    common::pat_body("")
}

#[tokio::test]
async fn https_with_the_generated_ca_and_failure_without_it() {
    let server = TestServer::new(Config::server().workbooks_per_site(2));
    let running = server
        .start(ListenOptions::loopback())
        .await
        .expect("start");
    assert!(running.https_url.starts_with("https://127.0.0.1:"));
    assert_eq!(
        std::fs::read_to_string(&running.ca_file).expect("CA file"),
        running.ca_pem
    );
    assert!(running.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    for name in ["localhost", "127.0.0.1"] {
        let a = send(
            &running.https_url,
            Some((name, Some(&running.ca_pem))),
            "GET",
            "/api/3.27/serverinfo",
            None,
            "",
        )
        .await
        .expect("TLS with the CA");
        assert_eq!(a.status, 200, "{name}");
        assert!(
            String::from_utf8_lossy(&a.body.expect("body"))
                .contains("<restApiVersion>3.27</restApiVersion>")
        );
    }
    let err = send(
        &running.https_url,
        Some(("localhost", None)),
        "GET",
        "/api/3.27/serverinfo",
        None,
        "",
    )
    .await
    .err()
    .expect("untrusted CA must fail");
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
    let err = send(
        &running.https_url,
        Some(("example.com", Some(&running.ca_pem))),
        "GET",
        "/",
        None,
        "",
    )
    .await
    .err();
    assert!(err.is_some(), "name not in the certificate");
    // The full flow over TLS.
    let a = send(
        &running.https_url,
        Some(("localhost", Some(&running.ca_pem))),
        "POST",
        "/api/3.27/auth/signin",
        None,
        &sign_in_body(),
    )
    .await
    .expect("sign in");
    assert_eq!(a.status, 200);
    assert_eq!(server.counters().sign_ins.pat, 1);
    let dir = running.ca_file.parent().expect("dir").to_owned();
    running.shutdown().await;
    assert!(!dir.exists(), "temporary directory removed");
}

#[tokio::test]
async fn http_listener_redirects_to_the_same_path_on_https() {
    let server = TestServer::new(Config::server().workbooks_per_site(1));
    let running = server
        .start(ListenOptions::loopback())
        .await
        .expect("start");
    let (_, https_port) = host_port(&running.https_url);
    let a = send(
        &running.http_redirect_url,
        None,
        "POST",
        "/api/3.27/auth/signin?x=1",
        None,
        &sign_in_body(),
    )
    .await
    .expect("redirect answer");
    assert_eq!(a.status, 301);
    let location = a.headers["location"].to_str().expect("location").to_owned();
    assert_eq!(
        location,
        format!("https://127.0.0.1:{https_port}/api/3.27/auth/signin?x=1")
    );
    // A client that re-POSTs to Location signs in; one that turns it into GET gets 405000.
    let a = send(
        &location,
        Some(("127.0.0.1", Some(&running.ca_pem))),
        "POST",
        "/api/3.27/auth/signin",
        None,
        &sign_in_body(),
    )
    .await
    .expect("re-POST");
    assert_eq!(a.status, 200);
    let a = send(
        &location,
        Some(("127.0.0.1", Some(&running.ca_pem))),
        "GET",
        "/api/3.27/auth/signin",
        None,
        "",
    )
    .await
    .expect("GET");
    assert_eq!(a.status, 405);
    assert!(String::from_utf8_lossy(&a.body.expect("body")).contains("405000"));
    // The host name the client used is kept.
    let (_, http_port) = host_port(&running.http_redirect_url);
    let a = send(
        &running.http_redirect_url,
        None,
        "GET",
        "/api/3.27/serverinfo",
        Some(&format!("localhost:{http_port}")),
        "",
    )
    .await
    .expect("redirect");
    assert_eq!(
        a.headers["location"],
        format!("https://localhost:{https_port}/api/3.27/serverinfo").as_str()
    );
    assert_eq!(server.counters().requests_for(Route::HttpRedirect), 2);
    running.shutdown().await;

    let s308 = TestServer::new(Config::server().workbooks_per_site(0).redirect_status(308));
    let running = s308.start(ListenOptions::loopback()).await.expect("start");
    let a = send(
        &running.http_redirect_url,
        None,
        "POST",
        "/api/3.27/auth/signin",
        None,
        "",
    )
    .await
    .expect("redirect");
    assert_eq!(a.status, 308);
}

#[tokio::test]
async fn plain_http_mode_serves_the_api() {
    let server = TestServer::new(Config::server().workbooks_per_site(1));
    let running = server
        .start(ListenOptions::loopback().plain_http(0))
        .await
        .expect("start");
    let url = running.plain_http_url.clone().expect("plain URL");
    assert!(url.starts_with("http://127.0.0.1:"));
    let a = send(
        &url,
        None,
        "POST",
        "/api/3.27/auth/signin",
        None,
        &sign_in_body(),
    )
    .await
    .expect("plain");
    assert_eq!(a.status, 200);
    assert!(running.server().counters().active_sessions == 1);
}

#[tokio::test]
async fn a_dropped_connection_mid_body_reaches_the_client_as_an_error() {
    let server = TestServer::new(Config::server().workbooks_per_site(1));
    let running = server
        .start(ListenOptions::loopback().plain_http(0))
        .await
        .expect("start");
    let url = running.plain_http_url.clone().expect("plain URL");
    server
        .faults()
        .inject_once(Some(Route::ServerInfo), Fault::DropMidBody);
    let a = send(&url, None, "GET", "/api/3.27/serverinfo", None, "")
        .await
        .expect("headers arrive");
    assert_eq!(a.status, 200);
    assert!(a.body.is_err(), "body must fail");
    // Over TLS too, and the next request is fine.
    server.faults().inject_once(None, Fault::DropMidBody);
    let tls = Some(("localhost", Some(running.ca_pem.as_str())));
    let a = send(
        &running.https_url,
        tls,
        "GET",
        "/api/3.27/serverinfo",
        None,
        "",
    )
    .await
    .expect("headers");
    assert!(a.body.is_err());
    let a = send(
        &running.https_url,
        tls,
        "GET",
        "/api/3.27/serverinfo",
        None,
        "",
    )
    .await
    .expect("ok");
    assert!(a.body.is_ok());
}

#[tokio::test]
async fn shutdown_and_drop_close_the_listeners() {
    let server = TestServer::new(Config::server().workbooks_per_site(0));
    let running = server
        .start(ListenOptions::loopback())
        .await
        .expect("start");
    let (_, port) = host_port(&running.https_url);
    running.shutdown().await;
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());

    let running = server
        .start(ListenOptions::loopback())
        .await
        .expect("start again");
    let (_, port) = host_port(&running.http_redirect_url);
    drop(running);
    let mut closed = false;
    for _ in 0..50 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(closed, "drop stops the listener");
}

#[tokio::test]
async fn cloud_mode_writes_a_usable_uat_key() {
    let server = TestServer::new(Config::cloud().workbooks_per_site(1));
    let dir = std::env::temp_dir().join(format!("tsc-ts-test-{}", uuid::Uuid::new_v4().simple()));
    let running = server
        .start(ListenOptions::loopback().dir(&dir))
        .await
        .expect("start");
    let key_file = running
        .uat_private_key_file
        .clone()
        .expect("cloud has a key file");
    assert!(key_file.starts_with(&dir));
    let pem = std::fs::read(&key_file).expect("key");
    let info = running.info();
    assert_eq!(info["mode"], "cloud");
    let uat = &info["uat"];
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = uat["key_id"].as_str().map(str::to_owned);
    let now = server.clock().unix_now();
    let claims = serde_json::json!({
        "iss": uat["issuer"], "exp": now + 120, "jti": "t1", "scp": ["tableau:content:read"],
        "https://tableau.com/tenantId": uat["tenant_id"], "email": "admin@example.com",
    });
    let jwt = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("PEM"),
    )
    .expect("sign");
    let tls = Some(("localhost", Some(running.ca_pem.as_str())));
    let a = send(
        &running.https_url,
        tls,
        "POST",
        "/api/3.27/auth/signin",
        None,
        &common::jwt_body(&jwt, true, "Finance"),
    )
    .await
    .expect("UAT sign-in");
    assert_eq!(a.status, 200);
    assert_eq!(server.counters().sign_ins.uat, 1);
    running.shutdown().await;
    assert!(dir.exists(), "a caller-provided directory is kept");
    let _ = std::fs::remove_dir_all(&dir);
}

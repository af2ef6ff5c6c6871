//! TLS options against loopback TLS servers with certificates made at test time.

mod support;

use support::{Pki, get, respond, serve_tls, server_config};
use tsc_transport::{Certificate, ConfigError, Error, Identity, TlsFailure, TlsVersion, Transport};

fn tls_failure(
    result: Result<http::Response<tsc_transport::Body>, Error>,
) -> (String, TlsFailure, String) {
    match result {
        Err(Error::Tls(tls)) => {
            let message = tls.to_string();
            (tls.host, tls.reason, message)
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn custom_ca_trusted_then_ok_and_negotiates_http2() {
    let pki = Pki::new("Internal CA");
    let server = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "secure hello")
    })
    .await;
    let transport = Transport::builder()
        .tls_certs_merge([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    let response = transport
        .send(get(&server.url("/api/3.24/serverinfo")))
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(
        &response.into_body().collect().await.expect("body")[..],
        b"secure hello"
    );
    assert_eq!(
        server.requests()[0].version,
        http::Version::HTTP_2,
        "ALPN should pick h2"
    );
}

#[tokio::test]
async fn http1_only_when_http2_disabled() {
    let pki = Pki::new("Internal CA");
    let server = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "ok")
    })
    .await;
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_der(pki.ca_der().to_vec())])
        .http2(false)
        .build()
        .expect("build");
    transport.send(get(&server.url("/"))).await.expect("send");
    assert_eq!(server.requests()[0].version, http::Version::HTTP_11);
}

#[tokio::test]
async fn ca_file_is_read_at_build_time() {
    let pki = Pki::new("File CA");
    let dir = std::env::temp_dir().join(format!("tsc-transport-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("ca.pem");
    std::fs::write(&path, &pki.ca_pem).expect("write CA");
    let server = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "ok")
    })
    .await;
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_pem_file(&path)])
        .build()
        .expect("build");
    assert_eq!(
        transport
            .send(get(&server.url("/")))
            .await
            .expect("send")
            .status(),
        200
    );

    // A file with no certificate is named in the build error.
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").expect("write");
    let err = Transport::builder()
        .tls_certs_merge([Certificate::from_pem_file(&empty)])
        .build()
        .err();
    match err {
        Some(Error::Config(ConfigError::NoPemItem { what, source_name })) => {
            assert_eq!(what, "certificate");
            assert!(source_name.ends_with("empty.pem"), "{source_name}");
        }
        other => panic!("expected NoPemItem, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn untrusted_ca_is_a_typed_unknown_issuer_error_naming_the_fix() {
    let pki = Pki::new("Internal CA");
    let server = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "ok")
    })
    .await;
    // Only an unrelated CA is trusted, so the result does not depend on this machine's roots.
    let other = Pki::new("Other CA");
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_pem(&other.ca_pem)])
        .build()
        .expect("build");
    let (host, reason, message) = tls_failure(transport.send(get(&server.url("/"))).await);
    assert_eq!(host, "127.0.0.1");
    assert_eq!(reason, TlsFailure::UnknownIssuer);
    assert!(message.contains("tls_certs_merge"), "{message}");
    assert!(message.contains("verify"), "{message}");
    assert_eq!(
        server.count(),
        0,
        "no request may reach an untrusted server"
    );

    // The default trust store (system roots) does not know the test CA either.
    let default = Transport::builder().build().expect("build");
    let (_, reason, _) = tls_failure(default.send(get(&server.url("/"))).await);
    assert_eq!(reason, TlsFailure::UnknownIssuer);
}

#[tokio::test]
async fn expired_certificate_is_reported_as_expired() {
    let pki = Pki::new("Internal CA");
    let server = serve_tls(
        server_config(&pki.leaf(&["127.0.0.1"], Some((2000, 2001)))),
        |_| respond(200, "ok"),
    )
    .await;
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    let (_, reason, _) = tls_failure(transport.send(get(&server.url("/"))).await);
    assert_eq!(reason, TlsFailure::Expired);
}

#[tokio::test]
async fn wrong_host_name_is_a_name_mismatch_and_server_name_override_fixes_it() {
    let pki = Pki::new("Internal CA");
    let server = serve_tls(
        server_config(&pki.leaf(&["tableau.internal.example"], None)),
        |_| respond(200, "ok"),
    )
    .await;
    let trust = || Transport::builder().tls_certs_only([Certificate::from_pem(&pki.ca_pem)]);
    let (_, reason, message) = tls_failure(
        trust()
            .build()
            .expect("build")
            .send(get(&server.url("/")))
            .await,
    );
    assert_eq!(reason, TlsFailure::NameMismatch);
    assert!(message.contains("tls_server_name"), "{message}");

    let overridden = trust()
        .tls_server_name("tableau.internal.example")
        .build()
        .expect("build");
    assert_eq!(
        overridden
            .send(get(&server.url("/")))
            .await
            .expect("send")
            .status(),
        200
    );
}

#[tokio::test(flavor = "current_thread")]
async fn danger_mode_accepts_anything_and_warns_once() {
    let capture = support::LogCapture::default();
    let _guard = capture.install();
    let pki = Pki::new("Internal CA");
    let server = serve_tls(
        server_config(&pki.leaf(&["127.0.0.1"], Some((2000, 2001)))),
        |_| respond(200, "ok"),
    )
    .await;
    let transport = Transport::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .expect("build");
    for _ in 0..2 {
        assert_eq!(
            transport
                .send(get(&server.url("/")))
                .await
                .expect("send")
                .status(),
            200
        );
    }
    let logs = capture.text();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("verification is DISABLED"))
        .collect();
    assert_eq!(warnings.len(), 1, "{logs}");
}

#[tokio::test]
async fn mutual_tls_with_identity_ok_and_without_a_typed_error() {
    let server_pki = Pki::new("Server CA");
    let client_pki = Pki::new("Client CA");
    let config = support::mtls_server_config(&server_pki.leaf(&["127.0.0.1"], None), &client_pki);
    let server = serve_tls(config, |_| respond(200, "hello client")).await;
    let client = client_pki.leaf(&["tsc-client"], None);

    let with_identity = Transport::builder()
        .tls_certs_only([Certificate::from_pem(&server_pki.ca_pem)])
        .tls_identity(Identity::from_pem(&client.cert_pem, &client.key_pem))
        .build()
        .expect("build");
    let response = with_identity
        .send(get(&server.url("/")))
        .await
        .expect("send");
    assert_eq!(response.status(), 200);

    let without = Transport::builder()
        .tls_certs_only([Certificate::from_pem(&server_pki.ca_pem)])
        .build()
        .expect("build");
    let (_, reason, message) = tls_failure(without.send(get(&server.url("/"))).await);
    assert_eq!(reason, TlsFailure::ClientCertificateRejected);
    assert!(message.contains("tls_identity"), "{message}");
    assert_eq!(
        server.count(),
        1,
        "only the authenticated request got through"
    );
}

#[tokio::test]
async fn identity_with_a_bad_key_fails_at_build() {
    let pki = Pki::new("Client CA");
    let client = pki.leaf(&["tsc-client"], None);
    let err = Transport::builder()
        .tls_identity(Identity::from_pem(&client.cert_pem, "not a key"))
        .build()
        .err();
    assert!(
        matches!(
            err,
            Some(Error::Config(ConfigError::NoPemItem {
                what: "private key",
                ..
            }))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn tls13_floor_refuses_a_tls12_only_server() {
    let pki = Pki::new("Internal CA");
    let leaf = pki.leaf(&["127.0.0.1"], None);
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&tokio_rustls::rustls::version::TLS12])
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.cert_der.clone()], leaf.key_der.clone_key())
    .expect("cert");
    let server = serve_tls(config, |_| respond(200, "ok")).await;
    let trust = || Transport::builder().tls_certs_only([Certificate::from_pem(&pki.ca_pem)]);
    let default = trust().build().expect("build");
    assert_eq!(
        default
            .send(get(&server.url("/")))
            .await
            .expect("send")
            .status(),
        200
    );
    let strict = trust()
        .tls_version_min(TlsVersion::Tls13)
        .build()
        .expect("build");
    let (_, reason, _) = tls_failure(strict.send(get(&server.url("/"))).await);
    assert_eq!(reason, TlsFailure::HandshakeFailure);
}

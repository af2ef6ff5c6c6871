//! Group 3 — the TLS matrix: each server certificate setup gives the documented result, and
//! failures are a typed `TlsError` with the documented reason and remedy in the message.

use std::time::Duration;

use tsc::transport::{Certificate, Identity, TlsFailure, Transport};
use tsc::{Server, Verify};

use crate::support::{
    Ctx, GroupReport, Loopback, Pki, Recorded, ensure, tableau_answer, transport_error,
};

/// What a case must produce.
#[derive(Clone, Debug)]
enum Expect {
    /// `GET serverinfo` succeeds.
    Success,
    /// A `TlsError` with this reason, whose message (somewhere in the error chain) holds
    /// every one of these documented phrases.
    Tls(TlsFailure, &'static [&'static str]),
    /// A configuration error before any connection, naming the problem.
    Config(&'static str),
}

enum ClientTls {
    Verify(Verify),
    /// The CA plus a client certificate (mTLS); the facade's `HttpOptions` has no client
    /// identity, so this goes through `ServerBuilder::transport`.
    WithIdentity,
}

pub(crate) async fn run(ctx: &Ctx) -> GroupReport {
    let mut report = GroupReport::new("3 TLS");
    if let Err(e) = matrix(ctx, &mut report).await {
        report.case("set up the TLS servers", Err(e));
    }
    report.figure = format!(
        "{} setups, {} typed as documented",
        report.cases, report.passed
    );
    report
}

async fn matrix(ctx: &Ctx, report: &mut GroupReport) -> Result<(), String> {
    let ca = Pki::new("tsc-verify trusted CA")?;
    let other_ca = Pki::new("tsc-verify unknown CA")?;
    let client_ca = Pki::new("tsc-verify client CA")?;
    let client = client_ca.leaf(&["verify-client"], None)?;
    let answer = std::sync::Arc::new(|r: &Recorded| tableau_answer(r, "unused-token"));

    let good = Loopback::tls(
        ca.leaf(&["127.0.0.1"], None)?.server_config()?,
        answer.clone(),
    )
    .await?;
    let unknown = Loopback::tls(
        other_ca.leaf(&["127.0.0.1"], None)?.server_config()?,
        answer.clone(),
    )
    .await?;
    let expired = Loopback::tls(
        ca.leaf(&["127.0.0.1"], Some((2020, 2021)))?
            .server_config()?,
        answer.clone(),
    )
    .await?;
    let wrong_name = Loopback::tls(
        ca.leaf(&["tableau.example.com"], None)?.server_config()?,
        answer.clone(),
    )
    .await?;
    let mtls = Loopback::tls(
        ca.leaf(&["127.0.0.1"], None)?
            .mtls_server_config(&client_ca)?,
        answer.clone(),
    )
    .await?;

    let dir = std::env::temp_dir().join(format!("tsc-verify-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).map_err(|e| format!("write CA file: {e}"))?;
    let trusted = || Verify::CaPem(ca.ca_pem.as_bytes().to_vec());

    let unknown_issuer: &[&str] = &[
        "127.0.0.1",
        "signed by an unknown issuer",
        "tls_certs_merge",
    ];
    let cases: Vec<(&str, &Loopback, ClientTls, Expect)> = vec![
        (
            "trusted custom CA (PEM)",
            &good,
            ClientTls::Verify(trusted()),
            Expect::Success,
        ),
        (
            "trusted custom CA (file)",
            &good,
            ClientTls::Verify(Verify::CaFile(ca_file.clone())),
            Expect::Success,
        ),
        (
            "trusted custom CA only (file, no system roots)",
            &good,
            ClientTls::Verify(Verify::CaFileOnly(ca_file.clone())),
            Expect::Success,
        ),
        (
            "unknown CA (system roots only)",
            &good,
            ClientTls::Verify(Verify::System),
            Expect::Tls(TlsFailure::UnknownIssuer, unknown_issuer),
        ),
        (
            "unknown CA (another CA trusted)",
            &unknown,
            ClientTls::Verify(trusted()),
            Expect::Tls(TlsFailure::UnknownIssuer, unknown_issuer),
        ),
        (
            "expired certificate",
            &expired,
            ClientTls::Verify(trusted()),
            Expect::Tls(
                TlsFailure::Expired,
                &["127.0.0.1", "has expired", "Renew the server certificate"],
            ),
        ),
        (
            "wrong host name",
            &wrong_name,
            ClientTls::Verify(trusted()),
            Expect::Tls(
                TlsFailure::NameMismatch,
                &[
                    "127.0.0.1",
                    "not valid for this host name",
                    "tls_server_name",
                ],
            ),
        ),
        (
            "server requires a client certificate, none sent",
            &mtls,
            ClientTls::Verify(trusted()),
            Expect::Tls(
                TlsFailure::ClientCertificateRejected,
                &["requires a client certificate", "tls_identity"],
            ),
        ),
        (
            "server requires a client certificate, one sent",
            &mtls,
            ClientTls::WithIdentity,
            Expect::Success,
        ),
        (
            "danger mode, unknown CA",
            &unknown,
            ClientTls::Verify(Verify::Disabled),
            Expect::Success,
        ),
        (
            "danger mode, expired certificate",
            &expired,
            ClientTls::Verify(Verify::Disabled),
            Expect::Success,
        ),
        (
            "danger mode, wrong host name",
            &wrong_name,
            ClientTls::Verify(Verify::Disabled),
            Expect::Success,
        ),
        (
            "CA file that does not exist",
            &good,
            ClientTls::Verify(Verify::CaFile(dir.join("missing.pem"))),
            Expect::Config("missing.pem"),
        ),
    ];

    for (name, target, client_tls, expect) in cases {
        let log_from = ctx.log.len();
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            let server = build(ctx, &target.origin(), client_tls, &ca, &client).await?;
            server.server_info().get().await.map(drop)
        })
        .await;
        let result = match outcome {
            Err(_) => Err("did not finish within 20 s".to_owned()),
            Ok(result) => {
                if let Err(e) = &result {
                    ctx.error(name, e);
                }
                judge(result, &expect)
            }
        };
        // Danger mode is documented to warn when the transport is built.
        let result = result.and_then(|()| {
            if name.starts_with("danger mode") {
                let log = ctx.log.text_since(log_from);
                ensure(log.lines().any(|l| l.contains("WARN")), || {
                    "no warn event when building a transport that accepts any certificate"
                        .to_owned()
                })
            } else {
                Ok(())
            }
        });
        report.case(name, result);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn build(
    ctx: &Ctx,
    url: &str,
    client_tls: ClientTls,
    ca: &Pki,
    client: &crate::support::Leaf,
) -> Result<Server, tsc::Error> {
    let builder = Server::builder(url).timeout(Duration::from_secs(15));
    match client_tls {
        ClientTls::Verify(v) => builder.verify(v).build().await,
        ClientTls::WithIdentity => {
            // The client's private key is a secret too: its base64 lines must not show.
            for line in client.key_pem.lines().filter(|l| !l.starts_with("-----")) {
                ctx.secret(line);
            }
            let identity =
                Identity::from_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes());
            ctx.debug("Identity", &identity);
            let builder_t = Transport::builder()
                .tls_certs_merge([Certificate::from_pem(ca.ca_pem.as_bytes())])
                .tls_identity(identity)
                .timeout(Duration::from_secs(15));
            ctx.debug("TransportBuilder (with identity)", &builder_t);
            let transport = builder_t.build()?;
            ctx.debug("Transport", &transport);
            builder.transport(transport).build().await
        }
    }
}

fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn judge(result: Result<(), tsc::Error>, expect: &Expect) -> Result<(), String> {
    match (expect, result) {
        (Expect::Success, Ok(())) => Ok(()),
        (Expect::Success, Err(e)) => Err(format!("expected success, got {}", chain_text(&e))),
        (_, Ok(())) => Err(format!("expected {expect:?}, but the request succeeded")),
        (Expect::Tls(reason, phrases), Err(e)) => {
            let text = chain_text(&e);
            match transport_error(&e) {
                Some(tsc::transport::Error::Tls(tls)) => {
                    ensure(&tls.reason == reason, || {
                        format!(
                            "expected TLS reason {reason:?}, got {:?}: {text}",
                            tls.reason
                        )
                    })?;
                    let missing: Vec<&&str> =
                        phrases.iter().filter(|p| !text.contains(**p)).collect();
                    ensure(missing.is_empty(), || {
                        format!("the message lacks {missing:?}: {text}")
                    })?;
                    ensure(e.is_tls(), || "tsc::Error::is_tls() is false".to_owned())
                }
                _ => Err(format!("expected a TlsError ({reason:?}), got {e:?}")),
            }
        }
        (Expect::Config(phrase), Err(e)) => {
            let text = chain_text(&e);
            let typed = matches!(transport_error(&e), Some(tsc::transport::Error::Config(_)));
            ensure(typed && text.contains(phrase), || {
                format!("expected a transport configuration error naming {phrase:?}, got {e:?}")
            })
        }
    }
}

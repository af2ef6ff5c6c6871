//! The rest of the stack: transport swap, user layers, timeouts, size limit, proxies,
//! User-Agent, tracing without secrets.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use support::{Pki, Recorded, get, post, redirect, respond, serve, serve_tls, server_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tsc_transport::{Body, Certificate, Error, TimeoutKind, Transport};

fn plain_transport() -> Transport {
    Transport::builder().no_proxy().build().expect("build")
}

#[tokio::test]
async fn in_memory_transport_swap_needs_no_socket() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let fake = tower::service_fn(move |req: Request<Body>| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let echoed = req.into_body().collect().await?;
            Ok::<_, Error>(Response::new(Body::full(echoed)))
        }
    });
    let transport = Transport::new(fake);
    let response = transport
        .send(post(
            "https://tableau.invalid/api/3.24/auth/signin",
            "<tsRequest/>",
        ))
        .await
        .expect("send");
    assert_eq!(
        &response.into_body().collect().await.expect("body")[..],
        b"<tsRequest/>"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(format!("{transport:?}").contains("custom"));
}

#[tokio::test]
async fn service_errors_are_kept_when_typed_and_wrapped_otherwise() {
    let typed = Transport::new(tower::service_fn(|_req: Request<Body>| async {
        Err::<Response<Body>, _>(Error::Timeout {
            kind: TimeoutKind::Request,
            after: Duration::from_secs(1),
            target: "https://h/".into(),
        })
    }));
    let err = typed.send(get("https://h/")).await.err();
    assert_eq!(
        err.as_ref().and_then(Error::timeout_kind),
        Some(TimeoutKind::Request),
        "{err:?}"
    );

    let foreign = Transport::new(tower::service_fn(|_req: Request<Body>| async {
        Err::<Response<Body>, _>(std::io::Error::other("boom"))
    }));
    match foreign.send(get("https://h/")).await {
        Err(Error::Service(source)) => assert!(source.downcast_ref::<std::io::Error>().is_some()),
        other => panic!("expected Error::Service, got {other:?}"),
    }
}

#[tokio::test]
async fn custom_hyper_client_errors_are_classified_with_the_host() {
    // A user-built hyper-util client (hyper-rustls, no roots at all) plugged in as is.
    let tls = tsc_transport::rustls::ClientConfig::builder_with_provider(Arc::new(
        tsc_transport::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(tsc_transport::rustls::RootCertStore::empty())
    .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, Body> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
    let transport = Transport::new(client);

    let pki = Pki::new("Internal CA");
    let server = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "ok")
    })
    .await;
    match transport.send(get(&server.url("/"))).await {
        Err(Error::Tls(tls)) => {
            assert_eq!(tls.host, "127.0.0.1");
            assert_eq!(tls.reason, tsc_transport::TlsFailure::UnknownIssuer);
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }

    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    match transport.send(get(&format!("http://{addr}/"))).await {
        Err(Error::Connect { host, .. }) => assert_eq!(host, addr.to_string()),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

/// A layer that counts the requests it sees and whether they carry `x-request-source`.
#[derive(Clone, Default)]
struct Counting {
    total: Arc<AtomicUsize>,
    tagged: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for Counting {
    type Service = CountingService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        CountingService {
            inner,
            counts: self.clone(),
        }
    }
}

#[derive(Clone)]
struct CountingService<S> {
    inner: S,
    counts: Counting,
}

impl<S: tower::Service<Request<Body>>> tower::Service<Request<Body>> for CountingService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> S::Future {
        self.counts.total.fetch_add(1, Ordering::SeqCst);
        if req.headers().contains_key("x-request-source") {
            self.counts.tagged.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.call(req)
    }
}

#[tokio::test]
async fn user_layers_wrap_the_stack_in_order_and_see_each_request_once() {
    let server = serve(|req: &Recorded| match req.uri.path() {
        "/old" => redirect(307, "/new"),
        _ => respond(200, "ok"),
    })
    .await;
    let counting = Counting::default();
    let transport = Transport::builder()
        .no_proxy()
        // First added = outermost: it tags the request before `Counting` sees it.
        .layer(tower::util::MapRequestLayer::new(
            |mut req: Request<Body>| {
                req.headers_mut().insert(
                    "x-request-source",
                    http::HeaderValue::from_static("nightly-job"),
                );
                req
            },
        ))
        .layer(counting.clone())
        .build()
        .expect("build");
    for _ in 0..3 {
        transport.send(get(&server.url("/ok"))).await.expect("send");
    }
    transport
        .send(get(&server.url("/old")))
        .await
        .expect("send");
    assert_eq!(
        counting.total.load(Ordering::SeqCst),
        4,
        "a redirected request is seen once"
    );
    assert_eq!(counting.tagged.load(Ordering::SeqCst), 4);
    let seen = server.requests();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| {
        r.headers
            .get("x-request-source")
            .is_some_and(|v| v == "nightly-job")
    }));
}

#[tokio::test]
async fn user_agent_default_override_and_per_request() {
    let server = serve(|_| respond(200, "ok")).await;
    plain_transport()
        .send(get(&server.url("/")))
        .await
        .expect("send");
    let custom = Transport::builder()
        .no_proxy()
        .user_agent("tabcmd-rs/2.0")
        .build()
        .expect("build");
    custom.send(get(&server.url("/"))).await.expect("send");
    let mut own = get(&server.url("/"));
    own.headers_mut()
        .insert("user-agent", http::HeaderValue::from_static("mine/1"));
    custom.send(own).await.expect("send");
    let agents: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            r.headers
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        agents,
        [tsc_transport::DEFAULT_USER_AGENT, "tabcmd-rs/2.0", "mine/1"]
    );
}

#[tokio::test]
async fn relative_uri_is_an_invalid_request() {
    let err = plain_transport().send(get("/api/3.24/sites")).await.err();
    assert!(matches!(err, Some(Error::InvalidRequest { .. })), "{err:?}");
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let err = plain_transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .err();
    assert!(err.as_ref().is_some_and(Error::is_connect), "{err:?}");
}

#[tokio::test]
async fn connect_timeout_covers_the_tls_handshake() {
    // The kernel completes the TCP handshake (backlog) but nobody ever speaks TLS.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = silent.local_addr().expect("addr");
    let transport = Transport::builder()
        .no_proxy()
        .connect_timeout(Duration::from_millis(200))
        .build()
        .expect("build");
    let err = transport.send(get(&format!("https://{addr}/"))).await.err();
    assert_eq!(
        err.as_ref().and_then(Error::timeout_kind),
        Some(TimeoutKind::Connect),
        "{err:?}"
    );
    drop(silent);
}

/// A raw TCP server: for each connection, reads the request head, then writes `reply` and
/// keeps the connection open without writing more.
async fn raw_server(reply: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = read_head(&mut stream).await;
                let _ = stream.write_all(reply).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    addr
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

#[tokio::test]
async fn request_timeout_covers_waiting_for_headers_and_reading_the_body() {
    let transport = Transport::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("build");
    let mute = raw_server(b"").await;
    let err = transport.send(get(&format!("http://{mute}/"))).await.err();
    assert_eq!(
        err.as_ref().and_then(Error::timeout_kind),
        Some(TimeoutKind::Request),
        "{err:?}"
    );

    let stalling = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello").await;
    let response = transport
        .send(get(&format!("http://{stalling}/")))
        .await
        .expect("headers arrive");
    let err = response.into_body().collect().await.err();
    assert_eq!(
        err.as_ref().and_then(Error::timeout_kind),
        Some(TimeoutKind::Request),
        "{err:?}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_a_typed_error() {
    static BIG: [u8; 2048] = [b'x'; 2048];
    let server = serve(|req: &Recorded| {
        let size = if req.uri.path() == "/big" { 2048 } else { 512 };
        Response::new(http_body_util::Full::new(bytes::Bytes::from_static(
            &BIG[..size],
        )))
    })
    .await;
    let transport = Transport::builder()
        .no_proxy()
        .max_response_bytes(1024)
        .build()
        .expect("build");
    let small = transport
        .send(get(&server.url("/small")))
        .await
        .expect("send");
    assert_eq!(small.into_body().collect().await.expect("fits").len(), 512);
    let big = transport
        .send(get(&server.url("/big")))
        .await
        .expect("send");
    let err = big.into_body().collect().await.err();
    assert!(
        err.as_ref().is_some_and(Error::is_body_too_large),
        "{err:?}"
    );

    // Without Content-Length (chunked), the limit is enforced while streaming.
    let chunk = "x".repeat(600);
    let reply = format!(
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    );
    let chunked = raw_server(Box::leak(reply.into_bytes().into_boxed_slice())).await;
    let response = transport
        .send(get(&format!("http://{chunked}/")))
        .await
        .expect("send");
    let err = response.into_body().collect().await.err();
    assert!(
        err.as_ref().is_some_and(Error::is_body_too_large),
        "{err:?}"
    );
}

/// A loopback forward proxy: tunnels CONNECT, answers plain requests itself.
async fn proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(head) = read_head(&mut client).await else {
                    return;
                };
                let line = head.lines().next().unwrap_or_default().to_owned();
                if let Ok(mut log) = seen.lock() {
                    let auth = head
                        .lines()
                        .find(|l| l.to_ascii_lowercase().starts_with("proxy-authorization:"))
                        .map(|l| {
                            let (name, value) = l.split_once(':').unwrap_or((l, ""));
                            format!(" [{}: {}]", name.to_ascii_lowercase(), value.trim())
                        })
                        .unwrap_or_default();
                    log.push(format!("{line}{auth}"));
                }
                if let Some(target) = line
                    .strip_prefix("CONNECT ")
                    .and_then(|rest| rest.split(' ').next())
                {
                    let Ok(mut upstream) = TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                } else {
                    let _ = client
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nvia proxy")
                        .await;
                }
            });
        }
    });
    (addr, log)
}

#[tokio::test]
async fn explicit_proxy_tunnels_https_and_forwards_http_in_absolute_form() {
    let (proxy_addr, log) = proxy().await;
    let pki = Pki::new("Internal CA");
    let secure = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "through the tunnel")
    })
    .await;
    let transport = Transport::builder()
        .proxy(format!("http://{proxy_addr}"))
        .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    let response = transport
        .send(get(&secure.url("/api/3.24/serverinfo")))
        .await
        .expect("send");
    assert_eq!(
        &response.into_body().collect().await.expect("body")[..],
        b"through the tunnel"
    );
    assert_eq!(secure.count(), 1);

    let response = transport
        .send(get("http://tableau.invalid:8000/api/3.24/serverinfo"))
        .await
        .expect("send");
    assert_eq!(
        &response.into_body().collect().await.expect("body")[..],
        b"via proxy"
    );

    let lines = log.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(
        lines,
        [
            format!("CONNECT {} HTTP/1.1", secure.addr),
            "GET http://tableau.invalid:8000/api/3.24/serverinfo HTTP/1.1".to_owned(),
        ]
    );
}

#[tokio::test]
async fn proxy_credentials_are_sent_as_proxy_authorization() {
    let (proxy_addr, log) = proxy().await;
    let pki = Pki::new("Internal CA");
    let secure = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
        respond(200, "ok")
    })
    .await;
    let transport = Transport::builder()
        .proxy(format!("http://user:pw@{proxy_addr}"))
        .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    transport
        .send(get(&secure.url("/")))
        .await
        .expect("https via proxy");
    transport
        .send(get("http://tableau.invalid/"))
        .await
        .expect("http via proxy");
    let lines = log.lock().map(|l| l.clone()).unwrap_or_default();
    // base64("user:pw") = dXNlcjpwdw==
    assert_eq!(
        lines,
        [
            format!(
                "CONNECT {} HTTP/1.1 [proxy-authorization: Basic dXNlcjpwdw==]",
                secure.addr
            ),
            "GET http://tableau.invalid/ HTTP/1.1 [proxy-authorization: Basic dXNlcjpwdw==]"
                .to_owned(),
        ]
    );
    // The tunnelled https request itself does not carry the proxy credentials.
    assert!(
        secure.requests()[0]
            .headers
            .get("proxy-authorization")
            .is_none()
    );
}

#[tokio::test]
async fn invalid_proxy_url_fails_at_build_without_echoing_it() {
    let err = Transport::builder()
        .proxy("socks5://user:hunter2@proxy:1080")
        .build()
        .err();
    assert!(
        matches!(
            err,
            Some(Error::Config(
                tsc_transport::ConfigError::InvalidProxy { .. }
            ))
        ),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("hunter2"));
}

/// Environment proxies are read by a child process (setting the environment in this
/// multi-threaded test process would be unsound).
#[tokio::test]
async fn environment_proxy_is_used_and_no_proxy_is_honoured() {
    if let Ok(url) = std::env::var("TSC_TRANSPORT_CHILD_URL") {
        // Child: default builder, proxies from the environment.
        let transport = Transport::builder().build().expect("build");
        let response = transport.send(get(&url)).await.expect("send");
        let text = response.into_body().collect().await.expect("body");
        println!("CHILD-BODY={}", String::from_utf8_lossy(&text));
        return;
    }
    let (proxy_addr, log) = proxy().await;
    let direct = serve(|_| respond(200, "direct")).await;
    let run = move |url: String, no_proxy: &'static str| {
        std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "environment_proxy_is_used_and_no_proxy_is_honoured",
                "--exact",
                "--nocapture",
            ])
            .env("TSC_TRANSPORT_CHILD_URL", url)
            .env("HTTP_PROXY", format!("http://{proxy_addr}"))
            .env("NO_PROXY", no_proxy)
            .env_remove("http_proxy")
            .env_remove("no_proxy")
            .output()
            .expect("run child")
    };
    let proxied = tokio::task::spawn_blocking(move || run("http://tableau.invalid/api".into(), ""))
        .await
        .expect("join");
    assert!(
        String::from_utf8_lossy(&proxied.stdout).contains("CHILD-BODY=via proxy"),
        "{proxied:?}"
    );
    let direct_url = direct.url("/api");
    let bypassed = tokio::task::spawn_blocking(move || run(direct_url, "127.0.0.1"))
        .await
        .expect("join");
    assert!(
        String::from_utf8_lossy(&bypassed.stdout).contains("CHILD-BODY=direct"),
        "{bypassed:?}"
    );
    let lines = log.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(
        lines,
        ["GET http://tableau.invalid/api HTTP/1.1".to_owned()]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn trace_output_has_one_span_per_attempt_and_no_secrets() {
    const TOKEN: &str = "tok-5ecr3t-Tableau-session";
    const PASSWORD: &str = "pa55w0rd-in-body";
    const QUERY: &str = "qs-secret-value";
    let capture = support::LogCapture::default();
    let _guard = capture.install();
    let pki = Pki::new("Internal CA");
    let secure = serve_tls(
        server_config(&pki.leaf(&["127.0.0.1"], None)),
        |req: &Recorded| match req.uri.path() {
            "/old" => redirect(307, "/new"),
            _ => respond(200, "ok"),
        },
    )
    .await;
    let transport = Transport::builder()
        .no_proxy()
        .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    let plain = serve(|_| respond(200, "ok")).await;
    for url in [
        secure.url(&format!("/old?token={QUERY}")),
        plain.url(&format!("/old?token={QUERY}")),
    ] {
        let mut request = Request::post(url)
            .body(Body::full(format!(
                "<credentials password=\"{PASSWORD}\"/>"
            )))
            .expect("request");
        let mut value = http::HeaderValue::from_static(TOKEN);
        value.set_sensitive(true);
        request.headers_mut().insert("x-tableau-auth", value);
        request
            .extensions_mut()
            .insert(tsc_transport::OperationName("auth.sign_in"));
        let response = transport.send(request).await.expect("send");
        response.into_body().collect().await.expect("body");
    }
    // The servers did get the token: it was on the wire, just never in the logs.
    assert!(
        secure
            .requests()
            .iter()
            .all(|r| r.headers.get("x-tableau-auth").is_some())
    );
    let logs = capture.text();
    for secret in [TOKEN, PASSWORD, QUERY] {
        assert!(!logs.contains(secret), "{secret} leaked into TRACE logs");
    }
    // The https request took two attempts (307 then 200), the http one a single attempt.
    let attempts = logs
        .lines()
        .filter(|l| l.contains("response headers received"))
        .count();
    assert_eq!(attempts, 3, "{logs}");
    assert!(logs.contains("http.request.method=POST"), "{logs}");
    assert!(
        logs.contains(&format!("url.full={}", secure.url("/new"))),
        "{logs}"
    );
    assert!(logs.contains("http.response.status_code=307"), "{logs}");
    let named = logs
        .lines()
        .filter(|l| l.contains("response headers received"))
        .filter(|l| l.contains("otel.name=\"auth.sign_in\""))
        .count();
    assert_eq!(named, 3, "every attempt's span carries the operation name");
}

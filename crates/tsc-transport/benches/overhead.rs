//! Per-request cost of the default `Transport` stack vs bare hyper-util clients, all sending
//! the same GET (same `User-Agent`) to the same keep-alive loopback server, in one run.
//!
//! Baselines: hyper-util's pooled client over a plain `HttpConnector`, and over hyper-rustls'
//! `HttpsConnector` (what the stack itself uses underneath). Scenarios: plain HTTP, where
//! the stack's own overhead (redirect/retry bookkeeping, tracing span, body limit, timeouts)
//! is as visible as it gets, and HTTPS (TLS 1.3, http/1.1), the realistic case for Tableau.
//! After the criterion groups, interleaved A/B batches print wall-time and client-thread
//! CPU-time medians and the ratios.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http::{Request, Response};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use tsc_transport::{Body, Certificate, Transport};

const RESPONSE: &[u8] =
    b"<tsResponse><serverInfo><productVersion>2025.1</productVersion></serverInfo></tsResponse>";

/// A test CA and a server certificate for 127.0.0.1, made at run time.
struct Pki {
    ca_pem: String,
    server: rustls::ServerConfig,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca.self_signed(&ca_key).expect("CA cert").pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&key, &issuer)
        .expect("leaf cert");
    let key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).expect("key");
    let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .expect("server cert");
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Pki { ca_pem, server }
}

/// Starts a keep-alive HTTP/1.1 loopback server (TLS if `tls` is given) on its own thread.
fn start_server(tls: Option<rustls::ServerConfig>) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            let acceptor = tls.map(|config| tokio_rustls::TlsAcceptor::from(Arc::new(config)));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(RESPONSE))))
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    match acceptor {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    }
                });
            }
        });
    });
    rx.recv().expect("server address")
}

type Bare<C> = Client<C, Empty<Bytes>>;

/// The clients for one scenario, sharing one current-thread runtime.
struct Scenario {
    name: &'static str,
    runtime: tokio::runtime::Runtime,
    bare_http: Option<Bare<HttpConnector>>,
    bare_rustls: Bare<HttpsConnector<HttpConnector>>,
    stack: Transport,
    url: String,
}

fn http_connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

fn bare<C>(connector: C) -> Bare<C>
where
    C: hyper_util::client::legacy::connect::Connect + Clone,
{
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(connector)
}

impl Scenario {
    fn new(https: bool) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let _entered = runtime.enter();
        let pki = pki();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(
                rustls::pki_types::CertificateDer::from_pem_slice(pki.ca_pem.as_bytes())
                    .expect("ca"),
            )
            .expect("root");
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https_connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http_connector());
        let stack = Transport::builder()
            .no_proxy()
            .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
            .http2(false)
            .build()
            .expect("transport");
        let addr = start_server(https.then_some(pki.server));
        let scheme = if https { "https" } else { "http" };
        Self {
            name: if https { "https" } else { "http" },
            bare_http: (!https).then(|| bare(http_connector())),
            bare_rustls: bare(https_connector),
            stack,
            url: format!("{scheme}://{addr}/api/3.24/serverinfo"),
            runtime,
        }
    }

    fn request(&self) -> Request<Empty<Bytes>> {
        Request::get(&self.url)
            .header(http::header::USER_AGENT, tsc_transport::DEFAULT_USER_AGENT)
            .body(Empty::new())
            .expect("request")
    }

    fn bare_http_get(&self) {
        let Some(client) = &self.bare_http else {
            return;
        };
        self.runtime.block_on(async {
            let response = client.request(self.request()).await.expect("response");
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            assert_eq!(body.len(), RESPONSE.len());
        });
    }

    fn bare_rustls_get(&self) {
        self.runtime.block_on(async {
            let response = self
                .bare_rustls
                .request(self.request())
                .await
                .expect("response");
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            assert_eq!(body.len(), RESPONSE.len());
        });
    }

    fn stack_get(&self) {
        self.runtime.block_on(async {
            let request = Request::get(&self.url)
                .body(Body::empty())
                .expect("request");
            let response = self.stack.send(request).await.expect("stack response");
            let body = response.into_body().collect().await.expect("stack body");
            assert_eq!(body.len(), RESPONSE.len());
        });
    }
}

fn overhead(c: &mut Criterion) {
    for https in [false, true] {
        let scenario = Scenario::new(https);
        let mut group = c.benchmark_group(format!("loopback GET {}", scenario.name));
        if scenario.bare_http.is_some() {
            group.bench_function("bare hyper-util (HttpConnector)", |b| {
                b.iter(|| scenario.bare_http_get())
            });
        }
        group.bench_function("bare hyper-util (hyper-rustls connector)", |b| {
            b.iter(|| scenario.bare_rustls_get())
        });
        group.bench_function("tsc-transport default stack", |b| {
            b.iter(|| scenario.stack_get())
        });
        group.finish();
    }
}

/// CPU time consumed so far by the calling thread, in ns (Linux `/proc/thread-self/schedstat`).
///
/// The clients run on a current-thread runtime, so this counts the client's whole share of
/// each request (stack, hyper, TLS, syscalls) and none of the server's, nor time spent
/// waiting, which makes it far less sensitive to other load on the machine than wall time.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Interleaved batches of a baseline and the stack: medians of wall and client CPU time.
fn compare(scenario: &Scenario, baseline_name: &str, baseline: &dyn Fn()) {
    const BATCHES: usize = 40;
    const REQUESTS: u32 = 500;
    for _ in 0..1_000 {
        baseline();
        scenario.stack_get();
    }
    let measure = |f: &dyn Fn()| {
        let cpu = thread_cpu_ns();
        let started = Instant::now();
        for _ in 0..REQUESTS {
            f();
        }
        let wall = started.elapsed().as_secs_f64() * 1e9 / f64::from(REQUESTS);
        let cpu = match (cpu, thread_cpu_ns()) {
            (Some(before), Some(after)) => {
                after.saturating_sub(before) as f64 / f64::from(REQUESTS)
            }
            _ => f64::NAN,
        };
        (wall, cpu)
    };
    let (mut base_wall, mut base_cpu, mut stack_wall, mut stack_cpu) =
        (vec![], vec![], vec![], vec![]);
    for batch in 0..BATCHES {
        // Alternate which goes first so drift affects both alike.
        let (base, stack) = if batch % 2 == 0 {
            let base = measure(baseline);
            (base, measure(&|| scenario.stack_get()))
        } else {
            let stack = measure(&|| scenario.stack_get());
            (measure(baseline), stack)
        };
        base_wall.push(base.0);
        base_cpu.push(base.1);
        stack_wall.push(stack.0);
        stack_cpu.push(stack.1);
    }
    let (base_wall, stack_wall) = (median(base_wall), median(stack_wall));
    let (base_cpu, stack_cpu) = (median(base_cpu), median(stack_cpu));
    println!(
        "{:<5} vs bare hyper-util ({baseline_name}): wall {:.2} -> {:.2} us/req, ratio {:.3} | \
         client CPU {:.2} -> {:.2} us/req, ratio {:.3} ({:+.2} us)",
        scenario.name,
        base_wall / 1e3,
        stack_wall / 1e3,
        stack_wall / base_wall,
        base_cpu / 1e3,
        stack_cpu / 1e3,
        stack_cpu / base_cpu,
        (stack_cpu - base_cpu) / 1e3,
    );
}

fn print_ratios() {
    println!(
        "\nOverhead of the default stack (median of 40 interleaved batches x 500 GETs; target ratio <= 1.10)"
    );
    let http = Scenario::new(false);
    compare(&http, "HttpConnector", &|| http.bare_http_get());
    compare(&http, "hyper-rustls connector", &|| http.bare_rustls_get());
    let https = Scenario::new(true);
    compare(&https, "hyper-rustls connector", &|| {
        https.bare_rustls_get()
    });
}

criterion_group!(benches, overhead);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only on a real bench run (`cargo bench`), not under `cargo test --benches` / `--list`.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}

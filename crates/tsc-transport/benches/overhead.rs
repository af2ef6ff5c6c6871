//! Per-request cost of the default `Transport` stack vs a bare hyper-util client, both sending
//! the same GET to the same loopback server over pooled keep-alive connections.
//!
//! Plain HTTP on purpose: without TLS cost to hide behind, the stack's own overhead (entry,
//! retry, redirect bookkeeping, tracing span, body boxing and limit) is as visible as it gets.
//! After the criterion groups, an interleaved A/B measurement prints the ratio.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http::{Request, Response};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tsc_transport::{Body, Transport};

const RESPONSE: &[u8] =
    b"<tsResponse><serverInfo><productVersion>2025.1</productVersion></serverInfo></tsResponse>";

static CONNECTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Starts a keep-alive HTTP/1.1 loopback server on its own runtime thread.
fn start_server() -> SocketAddr {
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
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(RESPONSE))))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().expect("server address")
}

struct Clients {
    runtime: tokio::runtime::Runtime,
    bare: Client<HttpConnector, Empty<Bytes>>,
    stack: Transport,
    url: String,
}

impl Clients {
    fn new(addr: SocketAddr) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let _entered = runtime.enter();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let bare = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        let stack = Transport::builder().no_proxy().build().expect("transport");
        Self {
            runtime,
            bare,
            stack,
            url: format!("http://{addr}/api/3.24/serverinfo"),
        }
    }

    fn bare_get(&self) {
        self.runtime.block_on(async {
            let request = Request::get(&self.url)
                .body(Empty::<Bytes>::new())
                .expect("request");
            let response = self.bare.request(request).await.expect("bare response");
            let body = response
                .into_body()
                .collect()
                .await
                .expect("bare body")
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
    let clients = Clients::new(start_server());
    let mut group = c.benchmark_group("loopback GET");
    group.bench_function("bare hyper-util client", |b| b.iter(|| clients.bare_get()));
    group.bench_function("tsc-transport default stack", |b| {
        b.iter(|| clients.stack_get())
    });
    group.finish();
}

/// CPU time consumed so far by the calling thread, in ns (Linux `/proc/thread-self/schedstat`).
///
/// The client runs on a current-thread runtime, so this counts the client's whole share of
/// each request (stack, hyper, syscalls) and none of the server's, nor time spent waiting,
/// which makes it far less sensitive to other load on the machine than wall time.
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
    values[values.len() / 2]
}

/// Interleaved batches of both clients: median wall time and client CPU time per request,
/// and the ratios stack / bare.
fn print_ratio() {
    let clients = Clients::new(start_server());
    const BATCHES: usize = 60;
    const REQUESTS: u32 = 500;
    for _ in 0..1_000 {
        clients.bare_get();
        clients.stack_get();
    }
    let measure = |f: &dyn Fn()| {
        let cpu = thread_cpu_ns();
        let started = Instant::now();
        for _ in 0..REQUESTS {
            f();
        }
        let wall = started.elapsed().as_secs_f64() * 1e9 / f64::from(REQUESTS);
        let cpu = match (cpu, thread_cpu_ns()) {
            (Some(before), Some(after)) => (after - before) as f64 / f64::from(REQUESTS),
            _ => f64::NAN,
        };
        (wall, cpu)
    };
    let (mut bare_wall, mut bare_cpu, mut stack_wall, mut stack_cpu) =
        (vec![], vec![], vec![], vec![]);
    for batch in 0..BATCHES {
        // Alternate which goes first so drift affects both alike.
        let (bare, stack) = if batch % 2 == 0 {
            let bare = measure(&|| clients.bare_get());
            (bare, measure(&|| clients.stack_get()))
        } else {
            let stack = measure(&|| clients.stack_get());
            (measure(&|| clients.bare_get()), stack)
        };
        bare_wall.push(bare.0);
        bare_cpu.push(bare.1);
        stack_wall.push(stack.0);
        stack_cpu.push(stack.1);
    }
    let (bare_wall, stack_wall) = (median(bare_wall), median(stack_wall));
    let (bare_cpu, stack_cpu) = (median(bare_cpu), median(stack_cpu));
    println!(
        "\noverhead, median of {BATCHES} interleaved batches x {REQUESTS} GETs (target: ratio <= 1.10)\n  \
         wall time/request:       bare hyper-util {:.2} us, tsc-transport {:.2} us, ratio {:.3}\n  \
         client CPU time/request: bare hyper-util {:.2} us, tsc-transport {:.2} us, ratio {:.3} ({:+.2} us)",
        bare_wall / 1e3,
        stack_wall / 1e3,
        stack_wall / bare_wall,
        bare_cpu / 1e3,
        stack_cpu / 1e3,
        stack_cpu / bare_cpu,
        (stack_cpu - bare_cpu) / 1e3,
    );
    let _ = Duration::ZERO;
}

criterion_group!(benches, overhead);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench -- --list` / `--test` style invocations pass args; only print the ratio on a real run.
    if std::env::args().any(|a| a == "--bench")
        && !std::env::args().any(|a| a == "--test" || a == "--list")
    {
        print_ratio();
    }
}

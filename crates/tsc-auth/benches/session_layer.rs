//! Cost of `SessionLayer` per request: `SessionManager::send` (origin check, token
//! header, body clone for a possible replay, 401 inspection) against the bare
//! `Transport` over the same in-memory service.
//!
//! Criterion reports each; afterwards a summary prints the time per request and the
//! ratio to the bare transport, measured in interleaved rounds of the same run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use http::{Request, Response};
use tsc_auth::{PersonalAccessTokenAuth, SessionManager};
use tsc_model::ApiVersion;
use tsc_transport::{Body, Transport};

const SIGN_IN: &str = r#"<tsResponse><credentials token="bench-token"><site id="site-luid" contentUrl=""/><user id="user-luid"/></credentials></tsResponse>"#;

fn setup(runtime: &tokio::runtime::Runtime) -> (Transport, SessionManager) {
    let service = tower::service_fn(|req: Request<Body>| async move {
        let body = if req.uri().path().ends_with("/auth/signin") {
            SIGN_IN
        } else {
            "<tsResponse/>"
        };
        Ok::<_, std::convert::Infallible>(Response::new(Body::from(body)))
    });
    let transport = Transport::new(service);
    let manager = SessionManager::builder(
        transport.clone(),
        "https://tableau.example.com".parse().expect("static URL"),
    )
    .api_version(ApiVersion::new(3, 27))
    .build()
    .expect("valid configuration");
    runtime
        .block_on(manager.sign_in(Arc::new(PersonalAccessTokenAuth::new("n", "s", ""))))
        .expect("sign-in against the stand-in service");
    (transport, manager)
}

fn request(manager: &SessionManager) -> Request<Body> {
    Request::post(manager.site_url("workbooks").expect("signed in"))
        .body(Body::full("<tsRequest/>"))
        .expect("valid request")
}

async fn bare(transport: &Transport, manager: &SessionManager) {
    let response = transport.send(request(manager)).await.expect("in memory");
    black_box(response.into_body().collect().await.expect("in memory"));
}

async fn layered(manager: &SessionManager) {
    let response = manager.send(request(manager)).await.expect("in memory");
    black_box(response.into_body().collect().await.expect("in memory"));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (transport, manager) = setup(&runtime);
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion.bench_function("transport.send (baseline)", |b| {
        b.iter(|| runtime.block_on(bare(&transport, &manager)))
    });
    criterion.bench_function("SessionManager::send (SessionLayer)", |b| {
        b.iter(|| runtime.block_on(layered(&manager)))
    });
    criterion.final_summary();

    // Interleaved rounds so drift affects both alike; medians of times and ratios.
    const ROUNDS: usize = 15;
    const PER_ROUND: u32 = 2_000;
    let (mut base, mut layer, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            runtime.block_on(bare(&transport, &manager));
        }
        let b = start.elapsed().as_secs_f64() / f64::from(PER_ROUND);
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            runtime.block_on(layered(&manager));
        }
        let l = start.elapsed().as_secs_f64() / f64::from(PER_ROUND);
        base.push(b);
        layer.push(l);
        ratios.push(l / b);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (b, l, r) = (median(&mut base), median(&mut layer), median(&mut ratios));
    println!(
        "\nsummary: bare transport {:.0} ns/request, with SessionLayer {:.0} ns/request \
         (+{:.0} ns); ratio SessionLayer / bare: {r:.2}x",
        b * 1e9,
        l * 1e9,
        (l - b) * 1e9
    );
}

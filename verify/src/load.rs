//! Group 5 — load: N authenticated requests at concurrency 64 through ONE `tsc::Server`
//! against the loopback emulator over TLS, with every session ended twice during the run.
//! Expected: 0 failed requests and exactly 2 re-sign-ins (read from the emulator).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tsc::{PersonalAccessTokenAuth, Server, Verify};
use tsc_testserver::{Config, ListenOptions, TestServer};

use crate::support::{Ctx, GroupReport, ensure, lock};

const CONCURRENCY: usize = 64;

pub(crate) async fn run(ctx: &Ctx, requests: usize) -> GroupReport {
    let mut report = GroupReport::new("5 load");
    match load(ctx, requests).await {
        Ok((cases, figure)) => {
            for (name, result) in cases {
                report.case(&name, result);
            }
            report.figure = figure;
        }
        Err(e) => report.case("set up the load run", Err(e)),
    }
    report
}

type Cases = Vec<(String, Result<(), String>)>;

async fn load(ctx: &Ctx, total: usize) -> Result<(Cases, String), String> {
    let emulator = TestServer::new(Config::server().workbooks_per_site(10));
    let running = emulator
        .start(ListenOptions::loopback())
        .await
        .map_err(|e| e.to_string())?;
    let server = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .timeout(Duration::from_secs(30))
        .use_server_version(true)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let pat =
        PersonalAccessTokenAuth::new(tsc_testserver::PAT_NAME, tsc_testserver::PAT_SECRET, "");
    ctx.secret(tsc_testserver::PAT_SECRET);
    let guard = server
        .auth()
        .sign_in(&pat)
        .await
        .map_err(|e| format!("sign-in: {e}"))?;
    let (first_page, _) = server
        .workbooks()
        .get()
        .await
        .map_err(|e| format!("first page: {e}"))?;
    let workbook_id = first_page
        .first()
        .map(|w| w.id.clone())
        .ok_or("the emulator returned no workbook")?;
    let sign_ins_before = emulator.counters().total_sign_ins();

    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total)));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let expiries = [total / 3, 2 * total / 3];
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let server = server.clone();
        let emulator = emulator.clone();
        let next = next.clone();
        let latencies = latencies.clone();
        let failures = failures.clone();
        let workbook_id = workbook_id.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                if expiries.contains(&i) {
                    emulator.expire_all_sessions();
                }
                let t = Instant::now();
                let r = server.workbooks().get_by_id(&workbook_id).await;
                mine.push(t.elapsed());
                if let Err(e) = r {
                    lock(&failures).push(format!("request {i}: {e}"));
                }
            }
            lock(&latencies).extend(mine);
        }));
    }
    let bounded = tokio::time::timeout(Duration::from_secs(600), async {
        for w in workers {
            let _ = w.await;
        }
    })
    .await;
    let elapsed = started.elapsed();
    if let Some(t) = server.auth_token() {
        ctx.secret(t.expose_secret());
    }
    let re_sign_ins = emulator.counters().total_sign_ins() - sign_ins_before;
    let _ = guard.sign_out().await;

    let mut lat = lock(&latencies).clone();
    lat.sort();
    let pct = |p: f64| -> Duration {
        if lat.is_empty() {
            return Duration::ZERO;
        }
        let idx = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat[idx.min(lat.len() - 1)]
    };
    let failures = lock(&failures).clone();
    let rps = lat.len() as f64 / elapsed.as_secs_f64().max(1e-9);
    let figure = format!(
        "{} req, c={CONCURRENCY}, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} failed, {re_sign_ins} re-sign-ins",
        lat.len(),
        rps,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        failures.len()
    );
    let cases: Cases = vec![
        (
            format!("{total} requests finish (bounded by 600 s)"),
            ensure(bounded.is_ok() && lat.len() == total, || {
                format!("only {} of {total} requests completed", lat.len())
            }),
        ),
        (
            "0 failed requests".to_owned(),
            ensure(failures.is_empty(), || {
                format!(
                    "{} failed, first: {}",
                    failures.len(),
                    failures.first().cloned().unwrap_or_default()
                )
            }),
        ),
        (
            "exactly 2 re-sign-ins for 2 expiries".to_owned(),
            ensure(re_sign_ins == 2, || format!("{re_sign_ins} re-sign-ins")),
        ),
    ];
    Ok((cases, figure))
}

//! Re-sign-in under load: with `--concurrency` requests in flight on one signed-in `Server`,
//! every session on the emulator is expired; all of them must still succeed (tsc-auth signs
//! in again and replays). Recovery = time of the burst that meets the expiry minus the time
//! of an identical burst on a live session.
//!
//! The `tsc-testserver` binary has no control hook to expire sessions, so this case runs the
//! emulator in process (library `TestServer` on loopback TLS) and calls
//! `expire_all_sessions()` directly.

use std::time::Instant;

use futures_util::future::try_join_all;
use serde_json::json;
use tsc::{RequestOptions, Server};
use tsc_testserver::{Config, ListenOptions, TestServer};

use crate::{Options, e2e};

// Small: the emulator renders every workbook of the site for each page (see the report).
const WORKBOOKS: usize = 64;

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let concurrency = options.number("concurrency", 64)?.max(1);
    let runs = options.number("runs", 5)?.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let emulator = TestServer::new(Config::server().workbooks_per_site(WORKBOOKS));
        let running = emulator
            .start(ListenOptions::loopback())
            .await
            .map_err(|e| crate::chain(&e))?;
        let server = e2e::tsc_server(&running.https_url, &running.ca_file).await?;
        server
            .auth()
            .sign_in(&e2e::pat())
            .await
            .map_err(|e| crate::chain(&e))?
            .keep();
        // Warm-up: opens the pool's connections so that no burst pays for TLS handshakes.
        burst(&server, concurrency).await?;
        let (mut live, mut expired, mut recovery, mut sign_ins) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let live_s = burst(&server, concurrency).await?;
            let before = running.server().counters().total_sign_ins();
            running.server().expire_all_sessions();
            let expired_s = burst(&server, concurrency).await?;
            let after = running.server().counters().total_sign_ins();
            live.push(live_s * 1e3);
            expired.push(expired_s * 1e3);
            recovery.push((expired_s - live_s) * 1e3);
            sign_ins.push(after - before);
        }
        server
            .auth()
            .sign_out()
            .await
            .map_err(|e| crate::chain(&e))?;
        running.shutdown().await;
        Ok(json!({
            "concurrency": concurrency,
            "live_burst_ms": live,
            "expired_burst_ms": expired,
            "recovery_ms": recovery,
            "sign_ins_per_expiry": sign_ins,
        })
        .to_string())
    })
}

/// `n` concurrent one-workbook page requests; all must succeed. Returns seconds.
async fn burst(server: &Server, n: usize) -> Result<f64, String> {
    let start = Instant::now();
    let pages = (0..n).map(|i| {
        let server = server.clone();
        let number = u32::try_from(i % WORKBOOKS + 1).unwrap_or(1);
        tokio::spawn(async move {
            let options = RequestOptions::new().page_size(1).page_number(number);
            server.workbooks().get_page(&options).await
        })
    });
    for page in try_join_all(pages)
        .await
        .map_err(|e| format!("task: {e}"))?
    {
        let (items, _) = page.map_err(|e| crate::chain(&e))?;
        if items.len() != 1 {
            return Err(format!("a page held {} workbooks, expected 1", items.len()));
        }
    }
    Ok(start.elapsed().as_secs_f64())
}

//! End to end: sign in with a PAT, list `--items` workbooks in pages of `--page-size`, sign
//! out. `--client tsc` uses the facade's pager (`--concurrency` pages in flight);
//! `--client floor` sends the same requests with a bare hyper-util client.
//!
//! `--workers N` runs on a multi-thread runtime instead of the default current-thread one.
//!
//! Each run uses a fresh client (new connection, new TLS handshake), built before the clock
//! starts, as the Python peer does. Wall time and whole-process CPU time are recorded per run.

use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt;
use serde_json::json;
use tsc::{ApiVersion, PersonalAccessTokenAuth, Server, Verify};

use crate::{Options, cpu, floor};

struct Config {
    url: String,
    ca: PathBuf,
    items: usize,
    page_size: usize,
    concurrency: usize,
}

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let client = options.string("client")?;
    let config = Config {
        url: options.string("url")?,
        ca: PathBuf::from(options.string("ca")?),
        items: options.number("items", 10_000)?,
        page_size: options.number("page-size", 100)?,
        concurrency: options.number("concurrency", 1)?,
    };
    let runs = options.number("runs", 5)?;
    let warmup = options.number("warmup", 1)?;
    // `--workers N` (N > 0): a multi-thread runtime, to see whether concurrent pages decode
    // in parallel; the default 0 is a current-thread runtime.
    let workers = options.number("workers", 0)?;
    let runtime = if workers == 0 {
        crate::current_thread_runtime()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?
    };
    let (mut wall, mut cpu_s) = (Vec::new(), Vec::new());
    let mut received = 0;
    for i in 0..warmup + runs {
        let (w, c, n) = runtime.block_on(async {
            match client.as_str() {
                "tsc" => tsc_once(&config).await,
                "floor" => floor_once(&config).await,
                other => Err(format!("unknown --client `{other}` (tsc or floor)")),
            }
        })?;
        received = n;
        if i >= warmup {
            wall.push(w);
            cpu_s.push(c);
        }
    }
    Ok(json!({
        "client": client,
        "concurrency": config.concurrency,
        "workers": workers,
        "items": config.items,
        "received": received,
        "wall_s": wall,
        "cpu_s": cpu_s,
    })
    .to_string())
}

/// A signed-out facade `Server` for the emulator (no `serverinfo` round trip).
pub(crate) async fn tsc_server(url: &str, ca: &std::path::Path) -> Result<Server, String> {
    let (major, minor) = crate::API_VERSION;
    Server::builder(url)
        .verify(Verify::CaFileOnly(ca.to_path_buf()))
        .version(ApiVersion::new(major, minor))
        .build()
        .await
        .map_err(|e| crate::chain(&e))
}

/// The emulator's PAT on the Default site.
pub(crate) fn pat() -> PersonalAccessTokenAuth {
    PersonalAccessTokenAuth::new(crate::PAT_NAME, crate::PAT_SECRET, "")
}

/// Signs in, streams `items` workbooks through the pager, signs out. Returns the count.
pub(crate) async fn tsc_list(
    server: &Server,
    items: usize,
    page_size: usize,
    concurrency: usize,
) -> Result<usize, String> {
    let session = server
        .auth()
        .sign_in(&pat())
        .await
        .map_err(|e| crate::chain(&e))?;
    let page_size = u32::try_from(page_size).map_err(|_| "page size too large".to_owned())?;
    let mut stream = server
        .workbooks()
        .pager()
        .page_size(page_size)
        .concurrency(concurrency)
        .stream()
        .take(items);
    let mut count = 0;
    while let Some(workbook) = stream.next().await {
        let workbook = workbook.map_err(|e| crate::chain(&e))?;
        std::hint::black_box(&workbook);
        count += 1;
    }
    drop(stream);
    session.sign_out().await.map_err(|e| crate::chain(&e))?;
    if count != items {
        return Err(format!("listed {count} workbooks, expected {items}"));
    }
    Ok(count)
}

async fn tsc_once(config: &Config) -> Result<(f64, f64, usize), String> {
    let server = tsc_server(&config.url, &config.ca).await?;
    let (cpu0, start) = (cpu::process_s(), Instant::now());
    let n = tsc_list(&server, config.items, config.page_size, config.concurrency).await?;
    Ok((start.elapsed().as_secs_f64(), cpu::process_s() - cpu0, n))
}

async fn floor_once(config: &Config) -> Result<(f64, f64, usize), String> {
    let client = floor::client(&config.ca)?;
    let (cpu0, start) = (cpu::process_s(), Instant::now());
    let bytes = floor::list_workbooks(
        &client,
        config.url.trim_end_matches('/'),
        config.items,
        config.page_size,
        config.concurrency,
    )
    .await?;
    Ok((
        start.elapsed().as_secs_f64(),
        cpu::process_s() - cpu0,
        bytes,
    ))
}

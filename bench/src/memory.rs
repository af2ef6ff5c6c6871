//! Peak resident memory while streaming `--items` workbooks through the facade's pager.
//! Run once per size in its own process: `VmHWM` is per process and never goes down.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::json;

use crate::{Options, cpu, e2e};

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let url = options.string("url")?;
    let ca = PathBuf::from(options.string("ca")?);
    let items = options.number("items", 10_000)?;
    let page_size = options.number("page-size", 100)?;
    let concurrency = options.number("concurrency", 1)?;
    let runtime = crate::current_thread_runtime()?;
    let (baseline, wall, count) = runtime.block_on(async {
        let server = e2e::tsc_server(&url, &ca).await?;
        // Everything but the stream is in place: runtime, TLS config, client.
        let baseline = cpu::rss_kib();
        let start = Instant::now();
        let count = e2e::tsc_list(&server, items, page_size, concurrency).await?;
        Ok::<_, String>((baseline, start.elapsed().as_secs_f64(), count))
    })?;
    Ok(json!({
        "items": count,
        "page_size": page_size,
        "rss_before_kib": baseline,
        "peak_rss_kib": cpu::peak_rss_kib(),
        "wall_s": wall,
    })
    .to_string())
}

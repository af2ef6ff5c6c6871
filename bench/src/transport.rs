//! Transport overhead: the same unauthenticated GET (`serverinfo`) on the same emulator,
//! sent by tsc-transport's default stack and by a bare hyper-util client, in interleaved
//! batches on one current-thread runtime. Per request: wall time and this thread's CPU
//! time (the client's whole share; the server runs in another process).

use std::path::PathBuf;
use std::time::Instant;

use http::Request;
use serde_json::json;
use tsc_transport::{Body, Certificate, Transport};

use crate::{Options, cpu, floor};

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let url = options.string("url")?;
    let ca = PathBuf::from(options.string("ca")?);
    let requests = options.number("requests", 500)?.max(1);
    let runs = options.number("runs", 5)?.max(1);
    let (major, minor) = crate::API_VERSION;
    let uri = format!(
        "{}/api/{major}.{minor}/serverinfo",
        url.trim_end_matches('/')
    );
    let runtime = crate::current_thread_runtime()?;
    let _entered = runtime.enter();
    let bare = floor::client(&ca)?;
    let stack = Transport::builder()
        .tls_certs_only([Certificate::from_pem_file(ca.clone())])
        .build()
        .map_err(|e| crate::chain(&e))?;

    let bare_get = || runtime.block_on(floor::get(&bare, &uri));
    let stack_get = || {
        runtime.block_on(async {
            let request = Request::get(&uri)
                .header(http::header::ACCEPT, "application/xml")
                .body(Body::empty())
                .map_err(|e| e.to_string())?;
            let response = stack.send(request).await.map_err(|e| crate::chain(&e))?;
            if !response.status().is_success() {
                return Err(format!("{uri}: status {}", response.status()));
            }
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| crate::chain(&e))?;
            Ok(body.len())
        })
    };
    let batch = |f: &dyn Fn() -> Result<usize, String>| -> Result<(f64, f64), String> {
        let (cpu0, start) = (cpu::thread_s(), Instant::now());
        for _ in 0..requests {
            f()?;
        }
        let n = requests as f64;
        Ok((
            start.elapsed().as_secs_f64() * 1e6 / n,
            (cpu::thread_s() - cpu0) * 1e6 / n,
        ))
    };
    // Warm-up: connections open, TLS sessions up, allocator and caches settled.
    batch(&bare_get)?;
    batch(&stack_get)?;
    let (mut bare_wall, mut bare_cpu, mut stack_wall, mut stack_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        // Alternate the order so drift favours neither.
        let (b, s) = if run % 2 == 0 {
            let b = batch(&bare_get)?;
            (b, batch(&stack_get)?)
        } else {
            let s = batch(&stack_get)?;
            (batch(&bare_get)?, s)
        };
        bare_wall.push(b.0);
        bare_cpu.push(b.1);
        stack_wall.push(s.0);
        stack_cpu.push(s.1);
    }
    Ok(json!({
        "requests_per_run": requests,
        "bare_wall_us": bare_wall,
        "bare_cpu_us": bare_cpu,
        "stack_wall_us": stack_wall,
        "stack_cpu_us": stack_cpu,
    })
    .to_string())
}

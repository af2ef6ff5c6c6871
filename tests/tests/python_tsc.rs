//! Outside-client proof: the real Python `tableauserverclient` against `tsc-testserver`.
//!
//! `cargo xtask test` creates a venv with the pinned TSC and pyjwt and sets `TSC_PYTHON`.
//! Without it this test prints SKIPPED and passes, unless `TSC_REQUIRE_PYTHON=1`.
//! The emulators run in-process on loopback; the script gets their ready lines (the same
//! JSON the binary prints) in a file.

use std::path::PathBuf;
use std::process::Command;

use tsc_testserver::{Config, ListenOptions, Route, TestServer};

const WORKBOOKS_PER_SITE: usize = 250;

#[test]
fn python_tsc_outside_client() {
    let Some(python) = std::env::var_os("TSC_PYTHON") else {
        if std::env::var("TSC_REQUIRE_PYTHON").as_deref() == Ok("1") {
            panic!("TSC_PYTHON is not set but TSC_REQUIRE_PYTHON=1");
        }
        println!(
            "SKIPPED python_tsc_outside_client: TSC_PYTHON is not set (run `cargo xtask test` to create the venv)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = TestServer::new(Config::server().workbooks_per_site(WORKBOOKS_PER_SITE));
    let cloud = TestServer::new(Config::cloud().workbooks_per_site(3));
    let (running, running_cloud) = runtime.block_on(async {
        let a = server
            .start(ListenOptions::loopback())
            .await
            .expect("start server");
        let b = cloud
            .start(ListenOptions::loopback())
            .await
            .expect("start cloud");
        (a, b)
    });
    let info = serde_json::json!({"server": running.info(), "cloud": running_cloud.info()});
    let info_file = running.ca_file.with_file_name("outside-client.json");
    std::fs::write(&info_file, info.to_string()).expect("write info file");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/tsc_outside_client.py");

    // The runtime's worker threads serve the listeners while this thread waits.
    // Loopback only: no proxy may intercept, and only the emulator's CA may be trusted.
    let output = Command::new(&python)
        .arg(&script)
        .arg(&info_file)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .expect("run the Python outside client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    if !output.status.success() {
        eprintln!("{stderr}");
    }
    let summary = stdout.lines().last().unwrap_or_default().to_owned();
    assert!(
        output.status.success(),
        "Python TSC checks failed: {summary}"
    );
    assert!(
        summary.ends_with(" passed, 0 failed"),
        "unexpected summary {summary:?}"
    );
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 12, "only {passed} checks ran");

    // What the server saw agrees with what the script claims.
    let c = server.counters();
    assert!(c.sign_ins.pat >= 6, "{c:?}");
    assert!(c.sign_ins.password >= 2, "{c:?}");
    assert_eq!(c.sign_ins.jwt, 1, "{c:?}");
    assert_eq!(c.sign_ins.impersonated, 1, "{c:?}");
    assert!(
        c.requests_for(Route::Workbooks) >= 3,
        "the pager walked 3 pages: {c:?}"
    );
    assert!(c.requests_for(Route::HttpRedirect) >= 2, "{c:?}");
    assert_eq!(c.sign_ins.switch_site, 1, "{c:?}");
    assert_eq!(c.active_sessions, 0, "every session was signed out: {c:?}");
    assert_eq!(cloud.counters().sign_ins.uat, 1);

    runtime.block_on(async {
        running.shutdown().await;
        running_cloud.shutdown().await;
    });
}

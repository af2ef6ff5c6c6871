//! Every example runs to completion against the embedded emulated server.
//!
//! `cargo test` builds the examples before it runs any test, so the binaries sit next to
//! this test's executable (`target/<profile>/examples/`). Each run is bounded in time.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// (example, extra args, a line fragment its output must contain)
const EXAMPLES: &[(&str, &[&str], &str)] = &[
    ("quickstart", &[], "signed out (signed in: false)"),
    ("sign_in_pat", &[], "signed out"),
    ("sign_in_password", &[], "signed in as analyst"),
    ("sign_in_jwt", &[], "signed in with a raw JWT"),
    ("sign_in_jwt", &["--cloud"], "with a UAT"),
    ("impersonation", &[], "and with a personal access token"),
    ("custom_ca", &[], "trusted: signed in"),
    ("insecure", &[], "signed in without verifying"),
    ("http_redirect", &[], "the client now talks to https://"),
    ("with_block", &[], "signed in afterwards: false"),
    (
        "switch_site",
        &[],
        "switching again to the same site is a no-op",
    ),
    ("custom_transport", &[], "the counting layer saw"),
    ("decode_fixtures", &[], "fixtures decoded as expected"),
];

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    // target/<profile>/deps/examples-<hash> → target/<profile>/examples
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples"))
        .expect("test executables live in target/<profile>/deps")
}

#[test]
fn every_example_runs_against_the_embedded_server() {
    let dir = examples_dir();
    let mut failures = Vec::new();
    for (name, args, expect) in EXAMPLES {
        let bin = dir.join(name);
        assert!(
            bin.exists(),
            "example binary {} is missing: run the whole `cargo test` (it builds examples), not a filtered one",
            bin.display()
        );
        let started = Instant::now();
        let mut child = Command::new(&bin)
            .args(*args)
            // The examples must not pick up a real server from the developer's environment.
            .env_remove("TSC_SERVER_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        // Bounded: a hung example is a failure, not a hung test run.
        let deadline = Duration::from_secs(120);
        loop {
            if child.try_wait().expect("wait on example").is_some() {
                break;
            }
            if started.elapsed() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("collect example output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !stdout.contains(expect) {
            failures.push(format!(
                "{name} {args:?}: status {:?}, expected output containing {expect:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                out.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

//! The `tsc-testserver` binary: one JSON line on stdout when ready, clean exit on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Spawned, serde_json::Value) {
    let child = Command::new(env!("CARGO_BIN_EXE_tsc-testserver"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let mut child = Spawned(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("ready line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    child.0.stdout = Some(reader.into_inner());
    (child, info)
}

fn terminate(mut child: Spawned) -> (bool, String) {
    let pid = child.0.id().to_string();
    let ok = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success();
    assert!(ok);
    let status = child.0.wait().expect("wait");
    let mut rest = String::new();
    if let Some(mut out) = child.0.stdout.take() {
        out.read_to_string(&mut rest).expect("read stdout");
    }
    (status.success(), rest)
}

#[test]
#[cfg(unix)]
fn server_mode_prints_the_ready_line_and_exits_on_sigterm() {
    let (child, info) = start(&[
        "--workbooks-per-site",
        "7",
        "--api-version",
        "3.25",
        "--session-ttl",
        "30m",
    ]);
    assert!(
        info["https_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://127.0.0.1:"))
    );
    assert!(
        info["http_redirect_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    let ca = info["ca_file"].as_str().expect("ca_file");
    assert!(
        std::fs::read_to_string(ca)
            .expect("CA file")
            .contains("BEGIN CERTIFICATE")
    );
    assert_eq!(info["api_version"], "3.25");
    assert_eq!(info["mode"], "server");
    assert_eq!(info["workbooks_per_site"], 7);
    assert_eq!(
        info["users"]["admin"],
        tsc_testserver::luid("user:admin").as_str()
    );
    assert!(info["users"]["analyst"].is_string());
    for site in ["", "MarketingTeam", "Finance"] {
        assert!(info["sites"][site].is_string(), "{site}");
    }
    assert_eq!(
        info["connected_app"]["secret_value"],
        tsc_testserver::CONNECTED_APP_SECRET_VALUE
    );
    assert!(info["uat"].is_null());
    let (clean, rest) = terminate(child);
    assert!(clean, "exit status 0 on SIGTERM");
    assert_eq!(rest, "", "nothing else on stdout");
    assert!(
        !std::path::Path::new(ca).exists(),
        "temporary files removed on exit"
    );
}

#[test]
#[cfg(unix)]
fn cloud_mode_reports_uat_settings() {
    let (child, info) = start(&["--cloud", "--workbooks-per-site", "1"]);
    assert_eq!(info["mode"], "cloud");
    let uat = &info["uat"];
    for key in ["issuer", "key_id", "tenant_id", "username_claim"] {
        assert!(uat[key].is_string(), "{key}");
    }
    let key_file = uat["private_key_file"].as_str().expect("key file");
    assert!(
        std::fs::read_to_string(key_file)
            .expect("key")
            .contains("BEGIN PRIVATE KEY")
    );
    assert!(terminate(child).0);
}

#[test]
fn bad_arguments_fail_without_a_ready_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc-testserver"))
        .args(["--api-version", "three"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("api_version"));
}

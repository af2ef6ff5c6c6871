//! `cargo xtask verify` — secrets, redirects, TLS, faults, load, fuzzing and bad input,
//! summarised in one table (issue 7).
//!
//! 1. `cargo run -p tsc-verify -- [--quick]` runs groups 1–5 and 7 in-process and prints one
//!    JSON line per group (`group`, `cases`, `passed`, `figure`, `failures`); its details
//!    go to stderr, which is passed through.
//! 2. Group 6: every cargo-fuzz target in `fuzz/` runs for N seconds
//!    (`cargo +nightly fuzz run <target> -- -max_total_time=N`; N = 10 with `--quick`, 60
//!    otherwise, `--fuzz-seconds N` overrides), seeded from `tests/fixtures/tsc-assets`.
//!    Without a nightly toolchain the group is SKIPPED (said loudly, never counted as passed).
//! 3. One table (case group | cases | passed | figure) and a last line `N passed, M failed`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{cargo, root};

/// The groups `tsc-verify` must report; a missing line means it crashed before.
const IN_PROCESS_GROUPS: [&str; 6] = ["1", "2", "3", "4", "5", "7"];

/// The cargo-fuzz targets over `tsc-model` alone (cheap to build).
const FUZZ_TARGETS: [&str; 3] = ["decode_responses", "request_roundtrip", "credentials_xml"];

/// The target over the emulator's JWT verification path (cargo feature `emulator`; its
/// build pulls hyper, rustls, rsa and tokio, so `--quick` leaves it out).
const EMULATOR_FUZZ_TARGET: &str = "jwt_sign_in";

/// Selectors of `decode_responses` (its `DECODERS`): each fixture is seeded once per decoder.
const DECODERS: u8 = 17;

/// One row of the table.
#[derive(Debug, Default, Clone, PartialEq)]
struct Row {
    group: String,
    cases: u64,
    passed: u64,
    figure: String,
    failures: Vec<String>,
}

struct Options {
    quick: bool,
    fuzz_seconds: u64,
}

/// The targets to run; without `--quick` every command gets `--features emulator` (one
/// feature set for build and runs, so nothing is rebuilt between targets).
fn fuzz_targets(quick: bool) -> Vec<&'static str> {
    let mut targets = FUZZ_TARGETS.to_vec();
    if !quick {
        targets.push(EMULATOR_FUZZ_TARGET);
    }
    targets
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let quick = args.iter().any(|a| a == "--quick");
    let mut fuzz_seconds = if quick { 10 } else { 60 };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => {}
            "--fuzz-seconds" => {
                let n = it.next().ok_or("--fuzz-seconds needs a number")?;
                fuzz_seconds = n
                    .parse()
                    .map_err(|_| format!("--fuzz-seconds: `{n}` is not a number"))?;
            }
            other => return Err(format!("verify: unknown argument `{other}`")),
        }
    }
    Ok(Options {
        quick,
        fuzz_seconds,
    })
}

/// Runs the verification suite.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse_args(args)?;
    let started = Instant::now();
    let mut rows = in_process(options.quick);
    rows.push(examples());
    let in_process_time = started.elapsed();
    let fuzz_started = Instant::now();
    let (fuzz_row, skipped) = fuzz(options.fuzz_seconds, options.quick);
    let fuzz_time = fuzz_started.elapsed();
    if let Some(row) = fuzz_row {
        rows.push(row);
    }
    rows.sort_by(|a, b| a.group.cmp(&b.group));

    println!();
    print!("{}", table(&rows));
    for row in &rows {
        for f in &row.failures {
            println!("  FAILED [{}] {f}", row.group);
        }
    }
    if let Some(why) = &skipped {
        println!();
        println!("!!!!!!!!!! SKIPPED: group 6 (fuzzing) did not run: {why} !!!!!!!!!!");
        println!("!!!!!!!!!! its cases are counted neither as passed nor as failed  !!!!!!!!!!");
    }
    println!(
        "\n(time: in-process groups incl. build {:.0?}, fuzzing incl. build {:.0?}, total {:.0?})",
        in_process_time,
        fuzz_time,
        started.elapsed()
    );
    let cases: u64 = rows.iter().map(|r| r.cases).sum();
    let passed: u64 = rows.iter().map(|r| r.passed).sum();
    println!("{passed} passed, {} failed", cases - passed);
    if cases != passed {
        // The summary must stay the last line: exit here rather than return an error that
        // main would print after it. The failures are listed above the table's end.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::process::exit(1);
    }
    Ok(())
}

/// The emulator's published test secrets (tsc-testserver's `data.rs`): every example
/// signs in with them, so none may appear in an example's output.
const EMULATOR_SECRETS: [&str; 4] = [
    "analyst-password",
    "admin-password",
    "quickstart-secret",
    "tsc-testserver-connected-app-secret-value-do-not-use-in-production",
];

/// Step 1b (part of group 1): every example of `crates/tsc/examples` runs against its
/// embedded emulator with `RUST_LOG=trace`; its stdout and stderr must hold none of the
/// emulator's secrets, no fixture session token and nothing shaped like a JWT.
fn examples() -> Row {
    let mut row = Row {
        group: "1b secret leaks: examples".into(),
        ..Row::default()
    };
    let root = root();
    println!("\n==> cargo build -p tsc --examples, then run each with RUST_LOG=trace");
    let built = cargo()
        .args(["build", "-p", "tsc", "--examples"])
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        row.cases = 1;
        row.figure = "-".into();
        row.failures
            .push("`cargo build -p tsc --examples` failed".into());
        return row;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut secrets: Vec<String> = EMULATOR_SECRETS.iter().map(|s| s.to_string()).collect();
    for fixture in ["auth_sign_in.xml", "auth_sign_in_impersonate.xml"] {
        let text = std::fs::read_to_string(root.join("tests/fixtures/tsc-assets").join(fixture))
            .unwrap_or_default();
        if let Some(token) = text
            .split("token=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            secrets.push(token.to_owned());
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(root.join("crates/tsc/examples"))
        .map(|dir| {
            dir.filter_map(|e| {
                e.ok()?
                    .path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .filter(|n| n != "common")
            .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut runs: Vec<(String, Vec<&str>)> = names.iter().map(|n| (n.clone(), vec![])).collect();
    if names.iter().any(|n| n == "sign_in_jwt") {
        runs.push(("sign_in_jwt".into(), vec!["--cloud"]));
    }
    let mut lines = 0usize;
    let mut leaks = 0usize;
    for (name, args) in &runs {
        row.cases += 1;
        let label = format!("example {name} {}", args.join(" "))
            .trim()
            .to_owned();
        let exe = target.join("debug/examples").join(name);
        let mut cmd = Command::new(&exe);
        cmd.args(args)
            .current_dir(&root)
            .env("RUST_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The examples must use their embedded emulator, not a server from the environment.
        for (key, _) in std::env::vars() {
            if key.starts_with("TSC_") {
                cmd.env_remove(key);
            }
        }
        match run_bounded(cmd, std::time::Duration::from_secs(120)) {
            Err(e) => row.failures.push(format!("{label}: {e}")),
            Ok((ok, output)) => {
                lines += output.lines().count();
                let found: Vec<&String> = secrets
                    .iter()
                    .filter(|s| output.contains(s.as_str()))
                    .collect();
                let jwt = output.lines().find(|l| looks_like_jwt(l));
                if !found.is_empty() || jwt.is_some() {
                    leaks += found.len() + usize::from(jwt.is_some());
                    row.failures.push(format!(
                        "{label}: output shows {} known secret(s){}",
                        found.len(),
                        if jwt.is_some() { " and a JWT" } else { "" }
                    ));
                } else if !ok {
                    let tail: Vec<&str> = output.lines().rev().take(3).collect();
                    row.failures
                        .push(format!("{label}: failed: {}", tail.join(" / ")));
                } else {
                    row.passed += 1;
                }
            }
        }
    }
    row.figure = format!(
        "{} runs, {lines} output lines scanned, {leaks} leaks",
        row.cases
    );
    row
}

/// Runs `cmd`, killing it after `limit`; `(success, stdout + stderr)`.
fn run_bounded(mut cmd: Command, limit: std::time::Duration) -> Result<(bool, String), String> {
    let mut child = cmd.spawn().map_err(|e| format!("could not start: {e}"))?;
    let started = Instant::now();
    // Read both pipes on threads so a chatty child cannot block on a full pipe.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not finish within {limit:?}"));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    Ok((status.success(), text))
}

/// `eyJ` + base64url + `.` + base64url + `.`: a JWT (its header is base64url JSON).
fn looks_like_jwt(text: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        let parts: Vec<&str> = rest[i..].splitn(3, '.').collect();
        if parts.len() == 3
            && parts[0].len() >= 10
            && parts[0].chars().all(b64)
            && parts[1].len() >= 10
            && parts[1].chars().all(b64)
        {
            return true;
        }
        rest = &rest[i + 3..];
    }
    false
}

/// Step 1: the in-process groups.
fn in_process(quick: bool) -> Vec<Row> {
    println!(
        "\n==> cargo run -p tsc-verify{}",
        if quick { " -- --quick" } else { "" }
    );
    let mut cmd = cargo();
    cmd.args(["run", "-p", "tsc-verify", "--"]);
    if quick {
        cmd.arg("--quick");
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return vec![Row {
                group: "1-5,7 in-process".into(),
                cases: 1,
                failures: vec![format!("could not start cargo run: {e}")],
                ..Row::default()
            }];
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut rows: Vec<Row> = stdout.lines().filter_map(parse_row).collect();
    for g in IN_PROCESS_GROUPS {
        if !rows
            .iter()
            .any(|r| r.group.split_whitespace().next() == Some(g))
        {
            rows.push(Row {
                group: format!("{g} (no report)"),
                cases: 1,
                passed: 0,
                figure: "-".into(),
                failures: vec![format!(
                    "tsc-verify printed no line for group {g} (exit status {}): it failed to build or crashed",
                    output.status
                )],
            });
        }
    }
    rows
}

/// Step 2: fuzzing. Returns the row, or why the group was skipped.
fn fuzz(seconds: u64, quick: bool) -> (Option<Row>, Option<String>) {
    let targets = fuzz_targets(quick);
    println!("\n==> fuzzing: {} targets × {seconds} s", targets.len());
    let nightly = Command::new("cargo")
        .args(["+nightly", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !nightly {
        return (
            None,
            Some("no nightly toolchain (`cargo +nightly` failed); install one with `rustup toolchain install nightly`".into()),
        );
    }
    let has_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_fuzz {
        println!("    cargo-fuzz is absent: cargo install --locked cargo-fuzz");
        let installed = cargo()
            .args(["install", "--locked", "cargo-fuzz"])
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return (
                Some(Row {
                    group: "6 fuzzing".into(),
                    cases: 1,
                    figure: "-".into(),
                    failures: vec!["`cargo install --locked cargo-fuzz` failed".into()],
                    ..Row::default()
                }),
                None,
            );
        }
    }
    let root = root();
    if let Err(e) = seed_corpora(&root) {
        return (
            Some(Row {
                group: "6 fuzzing".into(),
                cases: 1,
                figure: "-".into(),
                failures: vec![format!("seeding the corpora failed: {e}")],
                ..Row::default()
            }),
            None,
        );
    }

    let mut row = Row {
        group: "6 fuzzing".into(),
        ..Row::default()
    };
    let build_started = Instant::now();
    let mut build = fuzz_cmd(&root);
    build.arg("build");
    if !quick {
        build.args(["--features", "emulator"]);
    }
    let built = build.status().is_ok_and(|s| s.success());
    let build_time = build_started.elapsed();
    if !built {
        row.cases = targets.len() as u64;
        row.figure = "fuzz build failed".into();
        row.failures
            .push("`cargo +nightly fuzz build` failed".into());
        return (Some(row), None);
    }
    let mut figures = Vec::new();
    for target in targets {
        row.cases += 1;
        println!("\n==> cargo +nightly fuzz run {target} -- -max_total_time={seconds}");
        let mut run = fuzz_cmd(&root);
        run.args(["run", target]);
        if !quick {
            run.args(["--features", "emulator"]);
        }
        let output = run
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output();
        match output {
            Err(e) => row.failures.push(format!("{target}: could not start: {e}")),
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
                for line in tail.iter().rev() {
                    eprintln!("    {line}");
                }
                let runs = executions(&stderr);
                if out.status.success() {
                    row.passed += 1;
                    figures.push(format!("{target} {}", human(runs.unwrap_or(0))));
                } else {
                    let why = stderr
                        .lines()
                        .find(|l| {
                            l.contains("panicked") || l.contains("ERROR") || l.contains("SUMMARY")
                        })
                        .unwrap_or("non-zero exit")
                        .trim()
                        .to_owned();
                    figures.push(format!("{target} CRASH"));
                    row.failures.push(format!(
                        "{target}: {why} (reproducer under fuzz/artifacts/{target}/)"
                    ));
                }
            }
        }
    }
    row.figure = format!(
        "{} execs in {seconds} s each, {} crashes (build {:.0?}){}",
        figures.join(", "),
        row.cases - row.passed,
        build_time,
        if quick {
            format!("; {EMULATOR_FUZZ_TARGET} only without --quick")
        } else {
            String::new()
        }
    );
    (Some(row), None)
}

fn fuzz_cmd(root: &Path) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(root).args(["+nightly", "fuzz"]);
    // Fuzz builds (nightly, sanitizer flags) share nothing with the main build: with a
    // custom target dir, keep them next to it instead of mixing them in; else fuzz/target.
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let mut fuzz_dir = dir;
        fuzz_dir.push("-fuzz");
        c.env("CARGO_TARGET_DIR", fuzz_dir);
    }
    c
}

/// Copies the fixtures into `fuzz/corpus/<target>/` (gitignored), shaped per target.
fn seed_corpora(root: &Path) -> Result<(), String> {
    let fixtures = root.join("tests/fixtures/tsc-assets");
    let mut bodies: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(&fixtures).map_err(|e| format!("{}: {e}", fixtures.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "xml" || x == "html") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            bodies.push((
                name,
                std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            ));
        }
    }
    let corpus = |t: &str| -> Result<PathBuf, String> {
        let dir = root.join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(dir)
    };
    let write = |dir: &Path, name: &str, data: &[u8]| {
        std::fs::write(dir.join(name), data).map_err(|e| format!("{name}: {e}"))
    };
    let dir = corpus("decode_responses")?;
    for (name, body) in &bodies {
        for selector in 0..DECODERS {
            let mut seed = vec![selector];
            seed.extend_from_slice(body);
            write(&dir, &format!("{name}-{selector}"), &seed)?;
        }
    }
    // JSON bodies for the JSON decoders (selectors 11..=16).
    let json: [(u8, &[u8]); 6] = [
        (11, br#"{"credentials":{"site":{"id":"6b7179ba-b82b-4f0f-91ed-812074ac5da6","contentUrl":""},"user":{"id":"1a96d216-e9b8-497b-a82a-0b899a965e01"},"token":"t0k","estimatedTimeToExpiration":"365:23:59:59"}}"#),
        (12, br#"{"serverInfo":{"productVersion":{"value":"2025.1.0","build":"20251.25.0101.1234"},"restApiVersion":"3.27"}}"#),
        (13, br#"{"error":{"code":"401002","summary":"Unauthorized Access","detail":"Invalid authentication credentials were provided."}}"#),
        (14, br#"{"pagination":{"pageNumber":"1","pageSize":"100","totalAvailable":"1"},"workbooks":{"workbook":[{"id":"w1","name":"Sales","contentUrl":"Sales","project":{"id":"p","name":"default"},"owner":{"id":"o"},"tags":{"tag":[{"label":"x"}]}}]}}"#),
        (15, br#"{"workbook":{"id":"w1","name":"Sales","contentUrl":"Sales","createdAt":"2024-01-01T00:00:00Z"}}"#),
        (16, br#"{"credentials":{"personalAccessTokenName":"ci","personalAccessTokenSecret":"s3cret","site":{"contentUrl":"Sales"}}}"#),
    ];
    for (selector, body) in json {
        let mut seed = vec![selector];
        seed.extend_from_slice(body);
        write(&dir, &format!("json-{selector}"), &seed)?;
    }
    let requests: [&[u8]; 5] = [
        br#"<tsRequest><credentials name="admin" password="pw"><site contentUrl="" /></credentials></tsRequest>"#,
        br#"<tsRequest><credentials personalAccessTokenName="ci" personalAccessTokenSecret="s3cret"><site contentUrl="Sales" /></credentials></tsRequest>"#,
        br#"<tsRequest><credentials jwt="eyJhbGciOiJIUzI1NiJ9.e30.sig" isUat="false"><site contentUrl="" /><user id="dd2239f6-ddf1-4107-981a-4cf94e415794" /></credentials></tsRequest>"#,
        br#"<tsRequest><credentials jwt="eyJhbGciOiJSUzI1NiJ9.e30.sig" isUat="true"><site contentUrl="MarketingTeam" /></credentials></tsRequest>"#,
        br#"<tsRequest><site contentUrl="Finance" /></tsRequest>"#,
    ];
    let dir = corpus("credentials_xml")?;
    for (i, r) in requests.iter().enumerate() {
        write(&dir, &format!("request-{i}"), r)?;
    }
    for (name, body) in &bodies {
        write(&dir, name, body)?;
    }
    let dir = corpus("request_roundtrip")?;
    let fields: [&[u8]; 6] = [
        b"\x00admin\x1fpw\x1f\x1f",
        b"\x81ci\x1fs3cret\x1fSales\x1fdd2239f6-ddf1-4107-981a-4cf94e415794",
        b"\x02\x1feyJhbGciOiJIUzI1NiJ9.e30.sig\x1fMarketingTeam",
        b"\x03\x1feyJ.e30.sig\x1f",
        b"\x00a&b<c>\"d'\x1fp\tw\nx\ry\x1fs&amp;\x1f",
        b"\x80\xc3\xa9l\xc3\xa8ve\x1f\xe2\x9c\x93\x1f\xf0\x9f\x98\x80\x1f",
    ];
    for (i, f) in fields.iter().enumerate() {
        write(&dir, &format!("fields-{i}"), f)?;
    }
    let dir = corpus(EMULATOR_FUZZ_TARGET)?;
    let jwts: [&[u8]; 5] = [
        b"\x00eyJhbGciOiJIUzI1NiIsImtpZCI6ImsiLCJpc3MiOiJpIn0.eyJzdWIiOiJhZG1pbiJ9.c2ln",
        b"\x01{\"iss\":\"i\",\"exp\":9999999999,\"jti\":\"a\",\"aud\":\"tableau\",\"sub\":\"admin\",\"scp\":[\"tableau:content:read\"]}",
        b"\x01{\"iss\":\"i\",\"exp\":1,\"jti\":\"a\",\"aud\":\"tableau\",\"sub\":\"nobody\",\"scp\":[]}",
        b"\x02{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k\",\"iss\":\"i\"}",
        b"\x03eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbkBleGFtcGxlLmNvbSJ9.c2ln",
    ];
    for (i, j) in jwts.iter().enumerate() {
        write(&dir, &format!("jwt-{i}"), j)?;
    }
    Ok(())
}

/// libFuzzer's total executions: `Done 812345 runs in 11 second(s)`, else the last
/// `#N` status line.
fn executions(stderr: &str) -> Option<u64> {
    for line in stderr.lines().rev() {
        if let Some(rest) = line.trim().strip_prefix("Done ")
            && let Some(n) = rest.split_whitespace().next().and_then(|n| n.parse().ok())
        {
            return Some(n);
        }
    }
    stderr.lines().rev().find_map(|l| {
        let l = l.trim().strip_prefix('#')?;
        l.split_whitespace().next()?.parse().ok()
    })
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 1_000 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

/// The table, with column widths fitted to the content.
fn table(rows: &[Row]) -> String {
    let head = ["case group", "cases", "passed", "figure"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.group.clone(),
                r.cases.to_string(),
                r.passed.to_string(),
                r.figure.clone(),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w = [width(0), width(1), width(2), width(3)];
    let line = |c: [&str; 4]| {
        format!(
            "| {:<w0$} | {:>w1$} | {:>w2$} | {:<w3$} |\n",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        )
    };
    let mut out = line(head);
    out.push_str(&format!(
        "|{}|{}|{}|{}|\n",
        "-".repeat(w[0] + 2),
        "-".repeat(w[1] + 2),
        "-".repeat(w[2] + 2),
        "-".repeat(w[3] + 2)
    ));
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3]]));
    }
    out
}

/// Reads one JSON line of `tsc-verify` (a flat object: strings, integers and one array of
/// strings). Hand-written because xtask has no dependencies; `None` for any other line.
fn parse_row(line: &str) -> Option<Row> {
    let line = line.trim();
    if !line.starts_with('{') || !line.ends_with('}') {
        return None;
    }
    let mut p = JsonCursor {
        s: line.as_bytes(),
        i: 1,
    };
    let mut row = Row::default();
    loop {
        p.ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.ws();
        if !p.eat(b':') {
            return None;
        }
        p.ws();
        match key.as_str() {
            "group" => row.group = p.string()?,
            "figure" => row.figure = p.string()?,
            "cases" => row.cases = p.number()?,
            "passed" => row.passed = p.number()?,
            "failures" => row.failures = p.strings()?,
            _ => return None,
        }
        p.ws();
        p.eat(b',');
    }
    if row.group.is_empty() {
        None
    } else {
        Some(row)
    }
}

struct JsonCursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonCursor<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        std::str::from_utf8(self.s.get(start..self.i)?)
            .ok()?
            .parse()
            .ok()
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        if !self.eat(b'[') {
            return None;
        }
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.eat(b']') {
                return Some(out);
            }
            out.push(self.string()?);
            self.ws();
            self.eat(b',');
        }
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.s.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' | b'f' => out.push(b' '),
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            let mut code = u32::from_str_radix(hex, 16).ok()?;
                            // A surrogate pair: \uD83D\uDE00.
                            if (0xD800..0xDC00).contains(&code)
                                && self.s.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let low = std::str::from_utf8(self.s.get(self.i + 2..self.i + 6)?)
                                    .ok()?;
                                let low = u32::from_str_radix(low, 16).ok()?;
                                self.i += 6;
                                code = 0x10000
                                    + ((code - 0xD800) << 10)
                                    + (low.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_group_line() {
        let row = parse_row(
            r#"{"cases":80,"failures":["301 Loop: expected \"x\"","é \u00e9 \ud83d\ude00"],"figure":"80 cases, 0 credential leaks","group":"2 redirects","passed":78}"#,
        )
        .expect("a row");
        assert_eq!(row.group, "2 redirects");
        assert_eq!((row.cases, row.passed), (80, 78));
        assert_eq!(row.figure, "80 cases, 0 credential leaks");
        assert_eq!(
            row.failures,
            vec!["301 Loop: expected \"x\"".to_owned(), "é é 😀".to_owned()]
        );
        assert!(parse_row("  ok    2 redirects: 301 SameOrigin").is_none());
        assert!(parse_row("{}").is_none());
    }

    #[test]
    fn reads_libfuzzer_executions() {
        let out = "#524288\tpulse  cov: 1 ft: 2 corp: 3/4b exec/s: 5 rss: 6Mb\nDone 812345 runs in 11 second(s)\n";
        assert_eq!(executions(out), Some(812_345));
        assert_eq!(executions("#4096\tpulse  cov: 1\n"), Some(4096));
        assert_eq!(executions("nothing"), None);
    }

    #[test]
    fn table_has_a_header_and_one_line_per_row() {
        let rows = vec![Row {
            group: "7 bad input".into(),
            cases: 20,
            passed: 20,
            figure: "20 inputs refused".into(),
            failures: vec![],
        }];
        let t = table(&rows);
        assert_eq!(t.lines().count(), 3);
        assert!(
            t.lines()
                .next()
                .is_some_and(|l| l.contains("case group") && l.contains("figure"))
        );
        assert!(t.contains("| 7 bad input |    20 |     20 | 20 inputs refused |"));
    }

    #[test]
    fn recognises_jwts_in_output() {
        assert!(looks_like_jwt(
            "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2ZXJpZnkifQ.c2ln"
        ));
        assert!(!looks_like_jwt("JwtAuth { jwt: [REDACTED] }"));
    }

    #[test]
    fn bounded_runs_report_output_and_kill_hangs() {
        let mut echo = Command::new("sh");
        echo.args(["-c", "echo out; echo err >&2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (ok, text) = run_bounded(echo, std::time::Duration::from_secs(10)).expect("runs");
        assert!(ok && text.contains("out") && text.contains("err"));
        let mut hang = Command::new("sleep");
        hang.arg("30").stdout(Stdio::piped()).stderr(Stdio::piped());
        assert!(run_bounded(hang, std::time::Duration::from_millis(200)).is_err());
    }

    #[test]
    fn fuzz_seconds_override_quick() {
        let o = parse_args(&["--quick".into()]).expect("ok");
        assert_eq!((o.quick, o.fuzz_seconds), (true, 10));
        let o = parse_args(&["--quick".into(), "--fuzz-seconds".into(), "600".into()]).expect("ok");
        assert_eq!(o.fuzz_seconds, 600);
        assert_eq!(parse_args(&[]).expect("ok").fuzz_seconds, 60);
        assert!(parse_args(&["--bogus".into()]).is_err());
    }
}

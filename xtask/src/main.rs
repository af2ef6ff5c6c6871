//! `cargo xtask` — the project's automation, in Rust so it runs wherever cargo does.
//!
//! * `cargo xtask test` — the README's test command: prepares the Python virtual environment
//!   used by the outside-client test (real `tableauserverclient`), then runs every test of the
//!   workspace and prints one summary line `tests: N passed, M failed, K skipped`.
//! * `cargo xtask ci [--no-test]` — fmt, clippy, the test command, docs, the sans-IO check of
//!   `tsc-model`, and `cargo deny check bans licenses sources`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

mod bench;
mod python;
mod verify;

/// The test command README.md documents; `.ci/run` calls exactly this.
const TEST_COMMAND: &str = "cargo xtask test";

/// Crates `tsc-model` must never depend on, directly or not: it is sans-IO.
const MODEL_FORBIDDEN_DEPS: &[&str] = &["tokio", "hyper", "hyper-util", "tower", "mio", "socket2"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => {
            usage();
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        "test" => test(rest),
        "ci" => ci(rest),
        "check-model-deps" => check_model_deps(),
        "verify" => verify::run(rest),
        "bench" => bench::run(rest),
        "-h" | "--help" | "help" => {
            usage();
            Ok(())
        }
        other => Err(format!("unknown xtask command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <command>\n\n\
         commands:\n  \
         test                 run every test (sets up the Python venv for the outside-client test)\n  \
         ci [--no-test]       fmt, clippy, tests, docs, sans-IO check, cargo-deny\n  \
         check-model-deps     fail if tsc-model depends on an I/O crate\n  \
         verify [--quick] [--fuzz-seconds N]   secrets, redirects, TLS, faults, load, fuzzing, bad input\n  \
         bench [--quick]      benchmarks vs the bare-hyper floor and Python TSC; report + chart"
    );
}

/// The workspace root (the parent of this crate's manifest directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(step: &str, mut cmd: Command) -> Result<(), String> {
    println!("\n==> {step}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step}: failed ({status})"))
    }
}

/// Runs `cargo test --workspace` (lib, bins, integration tests, examples, doctests), streams its
/// output and sums the `test result:` lines into one closing summary line.
fn test(args: &[String]) -> Result<(), String> {
    let venv = python::prepare_venv(&root());
    if venv.is_none() && env::var("CI").is_ok_and(|v| v == "true") {
        return Err(
            "CI=true but the Python venv for the outside-client test could not be prepared".into(),
        );
    }
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]).args(args);
    if let Some(py) = &venv {
        cmd.env("TSC_PYTHON", py);
    }
    println!("\n==> cargo test --workspace {}", args.join(" "));
    cmd.stdout(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start cargo test: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut totals = Totals::default();
    use std::io::{BufRead, BufReader};
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading cargo test output: {e}"))?;
        println!("{line}");
        totals.add_line(&line);
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo test: {e}"))?;
    println!(
        "\ntest binaries: {}; python outside-client test: {}",
        totals.binaries,
        if venv.is_some() {
            "ran (venv ready)"
        } else {
            "skipped (no Python venv; see messages above)"
        }
    );
    println!(
        "tests: {} passed, {} failed, {} skipped",
        totals.passed, totals.failed, totals.ignored
    );
    if status.success() && totals.failed == 0 {
        Ok(())
    } else {
        Err(format!("cargo test failed ({status})"))
    }
}

#[derive(Default, Debug, PartialEq)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
    binaries: u64,
}

impl Totals {
    /// Reads one line of libtest output such as
    /// `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; ...`.
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        self.binaries += 1;
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            // "ok. 12 passed" / "FAILED. 3 passed" / "0 failed" / "1 ignored"
            if let [.., n, what] = words.as_slice() {
                let Ok(n) = n.parse::<u64>() else { continue };
                match *what {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    "ignored" => self.ignored += n,
                    _ => {}
                }
            }
        }
    }
}

fn ci(args: &[String]) -> Result<(), String> {
    let no_test = args.iter().any(|a| a == "--no-test");
    let mut skipped: Vec<String> = Vec::new();

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run("cargo fmt --check", fmt)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(
        "cargo clippy --workspace --all-targets -- -D warnings",
        clippy,
    )?;

    if no_test {
        skipped.push(format!(
            "tests: `{TEST_COMMAND}` was not run here because --no-test was given (.ci/run runs it just before)"
        ));
    } else {
        println!("\n==> {TEST_COMMAND}");
        test(&[])?;
    }

    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    run("cargo doc --workspace --no-deps (warnings denied)", doc)?;

    check_model_deps()?;

    match ensure_cargo_deny() {
        Ok(()) => {
            let mut deny = cargo();
            deny.args(["deny", "check", "bans", "licenses", "sources"]);
            run("cargo deny check bans licenses sources", deny)?;
            skipped.push(
                "cargo deny check advisories: configured in deny.toml but not run (needs the advisory database from the internet)".into(),
            );
        }
        Err(e) => return Err(format!("cargo-deny unavailable: {e}")),
    }

    println!("\n==> xtask ci: all steps passed");
    for s in &skipped {
        println!("    skipped: {s}");
    }
    Ok(())
}

fn ensure_cargo_deny() -> Result<(), String> {
    let present = cargo()
        .args(["deny", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    let mut install = cargo();
    install.args(["install", "--locked", "cargo-deny"]);
    run("cargo install --locked cargo-deny (absent)", install)
}

/// Fails when `tsc-model` (normal dependencies, transitively) pulls an I/O crate.
fn check_model_deps() -> Result<(), String> {
    println!("\n==> tsc-model stays sans-IO (cargo tree -p tsc-model -e normal)");
    let out = cargo()
        .args([
            "tree",
            "-p",
            "tsc-model",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    let bad = forbidden_in_tree(&tree);
    if bad.is_empty() {
        println!(
            "    ok: {} packages, none of {:?}",
            tree.lines().count(),
            MODEL_FORBIDDEN_DEPS
        );
        Ok(())
    } else {
        Err(format!(
            "tsc-model must stay sans-IO but depends on: {}",
            bad.join(", ")
        ))
    }
}

fn forbidden_in_tree(tree: &str) -> Vec<String> {
    let mut bad: Vec<String> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| MODEL_FORBIDDEN_DEPS.contains(name))
        .map(str::to_owned)
        .collect();
    bad.sort();
    bad.dedup();
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let mut t = Totals::default();
        t.add_line("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        t.add_line(
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        t.add_line("running 3 tests");
        assert_eq!(
            t,
            Totals {
                passed: 15,
                failed: 2,
                ignored: 1,
                binaries: 2
            }
        );
    }

    #[test]
    fn finds_forbidden_crates_in_a_tree() {
        let tree =
            "tsc-model v0.1.0\nserde v1.0.0\ntokio v1.54.0\nhyper v1.12.0 (*)\ntokio v1.54.0\n";
        assert_eq!(forbidden_in_tree(tree), vec!["hyper", "tokio"]);
        assert!(forbidden_in_tree("tsc-model v0.1.0\nquick-xml v0.42.0\n").is_empty());
    }
}

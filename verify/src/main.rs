//! `tsc-verify` — the in-process part of `cargo xtask verify` (issue 7).
//!
//! Runs the case groups against real loopback servers (our own small hyper servers and the
//! `tsc-testserver` emulator) and prints **one JSON line per group** on stdout:
//! `{"group", "cases", "passed", "figure", "failures"}`; the details of every case go to
//! stderr. The process exits non-zero when a case failed.
//!
//! Groups: 1 secret leaks, 2 redirect matrix, 3 TLS matrix, 4 faults, 5 load, 7 bad input
//! (6, fuzzing, is run by the xtask with cargo-fuzz). `--quick` shrinks the load group.
//! `--only N[,M…]` runs only those groups (for iterating on one).
//!
//! A process-wide tracing subscriber captures every event at TRACE (and `log` records) for
//! the secret scan of group 1, which therefore runs last and scans the whole run's output.

mod bad_input;
mod faults;
mod load;
mod redirects;
mod secrets;
mod support;
mod tls;

use std::process::ExitCode;

use support::{Ctx, GroupReport};
use tracing_subscriber::filter::LevelFilter;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Option<Vec<u32>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        });
    let wanted = |g: u32| only.as_ref().is_none_or(|o| o.contains(&g));

    let ctx = match Ctx::install() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tsc-verify: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tsc-verify: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reports = runtime.block_on(async {
        let mut reports: Vec<GroupReport> = Vec::new();
        if wanted(7) {
            reports.push(emit(bad_input::run(&ctx).await));
        }
        if wanted(2) {
            reports.push(emit(redirects::run(&ctx).await));
        }
        if wanted(3) {
            reports.push(emit(tls::run(&ctx).await));
        }
        if wanted(4) {
            reports.push(emit(faults::run(&ctx).await));
        }
        if wanted(5) {
            // Formatting every TRACE event would measure the formatter, not the client.
            ctx.set_level(LevelFilter::INFO);
            let requests = if quick { 2_000 } else { 10_000 };
            reports.push(emit(load::run(&ctx, requests).await));
            ctx.set_level(LevelFilter::TRACE);
        }
        if wanted(1) {
            // Last: it scans the log and the captured strings of the whole run.
            reports.push(emit(secrets::run(&ctx).await));
        }
        reports
    });
    if reports.iter().all(|r| r.passed == r.cases) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the group's JSON line at once (so a later crash still leaves earlier results).
fn emit(report: GroupReport) -> GroupReport {
    println!("{}", report.json());
    eprintln!(
        "== group {}: {}/{} passed — {}",
        report.group, report.passed, report.cases, report.figure
    );
    report
}

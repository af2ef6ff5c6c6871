//! `tsc-testserver`: runs the emulator on loopback and prints one JSON line when ready.
//!
//! Everything else (logs) goes to stderr. Exits cleanly on SIGINT and SIGTERM.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tsc_testserver::{Config, ListenOptions, TestServer};

/// An emulated Tableau Server / Tableau Cloud REST API on loopback.
#[derive(Parser, Debug)]
#[command(name = "tsc-testserver", version)]
struct Args {
    /// Emulate Tableau Cloud instead of Tableau Server.
    #[arg(long)]
    cloud: bool,
    /// HTTPS port (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port of the plain-HTTP listener that redirects to HTTPS (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    redirect_port: u16,
    /// Also serve the API over plain HTTP (no TLS) on this port (0 = pick a free one).
    #[arg(long)]
    plain_http_port: Option<u16>,
    /// Session lifetime, e.g. `240m`, `2h`, `90s` (a bare number means minutes).
    #[arg(long, value_parser = parse_duration)]
    session_ttl: Option<Duration>,
    /// Workbooks generated per site.
    #[arg(long)]
    workbooks_per_site: Option<usize>,
    /// Highest REST API version served.
    #[arg(long)]
    api_version: Option<String>,
    /// JSON configuration file (see the README); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Status of the HTTP→HTTPS redirect: 301, 302, 307 or 308.
    #[arg(long)]
    redirect_status: Option<u16>,
    /// Serve the legacy `GET /auth?format=xml` endpoint.
    #[arg(long)]
    legacy_auth_endpoint: bool,
    /// Bind this address instead of 127.0.0.1 (prints a warning unless loopback).
    #[arg(long)]
    bind: Option<IpAddr>,
    /// Directory for ca.pem and the UAT key (default: a temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "m"),
    };
    let n: u64 = num.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let secs = match unit {
        "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("unknown unit in {s:?} (use s, m or h)")),
    };
    if secs == 0 {
        return Err("the session TTL must be positive".into());
    }
    Ok(Duration::from_secs(secs))
}

fn build_config(args: &Args) -> Result<Config, tsc_testserver::Error> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None if args.cloud => Config::cloud(),
        None => Config::server(),
    };
    if args.cloud && config.mode() != tsc_testserver::Mode::Cloud {
        // --cloud switches profile but keeps what the file said otherwise.
        let ttl_was_default = config.session_ttl_value() == tsc_testserver::SERVER_SESSION_TTL;
        config = config.cloud_mode();
        if ttl_was_default {
            config = config.session_ttl(tsc_testserver::CLOUD_SESSION_TTL);
        }
    }
    if let Some(ttl) = args.session_ttl {
        config = config.session_ttl(ttl);
    }
    if let Some(n) = args.workbooks_per_site {
        config = config.workbooks_per_site(n);
    }
    if let Some(v) = &args.api_version {
        config = config.api_version(v.clone());
    }
    if let Some(s) = args.redirect_status {
        config = config.redirect_status(s);
    }
    if args.legacy_auth_endpoint {
        config = config.legacy_auth_endpoint(true);
    }
    Ok(config)
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before
/// the ready line is printed), so a signal sent right after the line is never missed.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn run(args: Args) -> Result<(), tsc_testserver::Error> {
    let config = build_config(&args)?;
    let server = TestServer::try_new(config)?;
    let mut options = ListenOptions::loopback()
        .https_port(args.port)
        .redirect_port(args.redirect_port);
    if let Some(addr) = args.bind {
        if !addr.is_loopback() {
            eprintln!(
                "WARNING: binding {addr}: the emulator's well-known credentials become reachable from the network"
            );
        }
        options = options.bind(addr);
    }
    if let Some(p) = args.plain_http_port {
        options = options.plain_http(p);
    }
    if let Some(d) = &args.dir {
        options = options.dir(d.clone());
    }
    let signal = shutdown_signal().map_err(|e| tsc_testserver::Error::Io {
        what: "cannot install signal handlers".to_owned(),
        source: e,
    })?;
    let running = server.start(options).await?;
    let line = running.info().to_string();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    tracing::info!(https = %running.https_url, "tsc-testserver ready");
    signal.await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TSC_TESTSERVER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tsc-testserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("tsc-testserver: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("240m"), Ok(Duration::from_secs(14_400)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(900)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
    }
}

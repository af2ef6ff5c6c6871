//! `tsc-bench`: the measuring half of `cargo xtask bench` (issue 8).
//!
//! Each subcommand measures one thing in this process and prints ONE JSON line on stdout
//! with the raw samples; `cargo xtask bench` runs the subcommands as child processes (so
//! CPU time and peak memory are per scenario), computes medians and ratios and writes the
//! report. Timing never decides pass/fail anywhere.
//!
//! ```text
//! tsc-bench parse     --workbooks 1000 --runs 5 --out page.xml
//! tsc-bench e2e       --url U --ca CA --client tsc|floor [--concurrency N] --items 10000 --runs 5
//! tsc-bench transport --url U --ca CA --requests 500 --runs 5
//! tsc-bench memory    --url U --ca CA --items 100000 [--page-size 1000]
//! tsc-bench resign    --concurrency 64 --runs 5
//! tsc-bench serve     --workbooks-per-site 100000 --dir DIR   (replay server; runs until killed)
//! ```

use std::collections::HashMap;
use std::process::ExitCode;

mod cpu;
mod e2e;
mod floor;
mod memory;
mod parse;
mod replay;
mod resign;
mod transport;

/// The emulator's well-known personal access token (see `tsc_testserver::PAT_NAME`).
pub(crate) const PAT_NAME: &str = tsc_testserver::PAT_NAME;
/// Its secret: a public test value of the emulator, not a credential.
pub(crate) const PAT_SECRET: &str = tsc_testserver::PAT_SECRET;
/// The REST API version every client uses, so no client pays for a `serverinfo` round trip.
pub(crate) const API_VERSION: (u16, u16) = (3, 27);

/// `--key value` options of one subcommand.
pub(crate) struct Options {
    values: HashMap<String, String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut values = HashMap::new();
        let mut iter = args.iter();
        while let Some(key) = iter.next() {
            let name = key
                .strip_prefix("--")
                .ok_or_else(|| format!("expected `--option value`, got `{key}`"))?;
            let value = iter
                .next()
                .ok_or_else(|| format!("`{key}` needs a value"))?;
            values.insert(name.to_owned(), value.clone());
        }
        Ok(Self { values })
    }

    /// A required string option.
    pub(crate) fn string(&self, name: &str) -> Result<String, String> {
        self.values
            .get(name)
            .cloned()
            .ok_or_else(|| format!("missing --{name}"))
    }

    /// A numeric option with a default.
    pub(crate) fn number(&self, name: &str, default: usize) -> Result<usize, String> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: `{v}` is not a number")),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: tsc-bench parse|e2e|transport|memory|resign --option value ...");
        return ExitCode::from(2);
    };
    let result = Options::parse(rest).and_then(|options| match command.as_str() {
        "parse" => parse::run(&options),
        "e2e" => e2e::run(&options),
        "transport" => transport::run(&options),
        "memory" => memory::run(&options),
        "resign" => resign::run(&options),
        "serve" => replay::run(&options),
        other => Err(format!("unknown subcommand `{other}`")),
    });
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tsc-bench {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A current-thread runtime: the client's whole CPU share then runs on one thread.
pub(crate) fn current_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// Renders any error with its chain of sources (the chain carries the context).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

//! `cargo xtask bench` — benchmarks against the floor and the peer, one table and one chart
//! (issue 8).

/// Runs the benchmarks.
pub(crate) fn run(_args: &[String]) -> Result<(), String> {
    Err("cargo xtask bench is not implemented yet".into())
}

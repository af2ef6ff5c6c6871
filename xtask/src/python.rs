//! The Python virtual environment for the outside-client test: the real `tableauserverclient`
//! (TSC) talking to our emulated server. Created once under `target/` and reused.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned so the outside client does not change under us between runs.
pub(crate) const PY_PACKAGES: &[&str] = &["tableauserverclient==0.42", "pyjwt[crypto]==2.10.1"];

/// Returns the venv's `python` when it is ready, or `None` (after saying why) when Python or
/// the package index is unavailable. Under `CI=true` an unavailable venv is an error upstream.
pub(crate) fn prepare_venv(root: &Path) -> Option<PathBuf> {
    let dir = root.join("target").join("py-venv");
    let python = dir.join("bin").join("python");
    let marker = dir.join(".tsc-packages");
    let wanted = PY_PACKAGES.join(" ");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        println!("==> python venv: reusing {}", dir.display());
        return Some(python);
    }
    let Some(py3) = which("python3") else {
        println!(
            "==> python venv: SKIPPED — python3 not found; the outside-client (Python TSC) test will be skipped"
        );
        return None;
    };
    println!("==> python venv: creating {} ({wanted})", dir.display());
    let ok = Command::new(&py3)
        .args(["-m", "venv", "--clear"])
        .arg(&dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        println!("==> python venv: SKIPPED — `python3 -m venv` failed");
        return None;
    }
    let ok = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PY_PACKAGES)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        println!(
            "==> python venv: SKIPPED — pip could not install {wanted} (is the package index reachable?)"
        );
        return None;
    }
    let _ = std::fs::write(&marker, &wanted);
    Some(python)
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

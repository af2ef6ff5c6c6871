//! CPU clocks and peak memory of this process, read without unsafe code of ours.

use rustix::time::{ClockId, clock_gettime};

fn seconds(id: ClockId) -> f64 {
    let t = clock_gettime(id);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// CPU time of the whole process so far (all threads, including ones that have exited).
pub(crate) fn process_s() -> f64 {
    seconds(ClockId::ProcessCPUTime)
}

/// CPU time of the calling thread so far.
pub(crate) fn thread_s() -> f64 {
    seconds(ClockId::ThreadCPUTime)
}

/// Peak resident set size (`VmHWM`) in KiB, from `/proc/self/status` (Linux).
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kib(&status, "VmHWM:")
}

/// Current resident set size (`VmRSS`) in KiB.
pub(crate) fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kib(&status, "VmRSS:")
}

fn field_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_kib_fields() {
        let status = "Name:\tx\nVmHWM:\t  5120 kB\nVmRSS:\t  4096 kB\n";
        assert_eq!(super::field_kib(status, "VmHWM:"), Some(5120));
        assert_eq!(super::field_kib(status, "VmRSS:"), Some(4096));
        assert_eq!(super::field_kib(status, "VmPeak:"), None);
    }

    #[test]
    fn clocks_advance() {
        let before = super::thread_s();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(x);
        assert!(super::thread_s() > before);
        assert!(super::process_s() > 0.0);
    }
}

//! Measurements of the ledger's own paths beside raw baselines taken in the
//! same run on the same machine (raw Ed25519, raw sled, raw fsync), so the
//! figures are ratios that survive a change of hardware. Returns numbers;
//! never prints.

use sakip::{Error, Result};
use std::path::Path;
use std::time::Instant;

pub use crate::measure::{dir_bytes, percentile};

/// How a figure is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    PerSecond,
    Millis,
    Bytes,
    MiB,
}

/// One line of the benchmark table: a measured figure beside its baseline
/// from the same run, and the target it is held to, if any.
#[derive(Clone, Debug)]
pub struct Row {
    pub measure: String,
    pub value: f64,
    pub unit: Unit,
    pub baseline: String,
    pub baseline_value: f64,
    /// The target, and whether this run meets it.
    pub target: Option<(String, bool)>,
}

impl Row {
    /// A figure beside its baseline.
    pub fn new(
        measure: impl Into<String>,
        value: f64,
        unit: Unit,
        baseline: impl Into<String>,
        baseline_value: f64,
    ) -> Row {
        Row {
            measure: measure.into(),
            value,
            unit,
            baseline: baseline.into(),
            baseline_value,
            target: None,
        }
    }

    pub(crate) fn target(mut self, text: impl Into<String>, holds: bool) -> Row {
        self.target = Some((text.into(), holds));
        self
    }

    /// value / baseline value.
    pub fn ratio(&self) -> f64 {
        self.value / self.baseline_value
    }
}

pub(crate) fn rate(n: usize, since: Instant) -> f64 {
    n as f64 / since.elapsed().as_secs_f64().max(1e-9)
}

pub(crate) fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Run `work` over `items` split evenly across every core.
pub(crate) fn on_all_cores<T: Sync>(items: &[T], work: impl Fn(&[T]) + Sync) {
    let chunk = items.len().div_ceil(threads()).max(1);
    std::thread::scope(|scope| {
        for part in items.chunks(chunk) {
            let work = &work;
            scope.spawn(move || work(part));
        }
    });
}

/// Reset the kernel's peak-RSS mark of this process (Linux
/// `/proc/self/clear_refs`); false where that is not possible.
pub(crate) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`).
pub(crate) fn status_bytes(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Raw baselines measured once per run.
#[derive(Clone, Copy, Debug)]
pub struct Baselines {
    pub sign: f64,
    pub batch_verify: f64,
    pub strict_verify: f64,
    pub sha256: f64,
}

/// Run `exe args` and return the child's peak RSS in bytes, which it
/// writes at exit to the file named by `SAKIP_PEAK_RSS_FILE`. Retries
/// while the ledger is still held by this process (sled may release its
/// lock a moment after a close).
pub fn child_peak_rss(exe: &Path, args: &[&std::ffi::OsStr], scratch: &Path) -> Result<f64> {
    let report = scratch.join("peak-rss");
    let mut last = String::new();
    for _ in 0..50 {
        let _ = std::fs::remove_file(&report);
        let output = std::process::Command::new(exe)
            .args(args)
            .env("SAKIP_PEAK_RSS_FILE", &report)
            .env("SAKIP_STATE_DIR", scratch.join("state"))
            .output()
            .map_err(|e| Error::io(exe, e))?;
        if output.status.success() {
            let text = std::fs::read_to_string(&report).map_err(|e| Error::io(&report, e))?;
            return text
                .trim()
                .parse::<f64>()
                .map_err(|e| Error::Input(format!("{}: {e}", report.display())));
        }
        last = String::from_utf8_lossy(&output.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(Error::Input(format!("{} failed: {last}", exe.display())))
}

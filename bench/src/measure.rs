//! Measuring helpers shared by every suite and the peer: percentiles of
//! latencies and the bytes a directory holds on disk.

use std::path::Path;

/// The `p`th percentile (0-100) of latencies, sorting them.
pub fn percentile(times: &mut [f64], p: usize) -> f64 {
    if times.is_empty() {
        return f64::NAN;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[(times.len() - 1) * p / 100]
}

/// Total size of the files under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

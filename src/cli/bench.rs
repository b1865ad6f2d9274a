//! `sakip bench`: throughput figures beside same-run baselines.

use super::{table, CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Measure append and verify throughput against raw Ed25519 and raw sled,
/// in a scratch directory, and print a table of rates and ratios.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Events for the batched-append and verify runs.
    #[arg(long, default_value_t = 20_000)]
    pub events: usize,
    /// Events per batch.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Single durable appends (one fsync each).
    #[arg(long, default_value_t = 200)]
    pub singles: usize,
    /// Scratch directory (default: a new temporary directory, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(_ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let tmp;
    let dir = match args.dir {
        Some(d) => d,
        None => {
            tmp = tempfile::Builder::new()
                .prefix("sakip-bench-")
                .tempdir()
                .map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?;
            tmp.path().to_path_buf()
        }
    };
    let figures = sakip::bench::core(&dir, args.events, args.batch.max(1), args.singles.max(1))?;
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                format!("{:.0}/s", f.rate),
                f.baseline_name.clone(),
                format!("{:.0}/s", f.baseline_rate),
                format!("{:.3}", f.ratio()),
            ]
        })
        .collect();
    out.write_all(table(&["measured", "rate", "baseline", "baseline rate", "ratio"], &rows).as_bytes())?;
    Ok(())
}

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
    /// Which measurements: core (append, verify) or projection (as-of query
    /// latency by ledger size, rebuild throughput).
    #[arg(long, value_enum, default_value_t = Suite::Core)]
    pub suite: Suite,
    /// Ledger sizes at which to time the as-of query (projection suite).
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    pub sizes: Vec<u64>,
    /// Corrections per figure in the synthetic history (projection suite).
    #[arg(long, default_value_t = 19)]
    pub corrections: u64,
}

/// Benchmark suites.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    Core,
    Projection,
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
    if args.suite == Suite::Projection {
        let f = sakip::bench::projection(&dir, &args.sizes, args.corrections)?;
        let rows: Vec<Vec<String>> = f
            .queries
            .iter()
            .map(|q| {
                vec![
                    q.events.to_string(),
                    format!("{:.3} ms", q.p50_ms),
                    format!("{:.3} ms", q.p99_ms),
                ]
            })
            .collect();
        out.write_all(table(&["events", "as-of query p50", "p99"], &rows).as_bytes())?;
        if let (Some(first), Some(last)) = (f.queries.first(), f.queries.last()) {
            writeln!(
                out,
                "p50 ratio {} / {} events: {:.2}",
                last.events,
                first.events,
                last.p50_ms / first.p50_ms
            )?;
        }
        writeln!(out, "synthetic batched append: {:.0} events/s", f.append_rate)?;
        writeln!(
            out,
            "rebuild: {} events at {:.0} events/s",
            f.rebuild_events, f.rebuild_rate
        )?;
        let t = &f.tree;
        writeln!(
            out,
            "merkle at {} events: checkpoint root {:.3} ms; inclusion proof {:.3} ms, {} bytes; consistency proof from {} {:.3} ms, {} bytes",
            t.size, t.checkpoint_ms, t.inclusion_ms, t.inclusion_bytes, t.size / 2, t.consistency_ms, t.consistency_bytes
        )?;
        writeln!(
            out,
            "tree maintenance alone: {:.0} leaves/s, {:.1}% of the synthetic batched append time per event",
            t.tree_rate,
            100.0 * f.append_rate / t.tree_rate
        )?;
        return Ok(());
    }
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

//! `sakip bench`: every performance figure beside a baseline measured in the
//! same run, and `sakip bench generate`: synthetic agency ledgers.

use super::{table, CmdResult, Ctx};
use sakip_bench::bench::{Row, Unit};
use std::io::Write;
use std::path::PathBuf;

/// Measure sakip against raw baselines taken in the same run on this
/// machine (raw Ed25519 signing and verification, raw SHA-256, raw sled
/// inserts, raw fsync), in a scratch directory, and print one table: each
/// figure, its baseline, the ratio and the target it is held to.
///
/// The core run builds one synthetic agency (quarterly imports, approvals,
/// corrections, the budget amendment) through the real append path, then
/// times a bulk import, single durable appends, verify, export,
/// verify-bundle, rebuild, disk use and peak memory. The projection run
/// grows one ledger to each of --sizes events and times the as-of status
/// query of one agency-year there, then renders the LKjIP and runs the same
/// commands on the largest ledger (rebuild only up to 2.000.000 events).
/// verify, export, verify-bundle and rebuild run as `sakip` processes of
/// their own, so their time and peak memory are a user's.
///
/// `--quick` runs everything at small sizes (under two minutes); the full
/// national-scale run is `sakip bench --sizes 10000,1000000,10000000`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<BenchCommand>,
    /// Small sizes for a smoke run: 2.000 imported events, 30 single
    /// appends, 2 years of history, ledgers of 10.000 and 30.000 events.
    #[arg(long)]
    pub quick: bool,
    /// Which measurements to run.
    #[arg(long, value_enum, default_value_t = Suite::All)]
    pub suite: Suite,
    /// Events imported in batches (core run).
    #[arg(long)]
    pub events: Option<usize>,
    /// Events per imported batch (core run).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Single durable appends, one fsync each (core run).
    #[arg(long)]
    pub singles: Option<usize>,
    /// Years of generated history before the import (core run).
    #[arg(long)]
    pub years: Option<u16>,
    /// Ledger sizes at which to time the as-of query (projection run).
    #[arg(long, value_delimiter = ',')]
    pub sizes: Option<Vec<u64>>,
    /// Corrections per figure in the projection run's history (default: as
    /// many as the largest size needs within the years 1990-2200).
    #[arg(long)]
    pub corrections: Option<u64>,
    /// Scratch directory (default: a new temporary directory, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// OPD ledgers generated for the pemda page's figures (default: 8 with
    /// --quick, else 40).
    #[arg(long)]
    pub opds: Option<usize>,
    /// Also run the same core workloads on a peer and print both side by
    /// side with their ratios and targets: `postgres` starts a private
    /// PostgreSQL server (initdb and pg_ctl from PATH or
    /// /usr/lib/postgresql/*/bin; a Unix socket in the scratch directory;
    /// fsync, synchronous_commit and full_page_writes on) and stops it
    /// after. Without PostgreSQL the peer's rows are skipped with a note.
    #[arg(long, value_enum)]
    pub peer: Option<Peer>,
}

/// A peer to measure beside sakip.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// PostgreSQL, as a web application would store the same events.
    Postgres,
}

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Generate synthetic agency ledgers through the real append path, one
    /// ledger per agency (OUT/OPD-00000, OUT/OPD-00001, ...), reproducible
    /// from the seed: plan, murni targets and pagu, four quarters of
    /// realisations and spending approved by the head, corrections, the
    /// budget amendment and narratives, signed by four keys per agency.
    Generate(GenerateArgs),
    /// Measure the ledger given by --ledger as it stands, freshly opened:
    /// the as-of status query of --year, its LKjIP, then verify, export,
    /// verify-bundle (and rebuild, up to 2.000.000 events) as processes of
    /// their own, with disk use and peak memory. No event is changed
    /// (rebuild rewrites only the derived indexes).
    Ledger(LedgerArgs),
    /// The memory floor under `sakip verify`: open the store of --ledger
    /// with sled alone (sled's page cache as sakip sets it) and read every
    /// entry of every tree once, checking nothing. Run as a process of its
    /// own by the bench, which reads its peak memory.
    #[command(hide = true)]
    RawRead,
}

#[derive(clap::Args, Debug)]
pub struct LedgerArgs {
    /// The year to query.
    #[arg(long, default_value_t = 2021)]
    pub year: u16,
    /// Scratch directory for the bundle (default: a new temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Number of agencies (OPD).
    #[arg(long, default_value_t = 1)]
    pub agencies: usize,
    /// Years per agency, from --first-year on.
    #[arg(long, default_value_t = 1)]
    pub years: u16,
    #[arg(long, default_value_t = 2021)]
    pub first_year: u16,
    /// Indicators per agency (the first 8 are IKU).
    #[arg(long, default_value_t = 50)]
    pub indicators: usize,
    /// Seed of every value and key.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to create the ledgers in.
    #[arg(long)]
    pub out: PathBuf,
}

/// Benchmark runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    All,
    Core,
    Projection,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    match args.command {
        Some(BenchCommand::Generate(g)) => return generate(g, out),
        Some(BenchCommand::Ledger(l)) => return existing(ctx, l, out),
        Some(BenchCommand::RawRead) => {
            let entries = sakip_bench::raw::raw_read(&ctx.global.ledger.join("store"))?;
            writeln!(out, "{entries} entries read")?;
            return Ok(());
        }
        None => {}
    }
    let (dir, _tmp) = scratch(args.dir)?;
    let quick = args.quick;
    let events = args.events.unwrap_or(if quick { 2_000 } else { 20_000 });
    let singles = args.singles.unwrap_or(if quick { 30 } else { 200 });
    let years = args.years.unwrap_or(if quick { 2 } else { 10 });
    let sizes = args.sizes.unwrap_or_else(|| {
        if quick {
            vec![10_000, 30_000]
        } else {
            vec![10_000, 1_000_000]
        }
    });
    let largest = sizes.iter().copied().max().unwrap_or(0);
    // Each year of history holds 50 indicators x 5 periods x (corrections + 1).
    let corrections = args
        .corrections
        .unwrap_or_else(|| 19.max(largest.div_ceil(210 * 250)));

    let base = sakip_bench::raw::crypto_baselines(events.max(2_000))?;
    // Peak memory is measured on `sakip verify` and `sakip rebuild` as
    // processes of their own.
    let exe = std::env::current_exe().ok();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    if args.suite != Suite::Projection {
        let spec = sakip_bench::core_run::CoreSpec {
            events,
            batch: args.batch.max(1),
            singles: singles.max(1),
            years,
            peer: args.peer == Some(Peer::Postgres),
        };
        let (core, total, core_notes) =
            sakip_bench::core_run::core(&dir.join("core"), &spec, exe.as_deref())?;
        notes.extend(core_notes);
        notes.push(format!(
            "core: one generated agency, {} of history, {events} events imported in batches of {}, {singles} single appends; {total} events",
            sakip::event::count(usize::from(years), "year", "years"),
            spec.batch
        ));
        rows.extend(core);
    }
    if args.suite != Suite::Core {
        let f = sakip_bench::projection_run::projection(
            &dir.join("projection"),
            &sizes,
            corrections,
            &base,
            exe.as_deref(),
            args.peer == Some(Peer::Postgres),
            &mut |ledger, key| {
                let label = format!("{} events", ledger.head().count);
                super::bench_web::dashboard(ledger, 2021, if quick { 30 } else { 200 }, &label, key)
            },
        )?;
        notes.push(format!(
            "projection: one ledger of 50 indicators grown with {corrections} corrections per figure at {:.0} events/s; the query is the 2021 status as of TW IV",
            f.append_rate
        ));
        let t = &f.tree;
        notes.push(format!(
            "merkle at {} events: checkpoint root {:.3} ms; inclusion proof {:.3} ms, {} bytes; consistency proof from {} {:.3} ms, {} bytes; tree maintenance {:.0} leaves/s",
            t.size, t.checkpoint_ms, t.inclusion_ms, t.inclusion_bytes, t.size / 2, t.consistency_ms, t.consistency_bytes, t.tree_rate
        ));
        rows.extend(f.rows);
        notes.extend(f.notes);
    }
    // The reference ledger: what a real agency year costs to read verified.
    let reference = sakip::example::build(&dir.join("reference"))?;
    rows.extend(sakip_bench::reads::verified_reads(
        &reference.ledger,
        2021,
        "reference ledger (Kediri 2021)",
    )?);
    let kepala = sakip::keys::example_key("kepala-approver");
    let (web, ledger) = super::bench_web::dashboard(
        reference.ledger,
        2021,
        if quick { 50 } else { 500 },
        "reference ledger",
        &kepala,
    )?;
    rows.extend(web);
    let (web, _, flood) = super::bench_web::hostile(ledger, 2021, if quick { 50 } else { 300 }, &kepala)?;
    rows.extend(web);
    notes.push(flood);
    let opds = args.opds.unwrap_or(if quick { 8 } else { 40 });
    rows.extend(super::bench_web::pemda(
        &dir.join("pemda"),
        opds,
        if quick { 10 } else { 50 },
    )?);
    rows.extend(national(&dir.join("pemda"), &dir.join("national"), opds)?);
    print_rows(&rows, out)?;
    print_machine(&base, out)?;
    for note in notes {
        writeln!(out, "{note}")?;
    }
    Ok(())
}

/// Past one machine, on the pemda's generated OPDs (seed 7, as
/// `bench_web::pemda` made them): each signs a checkpoint (its synthetic
/// inspector), then publishing as tiles, the Parquet export and the
/// roll-up, beside the bundle export of the same ledgers.
fn national(pemda: &std::path::Path, scratch: &std::path::Path, opds: usize) -> sakip::Result<Vec<Row>> {
    use sakip::service::{audit, rollup};
    use std::time::Instant;
    let clock: std::sync::Arc<dyn sakip::Clock> = std::sync::Arc::new(sakip::SystemClock);
    let mut ledgers = Vec::new();
    for n in 0..opds {
        let code = sakip_bench::synth::agency_code(n);
        let ledger = sakip::Ledger::open(&pemda.join(&code), clock.clone())?;
        let inspector = sakip_bench::synth::Keys::derive(7, &code).inspector;
        audit::sign_checkpoint(&ledger, &inspector)?;
        ledgers.push((code, ledger));
    }
    let events: u64 = ledgers.iter().map(|(_, l)| l.head().count).sum();
    let rate = |t: Instant| events as f64 / t.elapsed().as_secs_f64().max(1e-9);
    let t = Instant::now();
    for (code, l) in &ledgers {
        audit::export(l, &scratch.join("bundles").join(code))?;
    }
    let export_rate = rate(t);
    let t = Instant::now();
    let mut tile_bytes = 0u64;
    for (code, l) in &ledgers {
        tile_bytes += audit::publish(l, &scratch.join("tiles").join(code))?.bytes;
    }
    let publish_rate = rate(t);
    let t = Instant::now();
    for (code, l) in &ledgers {
        sakip_report::analytics::export(l, &scratch.join("parquet"), "bench", code, 2021, &[])?;
    }
    let parquet_rate = rate(t);
    let point = sakip::service::time::TimePoint::year(2021);
    let t = Instant::now();
    for (_, l) in &ledgers {
        std::hint::black_box(sakip::service::status::status(l, &point, true)?);
    }
    let statuses_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let rows: Vec<_> = ledgers
        .iter()
        .map(|(code, l)| rollup::agency(code, l, &point))
        .collect();
    std::hint::black_box(rollup::rollup(rows));
    let rollup_ms = t.elapsed().as_secs_f64() * 1000.0;
    let label = format!("{opds} generated OPDs, {events} events");
    Ok(vec![
        Row::new(
            format!("publish as tlog tiles, {label}"),
            publish_rate,
            Unit::PerSecond,
            "sakip export (bundles)",
            export_rate,
        ),
        Row::new(
            format!("tile and bundle bytes per event, {label}"),
            tile_bytes as f64 / events.max(1) as f64,
            Unit::Bytes,
            "encoded event bytes",
            ledgers
                .iter()
                .map(|(_, l)| {
                    l.stored_bytes_from(0)
                        .filter_map(|e| e.ok())
                        .map(|(_, b)| b.len() as u64)
                        .sum::<u64>()
                })
                .sum::<u64>() as f64
                / events.max(1) as f64,
        ),
        Row::new(
            format!("export --parquet, {label}"),
            parquet_rate,
            Unit::PerSecond,
            "sakip export (bundles)",
            export_rate,
        ),
        Row::new(
            format!("rollup (IKU status, budget, pending, audit check), {label}"),
            rollup_ms,
            Unit::Millis,
            "the IKU statuses alone",
            statuses_ms,
        ),
    ])
}

/// `dir`, or a new temporary directory removed when the guard is dropped.
fn scratch(dir: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>), sakip::Error> {
    match dir {
        Some(d) => Ok((d, None)),
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("sakip-bench-")
                .tempdir()
                .map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?;
            Ok((tmp.path().to_path_buf(), Some(tmp)))
        }
    }
}

fn print_machine(base: &sakip_bench::bench::Baselines, out: &mut dyn Write) -> CmdResult {
    writeln!(
        out,
        "machine: {} cores; Ed25519 sign {:.0}/s on 1 core",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        base.sign
    )?;
    Ok(())
}

fn print_rows(rows: &[Row], out: &mut dyn Write) -> CmdResult {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let (target, holds) = match &r.target {
                Some((t, h)) => (t.clone(), if *h { "yes" } else { "NO" }.to_string()),
                None => (String::new(), String::new()),
            };
            vec![
                r.measure.clone(),
                show(r.value, r.unit),
                r.baseline.clone(),
                show(r.baseline_value, r.unit),
                format!("{:.3}", r.ratio()),
                target,
                holds,
            ]
        })
        .collect();
    out.write_all(
        table(
            &[
                "measured",
                "value",
                "baseline",
                "baseline value",
                "ratio",
                "target",
                "holds",
            ],
            &body,
        )
        .as_bytes(),
    )?;
    Ok(())
}

fn existing(ctx: &Ctx, args: LedgerArgs, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_ledger()?;
    let (dir, _tmp) = scratch(args.dir)?;
    let base = sakip_bench::raw::crypto_baselines(20_000)?;
    let exe = std::env::current_exe().ok();
    let rows = sakip_bench::reads::existing(ledger, args.year, &dir, &base, exe.as_deref())?;
    print_rows(&rows, out)?;
    print_machine(&base, out)?;
    Ok(())
}

fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::PerSecond => format!("{value:.0}/s"),
        Unit::Millis => format!("{value:.3} ms"),
        Unit::Bytes => format!("{value:.0} B"),
        Unit::MiB => format!("{value:.1} MiB"),
    }
}

fn generate(args: GenerateArgs, out: &mut dyn Write) -> CmdResult {
    let spec = sakip_bench::synth::Spec {
        agencies: args.agencies,
        years: args.years,
        first_year: args.first_year,
        indicators: args.indicators,
        seed: args.seed,
    };
    std::fs::create_dir_all(&args.out).map_err(|e| sakip::Error::io(&args.out, e))?;
    let t = std::time::Instant::now();
    let mut total = 0u64;
    let agencies = sakip_bench::synth::generate(&args.out, &spec, |a| {
        total += a.events;
        eprintln!("{}: {} events", a.code, a.events);
    })?;
    let secs = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "{}, {} each, {total} events in {secs:.1} s ({:.0} events/s) under {}",
        sakip::event::count(agencies.len(), "agency", "agencies"),
        sakip::event::count(usize::from(args.years), "year", "years"),
        total as f64 / secs.max(1e-9),
        args.out.display()
    )?;
    Ok(())
}

//! Reads of an existing ledger: verified reads against unchecked ones, reports, year scans, the Merkle tree's proofs.

use crate::bench::*;
use crate::core_run::ledger_rows;
use sakip::ledger::Ledger;
use sakip::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// Measure an existing ledger as it is opened by a user: the as-of status
/// of `year` as of TW IV (p50, p99 of 101 queries) beside a raw scan of the
/// year's index entries, the LKjIP of that year, then verify, export and
/// verify-bundle (and rebuild, up to 2.000.000 events) with disk use and
/// peak memory. `scratch` holds the bundle for the time of the run.
pub fn existing(
    ledger: Ledger,
    year: u16,
    scratch: &Path,
    base: &Baselines,
    exe: Option<&Path>,
) -> Result<Vec<Row>> {
    let events = ledger.head().count;
    let q = time_query(&ledger, year)?;
    let floor = year_scan(&ledger, year)?;
    let mut rows = vec![
        Row::new(
            format!("as-of query p50, {events} events, freshly opened"),
            q.p50_ms,
            Unit::Millis,
            "raw sled scan of the year's index entries",
            floor,
        )
        .target("< 1 ms", q.p50_ms < 1.0),
        Row::new(
            format!("as-of query p99, {events} events, freshly opened"),
            q.p99_ms,
            Unit::Millis,
            "raw sled scan of the year's index entries",
            floor,
        ),
        Row::new(
            format!("report lkjip html, {events} events"),
            time_report(&ledger, year)?,
            Unit::Millis,
            "as-of query p50",
            q.p50_ms,
        ),
    ];
    rows.extend(verified_reads(&ledger, year, &format!("{events} events"))?);
    rows.extend(ledger_rows(
        ledger,
        scratch,
        base,
        &format!(", {events} events"),
        exe,
    )?);
    Ok(rows)
}

/// The median time to build and render the LKjIP (HTML) of a year.
pub(crate) fn time_report(ledger: &Ledger, year: u16) -> Result<f64> {
    let params = sakip_report::Params {
        kind: sakip_report::ReportKind::Lkjip,
        year,
        as_of: 4,
        known_seq: ledger.head().count - 1,
        approved_only: false,
        format: sakip_report::ReportFormat::Html,
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (_, bytes) = sakip_report::produce(ledger, params)?;
        std::hint::black_box(bytes);
        times.push(millis(t));
    }
    Ok(percentile(&mut times, 50))
}

/// What verified reads cost: the as-of status and the LKjIP (HTML) of
/// `year`, each built as a command builds it (every figure read through its
/// signed event, a fresh reader per run) beside the same build over the
/// unchecked index. Medians of 21 status runs and 5 reports; `label` names
/// the ledger.
pub fn verified_reads(ledger: &Ledger, year: u16, label: &str) -> Result<Vec<Row>> {
    let q = sakip::projection::Query {
        year,
        as_of: sakip::period::Quarter::LAST,
        known: ledger.head().count - 1,
        approved_only: false,
    };
    let median = |runs: usize, f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            f()?;
            times.push(millis(t));
        }
        Ok(percentile(&mut times, 50))
    };
    let mut checked = 0;
    let verified_status = median(21, &mut || {
        let index = ledger.index();
        std::hint::black_box(sakip::projection::state(&index, &q)?);
        checked = index.events_checked();
        Ok(())
    })?;
    // As a fresh process reads: every signature checked again.
    let cold_status = median(21, &mut || {
        let index = ledger.index_checking_every_signature();
        std::hint::black_box(sakip::projection::state(&index, &q)?);
        Ok(())
    })?;
    let plain_status = median(21, &mut || {
        std::hint::black_box(sakip::projection::state(ledger.store(), &q)?);
        Ok(())
    })?;
    let params = sakip_report::Params {
        kind: sakip_report::ReportKind::Lkjip,
        year,
        as_of: 4,
        known_seq: q.known,
        approved_only: false,
        format: sakip_report::ReportFormat::Html,
    };
    let mut report_checked = 0;
    let verified_report = median(5, &mut || {
        let index = ledger.index();
        std::hint::black_box(sakip_report::produce_from(ledger, &index, params)?);
        report_checked = index.events_checked();
        Ok(())
    })?;
    let plain_report = median(5, &mut || {
        std::hint::black_box(sakip_report::produce_from(ledger, ledger.store(), params)?);
        Ok(())
    })?;
    Ok(vec![
        Row::new(
            format!(
                "status {year}, verified reads ({checked} events checked, signatures remembered), {label}"
            ),
            verified_status,
            Unit::Millis,
            "the same over the unchecked index",
            plain_status,
        ),
        Row::new(
            format!("status {year}, verified reads, every signature checked (a fresh process), {label}"),
            cold_status,
            Unit::Millis,
            "the same over the unchecked index",
            plain_status,
        ),
        Row::new(
            format!("report lkjip html {year}, verified reads ({report_checked} events checked), {label}"),
            verified_report,
            Unit::Millis,
            "the same over the unchecked index",
            plain_report,
        ),
    ])
}

/// The median time of a raw scan of the index entries a 2021 query reads
/// (targets and realisations): the floor under the query.
pub(crate) fn year_scan(ledger: &Ledger, year: u16) -> Result<f64> {
    use sakip::projection::IndexRead;
    let mut times = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let mut n = 0;
        for tag in [b'T', b'R'] {
            let [y0, y1] = year.to_be_bytes();
            let [z0, z1] = (year + 1).to_be_bytes();
            let (lo, hi) = ([tag, y0, y1], [tag, z0, z1]);
            n += ledger.store().range(&lo, &hi)?.len();
        }
        std::hint::black_box(n);
        times.push(millis(t));
    }
    Ok(percentile(&mut times, 50))
}

pub(crate) fn time_query(ledger: &Ledger, year: u16) -> Result<QueryFigure> {
    let q = sakip::projection::Query {
        year,
        as_of: sakip::period::Quarter::LAST,
        known: ledger.head().count - 1,
        approved_only: false,
    };
    let mut times = Vec::new();
    for _ in 0..101 {
        let t = Instant::now();
        let states = sakip::projection::state(&ledger.index(), &q)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if states.is_empty() {
            return Err(Error::Input(format!("the ledger has no indicators for {year}")));
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(QueryFigure {
        events: ledger.head().count,
        p50_ms: times[50],
        p99_ms: times[99],
    })
}

/// Merkle figures at one ledger size.
#[derive(Clone, Debug)]
pub struct TreeFigures {
    pub size: u64,
    pub checkpoint_ms: f64,
    pub inclusion_ms: f64,
    pub inclusion_bytes: usize,
    pub consistency_ms: f64,
    pub consistency_bytes: usize,
    /// Tree maintenance alone (leaf and parent hashes), leaves per second.
    pub tree_rate: f64,
}

/// Time a checkpoint root, an inclusion proof (middle leaf) and a
/// consistency proof (from half the size) on a ledger, and the tree
/// maintenance alone for the same number of leaves in memory.
pub fn tree(ledger: &Ledger) -> Result<TreeFigures> {
    let store = ledger.store();
    let size = ledger.head().count;
    let t = Instant::now();
    let root = sakip::merkle::root(store, size)?;
    let checkpoint_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let inclusion = sakip::merkle::inclusion_proof(store, size / 2, size)?;
    let inclusion_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let consistency = sakip::merkle::consistency_proof(store, size / 2, size)?;
    let consistency_ms = t.elapsed().as_secs_f64() * 1000.0;
    let old_root = sakip::merkle::root(store, size / 2)?;
    if !sakip::merkle::verify_consistency(size / 2, size, &old_root, &root, &consistency) {
        return Err(Error::Input("benchmark consistency proof does not verify".into()));
    }
    let mut mem = sakip::merkle::MemNodes::default();
    let t = Instant::now();
    for i in 0..size {
        mem.push(i, &[(i % 251) as u8; 32])?;
    }
    let tree_rate = rate(size as usize, t);
    Ok(TreeFigures {
        size,
        checkpoint_ms,
        inclusion_ms,
        inclusion_bytes: inclusion.len() * 32,
        consistency_ms,
        consistency_bytes: consistency.len() * 32,
        tree_rate,
    })
}

/// Latency of one as-of status query at a ledger size.
#[derive(Clone, Debug)]
pub struct QueryFigure {
    pub events: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

//! The core run: import, appends, verify, export, verify-bundle, rebuild, disk and memory of one generated ledger, beside the raw baselines and the PostgreSQL peer.

use crate::bench::*;
use crate::raw::*;
use sakip::event::{Approval, Decision, Payload};
use sakip::ledger::Ledger;
use sakip::{verify, Error, Result};
use std::path::Path;
use std::time::Instant;

/// Above this many events the rebuild is not timed: at the rates measured
/// at 1M events it would take longer than everything else together.
const REBUILD_MAX_EVENTS: u64 = 2_000_000;

/// Verify, rebuild, disk and memory figures of one ledger, which is closed
/// at the end. `at` names the ledger size in the measure ("" for none).
/// With `exe` (the sakip binary), `sakip verify`, `sakip rebuild`, `sakip
/// export` and `sakip verify-bundle` run as processes of their own and are
/// timed wall clock (start included) with their own peak memory; without,
/// verify and rebuild run in this process.
pub(crate) fn ledger_rows(
    ledger: Ledger,
    dir: &Path,
    base: &Baselines,
    at: &str,
    exe: Option<&Path>,
) -> Result<Vec<Row>> {
    let total = ledger.head().count;
    let store = ledger.store();
    let mut payload_bytes = 0u64;
    let mut event_bytes = 0u64;
    for entry in store.events_from(0) {
        let (_, bytes) = entry?;
        let frame = sakip::codec::Frame::parse(&bytes)?;
        payload_bytes += frame.payload_bytes().len() as u64;
        event_bytes += bytes.len() as u64;
    }
    let disk_bytes = dir_bytes(&store.dir().join("store")) as f64;
    let logical = store.logical_bytes()? as f64 / total as f64;
    let disk = disk_bytes / total as f64;
    let encoded = event_bytes as f64 / total as f64;
    let payload = payload_bytes as f64 / total as f64;
    let raw_index_rate = raw_index_copy(store, &dir.join(format!("raw-index{total}")), total)?;

    let cores = threads();
    let mib = |b: f64| b / (1024.0 * 1024.0);
    let verify_row = |what: &str, rate: f64| {
        Row::new(
            format!("{what}{at}"),
            rate,
            Unit::PerSecond,
            format!("raw Ed25519 batch verify, {cores} cores"),
            base.batch_verify,
        )
        .target("ratio >= 0.8", rate / base.batch_verify >= 0.8)
    };
    let peak_row = |what: &str, peak: f64, target: bool| {
        let row = Row::new(
            format!("{what}{at}"),
            mib(peak),
            Unit::MiB,
            "ledger store on disk",
            mib(disk_bytes),
        );
        if target {
            row.target("<= 300 MiB", mib(peak) <= 300.0)
        } else {
            row
        }
    };
    let rebuild_row = |rate: f64| {
        Row::new(
            format!("rebuild (events verified, then every derived tree){at}"),
            rate,
            Unit::PerSecond,
            "raw sled batch of the same index entries",
            raw_index_rate,
        )
        .target("ratio >= 0.7", rate / raw_index_rate >= 0.7)
    };
    let mut rows = Vec::new();
    match exe {
        Some(exe) => {
            let ledger_dir = store.dir().to_path_buf();
            drop(ledger);
            let run = |args: &[&std::ffi::OsStr]| -> Result<(f64, f64)> {
                let t = Instant::now();
                let peak = child_peak_rss(exe, args, dir)?;
                Ok((rate(total as usize, t), peak))
            };
            let on_ledger = |cmd: &'static str| {
                [
                    "--ledger".as_ref(),
                    ledger_dir.as_os_str(),
                    "--format".as_ref(),
                    "json".as_ref(),
                    std::ffi::OsStr::new(cmd),
                ]
            };
            let (verify_rate, verify_peak) = run(&on_ledger("verify"))?;
            rows.push(verify_row("sakip verify", verify_rate));
            rows.push(
                Row::new(
                    format!("sakip verify{at}"),
                    verify_rate,
                    Unit::PerSecond,
                    format!("raw Ed25519 verify_strict, {cores} cores"),
                    base.strict_verify,
                )
                .target("ratio >= 0.9", verify_rate / base.strict_verify >= 0.9),
            );
            rows.push(Row::new(
                format!("sakip verify{at}"),
                verify_rate,
                Unit::PerSecond,
                "raw SHA-256, 1 core",
                base.sha256,
            ));
            rows.push(peak_row("peak RSS, sakip verify", verify_peak, true));
            let raw_peak = child_peak_rss(
                exe,
                &[
                    "--ledger".as_ref(),
                    ledger_dir.as_os_str(),
                    "bench".as_ref(),
                    "raw-read".as_ref(),
                ],
                dir,
            )?;
            rows.push(Row::new(
                format!("peak RSS, sakip verify{at}"),
                mib(verify_peak),
                Unit::MiB,
                "raw sled: open the store, read every entry",
                mib(raw_peak),
            ));

            let bundle = dir.join(format!("bundle{total}"));
            let mut export = on_ledger("export").to_vec();
            export.extend(["--out".as_ref(), bundle.as_os_str()]);
            let (export_rate, _) = run(&export)?;
            let (bundle_rate, bundle_peak) = run(&["verify-bundle".as_ref(), bundle.as_os_str()])?;
            let bundle_bytes = dir_bytes(&bundle);
            let _ = std::fs::remove_dir_all(&bundle);
            rows.push(verify_row("sakip verify-bundle", bundle_rate));
            rows.push(peak_row("peak RSS, sakip verify-bundle", bundle_peak, true));
            rows.push(Row::new(
                format!("sakip export{at}"),
                export_rate,
                Unit::PerSecond,
                "sakip verify",
                verify_rate,
            ));
            rows.push(Row::new(
                format!("bundle bytes per event{at}"),
                bundle_bytes as f64 / total as f64,
                Unit::Bytes,
                "encoded event bytes",
                encoded,
            ));

            if total <= REBUILD_MAX_EVENTS {
                let (rebuild_rate, rebuild_peak) = run(&on_ledger("rebuild"))?;
                rows.push(rebuild_row(rebuild_rate));
                rows.push(peak_row("peak RSS, sakip rebuild", rebuild_peak, false));
            }
        }
        None => {
            reset_peak_rss();
            let t = Instant::now();
            verify::verify_store(store)?;
            let verify_rate = rate(total as usize, t);
            rows.push(verify_row("verify (in process)", verify_rate));
            let reset = reset_peak_rss();
            let t = Instant::now();
            ledger.rebuild()?;
            ledger.rebuild_merkle()?;
            let rebuild_rate = rate(total as usize, t);
            let rebuild_peak = status_bytes("VmHWM:").unwrap_or(f64::NAN);
            rows.push(rebuild_row(rebuild_rate));
            if reset {
                rows.push(peak_row("peak RSS, rebuild (in process)", rebuild_peak, false));
            }
        }
    }
    rows.push(
        Row::new(
            format!("disk bytes per event{at}"),
            disk,
            Unit::Bytes,
            "encoded event bytes",
            encoded,
        )
        .target("ratio <= 3", disk / encoded <= 3.0),
    );
    rows.push(Row::new(
        format!("disk bytes per event{at}"),
        disk,
        Unit::Bytes,
        "encoded payload bytes",
        payload,
    ));
    rows.push(Row::new(
        format!("disk bytes per event{at}"),
        disk,
        Unit::Bytes,
        "keys + values in all trees",
        logical,
    ));
    Ok(rows)
}

/// Sizes of the core run.
#[derive(Clone, Debug)]
pub struct CoreSpec {
    /// Realisations imported in batches, after the generated history.
    pub events: usize,
    pub batch: usize,
    /// Single durable appends.
    pub singles: usize,
    /// Years of generated agency history before the imports.
    pub years: u16,
    /// Run the PostgreSQL peer on the same workloads (`peer.rs`).
    pub peer: bool,
}

/// The append, verify, rebuild, disk and memory measurements on one
/// generated agency ledger in `dir` (which must be empty), each beside its
/// raw baseline. Also returns the ledger's event count.
pub fn core(dir: &Path, spec: &CoreSpec, exe: Option<&Path>) -> Result<(Vec<Row>, u64, Vec<String>)> {
    let n = spec.events.max(64);
    let base = crypto_baselines(n)?;
    let sign_rate = base.sign;

    // Baselines: raw sled inserts; one insert + flush + fsync per call.
    let raw_dir = dir.join("raw-sled");
    let db = sled::Config::new().path(&raw_dir).open()?;
    let tree = db.open_tree("t")?;
    let value = vec![0x5a; 400];
    let t = Instant::now();
    for i in 0..n as u64 {
        tree.insert(i.to_be_bytes(), value.as_slice())?;
    }
    db.flush()?;
    let sled_rate = rate(n, t);
    let db_path = raw_dir.join("db");
    let file = std::fs::File::open(&db_path).map_err(|e| Error::io(&db_path, e))?;
    let mut raw_durable = Vec::with_capacity(spec.singles);
    for i in 0..spec.singles.max(1) as u64 {
        let t = Instant::now();
        tree.insert((u64::MAX - i).to_be_bytes(), value.as_slice())?;
        db.flush()?;
        file.sync_all().map_err(|e| Error::io(&db_path, e))?;
        raw_durable.push(millis(t));
    }
    drop(tree);
    drop(db);
    let (tx_rate, tx_disk, tx_written) = raw_transactions(&dir.join("raw-tx"), n, spec.batch.max(1))?;
    let one_tree_rate = raw_one_tree_batches(&dir.join("raw-one-tree"), n, spec.batch.max(1))?;

    // A realistic agency history through the real append path.
    // History that ends in the past, so `verify` sees no event in the future.
    let gen_spec = crate::synth::Spec {
        years: spec.years,
        first_year: 2025u16.saturating_sub(spec.years),
        ..Default::default()
    };
    let t = Instant::now();
    let mut g = crate::synth::Generator::create(&dir.join("ledger"), "OPD-00000", &gen_spec, 1)?;
    for y in 0..spec.years {
        g.year(gen_spec.first_year + y)?;
    }
    let generated = g.ledger.head().count;
    let generate_rate = rate(generated as usize, t);

    // Batch import: realisations for later years, `batch` per append.
    let mut payloads = Vec::with_capacity(n);
    let mut year = gen_spec.first_year + spec.years;
    while payloads.len() < n {
        payloads.extend(g.realisations(year));
        year += 1;
    }
    payloads.truncate(n);
    let operator = &g.keys.operator;
    // Each batch its own transaction, committed beside the checks and
    // signing of the next, as `sakip import --per-transaction` appends.
    let t = Instant::now();
    let batches: Vec<Vec<_>> = payloads
        .chunks(spec.batch.max(1))
        .map(|chunk| {
            chunk
                .iter()
                .map(|p| (operator, p.clone(), String::new()))
                .collect()
        })
        .collect();
    g.ledger.append_batches(&batches)?;
    let import_rate = rate(n, t);

    // Single durable appends: one approval each.
    let first = g.ledger.head().count - n as u64;
    let mut singles = Vec::with_capacity(spec.singles);
    let mut single_payloads = Vec::with_capacity(spec.singles);
    for i in 0..spec.singles.max(1) as u64 {
        let payload = Payload::Approval(Approval {
            decision: Decision::Approve,
            covers: vec![first + i % n as u64],
            comment: Some("sesuai bukti dukung".into()),
        });
        single_payloads.push(payload.clone());
        let t = Instant::now();
        g.ledger.append(&g.keys.approver, payload)?;
        singles.push(millis(t));
    }
    // The same number of single appends on a raw store of as many events.
    let mut raw_singles = raw_single_appends(
        &dir.join("raw-single"),
        g.ledger.head().count as usize,
        spec.batch.max(1),
        spec.singles.max(1),
    )?;

    let ledger = g.ledger;
    let total = ledger.head().count;
    let mut notes = Vec::new();
    let mut peer_rows = Vec::new();
    let mut peer = None;
    if spec.peer {
        // The as-of status of the first imported year, in this process.
        let year = gen_spec.first_year + spec.years;
        let point = sakip::service::time::TimePoint::year(year);
        let mut asof = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            std::hint::black_box(sakip::service::status::status(&ledger, &point, false)?);
            asof.push(millis(t));
        }
        let disk = dir_bytes(&ledger.store().dir().join("store")) as f64 / total as f64;
        match crate::peer::Server::start(&dir.join("postgres")) {
            Ok(server) => {
                let key = sakip::keys::KeyPair::from_seed([42; 32]);
                let f = crate::peer::measure(
                    &server,
                    &key,
                    &payloads,
                    spec.batch.max(1),
                    &single_payloads,
                    year,
                    50,
                )
                .map_err(Error::Input)?;
                let data = server.data_bytes() as f64 / f.events as f64;
                drop(server);
                notes.push(format!(
                    "peer: PostgreSQL (private server, fsync, synchronous_commit and full_page_writes on), {} events; tables and indexes {:.0} B/event, WAL written by the import {:.0} B/event, whole data directory {:.0} B/event",
                    f.events, f.table_bytes_per_event, f.wal_bytes_per_event, data
                ));
                peer_rows.extend(peer_figures(
                    &f,
                    import_rate,
                    sign_rate,
                    &mut singles.clone(),
                    &mut raw_singles.clone(),
                    &mut asof,
                    disk,
                    year,
                    spec.batch,
                ));
                peer = Some(f);
            }
            Err(why) => notes.push(format!("peer: skipped, {why}")),
        }
    }
    let verify_rows = ledger_rows(ledger, dir, &base, "", exe)?;
    if let (Some(f), Some(sakip_verify)) = (
        &peer,
        verify_rows
            .iter()
            .find(|r| r.measure == "sakip verify" && r.unit == Unit::PerSecond)
            .map(|r| r.value),
    ) {
        peer_rows.push(
            Row::new(
                "verify: sakip verify (process) / peer (chain + strict signatures, all cores)",
                sakip_verify,
                Unit::PerSecond,
                "PostgreSQL peer",
                f.verify_rate,
            )
            .target("ratio >= 1.5", sakip_verify / f.verify_rate >= 1.5),
        );
    }

    let single_p50 = percentile(&mut singles, 50);
    let single_p99 = percentile(&mut singles, 99);
    let raw_p50 = percentile(&mut raw_durable, 50);
    let raw_p99 = percentile(&mut raw_durable, 99);
    let floor_p50 = percentile(&mut raw_singles, 50);
    let floor_p99 = percentile(&mut raw_singles, 99);
    let mut rows = vec![
        Row::new(
            format!("batch import ({} per batch)", spec.batch),
            import_rate,
            Unit::PerSecond,
            "raw Ed25519 sign, 1 core",
            sign_rate,
        )
        .target("ratio >= 0.5", import_rate / sign_rate >= 0.5),
        Row::new(
            format!("batch import ({} per batch)", spec.batch),
            import_rate,
            Unit::PerSecond,
            "raw sled insert, 400 B",
            sled_rate,
        ),
        Row::new(
            format!("batch import ({} per batch)", spec.batch),
            import_rate,
            Unit::PerSecond,
            "raw sled transaction, same writes",
            tx_rate,
        ),
        Row::new(
            format!("batch import ({} per batch)", spec.batch),
            import_rate,
            Unit::PerSecond,
            "raw sign then raw transaction",
            1.0 / (1.0 / sign_rate + 1.0 / tx_rate),
        ),
        Row::new(
            "raw sled transactions, same writes: disk per event",
            tx_disk,
            Unit::Bytes,
            "keys + values written per event",
            tx_written,
        ),
        Row::new(
            "raw sign then one-tree batch (same writes)",
            1.0 / (1.0 / sign_rate + 1.0 / one_tree_rate),
            Unit::PerSecond,
            "raw Ed25519 sign, 1 core",
            sign_rate,
        ),
        Row::new(
            "generated history (quarterly batches)",
            generate_rate,
            Unit::PerSecond,
            "raw Ed25519 sign, 1 core",
            sign_rate,
        ),
        Row::new(
            "single durable append p50",
            single_p50,
            Unit::Millis,
            "raw insert+flush+fsync p50",
            raw_p50,
        ),
        Row::new(
            "single durable append p99",
            single_p99,
            Unit::Millis,
            "raw insert+flush+fsync p99",
            raw_p99,
        ),
        Row::new(
            "single durable append p50",
            single_p50,
            Unit::Millis,
            "raw sign + one event's writes, 1 tx + flush + fsync, p50",
            floor_p50,
        ),
        Row::new(
            "single durable append p99",
            single_p99,
            Unit::Millis,
            "raw sign + one event's writes, 1 tx + flush + fsync, p99",
            floor_p99,
        ),
    ];
    rows.extend(verify_rows);
    rows.extend(peer_rows);
    Ok((rows, total, notes))
}

/// The side-by-side rows of sakip and the PostgreSQL peer, each a ratio
/// with the target issue 18 sets (docs/performance.md).
#[allow(clippy::too_many_arguments)]
fn peer_figures(
    f: &crate::peer::Figures,
    import_rate: f64,
    sign_rate: f64,
    singles: &mut [f64],
    raw_singles: &mut [f64],
    asof: &mut [f64],
    disk: f64,
    year: u16,
    batch: usize,
) -> Vec<Row> {
    let (p50, p99) = (percentile(singles, 50), percentile(singles, 99));
    let (raw50, raw99) = (percentile(raw_singles, 50), percentile(raw_singles, 99));
    let (q50, q99) = (percentile(asof, 50), percentile(asof, 99));
    vec![
        Row::new(
            format!("batch import ({batch} per transaction): sakip / peer"),
            import_rate,
            Unit::PerSecond,
            "PostgreSQL peer",
            f.import_rate,
        )
        .target("ratio >= 1.5", import_rate / f.import_rate >= 1.5),
        Row::new(
            "batch import: peer / raw Ed25519 sign (the peer's own floor)",
            f.import_rate,
            Unit::PerSecond,
            "raw Ed25519 sign, 1 core",
            sign_rate,
        ),
        Row::new(
            "single durable append p50: sakip / peer",
            p50,
            Unit::Millis,
            "PostgreSQL peer",
            f.single_p50,
        )
        .target("ratio <= 0.5", p50 / f.single_p50 <= 0.5),
        Row::new(
            "single durable append p99: sakip / peer",
            p99,
            Unit::Millis,
            "PostgreSQL peer",
            f.single_p99,
        )
        .target("ratio <= 1.0", p99 / f.single_p99 <= 1.0),
        Row::new(
            "single append floor p50 (raw sign + one event's writes, 1 tx + flush + fsync) / peer",
            raw50,
            Unit::Millis,
            "PostgreSQL peer",
            f.single_p50,
        ),
        Row::new(
            "single append floor p99 (raw sign + one event's writes, 1 tx + flush + fsync) / peer",
            raw99,
            Unit::Millis,
            "PostgreSQL peer",
            f.single_p99,
        ),
        Row::new(
            format!("as-of status {year} p50 (in process): sakip / peer query"),
            q50,
            Unit::Millis,
            "PostgreSQL peer",
            f.asof_p50,
        )
        .target("ratio <= 0.5", q50 / f.asof_p50 <= 0.5),
        Row::new(
            format!("as-of status {year} p99 (in process): sakip / peer query"),
            q99,
            Unit::Millis,
            "PostgreSQL peer",
            f.asof_p99,
        ),
        Row::new(
            "disk per event: sakip store / peer tables + indexes",
            disk,
            Unit::Bytes,
            "PostgreSQL peer",
            f.table_bytes_per_event,
        )
        .target("ratio <= 1.0", disk / f.table_bytes_per_event <= 1.0),
    ]
}

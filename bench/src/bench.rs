//! Measurements of the ledger's own paths beside raw baselines taken in the
//! same run on the same machine (raw Ed25519, raw sled, raw fsync), so the
//! figures are ratios that survive a change of hardware. Returns numbers;
//! never prints.

use sakip::clock::SystemClock;
use sakip::event::{Approval, Decision, Genesis, Holder, KeyAdded, Payload, Role};
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use sakip::{verify, Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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

    fn target(mut self, text: impl Into<String>, holds: bool) -> Row {
        self.target = Some((text.into(), holds));
        self
    }

    /// value / baseline value.
    pub fn ratio(&self) -> f64 {
        self.value / self.baseline_value
    }
}

fn rate(n: usize, since: Instant) -> f64 {
    n as f64 / since.elapsed().as_secs_f64().max(1e-9)
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Run `work` over `items` split evenly across every core.
fn on_all_cores<T: Sync>(items: &[T], work: impl Fn(&[T]) + Sync) {
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
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`).
fn status_bytes(field: &str) -> Option<f64> {
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

/// Open the sled store in `dir` as sakip does (the same page cache) and
/// read every entry of every tree once: what holding and reading the store
/// costs sled itself, with nothing checked. Runs of events are read as the
/// store reads them, one point read each (a long sled iterator keeps large
/// pages in memory: `docs/performance.md`, "Events in runs"); every other
/// tree with an iterator. Returns the entries read.
pub fn raw_read(dir: &Path) -> Result<u64> {
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(sakip::store::CACHE_BYTES)
        .open()?;
    let runs =
        db.open_tree("meta")?.get("events")?.as_deref() == Some(&[sakip::store::EventKeys::Runs as u8][..]);
    let mut entries = 0u64;
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        if runs && name == "events" {
            let mut seq = 0u64;
            while let Some(run) = tree.get(seq.to_be_bytes())? {
                seq += sakip::store::runs::split(seq, &run)?.len() as u64;
                std::hint::black_box(run);
                entries += 1;
            }
            continue;
        }
        for entry in tree.iter() {
            let (k, v) = entry?;
            std::hint::black_box((k, v));
            entries += 1;
        }
    }
    Ok(entries)
}

/// Above this many events the rebuild is not timed: at the rates measured
/// at 1M events it would take longer than everything else together.
const REBUILD_MAX_EVENTS: u64 = 2_000_000;

/// Verify, rebuild, disk and memory figures of one ledger, which is closed
/// at the end. `at` names the ledger size in the measure ("" for none).
/// With `exe` (the sakip binary), `sakip verify`, `sakip rebuild`, `sakip
/// export` and `sakip verify-bundle` run as processes of their own and are
/// timed wall clock (start included) with their own peak memory; without,
/// verify and rebuild run in this process.
fn ledger_rows(
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

/// Copy the projection index into a fresh sled tree in batches: the raw
/// cost of writing the entries a rebuild writes. Returns events per second.
fn raw_index_copy(store: &sakip::store::Store, dir: &Path, events: u64) -> Result<f64> {
    let entries = store.projection_entries_iter();
    let db = sled::Config::new().path(dir).open()?;
    let tree = db.open_tree("proj")?;
    let mut chunk: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(50_000);
    let mut elapsed = 0.0;
    let mut write = |chunk: &mut Vec<(Vec<u8>, Vec<u8>)>| -> Result<()> {
        let t = Instant::now();
        let mut batch = sled::Batch::default();
        for (k, v) in chunk.drain(..) {
            batch.insert(k.as_slice(), v.as_slice());
        }
        tree.apply_batch(batch)?;
        elapsed += t.elapsed().as_secs_f64();
        Ok(())
    };
    for entry in entries {
        chunk.push(entry?);
        if chunk.len() == 50_000 {
            write(&mut chunk)?;
        }
    }
    write(&mut chunk)?;
    let t = Instant::now();
    db.flush()?;
    elapsed += t.elapsed().as_secs_f64();
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
    Ok(events as f64 / elapsed.max(1e-9))
}

/// Raw Ed25519 signing (one core), batch and strict verification (every
/// core) and SHA-256 over `n` messages of an event's size.
pub fn crypto_baselines(n: usize) -> Result<Baselines> {
    let key = KeyPair::from_seed([7; 32]);
    let messages: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut body = vec![0x5a; 300];
            body[..8].copy_from_slice(&(i as u64).to_be_bytes());
            sakip::codec::signing_message(&body)
        })
        .collect();

    let t = Instant::now();
    let signatures: Vec<[u8; 64]> = messages.iter().map(|m| key.sign(m)).collect();
    let sign_rate = rate(n, t);
    let public = ed25519_dalek::VerifyingKey::from_bytes(&key.public().0)
        .map_err(|e| Error::Input(format!("benchmark key: {e}")))?;
    let pairs: Vec<(&[u8], ed25519_dalek::Signature)> = messages
        .iter()
        .zip(&signatures)
        .map(|(m, s)| (m.as_slice(), ed25519_dalek::Signature::from_bytes(s)))
        .collect();
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    on_all_cores(&pairs, |part| {
        for batch in part.chunks(64) {
            let msgs: Vec<&[u8]> = batch.iter().map(|(m, _)| *m).collect();
            let sigs: Vec<ed25519_dalek::Signature> = batch.iter().map(|(_, s)| *s).collect();
            if ed25519_dalek::verify_batch(&msgs, &sigs, &vec![public; batch.len()]).is_err() {
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let batch_verify_rate = rate(n, t);
    let t = Instant::now();
    on_all_cores(&pairs, |part| {
        for (m, s) in part {
            if public.verify_strict(m, s).is_err() {
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let strict_rate = rate(n, t);
    if failures.into_inner() != 0 {
        return Err(Error::Input("a benchmark signature did not verify".into()));
    }
    let t = Instant::now();
    let mut digest = [0u8; 32];
    for m in &messages {
        digest = sakip::codec::hash_stored(m).0;
    }
    std::hint::black_box(digest);
    let sha_rate = rate(n, t);

    Ok(Baselines {
        sign: sign_rate,
        batch_verify: batch_verify_rate,
        strict_verify: strict_rate,
        sha256: sha_rate,
    })
}

/// Raw sled with the ledger's seven trees, written with what an append of
/// realisations writes in the current store layout (3, events in runs):
/// the runs of events a transaction fills, each event's projection entry,
/// the hash look-up entries of the groups of 16 events it completes or
/// leaves open, the Merkle nodes of levels 4 and up its leaves complete,
/// the head; no kind index entry (realisations have none) and no time
/// entry. Each transaction is flushed and fsynced, as a commit is. No
/// signing, validation or encoding.
struct RawStore {
    dir: PathBuf,
    db_path: PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    file: std::fs::File,
    fold: sakip::store::HashFold,
    seq: u64,
}

impl RawStore {
    fn create(dir: &Path) -> Result<RawStore> {
        let db = sled::Config::new().path(dir).open()?;
        let names = ["events", "meta", "by_hash", "by_kind", "keys", "proj", "merkle"];
        let trees = names
            .iter()
            .map(|t| db.open_tree(t))
            .collect::<sled::Result<_>>()?;
        let db_path = dir.join("db");
        let file = std::fs::File::open(&db_path).map_err(|e| Error::io(&db_path, e))?;
        Ok(RawStore {
            dir: dir.into(),
            db_path,
            db,
            trees,
            file,
            fold: sakip::store::HashFold::new(sakip::store::Layout::CURRENT),
            seq: 0,
        })
    }

    /// Append `n` events of 200 bytes in one transaction, flushed and
    /// fsynced.
    fn append(&mut self, n: u64) -> Result<()> {
        use sled::Transactional;
        let event = [0x5a; 200];
        let (seq, end) = (self.seq, self.seq + n);
        let hash_entries = raw_hash_entries(&mut self.fold, seq..end);
        let runs = sakip::store::EventKeys::CURRENT.entries_of((seq..end).map(|s| (s, &event[..])));
        let t = &self.trees;
        let result: std::result::Result<(), sled::transaction::TransactionError<()>> =
            (&t[0], &t[1], &t[2], &t[5], &t[6]).transaction(|(events, meta, by_hash, proj, merkle)| {
                for (k, v) in &hash_entries {
                    by_hash.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &runs {
                    events.insert(k.as_slice(), v.as_slice())?;
                }
                for s in seq..end {
                    let k = s.to_be_bytes();
                    let h = raw_hash(s);
                    let mut entry = b"R\x07\xe5IKU-01\x00\x01".to_vec();
                    entry.extend_from_slice(&k);
                    proj.insert(entry, &[0x5a; 20])?;
                    for (level, index) in raw_merkle_nodes(s) {
                        let mut node = [0u8; 9];
                        node[0] = level;
                        node[1..].copy_from_slice(&index.to_be_bytes());
                        merkle.insert(&node, &h)?;
                    }
                }
                meta.insert(&b"head"[..], &[0x5a_u8; 48][..])?;
                Ok(())
            });
        result.map_err(|e| Error::Store(format!("{e:?}")))?;
        self.db.flush()?;
        self.file.sync_all().map_err(|e| Error::io(&self.db_path, e))?;
        self.seq = end;
        Ok(())
    }

    /// Disk bytes per event, and bytes of keys and values held per event.
    fn bytes_per_event(&self) -> Result<(f64, f64)> {
        let n = self.seq.max(1) as f64;
        let disk = dir_bytes(&self.dir) as f64 / n;
        let mut written = 0usize;
        for tree in &self.trees {
            for entry in tree.iter() {
                let (k, v) = entry?;
                written += k.len() + v.len();
            }
        }
        Ok((disk, written as f64 / n))
    }

    fn remove(self) {
        let dir = self.dir.clone();
        drop(self);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Raw sled: `n` events' worth of an import's writes ([`RawStore`]) in one
/// transaction per batch of `batch`: the store's floor under a batch
/// import. Returns events per second, disk bytes per event and the bytes
/// of keys and values it holds per event.
fn raw_transactions(dir: &Path, n: usize, batch: usize) -> Result<(f64, f64, f64)> {
    let mut raw = RawStore::create(dir)?;
    let t = Instant::now();
    while raw.seq < n as u64 {
        raw.append((batch as u64).min(n as u64 - raw.seq))?;
    }
    let rate = rate(n, t);
    let (disk, written) = raw.bytes_per_event()?;
    raw.remove();
    Ok((rate, disk, written))
}

/// The raw floor under a single durable append: after `history` events in
/// batches of `batch`, `singles` appends of one event, each a raw Ed25519
/// signature over an event-sized message and then that event's writes in
/// one transaction, flushed and fsynced ([`RawStore`]). Returns the
/// latency of each in milliseconds.
fn raw_single_appends(dir: &Path, history: usize, batch: usize, singles: usize) -> Result<Vec<f64>> {
    let mut raw = RawStore::create(dir)?;
    while raw.seq < history as u64 {
        raw.append((batch as u64).min(history as u64 - raw.seq))?;
    }
    let key = KeyPair::from_seed([9; 32]);
    let mut body = vec![0x5a; 300];
    let mut out = Vec::with_capacity(singles);
    for i in 0..singles as u64 {
        let t = Instant::now();
        body[..8].copy_from_slice(&i.to_be_bytes());
        std::hint::black_box(key.sign(&sakip::codec::signing_message(&body)));
        raw.append(1)?;
        out.push(millis(t));
    }
    raw.remove();
    Ok(out)
}

/// A stand-in for the hash of event `seq`: as scattered as a real one.
fn raw_hash(seq: u64) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&seq.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    h[8..16].copy_from_slice(&seq.to_be_bytes());
    h
}

/// The hash look-up entries a store of the current layout writes for the
/// events `seqs`, appended as one batch after those `fold` has seen: every
/// group the batch completes, and the one it leaves open.
fn raw_hash_entries(
    fold: &mut sakip::store::HashFold,
    seqs: std::ops::Range<u64>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<_> = seqs.filter_map(|s| fold.push(s, &raw_hash(s))).collect();
    out.extend(fold.open_entry());
    out
}

/// The Merkle nodes a store of the current layout writes when leaf `seq`
/// is appended: every perfect subtree it completes, from the lowest level
/// the layout stores up.
fn raw_merkle_nodes(seq: u64) -> impl Iterator<Item = (u8, u64)> {
    let completed = seq.trailing_ones() as u8;
    (sakip::store::Layout::CURRENT.first_stored_level()..=completed).map(move |level| (level, seq >> level))
}

/// Raw sled: the same writes as [`raw_transactions`], keyed by a one-byte
/// space prefix in a single tree and written with one atomic `apply_batch`
/// per batch, flushed and fsynced: what a one-tree store layout would cost.
fn raw_one_tree_batches(dir: &Path, n: usize, batch: usize) -> Result<f64> {
    let db = sled::Config::new().path(dir).open()?;
    let tree = db.open_tree("ledger")?;
    let db_path = dir.join("db");
    let file = std::fs::File::open(&db_path).map_err(|e| Error::io(&db_path, e))?;
    let event = vec![0x5a; 200];
    let key = |space: u8, parts: &[&[u8]]| {
        let mut k = vec![space];
        for p in parts {
            k.extend_from_slice(p);
        }
        k
    };
    let t = Instant::now();
    let mut seq = 0u64;
    let mut fold = sakip::store::HashFold::new(sakip::store::Layout::CURRENT);
    while (seq as usize) < n {
        let end = (seq + batch as u64).min(n as u64);
        let mut b = sled::Batch::default();
        for (k, v) in raw_hash_entries(&mut fold, seq..end) {
            b.insert(key(b'h', &[&k]), v);
        }
        for (k, v) in sakip::store::EventKeys::CURRENT.entries_of((seq..end).map(|s| (s, event.as_slice()))) {
            b.insert(key(b'e', &[&k]), v);
        }
        for s in seq..end {
            let k = s.to_be_bytes();
            let h = raw_hash(s);
            b.insert(key(b'p', &[b"R\x07\xe5IKU-01\x00\x01", &k]), &[0x5a_u8; 20][..]);
            for (level, index) in raw_merkle_nodes(s) {
                b.insert(key(b'm', &[&[level], &index.to_be_bytes()]), &h[..]);
            }
        }
        b.insert(key(b'x', &[b"head"]), &[0x5a_u8; 48][..]);
        tree.apply_batch(b)?;
        db.flush()?;
        file.sync_all().map_err(|e| Error::io(&db_path, e))?;
        seq = end;
    }
    let rate = rate(n, t);
    drop(tree);
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
    Ok(rate)
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

/// Latency of one as-of status query at a ledger size.
#[derive(Clone, Debug)]
pub struct QueryFigure {
    pub events: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Results of the projection benchmark.
#[derive(Clone, Debug)]
pub struct ProjectionFigures {
    pub queries: Vec<QueryFigure>,
    pub tree: TreeFigures,
    pub append_rate: f64,
    /// Query, report, verify, rebuild, disk and memory rows.
    pub rows: Vec<Row>,
    /// What the peer run says of itself.
    pub notes: Vec<String>,
}

/// sakip and the peer at one ledger size of the projection run.
struct PeerPoint {
    events: u64,
    /// sakip, 2021 (two versions per figure) and 1990 (20), in process.
    normal: QueryFigure,
    many: QueryFigure,
    /// sakip as a fresh process: `sakip status` wall clock, and a raw
    /// open of its sled store in this process (the floor), ms.
    fresh: Option<(f64, f64)>,
    /// The peer: p50, p99 of 2021 and 1990; a new connection's query.
    peer_normal: (f64, f64),
    peer_many: (f64, f64),
    peer_fresh: f64,
}

/// `sakip status --year Y` as a process of its own, wall clock in ms
/// (the ledger is released to it and reopened after), and the time sled
/// alone takes to open the same store, the floor under it.
fn fresh_status(ledger: &mut Ledger, exe: &Path, year: u16) -> Result<(f64, f64)> {
    let dir = ledger.release();
    let t = Instant::now();
    drop(
        sled::Config::new()
            .path(dir.join("store"))
            .cache_capacity(16 << 20)
            .open()?,
    );
    let raw_open = millis(t);
    let t = Instant::now();
    let out = std::process::Command::new(exe)
        .arg("--ledger")
        .arg(&dir)
        .args(["--format", "json", "status", "--year", &year.to_string()])
        .output()
        .map_err(|e| Error::io(exe, e))?;
    let ms = millis(t);
    ledger.reopen(&dir, std::time::Duration::from_secs(30))?;
    if !out.status.success() {
        return Err(Error::Input(format!(
            "sakip status failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok((ms, raw_open))
}

const BENCH_INDICATORS: usize = 50;

fn bench_plan(ledger: &mut Ledger, admin: &KeyPair) -> Result<()> {
    let mut items = vec![(
        admin,
        Payload::PlanItemDefined(sakip::event::PlanItemDefined {
            code: "T".into(),
            level: sakip::event::Level::Tujuan,
            name: "Tujuan".into(),
            parent: None,
        }),
    )];
    for i in 0..BENCH_INDICATORS {
        items.push((
            admin,
            Payload::IndicatorDefined(sakip::event::IndicatorDefined {
                code: format!("IND-{i:02}"),
                name: format!("Indikator {i}"),
                item: "T".into(),
                unit: "%".into(),
                polarity: sakip::event::Polarity::HigherIsBetter,
                value_kind: sakip::event::ValueKind::Number,
                aggregation: if i % 2 == 0 {
                    sakip::event::Aggregation::LastQuarter
                } else {
                    sakip::event::Aggregation::Sum
                },
                lower_rule: sakip::event::LowerRule::Inverse,
                cap: None,
                iku: true,
                formula: None,
                source: None,
            }),
        ));
        items.push((
            admin,
            Payload::TargetSet(sakip::event::TargetSet {
                indicator: format!("IND-{i:02}"),
                year: 2021,
                scope: sakip::event::TargetScope::Year,
                value: sakip::event::Value::Number(sakip::event::Dec(rust_decimal::Decimal::from(
                    90 + i as i64,
                ))),
                stage: sakip::event::Stage::Murni,
            }),
        ));
    }
    ledger.append_all(items)?;
    Ok(())
}

/// The payloads of one year of one indicator and period: a record and
/// `corrections` corrections, chained on the seqs they will get from `next`.
fn figure_versions(year: u16, ind: usize, quarter: u8, corrections: u64, next: u64) -> Vec<Payload> {
    use sakip::event::{Dec, PeriodRef, RealisationCorrected, RealisationRecorded, Value};
    let period = PeriodRef { year, quarter };
    let v = |k: u64| {
        Value::Number(Dec(rust_decimal::Decimal::new(
            8000 + ((year as i64 * 7 + ind as i64 * 3 + k as i64) % 2000),
            2,
        )))
    };
    let mut out = vec![Payload::RealisationRecorded(RealisationRecorded {
        indicator: format!("IND-{ind:02}"),
        period,
        value: v(0),
        note: None,
    })];
    for k in 1..=corrections {
        out.push(Payload::RealisationCorrected(RealisationCorrected {
            indicator: format!("IND-{ind:02}"),
            period,
            value: v(k),
            supersedes: next + k - 1,
            reason: "koreksi data".into(),
        }));
    }
    out
}

/// More measurements on a grown ledger, signed in with its admin key: the
/// rows, and the ledger handed back.
pub type AtLargest<'a> = dyn FnMut(Ledger, &KeyPair) -> Result<(Vec<Row>, Ledger)> + 'a;

/// Build a synthetic one-agency ledger through the real append path, and
/// time the as-of status query for year 2021 when the ledger reaches each
/// of `sizes` events; then time a full projection rebuild.
/// `at_largest` is given the grown ledger and its admin key before the
/// whole-ledger rows, to measure more on it (the web dashboard), and hands
/// the ledger back with its rows.
#[allow(clippy::too_many_arguments)]
pub fn projection(
    dir: &Path,
    sizes: &[u64],
    corrections: u64,
    base: &Baselines,
    exe: Option<&Path>,
    peer: bool,
    at_largest: &mut AtLargest<'_>,
) -> Result<ProjectionFigures> {
    let mut notes = Vec::new();
    let server = if peer {
        match crate::peer::Server::start(&dir.join("postgres")) {
            Ok(s) => Some(s),
            Err(why) => {
                notes.push(format!("peer: skipped, {why}"));
                None
            }
        }
    } else {
        None
    };
    let mut peer = match &server {
        Some(s) => Some(crate::peer::Peer::new(s, KeyPair::from_seed([9; 32])).map_err(Error::Input)?),
        None => None,
    };
    let mut points: Vec<PeerPoint> = Vec::new();
    let peer_err = |e: String| Error::Input(e);
    // Seconds spent appending the grown history, by each side.
    let (mut sakip_grow, mut peer_grow) = (0.0_f64, 0.0_f64);
    let admin = KeyPair::from_seed([7; 32]);
    let operator = KeyPair::from_seed([9; 32]);
    let genesis = Genesis {
        agency_code: "BENCH".into(),
        agency_name: "Benchmark agency".into(),
        admin: Holder {
            name: "admin".into(),
            nip: None,
            jabatan: None,
        },
        nonce: Some(sakip::keys::random_nonce(&mut rand_core::OsRng)),
    };
    let mut ledger = Ledger::init(&dir.join("ledger"), Arc::new(SystemClock), &admin, genesis)?;
    ledger.append(
        &admin,
        Payload::KeyAdded(KeyAdded {
            key: operator.public(),
            holder: Holder {
                name: "operator".into(),
                nip: None,
                jabatan: None,
            },
            roles: vec![Role::Operator],
        }),
    )?;
    bench_plan(&mut ledger, &admin)?;
    // The queried year: every figure once, plus one correction each.
    let mut years: Vec<u16> = vec![2021];
    years.extend((1990..=2200u16).filter(|y| *y != 2021));
    let mut figures = Vec::new();
    let mut pending: Vec<Payload> = Vec::new();
    let mut targets = sizes.iter().copied().peekable();
    let mut appended = 0u64;
    let t_append = Instant::now();
    'years: for year in years {
        let chain = if year == 2021 { 1 } else { corrections };
        for ind in 0..BENCH_INDICATORS {
            for quarter in 0..=4u8 {
                let next = ledger.head().count + pending.len() as u64;
                pending.extend(figure_versions(year, ind, quarter, chain, next));
                if pending.len() >= 5_000 {
                    appended += pending.len() as u64;
                    let batch: Vec<Payload> = std::mem::take(&mut pending);
                    if let Some(p) = &mut peer {
                        let t = Instant::now();
                        p.append(&batch).map_err(peer_err)?;
                        peer_grow += t.elapsed().as_secs_f64();
                    }
                    let t = Instant::now();
                    ledger.append_all(batch.into_iter().map(|p| (&operator, p)).collect())?;
                    sakip_grow += t.elapsed().as_secs_f64();
                }
                if let Some(&size) = targets.peek() {
                    if ledger.head().count >= size && pending.is_empty() {
                        let normal = time_query(&ledger, 2021)?;
                        if let Some(p) = &mut peer {
                            let q = |t: Vec<f64>| {
                                (percentile(&mut t.clone(), 50), percentile(&mut t.clone(), 99))
                            };
                            points.push(PeerPoint {
                                events: normal.events,
                                normal: normal.clone(),
                                many: time_query(&ledger, 1990)?,
                                fresh: match exe {
                                    Some(exe) => Some(fresh_status(&mut ledger, exe, 2021)?),
                                    None => None,
                                },
                                peer_normal: q(p.asof_times(2021, 101).map_err(peer_err)?),
                                peer_many: q(p.asof_times(1990, 101).map_err(peer_err)?),
                                peer_fresh: p.fresh_asof(2021).map_err(peer_err)?,
                            });
                        }
                        figures.push(normal);
                        targets.next();
                    }
                } else {
                    break 'years;
                }
            }
        }
    }
    let append_rate = rate(appended as usize, t_append);
    if targets.peek().is_some() {
        return Err(Error::Input(
            "the synthetic generator ran out of years; raise --corrections".into(),
        ));
    }
    let tree = tree(&ledger)?;
    let mut rows = Vec::new();
    if let Some(first) = figures.first() {
        let floor = year_scan(&ledger, 2021)?;
        rows.push(
            Row::new(
                format!("as-of query p50, {} events", first.events),
                first.p50_ms,
                Unit::Millis,
                "raw sled scan of the year's index entries",
                floor,
            )
            .target("< 1 ms", first.p50_ms < 1.0),
        );
        for q in &figures[1..] {
            rows.push(
                Row::new(
                    format!("as-of query p50, {} events", q.events),
                    q.p50_ms,
                    Unit::Millis,
                    format!("p50 at {} events", first.events),
                    first.p50_ms,
                )
                .target(
                    "< 1 ms, ratio <= 2",
                    q.p50_ms < 1.0 && q.p50_ms <= 2.0 * first.p50_ms,
                ),
            );
        }
        for q in &figures {
            rows.push(Row::new(
                format!("as-of query p99, {} events", q.events),
                q.p99_ms,
                Unit::Millis,
                format!("p50 at {} events", q.events),
                q.p50_ms,
            ));
        }
    }
    if let Some(last) = figures.last() {
        rows.push(Row::new(
            format!("report lkjip html, {} events", last.events),
            time_report(&ledger, 2021)?,
            Unit::Millis,
            format!("as-of query p50 at {} events", last.events),
            last.p50_ms,
        ));
    }
    for point in &points {
        rows.extend(peer_point_rows(point));
    }
    let mut peer_verify = None;
    if peer.is_some() && peer_grow > 0.0 {
        let (a, b) = (appended as f64 / sakip_grow, appended as f64 / peer_grow);
        rows.push(
            Row::new(
                format!(
                    "growing to {} events, 5.000 per transaction: sakip / peer",
                    ledger.head().count
                ),
                a,
                Unit::PerSecond,
                "PostgreSQL peer",
                b,
            )
            .target("ratio >= 1.5", a / b >= 1.5),
        );
    }
    if let Some(p) = &mut peer {
        // Queries inside a process that is also writing: a durable append,
        // then the status, 100 times, on both sides.
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        let q = sakip::projection::Query {
            year: 2021,
            as_of: sakip::period::Quarter::LAST,
            known: 0,
            approved_only: false,
        };
        for i in 0..100u32 {
            let write = Payload::NarrativeRecorded(sakip::event::NarrativeRecorded {
                indicator: "IND-00".into(),
                year: 2021,
                faktor_pendorong: format!("catatan {i}"),
                hambatan: String::new(),
                strategi_pemecahan: String::new(),
            });
            ledger.append(&operator, write.clone())?;
            let t = Instant::now();
            let q = sakip::projection::Query {
                known: ledger.head().count - 1,
                ..q
            };
            std::hint::black_box(sakip::projection::state(&ledger.index(), &q)?);
            mine.push(millis(t));
            p.append(std::slice::from_ref(&write)).map_err(peer_err)?;
            theirs.extend(p.asof_times(2021, 1).map_err(peer_err)?);
        }
        let (a, b) = (percentile(&mut mine, 99), percentile(&mut theirs, 99));
        rows.push(
            Row::new(
                format!(
                    "as-of status 2021 p99 while writing, {} events: sakip / peer",
                    ledger.head().count
                ),
                a,
                Unit::Millis,
                "PostgreSQL peer",
                b,
            )
            .target("ratio <= 1.0", a / b <= 1.0),
        );
        let peer_disk = p.table_bytes_per_event().map_err(peer_err)?;
        let disk = dir_bytes(&ledger.store().dir().join("store")) as f64 / ledger.head().count as f64;
        rows.push(
            Row::new(
                format!(
                    "disk per event, {} events: sakip store / peer tables + indexes",
                    ledger.head().count
                ),
                disk,
                Unit::Bytes,
                "PostgreSQL peer",
                peer_disk,
            )
            .target("ratio <= 1.0", disk / peer_disk <= 1.0),
        );
        let rate = p.verify_rate().map_err(peer_err)?;
        peer_verify = Some(rate);
        notes.push(format!(
            "peer (projection run): {} events in transactions of 5.000; verify {rate:.0}/s on every core",
            p.count().map_err(peer_err)?
        ));
    }
    drop(peer);
    drop(server);
    let at = format!(", {} events", ledger.head().count);
    rows.extend(verified_reads(&ledger, 2021, &at[2..])?);
    let (more, ledger) = at_largest(ledger, &admin)?;
    rows.extend(more);
    let whole = ledger_rows(ledger, dir, base, &at, exe)?;
    let verify_rate = whole
        .iter()
        .find(|r| r.measure == format!("sakip verify{at}") && r.unit == Unit::PerSecond)
        .map(|r| r.value);
    rows.extend(whole);
    if let (Some(theirs), Some(ours)) = (peer_verify, verify_rate) {
        rows.push(
            Row::new(
                format!("verify{at}: sakip verify (process) / peer (chain + strict signatures, all cores)"),
                ours,
                Unit::PerSecond,
                "PostgreSQL peer",
                theirs,
            )
            .target("ratio >= 1.5", ours / theirs >= 1.5),
        );
    }
    Ok(ProjectionFigures {
        queries: figures,
        tree,
        append_rate,
        rows,
        notes,
    })
}

/// The as-of rows of one size: sakip beside the peer, with the targets.
fn peer_point_rows(p: &PeerPoint) -> Vec<Row> {
    let n = p.events;
    let mut rows = vec![
        Row::new(
            format!("as-of status 2021 p50, {n} events (2 versions per figure): sakip / peer"),
            p.normal.p50_ms,
            Unit::Millis,
            "PostgreSQL peer",
            p.peer_normal.0,
        )
        .target("ratio <= 0.5", p.normal.p50_ms / p.peer_normal.0 <= 0.5),
        Row::new(
            format!("as-of status 1990 p50, {n} events (20 versions per figure): sakip / peer"),
            p.many.p50_ms,
            Unit::Millis,
            "PostgreSQL peer",
            p.peer_many.0,
        )
        .target("ratio <= 0.5", p.many.p50_ms / p.peer_many.0 <= 0.5),
        Row::new(
            format!("as-of status 1990 p99, {n} events (20 versions per figure): sakip / peer"),
            p.many.p99_ms,
            Unit::Millis,
            "PostgreSQL peer",
            p.peer_many.1,
        ),
    ];
    if let Some((fresh, raw_open)) = p.fresh {
        rows.push(
            Row::new(
                format!("status as a fresh process (open + query), {n} events: sakip / peer new connection"),
                fresh,
                Unit::Millis,
                "PostgreSQL peer",
                p.peer_fresh,
            )
            .target("<= 200 ms", fresh <= 200.0),
        );
        rows.push(Row::new(
            format!("status as a fresh process (open + query), {n} events"),
            fresh,
            Unit::Millis,
            "raw sled open of the same store",
            raw_open,
        ));
    }
    rows
}

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
fn time_report(ledger: &Ledger, year: u16) -> Result<f64> {
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
fn year_scan(ledger: &Ledger, year: u16) -> Result<f64> {
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

fn time_query(ledger: &Ledger, year: u16) -> Result<QueryFigure> {
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

//! Measurements of the ledger's own paths beside raw baselines taken in the
//! same run on the same machine (raw Ed25519, raw sled, raw fsync), so the
//! figures are ratios that survive a change of hardware. Returns numbers;
//! never prints.

use crate::clock::SystemClock;
use crate::event::{Approval, Decision, Genesis, Holder, KeyAdded, Payload, Role};
use crate::keys::{self, KeyPair};
use crate::ledger::Ledger;
use crate::{verify, Error, Result};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// One measured rate beside its baseline.
#[derive(Clone, Debug)]
pub struct Figure {
    pub name: String,
    /// Operations per second.
    pub rate: f64,
    pub baseline_name: String,
    pub baseline_rate: f64,
}

impl Figure {
    /// rate / baseline rate.
    pub fn ratio(&self) -> f64 {
        self.rate / self.baseline_rate
    }
}

fn rate(n: usize, since: Instant) -> f64 {
    n as f64 / since.elapsed().as_secs_f64().max(1e-9)
}

fn approval(n: u64) -> Payload {
    Payload::Approval(Approval {
        decision: Decision::Approve,
        covers: vec![1],
        comment: Some(format!("benchmark approval number {n}: sesuai dokumen pendukung")),
    })
}

/// Measure the core paths in `dir` (which must be empty): `events` batched
/// appends in batches of `batch`, `singles` single durable appends.
pub fn core(dir: &Path, events: usize, batch: usize, singles: usize) -> Result<Vec<Figure>> {
    let key = KeyPair::from_seed([7; 32]);
    let msg = crate::codec::signing_message(&[0x5a; 200]);

    // Baselines: raw Ed25519.
    let t = Instant::now();
    let mut sig = [0u8; 64];
    for _ in 0..events {
        sig = key.sign(&msg);
    }
    let sign_rate = rate(events, t);
    let t = Instant::now();
    for _ in 0..events {
        keys::verify_strict(&key.public(), &msg, &sig).map_err(Error::Input)?;
    }
    let verify_rate = rate(events, t);

    // Baselines: raw sled inserts, then one insert + flush + fsync each.
    let raw_dir = dir.join("raw-sled");
    let db = sled::Config::new().path(&raw_dir).open()?;
    let tree = db.open_tree("t")?;
    let value = vec![0x5a; 300];
    let t = Instant::now();
    for i in 0..events as u64 {
        tree.insert(i.to_be_bytes(), value.as_slice())?;
    }
    db.flush()?;
    let sled_rate = rate(events, t);
    let file = std::fs::File::open(raw_dir.join("db")).map_err(|e| Error::io(raw_dir.join("db"), e))?;
    let t = Instant::now();
    for i in 0..singles as u64 {
        tree.insert((u64::MAX - i).to_be_bytes(), value.as_slice())?;
        db.flush()?;
        file.sync_all().map_err(|e| Error::io(raw_dir.join("db"), e))?;
    }
    let raw_durable_rate = rate(singles, t);
    drop(db);

    // The ledger itself.
    let ledger_dir = dir.join("ledger");
    let clock = Arc::new(SystemClock);
    let genesis = Genesis {
        agency_code: "BENCH".into(),
        agency_name: "Benchmark agency".into(),
        admin: Holder {
            name: "admin".into(),
            nip: None,
            jabatan: None,
        },
    };
    let mut ledger = Ledger::init(&ledger_dir, clock, &key, genesis)?;
    let approver = KeyPair::from_seed([8; 32]);
    ledger.append(
        &key,
        Payload::KeyAdded(KeyAdded {
            key: approver.public(),
            holder: Holder {
                name: "approver".into(),
                nip: None,
                jabatan: None,
            },
            roles: vec![Role::Approver],
        }),
    )?;
    let t = Instant::now();
    let mut n = 0u64;
    while (n as usize) < events {
        let size = batch.min(events - n as usize);
        let items = (0..size as u64).map(|i| (&approver, approval(n + i))).collect();
        ledger.append_all(items)?;
        n += size as u64;
    }
    let batched_rate = rate(events, t);
    let t = Instant::now();
    for i in 0..singles as u64 {
        ledger.append(&approver, approval(i))?;
    }
    let single_rate = rate(singles, t);
    let total = ledger.head().count as usize;
    let t = Instant::now();
    verify::verify_store(ledger.store())?;
    let verify_ledger_rate = rate(total, t);

    let fig = |name: &str, rate: f64, baseline_name: &str, baseline_rate: f64| Figure {
        name: name.into(),
        rate,
        baseline_name: baseline_name.into(),
        baseline_rate,
    };
    Ok(vec![
        fig(
            &format!("batched append (batch {batch})"),
            batched_rate,
            "raw Ed25519 sign",
            sign_rate,
        ),
        fig(
            &format!("batched append (batch {batch})"),
            batched_rate,
            "raw sled insert",
            sled_rate,
        ),
        fig(
            "single durable append",
            single_rate,
            "raw sled insert+flush+fsync",
            raw_durable_rate,
        ),
        fig(
            "verify",
            verify_ledger_rate,
            "raw Ed25519 verify_strict",
            verify_rate,
        ),
    ])
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
    pub rebuild_events: u64,
    pub rebuild_rate: f64,
    pub append_rate: f64,
}

const BENCH_INDICATORS: usize = 50;

fn bench_plan(ledger: &mut Ledger, admin: &KeyPair) -> Result<()> {
    let mut items = vec![(
        admin,
        Payload::PlanItemDefined(crate::event::PlanItemDefined {
            code: "T".into(),
            level: crate::event::Level::Tujuan,
            name: "Tujuan".into(),
            parent: None,
        }),
    )];
    for i in 0..BENCH_INDICATORS {
        items.push((
            admin,
            Payload::IndicatorDefined(crate::event::IndicatorDefined {
                code: format!("IND-{i:02}"),
                name: format!("Indikator {i}"),
                item: "T".into(),
                unit: "%".into(),
                polarity: crate::event::Polarity::HigherIsBetter,
                value_kind: crate::event::ValueKind::Number,
                aggregation: if i % 2 == 0 {
                    crate::event::Aggregation::LastQuarter
                } else {
                    crate::event::Aggregation::Sum
                },
                lower_rule: crate::event::LowerRule::Inverse,
                cap: None,
                iku: true,
                formula: None,
                source: None,
            }),
        ));
        items.push((
            admin,
            Payload::TargetSet(crate::event::TargetSet {
                indicator: format!("IND-{i:02}"),
                year: 2021,
                scope: crate::event::TargetScope::Year,
                value: crate::event::Value::Number(crate::event::Dec(rust_decimal::Decimal::from(
                    90 + i as i64,
                ))),
                stage: crate::event::Stage::Murni,
            }),
        ));
    }
    ledger.append_all(items)?;
    Ok(())
}

/// The payloads of one year of one indicator and period: a record and
/// `corrections` corrections, chained on the seqs they will get from `next`.
fn figure_versions(year: u16, ind: usize, quarter: u8, corrections: u64, next: u64) -> Vec<Payload> {
    use crate::event::{Dec, PeriodRef, RealisationCorrected, RealisationRecorded, Value};
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

/// Build a synthetic one-agency ledger through the real append path, and
/// time the as-of status query for year 2021 when the ledger reaches each
/// of `sizes` events; then time a full projection rebuild.
pub fn projection(dir: &Path, sizes: &[u64], corrections: u64) -> Result<ProjectionFigures> {
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
                    ledger.append_all(pending.drain(..).map(|p| (&operator, p)).collect())?;
                }
                if let Some(&size) = targets.peek() {
                    if ledger.head().count >= size && pending.is_empty() {
                        figures.push(time_query(&ledger)?);
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
    let t = Instant::now();
    let rebuilt = ledger.rebuild()?;
    let rebuild_rate = rate(rebuilt as usize, t);
    Ok(ProjectionFigures {
        queries: figures,
        tree,
        rebuild_events: rebuilt,
        rebuild_rate,
        append_rate,
    })
}

fn time_query(ledger: &Ledger) -> Result<QueryFigure> {
    let q = crate::projection::Query {
        year: 2021,
        as_of: 4,
        known: ledger.head().count - 1,
        approved_only: false,
    };
    let mut times = Vec::new();
    for _ in 0..101 {
        let t = Instant::now();
        let states = crate::projection::state(ledger.store(), &q)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if states.len() != BENCH_INDICATORS {
            return Err(Error::Input("benchmark plan is incomplete".into()));
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
    let root = crate::merkle::root(store, size)?;
    let checkpoint_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let inclusion = crate::merkle::inclusion_proof(store, size / 2, size)?;
    let inclusion_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let consistency = crate::merkle::consistency_proof(store, size / 2, size)?;
    let consistency_ms = t.elapsed().as_secs_f64() * 1000.0;
    let old_root = crate::merkle::root(store, size / 2)?;
    if !crate::merkle::verify_consistency(size / 2, size, &old_root, &root, &consistency) {
        return Err(Error::Input("benchmark consistency proof does not verify".into()));
    }
    let mut mem = crate::merkle::MemNodes::default();
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

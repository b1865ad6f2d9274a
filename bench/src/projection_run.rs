//! The projection run: one ledger of 50 indicators grown with corrections, its as-of queries, growth and a fresh process's status, beside the peer.

use crate::bench::*;
use crate::core_run::ledger_rows;
use crate::reads::*;
use sakip::clock::SystemClock;
use sakip::event::{Genesis, Holder, KeyAdded, Payload, Role};
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use sakip::{Error, Result};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

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

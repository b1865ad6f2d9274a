//! Crash safety: the real binary is killed with SIGKILL at random moments
//! while it imports a large batch or appends single entries. After every
//! kill the ledger opens, `verify` passes, every acknowledged append is
//! there, and no batch is half-written.
//!
//! `SAKIP_CRASH_KILLS` sets the number of kills (default 50; the long run in
//! `scripts/crash-run.sh` uses 1000) and `SAKIP_CRASH_BATCH` the rows per
//! import (default 300). This is the one test that sleeps: the
//! kill has to land somewhere in the middle of real work. The random delays
//! come from a fixed seed.

use assert_cmd::cargo::CommandCargoExt;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use sakip::event::*;
use sakip::keys::{self, KeyPair};
use sakip::ledger::Ledger;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Periods per indicator: years 1990-2200, the year and its four quarters.
const SLOTS_PER_INDICATOR: usize = 211 * 5;

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

/// A ledger with an operator and `indicators` number indicators.
fn setup(dir: &Path, indicators: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let admin = KeyPair::from_seed([1; 32]);
    let op = KeyPair::from_seed([2; 32]);
    let ledger = dir.join("ledger");
    let clock = Arc::new(sakip::clock::SystemClock);
    let mut l = Ledger::init(
        &ledger,
        clock,
        &admin,
        Genesis {
            agency_code: "C".into(),
            agency_name: "C".into(),
            admin: holder("a"),
            nonce: Some([15; 32]),
        },
    )
    .unwrap();
    let mut items = vec![(
        &admin,
        Payload::KeyAdded(KeyAdded {
            key: op.public(),
            holder: holder("op"),
            roles: vec![Role::Operator],
        }),
    )];
    items.push((
        &admin,
        Payload::PlanItemDefined(PlanItemDefined {
            code: "T".into(),
            level: Level::Tujuan,
            name: "t".into(),
            parent: None,
        }),
    ));
    for i in 0..indicators {
        items.push((
            &admin,
            Payload::IndicatorDefined(IndicatorDefined {
                code: format!("I{i}"),
                name: format!("indikator {i}"),
                item: "T".into(),
                unit: "x".into(),
                polarity: Polarity::HigherIsBetter,
                value_kind: ValueKind::Number,
                aggregation: Aggregation::Sum,
                lower_rule: LowerRule::Inverse,
                cap: None,
                iku: false,
                formula: None,
                source: None,
            }),
        ));
    }
    l.append_all(items).unwrap();
    let key = dir.join("op.key");
    keys::write_key_files(&key, &op, Some(&holder("op"))).unwrap();
    (ledger, key)
}

/// The (indicator, year, quarter) slots, each usable once.
fn slot(n: usize) -> (usize, u16, u8) {
    let i = n / SLOTS_PER_INDICATOR;
    let r = n % SLOTS_PER_INDICATOR;
    (i, 1990 + (r / 5) as u16, (r % 5) as u8)
}

fn period(year: u16, quarter: u8) -> String {
    if quarter == 0 {
        year.to_string()
    } else {
        format!("{year}-Q{quarter}")
    }
}

fn sakip(ledger: &Path, key: &Path) -> Command {
    let mut c = Command::cargo_bin("sakip").unwrap();
    c.env("SAKIP_LEDGER", ledger)
        .env("SAKIP_STATE_DIR", ledger.with_extension("state"))
        .env("SAKIP_KEY", key)
        .env("NO_COLOR", "1");
    c
}

fn run(ledger: &Path, key: &Path, args: &[&str]) -> (i32, String, String) {
    let out = sakip(ledger, key).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Realisation events per (indicator, period), read back through the binary.
fn recorded(ledger: &Path, key: &Path) -> std::collections::HashMap<(String, String), u64> {
    let (code, out, err) = run(
        ledger,
        key,
        &["log", "--kind", "realisation_recorded", "--format", "jsonl"],
    );
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            let p = &v["payload"]["period"];
            let q = p["quarter"].as_u64().unwrap() as u8;
            let y = p["year"].as_u64().unwrap() as u16;
            (
                (
                    v["payload"]["indicator"].as_str().unwrap().to_string(),
                    period(y, q),
                ),
                v["seq"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The (indicator, period) slots an append wrote, whether it was a batch,
/// and whether it was acknowledged before the kill.
type Attempt = (Vec<(String, String)>, bool, bool);

#[test]
fn killed_at_random_the_ledger_keeps_every_acknowledged_append_and_no_partial_batch() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let kills = env("SAKIP_CRASH_KILLS", 50);
    let batch_rows = env("SAKIP_CRASH_BATCH", 300);
    let dir = tempfile::tempdir().unwrap();
    // Enough slots for every kill to be a full batch.
    let indicators = kills * batch_rows / SLOTS_PER_INDICATOR + 2;
    let (ledger, key) = setup(dir.path(), indicators);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20211231);
    let mut next_slot = 0usize;
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut acked_total = 0;
    for round in 0..kills {
        let batch = rng.next_u32() % 3 != 0;
        let n = if batch { batch_rows } else { 1 };
        let slots: Vec<(String, String)> = (0..n)
            .map(|k| {
                let (i, y, q) = slot(next_slot + k);
                (format!("I{i}"), period(y, q))
            })
            .collect();
        next_slot += n;
        assert!(next_slot < indicators * SLOTS_PER_INDICATOR, "out of slots");
        let mut child = if batch {
            let csv = dir.path().join(format!("batch-{round}.csv"));
            let mut text = String::from("indicator;period;value\n");
            for (i, p) in &slots {
                text.push_str(&format!("{i};{p};{round}\n"));
            }
            std::fs::write(&csv, text).unwrap();
            sakip(&ledger, &key)
                .args(["import", "realisasi"])
                .arg(&csv)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        } else {
            let (i, p) = &slots[0];
            sakip(&ledger, &key)
                .args([
                    "record",
                    "realisasi",
                    "--indicator",
                    i,
                    "--period",
                    p,
                    "--value",
                    "1",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let delay = rng.next_u32() % if batch { 150 } else { 30 };
        std::thread::sleep(Duration::from_millis(delay as u64));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let acked = stdout.starts_with("imported ") || stdout.starts_with("seq ");
        acked_total += acked as usize;
        attempts.push((slots, batch, acked));

        // After every kill: the ledger opens and verifies.
        let (code, _, err) = run(&ledger, &key, &["verify"]);
        assert_eq!(code, 0, "round {round}: verify after kill: {err}");
    }
    let present = recorded(&ledger, &key);
    for (n, (slots, batch, acked)) in attempts.iter().enumerate() {
        let found = slots.iter().filter(|s| present.contains_key(*s)).count();
        if *acked {
            assert_eq!(
                found,
                slots.len(),
                "attempt {n}: an acknowledged append is missing"
            );
        }
        if *batch {
            assert!(
                found == 0 || found == slots.len(),
                "attempt {n}: a batch is half-written ({found} of {})",
                slots.len()
            );
        }
    }
    eprintln!(
        "crash test: {kills} kills, {acked_total} acknowledged before the kill, {} events at the end",
        present.len()
    );
}

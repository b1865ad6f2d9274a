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

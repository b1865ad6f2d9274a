//! Batch imports (the plan in TOML, realisasi and anggaran in CSV): read
//! against the ledger, checked as a dry run, or appended as one atomic
//! batch.

use crate::event::{Payload, Stage};
use crate::import::{self, Labelled};
use crate::keys::KeyPair;
use crate::ledger::{Appended, Ledger};
use crate::Result;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// The plan: items, indicators, targets, pagu (TOML); revisions are
    /// recorded at `stage`.
    Plan(Stage),
    /// Realisations (CSV).
    Realisasi,
    /// Budget lines: pagu and spending (CSV); pagu revisions at `stage`.
    Anggaran(Stage),
}

/// Parse `text` (the file `name`) into labelled payloads against the
/// ledger's plan. Nothing is checked against the ledger's rules yet.
pub fn read(ledger: &Ledger, kind: ImportKind, name: &str, text: &str) -> Result<Labelled> {
    let index = ledger.index();
    match kind {
        ImportKind::Plan(stage) => import::plan(name, text, &index, stage),
        ImportKind::Realisasi => import::realisasi(name, text, &index),
        ImportKind::Anggaran(stage) => import::anggaran(name, text, &index, stage),
    }
}

/// One event an import would append.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The seq it would get.
    pub seq: u64,
    /// What it records.
    pub summary: String,
}

/// Every check an append would make, signed by `signer`; nothing is
/// written. A refusal names the file and line of the row.
pub fn dry_run(ledger: &Ledger, signer: &KeyPair, rows: Labelled) -> Result<Vec<Planned>> {
    let summaries: Vec<String> = rows.iter().map(|(p, _)| p.summary()).collect();
    let would = ledger.check_labelled(rows.into_iter().map(|(p, label)| (signer, p, label)).collect())?;
    Ok(would
        .iter()
        .zip(summaries)
        .map(|(a, summary)| Planned { seq: a.seq, summary })
        .collect())
}

/// Append the rows as one atomic batch signed by `signer`: all or none.
pub fn append(ledger: &mut Ledger, signer: &KeyPair, rows: Labelled) -> Result<Vec<Appended>> {
    ledger.append_labelled(rows.into_iter().map(|(p, label)| (signer, p, label)).collect())
}

/// Append the rows in transactions of `per` rows, each atomic and durable
/// on its own, signed by `signer`; a transaction is checked and signed while
/// the one before it commits ([`Ledger::append_batches`]). A refused row
/// leaves the transactions before its own appended, and the refusal says
/// how many events they hold.
pub fn append_in_transactions(
    ledger: &mut Ledger,
    signer: &KeyPair,
    rows: Labelled,
    per: usize,
) -> Result<Vec<Appended>> {
    let mut rows = rows.into_iter().map(|(p, label)| (signer, p, label)).peekable();
    let mut batches = Vec::new();
    while rows.peek().is_some() {
        batches.push(rows.by_ref().take(per.max(1)).collect());
    }
    ledger.append_batches(&batches)
}

/// Payloads without their labels (for a caller that prepares them one by
/// one).
pub fn payloads(rows: Labelled) -> Vec<Payload> {
    rows.into_iter().map(|(p, _)| p).collect()
}

//! Tests of the ledger (`src/ledger/`).

use super::*;
use crate::event::{Level, PlanItemDefined};
use prepared::Presigned;
use stage::PIPELINE_FROM;

/// A ledger whose clock reads the same time on every call, so that a
/// batch and the same events appended one by one are byte-identical.
fn still_ledger() -> (Ledger, KeyPair) {
    crate::store::tests::ledger_stepping(crate::store::Layout::CURRENT, chrono::TimeDelta::zero(), 1)
}

/// Plan items: tujuan T0, T1, ... with a sasaran under T0 every fifth
/// item, so that later items depend on earlier ones in the same batch.
fn items(n: usize) -> Vec<Payload> {
    (0..n)
        .map(|i| {
            let (level, parent) = match i % 5 {
                4 => (Level::Sasaran, Some("T0".to_string())),
                _ => (Level::Tujuan, None),
            };
            Payload::PlanItemDefined(PlanItemDefined {
                code: format!("T{i}"),
                level,
                name: format!("Butir {i}"),
                parent,
            })
        })
        .collect()
}

#[test]
fn a_pipelined_batch_writes_the_bytes_of_appends_one_by_one() {
    let n = PIPELINE_FROM * 3 + 1;
    let (mut batched, admin) = still_ledger();
    batched
        .append_all(items(n).into_iter().map(|p| (&admin, p)).collect())
        .unwrap();
    let (mut single, admin) = still_ledger();
    for p in items(n) {
        single.append(&admin, p).unwrap();
    }
    let bytes = |l: &Ledger| l.stored_bytes_from(0).collect::<Result<Vec<_>>>().unwrap();
    assert_eq!(bytes(&batched).len(), n + 1);
    assert_eq!(bytes(&batched), bytes(&single));
    assert_eq!(batched.head(), single.head());
    let root = |l: &Ledger| crate::merkle::root(l.store(), l.head().count).unwrap();
    assert_eq!(root(&batched), root(&single));
}

#[test]
fn a_pipelined_batch_names_its_first_refusal_and_appends_nothing() {
    let (mut ledger, admin) = still_ledger();
    let head = ledger.head();
    let mut payloads = items(PIPELINE_FROM * 3);
    // Item 30 defines T3 again; item 40 defines T5 again.
    payloads[29] = payloads[3].clone();
    payloads[39] = payloads[5].clone();
    let err = ledger
        .append_all(payloads.into_iter().map(|p| (&admin, p)).collect())
        .unwrap_err()
        .to_string();
    assert!(err.contains("item 30 of the batch"), "{err}");
    assert!(err.contains("'T3' is already defined"), "{err}");
    assert_eq!(ledger.head(), head);
    assert_eq!(ledger.stored_bytes_from(0).count(), 1);
}

#[test]
fn a_pipelined_batch_stops_at_a_signature_that_fails() {
    // Signatures made for other bodies fail in the second pass, and
    // staging returns that refusal.
    let (ledger, admin) = still_ledger();
    let wrong = Presigned {
        author: admin.public(),
        message: b"another body".to_vec(),
        signature: [0; 64],
    };
    let payloads = items(PIPELINE_FROM * 2);
    let batch: Vec<_> = payloads.into_iter().map(|p| (&wrong, p, String::new())).collect();
    let err = ledger.stage(&batch, None).unwrap_err().to_string();
    assert!(err.contains("differs from the one prepared"), "{err}");
}

/// `items(n)` cut into labelled batches of `size`.
fn batches(payloads: Vec<Payload>, size: usize, admin: &KeyPair) -> Vec<Vec<(&KeyPair, Payload, String)>> {
    payloads
        .chunks(size)
        .enumerate()
        .map(|(b, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, p)| (admin, p.clone(), format!("batch {} item {}", b + 1, i + 1)))
                .collect()
        })
        .collect()
}

#[test]
fn batches_committed_beside_staging_write_the_bytes_of_batches_one_by_one() {
    // Batches below and above PIPELINE_FROM, the later ones depending
    // on items of the earlier ones (sasaran under T0).
    let n = PIPELINE_FROM * 5 + 3;
    let (mut run, admin) = still_ledger();
    let done = run
        .append_batches(&batches(items(n), PIPELINE_FROM + 2, &admin))
        .unwrap();
    assert_eq!(done.len(), n);
    assert_eq!(done[n - 1].seq, n as u64);
    let (mut single, admin) = still_ledger();
    for batch in batches(items(n), PIPELINE_FROM + 2, &admin) {
        single.append_labelled(batch).unwrap();
    }
    let bytes = |l: &Ledger| l.stored_bytes_from(0).collect::<Result<Vec<_>>>().unwrap();
    assert_eq!(bytes(&run), bytes(&single));
    assert_eq!(run.head(), single.head());
    let root = |l: &Ledger| crate::merkle::root(l.store(), l.head().count).unwrap();
    assert_eq!(root(&run), root(&single));
    // What the ledger keeps in memory follows: one more append lands
    // after the run, and the whole ledger verifies.
    run.append(&admin, items(n + 1).pop().unwrap()).unwrap();
    assert_eq!(run.head().count, n as u64 + 2);
    crate::verify::verify_store(run.store()).unwrap();
}

#[test]
fn a_refused_batch_keeps_the_batches_before_it_and_says_so() {
    let (mut ledger, admin) = still_ledger();
    let mut payloads = items(PIPELINE_FROM * 3);
    // Batch 3 item 5 (item 41 of the run) defines T3 again.
    payloads[40] = payloads[3].clone();
    let err = ledger
        .append_batches(&batches(payloads, PIPELINE_FROM + 2, &admin))
        .unwrap_err()
        .to_string();
    assert!(err.contains("batch 3 item 5: "), "{err}");
    assert!(err.contains("'T3' is already defined"), "{err}");
    assert!(
        err.contains(
            "nothing of its transaction was appended; the 36 events of the transactions before it were"
        ),
        "{err}"
    );
    // Batches 1 and 2 are in, durable and verified; nothing of batch 3.
    assert_eq!(ledger.head().count, 1 + 36);
    assert_eq!(ledger.stored_bytes_from(0).count(), 37);
    crate::verify::verify_store(ledger.store()).unwrap();
    // A refusal in the first batch appends nothing.
    let mut payloads = items(4);
    payloads[1] = payloads[0].clone();
    let (mut fresh, admin) = still_ledger();
    let err = fresh
        .append_batches(&batches(payloads, 2, &admin))
        .unwrap_err()
        .to_string();
    assert!(err.ends_with("; nothing was appended"), "{err}");
    assert_eq!(fresh.head().count, 1);
}

#[test]
fn a_failed_commit_keeps_the_transactions_before_it_and_nothing_after() {
    let (store, fail_in) = crate::store::Store::memory_failing();
    let (mut ledger, admin) = crate::store::tests::ledger_on(store, chrono::TimeDelta::zero(), 1);
    // Five transactions of 18 (pipelined); the third commit fails while
    // the fourth is being staged beside it.
    fail_in.store(3, std::sync::atomic::Ordering::SeqCst);
    let err = ledger
        .append_batches(&batches(items(90), PIPELINE_FROM + 2, &admin))
        .unwrap_err()
        .to_string();
    assert!(err.contains("the commit failed (injected)"), "{err}");
    // Transactions 1 and 2 are in; what the ledger keeps in memory
    // agrees with the store.
    assert_eq!(ledger.head().count, 1 + 36);
    assert_eq!(ledger.store().head().unwrap(), Some(ledger.head()));
    assert_eq!(ledger.stored_bytes_from(0).count(), 37);
    crate::verify::verify_store(ledger.store()).unwrap();
    // The import resumes where it stopped and lands as a whole.
    let rest: Vec<Payload> = items(90).split_off(36);
    ledger
        .append_batches(&batches(rest, PIPELINE_FROM + 2, &admin))
        .unwrap();
    assert_eq!(ledger.head().count, 91);
    crate::verify::verify_store(ledger.store()).unwrap();
}

//! Tests of `src/store/mod.rs`.

use super::*;
use crate::event::{Genesis, Holder, Level, Payload, PlanItemDefined};
use crate::keys::KeyPair;
use crate::merkle::NodeRead;
use crate::projection::IndexRead;
use crate::Ledger;
use std::sync::Arc;

#[test]
fn layout_keys_are_pinned() {
    let hash: [u8; 32] = std::array::from_fn(|i| i as u8 + 0xa0);
    let (k, v) = Layout::V2.hash_entry(0x1_2345, &hash).unwrap();
    assert_eq!(
        hex::encode(&k),
        "00000001a0a1a2a3a4a5a6a70000000000012345",
        "block (seq >> 16) u32 BE, the hash's first 8 bytes, seq u64 BE"
    );
    assert!(v.is_empty());
    let (k, v) = Layout::V1.hash_entry(0x1_2345, &hash).unwrap();
    assert_eq!(k, hash.to_vec());
    assert_eq!(hex::encode(v), "0000000000012345");
    assert!(!Layout::V2.stores_node(0) && !Layout::V2.stores_node(1) && Layout::V2.stores_node(2));
    assert!((0..=63).all(|l| Layout::V1.stores_node(l)));
    assert!(!Layout::V3.stores_node(3) && Layout::V3.stores_node(4));
    // Layout 3: one entry per 16 seqs, group number u64 BE -> the first
    // 8 bytes of each event's hash in seq order.
    let hash_of = |seq: u64| -> [u8; 32] {
        std::array::from_fn(|i| (seq as u8).wrapping_mul(16).wrapping_add(i as u8))
    };
    let mut fold = HashFold::new(Layout::V3);
    let done: Vec<_> = (0..34).filter_map(|seq| fold.push(seq, &hash_of(seq))).collect();
    assert_eq!(done.len(), 2);
    assert_eq!(hex::encode(&done[1].0), "0000000000000001");
    assert_eq!(
        hex::encode(&done[1].1[..16]),
        "00010203040506071011121314151617",
        "seq 16's prefix, then seq 17's"
    );
    assert_eq!(done[1].1.len(), 16 * 8);
    let (k, v) = fold.open_entry().unwrap();
    assert_eq!(hex::encode(k), "0000000000000002");
    assert_eq!(hex::encode(v), "00010203040506071011121314151617");
    assert_eq!(Layout::from_marker(None, true).unwrap(), Layout::V1);
    assert_eq!(Layout::from_marker(None, false).unwrap(), Layout::V3);
    assert_eq!(Layout::from_marker(Some(&[2]), true).unwrap(), Layout::V2);
    assert_eq!(Layout::from_marker(Some(&[3]), true).unwrap(), Layout::V3);
    assert!(Layout::from_marker(Some(&[4]), true).is_err());
}

/// A ledger in memory: the genesis and `events - 1` plan items T1, T2, …
pub(crate) fn ledger(events: usize) -> (Ledger, KeyPair) {
    ledger_in(Layout::CURRENT, events)
}

/// [`ledger`] in a store of `layout`.
pub(crate) fn ledger_in(layout: Layout, events: usize) -> (Ledger, KeyPair) {
    ledger_stepping(layout, chrono::TimeDelta::seconds(1), events)
}

/// [`ledger_in`], with a clock that steps by `step` at every reading.
pub(crate) fn ledger_stepping(layout: Layout, step: chrono::TimeDelta, events: usize) -> (Ledger, KeyPair) {
    ledger_on(Store::memory_in(layout), step, events)
}

/// [`ledger_stepping`] on `store`.
pub(crate) fn ledger_on(store: Store, step: chrono::TimeDelta, events: usize) -> (Ledger, KeyPair) {
    let clock = Arc::new(crate::clock::SteppingClock::new(
        crate::clock::parse_time("2021-01-04T08:00:00Z").unwrap(),
        step,
    ));
    let admin = KeyPair::from_seed([3; 32]);
    let genesis = Genesis {
        agency_code: "1.01".into(),
        agency_name: "Dinas Uji".into(),
        admin: Holder {
            name: "admin".into(),
            nip: None,
            jabatan: None,
        },
        nonce: Some([5; 32]),
    };
    let mut l = Ledger::init_demo_in(store, clock, &admin, genesis).unwrap();
    for i in 1..events {
        l.append(
            &admin,
            Payload::PlanItemDefined(PlanItemDefined {
                code: format!("T{i}"),
                level: Level::Tujuan,
                name: format!("Tujuan {i}"),
                parent: None,
            }),
        )
        .unwrap();
    }
    (l, admin)
}

/// The hash of every stored event, and the stored hash look-up.
#[allow(clippy::type_complexity)]
fn hashes_and_look_up(store: &Store) -> (Vec<EventHash>, Vec<(Vec<u8>, Vec<u8>)>) {
    let hashes = store
        .events_from(0)
        .map(|r| codec::hash_stored(&r.unwrap().1))
        .collect();
    let by_hash = store
        .derived_entries(Tree::ByHash)
        .collect::<Result<_>>()
        .unwrap();
    (hashes, by_hash)
}

fn staged(seq: u64, len: usize) -> Staged {
    Staged {
        seq,
        hash: EventHash([0; 32]),
        kind: Kind::PlanItemDefined,
        bytes: vec![seq as u8; len],
        key_updates: Vec::new(),
        proj: Vec::new(),
        merkle: Vec::new(),
    }
}

#[test]
fn event_keys_are_pinned() {
    // One event per key: seq u64 BE -> the stored bytes.
    let batch: Vec<Staged> = (5..15).map(|seq| staged(seq, 3)).collect();
    let per_event = EventKeys::PerEvent.entries(&batch);
    assert_eq!(per_event.len(), 10);
    assert_eq!(hex::encode(&per_event[0].0), "0000000000000005");
    assert_eq!(hex::encode(&per_event[0].1), "050505");
    // Runs: the first seq u64 BE -> each event's length u32 BE and bytes.
    let runs = EventKeys::Runs.entries(&batch);
    assert_eq!(runs.len(), 2, "8 events, then 2");
    assert_eq!(hex::encode(&runs[0].0), "0000000000000005");
    assert_eq!(hex::encode(&runs[0].1[..14]), "0000000305050500000003060606");
    assert_eq!(runs[0].1.len(), 8 * 7);
    assert_eq!(hex::encode(&runs[1].0), "000000000000000d");
    assert_eq!(hex::encode(&runs[1].1), "000000030d0d0d000000030e0e0e");
    // A run closes before it would pass RUN_BYTES; a larger event is a
    // run on its own.
    let batch = [
        staged(0, 2000),
        staged(1, 2000),
        staged(2, 2000),
        staged(3, 5000),
        staged(4, 1),
    ];
    let sizes: Vec<(String, usize)> = EventKeys::Runs
        .entries(&batch)
        .into_iter()
        .map(|(k, v)| (hex::encode(k), v.len()))
        .collect();
    assert_eq!(
        sizes,
        vec![
            ("0000000000000000".into(), 2 * 2004),
            ("0000000000000002".into(), 2004),
            ("0000000000000003".into(), 5004),
            ("0000000000000004".into(), 5),
        ]
    );
    assert_eq!(
        runs::split(
            13,
            &runs::replaced(13, &[0, 0, 0, 1, 7, 0, 0, 0, 0], 14, b"ab").unwrap()
        )
        .unwrap(),
        vec![(13, &[7u8][..]), (14, &b"ab"[..])]
    );
    assert_eq!(
        EventKeys::from_marker(None, true).unwrap(),
        EventKeys::PerEvent,
        "a store from before meta/events"
    );
    assert_eq!(EventKeys::from_marker(None, false).unwrap(), EventKeys::CURRENT);
    assert!(EventKeys::from_marker(Some(&[3]), true).is_err());
    let err = runs::split(u64::MAX, &[0, 0, 0, 1, 7]).unwrap_err().to_string();
    assert!(err.contains("runs past the last seq"), "{err}");
}

/// The same appends, one at a time and as batches, into a store of
/// `keys`.
fn batches_in(keys: EventKeys) -> (Ledger, KeyPair) {
    let (mut l, admin) = ledger_on(Store::memory_keyed(keys), chrono::TimeDelta::seconds(1), 1);
    let item = |i: usize| {
        Payload::PlanItemDefined(PlanItemDefined {
            code: format!("T{i}"),
            level: Level::Tujuan,
            name: format!("Tujuan {i} {}", "x".repeat(i % 10 * 100)),
            parent: None,
        })
    };
    for size in [1, 21, 1, 3, 130] {
        let start = l.head().count as usize;
        l.append_all((start..start + size).map(|i| (&admin, item(i))).collect())
            .unwrap();
    }
    (l, admin)
}

#[test]
fn events_in_runs_read_back_as_events_kept_one_per_key() {
    let (runs, _) = batches_in(EventKeys::Runs);
    let (per_event, _) = batches_in(EventKeys::PerEvent);
    let (a, b) = (runs.store(), per_event.store());
    assert_eq!(a.meta(EVENTS_KEY).unwrap(), Some(vec![2]));
    assert_eq!(b.meta(EVENTS_KEY).unwrap(), Some(vec![1]));
    let all: Vec<(u64, Vec<u8>)> = b.events_from(0).map(|r| r.unwrap()).collect();
    let count = all.len() as u64;
    assert_eq!(
        a.head().unwrap(),
        b.head().unwrap(),
        "the same bytes, the same chain"
    );
    assert_eq!(a.events_from(0).map(|r| r.unwrap()).collect::<Vec<_>>(), all);
    for from in 0..=count {
        let tail: Vec<u64> = a.events_from(from).map(|r| r.unwrap().0).collect();
        assert_eq!(tail, (from..count).collect::<Vec<_>>(), "from {from}");
    }
    for (seq, bytes) in &all {
        assert_eq!(a.get(*seq).unwrap().as_ref(), Some(bytes), "seq {seq}");
    }
    assert_eq!(a.get(count).unwrap(), None);
    let keys = a.all(TreeId::Events).count() as u64;
    assert!(keys * 2 < count, "{keys} keys for {count} events");
    assert_eq!(b.all(TreeId::Events).count() as u64, count);
    crate::verify::verify_store(a).unwrap();
    crate::verify::verify_store(b).unwrap();
}

#[test]
fn a_damaged_or_overlapping_run_is_an_integrity_error() {
    let (l, _) = batches_in(EventKeys::Runs);
    let store = l.store();
    let runs: Vec<(u64, Vec<u8>)> = store
        .all(TreeId::Events)
        .map(|r| r.map(|(k, v)| (be_u64(&k).unwrap(), v)).unwrap())
        .collect();
    let (first, run) = runs
        .iter()
        .find(|(_, v)| runs::split(0, v).unwrap().len() >= 4)
        .unwrap();
    let (first, run) = (*first, run.clone());
    let last = first + runs::split(first, &run).unwrap().len() as u64 - 1;
    // The run's last event cut short.
    store
        .engine
        .bulk(
            TreeId::Events,
            vec![(seq_key(first).to_vec(), run[..run.len() - 1].to_vec())],
        )
        .unwrap();
    let err = store.get(first + 2).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "run of events stored at {first} is damaged: the bytes cut short of event {last}"
        )),
        "{err}"
    );
    let read: Vec<_> = store.events_from(0).collect();
    assert!(read.last().unwrap().is_err(), "the damage ends the read");
    let err = crate::verify::verify_store(store).unwrap_err().to_string();
    assert!(err.contains(&format!("at seq {last}")), "{err}");
    // Whole again, then a second run that begins inside it.
    store
        .engine
        .bulk(TreeId::Events, vec![(seq_key(first).to_vec(), run.clone())])
        .unwrap();
    crate::verify::verify_store(store).unwrap();
    store
        .engine
        .bulk(TreeId::Events, vec![(seq_key(first + 3).to_vec(), run.clone())])
        .unwrap();
    let err = crate::verify::verify_store(store).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "a run of events is stored at {}, inside the run stored at {first}, which ends at {last}",
            first + 3
        )),
        "{err}"
    );
    // A run holding nothing.
    store
        .engine
        .bulk(TreeId::Events, vec![(seq_key(first + 3).to_vec(), Vec::new())])
        .unwrap();
    let err = store.get(first + 4).unwrap_err().to_string();
    assert!(err.contains("holds no event"), "{err}");
    // A run removed: the read goes on from the next run, and verify
    // names the first missing event.
    store
        .engine
        .commit(&[
            (TreeId::Events, seq_key(first + 3).to_vec(), None),
            (TreeId::Events, seq_key(first).to_vec(), None),
        ])
        .unwrap();
    let seqs: Vec<u64> = store.events_from(0).map(|r| r.unwrap().0).collect();
    assert_eq!(seqs[first as usize], last + 1, "the jump past the removed run");
    let err = crate::verify::verify_store(store).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "event {first} is missing (the next stored event is {})",
            last + 1
        )),
        "{err}"
    );
}

#[test]
fn a_layout_two_store_keeps_block_keyed_hashes_and_merkle_levels_from_two() {
    let (l, _) = ledger_in(Layout::V2, 13);
    let store = l.store();
    assert_eq!(store.layout(), Layout::V2);
    assert_eq!(store.meta(LOOKUPS_KEY).unwrap(), Some(vec![2]));
    let (hashes, by_hash) = hashes_and_look_up(store);
    let mut want: Vec<_> = hashes
        .iter()
        .enumerate()
        .filter_map(|(seq, h)| Layout::V2.hash_entry(seq as u64, &h.0))
        .collect();
    want.sort();
    assert_eq!(by_hash, want);
    let levels: Vec<u8> = store
        .derived_entries(Tree::Merkle)
        .map(|r| r.unwrap().0[0])
        .collect();
    // 13 leaves: three nodes of level 2, one of level 3.
    assert_eq!(levels, vec![2, 2, 2, 3]);
    for (seq, h) in hashes.iter().enumerate() {
        assert_eq!(store.seq_of_hash(h).unwrap(), Some(seq as u64));
    }
    // The unstored levels are recomputed from the events; the root is
    // the one the events give.
    let mut frontier = crate::merkle::Frontier::default();
    for h in &hashes {
        frontier.push(&h.0);
    }
    assert_eq!(crate::merkle::root(store, 13).unwrap(), frontier.root());
    assert_eq!(
        store.node(0, 4).unwrap(),
        Some(crate::merkle::leaf_hash(&hashes[4].0))
    );
    assert_eq!(store.node(1, 6).unwrap(), None, "past the last event");
}

#[test]
fn a_layout_three_store_keeps_hashes_by_group_and_merkle_levels_from_four() {
    // Appended one by one: every append past a group's first event
    // extends the group's stored entry.
    let (l, _) = ledger(37);
    let store = l.store();
    assert_eq!(store.layout(), Layout::V3);
    assert_eq!(store.meta(LOOKUPS_KEY).unwrap(), Some(vec![3]));
    let (hashes, by_hash) = hashes_and_look_up(store);
    let mut fold = HashFold::new(Layout::V3);
    let mut want: Vec<_> = hashes
        .iter()
        .enumerate()
        .filter_map(|(seq, h)| fold.push(seq as u64, &h.0))
        .collect();
    want.extend(fold.open_entry());
    assert_eq!(by_hash, want);
    assert_eq!(by_hash.len(), 3);
    assert_eq!(by_hash[2].1.len(), 5 * 8, "seqs 32 to 36");
    let levels: Vec<u8> = store
        .derived_entries(Tree::Merkle)
        .map(|r| r.unwrap().0[0])
        .collect();
    // 37 leaves: two nodes of level 4, one of level 5.
    assert_eq!(levels, vec![4, 4, 5]);
    for (seq, h) in hashes.iter().enumerate() {
        assert_eq!(store.seq_of_hash(h).unwrap(), Some(seq as u64));
    }
    let mut frontier = crate::merkle::Frontier::default();
    for h in &hashes {
        frontier.push(&h.0);
    }
    assert_eq!(crate::merkle::root(store, 37).unwrap(), frontier.root());
    // Proofs whose lower nodes are all recomputed from the events.
    let leaf = crate::merkle::leaf_hash(&hashes[13].0);
    for size in [14, 16, 17, 33, 37] {
        let proof = crate::merkle::inclusion_proof(store, 13, size).unwrap();
        let root = crate::merkle::root(store, size).unwrap();
        assert!(
            crate::merkle::verify_inclusion(&leaf, 13, size, &proof, &root),
            "size {size}"
        );
    }
    assert_eq!(
        store.node(3, 4).unwrap(),
        None,
        "seqs 32 to 39: past the last event"
    );
    crate::verify::verify_store(store).unwrap();
}

#[test]
fn a_damaged_open_hash_group_is_named_before_an_append() {
    let (mut l, admin) = ledger(20);
    // Group 1 (seqs 16 to 19) loses its last prefix.
    let mut value = l
        .store()
        .engine
        .get(TreeId::ByHash, &1u64.to_be_bytes())
        .unwrap()
        .unwrap();
    value.truncate(3 * 8);
    l.store()
        .engine
        .bulk(TreeId::ByHash, vec![(1u64.to_be_bytes().to_vec(), value)])
        .unwrap();
    let err = l
        .append(
            &admin,
            Payload::PlanItemDefined(PlanItemDefined {
                code: "X".into(),
                level: Level::Tujuan,
                name: "X".into(),
                parent: None,
            }),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hash look-up entry of events 16 to 19 is damaged"),
        "{err}"
    );
    assert_eq!(l.store().head().unwrap().unwrap().count, 20);
}

#[test]
fn a_layout_two_store_finds_the_seq_recorded_by_a_time_among_the_events() {
    let (mut l, admin) = ledger(5);
    // One batch: three events with the same recorded time.
    let batch: Vec<_> = (0..3)
        .map(|i| {
            (
                &admin,
                Payload::PlanItemDefined(PlanItemDefined {
                    code: format!("B{i}"),
                    level: Level::Tujuan,
                    name: format!("Tujuan B{i}"),
                    parent: None,
                }),
            )
        })
        .collect();
    l.append_all(batch).unwrap();
    let store = l.store();
    assert!(
        store
            .projection_entries()
            .unwrap()
            .iter()
            .all(|(k, _)| !crate::projection::is_time_key(k)),
        "layout 2 keeps no time entries"
    );
    let times: Vec<i64> = store
        .events_from(0)
        .map(|r| codec::Frame::parse(&r.unwrap().1).unwrap().recorded_at())
        .collect();
    assert_eq!(times.len(), 8);
    assert_eq!(times[5], times[7]);
    for probe in times.iter().flat_map(|t| [t - 1, *t, t + 1]) {
        let want = times.iter().rposition(|t| *t <= probe).map(|i| i as u64);
        assert_eq!(store.seq_recorded_by(probe).unwrap(), want, "at {probe}");
        assert_eq!(l.seq_at_time(probe).unwrap(), want, "checked, at {probe}");
    }
    // The answer's events are checked: a forged time is refused.
    let mut bytes = store.get(7).unwrap().unwrap();
    bytes[41] ^= 1;
    store.overwrite_event(7, bytes).unwrap();
    let err = crate::checked::CheckedIndex::new(store, l.registry(), l.head())
        .seq_at_time(times[7])
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { seq: Some(7), .. }), "{err}");
}

#[test]
fn a_hash_look_up_entry_is_followed_only_to_an_event_with_that_hash() {
    let (l, _) = ledger_in(Layout::V2, 6);
    let store = l.store();
    let h3 = codec::hash_stored(&store.get(3).unwrap().unwrap());
    // A forged entry of the same block and prefix naming seq 5 is not
    // taken for event 3, nor for a hash that shares the prefix.
    let (forged, _) = Layout::V2.hash_entry(5, &h3.0).unwrap();
    store
        .engine
        .bulk(TreeId::ByHash, vec![(forged, Vec::new())])
        .unwrap();
    assert_eq!(store.seq_of_hash(&h3).unwrap(), Some(3));
    let mut other = h3;
    other.0[31] ^= 1;
    assert_eq!(store.seq_of_hash(&other).unwrap(), None);
    // Its own entry gone, event 3 is not found by hash (and `verify`
    // names the difference).
    let (own, _) = Layout::V2.hash_entry(3, &h3.0).unwrap();
    store.engine.commit(&[(TreeId::ByHash, own, None)]).unwrap();
    assert_eq!(store.seq_of_hash(&h3).unwrap(), None);
    let err = crate::verify::verify_store(store).unwrap_err().to_string();
    assert!(err.contains("by_hash"), "{err}");
}

#[test]
fn a_hash_group_prefix_is_followed_only_to_an_event_with_that_hash() {
    let (l, _) = ledger(6);
    let store = l.store();
    let h3 = codec::hash_stored(&store.get(3).unwrap().unwrap());
    let group = || {
        store
            .engine
            .get(TreeId::ByHash, &0u64.to_be_bytes())
            .unwrap()
            .unwrap()
    };
    let put = |v: Vec<u8>| {
        store
            .engine
            .bulk(TreeId::ByHash, vec![(0u64.to_be_bytes().to_vec(), v)])
            .unwrap()
    };
    // Seq 5's prefix forged to event 3's: 5 is a candidate, not taken.
    let mut forged = group();
    forged[5 * 8..6 * 8].copy_from_slice(&h3.0[..8]);
    put(forged);
    assert_eq!(store.seq_of_hash(&h3).unwrap(), Some(3));
    let mut other = h3;
    other.0[31] ^= 1;
    assert_eq!(store.seq_of_hash(&other).unwrap(), None);
    // Event 3's own prefix gone, and seq 5's still forged: event 3 is
    // not found, and `verify` names the tree.
    let mut gone = group();
    gone[3 * 8..4 * 8].fill(0);
    put(gone);
    assert_eq!(store.seq_of_hash(&h3).unwrap(), None);
    let err = crate::verify::verify_store(store).unwrap_err().to_string();
    assert!(err.contains("by_hash"), "{err}");
}

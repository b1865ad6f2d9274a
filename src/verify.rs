//! Full verification of a stored ledger, from genesis to head.
//!
//! For every event, in order: the key is the expected dense seq, the frame
//! parses, the seq field matches, `prev` is the previous event's hash,
//! recorded time does not go backwards, the Ed25519 signature verifies
//! strictly, the payload decodes, and the author was authorized (the same
//! [`Registry::check`] used at append). Finally the stored head must name the
//! last event. Verification reads only the `events` and `meta` trees; it never
//! trusts an index.

use crate::authz::Registry;
use crate::codec::{self, Frame};
use crate::event::{EventHash, Kind};
use crate::keys;
use crate::ledger::key_seq;
use crate::store::Store;
use crate::{Error, Result};

/// The result of a successful verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub events: u64,
    pub head: EventHash,
    /// Total stored event bytes.
    pub bytes: u64,
    /// Merkle root over all event hashes, recomputed from the events.
    pub root: crate::merkle::Hash,
}

/// Verify every event in the store. An integrity failure is returned as
/// [`Error::Integrity`] naming the first bad seq.
pub fn verify_store(store: &Store) -> Result<Verified> {
    let mut registry = Registry::default();
    let mut index = crate::projection::MemIndex::default();
    let mut frontier = crate::merkle::Frontier::default();
    let mut kinds: Vec<Kind> = Vec::new();
    let mut prev = EventHash::ZERO;
    let mut last_time = i64::MIN;
    let mut expected: u64 = 0;
    let mut bytes_total: u64 = 0;
    for entry in store.events_from(0) {
        let (key, bytes) = entry.map_err(|e| at_seq(e, expected))?;
        let seq = key_seq(&key)?;
        if seq != expected {
            return Err(Error::integrity(
                expected,
                format!("event {expected} is missing (the next stored event is {seq})"),
            ));
        }
        let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
        if frame.seq() != seq {
            return Err(Error::integrity(
                seq,
                format!(
                    "the event stored at {seq} says it is event {} (events moved or swapped)",
                    frame.seq()
                ),
            ));
        }
        if frame.prev() != prev {
            return Err(Error::integrity(
                seq,
                format!(
                    "prev link {} does not match the hash of event {} ({prev})",
                    frame.prev(),
                    seq.wrapping_sub(1)
                ),
            ));
        }
        if frame.recorded_at() < last_time {
            return Err(Error::integrity(
                seq,
                "recorded time is earlier than the previous event's",
            ));
        }
        let author = frame.author();
        keys::verify_strict(&author, &codec::signing_message(frame.body()), &frame.signature())
            .map_err(|e| Error::integrity(seq, format!("{e} (author {})", author.key_id())))?;
        let event = frame
            .decode()
            .map_err(|e| Error::integrity(seq, format!("payload: {e}")))?;
        registry
            .check(seq, &author, &event.payload, |s| kinds.get(s as usize).copied())
            .map_err(|e| Error::integrity(seq, format!("unauthorized event: {e}")))?;
        crate::projection::validate(&index, &event.payload)
            .map_err(|e| Error::integrity(seq, format!("invalid event: {e}")))?;
        index.add(seq, frame.recorded_at(), &event.payload);
        registry.apply(seq, &author, &event.payload);
        kinds.push(event.payload.kind());
        prev = frame.hash();
        frontier.push(&prev.0);
        last_time = frame.recorded_at();
        bytes_total += bytes.len() as u64;
        expected += 1;
    }
    let head = store.head()?;
    match head {
        None if expected == 0 => Err(Error::Integrity {
            seq: None,
            reason: "the ledger is empty".into(),
        }),
        None => Err(Error::Integrity {
            seq: None,
            reason: "the store has events but no head record".into(),
        }),
        Some(h) if h.count != expected => Err(Error::Integrity {
            seq: Some(expected.min(h.count)),
            reason: format!(
                "the head records {} events but {expected} are stored (events removed from the end?)",
                h.count
            ),
        }),
        Some(h) if h.hash != prev => Err(Error::integrity(
            expected - 1,
            format!(
                "the head hash {} does not match the last event's hash {prev}",
                h.hash
            ),
        )),
        Some(_) => {
            let root = frontier.root();
            if crate::merkle::root(store, expected)? != root {
                return Err(Error::Integrity {
                    seq: None,
                    reason: "the stored Merkle tree does not match the events (run `sakip rebuild`)".into(),
                });
            }
            Ok(Verified {
                events: expected,
                head: prev,
                bytes: bytes_total,
                root,
            })
        }
    }
}

fn at_seq(e: Error, seq: u64) -> Error {
    match e {
        Error::Integrity { seq: None, reason } => Error::Integrity {
            seq: Some(seq),
            reason,
        },
        other => other,
    }
}

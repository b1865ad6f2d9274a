//! Verified reads: the projection index as queries see it, with every entry
//! checked against the signed event it comes from before it is used.
//!
//! The index is a cache; a value in it is shown to a user only after the
//! event it names has been read and found to be: stored at that seq, signed
//! (strict Ed25519) by a key that the key events authorize for its kind at
//! that seq, chained (its hash is the next event's `prev`, or the head's
//! hash), and the source of exactly that index entry. A forged value, a
//! re-pointed entry or an event signed by an unregistered key is an
//! integrity failure (exit 3), never a figure. An entry left out of the
//! index (a hidden correction) is not visible here; `verify` catches it by
//! comparing the whole tree with the events (`derived.rs`).
//!
//! Each event is checked once per reader and remembered. Across readers, a
//! ledger remembers the events it has verified ([`Verified`]). The most
//! recent of them it keeps decoded, with their index entries, and a later
//! reader in the same process uses them without reading the store again,
//! as a database serves a page from its buffer pool without checking it
//! again: a ledger value holds its store alone (the directory's lock; a
//! turn lent to another process ends in `Ledger::reopen`, which starts with
//! an empty memory), and the process never rewrites an event. An event
//! remembered only by the hash of its stored bytes is read and hashed
//! again, its chain link and its author's authorization checked, and only
//! its Ed25519 check skipped when the bytes are the ones verified before.
//! The year figures a ledger keeps (`projection::YearCache`) rest on the
//! same two facts: an entry is marked checked, with its value, only after
//! a check here passed, and later queries of the process use the mark.
//! A fresh process, `sakip verify` and
//! [`crate::Ledger::index_checking_every_signature`] remember nothing.
//! This module never writes the store.

use crate::authz::{required_role, Registry};
use crate::codec::{self, Frame};
use crate::event::EventHash;
use crate::event::{Kind, Payload, PublicKey};
use crate::keys;
use crate::projection::IndexRead;
use crate::store::{Head, Store};
use crate::{Error, Result};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The events a ledger has verified in this process: the hash of the
/// stored bytes whose signature was found good, per seq, and for the most
/// recent ones the event itself, decoded, with its index entries. Bounded:
/// when it holds [`Verified::CAPACITY`] seqs (or [`Verified::DECODED`]
/// decoded events) it starts again empty.
#[derive(Clone, Default)]
pub struct Verified(Arc<RwLock<Remembered>>);

#[derive(Default)]
struct Remembered {
    hashes: HashMap<u64, EventHash>,
    decoded: HashMap<u64, Arc<Sound>>,
}

impl Verified {
    /// The most seqs remembered (about 50 MiB).
    pub const CAPACITY: usize = 1 << 20;
    /// The most events kept decoded (a few tens of MiB).
    pub const DECODED: usize = 1 << 16;

    fn holds(&self, seq: u64, hash: &EventHash) -> bool {
        self.0
            .read()
            .map(|m| m.hashes.get(&seq) == Some(hash))
            .unwrap_or(false)
    }

    /// The event this process verified at `seq`, decoded, if it still
    /// keeps it.
    fn decoded(&self, seq: u64) -> Option<Arc<Sound>> {
        self.0.read().ok()?.decoded.get(&seq).cloned()
    }

    fn remember(&self, seq: u64, hash: EventHash, sound: &Arc<Sound>) {
        if let Ok(mut m) = self.0.write() {
            if m.hashes.len() >= Self::CAPACITY {
                m.hashes.clear();
            }
            if m.decoded.len() >= Self::DECODED {
                m.decoded.clear();
            }
            m.hashes.insert(seq, hash);
            m.decoded.insert(seq, sound.clone());
        }
    }

    /// Drop the decoded events, keeping the hashes.
    #[cfg(test)]
    fn forget_decoded(&self) {
        if let Ok(mut m) = self.0.write() {
            m.decoded.clear();
        }
    }

    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.0.read().map(|m| m.hashes.len()).unwrap_or(0)
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One event found sound, with what it implies in the index.
struct Sound {
    recorded_at: i64,
    payload: Payload,
    entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The projection index read through its events.
pub struct CheckedIndex<'a> {
    store: &'a Store,
    registry: &'a Registry,
    head: Head,
    sound: RefCell<HashMap<u64, Arc<Sound>>>,
    signatures: Cell<u64>,
    verified: Option<&'a Verified>,
    years: Option<&'a crate::projection::YearCache>,
}

impl<'a> CheckedIndex<'a> {
    /// A reader over `store`, whose key registry (replayed from the key
    /// events) is `registry` and head `head`.
    pub fn new(store: &'a Store, registry: &'a Registry, head: Head) -> CheckedIndex<'a> {
        CheckedIndex {
            store,
            registry,
            head,
            sound: RefCell::new(HashMap::new()),
            signatures: Cell::new(0),
            verified: None,
            years: None,
        }
    }

    /// The same reader, skipping the signature checks `verified` remembers
    /// for the same stored bytes (and remembering the ones it makes).
    pub fn remembering(mut self, verified: &'a Verified) -> CheckedIndex<'a> {
        self.verified = Some(verified);
        self
    }

    /// The same reader, taking year figures from (and keeping them in)
    /// `years`, the ledger's [`crate::projection::YearCache`].
    pub fn with_years(mut self, years: &'a crate::projection::YearCache) -> CheckedIndex<'a> {
        self.years = Some(years);
        self
    }

    /// How many events (and so signatures) this reader has checked.
    pub fn events_checked(&self) -> u64 {
        self.signatures.get()
    }

    fn event(&self, seq: u64) -> Result<Arc<Sound>> {
        if let Some(s) = self.sound.borrow().get(&seq) {
            return Ok(s.clone());
        }
        let sound = self.check_event(seq)?;
        self.sound.borrow_mut().insert(seq, sound.clone());
        Ok(sound)
    }

    fn check_event(&self, seq: u64) -> Result<Arc<Sound>> {
        if seq >= self.head.count {
            return Err(Error::integrity(
                seq,
                format!(
                    "the index names event {seq}, beyond the head ({} events); run `sakip verify`",
                    self.head.count
                ),
            ));
        }
        self.signatures.set(self.signatures.get() + 1);
        // An event this process checked in full: its signature, chain link,
        // authorization and entries were found sound then, and the process
        // has held the store alone since (module docs).
        if let Some(sound) = self.verified.and_then(|v| v.decoded(seq)) {
            return Ok(sound);
        }
        let bytes = self
            .store
            .get(seq)?
            .ok_or_else(|| Error::integrity(seq, format!("event {seq} is missing; run `sakip verify`")))?;
        let hash = codec::hash_stored(&bytes);
        let known = self.verified.is_some_and(|v| v.holds(seq, &hash));
        let event = sound_from(self.store, self.head, seq, &bytes, hash, !known)?;
        self.check_author(seq, &event.author, event.payload.kind())?;
        let sound = Arc::new(Sound {
            recorded_at: event.recorded_at,
            entries: crate::projection::index_entries(seq, event.recorded_at, &event.payload),
            payload: event.payload,
        });
        if let Some(v) = self.verified {
            v.remember(seq, hash, &sound);
        }
        Ok(sound)
    }

    /// Check the events at `seqs` ahead of a query, their signatures on
    /// every core at once, so the checks the query then makes are answered
    /// from memory. An event that fails is left alone: the query's own check
    /// meets it and reports it.
    fn prefetch_seqs(&self, seqs: &[u64]) -> Result<()> {
        let mut todo: Vec<u64> = {
            let sound = self.sound.borrow();
            seqs.iter()
                .copied()
                .filter(|s| *s < self.head.count && !sound.contains_key(s))
                .collect()
        };
        todo.sort_unstable();
        todo.dedup();
        if todo.len() < 64 {
            return Ok(());
        }
        let mut read = Vec::with_capacity(todo.len());
        let mut hashes = Vec::with_capacity(todo.len());
        for seq in todo {
            if let Some(sound) = self.verified.and_then(|v| v.decoded(seq)) {
                self.signatures.set(self.signatures.get() + 1);
                self.sound.borrow_mut().insert(seq, sound);
                continue;
            }
            if let Some(bytes) = self.store.get(seq)? {
                let hash = codec::hash_stored(&bytes);
                if self.verified.is_some_and(|v| v.holds(seq, &hash)) {
                    // Checked on demand, without its signature.
                    continue;
                }
                read.push((seq, bytes));
                hashes.push(hash);
            }
        }
        if read.is_empty() {
            return Ok(());
        }
        let runs: Vec<(u64, &[u8])> = read.iter().map(|(s, b)| (*s, b.as_ref())).collect();
        let signatures = crate::verify::check_signatures(&runs);
        for (((seq, bytes), signature), hash) in runs.into_iter().zip(signatures).zip(hashes) {
            if signature.is_err() {
                continue;
            }
            let Ok(event) = sound_from(self.store, self.head, seq, bytes, hash, false) else {
                continue;
            };
            if self
                .check_author(seq, &event.author, event.payload.kind())
                .is_err()
            {
                continue;
            }
            self.signatures.set(self.signatures.get() + 1);
            let sound = Arc::new(Sound {
                recorded_at: event.recorded_at,
                entries: crate::projection::index_entries(seq, event.recorded_at, &event.payload),
                payload: event.payload,
            });
            if let Some(v) = self.verified {
                v.remember(seq, hash, &sound);
            }
            self.sound.borrow_mut().insert(seq, sound);
        }
        Ok(())
    }

    /// The author held the kind's role at `seq`, per the key events.
    fn check_author(&self, seq: u64, author: &PublicKey, kind: Kind) -> Result<()> {
        let state = self.registry.get(author).ok_or_else(|| {
            Error::integrity(
                seq,
                format!("signed by key {}, which no key event registers", author.key_id()),
            )
        })?;
        let active = state.added_seq < seq || (seq == 0 && state.added_seq == 0);
        let not_revoked = state.revoked_seq.is_none_or(|r| seq < r);
        let role_ok = match required_role(kind) {
            None => seq == 0,
            Some(role) => state.roles.contains(&role),
        };
        if active && not_revoked && role_ok {
            Ok(())
        } else {
            Err(Error::integrity(
                seq,
                format!(
                    "signed by key {} ({}), which was not authorized for {} at that seq",
                    author.key_id(),
                    state.holder.name,
                    kind.name()
                ),
            ))
        }
    }

    fn check_entry(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let seq = match key.first() {
            Some(b'I' | b'N') => value
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map(u64::from_be_bytes),
            _ if key.len() >= 9 => Some(u64::from_be_bytes(
                key[key.len() - 8..].try_into().expect("8 bytes"),
            )),
            _ => None,
        };
        let Some(seq) = seq else {
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the projection index holds a malformed entry {}; run `sakip verify`",
                    hex::encode(key)
                ),
            });
        };
        let sound = self.event(seq)?;
        let implied = sound
            .entries
            .iter()
            .any(|(k, v)| k.as_slice() == key && value.is_none_or(|value| v.as_slice() == value));
        if implied {
            Ok(())
        } else {
            Err(Error::integrity(
                seq,
                format!(
                    "the projection index entry {} does not match the signed event it names (forged or damaged index); run `sakip verify`, then `sakip rebuild`",
                    hex::encode(key)
                ),
            ))
        }
    }
}

impl IndexRead for CheckedIndex<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        IndexRead::get(self.store, key)
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.store.scan(prefix)
    }

    fn definitions(&self, tag: u8) -> Result<Arc<crate::projection::Entries>> {
        match self.years {
            Some(kept) => kept.definitions(tag, || self.store.scan(&[tag])),
            None => Ok(Arc::new(self.store.scan(&[tag])?)),
        }
    }

    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.store.range(lo, hi)
    }

    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>> {
        self.store.last_in(lo, hi)
    }

    fn payload(&self, seq: u64) -> Result<Payload> {
        Ok(self.event(seq)?.payload.clone())
    }

    fn check(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.check_entry(key, Some(value))
    }

    fn prefetch(&self, seqs: &[u64]) -> Result<()> {
        self.prefetch_seqs(seqs)
    }

    fn year_cache(&self) -> Option<&crate::projection::YearCache> {
        self.years
    }

    /// In layouts 2 and 3, the binary search over the events' times, then the
    /// events on either side of the answer checked as every event a figure
    /// comes from is: the answer's recorded at or before `at`, the next one
    /// after it.
    fn seq_at_time(&self, at: i64) -> Result<Option<u64>> {
        if self.store.layout() == crate::store::Layout::V1 {
            return crate::projection::seq_at_time_indexed(self, at);
        }
        let found = self.store.seq_recorded_by(at)?;
        let next = found.map_or(0, |s| s + 1);
        let found_ok = match found {
            Some(seq) => self.event(seq)?.recorded_at <= at,
            None => true,
        };
        let next_ok = next >= self.head.count || self.event(next)?.recorded_at > at;
        if found_ok && next_ok {
            Ok(found)
        } else {
            Err(Error::integrity(
                next,
                "the events' recorded times do not grow from one event to the next; run `sakip verify`",
            ))
        }
    }
}
/// A stored event read on its own and found sound.
pub(crate) struct SoundEvent {
    pub author: PublicKey,
    pub recorded_at: i64,
    pub payload: Payload,
}

/// Read event `seq` and check it without the rest of the ledger: stored
/// under its own seq, signed (strict Ed25519) by its author, and the event
/// the chain links to (its hash is the next event's `prev`, or the head's
/// hash). Whether the author was authorized is the caller's question.
pub(crate) fn read_sound(store: &Store, head: Head, seq: u64) -> Result<SoundEvent> {
    let bytes = store
        .get(seq)?
        .ok_or_else(|| Error::integrity(seq, format!("event {seq} is missing; run `sakip verify`")))?;
    sound_from(store, head, seq, &bytes, codec::hash_stored(&bytes), true)
}

/// [`read_sound`] on bytes already read; the signature is checked unless the
/// caller has just checked it. `hash` is `codec::hash_stored(bytes)`, which
/// the caller has already computed.
fn sound_from(
    store: &Store,
    head: Head,
    seq: u64,
    bytes: &[u8],
    hash: EventHash,
    check_signature: bool,
) -> Result<SoundEvent> {
    let frame = Frame::parse(bytes).map_err(|e| Error::integrity(seq, e))?;
    if frame.seq() != seq {
        return Err(moved(seq, frame.seq()));
    }
    let author = frame.author();
    if check_signature {
        keys::verify_strict(&author, &codec::signing_message(frame.body()), &frame.signature())
            .map_err(|e| Error::integrity(seq, format!("{e} (author {})", author.key_id())))?;
    }
    let next_prev = if seq + 1 == head.count {
        head.hash
    } else {
        let next = store.get(seq + 1)?.ok_or_else(|| {
            Error::integrity(
                seq + 1,
                format!("event {} is missing; run `sakip verify`", seq + 1),
            )
        })?;
        let next = Frame::parse(&next).map_err(|e| Error::integrity(seq + 1, e))?;
        if next.seq() != seq + 1 {
            return Err(moved(seq + 1, next.seq()));
        }
        next.prev()
    };
    if next_prev != hash {
        return Err(Error::integrity(
            seq,
            format!("the event's hash {hash} is not the one the chain links to ({next_prev}): the event was replaced; run `sakip verify`"),
        ));
    }
    let payload: Payload = codec::from_bytes(frame.payload_bytes())
        .map_err(|e| Error::integrity(seq, format!("payload: {e}")))?;
    Ok(SoundEvent {
        author,
        recorded_at: frame.recorded_at(),
        payload,
    })
}

fn moved(at: u64, says: u64) -> Error {
    Error::integrity(
        at,
        format!("the event stored at {at} says it is event {says} (events moved or swapped)"),
    )
}

#[cfg(test)]
mod tests {
    use crate::event::Payload;
    use crate::projection::IndexRead;

    #[test]
    fn a_remembered_event_is_served_from_memory_and_a_hash_only_for_the_same_bytes() {
        // The genesis and plan items T1 and T2.
        let (l, _) = crate::store::tests::ledger(3);
        // A first reader checks the signature and remembers it.
        assert!(l.verified.is_empty());
        l.index().payload(1).unwrap();
        assert_eq!(l.verified.len(), 1);
        // A later reader gets the same payload without a new signature check.
        assert!(matches!(
            l.index().payload(1).unwrap(),
            Payload::PlanItemDefined(_)
        ));
        assert_eq!(l.verified.len(), 1);

        // Other bytes at the seq (here, a flipped signature byte), as a
        // fresh process would find them: a reader that does not share this
        // process's memory checks the signature, and it fails.
        let mut bytes = l.store().get(1).unwrap().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        l.store().overwrite_event(1, bytes).unwrap();
        let err = l.index_checking_every_signature().payload(1).unwrap_err();
        assert!(matches!(err, crate::Error::Integrity { .. }), "{err}");
        // An event remembered by its hash alone (no longer kept decoded) is
        // read again: other bytes, a full check, which fails.
        l.verified.forget_decoded();
        let err = l.index().payload(1).unwrap_err();
        assert!(matches!(err, crate::Error::Integrity { .. }), "{err}");
    }

    #[test]
    fn a_kept_figure_is_remembered_as_checked_only_after_its_check_passed() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = crate::example::build(&dir.path().join("demo")).unwrap().ledger;
        let q = crate::projection::Query {
            year: 2021,
            as_of: crate::period::Quarter::LAST,
            known: l.head().count - 1,
            approved_only: false,
        };
        let truth = crate::projection::state(&l.index(), &q).unwrap();
        // As a fresh process: nothing kept, nothing remembered.
        l.years.clear();
        l.verified = Default::default();
        // Forge the value of a realisation in force (its newest version).
        let (key, value) = l
            .store()
            .scan(b"R\x07\xe5")
            .unwrap()
            .into_iter()
            .next_back()
            .unwrap();
        let forged = crate::codec::to_bytes(&crate::event::Value::Number(crate::event::Dec(
            rust_decimal::Decimal::new(999_999, 0),
        )))
        .unwrap();
        assert_ne!(forged, value);
        l.store().overwrite_index_entry(&key, forged).unwrap();
        // Every query refuses it: a failed check is not remembered.
        for _ in 0..2 {
            let err = crate::projection::state(&l.index(), &q).unwrap_err();
            assert!(matches!(err, crate::Error::Integrity { .. }), "{err}");
        }
        // The entry mended and read afresh: the same figures as before, and
        // again from what the first query checked.
        l.store().overwrite_index_entry(&key, value).unwrap();
        l.years.clear();
        assert_eq!(crate::projection::state(&l.index(), &q).unwrap(), truth);
        assert_eq!(crate::projection::state(&l.index(), &q).unwrap(), truth);
    }
}

//! Full verification of a ledger, from genesis to head, from the store or
//! from an exported bundle.
//!
//! For every event, in order: the key is the expected dense seq, the frame
//! parses, the seq field matches, `prev` is the previous event's hash,
//! recorded time does not go backwards, the Ed25519 signature verifies
//! strictly, the payload decodes, the author was authorized (the same
//! [`Registry::check`] used at append) and the event fits the plan (the same
//! `projection::validate`). The Merkle root is recomputed on the way. For a
//! store, the stored head must name the last event and the stored tree must
//! give the same root. Verification never trusts an index.

use crate::authz::Registry;
use crate::codec::{self, Frame};
use crate::derived::{first_difference, Expected, Tree};
use crate::event::{EventHash, Kind, PublicKey};
use crate::keys;
use crate::merkle::{Frontier, Hash};
use crate::projection::MemIndex;
use crate::store::Store;
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// Events whose signatures are checked together, in parallel.
const VERIFY_CHUNK: usize = 4096;

/// The result of a successful verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Events checked.
    pub events: u64,
    /// Hash of the last event.
    pub head: EventHash,
    /// Total stored event bytes.
    pub bytes: u64,
    /// Merkle root over all event hashes, recomputed from the events.
    pub root: Hash,
    /// Roots at the sizes asked for with [`Verifier::root_at`].
    pub roots: BTreeMap<u64, Hash>,
    /// The key registry at the head.
    pub registry: Registry,
    /// The last event's recorded time.
    pub last_recorded_at: i64,
    /// What the events imply for each derived tree, when asked for with
    /// [`Verifier::with_derived`].
    pub expected: Option<Expected>,
}

/// Checks events one by one, in order.
pub struct Verifier {
    registry: Registry,
    index: MemIndex,
    kinds: Vec<Kind>,
    frontier: Frontier,
    prev: EventHash,
    last_time: Option<i64>,
    bytes: u64,
    want_roots: Vec<u64>,
    roots: BTreeMap<u64, Hash>,
    /// The author of every event so far, as an index into `authors`: what
    /// the segregation-of-duties rule reads, 4 bytes per event.
    author_of: Vec<u32>,
    authors: Vec<PublicKey>,
    author_ids: HashMap<PublicKey, u32>,
    /// Latest acceptable recorded time (microseconds), if bounded.
    not_after: Option<i64>,
    expected: Option<Expected>,
    /// Authors' keys, decompressed once, for events pushed one by one.
    keys: keys::KeyCache,
}

impl Default for Verifier {
    fn default() -> Verifier {
        Verifier {
            registry: Registry::default(),
            index: MemIndex::for_validation(),
            kinds: Vec::new(),
            frontier: Frontier::default(),
            prev: EventHash::ZERO,
            last_time: None,
            bytes: 0,
            want_roots: Vec::new(),
            roots: BTreeMap::new(),
            author_of: Vec::new(),
            authors: Vec::new(),
            author_ids: HashMap::new(),
            not_after: None,
            expected: None,
            keys: keys::KeyCache::default(),
        }
    }
}

impl Verifier {
    /// A verifier at the start of a ledger.
    pub fn new() -> Verifier {
        Verifier::default()
    }

    /// Also fold what each event implies for the derived trees of a store
    /// of `layout`, to compare with the store's (`derived.rs`).
    pub fn with_derived(mut self, layout: crate::store::Layout) -> Verifier {
        self.expected = Some(Expected::new(layout));
        self
    }

    /// Refuse events recorded later than `wall` plus
    /// [`crate::clock::FUTURE_MARGIN`]: the verifying machine's clock.
    pub fn not_after(mut self, wall: chrono::DateTime<chrono::Utc>) -> Verifier {
        self.not_after = Some((wall + crate::clock::FUTURE_MARGIN).timestamp_micros());
        self
    }

    /// Also record the Merkle root after `size` events.
    pub fn root_at(&mut self, size: u64) {
        self.want_roots.push(size);
        if size == 0 {
            self.roots.insert(0, crate::merkle::empty_root());
        }
    }

    /// The number of events checked so far.
    pub fn count(&self) -> u64 {
        self.kinds.len() as u64
    }

    /// Check the next event, stored under `key_seq`.
    pub fn push(&mut self, key_seq: u64, bytes: &[u8]) -> Result<()> {
        self.push_inner(key_seq, bytes, None)
    }

    /// Check a run of consecutive events: their signatures in parallel on
    /// every core, then everything else in order. The first bad event is
    /// reported exactly as [`Verifier::push`] would.
    pub fn push_many(&mut self, events: &[(u64, &[u8])]) -> Result<()> {
        let signatures = check_signatures(events);
        for ((key_seq, bytes), sig) in events.iter().zip(signatures) {
            self.push_inner(*key_seq, bytes, Some(sig))?;
        }
        Ok(())
    }

    fn push_inner(
        &mut self,
        key_seq: u64,
        bytes: &[u8],
        signature: Option<Result<(), keys::SignatureError>>,
    ) -> Result<()> {
        let expected = self.count();
        if key_seq != expected {
            return Err(Error::integrity(
                expected,
                format!("event {expected} is missing (the next stored event is {key_seq})"),
            ));
        }
        let seq = expected;
        let frame = Frame::parse(bytes).map_err(|e| Error::integrity(seq, e))?;
        if frame.seq() != seq {
            return Err(Error::integrity(
                seq,
                format!(
                    "the event stored at {seq} says it is event {} (events moved or swapped)",
                    frame.seq()
                ),
            ));
        }
        if frame.prev() != self.prev {
            return Err(Error::integrity(
                seq,
                format!(
                    "prev link {} does not match the hash of event {} ({})",
                    frame.prev(),
                    seq.wrapping_sub(1),
                    self.prev
                ),
            ));
        }
        if self.last_time.is_some_and(|t| frame.recorded_at() < t) {
            return Err(Error::integrity(
                seq,
                "recorded time is earlier than the previous event's",
            ));
        }
        if self.not_after.is_some_and(|t| frame.recorded_at() > t) {
            return Err(Error::integrity(
                seq,
                format!(
                    "recorded at {}, in the future of this machine's clock (more than {} minutes ahead): the signer's clock was wrong or the time was forged",
                    crate::clock::format_micros(frame.recorded_at()),
                    crate::clock::FUTURE_MARGIN.num_minutes()
                ),
            ));
        }
        let author = frame.author();
        signature
            .unwrap_or_else(|| signature_of(&frame, &mut self.keys))
            .map_err(|e| Error::integrity(seq, format!("{e} (author {})", author.key_id())))?;
        let event = frame
            .decode()
            .map_err(|e| Error::integrity(seq, format!("payload: {e}")))?;
        let (kinds, author_of, authors) = (&self.kinds, &self.author_of, &self.authors);
        self.registry
            .check(seq, &author, &event.payload, |s| {
                let i = usize::try_from(s).ok()?;
                Some((*kinds.get(i)?, authors[*author_of.get(i)? as usize]))
            })
            .map_err(|e| Error::integrity(seq, format!("unauthorized event: {e}")))?;
        match crate::rules::validate(&self.index, &event.payload) {
            Ok(()) => {}
            Err(crate::rules::Invalid::Rule(e)) => {
                return Err(Error::integrity(seq, format!("invalid event: {e}")))
            }
            Err(crate::rules::Invalid::Read(e)) => return Err(e),
        }
        self.index.add(seq, frame.recorded_at(), &event.payload);
        self.registry.apply(seq, &author, &event.payload);
        self.kinds.push(event.payload.kind());
        let next_id = self.authors.len() as u32;
        let id = *self.author_ids.entry(author).or_insert(next_id);
        if id == next_id {
            self.authors.push(author);
        }
        self.author_of.push(id);
        self.prev = frame.hash();
        let nodes = self.frontier.push_nodes(&self.prev.0);
        if let Some(expected) = &mut self.expected {
            expected.add_event(seq, frame.recorded_at(), &self.prev.0, &event.payload, &nodes);
        }
        if self.want_roots.contains(&self.frontier.size()) {
            self.roots.insert(self.frontier.size(), self.frontier.root());
        }
        self.last_time = Some(frame.recorded_at());
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// The result after the last event.
    pub fn finish(self) -> Result<Verified> {
        if self.kinds.is_empty() {
            return Err(Error::Integrity {
                seq: None,
                reason: "the ledger is empty".into(),
            });
        }
        Ok(Verified {
            events: self.count(),
            head: self.prev,
            bytes: self.bytes,
            root: self.frontier.root(),
            roots: self.roots,
            registry: self.registry,
            last_recorded_at: self.last_time.unwrap_or_default(),
            expected: self.expected,
        })
    }
}

fn signature_of(frame: &Frame<'_>, keys: &mut keys::KeyCache) -> Result<(), keys::SignatureError> {
    keys.verify_strict(
        &frame.author(),
        &codec::signing_message(frame.body()),
        &frame.signature(),
    )
}

/// Strict Ed25519 checks of many events, split across the machine's cores.
/// A frame that does not parse gets `Ok` here: the ordered pass reports it.
pub(crate) fn check_signatures(events: &[(u64, &[u8])]) -> Vec<Result<(), keys::SignatureError>> {
    let one = |bytes: &[u8], keys: &mut keys::KeyCache| {
        Frame::parse(bytes).map_or(Ok(()), |f| signature_of(&f, keys))
    };
    let all = |part: &[(u64, &[u8])]| {
        let mut keys = keys::KeyCache::default();
        part.iter().map(|(_, b)| one(b, &mut keys)).collect::<Vec<_>>()
    };
    if events.len() < 64 {
        return all(events);
    }
    // Asked once per process: the answer reads the cgroup files each time.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(16)
    });
    if threads < 2 {
        return all(events);
    }
    let chunk = events.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = events
            .chunks(chunk)
            .map(|part| scope.spawn(move || all(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Verify every event in the store, the head record, and every derived
/// tree (projection index, look-ups, Merkle nodes, key registry) against
/// what the events imply. An integrity failure is returned as
/// [`Error::Integrity`] naming the first bad seq, or the tree and its first
/// differing key.
pub fn verify_store(store: &Store) -> Result<Verified> {
    let verified = verify_chain(store, Verifier::new().with_derived(store.layout()))?;
    check_head(store, &verified)?;
    check_derived(store, &verified)?;
    Ok(verified)
}

/// Whole-ledger verification in steps, for a caller that must not hold
/// the store for the whole run (a server verifying while users append):
/// events are read a run at a time ([`read_events`], under the caller's
/// lock) and checked outside it ([`Stepwise::check`], the signatures and
/// chain); [`Stepwise::finish`], under the lock, checks the events appended
/// meanwhile, the head record and every derived tree against one state of
/// the store. The result is the same as [`verify_store`]'s on that state.
pub struct Stepwise {
    v: Verifier,
}

impl Stepwise {
    /// At the start of the ledger, judging event times by this machine's
    /// clock as [`verify_store`] does, for a store of `layout`
    /// ([`Store::layout`]).
    pub fn new(layout: crate::store::Layout) -> Stepwise {
        Stepwise {
            v: Verifier::new().with_derived(layout).not_after(chrono::Utc::now()),
        }
    }

    /// How many events are checked so far; the next run starts here.
    pub fn checked(&self) -> u64 {
        self.v.count()
    }

    /// Check the next run of events (as [`read_events`] read them from
    /// [`Stepwise::checked`] on).
    pub fn check(&mut self, events: &[(u64, Vec<u8>)]) -> Result<()> {
        let run: Vec<(u64, &[u8])> = events.iter().map(|(s, b)| (*s, b.as_ref())).collect();
        self.v.push_many(&run)
    }

    /// Check the events not checked yet, the head record and every derived
    /// tree. The store must not change during the call.
    pub fn finish(mut self, store: &Store) -> Result<Verified> {
        loop {
            let run = read_events(store, self.checked(), VERIFY_CHUNK)?;
            if run.is_empty() {
                break;
            }
            self.check(&run)?;
        }
        let verified = self.v.finish()?;
        check_head(store, &verified)?;
        if verified.expected.as_ref().map(|e| e.layout()) != Some(store.layout()) {
            return Err(Error::Input(
                "the store's look-ups were rebuilt in another layout while it was being verified; verify again".into(),
            ));
        }
        check_derived(store, &verified)?;
        Ok(verified)
    }
}

/// Up to `max` stored events from seq `from` on, in order (for
/// [`Stepwise`]). A read failure is reported at the seq it stopped at.
pub fn read_events(store: &Store, from: u64, max: usize) -> Result<Vec<(u64, Vec<u8>)>> {
    let mut run = Vec::with_capacity(max.min(VERIFY_CHUNK));
    for entry in store.events_from(from).take(max) {
        run.push(entry.map_err(|e| at_seq(e, from + run.len() as u64))?);
    }
    Ok(run)
}

/// The head record must name the last verified event.
fn check_head(store: &Store, verified: &Verified) -> Result<()> {
    let expected = verified.events;
    match store.head()? {
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
        Some(h) if h.hash != verified.head || h.recorded_at != verified.last_recorded_at => {
            Err(Error::integrity(
                expected - 1,
                format!(
                    "the head record (hash {}, time {}) does not match the last event (hash {}, time {}); if only the head record is damaged, `sakip rebuild` rewrites it",
                    h.hash,
                    crate::clock::format_micros(h.recorded_at),
                    verified.head,
                    crate::clock::format_micros(verified.last_recorded_at)
                ),
            ))
        }
        Some(_) => Ok(()),
    }
}

/// Verify the events and the head record only (what `rebuild` needs before
/// it recomputes the derived trees).
pub fn verify_events(store: &Store) -> Result<Verified> {
    verify_chain(store, Verifier::new())
}

/// Compare every derived tree of `store` with what the verified events
/// imply; name the first difference.
fn check_derived(store: &Store, verified: &Verified) -> Result<()> {
    let expected = verified
        .expected
        .as_ref()
        .ok_or_else(|| Error::Store("verified without derived digests".into()))?;
    for tree in Tree::ALL {
        let mut stored = expected.empty_like();
        store.for_each_derived(tree, |k, v| stored.add(k, v))?;
        if stored != expected.digest(tree) {
            let all = expected_entries(store, tree)?;
            return Err(
                first_difference(tree, &all, store.derived_entries(tree))?.unwrap_or_else(|| {
                    Error::Integrity {
                        seq: None,
                        reason: format!(
                            "the derived tree {} changed while it was being verified",
                            tree.describe()
                        ),
                    }
                }),
            );
        }
    }
    crate::derived::check_key_tree(store, &verified.registry)?;
    Ok(())
}

/// Every entry the events imply for one derived tree, in key order: the
/// slow path, run only to name a difference the digests found.
fn expected_entries(store: &Store, tree: Tree) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
    let layout = store.layout();
    let mut out = BTreeMap::new();
    let mut frontier = Frontier::default();
    let mut hashes = crate::store::HashFold::new(layout);
    for entry in store.events_from(0) {
        let (seq, bytes) = entry?;
        let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
        let hash = frame.hash();
        let nodes = frontier.push_nodes(&hash.0);
        match tree {
            Tree::Merkle => {
                for (l, i, h) in nodes.into_iter().filter(|n| layout.stores_node(n.0)) {
                    out.insert(crate::store::merkle_key(l, i).to_vec(), h.to_vec());
                }
            }
            _ => {
                let payload: crate::event::Payload = codec::from_bytes(frame.payload_bytes())
                    .map_err(|e| Error::integrity(seq, format!("payload: {e}")))?;
                if tree == Tree::Projection {
                    out.extend(
                        crate::projection::index_entries(seq, frame.recorded_at(), &payload)
                            .into_iter()
                            .filter(|(k, _)| layout.keeps_index_entry(k)),
                    );
                } else if tree == Tree::ByHash {
                    out.extend(hashes.push(seq, &hash.0));
                } else {
                    out.extend(layout.kind_entry(seq, payload.kind()));
                }
            }
        }
    }
    if tree == Tree::ByHash {
        out.extend(hashes.open_entry());
    }
    Ok(out)
}

fn verify_chain(store: &Store, v: Verifier) -> Result<Verified> {
    let mut v = v.not_after(chrono::Utc::now());
    let mut pending: Vec<(u64, Vec<u8>)> = Vec::with_capacity(VERIFY_CHUNK);
    let flush = |v: &mut Verifier, pending: &mut Vec<(u64, Vec<u8>)>| -> Result<()> {
        let run: Vec<(u64, &[u8])> = pending.iter().map(|(s, b)| (*s, b.as_ref())).collect();
        v.push_many(&run)?;
        pending.clear();
        Ok(())
    };
    for entry in store.events_from(0) {
        match entry {
            Ok(item) => pending.push(item),
            Err(e) => {
                // The events read before it are checked first, so that the
                // first bad seq is the one reported.
                let seq = v.count() + pending.len() as u64;
                flush(&mut v, &mut pending)?;
                return Err(at_seq(e, seq));
            }
        }
        if pending.len() == VERIFY_CHUNK {
            flush(&mut v, &mut pending)?;
        }
    }
    flush(&mut v, &mut pending)?;
    v.finish()
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

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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

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
    /// Whether domain events are checked against the plan
    /// (`rules::validate`).
    plan_rules: bool,
    expected: Option<Expected>,
    /// For events pushed one by one.
    signatures: SignatureChecker,
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
            plan_rules: true,
            expected: None,
            signatures: SignatureChecker::default(),
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

    /// Check no domain event against the plan: the scope of a verifier
    /// that follows the byte format and the authorization matrix only
    /// (`tools/verify_bundle.py`, `verify-bundle --scope chain`).
    pub fn without_plan_rules(mut self) -> Verifier {
        self.plan_rules = false;
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
        self.push_inner(key_seq, bytes, SignatureCheck::Inline)
            .map_err(|f| f.error)
    }

    /// Check a run of consecutive events. Their signatures are checked on
    /// every core while this thread makes the ordered checks (chain, time,
    /// authorization, plan rules), then helps with the signatures left. The
    /// first bad event is reported exactly as [`Verifier::push`] would.
    /// After an error the verifier is spent: it may have folded in events
    /// after the bad one, and must not be used again.
    pub fn push_many(&mut self, events: &[(u64, &[u8])]) -> Result<()> {
        let job = SignatureJob::new(events);
        let failed = std::thread::scope(|scope| {
            for _ in 1..job.threads() {
                scope.spawn(|| job.work());
            }
            let mut failed = None;
            for (i, (key_seq, bytes)) in events.iter().enumerate() {
                if let Err(f) = self.push_inner(*key_seq, bytes, SignatureCheck::Deferred) {
                    job.not_after(i);
                    failed = Some((i, f));
                    break;
                }
            }
            job.work();
            failed
        });
        let signatures = job.into_results();
        let (stop, failure) = failed.map_or((events.len(), None), |(i, f)| (i, Some(f)));
        for (event, signature) in events[..stop].iter().zip(&signatures) {
            signature_failure(event, signature)?;
        }
        match failure {
            None => Ok(()),
            Some(f) if !f.after_signature => Err(f.error),
            Some(f) => {
                signature_failure(&events[stop], &signatures[stop])?;
                Err(f.error)
            }
        }
    }

    fn push_inner(&mut self, key_seq: u64, bytes: &[u8], signature: SignatureCheck) -> Result<(), Failure> {
        let expected = self.count();
        if key_seq != expected {
            return Err(Failure::before(Error::integrity(
                expected,
                format!("event {expected} is missing (the next stored event is {key_seq})"),
            )));
        }
        let seq = expected;
        let frame = Frame::parse(bytes).map_err(|e| Failure::before(Error::integrity(seq, e)))?;
        if frame.seq() != seq {
            return Err(Failure::before(Error::integrity(
                seq,
                format!(
                    "the event stored at {seq} says it is event {} (events moved or swapped)",
                    frame.seq()
                ),
            )));
        }
        if frame.prev() != self.prev {
            return Err(Failure::before(Error::integrity(
                seq,
                format!(
                    "prev link {} does not match the hash of event {} ({})",
                    frame.prev(),
                    seq.wrapping_sub(1),
                    self.prev
                ),
            )));
        }
        if self.last_time.is_some_and(|t| frame.recorded_at() < t) {
            return Err(Failure::before(Error::integrity(
                seq,
                "recorded time is earlier than the previous event's",
            )));
        }
        if self.not_after.is_some_and(|t| frame.recorded_at() > t) {
            return Err(Failure::before(Error::integrity(
                seq,
                format!(
                    "recorded at {}, in the future of this machine's clock (more than {} minutes ahead): the signer's clock was wrong or the time was forged",
                    crate::clock::format_micros(frame.recorded_at()),
                    crate::clock::FUTURE_MARGIN.num_minutes()
                ),
            )));
        }
        let author = frame.author();
        if let SignatureCheck::Inline = signature {
            // Only `push` checks inline, and it reads just the error.
            self.signatures.check(&frame).map_err(|e| {
                Failure::before(Error::integrity(seq, format!("{e} (author {})", author.key_id())))
            })?;
        }
        self.fold(seq, &frame, author).map_err(|error| Failure {
            error,
            after_signature: true,
        })?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// The checks after the signature, and the event folded in.
    fn fold(&mut self, seq: u64, frame: &Frame<'_>, author: PublicKey) -> Result<()> {
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
        let checked = match self.plan_rules {
            true => crate::rules::validate(&self.index, &event.payload),
            false => Ok(()),
        };
        match checked {
            Ok(()) => {}
            Err(crate::rules::Invalid::Rule(e)) => {
                return Err(Error::integrity(seq, format!("invalid event: {e}")))
            }
            Err(crate::rules::Invalid::Read(e)) => return Err(e),
        }
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
        // Made once, for the derived digests and the validation index.
        let entries = crate::projection::index_entries(seq, frame.recorded_at(), &event.payload);
        if let Some(expected) = &mut self.expected {
            expected.add_event(seq, &entries, &self.prev.0, &event.payload, &nodes);
        }
        self.index.add_entries(seq, entries, &event.payload);
        if self.want_roots.contains(&self.frontier.size()) {
            self.roots.insert(self.frontier.size(), self.frontier.root());
        }
        self.last_time = Some(frame.recorded_at());
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

/// Strict signature checks with the authors' keys decompressed once
/// ([`keys::KeyCache`]) and one buffer for the signed messages.
#[derive(Default)]
struct SignatureChecker {
    keys: keys::KeyCache,
    message: Vec<u8>,
}

impl SignatureChecker {
    fn check(&mut self, frame: &Frame<'_>) -> Result<(), keys::SignatureError> {
        codec::signing_message_into(frame.body(), &mut self.message);
        self.keys
            .verify_strict(&frame.author(), &self.message, &frame.signature())
    }
}

/// The error for an event whose signature failed (or, a fault of this
/// module, was never checked). Its ordered checks before the signature
/// passed, so the frame parses and the key is its seq.
fn signature_failure(
    (key_seq, bytes): &(u64, &[u8]),
    signature: &Option<Result<(), keys::SignatureError>>,
) -> Result<()> {
    match signature {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => {
            let author = Frame::parse(bytes)
                .map(|f| f.author().key_id())
                .unwrap_or_default();
            Err(Error::integrity(*key_seq, format!("{e} (author {author})")))
        }
        None => Err(Error::Store(format!(
            "the signature of event {key_seq} was not checked"
        ))),
    }
}

/// Whether [`Verifier::push_inner`] checks the signature itself or leaves
/// it to a [`SignatureJob`].
enum SignatureCheck {
    Inline,
    Deferred,
}

/// A failed check, and whether it comes after the signature's in the order
/// [`Verifier::push`] checks an event.
struct Failure {
    error: Error,
    after_signature: bool,
}

impl Failure {
    fn before(error: Error) -> Failure {
        Failure {
            error,
            after_signature: false,
        }
    }
}

/// Strict signature checks of a run of events, shared by several threads:
/// each claims the next block of events until none is left, so a thread
/// slowed by other work (the ordered checks, the store's reads) leaves its
/// share to the others instead of holding up the run.
struct SignatureJob<'a> {
    events: &'a [(u64, &'a [u8])],
    next: AtomicUsize,
    /// Events from this index on need no check (an earlier one failed).
    end: AtomicUsize,
    results: Vec<OnceLock<Result<(), keys::SignatureError>>>,
}

/// Events a thread claims at a time.
const SIGNATURE_BLOCK: usize = 64;

impl<'a> SignatureJob<'a> {
    fn new(events: &'a [(u64, &'a [u8])]) -> SignatureJob<'a> {
        SignatureJob {
            events,
            next: AtomicUsize::new(0),
            end: AtomicUsize::new(events.len()),
            results: (0..events.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Threads worth running on it, the caller's included: one per core
    /// (at most 16), one alone for a short run.
    fn threads(&self) -> usize {
        // Asked once per process: the answer reads the cgroup files each time.
        static THREADS: OnceLock<usize> = OnceLock::new();
        let cores = *THREADS.get_or_init(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(16)
        });
        if self.events.len() < 2 * SIGNATURE_BLOCK {
            1
        } else {
            cores
        }
    }

    /// No event after the one at `index` needs checking.
    fn not_after(&self, index: usize) {
        self.end.fetch_min(index + 1, Ordering::Relaxed);
    }

    /// Check blocks of events until none is left. A frame that does not
    /// parse gets `Ok` here: the ordered checks report it.
    fn work(&self) {
        let mut checker = SignatureChecker::default();
        loop {
            let start = self.next.fetch_add(SIGNATURE_BLOCK, Ordering::Relaxed);
            let end = self.end.load(Ordering::Relaxed);
            if start >= end {
                return;
            }
            let stop = (start + SIGNATURE_BLOCK).min(self.events.len());
            for (slot, (_, bytes)) in self.results[start..stop].iter().zip(&self.events[start..stop]) {
                let _ = slot.set(Frame::parse(bytes).map_or(Ok(()), |f| checker.check(&f)));
            }
        }
    }

    /// Each event's result; `None` for an event no thread reached.
    fn into_results(self) -> Vec<Option<Result<(), keys::SignatureError>>> {
        self.results.into_iter().map(OnceLock::into_inner).collect()
    }
}

/// Strict Ed25519 checks of many events, on every core. A frame that does
/// not parse gets `Ok` here: the ordered checks report it.
pub(crate) fn check_signatures(events: &[(u64, &[u8])]) -> Vec<Result<(), keys::SignatureError>> {
    let job = SignatureJob::new(events);
    std::thread::scope(|scope| {
        for _ in 1..job.threads() {
            scope.spawn(|| job.work());
        }
        job.work();
    });
    job.into_results()
        .into_iter()
        // Every block is claimed when nothing limits the job; were one not,
        // its events would fail rather than pass.
        .map(|r| r.unwrap_or(Err(keys::SignatureError::DoesNotVerify)))
        .collect()
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

/// Check every stored event in order. One thread reads the store while
/// this one checks the run read before ([`Verifier::push_many`]), so the
/// reads overlap the checks.
fn verify_chain(store: &Store, v: Verifier) -> Result<Verified> {
    let mut v = v.not_after(chrono::Utc::now());
    let (runs, read) = std::sync::mpsc::sync_channel::<Result<Vec<(u64, Vec<u8>)>>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut run = Vec::with_capacity(VERIFY_CHUNK);
            for (at, entry) in (0u64..).zip(store.events_from(0)) {
                match entry {
                    Ok(item) => run.push(item),
                    Err(e) => {
                        // The events read before it are checked first, so
                        // that the first bad seq is the one reported.
                        let _ = runs.send(Ok(std::mem::take(&mut run)));
                        let _ = runs.send(Err(at_seq(e, at)));
                        return;
                    }
                }
                if run.len() == VERIFY_CHUNK
                    && runs
                        .send(Ok(std::mem::replace(&mut run, Vec::with_capacity(VERIFY_CHUNK))))
                        .is_err()
                {
                    // The checks stopped at a bad event.
                    return;
                }
            }
            let _ = runs.send(Ok(run));
        });
        for run in read {
            let run = run?;
            let events: Vec<(u64, &[u8])> = run.iter().map(|(s, b)| (*s, b.as_ref())).collect();
            v.push_many(&events)?;
        }
        Ok::<(), Error>(())
    })?;
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

#[cfg(test)]
mod tests;

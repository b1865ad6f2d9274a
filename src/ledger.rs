//! The ledger: appending signed events and reading them back.
//!
//! Architecture invariant: the only ways bytes enter the store are
//! [`Ledger::append_all`] and [`Ledger::append_batches`], which check
//! authorization with the same [`Registry::check`] that `verify` uses,
//! sign, chain, and commit each batch in one durable transaction. Nothing
//! is ever rewritten or deleted.

use crate::authz::Registry;
use crate::checked::CheckedIndex;
use crate::clock::Clock;
use crate::codec::{self, Frame, Unsigned};
use crate::event::{Event, EventHash, Genesis, Kind, Payload, PublicKey};
use crate::keys::{KeyPair, Signer};
use crate::merkle::Frontier;
use crate::projection::Known;
use crate::projection::{self, MemIndex, Overlay};
use crate::store::{Head, Staged, Store};
use crate::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// An open ledger.
pub struct Ledger {
    store: Store,
    registry: Registry,
    head: Option<Head>,
    clock: Arc<dyn Clock>,
    /// Signatures verified by this process's readers (`checked.rs`).
    pub(crate) verified: crate::checked::Verified,
    /// Year figures read by this process's queries, kept up to date by its
    /// appends (`projection::YearCache`).
    pub(crate) years: projection::YearCache,
    /// The Merkle tree's right edge at the head, as this process's appends
    /// made it: an append reads its left siblings here, not in the store.
    frontier: std::sync::Mutex<Option<Frontier>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("store", &self.store)
            .field("head", &self.head)
            .finish()
    }
}

/// Where an appended event landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Its seq.
    pub seq: u64,
    /// Its hash.
    pub hash: EventHash,
}

/// An event read back from the store, with its hash and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The decoded event.
    pub event: Event,
    /// Its hash.
    pub hash: EventHash,
    /// Stored size in bytes.
    pub size: usize,
}

impl Ledger {
    /// Create a ledger in `dir` with its genesis event, signed by `admin`.
    /// The published example keys are refused: anyone can sign as them.
    pub fn init(dir: &Path, clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        refuse_example_admin(admin)?;
        Ledger::init_demo(dir, clock, admin, genesis)
    }

    /// Create a ledger that may be signed by the published example keys:
    /// the demo, and nothing else.
    pub fn init_demo(dir: &Path, clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        Ledger::init_demo_in(Store::open(dir, true)?, clock, admin, genesis)
    }

    /// Create a ledger in memory (nothing on disk; gone when dropped), with
    /// the same rules as [`Ledger::init`]: for tests and throw-away work.
    pub fn init_in_memory(clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        refuse_example_admin(admin)?;
        Ledger::init_demo_in(Store::memory(), clock, admin, genesis)
    }

    /// Create a demo ledger (one that accepts the published example keys)
    /// in memory.
    pub fn init_demo_in_memory(clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        Ledger::init_demo_in(Store::memory(), clock, admin, genesis)
    }

    pub(crate) fn init_demo_in(
        store: Store,
        clock: Arc<dyn Clock>,
        admin: &KeyPair,
        genesis: Genesis,
    ) -> Result<Ledger> {
        let dir = store.dir().to_path_buf();
        if genesis.nonce.is_none() {
            return Err(Error::Input(
                "a new ledger's genesis carries a nonce (32 random bytes), so that it is no other ledger"
                    .into(),
            ));
        }
        if store.head()?.is_some() {
            return Err(Error::Input(format!(
                "a ledger already exists at {}",
                dir.display()
            )));
        }
        let mut ledger = Ledger {
            store,
            registry: Registry::default(),
            head: None,
            clock,
            verified: Default::default(),
            years: Default::default(),
            frontier: Default::default(),
        };
        ledger.append(admin, Payload::Genesis(genesis))?;
        Ok(ledger)
    }

    /// Open an existing ledger.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Ledger::open_inner(dir, clock, false)
    }

    /// Open an existing ledger whose projection rebuild was interrupted, to
    /// rebuild it.
    pub fn open_for_rebuild(dir: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Ledger::open_inner(dir, clock, true)
    }

    fn open_inner(dir: &Path, clock: Arc<dyn Clock>, rebuilding: bool) -> Result<Ledger> {
        Ledger::from_store(Store::open(dir, false)?, clock, rebuilding)
    }

    /// Close the store, releasing the ledger directory to another process
    /// (a turn, `store/turn.rs`); until [`Ledger::reopen`] this value is an
    /// empty ledger in memory that answers nothing about the real one.
    pub fn release(&mut self) -> std::path::PathBuf {
        let dir = self.store.dir().to_path_buf();
        self.store = Store::memory();
        self.head = None;
        self.registry = Registry::default();
        // What this process kept of the ledger is no longer known to hold.
        self.verified = Default::default();
        self.years = Default::default();
        dir
    }

    /// Open the ledger in `dir` again after [`Ledger::release`], reading
    /// its head and registry afresh (another process may have appended),
    /// waiting up to `timeout` for its lock.
    pub fn reopen(&mut self, dir: &Path, timeout: std::time::Duration) -> Result<()> {
        let notify = |_: &Path| {};
        let wait = crate::store::Wait {
            timeout,
            notify: &notify,
            ask_holder: false,
        };
        *self = Ledger::open_waiting(dir, self.clock.clone(), wait, false)?;
        Ok(())
    }

    /// Open an existing ledger, waiting while another process has it open
    /// (see [`Store::open_waiting`]); `rebuilding` as in
    /// [`Ledger::open_for_rebuild`].
    pub fn open_waiting(
        dir: &Path,
        clock: Arc<dyn Clock>,
        wait: crate::store::Wait<'_>,
        rebuilding: bool,
    ) -> Result<Ledger> {
        Ledger::from_store(Store::open_waiting(dir, false, Some(wait))?, clock, rebuilding)
    }

    /// A ledger over an open store. sled 0.34 may still hold a closed
    /// database's file lock for a moment, so code that writes a store and
    /// then works on it as a ledger keeps the one open store.
    pub fn from_store(store: Store, clock: Arc<dyn Clock>, rebuilding: bool) -> Result<Ledger> {
        let dir = store.dir().to_path_buf();
        let dir = dir.as_path();
        let head = store.head()?;
        if head.is_none() {
            return Err(Error::Input(format!(
                "{} holds no ledger yet (create one with `sakip init`)",
                dir.display()
            )));
        }
        if !rebuilding && store.rebuild_unfinished()? {
            return Err(Error::Input(format!(
                "the derived indexes of {} were being rebuilt when the process stopped; run `sakip rebuild`",
                dir.display()
            )));
        }
        if !rebuilding && !store.projection_current()? {
            return Err(Error::Input(format!(
                "the projections of {} were built by another version of sakip; run `sakip rebuild`",
                dir.display()
            )));
        }
        let head_now = head.ok_or_else(|| Error::Input("no head".into()))?;
        let registry = if rebuilding {
            // `rebuild_all` replays the registry from all events; the
            // look-ups it would be found through may be what is damaged.
            replay_registry(&store, head_now).unwrap_or_default()
        } else {
            let registry = replay_registry(&store, head_now)?;
            crate::derived::check_key_tree(&store, &registry)?;
            registry
        };
        Ok(Ledger {
            store,
            registry,
            head,
            clock,
            verified: Default::default(),
            years: Default::default(),
            frontier: Default::default(),
        })
    }

    /// The same ledger with another clock (the demo is built with a
    /// stepping clock; a server appends with the machine's).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Ledger {
        self.clock = clock;
        self
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current head.
    pub fn head(&self) -> Head {
        self.head.expect("an open ledger always has a genesis event")
    }

    /// The key registry as of the head, replayed from the key events.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The projection index as queries must read it: every entry checked
    /// against its signed event before it is used (`checked.rs`).
    pub fn index(&self) -> CheckedIndex<'_> {
        CheckedIndex::new(&self.store, &self.registry, self.head())
            .remembering(&self.verified)
            .with_years(&self.years)
    }

    /// [`Ledger::index`] as a fresh process reads it: every signature
    /// checked again, none remembered (for measurements).
    pub fn index_checking_every_signature(&self) -> CheckedIndex<'_> {
        CheckedIndex::new(&self.store, &self.registry, self.head())
    }

    /// Append one event signed by `signer`; durable when this returns.
    pub fn append(&mut self, signer: &KeyPair, payload: Payload) -> Result<Appended> {
        let mut done = self.append_all(vec![(signer, payload)])?;
        Ok(done.remove(0))
    }

    /// Append a batch atomically: either every event is appended, with one
    /// durability point, or none is (the first refusal is returned).
    pub fn append_all(&mut self, items: Vec<(&KeyPair, Payload)>) -> Result<Vec<Appended>> {
        let many = items.len() > 1;
        let labelled = items
            .into_iter()
            .enumerate()
            .map(|(i, (k, p))| {
                let label = if many {
                    format!("item {} of the batch", i + 1)
                } else {
                    String::new()
                };
                (k, p, label)
            })
            .collect();
        self.append_labelled(labelled)
    }

    /// Like [`Ledger::append_all`], with a label per item (such as
    /// "plan.toml [[target]] #3" or "realisasi.csv:7") that names the item in
    /// a refusal.
    pub fn append_labelled(&mut self, items: Vec<(&KeyPair, Payload, String)>) -> Result<Vec<Appended>> {
        if items.is_empty() {
            return Ok(vec![]);
        }
        let (staged, head, registry) = self.stage(&items, None)?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged))
    }

    /// A dry run of [`Ledger::append_labelled`]: every check an append makes
    /// (authorization, time, plan rules, labels in refusals), and the seqs
    /// the events would get, with nothing written.
    pub fn check_labelled(&self, items: Vec<(&KeyPair, Payload, String)>) -> Result<Vec<Appended>> {
        if items.is_empty() {
            return Ok(vec![]);
        }
        let (staged, _, _) = self.stage(&items, None)?;
        Ok(appended(&staged))
    }

    /// Prepare an event for `author` to sign elsewhere: it is authorized and
    /// validated against the current head exactly as an append would be,
    /// and the bytes to sign are returned with the head they were prepared
    /// against. Nothing is written.
    pub fn prepare(&self, author: PublicKey, payload: Payload) -> Result<Prepared> {
        let unsigned = NotYetSigned(author);
        let (staged, _, _) = self.stage(&[(&unsigned, payload.clone(), String::new())], None)?;
        let s = &staged[0];
        let body = s.bytes[..s.bytes.len() - codec::SIGNATURE_LEN].to_vec();
        let frame = Frame::parse(&s.bytes).map_err(|e| Error::integrity(s.seq, e))?;
        Ok(Prepared {
            seq: s.seq,
            prev: frame.prev(),
            recorded_at: frame.recorded_at(),
            author,
            payload,
            body,
        })
    }

    /// Submit a prepared event with its author's signature over
    /// [`Prepared::signing_message`]. Refused when the signature does not
    /// verify (strictly) over exactly the prepared bytes; a typed
    /// [`Error::Conflict`] when the ledger moved since it was prepared.
    /// Otherwise checked again like any append and made durable.
    pub fn submit(&mut self, prepared: &Prepared, signature: [u8; 64]) -> Result<Appended> {
        let head = self.head();
        if head.count != prepared.seq || head.hash != prepared.prev {
            return Err(Error::Conflict {
                prepared: prepared.seq,
                head: head.count,
            });
        }
        let message = codec::signing_message(&prepared.body);
        crate::keys::verify_strict(&prepared.author, &message, &signature).map_err(|e| {
            Error::Refused(format!(
                "the signature over the prepared event does not verify ({e})"
            ))
        })?;
        let presigned = Presigned {
            author: prepared.author,
            message,
            signature,
        };
        let items = [(&presigned, prepared.payload.clone(), String::new())];
        let (staged, head, registry) = self.stage(&items, Some(prepared.recorded_at))?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged)[0])
    }

    /// Prepare `items` (payloads with the labels refusals name, such as a
    /// file and line) to be signed elsewhere one after another by `author`
    /// and appended as one atomic batch. The whole batch is authorized and
    /// validated now, exactly as [`Ledger::append_labelled`] would; nothing
    /// is written. Each event's body names the hash of the one before it,
    /// signature included, so the signer signs them in order:
    /// [`PreparedBatch::next`] gives the next body to sign once the one
    /// before it is signed.
    pub fn prepare_batch(&self, author: PublicKey, items: Vec<(Payload, String)>) -> Result<PreparedBatch> {
        if items.is_empty() {
            return Err(Error::Input("nothing to prepare: the batch is empty".into()));
        }
        let unsigned = NotYetSigned(author);
        let staging: Vec<_> = items
            .iter()
            .map(|(p, l)| (&unsigned, p.clone(), l.clone()))
            .collect();
        let (staged, _, _) = self.stage(&staging, None)?;
        let frame = Frame::parse(&staged[0].bytes).map_err(|e| Error::integrity(staged[0].seq, e))?;
        Ok(PreparedBatch {
            first: staged[0].seq,
            head: frame.prev(),
            recorded_at: frame.recorded_at(),
            author,
            items,
            messages: Vec::new(),
            signatures: Vec::new(),
            next_prev: frame.prev(),
        })
    }

    /// Append a batch whose every event is signed, as one atomic, durable
    /// commit: all or nothing. A typed [`Error::Conflict`] when the ledger
    /// moved since the batch was prepared; otherwise checked again like any
    /// append.
    pub fn submit_batch(&mut self, batch: &PreparedBatch) -> Result<Vec<Appended>> {
        if !batch.is_complete() {
            return Err(Error::Input(format!(
                "the batch is not fully signed: {} of {} events",
                batch.signed(),
                batch.len()
            )));
        }
        let head = self.head();
        if head.count != batch.first || head.hash != batch.head {
            return Err(Error::Conflict {
                prepared: batch.first,
                head: head.count,
            });
        }
        let presigned: Vec<Presigned> = batch
            .messages
            .iter()
            .zip(&batch.signatures)
            .map(|(message, signature)| Presigned {
                author: batch.author,
                message: message.clone(),
                signature: *signature,
            })
            .collect();
        let items: Vec<_> = presigned
            .iter()
            .zip(&batch.items)
            .map(|(s, (p, l))| (s, p.clone(), l.clone()))
            .collect();
        let (staged, head, registry) = self.stage(&items, Some(batch.recorded_at))?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged))
    }

    /// Make staged events durable, then take them in: the head, the key
    /// registry and the year figures this process keeps.
    fn commit(&mut self, staged: &[Staged], head: Head, registry: Registry) -> Result<()> {
        self.store.commit(staged, head)?;
        // The right edge moves on by the nodes the sealing made.
        let kept = self.frontier.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = kept.as_mut() {
            if !staged.iter().all(|s| f.push_made(&s.merkle)) {
                *kept = None;
            }
        }
        self.years.apply(staged.iter().flat_map(|s| &s.proj));
        self.registry = registry;
        self.head = Some(head);
        Ok(())
    }

    /// Authorize, validate, sign and chain a batch in memory: the events,
    /// index entries and Merkle nodes to commit, the new head and registry.
    ///
    /// Two passes run over the items in order. The first authorizes,
    /// validates and encodes each event without its `prev`; the second
    /// chains, signs and hashes them. Each event's check depends only on
    /// the events before it, never on their signatures, so for a batch of
    /// [`PIPELINE_FROM`] items or more the second pass runs on a thread of
    /// its own, up to [`PIPELINE_DEPTH`] events behind the first. The
    /// events, and the first refusal in item order, are the same either
    /// way.
    fn stage<S: Signer + Sync + ?Sized>(
        &self,
        items: &[(&S, Payload, String)],
        at: Option<i64>,
    ) -> Result<(Vec<Staged>, Head, Registry)> {
        let now = at.unwrap_or_else(|| self.stamp(self.head));
        self.check_time(now, self.head)?;
        let (count, prev) = match self.head {
            Some(h) => (h.count, h.hash),
            None => (0, EventHash::ZERO),
        };
        let mut seal = Sealer::new(prev, self.frontier_at(count)?);
        let suffix = if items.len() > 1 {
            "; nothing was appended"
        } else {
            ""
        };
        let mut checker = Checker::new(self, now, suffix.into());
        let staged = Self::stage_into(items, count, &mut checker, &mut seal)?;
        let head = Head {
            count: count + staged.len() as u64,
            hash: staged.last().map_or(prev, |s| s.hash),
            recorded_at: now,
        };
        Ok((staged, head, checker.registry))
    }

    /// The Merkle tree's right edge at `count` leaves: kept from this
    /// process's last append, else read from the store (and kept).
    fn frontier_at(&self, count: u64) -> Result<Frontier> {
        let mut kept = self.frontier.lock().unwrap_or_else(|e| e.into_inner());
        match kept.as_ref().filter(|f| f.size() == count) {
            Some(f) => Ok(f.clone()),
            None => {
                let f = Frontier::read(&self.store, count)?;
                *kept = Some(f.clone());
                Ok(f)
            }
        }
    }

    /// Stage `items` as the events from seq `count` on, on one thread or,
    /// from [`PIPELINE_FROM`] items, on two.
    fn stage_into<S: Signer + Sync + ?Sized>(
        items: &[(&S, Payload, String)],
        count: u64,
        checker: &mut Checker<'_>,
        seal: &mut Sealer,
    ) -> Result<Vec<Staged>> {
        if items.len() < PIPELINE_FROM {
            let mut staged = Vec::with_capacity(items.len());
            for (i, (signer, payload, label)) in items.iter().enumerate() {
                let checked = checker.check(count + i as u64, *signer, payload, label)?;
                staged.push(seal.seal(*signer, checked)?);
            }
            Ok(staged)
        } else {
            Self::stage_pipelined(items, count, checker, seal)
        }
    }

    /// Append `batches` one after another, each atomic and durable on its
    /// own, as [`Ledger::append_labelled`] would append them one by one,
    /// but with each batch's commit running on a thread of its own beside
    /// the checks and signing of the next (at most one batch waits for
    /// its commit).
    ///
    /// The batches of one call are checked as one import: a refusal names
    /// its item by its label, and the batches before it stay appended
    /// (the refusal says how many events they hold). Nothing of the
    /// refused batch, or of any after it, is appended. Each batch is one
    /// transaction of the store, as in `sakip import --per-transaction`.
    pub fn append_batches<S: Signer + Sync + ?Sized>(
        &mut self,
        batches: &[Vec<(&S, Payload, String)>],
    ) -> Result<Vec<Appended>> {
        let start = self.head;
        let stored = start.map_or(0, |h| h.count);
        let mut seal = Sealer::new(
            start.map_or(EventHash::ZERO, |h| h.hash),
            self.frontier_at(stored)?,
        );
        let mut checker = Checker::new(self, 0, String::new());
        let this = &*self;
        let (staging, (done, committing), registries) = std::thread::scope(|scope| {
            // A rendezvous: a staged batch is handed over only once the
            // commit before it is done.
            let (send, receive) = std::sync::mpsc::sync_channel::<(Vec<Staged>, Head)>(0);
            // What a committed transaction leaves for the ledger's memory:
            // where its events landed, its index entries, its head.
            let committer = scope.spawn(move || {
                let mut done = Vec::new();
                for (staged, head) in receive {
                    if let Err(e) = this.store.commit(&staged, head) {
                        return (done, Err(e));
                    }
                    let landed = appended(&staged);
                    let proj: Vec<_> = staged.into_iter().flat_map(|s| s.proj).collect();
                    done.push((landed, proj, head));
                }
                (done, Ok(()))
            });
            let mut last = start;
            let mut registries = Vec::new();
            let mut staging = Ok(());
            for items in batches.iter().filter(|b| !b.is_empty()) {
                let now = this.stamp(last);
                let count = last.map_or(0, |h| h.count);
                let before = count - stored;
                checker.now = now;
                checker.suffix = match before {
                    0 => "; nothing was appended".into(),
                    n => format!("; nothing of its transaction was appended; the {n} events of the transactions before it were"),
                };
                let staged = this
                    .check_time(now, last)
                    .and_then(|()| Self::stage_into(items, count, &mut checker, &mut seal));
                let staged = match staged {
                    Ok(staged) => staged,
                    Err(e) => {
                        staging = Err(e);
                        break;
                    }
                };
                let head = Head {
                    count: count + staged.len() as u64,
                    hash: staged.last().map_or(EventHash::ZERO, |s| s.hash),
                    recorded_at: now,
                };
                last = Some(head);
                registries.push(checker.registry.clone());
                // A closed channel means the commit before failed, which
                // the join returns.
                if send.send((staged, head)).is_err() {
                    break;
                }
            }
            drop(send);
            let committed = committer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (staging, committed, registries)
        });
        drop(checker);
        let mut appended_all = Vec::new();
        for ((appended, proj, head), registry) in done.into_iter().zip(registries) {
            self.years.apply(&proj);
            self.registry = registry;
            self.head = Some(head);
            appended_all.extend(appended);
        }
        // The right edge is kept only when every batch staged was committed.
        let committed = self.head.map_or(0, |h| h.count);
        *self.frontier.get_mut().unwrap_or_else(|e| e.into_inner()) =
            (seal.frontier.size() == committed).then_some(seal.frontier);
        // A failed commit comes before any later refusal.
        committing?;
        staging?;
        Ok(appended_all)
    }

    /// [`Ledger::stage`]'s two passes on two threads.
    fn stage_pipelined<S: Signer + Sync + ?Sized>(
        items: &[(&S, Payload, String)],
        count: u64,
        checker: &mut Checker<'_>,
        seal: &mut Sealer,
    ) -> Result<Vec<Staged>> {
        let (staged, checked_all) = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<(&S, Checked)>(PIPELINE_DEPTH);
            let sealing = scope.spawn(move || -> Result<Vec<Staged>> {
                let mut staged = Vec::with_capacity(items.len());
                for (signer, checked) in receive {
                    staged.push(seal.seal(signer, checked)?);
                }
                Ok(staged)
            });
            let mut checked_all = Ok(());
            for (i, (signer, payload, label)) in items.iter().enumerate() {
                match checker.check(count + i as u64, *signer, payload, label) {
                    // A closed channel means sealing stopped at an error,
                    // which the join returns.
                    Ok(checked) => {
                        if send.send((*signer, checked)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        checked_all = Err(e);
                        break;
                    }
                }
            }
            drop(send);
            let sealed = sealing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sealed, checked_all)
        });
        // Sealing only ever sees items that passed their check, so a
        // sealing error belongs to an earlier item than a check error.
        let staged = staged?;
        checked_all?;
        Ok(staged)
    }

    /// The time an event appended now records: the clock's, or the head's
    /// when the head was stamped a little later by a clock ahead of this
    /// one (inside [`crate::clock::FUTURE_MARGIN`] of this machine's own).
    /// Recorded time never goes backwards, and one signer's clock running
    /// minutes fast must not stop everyone else's appends until their
    /// clocks catch up: the later event takes the head's time, so the
    /// ledger claims to have known it a little later than it did, never
    /// earlier. A head stamped beyond the margin is not followed
    /// ([`Ledger::check_time`] refuses and names it).
    fn stamp(&self, head: Option<Head>) -> i64 {
        let now = self.clock.now().timestamp_micros();
        let latest = (self.clock.wall() + crate::clock::FUTURE_MARGIN).timestamp_micros();
        match head {
            Some(h) if h.recorded_at > now && h.recorded_at <= latest => h.recorded_at,
            _ => now,
        }
    }

    /// Refuse a recording time in the future of this machine's clock or
    /// before the head's.
    fn check_time(&self, now: i64, head: Option<Head>) -> Result<()> {
        let latest = (self.clock.wall() + crate::clock::FUTURE_MARGIN).timestamp_micros();
        if now > latest {
            return Err(Error::Refused(format!(
                "the time to record ({}) is later than this machine's clock ({}) plus {} minutes; an event may not be stamped in the future (check the clock or SAKIP_NOW)",
                crate::clock::format_micros(now),
                crate::clock::format_micros(self.clock.wall().timestamp_micros()),
                crate::clock::FUTURE_MARGIN.num_minutes()
            )));
        }
        if let Some(head) = head {
            if now < head.recorded_at {
                let hint = if head.recorded_at > latest {
                    format!(
                        "; event {} is stamped in the future of this machine's clock, so nothing can be appended before that time (`sakip verify` names it; docs/security.md, \"Time\")",
                        head.count - 1
                    )
                } else {
                    String::new()
                };
                return Err(Error::Refused(format!(
                    "the clock ({}) is earlier than the last event's recorded time ({}); recorded time may not go backwards{hint}",
                    crate::clock::format_micros(now),
                    crate::clock::format_micros(head.recorded_at)
                )));
            }
        }
        Ok(())
    }

    /// This machine's own clock (the one recorded times are bounded by):
    /// a time after it has not happened yet.
    pub fn wall(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.wall()
    }

    /// The kind of a stored event, read from its payload's first four bytes.
    pub fn kind_of(&self, seq: u64) -> Result<Option<Kind>> {
        Ok(self.kind_and_author(seq)?.map(|(k, _)| k))
    }

    /// The kind and author of a stored event, from its envelope and the
    /// payload's first four bytes.
    pub fn kind_and_author(&self, seq: u64) -> Result<Option<(Kind, PublicKey)>> {
        let Some(bytes) = self.store.get(seq)? else {
            return Ok(None);
        };
        let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
        let p = frame.payload_bytes();
        if p.len() < 4 {
            return Err(Error::integrity(seq, "payload too short"));
        }
        let n = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        Ok(Kind::from_number(n).map(|k| (k, frame.author())))
    }

    /// One event, decoded.
    pub fn event(&self, seq: u64) -> Result<Option<StoredEvent>> {
        match self.store.get(seq)? {
            Some(bytes) => decode_stored(seq, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The event with this hash.
    pub fn event_by_hash(&self, hash: &EventHash) -> Result<Option<StoredEvent>> {
        match self.store.seq_of_hash(hash)? {
            Some(seq) => self.event(seq),
            None => Ok(None),
        }
    }

    /// Events from `from` on, decoded, in order.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<StoredEvent>> + '_ {
        self.store.events_from(from).map(|r| {
            let (seq, bytes) = r?;
            decode_stored(seq, &bytes)
        })
    }

    /// Keep the text of the latest checkpoint, durably (a cache for
    /// `export`, not part of the ledger's history).
    pub fn keep_checkpoint(&self, text: &str) -> Result<()> {
        self.store.put_checkpoint(text)
    }

    /// The text of the latest checkpoint kept by [`Ledger::keep_checkpoint`].
    pub fn kept_checkpoint(&self) -> Result<Option<String>> {
        self.store.checkpoint()
    }

    /// The Merkle audit path of leaf `seq` in the tree of the first `size`
    /// events.
    pub fn inclusion_path(&self, seq: u64, size: u64) -> Result<Vec<crate::merkle::Hash>> {
        crate::merkle::inclusion_proof(&self.store, seq, size)
    }

    /// The name of a key's holder, or "unknown key ID".
    pub fn author_name(&self, key: &PublicKey) -> String {
        match self.registry.get(key) {
            Some(state) => state.holder.name.clone(),
            None => format!("unknown key {}", key.key_id()),
        }
    }

    /// The stored bytes of every event from `from` on, in order: what a
    /// bundle copies byte for byte.
    pub fn stored_bytes_from(&self, from: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>)>> + '_ {
        self.store.events_from(from)
    }

    /// Events of one kind from `from` on, decoded, in order (through the
    /// kind look-up).
    pub fn events_of_kind(&self, kind: Kind, from: u64) -> impl Iterator<Item = Result<StoredEvent>> + '_ {
        self.store.seqs_of_kind(kind, from).map(|r| {
            let seq = r?;
            self.event(seq)?
                .ok_or_else(|| Error::integrity(seq, "indexed event is missing"))
        })
    }

    /// Recompute every derived tree (projection index, hash and kind
    /// look-ups, Merkle nodes, key registry, head record) from the events,
    /// after checking the events themselves: derived state is never rebuilt
    /// from events that do not verify. Returns the number of events.
    pub fn rebuild_all(&mut self) -> Result<u64> {
        let verified = crate::verify::verify_events(&self.store)?;
        let stored = self.store.head()?.map_or(0, |h| h.count);
        if stored != verified.events {
            return Err(Error::Integrity {
                seq: Some(stored.min(verified.events)),
                reason: format!(
                    "the head records {stored} events but {} are stored: events were removed or added outside sakip, which a rebuild cannot repair; restore the ledger from a bundle (`sakip restore`)",
                    verified.events
                ),
            });
        }
        self.store.begin_lookups_rebuild()?;
        let events = self.rebuild_projection(true)?;
        self.rebuild_merkle()?;
        self.store.rebuild_lookups(self.store.events_from(0).map(|r| {
            let (seq, bytes) = r?;
            let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
            let kind = frame
                .kind()
                .ok_or_else(|| Error::integrity(seq, "unknown kind"))?;
            Ok((seq, frame.hash(), kind))
        }))?;
        let states: Vec<_> = verified.registry.iter().map(|(k, st)| (*k, st.clone())).collect();
        self.store.replace_key_states(&states)?;
        let head = Head {
            count: verified.events,
            hash: verified.head,
            recorded_at: verified.last_recorded_at,
        };
        self.store.put_head(head)?;
        self.store.finish_rebuild()?;
        self.registry = verified.registry;
        self.head = Some(head);
        Ok(events)
    }

    /// Drop and rebuild the projection index from the events alone.
    pub fn rebuild(&self) -> Result<u64> {
        self.rebuild_projection(false)
    }

    fn rebuild_projection(&self, within: bool) -> Result<u64> {
        let entries = self.store.events_from(0).map(|r| {
            let (seq, bytes) = r?;
            let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
            let payload: Payload =
                codec::from_bytes(frame.payload_bytes()).map_err(|e| Error::integrity(seq, e))?;
            Ok(projection::index_entries(seq, frame.recorded_at(), &payload))
        });
        self.years.clear();
        let rebuilt = self.store.rebuild_projection(entries, within);
        self.years.clear();
        rebuilt
    }

    /// Drop and rebuild the Merkle nodes from the event hashes.
    pub fn rebuild_merkle(&self) -> Result<u64> {
        // The nodes are written again from the events: read the right edge
        // afresh after it.
        *self.frontier.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let hashes = self
            .store
            .events_from(0)
            .map(|r| r.map(|(_, bytes)| codec::hash_stored(&bytes)));
        self.store.rebuild_merkle(hashes)
    }

    /// The Merkle root of the first `size` events.
    pub fn merkle_root(&self, size: u64) -> Result<crate::merkle::Hash> {
        if size > self.head().count {
            return Err(Error::Input(format!(
                "the ledger has {} events, not {size}",
                self.head().count
            )));
        }
        crate::merkle::root(&self.store, size)
    }

    /// This ledger's checkpoint origin.
    pub fn origin(&self) -> Result<String> {
        let genesis = self
            .event(0)?
            .ok_or_else(|| Error::integrity(0, "the genesis event is missing"))?;
        Ok(crate::checkpoint::origin(
            &self.genesis()?.agency_code,
            &genesis.hash,
        ))
    }

    /// Check that this ledger extends `c`: same origin, signed by an
    /// inspector key of the ledger that was active at `c.size`
    /// ([`crate::checkpoint::may_sign`]), at least as many events, the first `c.size` events hashing to
    /// `c.root`, and a consistency proof from `c` to the head that verifies.
    /// Returns the signers and the proof length.
    pub fn check_extends(
        &self,
        c: &crate::checkpoint::Checkpoint,
    ) -> Result<(Vec<crate::event::PublicKey>, usize)> {
        let (signers, proof) = self.check_extends_trusting(c, &[])?;
        Ok((signers.qualified, proof))
    }

    /// [`Ledger::check_extends`], also requiring a signature by one of
    /// `trusted` (keys the verifier names), and telling every signer apart.
    pub fn check_extends_trusting(
        &self,
        c: &crate::checkpoint::Checkpoint,
        trusted: &[crate::event::PublicKey],
    ) -> Result<(crate::checkpoint::Signers, usize)> {
        let origin = self.origin()?;
        if c.origin != origin {
            return Err(Error::Input(format!(
                "the checkpoint is for ledger {}, this is {origin}",
                c.origin
            )));
        }
        let signers = c.require_signers(&self.registry, trusted)?;
        let size = self.head().count;
        if c.size > size {
            return Err(Error::Integrity {
                seq: Some(size),
                reason: format!(
                    "the ledger has {size} events but the checkpoint commits to {}: it was truncated",
                    c.size
                ),
            });
        }
        let old_root = crate::merkle::root(&self.store, c.size)?;
        if old_root != c.root {
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the first {} events no longer hash to the checkpoint's root: events before seq {} were rewritten, removed or reordered",
                    c.size, c.size
                ),
            });
        }
        let proof = crate::merkle::consistency_proof(&self.store, c.size, size)?;
        let new_root = crate::merkle::root(&self.store, size)?;
        if !crate::merkle::verify_consistency(c.size, size, &c.root, &new_root, &proof) {
            return Err(Error::Integrity {
                seq: None,
                reason: "the consistency proof from the checkpoint does not verify".into(),
            });
        }
        Ok((signers, proof.len()))
    }

    /// The last seq recorded at or before `at` (microseconds since the epoch).
    pub fn seq_at_time(&self, at: i64) -> Result<Option<u64>> {
        projection::seq_at_time(&self.index(), at)
    }

    /// Seqs of approvable events that no approval, rejection or return
    /// covers yet, in order.
    pub fn pending_approvals(&self) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        let index = self.index();
        for seq in 0..self.head().count {
            if let Some(kind) = self.kind_of(seq)? {
                if kind.is_approvable() && projection::decision(&index, seq, Known::Head)?.is_none() {
                    out.push(seq);
                }
            }
        }
        Ok(out)
    }

    /// The agency's time zone as known at `known` (WIB unless an admin set
    /// another with an `agency_settings` event).
    pub fn time_zone_at(&self, known: u64) -> Result<crate::event::TimeZone> {
        projection::time_zone(&self.index(), known)
    }

    /// A stored time as the agency's people read it, in its zone now.
    pub fn local_time(&self, micros: i64) -> Result<String> {
        Ok(crate::clock::format_local(
            micros,
            self.time_zone_at(self.head().count - 1)?,
        ))
    }

    /// Whether this is a demo ledger: its genesis was signed by a published
    /// example key.
    pub fn is_demo(&self) -> Result<bool> {
        Ok(match self.head {
            None => false,
            Some(_) => self
                .kind_and_author(0)?
                .is_some_and(|(_, author)| crate::keys::is_example_key(&author)),
        })
    }

    /// The genesis payload.
    pub fn genesis(&self) -> Result<Genesis> {
        match self.event(0)?.map(|e| e.event.payload) {
            Some(Payload::Genesis(g)) => Ok(g),
            _ => Err(Error::integrity(0, "event 0 is not a genesis event")),
        }
    }
}

/// The key registry replayed from the key events (genesis, key added, key
/// revoked), each checked as a verified read is: signed by its author, chained
/// to its successor, authorized. The `keys` tree is only compared with it.
fn replay_registry(store: &Store, head: Head) -> Result<Registry> {
    let mut seqs = Vec::new();
    for kind in [Kind::Genesis, Kind::KeyAdded, Kind::KeyRevoked] {
        for seq in store.seqs_of_kind(kind, 0) {
            seqs.push(seq?);
        }
    }
    seqs.sort_unstable();
    if seqs.first() != Some(&0) {
        return Err(Error::integrity(
            0,
            "the kind index names no genesis event; run `sakip verify`",
        ));
    }
    let mut registry = Registry::default();
    for seq in seqs {
        let crate::checked::SoundEvent { author, payload, .. } =
            crate::checked::read_sound(store, head, seq)?;
        if !matches!(payload.kind(), Kind::Genesis | Kind::KeyAdded | Kind::KeyRevoked) {
            return Err(Error::integrity(
                seq,
                "the kind index names this event as a key event; it is not",
            ));
        }
        registry
            .check(seq, &author, &payload, |_| None)
            .map_err(|e| Error::integrity(seq, format!("unauthorized key event: {e}")))?;
        registry.apply(seq, &author, &payload);
    }
    Ok(registry)
}

/// An event prepared for signing elsewhere (`Ledger::prepare`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The seq it will get, and the hash of the event before it: the head it
    /// was prepared against.
    pub seq: u64,
    /// Hash of the head it was prepared against.
    pub prev: EventHash,
    /// Its transaction time.
    pub recorded_at: i64,
    /// Who is to sign it.
    pub author: PublicKey,
    /// What it records.
    pub payload: Payload,
    /// The stored bytes before the signature (`schema/event-v1.md`).
    pub body: Vec<u8>,
}

impl Prepared {
    /// The exact bytes the author signs: the domain tag and the body.
    pub fn signing_message(&self) -> Vec<u8> {
        codec::signing_message(&self.body)
    }
}

/// Events prepared together (`Ledger::prepare_batch`), signed in order and
/// appended as one atomic batch (`Ledger::submit_batch`).
#[derive(Clone, Debug)]
pub struct PreparedBatch {
    first: u64,
    head: EventHash,
    recorded_at: i64,
    author: PublicKey,
    items: Vec<(Payload, String)>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
    next_prev: EventHash,
}

impl PreparedBatch {
    /// How many events the batch holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none (never, once prepared).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// About how many bytes the batch holds in memory (its messages,
    /// payloads and labels): what a server counts against its limits.
    pub fn held_bytes(&self) -> usize {
        let messages: usize = self.messages.iter().map(Vec::len).sum();
        let labels: usize = self.items.iter().map(|(_, l)| l.len()).sum();
        // A decoded payload takes about what its bytes do, again.
        2 * messages + labels + self.items.len() * (64 + 128) + 256
    }

    /// How many are signed so far.
    pub fn signed(&self) -> usize {
        self.signatures.len()
    }

    /// Whether every event is signed.
    pub fn is_complete(&self) -> bool {
        self.signatures.len() == self.items.len()
    }

    /// The seq the first event will get.
    pub fn first_seq(&self) -> u64 {
        self.first
    }

    /// The payloads, in order.
    pub fn payloads(&self) -> impl Iterator<Item = &Payload> {
        self.items.iter().map(|(p, _)| p)
    }

    /// The next event to sign, chained to the signed one before it; `None`
    /// once all are signed.
    pub fn next(&self) -> Result<Option<Prepared>> {
        let k = self.signatures.len();
        let Some((payload, _)) = self.items.get(k) else {
            return Ok(None);
        };
        let seq = self.first + k as u64;
        let body = codec::encode_body(&Unsigned {
            seq,
            prev: self.next_prev,
            recorded_at: self.recorded_at,
            author: self.author,
            payload,
        })?;
        Ok(Some(Prepared {
            seq,
            prev: self.next_prev,
            recorded_at: self.recorded_at,
            author: self.author,
            payload: payload.clone(),
            body,
        }))
    }

    /// Take the signature of [`PreparedBatch::next`]: checked strictly over
    /// exactly its message by the batch's author, then the following event
    /// is chained to it.
    pub fn sign_next(&mut self, signature: [u8; 64]) -> Result<()> {
        let Some(prepared) = self.next()? else {
            return Err(Error::Input("every event of the batch is already signed".into()));
        };
        let message = prepared.signing_message();
        crate::keys::verify_strict(&self.author, &message, &signature).map_err(|e| {
            Error::Refused(format!(
                "the signature over event {} of {} of the batch does not verify ({e})",
                self.signatures.len() + 1,
                self.items.len()
            ))
        })?;
        let mut bytes = prepared.body;
        bytes.extend_from_slice(&signature);
        self.next_prev = codec::hash_stored(&bytes);
        self.messages.push(message);
        self.signatures.push(signature);
        Ok(())
    }
}

/// Batches of this many items or more are staged on two threads
/// ([`Ledger::stage`]).
const PIPELINE_FROM: usize = 16;

/// Checked events waiting to be signed, at most, in a pipelined stage.
const PIPELINE_DEPTH: usize = 256;

/// An event authorized, validated and encoded, waiting for its `prev` and
/// its signature.
struct Checked {
    seq: u64,
    kind: Kind,
    /// The body, with a zero `prev` until it is sealed.
    body: Vec<u8>,
    key_updates: Vec<(PublicKey, crate::authz::KeyState)>,
    proj: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The first pass of [`Ledger::stage`]: each item authorized against the
/// registry as the items before it leave it, validated against the stored
/// index and the batch's own entries, and encoded.
struct Checker<'a> {
    ledger: &'a Ledger,
    now: i64,
    /// Added to a refusal of a labelled item: what was appended.
    suffix: String,
    registry: Registry,
    index: MemIndex,
    payloads: std::cell::RefCell<std::collections::HashMap<u64, Payload>>,
    /// Kind and author of each item checked so far.
    batch: Vec<(Kind, PublicKey)>,
}

impl<'a> Checker<'a> {
    fn new(ledger: &'a Ledger, now: i64, suffix: String) -> Checker<'a> {
        Checker {
            ledger,
            now,
            suffix,
            registry: ledger.registry.clone(),
            index: MemIndex::default(),
            payloads: Default::default(),
            batch: Vec::new(),
        }
    }

    fn check<S: Signer + ?Sized>(
        &mut self,
        seq: u64,
        signer: &S,
        payload: &Payload,
        label: &str,
    ) -> Result<Checked> {
        let author = signer.public();
        let ledger = self.ledger;
        let stored = ledger.head.map_or(0, |h| h.count);
        let batch = &self.batch;
        let event_of = |s: u64| -> Option<(Kind, PublicKey)> {
            if s >= stored {
                return batch.get((s - stored) as usize).copied();
            }
            ledger.kind_and_author(s).ok().flatten()
        };
        let suffix = &self.suffix;
        let labelled = |reason: String| {
            if label.is_empty() {
                reason
            } else {
                format!("{label}: {reason}{suffix}")
            }
        };
        let refuse = |reason: String| Error::Refused(labelled(reason));
        self.registry
            .check(seq, &author, payload, event_of)
            .map_err(|d| match d.is_authorization() {
                true => Error::Unauthorized(labelled(d.to_string())),
                false => refuse(d.to_string()),
            })?;
        // A rule of appending, not of verifying: ledgers written before it
        // may hold such approvals, and history is never rewritten.
        if let (Payload::Approval(a), Some(state)) = (payload, self.registry.get(&author)) {
            if seq > 0 && a.covers.contains(&state.added_seq) && state.added_seq > 0 {
                return Err(Error::Unauthorized(labelled(format!(
                    "seq {} registered this same key ({}): no key may approve its own registration (segregation of duties)",
                    state.added_seq,
                    author.key_id()
                ))));
            }
        }
        if let Payload::KeyAdded(k) = payload {
            if crate::keys::is_example_key(&k.key) && !ledger.is_demo()? {
                return Err(refuse(format!(
                    "key {} is a published example key (its seed is public, so anyone can sign as it); only the demo ledger accepts it",
                    k.key.key_id()
                )));
            }
        }
        let view = Overlay {
            base: &ledger.store,
            top: &self.index,
            cache: &self.payloads,
        };
        crate::rules::validate(&view, payload).map_err(|e| e.refused(labelled))?;
        self.index.add(seq, self.now, payload);
        let changed = self.registry.apply(seq, &author, payload);
        let body = codec::encode_body(&Unsigned {
            seq,
            prev: EventHash::ZERO,
            recorded_at: self.now,
            author,
            payload,
        })?;
        let key_updates = changed
            .into_iter()
            .filter_map(|k| self.registry.get(&k).map(|st| (k, st.clone())))
            .collect();
        self.batch.push((payload.kind(), author));
        Ok(Checked {
            seq,
            kind: payload.kind(),
            body,
            key_updates,
            proj: projection::index_entries(seq, self.now, payload),
        })
    }
}

/// The second pass of [`Ledger::stage`]: each checked event chained to the
/// one before it, signed, hashed and put in the Merkle tree.
struct Sealer {
    prev: EventHash,
    /// The Merkle tree's right edge before the next event.
    frontier: Frontier,
}

impl Sealer {
    fn new(prev: EventHash, frontier: Frontier) -> Sealer {
        Sealer { prev, frontier }
    }

    fn seal<S: Signer + ?Sized>(&mut self, signer: &S, checked: Checked) -> Result<Staged> {
        if self.frontier.size() != checked.seq {
            return Err(Error::integrity(
                checked.seq,
                format!(
                    "the Merkle tree holds {} leaves, not {}",
                    self.frontier.size(),
                    checked.seq
                ),
            ));
        }
        let mut bytes = checked.body;
        codec::set_prev(&mut bytes, &self.prev);
        let signature = signer.sign_message(&codec::signing_message(&bytes))?;
        bytes.extend_from_slice(&signature);
        let hash = codec::hash_stored(&bytes);
        let merkle = self.frontier.push_nodes(&hash.0);
        self.prev = hash;
        Ok(Staged {
            seq: checked.seq,
            hash,
            kind: checked.kind,
            bytes,
            key_updates: checked.key_updates,
            proj: checked.proj,
            merkle,
        })
    }
}

/// The author of an event being prepared: no signature yet.
struct NotYetSigned(PublicKey);

impl Signer for NotYetSigned {
    fn public(&self) -> PublicKey {
        self.0
    }

    fn sign_message(&self, _message: &[u8]) -> Result<[u8; 64]> {
        Ok([0; 64])
    }
}

/// A signature made elsewhere over a prepared body: it signs that body only.
struct Presigned {
    author: PublicKey,
    message: Vec<u8>,
    signature: [u8; 64],
}

impl Signer for Presigned {
    fn public(&self) -> PublicKey {
        self.author
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64]> {
        if message == self.message.as_slice() {
            Ok(self.signature)
        } else {
            Err(Error::Refused(
                "the event to append differs from the one prepared and signed; prepare it again".into(),
            ))
        }
    }
}

fn appended(staged: &[Staged]) -> Vec<Appended> {
    staged
        .iter()
        .map(|s| Appended {
            seq: s.seq,
            hash: s.hash,
        })
        .collect()
}

/// The published example keys may not create a ledger: anyone can sign as
/// them.
fn refuse_example_admin(admin: &KeyPair) -> Result<()> {
    if crate::keys::is_example_key(&admin.public()) {
        return Err(Error::Refused(format!(
            "key {} is a published example key (its seed is public, so anyone can sign as it); create a key of your own with `sakip key new`",
            admin.public().key_id()
        )));
    }
    Ok(())
}

fn decode_stored(seq: u64, bytes: &[u8]) -> Result<StoredEvent> {
    let frame = Frame::parse(bytes).map_err(|e| Error::integrity(seq, e))?;
    let event = frame.decode().map_err(|e| Error::integrity(seq, e))?;
    Ok(StoredEvent {
        hash: frame.hash(),
        size: bytes.len(),
        event,
    })
}

#[cfg(test)]
mod tests;

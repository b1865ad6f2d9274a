//! The store: the ledger's layout over a storage engine, the process lock
//! and durability.
//!
//! Layout of a ledger directory:
//!
//! ```text
//! LEDGER/LOCK          advisory lock held while a process has the ledger open
//! LEDGER/store/        sled 0.34 database
//!   tree "events"      seq of a run's first event (u64 BE) -> each event's length
//!                      (u32 BE) and stored bytes, in seq order (`meta/events` 2: runs,
//!                      see `runs.rs`); seq (u64 BE) -> stored event bytes (1 or absent)
//!   tree "meta"        "head" -> count u64 BE || hash 32 || recorded_at i64 BE
//!   tree "by_hash"     seq / 16 (u64 BE) -> hash[..8] of each of its seqs, in order (layout 3)
//!                      seq >> 16 (u32 BE) || hash[..8] || seq u64 BE -> ()       (layout 2)
//!                      event hash -> seq u64 BE                                  (layout 1)
//!   tree "by_kind"     kind u32 BE || seq u64 BE -> ()   (layouts 2, 3: not realisations,
//!                      corrections, spending or approvals)
//!   tree "keys"        public key -> KeyState (bincode)
//!   tree "proj"        projection index (see `projection/`), rebuildable;
//!                      layouts 2 and 3 keep no time entries
//!   tree "merkle"      level u8 || index u64 BE -> perfect subtree hash (see `merkle.rs`),
//!                      levels 4 and up (layout 3); 2 and up (layout 2); every level (layout 1)
//! ```
//!
//! The derived look-ups have a [`Layout`], recorded in `meta/lookups`.
//! Layout 2 writes 3,5 keys for a bulk event where layout 1 wrote 7: it
//! keys the hash look-up by the event's block of 65.536 seqs first, so that
//! an append writes near the previous one instead of at a random place in
//! the tree; it leaves the two lowest Merkle levels to be recomputed from
//! the events they hash; it keeps no kind index entries for the kinds
//! appended in bulk and no time entries, both found among the events.
//! Layout 3 writes 2,2: one hash look-up entry per 16 events
//! ([`HashFold`]) and Merkle nodes from level 4. A store keeps the layout
//! it was written in (one written before layout 2 has no `meta/lookups`
//! and is layout 1), is read, appended to and verified as such, and is
//! rewritten in the current layout by `sakip rebuild`.
//!
//! The events themselves are keyed as [`EventKeys`] says, recorded in
//! `meta/events` when a store is created: a new store keeps each commit's
//! events in runs of up to 8 under one key; a store from before keeps one
//! event per key for good (a rebuild never moves events).
//!
//! Every commit writes events, head and indexes in one engine transaction
//! and returns only after the data is durable (see `sled_engine.rs`). The
//! engine is behind the [`Engine`] seam: sled in production, memory in fast
//! tests. This module never decides what may be appended; the ledger does.

mod engine;
pub mod mark;
mod memory;
pub mod runs;
mod sled_engine;
pub mod turn;

pub use engine::{Engine, Entries, TreeId};
pub use memory::MemoryEngine;
pub use runs::EventKeys;
pub use sled_engine::{is_engine_panic, poison, CACHE_BYTES};

use crate::authz::KeyState;
use crate::codec;
use crate::event::{EventHash, Kind, PublicKey};
use crate::{Error, Result};
use std::fs::{self, File, TryLockError};
use std::ops::Bound;
use std::path::{Path, PathBuf};

const HEAD_KEY: &[u8] = b"head";
const FORMAT_KEY: &[u8] = b"format";
const REBUILDING_KEY: &[u8] = b"rebuilding";
const PROJECTION_KEY: &[u8] = b"projection";
const CHECKPOINT_KEY: &[u8] = b"checkpoint";
const LOOKUPS_KEY: &[u8] = b"lookups";
const EVENTS_KEY: &[u8] = b"events";

/// The layout of a store's derived look-ups: the hash look-up, the kind
/// index, the time entries of the projection index and the Merkle nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Written before `meta/lookups` existed: `by_hash` keyed by the whole
    /// event hash, every kind indexed, time entries kept, every Merkle
    /// level stored.
    V1 = 1,
    /// `by_hash` keyed by seq block, hash prefix and seq; Merkle levels 0
    /// and 1 recomputed from the events; the kind index without the kinds
    /// appended in bulk ([`Layout::indexes_kind`]); no time entries
    /// ([`Layout::keeps_index_entry`]).
    V2 = 2,
    /// `by_hash` keyed by group of [`HASH_GROUP`] seqs, each entry holding
    /// the first 8 bytes of its events' hashes in seq order; Merkle levels
    /// 0 to 3 recomputed from the events; kind index and time entries as
    /// in layout 2.
    V3 = 3,
}

/// Seqs per block of the layout-2 hash look-up.
pub const HASH_BLOCK: u64 = 1 << 16;

/// Events per entry of the layout-3 hash look-up.
pub const HASH_GROUP: u64 = 16;

/// Bytes of an event's hash that the layout-2 and layout-3 hash look-ups
/// keep.
const HASH_PREFIX: usize = 8;

impl Layout {
    /// The layout this build writes into new stores and `rebuild` writes.
    pub const CURRENT: Layout = Layout::V3;

    fn from_marker(marker: Option<&[u8]>, has_head: bool) -> Result<Layout> {
        match marker {
            None if has_head => Ok(Layout::V1),
            None => Ok(Layout::CURRENT),
            Some([1]) => Ok(Layout::V1),
            Some([2]) => Ok(Layout::V2),
            Some([3]) => Ok(Layout::V3),
            Some(other) => Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the store's look-ups have layout {other:?}; this build reads layouts 1 to 3 (a newer sakip wrote it?)"
                ),
            }),
        }
    }

    fn from_number(n: u8) -> Layout {
        match n {
            1 => Layout::V1,
            2 => Layout::V2,
            _ => Layout::V3,
        }
    }

    /// The hash look-up entry of one event in the layouts that keep one
    /// per event (1 and 2); `None` in layout 3, which keeps one per group
    /// of events ([`HashFold`]).
    pub fn hash_entry(self, seq: u64, hash: &[u8; 32]) -> Option<(Vec<u8>, Vec<u8>)> {
        match self {
            Layout::V1 => Some((hash.to_vec(), seq_key(seq).to_vec())),
            Layout::V2 => {
                let mut k = hash_block_prefix(seq / HASH_BLOCK, hash).to_vec();
                k.extend_from_slice(&seq_key(seq));
                Some((k, Vec::new()))
            }
            Layout::V3 => None,
        }
    }

    /// Whether this layout keeps events of `kind` in the kind index.
    /// Layout 2 leaves out the kinds an agency appends by the thousand
    /// (realisations, corrections, spending, approvals); a look-up of one
    /// of those kinds reads the events in order instead.
    pub fn indexes_kind(self, kind: Kind) -> bool {
        match self {
            Layout::V1 => true,
            Layout::V2 | Layout::V3 => !matches!(
                kind,
                Kind::RealisationRecorded
                    | Kind::RealisationCorrected
                    | Kind::SpendingRecorded
                    | Kind::Approval
            ),
        }
    }

    /// The kind index entry of one event, if this layout indexes its kind.
    /// A commit, a rebuild and `verify` all make it here.
    pub fn kind_entry(self, seq: u64, kind: Kind) -> Option<(Vec<u8>, Vec<u8>)> {
        self.indexes_kind(kind)
            .then(|| (kind_key(kind, seq).to_vec(), Vec::new()))
    }

    /// Whether this layout keeps a projection index entry: layout 2 keeps
    /// no time entries (`M`); the seq recorded at or before a time is found
    /// among the events themselves, whose times only grow
    /// ([`Store::seq_recorded_by`]).
    pub fn keeps_index_entry(self, key: &[u8]) -> bool {
        self == Layout::V1 || !crate::projection::is_time_key(key)
    }

    /// Whether this layout stores Merkle nodes of `level`.
    pub fn stores_node(self, level: u8) -> bool {
        level >= self.first_stored_level()
    }

    /// The lowest Merkle level this layout stores; the levels below are
    /// recomputed from the events they cover (at most 2^level - 1 of them
    /// for a node of the level below).
    pub fn first_stored_level(self) -> u8 {
        match self {
            Layout::V1 => 0,
            Layout::V2 => 2,
            Layout::V3 => 4,
        }
    }
}

/// The hash look-up entries of consecutive events, in seq order: one per
/// event in layouts 1 and 2; in layout 3 one per group of [`HASH_GROUP`]
/// seqs, whose value is the first [`HASH_PREFIX`] bytes of each of its
/// events' hashes, in order. A commit, a rebuild and `verify` all make the
/// entries with this fold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashFold {
    layout: Layout,
    /// The layout-3 group not yet complete: its number and value.
    open: Option<(u64, Vec<u8>)>,
}

impl HashFold {
    /// A fold starting at seq 0.
    pub fn new(layout: Layout) -> HashFold {
        HashFold { layout, open: None }
    }

    /// Add the next event; returns the entry it completes, if any.
    pub fn push(&mut self, seq: u64, hash: &[u8; 32]) -> Option<(Vec<u8>, Vec<u8>)> {
        if self.layout != Layout::V3 {
            return self.layout.hash_entry(seq, hash);
        }
        let group = seq / HASH_GROUP;
        let value = match &mut self.open {
            Some((g, value)) if *g == group => value,
            _ => &mut self.open.insert((group, Vec::new())).1,
        };
        value.extend_from_slice(&hash[..HASH_PREFIX]);
        if seq % HASH_GROUP == HASH_GROUP - 1 {
            let (g, value) = self.open.take()?;
            return Some((g.to_be_bytes().to_vec(), value));
        }
        None
    }

    /// The entry of the group still open (layout 3), as it stands.
    pub fn open_entry(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.open
            .as_ref()
            .map(|(g, value)| (g.to_be_bytes().to_vec(), value.clone()))
    }
}

/// Block number (u32 BE) and the hash's first eight bytes: the prefix of
/// every layout-2 hash look-up key of that hash in that block.
fn hash_block_prefix(block: u64, hash: &[u8; 32]) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&(block as u32).to_be_bytes());
    k[4..].copy_from_slice(&hash[..8]);
    k
}

/// A tree of the store that is derived from the events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    /// `proj`: the projection index.
    Projection,
    /// `by_hash`: event hash -> seq.
    ByHash,
    /// `by_kind`: kind and seq.
    ByKind,
    /// `merkle`: perfect subtree hashes.
    Merkle,
}

impl Tree {
    /// Every derived tree, in the order `verify` checks them.
    pub const ALL: [Tree; 4] = [Tree::Projection, Tree::ByHash, Tree::ByKind, Tree::Merkle];

    /// The sled tree name and what it holds, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Tree::Projection => "proj (the projection index)",
            Tree::ByHash => "by_hash (the hash look-up)",
            Tree::ByKind => "by_kind (the kind index)",
            Tree::Merkle => "merkle (the Merkle tree nodes)",
        }
    }
}

/// Index entries written per bulk write during a rebuild.
const REBUILD_CHUNK: usize = 8_192;

/// The ledger's head: how many events it holds and the last one's hash and
/// transaction time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of events; also the seq the next event gets.
    pub count: u64,
    /// Hash of the last event.
    pub hash: EventHash,
    /// Transaction time of the last event (µs since the Unix epoch, UTC).
    pub recorded_at: i64,
}

impl Head {
    fn to_bytes(self) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..8].copy_from_slice(&self.count.to_be_bytes());
        out[8..40].copy_from_slice(&self.hash.0);
        out[40..].copy_from_slice(&self.recorded_at.to_be_bytes());
        out
    }

    fn from_bytes(b: &[u8]) -> Result<Head> {
        if b.len() != 48 {
            return Err(Error::Integrity {
                seq: None,
                reason: format!("the stored head record is {} bytes, expected 48", b.len()),
            });
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&b[8..40]);
        Ok(Head {
            count: be_u64(&b[..8])?,
            hash: EventHash(hash),
            recorded_at: be_u64(&b[40..])? as i64,
        })
    }
}

fn be_u64(b: &[u8]) -> Result<u64> {
    let arr: [u8; 8] = b.try_into().map_err(|_| Error::Integrity {
        seq: None,
        reason: format!("a stored number is {} bytes, expected 8", b.len()),
    })?;
    Ok(u64::from_be_bytes(arr))
}

/// One event ready to be committed, with its index entries.
#[derive(Clone, Debug)]
pub struct Staged {
    /// Its seq.
    pub seq: u64,
    /// Its hash.
    pub hash: EventHash,
    /// Its kind.
    pub kind: Kind,
    /// The stored bytes.
    pub bytes: Vec<u8>,
    /// Key registry changes it makes.
    pub key_updates: Vec<(PublicKey, KeyState)>,
    /// Projection index entries of this event.
    pub proj: Vec<(Vec<u8>, Vec<u8>)>,
    /// Merkle nodes completed by this event's leaf.
    pub merkle: Vec<(u8, u64, crate::merkle::Hash)>,
}

/// An open store. On disk, holds the directory's lock until dropped.
pub struct Store {
    dir: PathBuf,
    engine: Box<dyn Engine>,
    _lock: Option<File>,
    /// The [`Layout`] of the hash look-up and Merkle nodes (changed only
    /// by a rebuild).
    layout: std::sync::atomic::AtomicU8,
    /// How the `events` tree keys the events ([`EventKeys`]; fixed when
    /// the store is created).
    event_keys: EventKeys,
    /// A turn lent by a server that holds the ledger (`turn.rs`), given
    /// back when the store is dropped (after the engine: fields drop in
    /// order).
    _turn: Option<turn::Turn>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.dir.display())
    }
}

/// The big-endian key of a seq.
pub fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The key of a Merkle node.
pub(crate) fn merkle_key(level: u8, index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = level;
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

/// The key of a kind index entry.
pub(crate) fn kind_key(kind: Kind, seq: u64) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&kind.number().to_be_bytes());
    k[4..].copy_from_slice(&seq.to_be_bytes());
    k
}

/// How long to wait for a ledger another process has open, and whom to
/// tell that we are waiting (once).
#[derive(Clone, Copy)]
pub struct Wait<'a> {
    /// The longest wait.
    pub timeout: std::time::Duration,
    /// Called once, when the wait begins.
    pub notify: &'a dyn Fn(&Path),
    /// First ask a server holding the ledger to lend it for a turn
    /// (`turn.rs`); a server reopening its own ledger does not.
    pub ask_holder: bool,
}

impl std::fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wait({:?})", self.timeout)
    }
}

impl Store {
    /// Open the store in `dir`, creating it when `create` is set. Fails with
    /// [`Error::InUse`] at once when another process holds it.
    pub fn open(dir: &Path, create: bool) -> Result<Store> {
        Store::open_waiting(dir, create, None)
    }

    /// A new, empty store in memory (no lock, no disk): for tests and
    /// throw-away ledgers. Same layout and checks as a store on disk.
    pub fn memory() -> Store {
        Store {
            dir: PathBuf::from("(in memory)"),
            engine: Box::new(MemoryEngine::default()),
            _lock: None,
            layout: std::sync::atomic::AtomicU8::new(Layout::CURRENT as u8),
            event_keys: EventKeys::CURRENT,
            _turn: None,
        }
    }

    /// A store in memory whose `n`-th commit from the moment `n` is stored
    /// in the handle fails, writing nothing (tests of a failed commit).
    #[cfg(test)]
    pub(crate) fn memory_failing() -> (Store, std::sync::Arc<std::sync::atomic::AtomicU64>) {
        let engine = MemoryEngine::default();
        let handle = engine.fail_in.clone();
        let store = Store {
            engine: Box::new(engine),
            ..Store::memory()
        };
        (store, handle)
    }

    /// A store in memory that keys its events as `keys` (tests of the
    /// older keying).
    #[cfg(test)]
    pub(crate) fn memory_keyed(keys: EventKeys) -> Store {
        Store {
            event_keys: keys,
            ..Store::memory()
        }
    }

    /// A store in memory whose look-ups have `layout` (tests of the older
    /// layouts).
    #[cfg(test)]
    pub(crate) fn memory_in(layout: Layout) -> Store {
        let store = Store::memory();
        store.set_layout(layout);
        store
    }

    /// Like [`Store::open`], but while another process holds the ledger,
    /// wait for it up to `wait.timeout` (polling, with a growing pause),
    /// then fail with [`Error::InUse`]. Only one process has a ledger open at
    /// a time, and commands hold it for as long as they run, so readers
    /// beside a writer take turns rather than fail.
    pub fn open_waiting(dir: &Path, create: bool, wait: Option<Wait<'_>>) -> Result<Store> {
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(2);
        let mut told = false;
        let mut turn = None;
        let mut asked = false;
        loop {
            match Store::open_once(dir, create) {
                Err(Error::InUse { path }) => {
                    if !asked && wait.is_some_and(|w| w.ask_holder) {
                        asked = true;
                        turn = turn::ask(dir);
                        if turn.is_some() {
                            continue;
                        }
                    }
                    let Some(w) = wait.filter(|w| start.elapsed() < w.timeout) else {
                        return Err(Error::InUse { path });
                    };
                    if !told {
                        (w.notify)(dir);
                        told = true;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                Ok(mut store) => {
                    store._turn = turn;
                    return Ok(store);
                }
                other => return other,
            }
        }
    }

    fn open_once(dir: &Path, create: bool) -> Result<Store> {
        let store_dir = dir.join("store");
        if !create && !store_dir.is_dir() {
            return Err(Error::Input(format!(
                "no ledger at {} (create one with `sakip init`, or pass --ledger DIR)",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock_path = dir.join("LOCK");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(Error::InUse { path: dir.into() }),
            Err(TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let engine = sled_engine::SledEngine::open(&store_dir, dir)?;
        if create {
            sync_dir(&store_dir)?;
            sync_dir(dir)?;
        }
        let mut store = Store {
            dir: dir.into(),
            engine: Box::new(engine),
            _lock: Some(lock),
            layout: std::sync::atomic::AtomicU8::new(Layout::CURRENT as u8),
            event_keys: EventKeys::CURRENT,
            _turn: None,
        };
        if let Some(format) = store.meta(FORMAT_KEY)? {
            if format != [codec::FORMAT_VERSION] {
                return Err(Error::Integrity {
                    seq: None,
                    reason: format!(
                        "the store has format {:?}, this build reads {}",
                        format,
                        codec::FORMAT_VERSION
                    ),
                });
            }
        }
        let has_head = store.head()?.is_some();
        let layout = Layout::from_marker(store.meta(LOOKUPS_KEY)?.as_deref(), has_head)?;
        store.set_layout(layout);
        store.event_keys = EventKeys::from_marker(store.meta(EVENTS_KEY)?.as_deref(), has_head)?;
        mark::check(&store)?;
        Ok(store)
    }

    /// The layout of the hash look-up and the Merkle nodes.
    pub fn layout(&self) -> Layout {
        Layout::from_number(self.layout.load(std::sync::atomic::Ordering::Acquire))
    }

    fn set_layout(&self, layout: Layout) {
        self.layout
            .store(layout as u8, std::sync::atomic::Ordering::Release);
    }

    /// Start rewriting the hash look-up and the Merkle nodes in
    /// [`Layout::CURRENT`]: marks the rebuild unfinished (a crash before
    /// [`Store::finish_rebuild`] is noticed at the next open) and records
    /// the new layout, which the trees are refilled in.
    pub fn begin_lookups_rebuild(&self) -> Result<()> {
        self.put_meta(REBUILDING_KEY, &[1u8])?;
        self.put_meta(LOOKUPS_KEY, &[Layout::CURRENT as u8])?;
        self.set_layout(Layout::CURRENT);
        Ok(())
    }

    /// The rebuild begun by [`Store::begin_lookups_rebuild`] is complete.
    pub fn finish_rebuild(&self) -> Result<()> {
        self.engine.sync()?;
        self.engine
            .commit(&[(TreeId::Meta, REBUILDING_KEY.to_vec(), None)])
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.engine.get(TreeId::Meta, key)
    }

    fn put_meta(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.engine
            .commit(&[(TreeId::Meta, key.to_vec(), Some(value.to_vec()))])
    }

    fn all(&self, tree: TreeId) -> Entries<'_> {
        self.engine.range(tree, Bound::Unbounded, Bound::Unbounded)
    }

    /// The ledger directory (`(in memory)` for a store in memory).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The head, or `None` for an empty store.
    pub fn head(&self) -> Result<Option<Head>> {
        match self.meta(HEAD_KEY)? {
            Some(b) => Ok(Some(Head::from_bytes(&b)?)),
            None => Ok(None),
        }
    }

    /// How the store keys its events.
    pub fn event_keys(&self) -> EventKeys {
        self.event_keys
    }

    /// Stored bytes of one event.
    pub fn get(&self, seq: u64) -> Result<Option<Vec<u8>>> {
        match self.event_keys {
            EventKeys::PerEvent => self.engine.get(TreeId::Events, &seq_key(seq)),
            EventKeys::Runs => match self.run_holding(seq)? {
                Some((first, run)) => runs::nth(first, &run, seq),
                None => Ok(None),
            },
        }
    }

    /// The run whose key is the greatest at or before `seq`: the one that
    /// holds `seq`, if any does.
    fn run_holding(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        let key = seq_key(seq);
        match self
            .engine
            .range(TreeId::Events, Bound::Unbounded, Bound::Included(&key))
            .next_back()
        {
            Some(entry) => {
                let (k, v) = entry?;
                Ok(Some((be_u64(&k)?, v)))
            }
            None => Ok(None),
        }
    }

    /// The seq of the event with this hash. Every candidate the hash
    /// look-up names is confirmed by hashing its stored bytes, so a damaged
    /// or forged look-up entry finds nothing rather than another event.
    pub fn seq_of_hash(&self, hash: &EventHash) -> Result<Option<u64>> {
        let malformed = || Error::Integrity {
            seq: None,
            reason: "a hash index entry is malformed".into(),
        };
        let is_it = |seq: u64| -> Result<bool> {
            Ok(self
                .get(seq)?
                .is_some_and(|bytes| codec::hash_stored(&bytes) == *hash))
        };
        match self.layout() {
            Layout::V1 => {
                if let Some(v) = self.engine.get(TreeId::ByHash, &hash.0)? {
                    let seq = be_u64(&v).map_err(|_| malformed())?;
                    if is_it(seq)? {
                        return Ok(Some(seq));
                    }
                }
            }
            Layout::V2 => {
                let blocks = self.head()?.map_or(0, |h| h.count.div_ceil(HASH_BLOCK));
                for block in (0..blocks).rev() {
                    let prefix = hash_block_prefix(block, &hash.0);
                    let mut lo = [0u8; 20];
                    lo[..12].copy_from_slice(&prefix);
                    let mut hi = [0xffu8; 20];
                    hi[..12].copy_from_slice(&prefix);
                    for entry in self
                        .engine
                        .range(TreeId::ByHash, Bound::Included(&lo), Bound::Included(&hi))
                    {
                        let (k, _) = entry?;
                        let seq = be_u64(k.get(12..).unwrap_or_default()).map_err(|_| malformed())?;
                        if is_it(seq)? {
                            return Ok(Some(seq));
                        }
                    }
                }
            }
            Layout::V3 => {
                // Newest groups first: a hash asked for is most often recent.
                for entry in self.all(TreeId::ByHash).rev() {
                    let (k, v) = entry?;
                    let group = be_u64(&k).map_err(|_| malformed())?;
                    for (i, prefix) in v.chunks(HASH_PREFIX).enumerate() {
                        let seq = group * HASH_GROUP + i as u64;
                        if prefix == &hash.0[..HASH_PREFIX] && is_it(seq)? {
                            return Ok(Some(seq));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// Stored events from `from` on, in seq order, as (seq, bytes).
    pub fn events_from(&self, from: u64) -> Box<dyn Iterator<Item = Result<(u64, Vec<u8>)>> + '_> {
        match self.event_keys {
            EventKeys::PerEvent => Box::new(
                self.engine
                    .range(TreeId::Events, Bound::Included(&seq_key(from)), Bound::Unbounded)
                    .map(|r| {
                        let (k, v) = r?;
                        Ok((be_u64(&k)?, v))
                    }),
            ),
            EventKeys::Runs => {
                // From the run that holds `from`, which may begin before it.
                let start = match self.run_holding(from) {
                    Ok(run) => run.map_or(from, |(first, _)| first),
                    Err(e) => return Box::new(std::iter::once(Err(e))),
                };
                Box::new(runs::RunEvents::new(&*self.engine, start, from))
            }
        }
    }

    /// Seqs of the events of one kind, from `from` on: from the kind index
    /// when the layout keeps that kind there, else by reading the events in
    /// order.
    pub fn seqs_of_kind(&self, kind: Kind, from: u64) -> Box<dyn Iterator<Item = Result<u64>> + '_> {
        if !self.layout().indexes_kind(kind) {
            return Box::new(self.events_from(from).filter_map(move |r| match r {
                Ok((seq, bytes)) => match codec::Frame::parse(&bytes) {
                    Ok(frame) => (frame.kind() == Some(kind)).then_some(Ok(seq)),
                    Err(e) => Some(Err(Error::integrity(seq, e))),
                },
                Err(e) => Some(Err(e)),
            }));
        }
        let start = kind_key(kind, from);
        let end = kind_key(kind, u64::MAX);
        Box::new(
            self.engine
                .range(TreeId::ByKind, Bound::Included(&start), Bound::Included(&end))
                .map(|r| {
                    let (k, _) = r?;
                    be_u64(k.get(4..12).unwrap_or_default()).map_err(|_| Error::Integrity {
                        seq: None,
                        reason: "a kind index entry is malformed".into(),
                    })
                }),
        )
    }

    /// Every persisted key state.
    pub fn key_states(&self) -> Result<Vec<(PublicKey, KeyState)>> {
        let mut out = Vec::new();
        for entry in self.all(TreeId::Keys) {
            let (k, v) = entry?;
            let key: [u8; 32] = k.as_slice().try_into().map_err(|_| Error::Integrity {
                seq: None,
                reason: "a key index entry is malformed".into(),
            })?;
            let state: KeyState = codec::from_bytes(&v).map_err(|e| Error::Integrity {
                seq: None,
                reason: format!("a key index entry does not decode: {e}"),
            })?;
            out.push((PublicKey(key), state));
        }
        Ok(out)
    }

    /// Write a batch of events, their indexes and the new head in one
    /// transaction, then make it durable. All or nothing.
    pub fn commit(&self, batch: &[Staged], head: Head) -> Result<()> {
        let layout = self.layout();
        let mut writes: Vec<engine::Write> = Vec::new();
        let mut hashes = match batch.first() {
            Some(first) => self.hash_fold_at(first.seq)?,
            None => HashFold::new(layout),
        };
        for (k, v) in self.event_keys.entries(batch) {
            writes.push((TreeId::Events, k, Some(v)));
        }
        for s in batch {
            if let Some((hash_key, hash_value)) = hashes.push(s.seq, &s.hash.0) {
                writes.push((TreeId::ByHash, hash_key, Some(hash_value)));
            }
            if let Some((k, v)) = layout.kind_entry(s.seq, s.kind) {
                writes.push((TreeId::ByKind, k, Some(v)));
            }
            for (k, v) in s.proj.iter().filter(|(k, _)| layout.keeps_index_entry(k)) {
                writes.push((TreeId::Proj, k.clone(), Some(v.clone())));
            }
            for (level, index, hash) in s.merkle.iter().filter(|n| layout.stores_node(n.0)) {
                writes.push((
                    TreeId::Merkle,
                    merkle_key(*level, *index).to_vec(),
                    Some(hash.to_vec()),
                ));
            }
            for (k, st) in &s.key_updates {
                writes.push((TreeId::Keys, k.0.to_vec(), Some(codec::to_bytes(st)?)));
            }
        }
        if let Some((hash_key, hash_value)) = hashes.open_entry() {
            writes.push((TreeId::ByHash, hash_key, Some(hash_value)));
        }
        writes.push((TreeId::Meta, HEAD_KEY.to_vec(), Some(head.to_bytes().to_vec())));
        // The markers are written with the first events: a store that opens
        // holds events of the format and layouts its markers name (`open`
        // refuses another format), so later commits leave them be.
        if head.count == batch.len() as u64 {
            writes.push((
                TreeId::Meta,
                FORMAT_KEY.to_vec(),
                Some(vec![codec::FORMAT_VERSION]),
            ));
            writes.push((
                TreeId::Meta,
                PROJECTION_KEY.to_vec(),
                Some(vec![crate::projection::PROJECTION_VERSION]),
            ));
            writes.push((TreeId::Meta, LOOKUPS_KEY.to_vec(), Some(vec![layout as u8])));
            writes.push((
                TreeId::Meta,
                EVENTS_KEY.to_vec(),
                Some(vec![self.event_keys as u8]),
            ));
        }
        self.engine.commit(&writes)?;
        if self._lock.is_some() {
            mark::write(&self.dir, &head);
        }
        Ok(())
    }

    /// The hash look-up fold at `seq`, the next seq to append: in layout 3
    /// with the stored entry of the group `seq` falls in, which must hold
    /// exactly the events before it.
    fn hash_fold_at(&self, seq: u64) -> Result<HashFold> {
        let mut fold = HashFold::new(self.layout());
        if fold.layout != Layout::V3 || seq.is_multiple_of(HASH_GROUP) {
            return Ok(fold);
        }
        let group = seq / HASH_GROUP;
        let value = self
            .engine
            .get(TreeId::ByHash, &group.to_be_bytes())?
            .unwrap_or_default();
        if value.len() as u64 != (seq % HASH_GROUP) * HASH_PREFIX as u64 {
            return Err(Error::Integrity {
                seq: Some(group * HASH_GROUP),
                reason: format!(
                    "the hash look-up entry of events {} to {} is damaged; run `sakip verify`, then `sakip rebuild`",
                    group * HASH_GROUP,
                    seq - 1
                ),
            });
        }
        fold.open = Some((group, value));
        Ok(fold)
    }

    /// Refill `tree` from `entries`, in bulk chunks (not durable until the
    /// caller syncs).
    fn refill(&self, tree: TreeId, entries: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>>) -> Result<()> {
        let mut chunk = Vec::with_capacity(REBUILD_CHUNK);
        for e in entries {
            chunk.push(e?);
            if chunk.len() >= REBUILD_CHUNK {
                self.engine.bulk(tree, std::mem::take(&mut chunk))?;
            }
        }
        self.engine.bulk(tree, chunk)
    }

    /// Drop the projection index and refill it from `entries` (the entries
    /// the layout keeps), in chunks; `meta/rebuilding` marks an unfinished
    /// rebuild so a crash mid-way is noticed at the next open. Inside a
    /// larger rebuild (`within`), the mark is the caller's to set and clear.
    pub fn rebuild_projection(
        &self,
        entries: impl Iterator<Item = Result<Vec<(Vec<u8>, Vec<u8>)>>>,
        within: bool,
    ) -> Result<u64> {
        if !within {
            self.put_meta(REBUILDING_KEY, &[1u8])?;
        }
        self.engine.clear(TreeId::Proj)?;
        let layout = self.layout();
        let mut events = 0u64;
        let flat = entries.inspect(|_| events += 1).flat_map(|r| match r {
            Ok(v) => v
                .into_iter()
                .filter(|(k, _)| layout.keeps_index_entry(k))
                .map(Ok)
                .collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        });
        self.refill(TreeId::Proj, flat)?;
        self.engine.sync()?;
        self.put_meta(PROJECTION_KEY, &[crate::projection::PROJECTION_VERSION])?;
        if !within {
            self.finish_rebuild()?;
        }
        Ok(events)
    }

    /// The entries of a derived tree, in key order.
    pub fn derived_entries(&self, tree: Tree) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        self.all(derived_tree(tree))
    }

    /// Call `f` with every entry of a derived tree, without collecting
    /// them (for digests over large trees).
    pub fn for_each_derived(&self, tree: Tree, mut f: impl FnMut(&[u8], &[u8])) -> Result<()> {
        for entry in self.all(derived_tree(tree)) {
            let (k, v) = entry?;
            f(&k, &v);
        }
        Ok(())
    }

    /// Drop and refill the hash and kind look-ups, in chunks.
    pub fn rebuild_lookups(
        &self,
        events: impl Iterator<Item = Result<(u64, EventHash, Kind)>>,
    ) -> Result<()> {
        self.engine.clear(TreeId::ByHash)?;
        self.engine.clear(TreeId::ByKind)?;
        let layout = self.layout();
        let mut fold = HashFold::new(layout);
        let (mut hashes, mut kinds) = (Vec::new(), Vec::new());
        for event in events {
            let (seq, hash, kind) = event?;
            hashes.extend(fold.push(seq, &hash.0));
            kinds.extend(layout.kind_entry(seq, kind));
            if hashes.len() + kinds.len() >= REBUILD_CHUNK {
                self.engine.bulk(TreeId::ByHash, std::mem::take(&mut hashes))?;
                self.engine.bulk(TreeId::ByKind, std::mem::take(&mut kinds))?;
            }
        }
        hashes.extend(fold.open_entry());
        self.engine.bulk(TreeId::ByHash, hashes)?;
        self.engine.bulk(TreeId::ByKind, kinds)?;
        self.engine.sync()
    }

    /// Overwrite a stored event's bytes, as damage or a forger would (tests
    /// of the readers' checks only).
    #[cfg(test)]
    pub(crate) fn overwrite_event(&self, seq: u64, bytes: Vec<u8>) -> Result<()> {
        let (key, value) = match self.event_keys {
            EventKeys::PerEvent => (seq_key(seq), bytes),
            EventKeys::Runs => {
                let (first, run) = self.run_holding(seq)?.expect("the event is stored");
                (seq_key(first), runs::replaced(first, &run, seq, &bytes)?)
            }
        };
        self.engine.bulk(TreeId::Events, vec![(key.to_vec(), value)])
    }

    /// Overwrite a projection index entry, as damage or a forger would
    /// (tests of the readers' checks only).
    #[cfg(test)]
    pub(crate) fn overwrite_index_entry(&self, key: &[u8], value: Vec<u8>) -> Result<()> {
        self.engine.bulk(TreeId::Proj, vec![(key.to_vec(), value)])
    }

    /// Write the head record (after a rebuild recomputed it from the events).
    pub fn put_head(&self, head: Head) -> Result<()> {
        self.put_meta(HEAD_KEY, &head.to_bytes())
    }

    /// Drop and refill the Merkle nodes from the event hashes, in order.
    pub fn rebuild_merkle(&self, hashes: impl Iterator<Item = Result<EventHash>>) -> Result<u64> {
        self.engine.clear(TreeId::Merkle)?;
        let mut batch = Vec::new();
        let mut pending = crate::merkle::MemNodes::default();
        let mut n = 0u64;
        for h in hashes {
            let h = h?;
            let overlay = crate::merkle::NodeOverlay {
                base: self,
                top: &pending,
            };
            let nodes = crate::merkle::nodes_for_append(&overlay, n, crate::merkle::leaf_hash(&h.0))?;
            for (l, i, hash) in nodes {
                pending.nodes.insert((l, i), hash);
                if self.layout().stores_node(l) {
                    batch.push((merkle_key(l, i).to_vec(), hash.to_vec()));
                }
            }
            n += 1;
            if pending.nodes.len() >= 100_000 {
                self.engine.bulk(TreeId::Merkle, std::mem::take(&mut batch))?;
                pending = crate::merkle::MemNodes::default();
            }
        }
        self.engine.bulk(TreeId::Merkle, batch)?;
        self.engine.sync()?;
        Ok(n)
    }

    /// Replace the key index with `states` (after a restore).
    pub fn replace_key_states(&self, states: &[(PublicKey, KeyState)]) -> Result<()> {
        self.engine.clear(TreeId::Keys)?;
        let mut entries = Vec::with_capacity(states.len());
        for (k, st) in states {
            entries.push((k.0.to_vec(), codec::to_bytes(st)?));
        }
        self.engine.bulk(TreeId::Keys, entries)?;
        self.engine.sync()
    }

    /// Keep the text of the latest checkpoint (a cache for `export`, not
    /// part of the ledger's history), durably.
    pub fn put_checkpoint(&self, text: &str) -> Result<()> {
        self.put_meta(CHECKPOINT_KEY, text.as_bytes())
    }

    /// The latest checkpoint text kept by [`Store::put_checkpoint`].
    pub fn checkpoint(&self) -> Result<Option<String>> {
        Ok(self
            .meta(CHECKPOINT_KEY)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Whether the projection index has the layout this build reads.
    pub fn projection_current(&self) -> Result<bool> {
        Ok(self.meta(PROJECTION_KEY)?.as_deref() == Some(&[crate::projection::PROJECTION_VERSION][..]))
    }

    /// Whether a projection rebuild was interrupted.
    pub fn rebuild_unfinished(&self) -> Result<bool> {
        Ok(self.meta(REBUILDING_KEY)?.is_some())
    }

    /// The whole projection index, for comparisons in tests and audits.
    pub fn projection_entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.all(TreeId::Proj).collect()
    }

    /// The projection index entry by entry, in key order.
    pub fn projection_entries_iter(&self) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        self.all(TreeId::Proj)
    }

    /// The bytes of every key and value in every tree: what the store holds
    /// before the engine's own page and log overhead.
    pub fn logical_bytes(&self) -> Result<u64> {
        let mut total = 0u64;
        for tree in TreeId::ALL {
            for entry in self.all(tree) {
                let (k, v) = entry?;
                total += (k.len() + v.len()) as u64;
            }
        }
        Ok(total)
    }
}

fn derived_tree(tree: Tree) -> TreeId {
    match tree {
        Tree::Projection => TreeId::Proj,
        Tree::ByHash => TreeId::ByHash,
        Tree::ByKind => TreeId::ByKind,
        Tree::Merkle => TreeId::Merkle,
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

impl Store {
    /// The last seq recorded at or before `at` (microseconds), found by
    /// binary search over the events' recorded times, which never decrease
    /// from one event to the next (checked at append and by `verify`). The
    /// bytes are read unchecked; a checking reader checks the events on
    /// either side of the answer (`checked.rs`).
    pub fn seq_recorded_by(&self, at: i64) -> Result<Option<u64>> {
        let count = self.head()?.map_or(0, |h| h.count);
        let recorded_at = |seq: u64| -> Result<i64> {
            let bytes = self.get(seq)?.ok_or_else(|| {
                Error::integrity(seq, format!("event {seq} is missing; run `sakip verify`"))
            })?;
            Ok(codec::Frame::parse(&bytes)
                .map_err(|e| Error::integrity(seq, e))?
                .recorded_at())
        };
        // The first seq recorded after `at` lies in lo..=hi.
        let (mut lo, mut hi) = (0u64, count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if recorded_at(mid)? <= at {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo.checked_sub(1))
    }
}

impl crate::projection::IndexRead for Store {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.engine.get(TreeId::Proj, key)
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for e in self
            .engine
            .range(TreeId::Proj, Bound::Included(prefix), Bound::Unbounded)
        {
            let (k, v) = e?;
            if !k.starts_with(prefix) {
                break;
            }
            out.push((k, v));
        }
        Ok(out)
    }

    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.engine
            .range(TreeId::Proj, Bound::Included(lo), Bound::Excluded(hi))
            .collect()
    }

    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>> {
        match self
            .engine
            .range(TreeId::Proj, Bound::Included(lo), Bound::Included(hi))
            .next_back()
        {
            Some(r) => Ok(Some(r?.0)),
            None => Ok(None),
        }
    }

    fn seq_at_time(&self, at: i64) -> Result<Option<u64>> {
        match self.layout() {
            Layout::V1 => crate::projection::seq_at_time_indexed(self, at),
            Layout::V2 | Layout::V3 => self.seq_recorded_by(at),
        }
    }

    fn payload(&self, seq: u64) -> Result<crate::event::Payload> {
        let bytes = self
            .get(seq)?
            .ok_or_else(|| Error::integrity(seq, "an indexed event is missing"))?;
        let frame = codec::Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
        codec::from_bytes(frame.payload_bytes()).map_err(|e| Error::integrity(seq, format!("payload: {e}")))
    }
}

impl crate::merkle::NodeRead for Store {
    /// A stored node, or one of a level the layout does not store,
    /// recomputed from the events it covers (`None` past the last event).
    fn node(&self, level: u8, index: u64) -> Result<Option<crate::merkle::Hash>> {
        if !self.layout().stores_node(level) {
            if level == 0 {
                return Ok(self
                    .get(index)?
                    .map(|bytes| crate::merkle::leaf_hash(&codec::hash_stored(&bytes).0)));
            }
            let (Some(left), Some(right)) = (
                self.node(level - 1, 2 * index)?,
                self.node(level - 1, 2 * index + 1)?,
            ) else {
                return Ok(None);
            };
            return Ok(Some(crate::merkle::node_hash(&left, &right)));
        }
        match self.engine.get(TreeId::Merkle, &merkle_key(level, index))? {
            Some(v) => Ok(Some(v.as_slice().try_into().map_err(|_| Error::Integrity {
                seq: None,
                reason: format!("merkle node ({level}, {index}) is malformed"),
            })?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;

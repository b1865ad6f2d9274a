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
pub(crate) mod tests {
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
    pub(crate) fn ledger_stepping(
        layout: Layout,
        step: chrono::TimeDelta,
        events: usize,
    ) -> (Ledger, KeyPair) {
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
}

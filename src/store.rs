//! The embedded store: sled trees, the process lock and durability.
//!
//! Layout of a ledger directory:
//!
//! ```text
//! LEDGER/LOCK          advisory lock held while a process has the ledger open
//! LEDGER/store/        sled 0.34 database
//!   tree "events"      seq (u64 big-endian) -> stored event bytes
//!   tree "meta"        "head" -> count u64 BE || hash 32 || recorded_at i64 BE
//!   tree "by_hash"     event hash -> seq (u64 BE)
//!   tree "by_kind"     kind u32 BE || seq u64 BE -> ()
//!   tree "keys"        public key -> KeyState (bincode)
//!   tree "proj"        projection index (see `projection.rs`), rebuildable
//!   tree "merkle"      level u8 || index u64 BE -> perfect subtree hash (see `merkle.rs`)
//! ```
//!
//! Every commit writes events, head and indexes in one sled transaction and
//! returns only after the data is durable: sled's `flush()` (which on Linux
//! ends in `sync_file_range`, data pages only) followed by an `fsync` of the
//! database file, so the file's size and metadata reach the disk too. This
//! module never decides what may be appended; the ledger does.

use crate::authz::KeyState;
use crate::codec;
use crate::derived::{SetDigest, Tree};
use crate::event::{EventHash, Kind, PublicKey};
use crate::{Error, Result};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

const HEAD_KEY: &[u8] = b"head";
const FORMAT_KEY: &[u8] = b"format";
const REBUILDING_KEY: &[u8] = b"rebuilding";
const PROJECTION_KEY: &[u8] = b"projection";
const CHECKPOINT_KEY: &[u8] = b"checkpoint";

/// sled's page cache. Its default (1 GiB) lets a process that reads a large
/// store grow by that much; an agency's working set (its plan and the
/// current year's figures) is far smaller. sled's page table still grows
/// with the store (docs/performance.md, "Memory").
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Index entries written per sled batch during a rebuild.
const REBUILD_CHUNK: usize = 8_192;

static POISONED: AtomicBool = AtomicBool::new(false);

/// Mark the storage engine as having met damaged data. sled 0.34 can spin
/// forever flushing while a damaged database is dropped; after this, open
/// stores are not closed on drop but left to the end of the process.
pub fn poison() {
    POISONED.store(true, Ordering::SeqCst);
}

/// The ledger's head: how many events it holds and the last one's hash and
/// transaction time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of events; also the seq the next event gets.
    pub count: u64,
    pub hash: EventHash,
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
            count: u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
            hash: EventHash(hash),
            recorded_at: i64::from_be_bytes(b[40..].try_into().expect("8 bytes")),
        })
    }
}

/// One event ready to be committed, with its index entries.
#[derive(Clone, Debug)]
pub struct Staged {
    pub seq: u64,
    pub hash: EventHash,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    pub key_updates: Vec<(PublicKey, KeyState)>,
    /// Projection index entries of this event.
    pub proj: Vec<(Vec<u8>, Vec<u8>)>,
    /// Merkle nodes completed by this event's leaf.
    pub merkle: Vec<(u8, u64, crate::merkle::Hash)>,
}

/// An open store. Holds the directory's lock until dropped.
pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    db_file: File,
    events: sled::Tree,
    meta: sled::Tree,
    by_hash: sled::Tree,
    by_kind: sled::Tree,
    keys: sled::Tree,
    proj: sled::Tree,
    merkle: sled::Tree,
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.dir.display())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if POISONED.load(Ordering::SeqCst) {
            // Keep one reference alive so sled's final flush never runs.
            std::mem::forget(self.db.clone());
        }
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
    pub timeout: std::time::Duration,
    pub notify: &'a dyn Fn(&Path),
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

    /// Like [`Store::open`], but while another process holds the ledger,
    /// wait for it up to `wait.timeout` (polling, with a growing pause),
    /// then fail with [`Error::InUse`]. Only one process has a ledger open at
    /// a time, and commands hold it for as long as they run, so readers
    /// beside a writer take turns rather than fail.
    pub fn open_waiting(dir: &Path, create: bool, wait: Option<Wait<'_>>) -> Result<Store> {
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(2);
        let mut told = false;
        loop {
            match Store::open_once(dir, create) {
                Err(Error::InUse { path }) => {
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
        let db = match sled::Config::new()
            .path(&store_dir)
            .cache_capacity(CACHE_BYTES)
            .open()
        {
            Ok(db) => db,
            // The process that held LOCK may still be releasing sled's own
            // file lock while it exits: the ledger is still in use.
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                return Err(Error::InUse { path: dir.into() })
            }
            Err(e) => return Err(e.into()),
        };
        let db_file = File::open(store_dir.join("db")).map_err(|e| Error::io(store_dir.join("db"), e))?;
        if create {
            sync_dir(&store_dir)?;
            sync_dir(dir)?;
        }
        let store = Store {
            events: db.open_tree("events")?,
            meta: db.open_tree("meta")?,
            by_hash: db.open_tree("by_hash")?,
            by_kind: db.open_tree("by_kind")?,
            keys: db.open_tree("keys")?,
            proj: db.open_tree("proj")?,
            merkle: db.open_tree("merkle")?,
            db,
            db_file,
            dir: dir.into(),
            _lock: lock,
        };
        if let Some(format) = store.meta.get(FORMAT_KEY)? {
            if format.as_ref() != [codec::FORMAT_VERSION] {
                return Err(Error::Integrity {
                    seq: None,
                    reason: format!(
                        "the store has format {:?}, this build reads {}",
                        format.as_ref(),
                        codec::FORMAT_VERSION
                    ),
                });
            }
        }
        Ok(store)
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The head, or `None` for an empty store.
    pub fn head(&self) -> Result<Option<Head>> {
        match self.meta.get(HEAD_KEY)? {
            Some(b) => Ok(Some(Head::from_bytes(&b)?)),
            None => Ok(None),
        }
    }

    /// Stored bytes of one event.
    pub fn get(&self, seq: u64) -> Result<Option<sled::IVec>> {
        Ok(self.events.get(seq_key(seq))?)
    }

    /// The seq of the event with this hash.
    pub fn seq_of_hash(&self, hash: &EventHash) -> Result<Option<u64>> {
        match self.by_hash.get(hash.0)? {
            Some(v) if v.len() == 8 => Ok(Some(u64::from_be_bytes(v.as_ref().try_into().expect("8 bytes")))),
            Some(_) => Err(Error::Integrity {
                seq: None,
                reason: "a hash index entry is malformed".into(),
            }),
            None => Ok(None),
        }
    }

    /// Stored events from `from` on, in seq order, as (key, bytes).
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec)>> + '_ {
        self.events.range(seq_key(from)..).map(|r| r.map_err(Error::from))
    }

    /// Seqs of the events of one kind, from `from` on.
    pub fn seqs_of_kind(&self, kind: Kind, from: u64) -> impl Iterator<Item = Result<u64>> + '_ {
        let start = kind_key(kind, from);
        let end = kind_key(kind, u64::MAX);
        self.by_kind.range(start..=end).map(|r| {
            let (k, _) = r?;
            Ok(u64::from_be_bytes(k[4..12].try_into().map_err(|_| {
                Error::Integrity {
                    seq: None,
                    reason: "a kind index entry is malformed".into(),
                }
            })?))
        })
    }

    /// Every persisted key state.
    pub fn key_states(&self) -> Result<Vec<(PublicKey, KeyState)>> {
        let mut out = Vec::new();
        for entry in self.keys.iter() {
            let (k, v) = entry?;
            let key: [u8; 32] = k.as_ref().try_into().map_err(|_| Error::Integrity {
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
        let key_updates: Vec<(PublicKey, Vec<u8>)> = batch
            .iter()
            .flat_map(|s| s.key_updates.iter())
            .map(|(k, st)| codec::to_bytes(st).map(|b| (*k, b)))
            .collect::<Result<_, String>>()
            .map_err(Error::Store)?;
        let head_bytes = head.to_bytes();
        let result: Result<(), TransactionError<()>> = (
            &self.events,
            &self.meta,
            &self.by_hash,
            &self.by_kind,
            &self.keys,
            &self.proj,
            &self.merkle,
        )
            .transaction(|(events, meta, by_hash, by_kind, keys, proj, merkle)| {
                for s in batch {
                    events.insert(&seq_key(s.seq), s.bytes.as_slice())?;
                    by_hash.insert(&s.hash.0, &seq_key(s.seq))?;
                    by_kind.insert(&kind_key(s.kind, s.seq), &[])?;
                    for (k, v) in &s.proj {
                        proj.insert(k.as_slice(), v.as_slice())?;
                    }
                    for (level, index, hash) in &s.merkle {
                        merkle.insert(&merkle_key(*level, *index), &hash[..])?;
                    }
                }
                for (k, st) in &key_updates {
                    keys.insert(&k.0, st.as_slice())?;
                }
                meta.insert(HEAD_KEY, &head_bytes[..])?;
                meta.insert(FORMAT_KEY, &[codec::FORMAT_VERSION])?;
                if head.count == batch.len() as u64 {
                    meta.insert(PROJECTION_KEY, &[crate::projection::PROJECTION_VERSION])?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Storage(e)) => return Err(e.into()),
            Err(TransactionError::Abort(())) => return Err(Error::Store("transaction aborted".into())),
        }
        self.make_durable()
    }

    /// Drop the projection index and refill it from `entries`, in chunks;
    /// `meta/rebuilding` marks an unfinished rebuild so a crash mid-way is
    /// noticed at the next open.
    pub fn rebuild_projection(
        &self,
        entries: impl Iterator<Item = Result<Vec<(Vec<u8>, Vec<u8>)>>>,
    ) -> Result<u64> {
        self.meta.insert(REBUILDING_KEY, &[1u8][..])?;
        self.make_durable()?;
        self.proj.clear()?;
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        let mut events = 0u64;
        for event_entries in entries {
            for (k, v) in event_entries? {
                batch.insert(k, v);
                pending += 1;
            }
            events += 1;
            if pending >= REBUILD_CHUNK {
                self.proj.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        self.proj.apply_batch(batch)?;
        self.meta
            .insert(PROJECTION_KEY, &[crate::projection::PROJECTION_VERSION])?;
        self.make_durable()?;
        self.meta.remove(REBUILDING_KEY)?;
        self.make_durable()?;
        Ok(events)
    }

    fn derived_tree(&self, tree: Tree) -> &sled::Tree {
        match tree {
            Tree::Projection => &self.proj,
            Tree::ByHash => &self.by_hash,
            Tree::ByKind => &self.by_kind,
            Tree::Merkle => &self.merkle,
        }
    }

    /// The entries of a derived tree, in key order.
    pub fn derived_entries(&self, tree: Tree) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        self.derived_tree(tree)
            .iter()
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Error::from))
    }

    /// Fold every entry of a derived tree into `digest`.
    pub fn digest_tree(&self, tree: Tree, digest: &mut SetDigest) -> Result<()> {
        for entry in self.derived_tree(tree).iter() {
            let (k, v) = entry?;
            digest.add(&k, &v);
        }
        Ok(())
    }

    /// Drop and refill the hash and kind look-ups, in chunks.
    pub fn rebuild_lookups(
        &self,
        events: impl Iterator<Item = Result<(u64, EventHash, Kind)>>,
    ) -> Result<()> {
        self.by_hash.clear()?;
        self.by_kind.clear()?;
        let (mut hashes, mut kinds, mut pending) = (sled::Batch::default(), sled::Batch::default(), 0usize);
        for event in events {
            let (seq, hash, kind) = event?;
            hashes.insert(&hash.0[..], &seq_key(seq)[..]);
            kinds.insert(&kind_key(kind, seq)[..], &[][..]);
            pending += 1;
            if pending >= REBUILD_CHUNK {
                self.by_hash.apply_batch(std::mem::take(&mut hashes))?;
                self.by_kind.apply_batch(std::mem::take(&mut kinds))?;
                pending = 0;
            }
        }
        self.by_hash.apply_batch(hashes)?;
        self.by_kind.apply_batch(kinds)?;
        self.make_durable()
    }

    /// Write the head record (after a rebuild recomputed it from the events).
    pub fn put_head(&self, head: Head) -> Result<()> {
        self.meta.insert(HEAD_KEY, &head.to_bytes()[..])?;
        self.make_durable()
    }

    /// Drop and refill the Merkle nodes from the event hashes, in order.
    pub fn rebuild_merkle(&self, hashes: impl Iterator<Item = Result<EventHash>>) -> Result<u64> {
        self.merkle.clear()?;
        let mut batch = sled::Batch::default();
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
                batch.insert(&merkle_key(l, i)[..], &hash[..]);
            }
            n += 1;
            if pending.nodes.len() >= 100_000 {
                self.merkle.apply_batch(std::mem::take(&mut batch))?;
                pending = crate::merkle::MemNodes::default();
            }
        }
        self.merkle.apply_batch(batch)?;
        self.make_durable()?;
        Ok(n)
    }

    /// Replace the key index with `states` (after a restore).
    pub fn replace_key_states(&self, states: &[(PublicKey, KeyState)]) -> Result<()> {
        self.keys.clear()?;
        for (k, st) in states {
            self.keys
                .insert(k.0, codec::to_bytes(st).map_err(Error::Store)?)?;
        }
        self.make_durable()
    }

    /// Keep the text of the latest checkpoint (a cache for `export`, not
    /// part of the ledger's history), durably.
    pub fn put_checkpoint(&self, text: &str) -> Result<()> {
        self.meta.insert(CHECKPOINT_KEY, text.as_bytes())?;
        self.make_durable()
    }

    /// The latest checkpoint text kept by [`Store::put_checkpoint`].
    pub fn checkpoint(&self) -> Result<Option<String>> {
        Ok(self
            .meta
            .get(CHECKPOINT_KEY)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Whether the projection index has the layout this build reads.
    pub fn projection_current(&self) -> Result<bool> {
        Ok(self.meta.get(PROJECTION_KEY)?.as_deref() == Some(&[crate::projection::PROJECTION_VERSION][..]))
    }

    /// Whether a projection rebuild was interrupted.
    pub fn rebuild_unfinished(&self) -> Result<bool> {
        Ok(self.meta.contains_key(REBUILDING_KEY)?)
    }

    /// The whole projection index, for comparisons in tests and audits.
    pub fn projection_entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.proj
            .iter()
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Error::from))
            .collect()
    }

    /// The bytes of every key and value in every tree: what the store holds
    /// before sled's own page and log overhead.
    pub fn logical_bytes(&self) -> Result<u64> {
        let mut total = 0u64;
        for tree in [
            &self.events,
            &self.meta,
            &self.by_hash,
            &self.by_kind,
            &self.keys,
            &self.proj,
            &self.merkle,
        ] {
            for entry in tree.iter() {
                let (k, v) = entry?;
                total += (k.len() + v.len()) as u64;
            }
        }
        Ok(total)
    }

    /// The projection index entry by entry, in key order.
    pub fn projection_entries_iter(&self) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec)>> {
        self.proj.iter().map(|r| r.map_err(Error::from))
    }

    /// sled flush, then fsync of the database file: see the module doc.
    fn make_durable(&self) -> Result<()> {
        self.db.flush()?;
        self.db_file
            .sync_all()
            .map_err(|e| Error::io(self.dir.join("store").join("db"), e))?;
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

impl crate::projection::IndexRead for Store {
    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.proj
            .scan_prefix(prefix)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Error::from))
            .collect()
    }

    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        if lo >= hi {
            return Ok(Vec::new());
        }
        self.proj
            .range(lo..hi)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Error::from))
            .collect()
    }

    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.proj.range(lo..=hi).next_back() {
            Some(r) => Ok(Some(r?.0.to_vec())),
            None => Ok(None),
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
    fn node(&self, level: u8, index: u64) -> Result<Option<crate::merkle::Hash>> {
        match self.merkle.get(merkle_key(level, index))? {
            Some(v) => Ok(Some(v.as_ref().try_into().map_err(|_| Error::Integrity {
                seq: None,
                reason: format!("merkle node ({level}, {index}) is malformed"),
            })?)),
            None => Ok(None),
        }
    }
}

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

mod commit;
mod engine;
mod layout;

pub mod mark;

mod memory;
mod open;
mod read;
mod rebuild;

pub mod runs;

mod sled_engine;

pub mod turn;

pub use engine::{Engine, Entries, TreeId};
pub use layout::*;
pub use memory::MemoryEngine;
pub use open::Wait;
pub use runs::EventKeys;
pub use sled_engine::{is_engine_panic, poison, CACHE_BYTES};

use crate::authz::KeyState;
use crate::codec;
use crate::event::{EventHash, Kind, PublicKey};
use crate::{Error, Result};
use std::fs::{self, File, TryLockError};
use std::ops::Bound;
use std::path::{Path, PathBuf};

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

impl Store {
    /// The layout of the hash look-up and the Merkle nodes.
    pub fn layout(&self) -> Layout {
        Layout::from_number(self.layout.load(std::sync::atomic::Ordering::Acquire))
    }

    fn set_layout(&self, layout: Layout) {
        self.layout
            .store(layout as u8, std::sync::atomic::Ordering::Release);
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
}

fn derived_tree(tree: Tree) -> TreeId {
    match tree {
        Tree::Projection => TreeId::Proj,
        Tree::ByHash => TreeId::ByHash,
        Tree::ByKind => TreeId::ByKind,
        Tree::Merkle => TreeId::Merkle,
    }
}

#[cfg(test)]
pub(crate) mod tests;

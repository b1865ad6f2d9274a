//! The store seam: what the ledger needs from a storage engine.
//!
//! An engine is a set of named, ordered byte trees with one atomic, durable
//! multi-tree write. [`super::Store`] builds the ledger's layout (events,
//! head, look-ups, derived trees) on top of it, once, for every engine.
//! Two engines exist: sled (`sled_engine.rs`, the only production one and
//! the only module that names the sled crate) and an in-memory one
//! (`memory.rs`) for fast tests and throw-away ledgers.

use crate::Result;
use std::ops::Bound;

/// The trees of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TreeId {
    /// The stored events, keyed by seq (one per key, or in runs: see
    /// `runs.rs`).
    Events = 0,
    /// head, format, projection version, rebuild marker, checkpoint text.
    Meta = 1,
    /// event hash -> seq.
    ByHash = 2,
    /// kind u32 BE || seq u64 BE -> ().
    ByKind = 3,
    /// public key -> key state.
    Keys = 4,
    /// the projection index.
    Proj = 5,
    /// Merkle nodes.
    Merkle = 6,
}

impl TreeId {
    /// Every tree, in a fixed order.
    pub const ALL: [TreeId; 7] = [
        TreeId::Events,
        TreeId::Meta,
        TreeId::ByHash,
        TreeId::ByKind,
        TreeId::Keys,
        TreeId::Proj,
        TreeId::Merkle,
    ];

    /// The tree's name on disk.
    pub fn name(self) -> &'static str {
        match self {
            TreeId::Events => "events",
            TreeId::Meta => "meta",
            TreeId::ByHash => "by_hash",
            TreeId::ByKind => "by_kind",
            TreeId::Keys => "keys",
            TreeId::Proj => "proj",
            TreeId::Merkle => "merkle",
        }
    }
}

/// One write of a batch: insert (`Some`) or remove (`None`).
pub type Write = (TreeId, Vec<u8>, Option<Vec<u8>>);

/// Entries of a tree, in key order (reversible).
pub type Entries<'a> = Box<dyn DoubleEndedIterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a>;

/// A storage engine: ordered byte trees, an atomic durable batch, bulk
/// refills for rebuilds.
pub trait Engine: Send + Sync {
    /// One value.
    fn get(&self, tree: TreeId, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// The entries with keys in `(lo, hi)`, in key order.
    fn range(&self, tree: TreeId, lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> Entries<'_>;

    /// Apply every write in one transaction and make it durable before
    /// returning: after `Ok`, a crash keeps all of it; after `Err` or a
    /// crash during the call, none or all of it.
    fn commit(&self, writes: &[Write]) -> Result<()>;

    /// Apply writes to one tree without a transaction and without waiting
    /// for durability: for rebuilding derived trees, followed by
    /// [`Engine::sync`].
    fn bulk(&self, tree: TreeId, writes: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()>;

    /// Remove every entry of a tree (derived trees only, before a refill).
    fn clear(&self, tree: TreeId) -> Result<()>;

    /// Make every write so far durable.
    fn sync(&self) -> Result<()>;
}

/// Whether `(lo, hi)` is empty or inverted (an ordered map may panic on an
/// inverted range; the store answers it with nothing).
pub(crate) fn empty_range(lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> bool {
    match (lo, hi) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b))
        | (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
        _ => false,
    }
}

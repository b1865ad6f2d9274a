//! The keys of the store: the meta keys, the look-up [`Layout`]s with the
//! hash fold of layout 3, and the byte keys of seqs, kinds and Merkle nodes.

use super::*;

pub(super) const HEAD_KEY: &[u8] = b"head";

pub(super) const FORMAT_KEY: &[u8] = b"format";

pub(super) const REBUILDING_KEY: &[u8] = b"rebuilding";

pub(super) const PROJECTION_KEY: &[u8] = b"projection";

pub(super) const CHECKPOINT_KEY: &[u8] = b"checkpoint";

pub(super) const LOOKUPS_KEY: &[u8] = b"lookups";

pub(super) const EVENTS_KEY: &[u8] = b"events";

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
pub(super) const HASH_PREFIX: usize = 8;

impl Layout {
    /// The layout this build writes into new stores and `rebuild` writes.
    pub const CURRENT: Layout = Layout::V3;

    pub(super) fn from_marker(marker: Option<&[u8]>, has_head: bool) -> Result<Layout> {
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

    pub(super) fn from_number(n: u8) -> Layout {
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
    pub(super) layout: Layout,
    /// The layout-3 group not yet complete: its number and value.
    pub(super) open: Option<(u64, Vec<u8>)>,
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
pub(super) fn hash_block_prefix(block: u64, hash: &[u8; 32]) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&(block as u32).to_be_bytes());
    k[4..].copy_from_slice(&hash[..8]);
    k
}

pub(super) fn be_u64(b: &[u8]) -> Result<u64> {
    let arr: [u8; 8] = b.try_into().map_err(|_| Error::Integrity {
        seq: None,
        reason: format!("a stored number is {} bytes, expected 8", b.len()),
    })?;
    Ok(u64::from_be_bytes(arr))
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

//! Derived state checked against the events: the trees of the store that
//! are caches of the event log (projection index, hash and kind look-ups,
//! Merkle nodes) and how `verify` compares them with what the events give.
//!
//! During the ordered pass over the events, [`Expected`] folds every entry
//! the events imply into one keyed digest per tree; afterwards each stored
//! tree is folded the same way and the digests compared. The digest is a sum
//! of keyed SHA-256 values under a key drawn at random for each run, so an
//! attacker who writes to the store cannot aim for a collision (an unkeyed
//! additive set hash can be steered with many chosen entries). The sum, not
//! a hash of a sorted list, lets both sides be folded in any order in
//! constant memory. Only when a digest differs is the first differing key
//! located, by rebuilding that tree's expected entries in memory.
//!
//! This module never writes to the store.

use crate::event::Payload;
use crate::merkle::Hash;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub use crate::store::{Layout, Tree};

/// A keyed, order-independent digest of a set of (key, value) entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetDigest {
    secret: [u8; 32],
    sum: [u64; 4],
    count: u64,
}

impl SetDigest {
    /// An empty digest under `secret`.
    pub fn new(secret: [u8; 32]) -> SetDigest {
        SetDigest {
            secret,
            sum: [0; 4],
            count: 0,
        }
    }

    /// Fold in one entry.
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        let h = Sha256::new()
            .chain_update(self.secret)
            .chain_update((key.len() as u32).to_be_bytes())
            .chain_update(key)
            .chain_update(value)
            .finalize();
        for (lane, chunk) in self.sum.iter_mut().zip(h.chunks_exact(8)) {
            *lane = lane.wrapping_add(u64::from_be_bytes(chunk.try_into().expect("8 bytes")));
        }
        self.count += 1;
    }

    /// How many entries were folded in.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// The digests of what the events imply for each derived tree of a store
/// of one [`Layout`], folded event by event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    layout: Layout,
    digests: [SetDigest; 4],
    hashes: crate::store::HashFold,
}

impl Expected {
    /// Empty digests under a fresh random key.
    pub fn new(layout: Layout) -> Expected {
        let mut secret = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
        Expected::with_secret(layout, secret)
    }

    /// Empty digests under `secret` (tests).
    pub fn with_secret(layout: Layout, secret: [u8; 32]) -> Expected {
        Expected {
            layout,
            digests: std::array::from_fn(|_| SetDigest::new(secret)),
            hashes: crate::store::HashFold::new(layout),
        }
    }

    /// The layout whose trees this folds.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    fn slot(&mut self, tree: Tree) -> &mut SetDigest {
        &mut self.digests[tree as usize]
    }

    /// A fresh digest under the same key, to fold a stored tree into.
    pub fn empty_like(&self) -> SetDigest {
        SetDigest::new(self.digests[0].secret)
    }

    /// The digest of one tree as the store should hold it after the events
    /// folded so far.
    pub fn digest(&self, tree: Tree) -> SetDigest {
        let mut out = self.digests[tree as usize].clone();
        if tree == Tree::ByHash {
            if let Some((k, v)) = self.hashes.open_entry() {
                out.add(&k, &v);
            }
        }
        out
    }

    /// Fold in one verified event: its index entries (as
    /// `projection::index_entries` makes them), look-ups, and the Merkle
    /// nodes its leaf completed.
    pub fn add_event(
        &mut self,
        seq: u64,
        index_entries: &[(Vec<u8>, Vec<u8>)],
        hash: &[u8; 32],
        payload: &Payload,
        merkle_nodes: &[(u8, u64, Hash)],
    ) {
        let layout = self.layout;
        for (k, v) in index_entries {
            if layout.keeps_index_entry(k) {
                self.slot(Tree::Projection).add(k, v);
            }
        }
        if let Some((k, v)) = self.hashes.push(seq, hash) {
            self.slot(Tree::ByHash).add(&k, &v);
        }
        if let Some((k, v)) = layout.kind_entry(seq, payload.kind()) {
            self.slot(Tree::ByKind).add(&k, &v);
        }
        for (level, index, node) in merkle_nodes.iter().filter(|n| layout.stores_node(n.0)) {
            self.slot(Tree::Merkle)
                .add(&crate::store::merkle_key(*level, *index), node);
        }
    }
}

/// The first key at which two key-ordered entry lists differ, as an
/// integrity error naming the tree.
pub fn first_difference(
    tree: Tree,
    expected: &BTreeMap<Vec<u8>, Vec<u8>>,
    stored: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>>,
) -> Result<Option<Error>> {
    let mut exp = expected.iter().peekable();
    let mismatch = |what: String| {
        Some(Error::Integrity {
            seq: None,
            reason: format!(
                "the derived tree {} does not match the events: {what}; run `sakip rebuild` to recompute it from the events",
                tree.describe()
            ),
        })
    };
    for entry in stored {
        let (k, v) = entry?;
        match exp.peek() {
            Some((ek, _)) if ek.as_slice() < k.as_slice() => {
                return Ok(mismatch(format!("entry {} is missing", hex::encode(ek))));
            }
            Some((ek, ev)) if ek.as_slice() == k.as_slice() => {
                if ev.as_slice() != v.as_slice() {
                    return Ok(mismatch(format!(
                        "entry {} holds {}, the events give {}",
                        hex::encode(&k),
                        hex::encode(&v),
                        hex::encode(ev)
                    )));
                }
                exp.next();
            }
            _ => {
                return Ok(mismatch(format!(
                    "entry {} is not implied by any event",
                    hex::encode(&k)
                )))
            }
        }
    }
    Ok(exp
        .next()
        .and_then(|(ek, _)| mismatch(format!("entry {} is missing", hex::encode(ek)))))
}

/// The `keys` tree must hold exactly `registry`, the one replayed from the
/// key events; the first differing key is named.
pub fn check_key_tree(store: &crate::store::Store, registry: &crate::authz::Registry) -> Result<()> {
    let stored = crate::authz::Registry::from_states(store.key_states()?);
    if stored == *registry {
        return Ok(());
    }
    let differing = registry
        .iter()
        .find(|(k, st)| stored.get(k) != Some(st))
        .map(|(k, _)| *k)
        .or_else(|| {
            stored
                .iter()
                .find(|(k, _)| registry.get(k).is_none())
                .map(|(k, _)| *k)
        });
    Err(Error::Integrity {
        seq: None,
        reason: format!(
            "the derived tree keys (the key registry) does not match the key events{}; run `sakip rebuild` to recompute it from the events",
            differing
                .map(|k| format!(": first difference at key {}", k.key_id()))
                .unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_order_and_sees_every_change() {
        let entries = [(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())];
        let mut one = SetDigest::new([7; 32]);
        let mut two = SetDigest::new([7; 32]);
        for (k, v) in &entries {
            one.add(k, v);
        }
        for (k, v) in entries.iter().rev() {
            two.add(k, v);
        }
        assert_eq!(one, two);
        let mut changed = SetDigest::new([7; 32]);
        changed.add(b"a", b"1");
        changed.add(b"b", b"3");
        assert_ne!(one, changed);
        // The key and value boundary is part of the entry.
        let mut a = SetDigest::new([7; 32]);
        a.add(b"ab", b"");
        let mut b = SetDigest::new([7; 32]);
        b.add(b"a", b"b");
        assert_ne!(a.sum, b.sum);
    }

    #[test]
    fn the_first_difference_is_named() {
        let expected: BTreeMap<Vec<u8>, Vec<u8>> =
            [(vec![1], vec![1]), (vec![2], vec![2]), (vec![3], vec![3])].into();
        let stored = |e: Vec<(Vec<u8>, Vec<u8>)>| e.into_iter().map(Ok);
        let same = first_difference(
            Tree::ByKind,
            &expected,
            stored(expected.clone().into_iter().collect()),
        );
        assert!(same.unwrap().is_none());
        let forged = first_difference(
            Tree::Projection,
            &expected,
            stored(vec![(vec![1], vec![1]), (vec![2], vec![9]), (vec![3], vec![3])]),
        )
        .unwrap()
        .unwrap()
        .to_string();
        assert!(
            forged.contains("proj") && forged.contains("entry 02 holds 09"),
            "{forged}"
        );
        let missing = first_difference(Tree::Merkle, &expected, stored(vec![(vec![1], vec![1])]))
            .unwrap()
            .unwrap()
            .to_string();
        assert!(missing.contains("entry 02 is missing"), "{missing}");
        let extra = first_difference(
            Tree::ByHash,
            &expected,
            stored(vec![(vec![0], vec![0]), (vec![1], vec![1])]),
        )
        .unwrap()
        .unwrap()
        .to_string();
        assert!(extra.contains("entry 00 is not implied"), "{extra}");
    }
}

//! Rewriting what is derived from the events (projection, look-ups, Merkle
//! nodes, key states) in chunks, marked unfinished until done; and the
//! damage helpers tests use.

use super::*;

/// Index entries written per bulk write during a rebuild.
pub(super) const REBUILD_CHUNK: usize = 8_192;
impl Store {
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

    /// Refill `tree` from `entries`, in bulk chunks (not durable until the
    /// caller syncs).
    pub(super) fn refill(
        &self,
        tree: TreeId,
        entries: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>>,
    ) -> Result<()> {
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
}

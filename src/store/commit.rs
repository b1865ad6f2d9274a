//! Committing a batch: events, head and indexes in one durable engine
//! transaction.

use super::*;

impl Store {
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
    pub(super) fn hash_fold_at(&self, seq: u64) -> Result<HashFold> {
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

    /// Write the head record (after a rebuild recomputed it from the events).
    pub fn put_head(&self, head: Head) -> Result<()> {
        self.put_meta(HEAD_KEY, &head.to_bytes())
    }

    /// Keep the text of the latest checkpoint (a cache for `export`, not
    /// part of the ledger's history), durably.
    pub fn put_checkpoint(&self, text: &str) -> Result<()> {
        self.put_meta(CHECKPOINT_KEY, text.as_bytes())
    }
}

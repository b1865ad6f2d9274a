//! Rebuilding what is derived from the events: the projection and the
//! Merkle tree.

use super::*;

impl Ledger {
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

    pub(super) fn rebuild_projection(&self, within: bool) -> Result<u64> {
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
}

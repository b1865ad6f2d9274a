//! Reading events back: by seq, hash, kind or time, and the facts the
//! front ends ask of the chain (pending approvals, time zone, genesis).

use super::*;

impl Ledger {
    /// The kind of a stored event, read from its payload's first four bytes.
    pub fn kind_of(&self, seq: u64) -> Result<Option<Kind>> {
        Ok(self.kind_and_author(seq)?.map(|(k, _)| k))
    }

    /// The kind and author of a stored event, from its envelope and the
    /// payload's first four bytes.
    pub fn kind_and_author(&self, seq: u64) -> Result<Option<(Kind, PublicKey)>> {
        let Some(bytes) = self.store.get(seq)? else {
            return Ok(None);
        };
        let frame = Frame::parse(&bytes).map_err(|e| Error::integrity(seq, e))?;
        let p = frame.payload_bytes();
        if p.len() < 4 {
            return Err(Error::integrity(seq, "payload too short"));
        }
        let n = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        Ok(Kind::from_number(n).map(|k| (k, frame.author())))
    }

    /// One event, decoded.
    pub fn event(&self, seq: u64) -> Result<Option<StoredEvent>> {
        match self.store.get(seq)? {
            Some(bytes) => decode_stored(seq, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The event with this hash.
    pub fn event_by_hash(&self, hash: &EventHash) -> Result<Option<StoredEvent>> {
        match self.store.seq_of_hash(hash)? {
            Some(seq) => self.event(seq),
            None => Ok(None),
        }
    }

    /// Events from `from` on, decoded, in order.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<StoredEvent>> + '_ {
        self.store.events_from(from).map(|r| {
            let (seq, bytes) = r?;
            decode_stored(seq, &bytes)
        })
    }

    /// The stored bytes of every event from `from` on, in order: what a
    /// bundle copies byte for byte.
    pub fn stored_bytes_from(&self, from: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>)>> + '_ {
        self.store.events_from(from)
    }

    /// Events of one kind from `from` on, decoded, in order (through the
    /// kind look-up).
    pub fn events_of_kind(&self, kind: Kind, from: u64) -> impl Iterator<Item = Result<StoredEvent>> + '_ {
        self.store.seqs_of_kind(kind, from).map(|r| {
            let seq = r?;
            self.event(seq)?
                .ok_or_else(|| Error::integrity(seq, "indexed event is missing"))
        })
    }

    /// The last seq recorded at or before `at` (microseconds since the epoch).
    pub fn seq_at_time(&self, at: i64) -> Result<Option<u64>> {
        projection::seq_at_time(&self.index(), at)
    }

    /// Seqs of approvable events that no approval, rejection or return
    /// covers yet, in order.
    pub fn pending_approvals(&self) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        let index = self.index();
        for seq in 0..self.head().count {
            if let Some(kind) = self.kind_of(seq)? {
                if kind.is_approvable() && projection::decision(&index, seq, Known::Head)?.is_none() {
                    out.push(seq);
                }
            }
        }
        Ok(out)
    }

    /// The agency's time zone as known at `known` (WIB unless an admin set
    /// another with an `agency_settings` event).
    pub fn time_zone_at(&self, known: u64) -> Result<crate::event::TimeZone> {
        projection::time_zone(&self.index(), known)
    }

    /// A stored time as the agency's people read it, in its zone now.
    pub fn local_time(&self, micros: i64) -> Result<String> {
        Ok(crate::clock::format_local(
            micros,
            self.time_zone_at(self.head().count - 1)?,
        ))
    }

    /// Whether this is a demo ledger: its genesis was signed by a published
    /// example key.
    pub fn is_demo(&self) -> Result<bool> {
        Ok(match self.head {
            None => false,
            Some(_) => self
                .kind_and_author(0)?
                .is_some_and(|(_, author)| crate::keys::is_example_key(&author)),
        })
    }

    /// The genesis payload.
    pub fn genesis(&self) -> Result<Genesis> {
        match self.event(0)?.map(|e| e.event.payload) {
            Some(Payload::Genesis(g)) => Ok(g),
            _ => Err(Error::integrity(0, "event 0 is not a genesis event")),
        }
    }
}

pub(super) fn decode_stored(seq: u64, bytes: &[u8]) -> Result<StoredEvent> {
    let frame = Frame::parse(bytes).map_err(|e| Error::integrity(seq, e))?;
    let event = frame.decode().map_err(|e| Error::integrity(seq, e))?;
    Ok(StoredEvent {
        hash: frame.hash(),
        size: bytes.len(),
        event,
    })
}

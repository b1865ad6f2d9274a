//! Reading a store: events by seq, hash and kind, the head, key states, the
//! kept checkpoint, the derived trees, and the index and Merkle node reads
//! the projection and proofs go through.

use super::*;

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
impl Store {
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
    pub(super) fn run_holding(&self, seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
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
}

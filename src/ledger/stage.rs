//! Staging a batch: each item authorized, validated and encoded, then
//! chained, signed and put in the Merkle tree (on two threads for large
//! batches); the recorded time each event takes.

use super::*;

impl Ledger {
    /// Authorize, validate, sign and chain a batch in memory: the events,
    /// index entries and Merkle nodes to commit, the new head and registry.
    ///
    /// Two passes run over the items in order. The first authorizes,
    /// validates and encodes each event without its `prev`; the second
    /// chains, signs and hashes them. Each event's check depends only on
    /// the events before it, never on their signatures, so for a batch of
    /// [`PIPELINE_FROM`] items or more the second pass runs on a thread of
    /// its own, up to [`PIPELINE_DEPTH`] events behind the first. The
    /// events, and the first refusal in item order, are the same either
    /// way.
    pub(super) fn stage<S: Signer + Sync + ?Sized>(
        &self,
        items: &[(&S, Payload, String)],
        at: Option<i64>,
    ) -> Result<(Vec<Staged>, Head, Registry)> {
        let now = at.unwrap_or_else(|| self.stamp(self.head));
        self.check_time(now, self.head)?;
        let (count, prev) = match self.head {
            Some(h) => (h.count, h.hash),
            None => (0, EventHash::ZERO),
        };
        let mut seal = Sealer::new(prev, self.frontier_at(count)?);
        let suffix = if items.len() > 1 {
            "; nothing was appended"
        } else {
            ""
        };
        let mut checker = Checker::new(self, now, suffix.into());
        let staged = Self::stage_into(items, count, &mut checker, &mut seal)?;
        let head = Head {
            count: count + staged.len() as u64,
            hash: staged.last().map_or(prev, |s| s.hash),
            recorded_at: now,
        };
        Ok((staged, head, checker.registry))
    }

    /// The Merkle tree's right edge at `count` leaves: kept from this
    /// process's last append, else read from the store (and kept).
    pub(super) fn frontier_at(&self, count: u64) -> Result<Frontier> {
        let mut kept = self.frontier.lock().unwrap_or_else(|e| e.into_inner());
        match kept.as_ref().filter(|f| f.size() == count) {
            Some(f) => Ok(f.clone()),
            None => {
                let f = Frontier::read(&self.store, count)?;
                *kept = Some(f.clone());
                Ok(f)
            }
        }
    }

    /// Stage `items` as the events from seq `count` on, on one thread or,
    /// from [`PIPELINE_FROM`] items, on two.
    pub(super) fn stage_into<S: Signer + Sync + ?Sized>(
        items: &[(&S, Payload, String)],
        count: u64,
        checker: &mut Checker<'_>,
        seal: &mut Sealer,
    ) -> Result<Vec<Staged>> {
        if items.len() < PIPELINE_FROM {
            let mut staged = Vec::with_capacity(items.len());
            for (i, (signer, payload, label)) in items.iter().enumerate() {
                let checked = checker.check(count + i as u64, *signer, payload, label)?;
                staged.push(seal.seal(*signer, checked)?);
            }
            Ok(staged)
        } else {
            Self::stage_pipelined(items, count, checker, seal)
        }
    }

    /// [`Ledger::stage`]'s two passes on two threads.
    pub(super) fn stage_pipelined<S: Signer + Sync + ?Sized>(
        items: &[(&S, Payload, String)],
        count: u64,
        checker: &mut Checker<'_>,
        seal: &mut Sealer,
    ) -> Result<Vec<Staged>> {
        let (staged, checked_all) = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<(&S, Checked)>(PIPELINE_DEPTH);
            let sealing = scope.spawn(move || -> Result<Vec<Staged>> {
                let mut staged = Vec::with_capacity(items.len());
                for (signer, checked) in receive {
                    staged.push(seal.seal(signer, checked)?);
                }
                Ok(staged)
            });
            let mut checked_all = Ok(());
            for (i, (signer, payload, label)) in items.iter().enumerate() {
                match checker.check(count + i as u64, *signer, payload, label) {
                    // A closed channel means sealing stopped at an error,
                    // which the join returns.
                    Ok(checked) => {
                        if send.send((*signer, checked)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        checked_all = Err(e);
                        break;
                    }
                }
            }
            drop(send);
            let sealed = sealing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sealed, checked_all)
        });
        // Sealing only ever sees items that passed their check, so a
        // sealing error belongs to an earlier item than a check error.
        let staged = staged?;
        checked_all?;
        Ok(staged)
    }

    /// The time an event appended now records: the clock's, or the head's
    /// when the head was stamped a little later by a clock ahead of this
    /// one (inside [`crate::clock::FUTURE_MARGIN`] of this machine's own).
    /// Recorded time never goes backwards, and one signer's clock running
    /// minutes fast must not stop everyone else's appends until their
    /// clocks catch up: the later event takes the head's time, so the
    /// ledger claims to have known it a little later than it did, never
    /// earlier. A head stamped beyond the margin is not followed
    /// ([`Ledger::check_time`] refuses and names it).
    pub(super) fn stamp(&self, head: Option<Head>) -> i64 {
        let now = self.clock.now().timestamp_micros();
        let latest = (self.clock.wall() + crate::clock::FUTURE_MARGIN).timestamp_micros();
        match head {
            Some(h) if h.recorded_at > now && h.recorded_at <= latest => h.recorded_at,
            _ => now,
        }
    }

    /// Refuse a recording time in the future of this machine's clock or
    /// before the head's.
    pub(super) fn check_time(&self, now: i64, head: Option<Head>) -> Result<()> {
        let latest = (self.clock.wall() + crate::clock::FUTURE_MARGIN).timestamp_micros();
        if now > latest {
            return Err(Error::Refused(format!(
                "the time to record ({}) is later than this machine's clock ({}) plus {} minutes; an event may not be stamped in the future (check the clock or SAKIP_NOW)",
                crate::clock::format_micros(now),
                crate::clock::format_micros(self.clock.wall().timestamp_micros()),
                crate::clock::FUTURE_MARGIN.num_minutes()
            )));
        }
        if let Some(head) = head {
            if now < head.recorded_at {
                let hint = if head.recorded_at > latest {
                    format!(
                        "; event {} is stamped in the future of this machine's clock, so nothing can be appended before that time (`sakip verify` names it; docs/security.md, \"Time\")",
                        head.count - 1
                    )
                } else {
                    String::new()
                };
                return Err(Error::Refused(format!(
                    "the clock ({}) is earlier than the last event's recorded time ({}); recorded time may not go backwards{hint}",
                    crate::clock::format_micros(now),
                    crate::clock::format_micros(head.recorded_at)
                )));
            }
        }
        Ok(())
    }
}

/// Batches of this many items or more are staged on two threads
/// ([`Ledger::stage`]).
pub(super) const PIPELINE_FROM: usize = 16;

/// Checked events waiting to be signed, at most, in a pipelined stage.
pub(super) const PIPELINE_DEPTH: usize = 256;

/// An event authorized, validated and encoded, waiting for its `prev` and
/// its signature.
pub(super) struct Checked {
    pub(super) seq: u64,
    pub(super) kind: Kind,
    /// The body, with a zero `prev` until it is sealed.
    pub(super) body: Vec<u8>,
    pub(super) key_updates: Vec<(PublicKey, crate::authz::KeyState)>,
    pub(super) proj: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The first pass of [`Ledger::stage`]: each item authorized against the
/// registry as the items before it leave it, validated against the stored
/// index and the batch's own entries, and encoded.
pub(super) struct Checker<'a> {
    pub(super) ledger: &'a Ledger,
    pub(super) now: i64,
    /// Added to a refusal of a labelled item: what was appended.
    pub(super) suffix: String,
    pub(super) registry: Registry,
    pub(super) index: MemIndex,
    pub(super) payloads: std::cell::RefCell<std::collections::HashMap<u64, Payload>>,
    /// Kind and author of each item checked so far.
    pub(super) batch: Vec<(Kind, PublicKey)>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(ledger: &'a Ledger, now: i64, suffix: String) -> Checker<'a> {
        Checker {
            ledger,
            now,
            suffix,
            registry: ledger.registry.clone(),
            index: MemIndex::default(),
            payloads: Default::default(),
            batch: Vec::new(),
        }
    }

    pub(super) fn check<S: Signer + ?Sized>(
        &mut self,
        seq: u64,
        signer: &S,
        payload: &Payload,
        label: &str,
    ) -> Result<Checked> {
        let author = signer.public();
        let ledger = self.ledger;
        let stored = ledger.head.map_or(0, |h| h.count);
        let batch = &self.batch;
        let event_of = |s: u64| -> Option<(Kind, PublicKey)> {
            if s >= stored {
                return batch.get((s - stored) as usize).copied();
            }
            ledger.kind_and_author(s).ok().flatten()
        };
        let suffix = &self.suffix;
        let labelled = |reason: String| {
            if label.is_empty() {
                reason
            } else {
                format!("{label}: {reason}{suffix}")
            }
        };
        let refuse = |reason: String| Error::Refused(labelled(reason));
        self.registry
            .check(seq, &author, payload, event_of)
            .map_err(|d| match d.is_authorization() {
                true => Error::Unauthorized(labelled(d.to_string())),
                false => refuse(d.to_string()),
            })?;
        // A rule of appending, not of verifying: ledgers written before it
        // may hold such approvals, and history is never rewritten.
        if let (Payload::Approval(a), Some(state)) = (payload, self.registry.get(&author)) {
            if seq > 0 && a.covers.contains(&state.added_seq) && state.added_seq > 0 {
                return Err(Error::Unauthorized(labelled(format!(
                    "seq {} registered this same key ({}): no key may approve its own registration (segregation of duties)",
                    state.added_seq,
                    author.key_id()
                ))));
            }
        }
        if let Payload::KeyAdded(k) = payload {
            if crate::keys::is_example_key(&k.key) && !ledger.is_demo()? {
                return Err(refuse(format!(
                    "key {} is a published example key (its seed is public, so anyone can sign as it); only the demo ledger accepts it",
                    k.key.key_id()
                )));
            }
        }
        let view = Overlay {
            base: &ledger.store,
            top: &self.index,
            cache: &self.payloads,
        };
        crate::rules::validate(&view, payload).map_err(|e| e.refused(labelled))?;
        self.index.add(seq, self.now, payload);
        let changed = self.registry.apply(seq, &author, payload);
        let body = codec::encode_body(&Unsigned {
            seq,
            prev: EventHash::ZERO,
            recorded_at: self.now,
            author,
            payload,
        })?;
        let key_updates = changed
            .into_iter()
            .filter_map(|k| self.registry.get(&k).map(|st| (k, st.clone())))
            .collect();
        self.batch.push((payload.kind(), author));
        Ok(Checked {
            seq,
            kind: payload.kind(),
            body,
            key_updates,
            proj: projection::index_entries(seq, self.now, payload),
        })
    }
}

/// The second pass of [`Ledger::stage`]: each checked event chained to the
/// one before it, signed, hashed and put in the Merkle tree.
pub(super) struct Sealer {
    pub(super) prev: EventHash,
    /// The Merkle tree's right edge before the next event.
    pub(super) frontier: Frontier,
}

impl Sealer {
    pub(super) fn new(prev: EventHash, frontier: Frontier) -> Sealer {
        Sealer { prev, frontier }
    }

    pub(super) fn seal<S: Signer + ?Sized>(&mut self, signer: &S, checked: Checked) -> Result<Staged> {
        if self.frontier.size() != checked.seq {
            return Err(Error::integrity(
                checked.seq,
                format!(
                    "the Merkle tree holds {} leaves, not {}",
                    self.frontier.size(),
                    checked.seq
                ),
            ));
        }
        let mut bytes = checked.body;
        codec::set_prev(&mut bytes, &self.prev);
        let signature = signer.sign_message(&codec::signing_message(&bytes))?;
        bytes.extend_from_slice(&signature);
        let hash = codec::hash_stored(&bytes);
        let merkle = self.frontier.push_nodes(&hash.0);
        self.prev = hash;
        Ok(Staged {
            seq: checked.seq,
            hash,
            kind: checked.kind,
            bytes,
            key_updates: checked.key_updates,
            proj: checked.proj,
            merkle,
        })
    }
}

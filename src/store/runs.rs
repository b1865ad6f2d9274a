//! How the `events` tree keys the stored events.
//!
//! sled 0.34 keeps one page per leaf of at most 16 keys and builds a page
//! table entry for every page when a store opens, so the memory a store
//! takes to open, the time it takes and its disk grow with the number of
//! keys. A store of [`EventKeys::Runs`] keeps the events one commit
//! appends in runs: several events under one key, written once by that
//! commit and never rewritten. The events' bytes are the same in every
//! keying; only where they sit in the tree differs.

use super::{be_u64, seq_key, Engine, Staged, TreeId};
use crate::{Error, Result};
use std::ops::Bound;

/// Most events in one run.
pub const RUN_EVENTS: usize = 8;

/// A run is closed before an event would take its value past this many
/// bytes (an event larger than this is a run on its own). It keeps a full
/// sled leaf of runs well under the size sled would move out of its log
/// into a file of its own.
pub const RUN_BYTES: usize = 4096;

/// Bytes before each event in a run: its length, u32 BE.
const LEN_BYTES: usize = 4;

/// How a store keys its events, recorded in `meta/events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKeys {
    /// seq u64 BE -> the event's stored bytes. Every store written before
    /// `meta/events` existed.
    PerEvent = 1,
    /// seq of the run's first event, u64 BE -> for each event of the run
    /// in seq order, its length (u32 BE) and its stored bytes. A run holds
    /// consecutive events of one commit: at most [`RUN_EVENTS`], and no
    /// more than [`RUN_BYTES`] unless it is a single event.
    Runs = 2,
}

impl EventKeys {
    /// The keying this build writes into new stores.
    pub const CURRENT: EventKeys = EventKeys::Runs;

    /// The keying a store records (`None`: not recorded; a store with a
    /// head then predates the record and keys every event on its own).
    pub(super) fn from_marker(marker: Option<&[u8]>, has_head: bool) -> Result<EventKeys> {
        match marker {
            None if has_head => Ok(EventKeys::PerEvent),
            None => Ok(EventKeys::CURRENT),
            Some([1]) => Ok(EventKeys::PerEvent),
            Some([2]) => Ok(EventKeys::Runs),
            Some(other) => Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the store keys its events as {other:?}; this build reads 1 (one event per key) and 2 (runs) (a newer sakip wrote it?)"
                ),
            }),
        }
    }

    /// The `events` entries of a batch that one commit appends.
    pub(super) fn entries(self, batch: &[Staged]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.entries_of(batch.iter().map(|s| (s.seq, s.bytes.as_slice())))
    }

    /// The `events` entries of consecutive events (seq, stored bytes) that
    /// one commit appends.
    pub fn entries_of<'b>(
        self,
        events: impl IntoIterator<Item = (u64, &'b [u8])>,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        let events = events.into_iter();
        match self {
            EventKeys::PerEvent => events
                .map(|(seq, bytes)| (seq_key(seq).to_vec(), bytes.to_vec()))
                .collect(),
            EventKeys::Runs => {
                let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
                let mut in_run = 0;
                for (seq, bytes) in events {
                    let fits = out.last().is_some_and(|(_, value)| {
                        in_run < RUN_EVENTS && value.len() + LEN_BYTES + bytes.len() <= RUN_BYTES
                    });
                    if !fits {
                        out.push((seq_key(seq).to_vec(), Vec::with_capacity(RUN_BYTES)));
                        in_run = 0;
                    }
                    let (_, value) = out.last_mut().expect("a run was just opened");
                    push(value, bytes);
                    in_run += 1;
                }
                out
            }
        }
    }
}

fn push(run: &mut Vec<u8>, bytes: &[u8]) {
    run.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    run.extend_from_slice(bytes);
}

/// The value of a run of these events' stored bytes, in seq order.
pub fn join<'b>(events: impl IntoIterator<Item = &'b [u8]>) -> Vec<u8> {
    let mut run = Vec::new();
    for bytes in events {
        push(&mut run, bytes);
    }
    run
}

/// The events of the run stored under seq `first`, in order, as (seq,
/// bytes). A run that holds no event, or whose lengths do not add up to
/// its value, is an integrity error at the first seq it cannot account for.
pub fn split(first: u64, value: &[u8]) -> Result<Vec<(u64, &[u8])>> {
    let mut out = Vec::with_capacity(RUN_EVENTS);
    let mut rest = value;
    while !rest.is_empty() {
        // The seq after each event must exist too: reading goes on from it.
        let seq = first
            .checked_add(out.len() as u64)
            .filter(|seq| *seq < u64::MAX)
            .ok_or_else(|| {
                Error::integrity(
                    first,
                    format!("the run of events stored at {first} runs past the last seq"),
                )
            })?;
        let damaged = |what: &str| {
            Error::integrity(
                seq,
                format!("the run of events stored at {first} is damaged: {what} of event {seq}"),
            )
        };
        let (len, tail) = rest
            .split_first_chunk::<LEN_BYTES>()
            .ok_or_else(|| damaged("a truncated length"))?;
        let len = u32::from_be_bytes(*len) as usize;
        if tail.len() < len {
            return Err(damaged("the bytes cut short"));
        }
        let (bytes, tail) = tail.split_at(len);
        out.push((seq, bytes));
        rest = tail;
    }
    if out.is_empty() {
        return Err(Error::integrity(
            first,
            format!("the run of events stored at {first} holds no event"),
        ));
    }
    Ok(out)
}

/// The events of a store in runs, from seq `from` on, in seq order.
///
/// Runs are read one by one, each with a point read of the key where the
/// one before it ended, not with one iterator over the tree: sled 0.34
/// keeps in memory much of what a long iterator has passed over when its
/// pages are large, as pages of runs are (measured in
/// `docs/performance.md`, "Events in runs"). Every key is accounted for: a
/// key inside a run's span is an integrity error (a second run overlapping
/// it), and where the next key is not the one expected, the read goes on
/// from the next key there is, so that the reader sees the seqs jump
/// (`verify` names the missing event).
pub(super) struct RunEvents<'a> {
    engine: &'a dyn Engine,
    from: u64,
    /// Where the next run is expected; `None` once past the last or
    /// after an error.
    next: Option<u64>,
    /// The events of the current run not yet yielded, last first.
    pending: Vec<(u64, Vec<u8>)>,
}

impl<'a> RunEvents<'a> {
    /// From the run stored under `start` (the one holding `from`, or the
    /// first after it).
    pub(super) fn new(engine: &'a dyn Engine, start: u64, from: u64) -> RunEvents<'a> {
        RunEvents {
            engine,
            from,
            next: Some(start),
            pending: Vec::new(),
        }
    }

    fn read_run(&mut self, expected: u64) -> Result<()> {
        let (first, value) = match self.engine.get(TreeId::Events, &seq_key(expected))? {
            Some(value) => (expected, value),
            None => match self
                .engine
                .range(
                    TreeId::Events,
                    Bound::Included(&seq_key(expected)),
                    Bound::Unbounded,
                )
                .next()
            {
                Some(entry) => {
                    let (k, v) = entry?;
                    (be_u64(&k)?, v)
                }
                None => {
                    self.next = None;
                    return Ok(());
                }
            },
        };
        let events = split(first, &value)?;
        let end = first + events.len() as u64;
        if let Some(entry) = self
            .engine
            .range(
                TreeId::Events,
                Bound::Excluded(&seq_key(first)),
                Bound::Excluded(&seq_key(end)),
            )
            .next()
        {
            let inside = be_u64(&entry?.0)?;
            return Err(Error::integrity(
                inside,
                format!(
                    "a run of events is stored at {inside}, inside the run stored at {first}, which ends at {}",
                    end - 1
                ),
            ));
        }
        self.next = Some(end);
        self.pending = events
            .into_iter()
            .rev()
            .filter(|(seq, _)| *seq >= self.from)
            .map(|(seq, bytes)| (seq, bytes.to_vec()))
            .collect();
        Ok(())
    }
}

impl Iterator for RunEvents<'_> {
    type Item = Result<(u64, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.pending.pop() {
                return Some(Ok(event));
            }
            if let Err(e) = self.read_run(self.next?) {
                self.next = None;
                return Some(Err(e));
            }
        }
    }
}

/// The event at `seq` in the run stored under `first`.
pub(super) fn nth(first: u64, value: &[u8], seq: u64) -> Result<Option<Vec<u8>>> {
    let Some(i) = seq.checked_sub(first) else {
        return Ok(None);
    };
    Ok(split(first, value)?
        .get(i as usize)
        .map(|(_, bytes)| bytes.to_vec()))
}

/// The run stored under `first` with the event at `seq` replaced by
/// `bytes` (tests of the readers' checks only).
#[cfg(test)]
pub(super) fn replaced(first: u64, value: &[u8], seq: u64, bytes: &[u8]) -> Result<Vec<u8>> {
    Ok(join(split(first, value)?.into_iter().map(|(s, b)| {
        if s == seq {
            bytes
        } else {
            b
        }
    })))
}

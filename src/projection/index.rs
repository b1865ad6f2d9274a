//! The projection index: its entries, the read trait and the in-memory
//! and overlay indexes.

use crate::event::*;
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// Index entries (key, value) in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Read access to the projection index and to event payloads.
pub trait IndexRead {
    /// All entries whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// The value of the entry whose key is exactly `key`, unchecked.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// All entries with keys in `lo..hi`, in key order.
    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// The last key in `lo..=hi`.
    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>>;
    /// The payload of an event.
    fn payload(&self, seq: u64) -> Result<Payload>;
    /// The first seq of the batch being appended, if any: versions from it on
    /// are earlier items of the same batch.
    fn batch_start(&self) -> u64 {
        u64::MAX
    }
    /// Check one entry against the signed event it names, before its value
    /// or seq is used for what a user sees. Scans return entries unchecked,
    /// so a query checks only what it uses (a figure's version in force, the
    /// decision on it, the entries it sums), not every older version. A
    /// plain index trusts its entries; `checked::CheckedIndex` does not.
    fn check(&self, _key: &[u8], _value: &[u8]) -> Result<()> {
        Ok(())
    }
    /// A hint: the entries of these events are about to be checked (a
    /// checking index verifies them together, on every core).
    fn prefetch(&self, _seqs: &[u64]) -> Result<()> {
        Ok(())
    }
    /// The year figures this reader's ledger keeps for the life of its
    /// process, if any (`lookup::YearCache`): only a reader of the stored
    /// index as it stands, never one with a batch on top.
    fn year_cache(&self) -> Option<&super::YearCache> {
        None
    }
    /// Every entry under a definition or retirement tag (`I`, `N`, `X`),
    /// unchecked, as [`IndexRead::scan`] of the tag returns them; a ledger's
    /// reader answers from the entries it keeps.
    fn definitions(&self, tag: u8) -> Result<std::sync::Arc<Entries>> {
        Ok(std::sync::Arc::new(self.scan(&[tag])?))
    }
    /// The last seq recorded at or before `at` (microseconds), if any:
    /// here from the time entries (`M`), the one checked. A store that
    /// keeps no time entries answers from the events themselves.
    fn seq_at_time(&self, at: i64) -> Result<Option<u64>> {
        seq_at_time_indexed(self, at)
    }
}

/// [`IndexRead::seq_at_time`] from the time entries: the last one at or
/// before `at`, checked against its event.
pub fn seq_at_time_indexed<R: IndexRead + ?Sized>(r: &R, at: i64) -> Result<Option<u64>> {
    let lo = with_seq(time_key(i64::MIN), 0);
    let hi = with_seq(time_key(at), u64::MAX);
    match r.last_in(&lo, &hi)? {
        Some(k) => {
            r.check(&k, &[])?;
            Ok(Some(seq_suffix(&k)))
        }
        None => Ok(None),
    }
}

/// Whether an index key is a time entry (`M`: recorded time and seq), which
/// a store of layout 2 or 3 does not keep (`store::Layout`).
pub fn is_time_key(key: &[u8]) -> bool {
    key.first() == Some(&TIME_TAG)
}

const TIME_TAG: u8 = b'M';

/// An in-memory index: the entries of a batch being appended, or of a ledger
/// being verified.
#[derive(Debug, Default, Clone)]
pub struct MemIndex {
    /// Entries by key.
    pub map: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Payloads by seq, for what the entries do not hold.
    pub payloads: HashMap<u64, Payload>,
    /// The first seq added.
    pub first: Option<u64>,
    /// Keep only what [`validate`] reads: definitions and the latest version
    /// under each target, realisation and pagu prefix. Memory then grows
    /// with the plan and the figures, not with the number of events.
    pub latest_only: bool,
}

impl MemIndex {
    /// An index that keeps only what validation reads (see `latest_only`).
    pub fn for_validation() -> MemIndex {
        MemIndex {
            latest_only: true,
            ..MemIndex::default()
        }
    }

    /// Add one event's entries and payload.
    pub fn add(&mut self, seq: u64, recorded_at: i64, payload: &Payload) {
        self.add_entries(seq, index_entries(seq, recorded_at, payload), payload);
    }

    /// [`MemIndex::add`] with the event's entries already made
    /// ([`index_entries`]).
    pub fn add_entries(&mut self, seq: u64, entries: Entries, payload: &Payload) {
        self.first.get_or_insert(seq);
        for (k, v) in entries {
            if self.latest_only {
                match k[0] {
                    b'T' | b'R' | b'B' => {
                        let prefix = &k[..k.len() - 8];
                        let older = self
                            .map
                            .range::<[u8], _>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
                            .next()
                            .filter(|(old, _)| old.starts_with(prefix) && old.len() == k.len())
                            .map(|(old, _)| old.clone());
                        if let Some(old) = older {
                            self.map.remove(&old);
                        }
                    }
                    b'I' | b'N' | b'X' => {}
                    _ => continue,
                }
            }
            self.map.insert(k, v);
        }
        let keep = if self.latest_only {
            matches!(
                payload,
                Payload::PlanItemDefined(_) | Payload::IndicatorDefined(_)
            )
        } else {
            needs_payload(payload)
        };
        if keep {
            self.payloads.insert(seq, payload.clone());
        }
    }
}

/// Only events that lookups read back need their payload kept in memory.
pub(crate) fn needs_payload(payload: &Payload) -> bool {
    !matches!(
        payload,
        Payload::Approval(_) | Payload::KeyAdded(_) | Payload::KeyRevoked(_)
    )
}

impl IndexRead for MemIndex {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.get(key).cloned())
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        if lo >= hi {
            return Ok(Vec::new());
        }
        Ok(self
            .map
            .range(lo.to_vec()..hi.to_vec())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .map
            .range(lo.to_vec()..=hi.to_vec())
            .next_back()
            .map(|(k, _)| k.clone()))
    }

    fn payload(&self, seq: u64) -> Result<Payload> {
        self.payloads
            .get(&seq)
            .cloned()
            .ok_or_else(|| Error::integrity(seq, "an indexed event is missing"))
    }
}

/// A batch being appended on top of the stored index.
pub struct Overlay<'a> {
    /// The stored index.
    pub base: &'a dyn IndexRead,
    /// Entries of events not yet stored.
    pub top: &'a MemIndex,
    /// Payloads already read from `base` during this batch (definitions
    /// looked up for every row of an import).
    pub cache: &'a std::cell::RefCell<HashMap<u64, Payload>>,
}

impl IndexRead for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.top.get(key)? {
            Some(v) => Ok(Some(v)),
            None => self.base.get(key),
        }
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.base.scan(prefix)?.into_iter().collect();
        merged.extend(self.top.scan(prefix)?);
        Ok(merged.into_iter().collect())
    }

    fn range(&self, lo: &[u8], hi: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.base.range(lo, hi)?.into_iter().collect();
        merged.extend(self.top.range(lo, hi)?);
        Ok(merged.into_iter().collect())
    }

    fn last_in(&self, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.base.last_in(lo, hi)?.max(self.top.last_in(lo, hi)?))
    }

    fn batch_start(&self) -> u64 {
        self.top.first.unwrap_or(u64::MAX)
    }

    fn payload(&self, seq: u64) -> Result<Payload> {
        if let Some(p) = self.top.payloads.get(&seq) {
            return Ok(p.clone());
        }
        if let Some(p) = self.cache.borrow().get(&seq) {
            return Ok(p.clone());
        }
        let p = self.base.payload(seq)?;
        self.cache.borrow_mut().insert(seq, p.clone());
        Ok(p)
    }
}

/// The first key after every key that starts with `prefix`, if any.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

// ---------------------------------------------------------------- keys

pub(crate) fn key(tag: u8) -> Vec<u8> {
    // Room for a tag, year, code, quarter and seq without growing.
    let mut k = Vec::with_capacity(48);
    k.push(tag);
    k
}

pub(crate) fn with_code(mut k: Vec<u8>, code: &str) -> Vec<u8> {
    k.extend_from_slice(code.as_bytes());
    k.push(0);
    k
}

pub(crate) fn year_code(tag: u8, year: u16, code: &str) -> Vec<u8> {
    let mut k = key(tag);
    k.extend_from_slice(&year.to_be_bytes());
    with_code(k, code)
}

pub(crate) fn scope_byte(scope: TargetScope) -> u8 {
    match scope {
        TargetScope::Year => 0,
        TargetScope::Quarter(q) => q,
        TargetScope::Renstra => 5,
    }
}

pub(crate) fn with_seq(mut k: Vec<u8>, seq: u64) -> Vec<u8> {
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub(crate) fn target_prefix(year: u16, code: &str, scope: TargetScope) -> Vec<u8> {
    let mut k = year_code(b'T', year, code);
    k.push(scope_byte(scope));
    k
}

pub(crate) fn entry_prefix(tag: u8, period: PeriodRef, code: &str) -> Vec<u8> {
    let mut k = year_code(tag, period.year, code);
    k.push(period.quarter);
    k
}

pub(crate) fn time_key(recorded_at: i64) -> Vec<u8> {
    let mut k = key(TIME_TAG);
    k.extend_from_slice(&((recorded_at as u64) ^ (1 << 63)).to_be_bytes());
    k
}

pub(crate) fn approval_prefix(covered: u64) -> Vec<u8> {
    let mut k = key(b'A');
    k.extend_from_slice(&covered.to_be_bytes());
    k
}

pub(crate) fn seq_suffix(k: &[u8]) -> u64 {
    let n = k.len();
    u64::from_be_bytes(k[n - 8..].try_into().expect("index keys end in a seq"))
}

/// The index entries of one event. Pure: the same event always gives the
/// same entries, whether appended or rebuilt.
pub fn index_entries(seq: u64, recorded_at: i64, payload: &Payload) -> Vec<(Vec<u8>, Vec<u8>)> {
    let unit = Vec::new;
    let value = |v: &Value| crate::codec::to_bytes(v).expect("a value always encodes");
    let money = |d: &Dec| value(&Value::Number(*d));
    let mut out = vec![(with_seq(time_key(recorded_at), seq), unit())];
    match payload {
        Payload::PlanItemDefined(p) => out.push((with_code(key(b'I'), &p.code), seq.to_be_bytes().to_vec())),
        Payload::IndicatorDefined(i) => out.push((with_code(key(b'N'), &i.code), seq.to_be_bytes().to_vec())),
        Payload::TargetSet(t) => out.push((
            with_seq(target_prefix(t.year, &t.indicator, t.scope), seq),
            value(&t.value),
        )),
        Payload::TargetRevised(t) => out.push((
            with_seq(target_prefix(t.year, &t.indicator, t.scope), seq),
            value(&t.value),
        )),
        Payload::RealisationRecorded(r) => out.push((
            with_seq(entry_prefix(b'R', r.period, &r.indicator), seq),
            value(&r.value),
        )),
        Payload::RealisationCorrected(r) => out.push((
            with_seq(entry_prefix(b'R', r.period, &r.indicator), seq),
            value(&r.value),
        )),
        Payload::BudgetSet(b) => {
            out.push((with_seq(year_code(b'B', b.year, &b.account), seq), money(&b.pagu)))
        }
        Payload::BudgetRevised(b) => {
            out.push((with_seq(year_code(b'B', b.year, &b.account), seq), money(&b.pagu)))
        }
        Payload::SpendingRecorded(s) => out.push((
            with_seq(entry_prefix(b'S', s.period, &s.account), seq),
            money(&s.amount),
        )),
        Payload::NarrativeRecorded(n) => {
            out.push((with_seq(year_code(b'W', n.year, &n.indicator), seq), unit()))
        }
        Payload::DocumentTextRecorded(t) => {
            out.push((with_seq(year_code(b'D', t.year, &t.section), seq), unit()))
        }
        Payload::SignatoryRecorded(s) => out.push((with_seq(year_code(b'D', s.year, ""), seq), unit())),
        Payload::Approval(a) => {
            let decision = match a.decision {
                Decision::Approve => 0u8,
                Decision::Reject => 1,
                Decision::Return => 2,
            };
            for &covered in &a.covers {
                out.push((with_seq(approval_prefix(covered), seq), vec![decision]));
            }
        }
        Payload::ReportIssued(r) => {
            let mut k = key(b'H');
            k.extend_from_slice(&r.sha256);
            out.push((with_seq(k, seq), unit()))
        }
        Payload::PlanItemRetired(x) | Payload::IndicatorRetired(x) => {
            let mut k = with_code(key(b'X'), &x.code);
            k.extend_from_slice(&x.year.to_be_bytes());
            let kind = u8::from(matches!(payload, Payload::IndicatorRetired(_)));
            out.push((with_seq(k, seq), vec![kind]))
        }
        Payload::AgencySettings(a) => {
            let zone = TimeZone::ALL.iter().position(|z| *z == a.time_zone).unwrap_or(0) as u8;
            out.push((with_seq(key(b'Z'), seq), vec![zone]))
        }
        Payload::Genesis(_) | Payload::KeyAdded(_) | Payload::KeyRevoked(_) => {}
    }
    out
}

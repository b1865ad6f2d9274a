//! Projections: the indexes that answer "what was the state of each
//! indicator as of quarter Q, as known at seq N" without replaying the
//! ledger, and the domain validation that runs before every append.
//!
//! Every event maps to index entries by the pure function [`index_entries`];
//! the ledger writes them in the same transaction as the event, and
//! `sakip rebuild` recomputes them from the events alone, so the two paths
//! cannot drift. Index keys (tree `proj`, all integers big-endian, codes
//! NUL-terminated) end in the seq of the event, so "the latest version known
//! at seq N" is a short prefix scan:
//!
//! ```text
//! 'I' code                         -> seq     plan item defined
//! 'N' code                         -> seq     indicator defined
//! 'T' year code scope seq          -> value   target set / revised (scope 0 year, 1-4 quarter, 5 renstra)
//! 'R' year code quarter seq        -> value   realisation recorded / corrected (quarter 0 = annual)
//! 'B' year code seq                -> value   pagu set / revised
//! 'S' year code quarter seq        -> value   spending
//! 'W' year code seq                -> ()      narrative
//! 'A' covered-seq approval-seq     -> decision (0 approve, 1 reject, 2 return)
//! 'M' recorded_at seq              -> ()      transaction time (sign bit flipped)
//! 'H' sha256 seq                   -> ()      report issued, by the hash of its bytes
//! 'X' code year seq                -> kind    plan item (0) or indicator (1) retired from year on
//! 'Z' seq                          -> zone    the agency's time zone (0 WIB, 1 WITA, 2 WIT)
//! ```
//!
//! `value` is the bincode encoding of the version's [`Value`] (pagu and
//! spending as `Value::Number`), so a query reads figures from the index
//! alone and never decodes an event. The layout is versioned by
//! [`PROJECTION_VERSION`]; a store whose index has another version is
//! refused until `sakip rebuild` recomputes it.
//!
//! This module never writes: it computes entries and reads through
//! [`IndexRead`].

use crate::event::*;
use crate::scoring::{self, Capaian, Predikat};
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The layout of the projection index described above. Version 1 kept no
/// values in version entries.
pub const PROJECTION_VERSION: u8 = 2;

/// Read access to the projection index and to event payloads.
pub trait IndexRead {
    /// All entries whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
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
}

/// An in-memory index: the entries of a batch being appended, or of a ledger
/// being verified.
#[derive(Debug, Default, Clone)]
pub struct MemIndex {
    pub map: BTreeMap<Vec<u8>, Vec<u8>>,
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
        self.first.get_or_insert(seq);
        for (k, v) in index_entries(seq, recorded_at, payload) {
            if self.latest_only {
                match k[0] {
                    b'T' | b'R' | b'B' => {
                        let prefix = &k[..k.len() - 8];
                        let older = self
                            .map
                            .range(prefix.to_vec()..)
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
fn needs_payload(payload: &Payload) -> bool {
    !matches!(
        payload,
        Payload::Approval(_) | Payload::KeyAdded(_) | Payload::KeyRevoked(_)
    )
}

impl IndexRead for MemIndex {
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
    pub base: &'a dyn IndexRead,
    pub top: &'a MemIndex,
    /// Payloads already read from `base` during this batch (definitions
    /// looked up for every row of an import).
    pub cache: &'a std::cell::RefCell<HashMap<u64, Payload>>,
}

impl IndexRead for Overlay<'_> {
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
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
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

fn key(tag: u8) -> Vec<u8> {
    vec![tag]
}

fn with_code(mut k: Vec<u8>, code: &str) -> Vec<u8> {
    k.extend_from_slice(code.as_bytes());
    k.push(0);
    k
}

fn year_code(tag: u8, year: u16, code: &str) -> Vec<u8> {
    let mut k = key(tag);
    k.extend_from_slice(&year.to_be_bytes());
    with_code(k, code)
}

fn scope_byte(scope: TargetScope) -> u8 {
    match scope {
        TargetScope::Year => 0,
        TargetScope::Quarter(q) => q,
        TargetScope::Renstra => 5,
    }
}

fn with_seq(mut k: Vec<u8>, seq: u64) -> Vec<u8> {
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn target_prefix(year: u16, code: &str, scope: TargetScope) -> Vec<u8> {
    let mut k = year_code(b'T', year, code);
    k.push(scope_byte(scope));
    k
}

fn entry_prefix(tag: u8, period: PeriodRef, code: &str) -> Vec<u8> {
    let mut k = year_code(tag, period.year, code);
    k.push(period.quarter);
    k
}

fn time_key(recorded_at: i64) -> Vec<u8> {
    let mut k = key(b'M');
    k.extend_from_slice(&((recorded_at as u64) ^ (1 << 63)).to_be_bytes());
    k
}

fn approval_prefix(covered: u64) -> Vec<u8> {
    let mut k = key(b'A');
    k.extend_from_slice(&covered.to_be_bytes());
    k
}

fn seq_suffix(k: &[u8]) -> u64 {
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

/// The agency's time zone as known at `known` (WIB until an admin sets
/// another).
pub fn time_zone(r: &dyn IndexRead, known: u64) -> Result<TimeZone> {
    let mut zone = TimeZone::default();
    for (k, v) in r.scan(&key(b'Z'))? {
        if k.len() == 9 && seq_suffix(&k) <= known {
            r.check(&k, &v)?;
            zone = v
                .first()
                .and_then(|i| TimeZone::ALL.get(usize::from(*i)))
                .copied()
                .unwrap_or_default();
        }
    }
    Ok(zone)
}

/// The first year a plan item or indicator no longer counts in, as known at
/// `known`: the earliest effective year of its retirements.
pub fn retired_from(r: &dyn IndexRead, code: &str, known: u64) -> Result<Option<u16>> {
    let prefix = with_code(key(b'X'), code);
    let mut first: Option<u16> = None;
    for (k, v) in r.scan(&prefix)? {
        if k.len() != prefix.len() + 10 || seq_suffix(&k) > known {
            continue;
        }
        r.check(&k, &v)?;
        let year = u16::from_be_bytes([k[prefix.len()], k[prefix.len() + 1]]);
        first = Some(first.map_or(year, |f| f.min(year)));
    }
    Ok(first)
}

/// Whether `code` (an indicator or plan item) counts in `year`: neither it
/// nor any item above it is retired from that year or earlier.
fn retired_in(
    r: &dyn IndexRead,
    code: &str,
    items: &HashMap<String, PlanItemDefined>,
    year: u16,
    known: u64,
) -> Result<bool> {
    let mut next = Some(code.to_string());
    let mut depth = 0;
    while let Some(c) = next {
        if retired_from(r, &c, known)?.is_some_and(|y| y <= year) {
            return Ok(true);
        }
        next = items.get(&c).and_then(|i| i.parent.clone());
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    Ok(false)
}

/// The plan items that count in `year` as known at `known`: defined by then
/// and not retired (nor under a retired item).
pub fn active_items(r: &dyn IndexRead, year: u16, known: u64) -> Result<Vec<(u64, PlanItemDefined)>> {
    let all = items(r, known)?;
    let by_code: HashMap<String, PlanItemDefined> =
        all.iter().map(|(_, i)| (i.code.clone(), i.clone())).collect();
    let mut out = Vec::new();
    for (seq, item) in all {
        if !retired_in(r, &item.code, &by_code, year, known)? {
            out.push((seq, item));
        }
    }
    Ok(out)
}

/// The seqs of every event about an indicator or budget account: targets,
/// realisations and corrections, pagu, spending, narratives, and the
/// approvals that cover them; for one year or all. In seq order.
pub fn indicator_events(r: &dyn IndexRead, code: &str, year: Option<u16>) -> Result<Vec<u64>> {
    let mut seqs = Vec::new();
    for tag in [b'T', b'R', b'B', b'S', b'W'] {
        let prefix = match year {
            Some(y) => year_code(tag, y, code),
            None => key(tag),
        };
        for (k, v) in r.scan(&prefix)? {
            // key: tag, year (2), code, NUL, ...
            let code_end = 3 + code.len();
            if k.len() > code_end && &k[3..code_end] == code.as_bytes() && k[code_end] == 0 {
                r.check(&k, &v)?;
                seqs.push(seq_suffix(&k));
            }
        }
    }
    let mut approvals = Vec::new();
    for &s in &seqs {
        for (k, v) in r.scan(&approval_prefix(s))? {
            r.check(&k, &v)?;
            approvals.push(seq_suffix(&k));
        }
    }
    if let Some(seq) = def_seq(r, b'N', code)?.or(def_seq(r, b'I', code)?) {
        seqs.push(seq);
    }
    let retired = with_code(key(b'X'), code);
    for (k, v) in r.scan(&retired)? {
        if k.len() == retired.len() + 10
            && year.is_none_or(|y| u16::from_be_bytes([k[retired.len()], k[retired.len() + 1]]) <= y)
        {
            r.check(&k, &v)?;
            seqs.push(seq_suffix(&k));
        }
    }
    seqs.extend(approvals);
    seqs.sort();
    seqs.dedup();
    Ok(seqs)
}

/// The seqs of the reports issued with these bytes' SHA-256, known at `known`.
pub fn reports_with_hash(r: &dyn IndexRead, sha256: &[u8; 32], known: u64) -> Result<Vec<u64>> {
    let mut k = key(b'H');
    k.extend_from_slice(sha256);
    versions(r, &k, known)
}

// ---------------------------------------------------------------- lookups

/// The seqs under a prefix that were known at `known` (inclusive), in order.
fn versions(r: &dyn IndexRead, prefix: &[u8], known: u64) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    for (k, v) in r.scan(prefix)? {
        let seq = seq_suffix(&k);
        if seq <= known {
            r.check(&k, &v)?;
            out.push(seq);
        }
    }
    Ok(out)
}

fn def_seq(r: &dyn IndexRead, tag: u8, code: &str) -> Result<Option<u64>> {
    let k = with_code(key(tag), code);
    let Some((kk, v)) = r.scan(&k)?.into_iter().find(|(kk, _)| *kk == k) else {
        return Ok(None);
    };
    r.check(&kk, &v)?;
    Ok(<[u8; 8]>::try_from(v.as_slice()).ok().map(u64::from_be_bytes))
}

/// A plan item defined at or before `known`.
pub fn item(r: &dyn IndexRead, code: &str, known: u64) -> Result<Option<(u64, PlanItemDefined)>> {
    match def_seq(r, b'I', code)? {
        Some(seq) if seq <= known => item_at(r, seq).map(Some),
        _ => Ok(None),
    }
}

fn item_at(r: &dyn IndexRead, seq: u64) -> Result<(u64, PlanItemDefined)> {
    match r.payload(seq)? {
        Payload::PlanItemDefined(p) => Ok((seq, p)),
        _ => Err(Error::integrity(seq, "plan item index points at another kind")),
    }
}

fn indicator_at(r: &dyn IndexRead, seq: u64) -> Result<(u64, IndicatorDefined)> {
    match r.payload(seq)? {
        Payload::IndicatorDefined(i) => Ok((seq, i)),
        _ => Err(Error::integrity(seq, "indicator index points at another kind")),
    }
}

/// An indicator defined at or before `known`.
pub fn indicator(r: &dyn IndexRead, code: &str, known: u64) -> Result<Option<(u64, IndicatorDefined)>> {
    match def_seq(r, b'N', code)? {
        Some(seq) if seq <= known => indicator_at(r, seq).map(Some),
        _ => Ok(None),
    }
}

/// Every definition of one tag known at `known`, in code order.
fn all_defs(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    let entries = r.scan(&key(tag))?;
    let seqs: Vec<u64> = entries
        .iter()
        .filter_map(|(_, v)| <[u8; 8]>::try_from(v.as_slice()).ok().map(u64::from_be_bytes))
        .filter(|s| *s <= known)
        .collect();
    r.prefetch(&seqs)?;
    for (k, v) in entries {
        if let Some(seq) = <[u8; 8]>::try_from(v.as_slice()).ok().map(u64::from_be_bytes) {
            if seq <= known {
                r.check(&k, &v)?;
                out.push(seq);
            }
        }
    }
    Ok(out)
}

/// Every plan item known at `known`.
pub fn items(r: &dyn IndexRead, known: u64) -> Result<Vec<(u64, PlanItemDefined)>> {
    all_defs(r, b'I', known)?
        .into_iter()
        .map(|seq| item_at(r, seq))
        .collect()
}

/// Every indicator known at `known`.
pub fn indicators(r: &dyn IndexRead, known: u64) -> Result<Vec<(u64, IndicatorDefined)>> {
    all_defs(r, b'N', known)?
        .into_iter()
        .map(|seq| indicator_at(r, seq))
        .collect()
}

/// The decision in force on `seq` as known at `known`.
pub fn decision(r: &dyn IndexRead, seq: u64, known: u64) -> Result<Option<(u64, Decision)>> {
    let mut last = None;
    for (k, v) in r.scan(&approval_prefix(seq))? {
        if seq_suffix(&k) <= known {
            last = Some((k, v));
        }
    }
    let Some((k, v)) = last else { return Ok(None) };
    r.check(&k, &v)?;
    let d = match v.first() {
        Some(0) => Decision::Approve,
        Some(1) => Decision::Reject,
        _ => Decision::Return,
    };
    Ok(Some((seq_suffix(&k), d)))
}

fn is_approved(r: &dyn IndexRead, seq: u64, known: u64) -> Result<bool> {
    Ok(matches!(decision(r, seq, known)?, Some((_, Decision::Approve))))
}

/// The last seq recorded at or before `at` (microseconds), if any.
pub fn seq_at_time(r: &dyn IndexRead, at: i64) -> Result<Option<u64>> {
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

/// The value and seq of one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub seq: u64,
    pub value: Value,
    pub approved: bool,
    /// Seqs of earlier versions this one replaced (oldest first).
    pub replaced: Vec<u64>,
}

/// The version in force under a prefix: the latest known at `known`, or with
/// `approved_only` the latest that is approved at `known`.
fn current(r: &dyn IndexRead, prefix: &[u8], known: u64, approved_only: bool) -> Result<Option<Version>> {
    let entries: Vec<(u64, Vec<u8>)> = r
        .scan(prefix)?
        .into_iter()
        .map(|(k, v)| (seq_suffix(&k), v))
        .collect();
    current_of(
        &entries,
        known,
        approved_only,
        |seq| is_approved(r, seq, known),
        |seq, v| r.check(&with_seq(prefix.to_vec(), seq), v),
    )
}

/// The version in force among `entries` (seq order), given how to tell
/// whether a seq is approved at `known`.
fn current_of(
    entries: &[(u64, Vec<u8>)],
    known: u64,
    approved_only: bool,
    approved: impl Fn(u64) -> Result<bool>,
    check: impl Fn(u64, &[u8]) -> Result<()>,
) -> Result<Option<Version>> {
    let known_entries = entries.partition_point(|(s, _)| *s <= known);
    let entries = &entries[..known_entries];
    for (i, (seq, bytes)) in entries.iter().enumerate().rev() {
        let approved = approved(*seq)?;
        if approved_only && !approved {
            continue;
        }
        check(*seq, bytes)?;
        return Ok(Some(Version {
            seq: *seq,
            value: entry_value(*seq, bytes)?,
            approved,
            replaced: entries[..i].iter().map(|(s, _)| *s).collect(),
        }));
    }
    Ok(None)
}

/// A figure of a year: index tag, indicator code, scope or quarter.
type FigureKey = (u8, Vec<u8>, u8);

/// One year's targets and realisations grouped by indicator and scope or
/// quarter, and the decisions on them, read in at most three range scans:
/// what [`state`] needs, without one index lookup per figure.
struct YearView<'a> {
    r: &'a dyn IndexRead,
    year: u16,
    known: u64,
    /// (tag, code, scope or quarter) -> versions in seq order.
    versions: HashMap<FigureKey, Vec<(u64, Vec<u8>)>>,
    /// Decisions per covered seq (approval seq, decision byte), when the
    /// year's approvals were read in one scan.
    decisions: Option<HashMap<u64, Vec<(u64, u8)>>>,
}

impl<'a> YearView<'a> {
    fn load(r: &'a dyn IndexRead, year: u16, known: u64) -> Result<YearView<'a>> {
        let mut versions: HashMap<FigureKey, Vec<(u64, Vec<u8>)>> = HashMap::new();
        let (mut min, mut max, mut n) = (u64::MAX, 0u64, 0u64);
        for tag in [b'T', b'R'] {
            let mut lo = key(tag);
            lo.extend_from_slice(&year.to_be_bytes());
            let hi = prefix_end(&lo).expect("a tag and a year end below 0xff..");
            for (k, v) in r.range(&lo, &hi)? {
                // tag, year (2), code, NUL, scope or quarter, seq (8)
                let Some(nul) = k[3..].iter().position(|b| *b == 0).map(|p| p + 3) else {
                    continue;
                };
                if k.len() != nul + 10 {
                    continue;
                }
                let seq = seq_suffix(&k);
                if seq <= known {
                    min = min.min(seq);
                    max = max.max(seq);
                    n += 1;
                }
                versions
                    .entry((tag, k[3..nul].to_vec(), k[nul + 1]))
                    .or_default()
                    .push((seq, v));
            }
        }
        // One scan over the approvals of the year's seq span, unless the
        // span is mostly other years' events.
        let decisions = if n == 0 {
            Some(HashMap::new())
        } else if max - min < 16 * n + 1024 {
            let mut map: HashMap<u64, Vec<(u64, u8)>> = HashMap::new();
            for (k, v) in r.range(&approval_prefix(min), &approval_prefix(max.saturating_add(1)))? {
                if k.len() == 17 {
                    let covered = u64::from_be_bytes(k[1..9].try_into().expect("8 bytes"));
                    map.entry(covered)
                        .or_default()
                        .push((seq_suffix(&k), v.first().copied().unwrap_or(2)));
                }
            }
            Some(map)
        } else {
            None
        };
        // The versions in force and the decisions on them are what the query
        // will check: let a checking index verify them together.
        let mut wanted = Vec::new();
        for entries in versions.values() {
            if let Some((seq, _)) = entries.iter().rev().find(|(s, _)| *s <= known) {
                wanted.push(*seq);
                if let Some(d) = decisions.as_ref().and_then(|m| m.get(seq)) {
                    if let Some((at, _)) = d.iter().rev().find(|(at, _)| *at <= known) {
                        wanted.push(*at);
                    }
                }
            }
        }
        r.prefetch(&wanted)?;
        Ok(YearView {
            r,
            year,
            known,
            versions,
            decisions,
        })
    }

    fn approved(&self, seq: u64) -> Result<bool> {
        match &self.decisions {
            Some(map) => match map
                .get(&seq)
                .and_then(|d| d.iter().rev().find(|(at, _)| *at <= self.known))
            {
                Some(&(at, d)) => {
                    self.r.check(&with_seq(approval_prefix(seq), at), &[d])?;
                    Ok(d == 0)
                }
                None => Ok(false),
            },
            None => is_approved(self.r, seq, self.known),
        }
    }

    /// Whether any version of a figure is known (nothing is read from it).
    fn has_versions(&self, tag: u8, code: &str, sub: u8) -> bool {
        self.versions
            .get(&(tag, code.as_bytes().to_vec(), sub))
            .is_some_and(|v| v.iter().any(|(seq, _)| *seq <= self.known))
    }

    fn current(&self, tag: u8, code: &str, sub: u8, approved_only: bool) -> Result<Option<Version>> {
        match self.versions.get(&(tag, code.as_bytes().to_vec(), sub)) {
            Some(entries) => current_of(
                entries,
                self.known,
                approved_only,
                |s| self.approved(s),
                |s, v| {
                    let mut k = year_code(tag, self.year, code);
                    k.push(sub);
                    self.r.check(&with_seq(k, s), v)
                },
            ),
            None => Ok(None),
        }
    }
}

/// The value kept in a version entry.
fn entry_value(seq: u64, bytes: &[u8]) -> Result<Value> {
    crate::codec::from_bytes(bytes).map_err(|e| {
        Error::integrity(
            seq,
            format!("the projection index holds no value for this version ({e}); run `sakip rebuild`"),
        )
    })
}

/// The target of an indicator for a year and scope.
pub fn target(
    r: &dyn IndexRead,
    code: &str,
    year: u16,
    scope: TargetScope,
    q: &Query,
) -> Result<Option<Version>> {
    current(r, &target_prefix(year, code, scope), q.known, q.approved_only)
}

/// All target versions (for "sebelum / sesudah perubahan").
pub fn target_versions(
    r: &dyn IndexRead,
    code: &str,
    year: u16,
    scope: TargetScope,
    known: u64,
) -> Result<Vec<u64>> {
    versions(r, &target_prefix(year, code, scope), known)
}

/// The realisation of an indicator for one period.
pub fn realisation(r: &dyn IndexRead, code: &str, period: PeriodRef, q: &Query) -> Result<Option<Version>> {
    current(r, &entry_prefix(b'R', period, code), q.known, q.approved_only)
}

/// The pagu of an account.
pub fn pagu(r: &dyn IndexRead, account: &str, year: u16, q: &Query) -> Result<Option<Version>> {
    current(r, &year_code(b'B', year, account), q.known, q.approved_only)
}

/// Spending of an account up to the as-of quarter (zero when none).
pub fn spending(r: &dyn IndexRead, account: &str, q: &Query) -> Result<Decimal> {
    Ok(spending_of(r, account, q)?.unwrap_or_default())
}

/// Spending entered on an account up to the as-of quarter; `None` when it
/// has no entry at all (then its children's spending counts, `budget.rs`).
pub fn spending_of(r: &dyn IndexRead, account: &str, q: &Query) -> Result<Option<Decimal>> {
    let mut total = Decimal::ZERO;
    let mut any = false;
    for quarter in 1..=q.as_of {
        let prefix = entry_prefix(
            b'S',
            PeriodRef {
                year: q.year,
                quarter,
            },
            account,
        );
        for (k, v) in r.scan(&prefix)? {
            let seq = seq_suffix(&k);
            if seq > q.known || (q.approved_only && !is_approved(r, seq, q.known)?) {
                continue;
            }
            r.check(&k, &v)?;
            match entry_value(seq, &v)? {
                Value::Number(d) => total = scoring::add(total, d.0)?,
                _ => return Err(Error::integrity(seq, "a spending entry holds no amount")),
            }
            any = true;
        }
    }
    Ok(any.then_some(total))
}

/// The narratives of an indicator for a year, oldest first.
pub fn narratives(
    r: &dyn IndexRead,
    code: &str,
    year: u16,
    known: u64,
) -> Result<Vec<(u64, NarrativeRecorded)>> {
    let mut out = Vec::new();
    for seq in versions(r, &year_code(b'W', year, code), known)? {
        if let Payload::NarrativeRecorded(n) = r.payload(seq)? {
            out.push((seq, n));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- validation

fn check_code(what: &str, code: &str) -> Result<(), String> {
    if code.trim().is_empty()
        || code.len() > 64
        || code.chars().any(|c| c.is_control())
        || code != code.trim()
    {
        return Err(format!(
            "{what} code '{code}' must be 1-64 printable characters without surrounding spaces"
        ));
    }
    Ok(())
}

fn check_text(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    check_len(what, Some(text))?;
    Ok(())
}

/// Free text (notes, comments, narratives) may be empty but not huge.
fn check_len(what: &str, text: Option<&str>) -> Result<(), String> {
    match text {
        Some(t) if t.len() > MAX_TEXT => Err(format!(
            "{what} is {} bytes, more than the limit of {MAX_TEXT}",
            t.len()
        )),
        _ => Ok(()),
    }
}

/// The longest name, reason, note or narrative text accepted, in bytes.
pub const MAX_TEXT: usize = 4096;

fn check_year(year: u16) -> Result<(), String> {
    if !(1990..=2200).contains(&year) {
        return Err(format!("year {year} is out of range"));
    }
    Ok(())
}

/// The largest amount of one pagu or spending entry: Rp 1.000 triliun (10^15),
/// above any single budget line of an Indonesian agency. With it, even
/// 10^13 entries summed stay far below `Decimal`'s ~7,9 x 10^28.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);
/// The largest magnitude of a measured value, target, numerator or
/// denominator: 10^12. A capaian (realisasi x 100 / target) then stays
/// below 10^20 even against the smallest target (10^-6).
pub const MAX_MEASURE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// Decimal places kept in a measured value.
pub const MAX_MEASURE_SCALE: u32 = 6;

fn check_money(what: &str, d: &Dec) -> Result<(), String> {
    if d.0.is_sign_negative() && !d.0.is_zero() {
        return Err(format!("{what} Rp {} is negative", d.0));
    }
    if d.0.scale() > 2 {
        return Err(format!("{what} Rp {} has more than two decimals", d.0));
    }
    if d.0 > MAX_AMOUNT {
        return Err(format!(
            "{what} Rp {} is more than the largest amount accepted (Rp {})",
            d.0, MAX_AMOUNT
        ));
    }
    Ok(())
}

fn check_measure(code: &str, d: &Dec) -> Result<(), String> {
    if d.0.abs() > MAX_MEASURE {
        return Err(format!(
            "{code}: {} is larger than the largest value accepted ({MAX_MEASURE})",
            d.0
        ));
    }
    if d.0.normalize().scale() > MAX_MEASURE_SCALE {
        return Err(format!(
            "{code}: {} has more than {MAX_MEASURE_SCALE} decimals",
            d.0
        ));
    }
    Ok(())
}

/// Whether a value fits an indicator, as a target (`for_target`) or a
/// realisation. Ratio indicators take percentage targets and ratio entries.
pub fn check_value(ind: &IndicatorDefined, value: &Value, for_target: bool) -> Result<(), String> {
    match value {
        Value::Number(d) => check_measure(&ind.code, d)?,
        Value::Ratio {
            numerator,
            denominator,
        } => {
            check_measure(&ind.code, numerator)?;
            check_measure(&ind.code, denominator)?;
        }
        Value::Grade(_) | Value::Text(_) => {}
    }
    let ok = match (ind.value_kind, value) {
        (ValueKind::Number, Value::Number(_)) => true,
        (ValueKind::Ratio, Value::Number(_)) => for_target,
        (
            ValueKind::Ratio,
            Value::Ratio {
                numerator,
                denominator,
            },
        ) => {
            if denominator.0 <= Decimal::ZERO {
                return Err(format!("{}: the denominator must be more than 0", ind.code));
            }
            if numerator.0.is_sign_negative() && !numerator.0.is_zero() {
                return Err(format!("{}: the numerator is negative", ind.code));
            }
            !for_target
        }
        (ValueKind::Grade, Value::Grade(_)) => true,
        (ValueKind::Text, Value::Text(t)) => {
            check_text("the text value", t)?;
            true
        }
        _ => false,
    };
    if !ok {
        let expected = match (ind.value_kind, for_target) {
            (ValueKind::Number, _) => "a number",
            (ValueKind::Ratio, true) => "a percentage",
            (ValueKind::Ratio, false) => "a numerator and a denominator",
            (ValueKind::Grade, _) => "a grade (AA, A, BB, B, CC, C, D)",
            (ValueKind::Text, _) => "a text milestone",
        };
        return Err(format!("{} takes {expected}, not {value}", ind.code));
    }
    Ok(())
}

fn latest_seq(r: &dyn IndexRead, prefix: &[u8]) -> Result<Option<u64>, String> {
    versions(r, prefix, u64::MAX)
        .map(|v| v.last().copied())
        .map_err(|e| e.to_string())
}

fn need_indicator(r: &dyn IndexRead, code: &str) -> Result<IndicatorDefined, String> {
    match indicator(r, code, u64::MAX).map_err(|e| e.to_string())? {
        Some((_, i)) => Ok(i),
        None => Err(format!(
            "unknown indicator '{code}' (define it in the plan first)"
        )),
    }
}

fn need_item(r: &dyn IndexRead, code: &str) -> Result<PlanItemDefined, String> {
    match item(r, code, u64::MAX).map_err(|e| e.to_string())? {
        Some((_, i)) => Ok(i),
        None => Err(format!("unknown plan item '{code}'")),
    }
}

fn check_revises(what: &str, latest: Option<u64>, revises: u64) -> Result<(), String> {
    match latest {
        None => Err(format!("there is no {what} to revise")),
        Some(l) if l != revises => Err(format!(
            "seq {revises} is not the latest {what} (the latest is seq {l}); revise the latest"
        )),
        Some(_) => Ok(()),
    }
}

/// Check a domain event against the plan as the index `r` knows it. The
/// same check runs at append (refuse) and in verify (flag).
pub fn validate(r: &dyn IndexRead, payload: &Payload) -> Result<(), String> {
    match payload {
        Payload::PlanItemDefined(p) => {
            check_code("plan item", &p.code)?;
            check_text("the plan item name", &p.name)?;
            if item(r, &p.code, u64::MAX).map_err(|e| e.to_string())?.is_some() {
                return Err(format!("plan item '{}' is already defined", p.code));
            }
            match (&p.parent, p.level) {
                (None, Level::Tujuan) => Ok(()),
                (None, level) => Err(format!("{} '{}' needs a parent", level.name(), p.code)),
                (Some(parent), level) => {
                    let parent_item = need_item(r, parent)?;
                    if parent_item.level >= level {
                        return Err(format!(
                            "{} '{}' cannot sit under {} '{}'",
                            level.name(),
                            p.code,
                            parent_item.level.name(),
                            parent
                        ));
                    }
                    Ok(())
                }
            }
        }
        Payload::IndicatorDefined(i) => {
            check_code("indicator", &i.code)?;
            check_text("the indicator name", &i.name)?;
            if indicator(r, &i.code, u64::MAX)
                .map_err(|e| e.to_string())?
                .is_some()
            {
                return Err(format!("indicator '{}' is already defined", i.code));
            }
            need_item(r, &i.item)?;
            let fits = matches!(
                (i.value_kind, &i.aggregation),
                (
                    ValueKind::Number,
                    Aggregation::LastQuarter | Aggregation::Sum | Aggregation::Components(_)
                ) | (
                    ValueKind::Ratio,
                    Aggregation::LastQuarter | Aggregation::RatioOfSums
                ) | (ValueKind::Grade | ValueKind::Text, Aggregation::LastQuarter)
            );
            if !fits {
                return Err(format!(
                    "{}: aggregation {:?} does not fit value kind {:?}",
                    i.code, i.aggregation, i.value_kind
                ));
            }
            if (i.polarity == Polarity::Grade) != (i.value_kind == ValueKind::Grade) {
                return Err(format!(
                    "{}: grade polarity goes with grade values and only with them",
                    i.code
                ));
            }
            if let Aggregation::Components(parts) = &i.aggregation {
                if parts.is_empty() {
                    return Err(format!("{}: a derived indicator needs components", i.code));
                }
                for part in parts {
                    let c = need_indicator(r, part)?;
                    if c.value_kind != ValueKind::Number {
                        return Err(format!("{}: component '{part}' is not a number", i.code));
                    }
                }
            }
            if let Some(cap) = i.cap {
                if cap.0 <= Decimal::ZERO {
                    return Err(format!("{}: the cap must be more than 0", i.code));
                }
            }
            Ok(())
        }
        Payload::TargetSet(t) => {
            check_year(t.year)?;
            let ind = need_indicator(r, &t.indicator)?;
            check_scope(t.scope)?;
            check_value(&ind, &t.value, true)?;
            if let Some(seq) = latest_seq(r, &target_prefix(t.year, &t.indicator, t.scope))? {
                return Err(format!(
                    "the {} target of {} for {} is already set (seq {seq}); revise it instead",
                    t.scope, t.indicator, t.year
                ));
            }
            Ok(())
        }
        Payload::TargetRevised(t) => {
            let ind = need_indicator(r, &t.indicator)?;
            check_scope(t.scope)?;
            check_value(&ind, &t.value, true)?;
            check_text("the reason", &t.reason)?;
            check_text("the legal basis", &t.basis)?;
            let latest = latest_seq(r, &target_prefix(t.year, &t.indicator, t.scope))?;
            check_revises(
                &format!("{} target of {} for {}", t.scope, t.indicator, t.year),
                latest,
                t.revises,
            )
        }
        Payload::RealisationRecorded(e) => {
            check_year(e.period.year)?;
            let ind = need_indicator(r, &e.indicator)?;
            if matches!(ind.aggregation, Aggregation::Components(_)) {
                return Err(format!(
                    "{} is derived from its components; record those instead",
                    e.indicator
                ));
            }
            if e.period.quarter > 4 {
                return Err(format!("quarter {} does not exist", e.period.quarter));
            }
            check_value(&ind, &e.value, false)?;
            check_len("the note", e.note.as_deref())?;
            if let Some(seq) = latest_seq(r, &entry_prefix(b'R', e.period, &e.indicator))? {
                if seq >= r.batch_start() {
                    return Err(format!(
                        "realisasi of {} for {} appears twice in this import",
                        e.indicator, e.period
                    ));
                }
                return Err(format!(
                    "realisasi of {} for {} is already recorded (seq {seq}); correct it with `sakip correct {seq}`",
                    e.indicator, e.period
                ));
            }
            Ok(())
        }
        Payload::RealisationCorrected(e) => {
            let ind = need_indicator(r, &e.indicator)?;
            check_value(&ind, &e.value, false)?;
            check_text("the reason", &e.reason)?;
            let latest = latest_seq(r, &entry_prefix(b'R', e.period, &e.indicator))?;
            check_revises(
                &format!("realisasi of {} for {}", e.indicator, e.period),
                latest,
                e.supersedes,
            )
        }
        Payload::BudgetSet(b) => {
            check_year(b.year)?;
            need_account(r, &b.account)?;
            check_money("pagu", &b.pagu)?;
            if let Some(seq) = latest_seq(r, &year_code(b'B', b.year, &b.account))? {
                return Err(format!(
                    "the pagu of {} for {} is already set (seq {seq}); revise it",
                    b.account, b.year
                ));
            }
            Ok(())
        }
        Payload::BudgetRevised(b) => {
            need_account(r, &b.account)?;
            check_money("pagu", &b.pagu)?;
            check_text("the reason", &b.reason)?;
            check_text("the legal basis", &b.basis)?;
            let latest = latest_seq(r, &year_code(b'B', b.year, &b.account))?;
            check_revises(
                &format!("pagu of {} for {}", b.account, b.year),
                latest,
                b.revises,
            )
        }
        Payload::SpendingRecorded(s) => {
            check_year(s.period.year)?;
            need_account(r, &s.account)?;
            if !(1..=4).contains(&s.period.quarter) {
                return Err("spending is recorded per quarter (1-4)".into());
            }
            check_len("the note", s.note.as_deref())?;
            check_money("spending", &s.amount)
        }
        Payload::NarrativeRecorded(n) => {
            check_year(n.year)?;
            need_indicator(r, &n.indicator)?;
            for (what, text) in [
                ("faktor pendorong", &n.faktor_pendorong),
                ("hambatan", &n.hambatan),
                ("strategi pemecahan", &n.strategi_pemecahan),
            ] {
                check_len(what, Some(text))?;
            }
            if [&n.faktor_pendorong, &n.hambatan, &n.strategi_pemecahan]
                .iter()
                .all(|t| t.trim().is_empty())
            {
                return Err("the narrative is empty".into());
            }
            Ok(())
        }
        Payload::ReportIssued(rep) => {
            check_year(rep.year)?;
            if !(1..=4).contains(&rep.as_of) {
                return Err(format!("quarter {} does not exist", rep.as_of));
            }
            check_text("the report kind", &rep.kind)?;
            check_text("the report format", &rep.format)?;
            Ok(())
        }
        Payload::PlanItemRetired(x) | Payload::IndicatorRetired(x) => {
            check_year(x.year)?;
            check_text("the reason", &x.reason)?;
            if matches!(payload, Payload::IndicatorRetired(_)) {
                need_indicator(r, &x.code)?;
            } else {
                need_item(r, &x.code)?;
            }
            if let Some(y) = retired_from(r, &x.code, u64::MAX).map_err(|e| e.to_string())? {
                if y <= x.year {
                    return Err(format!("{} is already retired from {y}", x.code));
                }
            }
            Ok(())
        }
        Payload::AgencySettings(_) => Ok(()),
        Payload::Approval(a) => check_len("the comment", a.comment.as_deref()),
        Payload::KeyRevoked(k) => check_len("the reason", Some(&k.reason)),
        Payload::Genesis(g) => {
            check_len("the agency name", Some(&g.agency_name))?;
            check_len("the holder's name", Some(&g.admin.name))
        }
        Payload::KeyAdded(k) => check_len("the holder's name", Some(&k.holder.name)),
    }
}

/// A budget account: a plan item, or an indicator whose own allocation is
/// tracked (anggaran per IKU).
fn need_account(r: &dyn IndexRead, code: &str) -> Result<(), String> {
    if item(r, code, u64::MAX).map_err(|e| e.to_string())?.is_some()
        || indicator(r, code, u64::MAX).map_err(|e| e.to_string())?.is_some()
    {
        return Ok(());
    }
    Err(format!(
        "unknown budget account '{code}' (a plan item or indicator code)"
    ))
}

fn check_scope(scope: TargetScope) -> Result<(), String> {
    match scope {
        TargetScope::Quarter(q) if !(1..=4).contains(&q) => Err(format!("quarter {q} does not exist")),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------- state

/// A point on both time axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query {
    pub year: u16,
    /// Valid time: the quarter (1-4) the state is about.
    pub as_of: u8,
    /// Recorded time: the last seq known (inclusive).
    pub known: u64,
    /// Count only approved entries.
    pub approved_only: bool,
}

/// The state of one indicator at a [`Query`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorState {
    pub def_seq: u64,
    pub indicator: IndicatorDefined,
    pub item: PlanItemDefined,
    /// The target in force and the scope it came from.
    pub target: Option<(TargetScope, Version)>,
    /// Current version per quarter 1..=as_of.
    pub quarters: Vec<Option<Version>>,
    /// The annual figure, counted only at as-of TW IV.
    pub annual: Option<Version>,
    /// Before TW IV: the indicator has only an annual figure, not yet due.
    pub annual_not_due: bool,
    /// The value as of the quarter, per the indicator's aggregation.
    pub realisasi: Option<Value>,
    pub capaian: Capaian,
    pub predikat: Option<Predikat>,
    /// Every counted entry is approved (false when nothing is counted).
    pub approved: bool,
}

/// The note of a capaian before TW IV on an indicator measured only yearly.
pub const ANNUAL_NOT_DUE: &str = "angka tahunan, dinilai pada TW IV";

/// The state of every indicator known at `q.known`, in code order.
pub fn state(r: &dyn IndexRead, q: &Query) -> Result<Vec<IndicatorState>> {
    let year = YearView::load(r, q.year, q.known)?;
    let items: HashMap<String, PlanItemDefined> = items(r, q.known)?
        .into_iter()
        .map(|(_, i)| (i.code.clone(), i))
        .collect();
    let mut out: Vec<IndicatorState> = Vec::new();
    for (def_seq, ind) in indicators(r, q.known)? {
        if retired_in(r, &ind.code, &items, q.year, q.known)?
            || retired_in(r, &ind.item, &items, q.year, q.known)?
        {
            continue;
        }
        let target = |scope: TargetScope| {
            year.current(b'T', &ind.code, scope_byte(scope), q.approved_only)
                .map(|v| v.map(|v| (scope, v)))
        };
        // Target precedence (docs/scoring.md, "Target in force"): at TW IV
        // the PK's annual target, a revision at the perubahan included, is
        // what the year is measured against, and a TW IV phasing only stands
        // in when no annual target exists; before TW IV the quarter's phasing
        // target, else the annual one.
        let target = match q.as_of {
            4 => match target(TargetScope::Year)? {
                Some(v) => Some(v),
                None => target(TargetScope::Quarter(4))?,
            },
            1..=3 => match target(TargetScope::Quarter(q.as_of))? {
                Some(v) => Some(v),
                None => target(TargetScope::Year)?,
            },
            _ => None,
        };
        let mut quarters = Vec::new();
        for quarter in 1..=q.as_of {
            quarters.push(year.current(b'R', &ind.code, quarter, q.approved_only)?);
        }
        let annual = if q.as_of == 4 {
            year.current(b'R', &ind.code, 0, q.approved_only)?
        } else {
            None
        };
        // An annual figure already recorded is not due before TW IV: say so
        // rather than "no data" (docs/scoring.md).
        let annual_not_due = q.as_of < 4 && year.has_versions(b'R', &ind.code, 0);
        let item = items.get(&ind.item).cloned().ok_or_else(|| {
            Error::integrity(
                def_seq,
                format!("indicator {} names unknown item {}", ind.code, ind.item),
            )
        })?;
        out.push(IndicatorState {
            def_seq,
            realisasi: None,
            capaian: Capaian::NoData,
            predikat: None,
            approved: false,
            indicator: ind,
            item,
            target,
            quarters,
            annual,
            annual_not_due,
        });
    }
    // Aggregate: plain indicators first, then derived ones (their components
    // were defined before them, so one pass in definition order suffices).
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| out[i].def_seq);
    let mut by_code: HashMap<String, (Option<Value>, bool)> = HashMap::new();
    for i in order {
        let s = &out[i];
        let (realisasi, approved) = match &s.indicator.aggregation {
            Aggregation::Components(parts) => {
                let mut sum = Decimal::ZERO;
                let mut all = true;
                let mut approved = true;
                for part in parts {
                    match by_code.get(part).map(|(v, a)| {
                        (
                            v,
                            a,
                            sum.checked_add(match v {
                                Some(Value::Number(d)) => d.0,
                                _ => Decimal::ZERO,
                            }),
                        )
                    }) {
                        Some((Some(Value::Number(_)), a, Some(total))) => {
                            sum = total;
                            approved &= *a;
                        }
                        _ => all = false,
                    }
                }
                if all {
                    (Some(Value::Number(Dec(sum))), approved)
                } else {
                    (None, false)
                }
            }
            agg => aggregate(agg, &s.quarters, s.annual.as_ref()),
        };
        let capaian = match scoring::capaian(
            &s.indicator,
            s.target.as_ref().map(|(_, v)| &v.value),
            realisasi.as_ref(),
        ) {
            Capaian::NoData if realisasi.is_none() && s.annual_not_due => {
                Capaian::Undefined(ANNUAL_NOT_DUE.into())
            }
            other => other,
        };
        let s = &mut out[i];
        s.predikat = capaian.score().map(scoring::predikat);
        s.capaian = capaian;
        s.approved = approved;
        s.realisasi = realisasi.clone();
        by_code.insert(s.indicator.code.clone(), (realisasi, approved));
    }
    Ok(out)
}

/// The aggregate of the quarterly versions alone (no annual figure).
pub fn aggregate_quarters(agg: &Aggregation, quarters: &[Option<Version>]) -> (Option<Value>, bool) {
    aggregate(agg, quarters, None)
}

/// The value as of the last quarter from the quarterly (and annual) versions.
fn aggregate(
    agg: &Aggregation,
    quarters: &[Option<Version>],
    annual: Option<&Version>,
) -> (Option<Value>, bool) {
    if let Some(a) = annual {
        return (Some(a.value.clone()), a.approved);
    }
    let present: Vec<&Version> = quarters.iter().flatten().collect();
    if present.is_empty() {
        return (None, false);
    }
    let approved = present.iter().all(|v| v.approved);
    let value = match agg {
        Aggregation::LastQuarter | Aggregation::Components(_) => present.last().map(|v| v.value.clone()),
        // At most five bounded values: a sum beyond Decimal's range can only
        // come from a ledger validated before the bounds, and gives no value.
        Aggregation::Sum => present
            .iter()
            .try_fold(Decimal::ZERO, |sum, v| match v.value {
                Value::Number(d) => sum.checked_add(d.0),
                _ => Some(sum),
            })
            .map(|sum| Value::Number(Dec(sum))),
        Aggregation::RatioOfSums => present
            .iter()
            .try_fold((Decimal::ZERO, Decimal::ZERO), |(n, d), v| match v.value {
                Value::Ratio {
                    numerator,
                    denominator,
                } => Some((n.checked_add(numerator.0)?, d.checked_add(denominator.0)?)),
                _ => Some((n, d)),
            })
            .map(|(n, d)| Value::Ratio {
                numerator: Dec(n),
                denominator: Dec(d),
            }),
    };
    (value, approved)
}

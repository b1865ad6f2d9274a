//! Look-ups in the projection index: definitions, versions, decisions,
//! retirements, time.

use super::*;
use crate::event::*;
use crate::scoring::{self};
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// Recorded time in a look-up: what the ledger knew after a seq, or
/// everything it holds (including the events of a batch being checked
/// before it is appended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Known {
    /// Events up to and including this seq.
    Seq(u64),
    /// Every event there is.
    Head,
}

impl Known {
    /// The last seq included.
    pub fn last(self) -> u64 {
        match self {
            Known::Seq(seq) => seq,
            Known::Head => u64::MAX,
        }
    }
}

impl From<u64> for Known {
    fn from(seq: u64) -> Known {
        Known::Seq(seq)
    }
}

/// The agency's time zone as known at `known` (WIB until an admin sets
/// another).
pub fn time_zone(r: &dyn IndexRead, known: impl Into<Known>) -> Result<TimeZone> {
    let known = known.into().last();
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
pub fn retired_from(r: &dyn IndexRead, code: &str, known: impl Into<Known>) -> Result<Option<u16>> {
    let known = known.into().last();
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

/// The first year each plan item or indicator no longer counts in, as
/// known at `known` (the earliest effective year of its retirements), read
/// in one scan: what [`retired_in`] asks of every code.
pub(crate) fn retirements(r: &dyn IndexRead, known: u64) -> Result<HashMap<String, u16>> {
    let mut first: HashMap<String, u16> = HashMap::new();
    for (k, v) in r.definitions(b'X')?.iter() {
        // key: 'X', code, NUL, year (2), seq (8)
        let Some(nul) = k[1..].iter().position(|b| *b == 0).map(|p| p + 1) else {
            continue;
        };
        if k.len() != nul + 11 || seq_suffix(k) > known {
            continue;
        }
        r.check(k, v)?;
        let code = String::from_utf8_lossy(&k[1..nul]).into_owned();
        let year = u16::from_be_bytes([k[nul + 1], k[nul + 2]]);
        let slot = first.entry(code).or_insert(year);
        *slot = (*slot).min(year);
    }
    Ok(first)
}

/// Whether `code` (an indicator or plan item) counts in `year`: neither it
/// nor any item above it is retired from that year or earlier, per
/// `retired` ([`retirements`]).
pub(crate) fn retired_in(
    retired: &HashMap<String, u16>,
    code: &str,
    items: &HashMap<&str, impl std::ops::Deref<Target = PlanItemDefined>>,
    year: u16,
) -> bool {
    if retired.is_empty() {
        return false;
    }
    let mut next = Some(code);
    let mut depth = 0;
    while let Some(c) = next {
        if retired.get(c).is_some_and(|y| *y <= year) {
            return true;
        }
        next = items.get(c).and_then(|i| i.parent.as_deref());
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    false
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
pub fn reports_with_hash(r: &dyn IndexRead, sha256: &[u8; 32], known: impl Into<Known>) -> Result<Vec<u64>> {
    let known = known.into().last();
    let mut k = key(b'H');
    k.extend_from_slice(sha256);
    versions(r, &k, known)
}

// ---------------------------------------------------------------- lookups

/// The seqs under a prefix that were known at `known` (inclusive), in order.
pub(crate) fn versions(r: &dyn IndexRead, prefix: &[u8], known: u64) -> Result<Vec<u64>> {
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

pub(crate) fn def_seq(r: &dyn IndexRead, tag: u8, code: &str) -> Result<Option<u64>> {
    let k = with_code(key(tag), code);
    let Some(v) = r.get(&k)? else {
        return Ok(None);
    };
    r.check(&k, &v)?;
    Ok(<[u8; 8]>::try_from(v.as_slice()).ok().map(u64::from_be_bytes))
}

/// The decision in force on `seq` as known at `known`.
pub fn decision(r: &dyn IndexRead, seq: u64, known: impl Into<Known>) -> Result<Option<(u64, Decision)>> {
    let known = known.into().last();
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

pub(crate) fn is_approved(r: &dyn IndexRead, seq: u64, known: u64) -> Result<bool> {
    Ok(matches!(decision(r, seq, known)?, Some((_, Decision::Approve))))
}

/// The last seq recorded at or before `at` (microseconds), if any.
pub fn seq_at_time(r: &dyn IndexRead, at: i64) -> Result<Option<u64>> {
    r.seq_at_time(at)
}

/// The value and seq of one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Its seq.
    pub seq: u64,
    /// Its value.
    pub value: Value,
    /// Whether an approver approved it (as known at the query).
    pub approved: bool,
    /// Seqs of earlier versions this one replaced (oldest first).
    pub replaced: Arc<[u64]>,
}

/// The version in force under a prefix: the latest known at `known`, or with
/// `approved_only` the latest that is approved at `known`.
pub(crate) fn current(
    r: &dyn IndexRead,
    prefix: &[u8],
    known: u64,
    approved_only: bool,
) -> Result<Option<Version>> {
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
pub(crate) fn current_of(
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

/// The value kept in a version entry.
pub(crate) fn entry_value(seq: u64, bytes: &[u8]) -> Result<Value> {
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

/// A figure with a chain of versions: set (or recorded) once, then
/// revised or corrected, each version naming the one it replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure<'a> {
    /// An indicator's target for a year, in one scope.
    Target {
        /// Indicator code.
        indicator: &'a str,
        /// Fiscal year.
        year: u16,
        /// PK, a quarter's phasing or the Renstra.
        scope: TargetScope,
    },
    /// An indicator's realisation for a period.
    Realisation {
        /// Indicator code.
        indicator: &'a str,
        /// The quarter, or the year for an annual figure.
        period: PeriodRef,
    },
    /// The pagu of an account for a year.
    Pagu {
        /// Plan item or indicator code.
        account: &'a str,
        /// Fiscal year.
        year: u16,
    },
}

impl Figure<'_> {
    fn prefix(&self) -> Vec<u8> {
        match *self {
            Figure::Target {
                indicator,
                year,
                scope,
            } => target_prefix(year, indicator, scope),
            Figure::Realisation { indicator, period } => entry_prefix(b'R', period, indicator),
            Figure::Pagu { account, year } => year_code(b'B', year, account),
        }
    }
}

/// The seq of the latest version of `figure` known at `known`, whatever
/// was decided on it: the version a revision or correction must name (the
/// rule `rules::validate` checks).
pub fn latest(r: &dyn IndexRead, figure: Figure<'_>, known: impl Into<Known>) -> Result<Option<u64>> {
    let known = known.into().last();
    Ok(versions(r, &figure.prefix(), known)?.last().copied())
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
    for quarter in q.as_of.through() {
        let prefix = entry_prefix(
            b'S',
            PeriodRef {
                year: q.year,
                quarter: quarter.number(),
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

/// The part `section` of year's LKjIP text as known at `known`: the latest
/// version, with its seq; `None` when never recorded or withdrawn (empty).
pub fn document_text(
    r: &dyn IndexRead,
    year: u16,
    section: DocumentSection,
    known: u64,
) -> Result<Option<(u64, DocumentText)>> {
    let Some(&seq) = versions(r, &year_code(b'D', year, section.name()), known)?.last() else {
        return Ok(None);
    };
    match r.payload(seq)? {
        Payload::DocumentTextRecorded(t) if t.text.trim().is_empty() => Ok(None),
        Payload::DocumentTextRecorded(t) => Ok(Some((seq, t))),
        _ => Err(Error::integrity(seq, "the text index points at another kind")),
    }
}

/// Who signs year's LKjIP as known at `known`: the latest record, with its seq.
pub fn signatory(r: &dyn IndexRead, year: u16, known: u64) -> Result<Option<(u64, Signatory)>> {
    let Some(&seq) = versions(r, &year_code(b'D', year, ""), known)?.last() else {
        return Ok(None);
    };
    match r.payload(seq)? {
        Payload::SignatoryRecorded(s) => Ok(Some((seq, s))),
        _ => Err(Error::integrity(
            seq,
            "the signatory index points at another kind",
        )),
    }
}

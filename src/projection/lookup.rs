//! Look-ups in the projection index: definitions, versions, decisions,
//! retirements, time.

use super::*;
use crate::event::*;
use crate::scoring::{self};
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

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

/// [`active_items`], each item shared with the ledger's reader when it
/// keeps decoded definitions.
pub(crate) fn active_shared_items(
    r: &dyn IndexRead,
    year: u16,
    known: u64,
) -> Result<Vec<(u64, Arc<PlanItemDefined>)>> {
    let all = shared_items(r, known)?;
    let retired = retirements(r, known)?;
    let counts: Vec<bool> = {
        let by_code: HashMap<&str, &PlanItemDefined> =
            all.iter().map(|(_, i)| (i.code.as_str(), i.as_ref())).collect();
        all.iter()
            .map(|(_, item)| !retired_in(&retired, &item.code, &by_code, year))
            .collect()
    };
    Ok(all
        .into_iter()
        .zip(counts)
        .filter(|(_, c)| *c)
        .map(|(i, _)| i)
        .collect())
}

/// The plan items that count in `year` as known at `known`: defined by then
/// and not retired (nor under a retired item).
pub fn active_items(
    r: &dyn IndexRead,
    year: u16,
    known: impl Into<Known>,
) -> Result<Vec<(u64, PlanItemDefined)>> {
    Ok(active_shared_items(r, year, known.into().last())?
        .into_iter()
        .map(|(seq, item)| (seq, Arc::unwrap_or_clone(item)))
        .collect())
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

/// A plan item defined at or before `known`.
pub fn item(
    r: &dyn IndexRead,
    code: &str,
    known: impl Into<Known>,
) -> Result<Option<(u64, PlanItemDefined)>> {
    let known = known.into().last();
    match def_seq(r, b'I', code)? {
        Some(seq) if seq <= known => item_at(r, seq).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn item_at(r: &dyn IndexRead, seq: u64) -> Result<(u64, PlanItemDefined)> {
    match r.payload(seq)? {
        Payload::PlanItemDefined(p) => Ok((seq, p)),
        _ => Err(Error::integrity(seq, "plan item index points at another kind")),
    }
}

pub(crate) fn indicator_at(r: &dyn IndexRead, seq: u64) -> Result<(u64, IndicatorDefined)> {
    match r.payload(seq)? {
        Payload::IndicatorDefined(i) => Ok((seq, i)),
        _ => Err(Error::integrity(seq, "indicator index points at another kind")),
    }
}

/// An indicator defined at or before `known`.
pub fn indicator(
    r: &dyn IndexRead,
    code: &str,
    known: impl Into<Known>,
) -> Result<Option<(u64, IndicatorDefined)>> {
    let known = known.into().last();
    match def_seq(r, b'N', code)? {
        Some(seq) if seq <= known => indicator_at(r, seq).map(Some),
        _ => Ok(None),
    }
}

/// Every definition of one tag known at `known`, in code order.
pub(crate) fn all_defs(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    let entries = r.definitions(tag)?;
    // An entry that names a definition the ledger's checking reader has
    // already decoded, of the same kind and code, is the entry that event
    // implies: it needs no second check.
    let kept = r.year_cache();
    let implied = |k: &[u8], seq: u64| kept.and_then(|c| c.peek(seq)).is_some_and(|d| d.implies(tag, k));
    let seq_of = |v: &[u8]| <[u8; 8]>::try_from(v).ok().map(u64::from_be_bytes);
    let seqs: Vec<u64> = entries
        .iter()
        .filter_map(|(k, v)| seq_of(v).filter(|s| *s <= known && !implied(k, *s)))
        .collect();
    if !seqs.is_empty() {
        r.prefetch(&seqs)?;
    }
    for (k, v) in entries.iter() {
        if let Some(seq) = seq_of(v) {
            if seq <= known {
                if !implied(k, seq) {
                    r.check(k, v)?;
                }
                out.push(seq);
            }
        }
    }
    Ok(out)
}

/// Every definition under `tag` (`I` or `N`) known at `known`, decoded, each
/// shared with the ledger's reader when it keeps decoded definitions
/// ([`YearCache`]).
fn shared_definitions(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<(u64, Definition)>> {
    let Some(kept) = r.year_cache() else {
        return decode_definitions(r, tag, known);
    };
    // Once every entry under the tag was checked and decoded, the list is
    // kept with the entries it was made from, and a query takes the part
    // it knows.
    let entries = r.definitions(tag)?;
    if let Some(all) = kept.resolved(tag, &entries) {
        return Ok(all.iter().filter(|(seq, _)| *seq <= known).cloned().collect());
    }
    let defs = decode_definitions(r, tag, known)?;
    if defs.len() == entries.len() {
        kept.keep_resolved(tag, entries, defs.clone());
    }
    Ok(defs)
}

/// Every definition under `tag` known at `known`, each entry checked (or
/// implied, [`all_defs`]) and its event decoded through `r`.
fn decode_definitions(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<(u64, Definition)>> {
    all_defs(r, tag, known)?
        .into_iter()
        .map(|seq| {
            let decode = || match (tag, r.payload(seq)?) {
                (b'I', Payload::PlanItemDefined(i)) => Ok(Definition::Item(Arc::new(i))),
                (b'N', Payload::IndicatorDefined(i)) => Ok(Definition::Indicator(Arc::new(i))),
                (b'I', _) => Err(Error::integrity(seq, "plan item index points at another kind")),
                _ => Err(Error::integrity(seq, "indicator index points at another kind")),
            };
            let definition = match r.year_cache() {
                Some(kept) => kept.decoded(seq, decode)?,
                None => decode()?,
            };
            Ok((seq, definition))
        })
        .collect()
}

/// Every plan item known at `known`, as [`shared_definitions`].
pub(crate) fn shared_items(r: &dyn IndexRead, known: u64) -> Result<Vec<(u64, Arc<PlanItemDefined>)>> {
    shared_definitions(r, b'I', known)?
        .into_iter()
        .map(|(seq, d)| match d {
            Definition::Item(i) => Ok((seq, i)),
            Definition::Indicator(_) => Err(Error::integrity(seq, "plan item index points at another kind")),
        })
        .collect()
}

/// Every indicator known at `known`, as [`shared_definitions`].
pub(crate) fn shared_indicators(r: &dyn IndexRead, known: u64) -> Result<Vec<(u64, Arc<IndicatorDefined>)>> {
    shared_definitions(r, b'N', known)?
        .into_iter()
        .map(|(seq, d)| match d {
            Definition::Indicator(i) => Ok((seq, i)),
            Definition::Item(_) => Err(Error::integrity(seq, "indicator index points at another kind")),
        })
        .collect()
}

/// Every plan item known at `known`.
pub fn items(r: &dyn IndexRead, known: impl Into<Known>) -> Result<Vec<(u64, PlanItemDefined)>> {
    let known = known.into().last();
    all_defs(r, b'I', known)?
        .into_iter()
        .map(|seq| item_at(r, seq))
        .collect()
}

/// Every indicator known at `known`.
pub fn indicators(r: &dyn IndexRead, known: impl Into<Known>) -> Result<Vec<(u64, IndicatorDefined)>> {
    let known = known.into().last();
    all_defs(r, b'N', known)?
        .into_iter()
        .map(|seq| indicator_at(r, seq))
        .collect()
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

/// One version of a figure as the index holds it, and its value once a
/// checking reader has checked the entry against its signed event.
#[derive(Clone, Debug)]
struct Stored {
    seq: u64,
    bytes: Vec<u8>,
    /// Set only after the entry was checked (events are never rewritten, so
    /// an entry checked once stays implied by its event).
    checked: OnceLock<Value>,
    /// The seqs of the versions before it, once a query asked.
    replaced: OnceLock<Arc<[u64]>>,
}

/// A decision on a version: approval seq, decision byte, and whether its
/// entry has been checked against the approval event.
#[derive(Clone, Debug)]
struct Decided {
    at: u64,
    decision: u8,
    checked: OnceLock<()>,
}

/// The versions of one figure, in seq order.
type Versions = Vec<Stored>;

/// The figures of one indicator: (tag, scope or quarter) and its versions
/// (a dozen at most, so a list).
type Figures = Vec<((u8, u8), Versions)>;

/// One year's target, realisation, pagu and spending versions grouped by
/// indicator (or budget account) and scope or quarter, and the decisions
/// on them, as the index holds them (every version, whatever a query's
/// recorded time; unchecked: a query checks what it uses, and the entries
/// it has checked remember it). Read in at most five range scans, or kept
/// by a ledger for the life of its process ([`YearCache`]).
#[derive(Clone, Debug, Default)]
pub struct YearFigures {
    /// code -> (tag, scope or quarter) -> versions in seq order (keyed by
    /// code first, so that a look-up borrows the code instead of copying it).
    versions: HashMap<Vec<u8>, Figures>,
    /// The seqs of all versions.
    seqs: HashSet<u64>,
    /// Decisions per covered seq (approval seq, decision byte), when the
    /// year's approvals were read in one scan; `None` when the year's seqs
    /// are spread among other years' events (then each is looked up).
    decisions: Option<HashMap<u64, Vec<Decided>>>,
    /// One more than the last recorded time (seq) at which a query found
    /// every entry it reads already checked; 0 for none. Entries and
    /// decisions are only ever added after the seqs already known, so what
    /// a query at that time reads stays checked.
    checked_at: CheckedAt,
}

/// [`YearFigures::checked_at`]: shared by the threads that query a kept
/// year, copied with the figures.
#[derive(Debug, Default)]
struct CheckedAt(std::sync::atomic::AtomicU64);

impl Clone for CheckedAt {
    fn clone(&self) -> Self {
        CheckedAt(std::sync::atomic::AtomicU64::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

impl YearFigures {
    /// Read `year`'s figures and decisions from the index.
    pub fn read(r: &dyn IndexRead, year: u16) -> Result<YearFigures> {
        let mut figures = YearFigures::default();
        let (mut min, mut max) = (u64::MAX, 0u64);
        for tag in [b'T', b'R', b'B', b'S'] {
            let mut lo = key(tag);
            lo.extend_from_slice(&year.to_be_bytes());
            let hi = prefix_end(&lo).expect("a tag and a year end below 0xff..");
            for (k, v) in r.range(&lo, &hi)? {
                if let Some(seq) = figures.add_version(&k, v) {
                    min = min.min(seq);
                    max = max.max(seq);
                }
            }
        }
        let n = figures.seqs.len() as u64;
        // One scan over the approvals of the year's seq span, unless the
        // span is mostly other years' events.
        figures.decisions = if n == 0 {
            Some(HashMap::new())
        } else if max - min < 16 * n + 1024 {
            let mut map: HashMap<u64, Vec<Decided>> = HashMap::new();
            for (k, v) in r.range(&approval_prefix(min), &approval_prefix(max.saturating_add(1)))? {
                if k.len() == 17 {
                    let covered = u64::from_be_bytes(k[1..9].try_into().expect("8 bytes"));
                    map.entry(covered).or_default().push(Decided::new(&k, &v));
                }
            }
            Some(map)
        } else {
            None
        };
        Ok(figures)
    }

    /// Add a target, realisation, pagu or spending entry of this year
    /// (key: tag, year (2), code, NUL, scope or quarter, seq (8); a pagu has
    /// no scope byte and is kept under 0); its seq, or `None` for a
    /// malformed key. Entries come in seq order within a figure.
    fn add_version(&mut self, k: &[u8], v: Vec<u8>) -> Option<u64> {
        let nul = k.get(3..)?.iter().position(|b| *b == 0)? + 3;
        let sub = match k[0] {
            b'B' if k.len() == nul + 9 => 0,
            b'T' | b'R' | b'S' if k.len() == nul + 10 => k[nul + 1],
            _ => return None,
        };
        let seq = seq_suffix(k);
        let code = &k[3..nul];
        let figures = match self.versions.get_mut(code) {
            Some(f) => f,
            None => self.versions.entry(code.to_vec()).or_default(),
        };
        let figure = (k[0], sub);
        let versions = match figures.iter().position(|(f, _)| *f == figure) {
            Some(i) => &mut figures[i].1,
            None => {
                figures.push((figure, Vec::new()));
                &mut figures.last_mut().expect("just pushed").1
            }
        };
        versions.push(Stored {
            seq,
            bytes: v,
            checked: OnceLock::new(),
            replaced: OnceLock::new(),
        });
        self.seqs.insert(seq);
        Some(seq)
    }

    /// Take in the index entries of an event just appended: a new version
    /// of one of this year's figures, or a decision on one.
    fn apply(&mut self, year: u16, k: &[u8], v: &[u8]) {
        match k.first() {
            Some(b'T' | b'R' | b'B' | b'S') if k.len() > 3 && k[1..3] == year.to_be_bytes() => {
                self.add_version(k, v.to_vec());
            }
            Some(b'A') if k.len() == 17 => {
                let covered = u64::from_be_bytes(k[1..9].try_into().expect("8 bytes"));
                if let (Some(map), true) = (&mut self.decisions, self.seqs.contains(&covered)) {
                    map.entry(covered).or_default().push(Decided::new(k, v));
                }
            }
            _ => {}
        }
    }
}

impl Decided {
    /// From an approval entry (key: 'A', covered seq, approval seq).
    fn new(k: &[u8], v: &[u8]) -> Decided {
        Decided {
            at: seq_suffix(k),
            decision: v.first().copied().unwrap_or(2),
            checked: OnceLock::new(),
        }
    }
}

/// The [`YearFigures`] a ledger has read, per year, and its definition and
/// retirement entries (the `I`, `N` and `X` scans every status makes), kept
/// up to date by its own commits ([`YearCache::apply`]) for the life of the
/// process: a query of a year already read scans nothing. What it holds is
/// index entries, as unchecked as the index itself until a query checks
/// one against its signed event through the ledger's checking reader;
/// a year figure then keeps the mark and its value (`checked` module docs
/// say why that stays true). It also keeps the definitions that reader
/// decoded, by seq; a definition entry naming one of them, of the same
/// kind and code, needs no other check. Bounded: at
/// [`YearCache::YEARS`] years it starts again empty.
#[derive(Clone, Default)]
pub struct YearCache(Arc<Mutex<Kept>>);

#[derive(Default)]
struct Kept {
    years: HashMap<u16, Arc<YearFigures>>,
    /// tag -> every entry under it, in key order.
    definitions: HashMap<u8, Arc<Entries>>,
    /// Definition events decoded through a checking reader, by seq. An
    /// event is never rewritten, so what was decoded at a seq stays true.
    decoded: HashMap<u64, Definition>,
    /// tag -> the entries kept under it and every definition they name,
    /// in their order, once each was checked and decoded.
    resolved: HashMap<u8, Resolved>,
}

/// The entries under a definition tag and the definitions they name.
type Resolved = (Arc<Entries>, Arc<Vec<(u64, Definition)>>);

/// A plan item or indicator definition, decoded from its event.
#[derive(Clone)]
pub(crate) enum Definition {
    Item(Arc<PlanItemDefined>),
    Indicator(Arc<IndicatorDefined>),
}

impl Definition {
    /// Whether the definition entry `key` (tag, code, NUL) is the one this
    /// definition's event implies.
    fn implies(&self, tag: u8, key: &[u8]) -> bool {
        let code = match (self, tag) {
            (Definition::Item(i), b'I') => &i.code,
            (Definition::Indicator(i), b'N') => &i.code,
            _ => return false,
        };
        key.len() == code.len() + 2
            && key[0] == tag
            && &key[1..key.len() - 1] == code.as_bytes()
            && key[key.len() - 1] == 0
    }
}

impl YearCache {
    /// The most years kept.
    pub const YEARS: usize = 16;
    /// The most decoded definitions kept.
    pub const DEFINITIONS: usize = 1 << 16;

    /// `year`'s figures, read through `r` when not yet kept.
    pub fn get(&self, r: &dyn IndexRead, year: u16) -> Result<Arc<YearFigures>> {
        if let Some(f) = self.0.lock().ok().and_then(|m| m.years.get(&year).cloned()) {
            return Ok(f);
        }
        let figures = Arc::new(YearFigures::read(r, year)?);
        if let Ok(mut m) = self.0.lock() {
            if m.years.len() >= Self::YEARS {
                m.years.clear();
            }
            m.years.insert(year, figures.clone());
        }
        Ok(figures)
    }

    /// Every entry under a definition or retirement tag (`I`, `N`, `X`),
    /// from `scan` when not yet kept.
    pub fn definitions(&self, tag: u8, scan: impl FnOnce() -> Result<Entries>) -> Result<Arc<Entries>> {
        if let Some(d) = self.0.lock().ok().and_then(|m| m.definitions.get(&tag).cloned()) {
            return Ok(d);
        }
        let entries = Arc::new(scan()?);
        if let Ok(mut m) = self.0.lock() {
            m.definitions.insert(tag, entries.clone());
        }
        Ok(entries)
    }

    /// The definition event at `seq`, from `decode` when not yet kept.
    /// `decode` reads it through a checking reader: the ledger's own.
    pub(crate) fn decoded(
        &self,
        seq: u64,
        decode: impl FnOnce() -> Result<Definition>,
    ) -> Result<Definition> {
        if let Some(d) = self.0.lock().ok().and_then(|m| m.decoded.get(&seq).cloned()) {
            return Ok(d);
        }
        let d = decode()?;
        if let Ok(mut m) = self.0.lock() {
            if m.decoded.len() >= Self::DEFINITIONS {
                m.decoded.clear();
            }
            m.decoded.insert(seq, d.clone());
        }
        Ok(d)
    }

    /// Every definition the entries under `tag` name, when `entries` (as
    /// kept) were all checked and decoded before.
    fn resolved(&self, tag: u8, entries: &Arc<Entries>) -> Option<Arc<Vec<(u64, Definition)>>> {
        let m = self.0.lock().ok()?;
        let (kept, all) = m.resolved.get(&tag)?;
        Arc::ptr_eq(kept, entries).then(|| all.clone())
    }

    /// Keep `all`, every definition `entries` name, each checked and
    /// decoded through a checking reader.
    fn keep_resolved(&self, tag: u8, entries: Arc<Entries>, all: Vec<(u64, Definition)>) {
        if let Ok(mut m) = self.0.lock() {
            m.resolved.insert(tag, (entries, Arc::new(all)));
        }
    }

    /// The definition kept decoded at `seq`, if any.
    fn peek(&self, seq: u64) -> Option<Definition> {
        self.0.lock().ok()?.decoded.get(&seq).cloned()
    }

    /// Take in the index entries of events just committed.
    pub fn apply<'e>(&self, entries: impl IntoIterator<Item = &'e (Vec<u8>, Vec<u8>)>) {
        let Ok(mut m) = self.0.lock() else { return };
        if m.years.is_empty() && m.definitions.is_empty() {
            return;
        }
        for (k, v) in entries {
            match k.first() {
                Some(b'T' | b'R' | b'B' | b'S' | b'A') => {
                    for (year, figures) in m.years.iter_mut() {
                        Arc::make_mut(figures).apply(*year, k, v);
                    }
                }
                // Definitions are rare: read the tag afresh next time.
                Some(tag @ (b'I' | b'N' | b'X')) => {
                    m.definitions.remove(tag);
                    m.resolved.remove(tag);
                }
                _ => {}
            }
        }
    }

    /// Forget everything kept (the index was rebuilt).
    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            *m = Kept::default();
        }
    }
}

/// One year's figures as a query sees them: at its recorded time, through
/// its reader (which checks each entry used).
pub(crate) struct YearView<'a> {
    r: &'a dyn IndexRead,
    year: u16,
    known: u64,
    figures: Arc<YearFigures>,
}

impl<'a> YearView<'a> {
    pub(crate) fn load(r: &'a dyn IndexRead, year: u16, known: u64) -> Result<YearView<'a>> {
        let figures = match r.year_cache() {
            Some(cache) => cache.get(r, year)?,
            None => Arc::new(YearFigures::read(r, year)?),
        };
        // The versions in force and the decisions on them are what the query
        // will check: let a checking index verify them together.
        // Entries already checked (by an earlier query of a kept year) are
        // not checked again, and a year whose entries at `known` were all
        // found checked is not searched again at `known`.
        let checked_at = &figures.checked_at.0;
        let mark = known.checked_add(1);
        if mark.is_some_and(|m| checked_at.load(std::sync::atomic::Ordering::Relaxed) == m) {
            return Ok(YearView {
                r,
                year,
                known,
                figures,
            });
        }
        let mut wanted = Vec::new();
        for ((tag, _), entries) in figures.versions.values().flat_map(|f| f.iter()) {
            let known_entries = entries.partition_point(|e| e.seq <= known);
            if *tag == b'S' {
                // Every spending entry counts, not only the latest.
                wanted.extend(
                    entries[..known_entries]
                        .iter()
                        .filter(|e| e.checked.get().is_none())
                        .map(|e| e.seq),
                );
            }
            if let Some(e) = entries[..known_entries].last() {
                if e.checked.get().is_none() {
                    wanted.push(e.seq);
                }
                if let Some(d) = figures.decisions.as_ref().and_then(|m| m.get(&e.seq)) {
                    if let Some(d) = d
                        .iter()
                        .rev()
                        .find(|d| d.at <= known && d.checked.get().is_none())
                    {
                        wanted.push(d.at);
                    }
                }
            }
        }
        if wanted.is_empty() {
            if let Some(m) = mark {
                checked_at.store(m, std::sync::atomic::Ordering::Relaxed);
            }
        } else {
            r.prefetch(&wanted)?;
        }
        Ok(YearView {
            r,
            year,
            known,
            figures,
        })
    }

    fn approved(&self, seq: u64) -> Result<bool> {
        match &self.figures.decisions {
            Some(map) => match map
                .get(&seq)
                .and_then(|d| d.iter().rev().find(|d| d.at <= self.known))
            {
                Some(d) => {
                    if d.checked.get().is_none() {
                        self.r
                            .check(&with_seq(approval_prefix(seq), d.at), &[d.decision])?;
                        let _ = d.checked.set(());
                    }
                    Ok(d.decision == 0)
                }
                None => Ok(false),
            },
            None => is_approved(self.r, seq, self.known),
        }
    }

    /// Whether any version of a figure is known (nothing is read from it).
    /// The figures of one indicator, looked up once for all its questions.
    pub(crate) fn of<'v>(&'v self, code: &'v str) -> CodeFigures<'v, 'a> {
        CodeFigures {
            year: self,
            code,
            figures: self.figures.versions.get(code.as_bytes()),
        }
    }

    /// The version in force of a figure, as [`current_of`] finds it; an
    /// entry is checked against its event the first time a query uses it.
    fn current(
        &self,
        tag: u8,
        code: &str,
        sub: u8,
        entries: &[Stored],
        approved_only: bool,
    ) -> Result<Option<Version>> {
        let entries = &entries[..entries.partition_point(|e| e.seq <= self.known)];
        for (i, e) in entries.iter().enumerate().rev() {
            let approved = self.approved(e.seq)?;
            if approved_only && !approved {
                continue;
            }
            let value = self.checked_value(tag, code, sub, e)?;
            return Ok(Some(Version {
                seq: e.seq,
                value,
                approved,
                // Versions are only ever added after the last one, so the
                // ones before a version never change.
                replaced: e
                    .replaced
                    .get_or_init(|| entries[..i].iter().map(|e| e.seq).collect())
                    .clone(),
            }));
        }
        Ok(None)
    }

    /// The value of an entry, checked against its event through the reader
    /// the first time a query uses it.
    fn checked_value(&self, tag: u8, code: &str, sub: u8, e: &Stored) -> Result<Value> {
        match e.checked.get() {
            Some(value) => Ok(value.clone()),
            None => {
                self.check_version(tag, code, sub, e)?;
                let value = entry_value(e.seq, &e.bytes)?;
                let _ = e.checked.set(value.clone());
                Ok(value)
            }
        }
    }

    /// Check one version entry against its event through the reader.
    fn check_version(&self, tag: u8, code: &str, sub: u8, e: &Stored) -> Result<()> {
        // tag, year (2), code, NUL, scope or quarter (none for a pagu), seq
        // (8), built on the stack for the codes a plan uses.
        let len = code.len() + if tag == b'B' { 12 } else { 13 };
        let mut stack = [0u8; 128];
        let mut heap = Vec::new();
        let k: &mut [u8] = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        k[0] = tag;
        k[1..3].copy_from_slice(&self.year.to_be_bytes());
        k[3..3 + code.len()].copy_from_slice(code.as_bytes());
        k[3 + code.len()] = 0;
        if tag != b'B' {
            k[len - 9] = sub;
        }
        k[len - 8..].copy_from_slice(&e.seq.to_be_bytes());
        self.r.check(k, &e.bytes)
    }
}

/// The figures of one indicator or budget account in a [`YearView`].
pub(crate) struct CodeFigures<'v, 'a> {
    year: &'v YearView<'a>,
    code: &'v str,
    figures: Option<&'v Figures>,
}

impl CodeFigures<'_, '_> {
    fn versions(&self, tag: u8, sub: u8) -> Option<&[Stored]> {
        self.figures?
            .iter()
            .find(|(f, _)| *f == (tag, sub))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether any version of a figure is known (nothing is read from it).
    pub(crate) fn has_versions(&self, tag: u8, sub: u8) -> bool {
        self.versions(tag, sub)
            .is_some_and(|v| v.first().is_some_and(|e| e.seq <= self.year.known))
    }

    /// The spending entered on the account up to quarter `through`, every
    /// entry counted (as [`spending_of`]); `None` when it has none.
    pub(crate) fn spending(
        &self,
        through: crate::period::Quarter,
        approved_only: bool,
    ) -> Result<Option<Decimal>> {
        let mut total = Decimal::ZERO;
        let mut any = false;
        for quarter in through.through() {
            let sub = quarter.number();
            let Some(entries) = self.versions(b'S', sub) else {
                continue;
            };
            for e in &entries[..entries.partition_point(|e| e.seq <= self.year.known)] {
                if approved_only && !self.year.approved(e.seq)? {
                    continue;
                }
                match self.year.checked_value(b'S', self.code, sub, e)? {
                    Value::Number(d) => total = scoring::add(total, d.0)?,
                    _ => return Err(Error::integrity(e.seq, "a spending entry holds no amount")),
                }
                any = true;
            }
        }
        Ok(any.then_some(total))
    }

    /// The version in force of one figure (tag `T` with a scope byte, `R`
    /// with a quarter, 0 for the annual figure, or `B` with 0: the pagu).
    pub(crate) fn current(&self, tag: u8, sub: u8, approved_only: bool) -> Result<Option<Version>> {
        match self.versions(tag, sub) {
            Some(entries) => self.year.current(tag, self.code, sub, entries, approved_only),
            None => Ok(None),
        }
    }
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

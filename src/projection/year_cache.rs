//! A year's figures read once per process: every version of every figure of
//! the year in memory (`YearFigures`), kept per year behind one lock
//! (`YearCache`) and kept up to date by the process's own appends; the view
//! of one recorded time over it (`YearView`).

use super::*;
use crate::event::*;
use crate::scoring;
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// One version of a figure as the index holds it, and its value once a
/// checking reader has checked the entry against its signed event.
#[derive(Clone, Debug)]
pub(super) struct Stored {
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
pub(super) struct Decided {
    at: u64,
    decision: u8,
    checked: OnceLock<()>,
}

/// The versions of one figure, in seq order.
pub(super) type Versions = Vec<Stored>;

/// The figures of one indicator: (tag, scope or quarter) and its versions
/// (a dozen at most, so a list).
pub(super) type Figures = Vec<((u8, u8), Versions)>;

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
pub(super) struct CheckedAt(std::sync::atomic::AtomicU64);

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
    pub(super) fn add_version(&mut self, k: &[u8], v: Vec<u8>) -> Option<u64> {
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
    pub(super) fn apply(&mut self, year: u16, k: &[u8], v: &[u8]) {
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
    pub(super) fn new(k: &[u8], v: &[u8]) -> Decided {
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
pub(super) struct Kept {
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
pub(super) type Resolved = (Arc<Entries>, Arc<Vec<(u64, Definition)>>);

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
    pub(super) fn resolved(&self, tag: u8, entries: &Arc<Entries>) -> Option<Arc<Vec<(u64, Definition)>>> {
        let m = self.0.lock().ok()?;
        let (kept, all) = m.resolved.get(&tag)?;
        Arc::ptr_eq(kept, entries).then(|| all.clone())
    }

    /// Keep `all`, every definition `entries` name, each checked and
    /// decoded through a checking reader.
    pub(super) fn keep_resolved(&self, tag: u8, entries: Arc<Entries>, all: Vec<(u64, Definition)>) {
        if let Ok(mut m) = self.0.lock() {
            m.resolved.insert(tag, (entries, Arc::new(all)));
        }
    }

    /// The definition kept decoded at `seq`, if any.
    pub(super) fn peek(&self, seq: u64) -> Option<Definition> {
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

    pub(super) fn approved(&self, seq: u64) -> Result<bool> {
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
    pub(super) fn current(
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
    pub(super) fn checked_value(&self, tag: u8, code: &str, sub: u8, e: &Stored) -> Result<Value> {
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
    pub(super) fn check_version(&self, tag: u8, code: &str, sub: u8, e: &Stored) -> Result<()> {
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
    pub(super) fn versions(&self, tag: u8, sub: u8) -> Option<&[Stored]> {
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

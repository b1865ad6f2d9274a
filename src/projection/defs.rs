//! Definitions in the projection index: plan items and indicators, checked
//! and decoded once per recorded time and kept beside the entries they were
//! made from.

use super::*;
use crate::event::*;
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

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
pub(super) fn shared_definitions(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<(u64, Definition)>> {
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
pub(super) fn decode_definitions(r: &dyn IndexRead, tag: u8, known: u64) -> Result<Vec<(u64, Definition)>> {
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

/// A plan item or indicator definition, decoded from its event.
#[derive(Clone)]
pub(crate) enum Definition {
    Item(Arc<PlanItemDefined>),
    Indicator(Arc<IndicatorDefined>),
}

impl Definition {
    /// Whether the definition entry `key` (tag, code, NUL) is the one this
    /// definition's event implies.
    pub(super) fn implies(&self, tag: u8, key: &[u8]) -> bool {
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

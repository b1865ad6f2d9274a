//! The state of every indicator at a point on both time axes.

use super::*;
use crate::event::*;
use crate::period::Quarter;
use crate::scoring::{self, Capaian, Predikat};
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

// ---------------------------------------------------------------- state

/// A point on both time axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query {
    /// Fiscal year.
    pub year: u16,
    /// Valid time: the quarter (1-4) the state is about.
    pub as_of: Quarter,
    /// Recorded time: the last seq known (inclusive).
    pub known: u64,
    /// Count only approved entries.
    pub approved_only: bool,
}

/// The state of one indicator at a [`Query`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorState {
    /// The seq of its definition.
    pub def_seq: u64,
    /// Its definition (shared: a ledger keeps the definitions it decoded).
    pub indicator: Arc<IndicatorDefined>,
    /// The plan item it measures.
    pub item: Arc<PlanItemDefined>,
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
    /// Its capaian, or why there is none.
    pub capaian: Capaian,
    /// The predikat of its capaian.
    pub predikat: Option<Predikat>,
    /// Every counted entry is approved (false when nothing is counted).
    pub approved: bool,
}

/// The note of a capaian before TW IV on an indicator measured only yearly.
pub const ANNUAL_NOT_DUE: &str = "angka tahunan, dinilai pada TW IV";

/// The state of every indicator known at `q.known`, in code order.
pub fn state(r: &dyn IndexRead, q: &Query) -> Result<Vec<IndicatorState>> {
    let year = YearView::load(r, q.year, q.known)?;
    let all_items = shared_items(r, q.known)?;
    let items: HashMap<&str, Arc<PlanItemDefined>> = all_items
        .iter()
        .map(|(_, i)| (i.code.as_str(), i.clone()))
        .collect();
    let retired = retirements(r, q.known)?;
    let mut out: Vec<IndicatorState> = Vec::new();
    for (def_seq, ind) in shared_indicators(r, q.known)? {
        if retired_in(&retired, &ind.code, &items, q.year) || retired_in(&retired, &ind.item, &items, q.year)
        {
            continue;
        }
        let figures = year.of(&ind.code);
        let target = |scope: TargetScope| {
            figures
                .current(b'T', scope_byte(scope), q.approved_only)
                .map(|v| v.map(|v| (scope, v)))
        };
        // Target precedence (docs/scoring.md, "Target in force"): at TW IV
        // the PK's annual target, a revision at the perubahan included, is
        // what the year is measured against, and a TW IV phasing only stands
        // in when no annual target exists; before TW IV the quarter's phasing
        // target, else the annual one.
        let target = if q.as_of == Quarter::LAST {
            match target(TargetScope::Year)? {
                Some(v) => Some(v),
                None => target(TargetScope::Quarter(Quarter::LAST.number()))?,
            }
        } else {
            match target(TargetScope::Quarter(q.as_of.number()))? {
                Some(v) => Some(v),
                None => target(TargetScope::Year)?,
            }
        };
        let mut quarters = Vec::with_capacity(4);
        for quarter in q.as_of.through() {
            quarters.push(figures.current(b'R', quarter.number(), q.approved_only)?);
        }
        let annual = if q.as_of == Quarter::LAST {
            figures.current(b'R', 0, q.approved_only)?
        } else {
            None
        };
        // An annual figure already recorded is not due before TW IV: say so
        // rather than "no data" (docs/scoring.md).
        let annual_not_due = q.as_of < Quarter::LAST && figures.has_versions(b'R', 0);
        let item = items.get(ind.item.as_str()).cloned().ok_or_else(|| {
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
    // The value of each indicator aggregated so far, by code.
    let mut by_code: HashMap<&str, (Option<Value>, bool)> = HashMap::with_capacity(out.len());
    let mut figures = Vec::with_capacity(out.len());
    for i in order {
        let s = &out[i];
        let (realisasi, approved) = match &s.indicator.aggregation {
            Aggregation::Components(parts) => {
                let mut sum = Decimal::ZERO;
                let mut all = true;
                let mut approved = true;
                for part in parts {
                    match by_code.get(part.as_str()).map(|(v, a)| {
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
        by_code.insert(&s.indicator.code, (realisasi.clone(), approved));
        figures.push((i, realisasi, capaian, approved));
    }
    for (i, realisasi, capaian, approved) in figures {
        let s = &mut out[i];
        s.predikat = capaian.score().map(scoring::predikat);
        s.capaian = capaian;
        s.approved = approved;
        s.realisasi = realisasi;
    }
    Ok(out)
}

/// The aggregate of the quarterly versions alone (no annual figure).
pub fn aggregate_quarters(agg: &Aggregation, quarters: &[Option<Version>]) -> (Option<Value>, bool) {
    aggregate(agg, quarters, None)
}

/// The value as of the last quarter from the quarterly (and annual) versions.
pub(crate) fn aggregate(
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

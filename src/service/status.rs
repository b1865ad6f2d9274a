//! The status view: every indicator's target, realisasi, capaian and
//! predikat at a point on both time axes, with the means per sasaran and
//! of the IKU and the budget rolled up the plan. One view for every front
//! end; its JSON and CSV shapes are part of the command-line contract.

use super::time::{Resolved, TimePoint};
use crate::event::{Level, Polarity, TargetScope, Value};
use crate::ledger::Ledger;
use crate::numfmt;
use crate::period::Quarter;
use crate::projection::{self, Query};
pub use crate::projection::{IndicatorState, Version};
use crate::scoring::{self, Predikat};
use crate::Result;
use rust_decimal::Decimal;
use serde_json::json;

/// What `status` shows.
#[derive(Clone, Debug)]
pub struct StatusView {
    /// The agency's name.
    pub agency_name: String,
    /// The point the view is at.
    pub at: Resolved,
    /// The indicators, by plan level and code.
    pub states: Vec<IndicatorState>,
    /// Mean IKU capaian per sasaran, in plan order.
    pub sasaran_means: Vec<Mean>,
    /// Mean capaian of every IKU.
    pub iku_mean: Option<Mean>,
    /// The budget as of the quarter; `None` when nothing is budgeted.
    pub budget: Option<BudgetSummary>,
}

/// A mean capaian and its predikat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mean {
    /// The sasaran's code (empty for the IKU mean).
    pub code: String,
    /// The sasaran's name (empty for the IKU mean).
    pub name: String,
    /// The mean, exact.
    pub mean: Decimal,
    /// Its predikat.
    pub predikat: Predikat,
}

/// Pagu and spending: the total and each program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetSummary {
    /// Total pagu.
    pub pagu: Decimal,
    /// Total spending as of the quarter.
    pub spent: Decimal,
    /// Each program with a pagu.
    pub programs: Vec<ProgramBudget>,
}

/// One program's budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramBudget {
    /// Program code.
    pub code: String,
    /// Program name.
    pub name: String,
    /// Its pagu.
    pub pagu: Decimal,
    /// Its spending (with what its kegiatan and sub kegiatan spent).
    pub spent: Decimal,
    /// Where the pagu comes from, in words.
    pub source: String,
}

/// The status at `point`; with `iku_only`, only the tujuan indicators with
/// a target and the IKU (the capaian table of the LKjIP).
pub fn status(ledger: &Ledger, point: &TimePoint, iku_only: bool) -> Result<StatusView> {
    let at = point.resolve(ledger)?;
    let q = at.query;
    let index = ledger.index();
    let mut states = projection::state(&index, &q)?;
    states.sort_by(|a, b| (a.item.level, &a.indicator.code).cmp(&(b.item.level, &b.indicator.code)));
    if iku_only {
        states.retain(|s| s.indicator.iku || (s.item.level == Level::Tujuan && s.target.is_some()));
    }
    let (sasaran_means, iku_mean) = means(&states);
    let budget = budget(&index, &q)?;
    Ok(StatusView {
        agency_name: ledger.genesis()?.agency_name,
        at,
        states,
        sasaran_means,
        iku_mean,
        budget,
    })
}

fn means(states: &[IndicatorState]) -> (Vec<Mean>, Option<Mean>) {
    let mut sasaran: Vec<(&str, &str)> = Vec::new();
    for s in states
        .iter()
        .filter(|s| s.indicator.iku && s.item.level == Level::Sasaran)
    {
        if !sasaran.iter().any(|(code, _)| *code == s.item.code) {
            sasaran.push((&s.item.code, &s.item.name));
        }
    }
    let mean_of = |code: &str, name: &str, scores: Vec<Decimal>| {
        scoring::mean(&scores).map(|mean| Mean {
            code: code.into(),
            name: name.into(),
            mean,
            predikat: scoring::predikat(mean),
        })
    };
    let per_sasaran = sasaran
        .into_iter()
        .filter_map(|(code, name)| {
            let scores = states
                .iter()
                .filter(|s| s.indicator.iku && s.item.code == code)
                .filter_map(|s| s.capaian.score())
                .collect();
            mean_of(code, name, scores)
        })
        .collect();
    let iku = states
        .iter()
        .filter(|s| s.indicator.iku)
        .filter_map(|s| s.capaian.score())
        .collect();
    (per_sasaran, mean_of("", "", iku))
}

fn budget(r: &dyn projection::IndexRead, q: &Query) -> Result<Option<BudgetSummary>> {
    let items: Vec<_> = projection::active_shared_items(r, q.year, q.known)?
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    let budget = crate::budget::Budget::load(r, items.iter().map(|i| i.as_ref()), q)?;
    let (pagu, spent) = budget.total()?;
    if pagu.is_zero() && spent.is_zero() {
        return Ok(None);
    }
    let mut programs = Vec::new();
    for item in items.iter().filter(|i| i.level == Level::Program) {
        let Some(a) = budget.get(&item.code) else { continue };
        let Some(p) = a.pagu else { continue };
        programs.push(ProgramBudget {
            code: item.code.clone(),
            name: item.name.clone(),
            pagu: p.amount,
            spent: budget.spent(&item.code).unwrap_or_default(),
            source: p.source.label(Some(Level::Program)).to_string(),
        });
    }
    Ok(Some(BudgetSummary {
        pagu,
        spent,
        programs,
    }))
}

/// Whether a mid-year capaian is measured against the annual target (the
/// quarter has no phasing target): displays mark it.
pub fn against_annual(s: &IndicatorState, as_of: Quarter) -> bool {
    as_of < Quarter::LAST && s.capaian.score().is_some() && matches!(s.target, Some((TargetScope::Year, _)))
}

/// The columns of the machine-readable (CSV) status.
pub const CSV_HEADER: [&str; 10] = [
    "code",
    "level",
    "name",
    "target",
    "realisasi",
    "capaian",
    "predikat",
    "approved",
    "as_of",
    "known_at_seq",
];

/// A value for JSON and CSV: decimal strings with a dot; ratios as their
/// percentage with two places.
pub fn machine_value(v: &Value) -> Option<String> {
    match v {
        Value::Number(d) => Some(d.0.to_string()),
        Value::Ratio {
            numerator,
            denominator,
        } => scoring::ratio_percent(numerator.0, denominator.0).map(|p| numfmt::machine(p, 2)),
        Value::Grade(g) => Some(g.name().into()),
        Value::Text(t) => Some(t.clone()),
    }
}

/// One CSV row, in [`CSV_HEADER`] order.
pub fn machine_row(s: &IndicatorState, q: &Query) -> Vec<String> {
    vec![
        s.indicator.code.clone(),
        s.item.level.name().into(),
        s.indicator.name.clone(),
        s.target
            .as_ref()
            .and_then(|(_, v)| machine_value(&v.value))
            .unwrap_or_default(),
        s.realisasi.as_ref().and_then(machine_value).unwrap_or_default(),
        s.capaian
            .score()
            .map(|c| numfmt::machine(c, 2))
            .unwrap_or_default(),
        s.predikat.map(|p| p.label().to_string()).unwrap_or_default(),
        s.approved.to_string(),
        format!("{}-Q{}", q.year, q.as_of.number()),
        q.known.to_string(),
    ]
}

/// One indicator's state as a JSON object (`status --format json`).
pub fn state_json(s: &IndicatorState, q: &Query) -> serde_json::Value {
    let (numerator, denominator) = match &s.realisasi {
        Some(Value::Ratio {
            numerator,
            denominator,
        }) => (
            Some(numerator.0.normalize().to_string()),
            Some(denominator.0.normalize().to_string()),
        ),
        _ => (None, None),
    };
    let version = |v: &projection::Version| json!({"value": machine_value(&v.value), "seq": v.seq, "approved": v.approved, "replaced": &*v.replaced});
    let quarters: Vec<serde_json::Value> = s
        .quarters
        .iter()
        .map(|v| v.as_ref().map(version).unwrap_or(serde_json::Value::Null))
        .collect();
    json!({
        "code": s.indicator.code,
        "name": s.indicator.name,
        "level": s.item.level.name(),
        "item": s.item.code,
        "unit": s.indicator.unit,
        "iku": s.indicator.iku,
        "polarity": match s.indicator.polarity {
            Polarity::HigherIsBetter => "higher",
            Polarity::LowerIsBetter => "lower",
            Polarity::Grade => "grade",
        },
        "target": s.target.as_ref().and_then(|(_, v)| machine_value(&v.value)),
        "target_scope": s.target.as_ref().map(|(scope, _)| scope.to_string()),
        "target_seq": s.target.as_ref().map(|(_, v)| v.seq),
        "realisasi": s.realisasi.as_ref().and_then(machine_value),
        "numerator": numerator,
        "denominator": denominator,
        "annual": s.annual.as_ref().map(version),
        "quarters": quarters,
        "capaian": s.capaian.score().map(|c| numfmt::machine(c, 2)),
        "capaian_note": s.capaian.note(),
        "predikat": s.predikat.map(|p| p.label()),
        "approved": s.approved,
        "as_of": format!("{}-Q{}", q.year, q.as_of.number()),
        "known_at_seq": q.known,
        "approved_only": q.approved_only,
    })
}

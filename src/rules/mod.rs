//! The domain rules every event is checked against before it is appended
//! (refused) and when the ledger is verified (flagged): codes, texts, years,
//! amounts and measures within bounds, values that fit their indicator,
//! definitions before use, one version chain per figure.

use crate::event::*;
use crate::projection::*;
use crate::{Error, Result};
use rust_decimal::Decimal;

mod figures;
mod plan;
mod texts;

/// Why an event may not be appended.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// It breaks a domain rule; the text says which and how to fix it.
    #[error("{0}")]
    Rule(String),
    /// The index could not be read to decide (an integrity or store
    /// failure, never the event's fault).
    #[error(transparent)]
    Read(#[from] Error),
}

impl From<String> for Invalid {
    fn from(reason: String) -> Self {
        Invalid::Rule(reason)
    }
}

impl From<&str> for Invalid {
    fn from(reason: &str) -> Self {
        Invalid::Rule(reason.into())
    }
}

impl Invalid {
    /// The error a caller reports: a rule broken by the event `label`
    /// (refused, nothing appended), or the read failure itself.
    pub fn refused(self, label: impl FnOnce(String) -> String) -> Error {
        match self {
            Invalid::Rule(reason) => Error::Refused(label(reason)),
            Invalid::Read(e) => e,
        }
    }
}

pub(crate) fn check_code(what: &str, code: &str) -> Result<(), Invalid> {
    if code.trim().is_empty()
        || code.len() > 64
        || code.chars().any(|c| c.is_control())
        || code != code.trim()
    {
        return Err(format!(
            "{what} code '{code}' must be 1-64 printable characters without surrounding spaces"
        )
        .into());
    }
    Ok(())
}

pub(crate) fn check_text(what: &str, text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(format!("{what} is empty").into());
    }
    check_len(what, Some(text))?;
    Ok(())
}

/// Free text (notes, comments, narratives) may be empty but not huge.
pub(crate) fn check_len(what: &str, text: Option<&str>) -> Result<(), Invalid> {
    match text {
        Some(t) if t.len() > MAX_TEXT => {
            Err(format!("{what} is {} bytes, more than the limit of {MAX_TEXT}", t.len()).into())
        }
        _ => Ok(()),
    }
}

/// The longest name, reason, note or narrative text accepted, in bytes.
pub const MAX_TEXT: usize = 4096;

/// The longest part of the LKjIP text (a chapter's prose) accepted, in bytes.
pub const MAX_DOCUMENT_TEXT: usize = 65_536;

pub(crate) fn check_year(year: u16) -> Result<(), Invalid> {
    if !(1990..=2200).contains(&year) {
        return Err(format!("year {year} is out of range").into());
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

pub(crate) fn check_money(what: &str, d: &Dec) -> Result<(), Invalid> {
    if d.0.is_sign_negative() && !d.0.is_zero() {
        return Err(format!("{what} Rp {} is negative", d.0).into());
    }
    if d.0.scale() > 2 {
        return Err(format!("{what} Rp {} has more than two decimals", d.0).into());
    }
    if d.0 > MAX_AMOUNT {
        return Err(format!(
            "{what} Rp {} is more than the largest amount accepted (Rp {})",
            d.0, MAX_AMOUNT
        )
        .into());
    }
    Ok(())
}

pub(crate) fn check_measure(code: &str, d: &Dec) -> Result<(), Invalid> {
    if d.0.abs() > MAX_MEASURE {
        return Err(format!(
            "{code}: {} is larger than the largest value accepted ({MAX_MEASURE})",
            d.0
        )
        .into());
    }
    if d.0.normalize().scale() > MAX_MEASURE_SCALE {
        return Err(format!("{code}: {} has more than {MAX_MEASURE_SCALE} decimals", d.0).into());
    }
    Ok(())
}

/// Whether a value fits an indicator, as a target (`for_target`) or a
/// realisation. Ratio indicators take percentage targets and ratio entries.
pub fn check_value(ind: &IndicatorDefined, value: &Value, for_target: bool) -> Result<(), Invalid> {
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
                return Err(format!("{}: the denominator must be more than 0", ind.code).into());
            }
            if numerator.0.is_sign_negative() && !numerator.0.is_zero() {
                return Err(format!("{}: the numerator is negative", ind.code).into());
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
        return Err(format!("{} takes {expected}, not {value}", ind.code).into());
    }
    Ok(())
}

fn latest_seq(r: &dyn IndexRead, figure: Figure<'_>) -> Result<Option<u64>, Invalid> {
    Ok(latest(r, figure, Known::Head)?)
}

pub(crate) fn need_indicator(r: &dyn IndexRead, code: &str) -> Result<IndicatorDefined, Invalid> {
    match indicator(r, code, Known::Head)? {
        Some((_, i)) => Ok(i),
        None => Err(format!("unknown indicator '{code}' (define it in the plan first)").into()),
    }
}

pub(crate) fn need_item(r: &dyn IndexRead, code: &str) -> Result<PlanItemDefined, Invalid> {
    match item(r, code, Known::Head)? {
        Some((_, i)) => Ok(i),
        None => Err(format!("unknown plan item '{code}'").into()),
    }
}

pub(crate) fn check_revises(what: &str, latest: Option<u64>, revises: u64) -> Result<(), Invalid> {
    match latest {
        None => Err(format!("there is no {what} to revise").into()),
        Some(l) if l != revises => Err(format!(
            "seq {revises} is not the latest {what} (the latest is seq {l}); revise the latest"
        )
        .into()),
        Some(_) => Ok(()),
    }
}

/// Check a domain event against the plan as the index `r` knows it. The
/// same check runs at append (refuse) and in verify (flag).
pub fn validate(r: &dyn IndexRead, payload: &Payload) -> Result<(), Invalid> {
    match payload {
        Payload::PlanItemDefined(p) => plan::item_defined(r, p),
        Payload::IndicatorDefined(i) => plan::indicator_defined(r, i),
        Payload::TargetSet(t) => figures::target_set(r, t),
        Payload::TargetRevised(t) => figures::target_revised(r, t),
        Payload::RealisationRecorded(e) => figures::realisation_recorded(r, e),
        Payload::RealisationCorrected(e) => figures::realisation_corrected(r, e),
        Payload::BudgetSet(b) => figures::budget_set(r, b),
        Payload::BudgetRevised(b) => figures::budget_revised(r, b),
        Payload::SpendingRecorded(s) => figures::spending_recorded(r, s),
        Payload::NarrativeRecorded(n) => texts::narrative(r, n),
        Payload::DocumentTextRecorded(t) => texts::document_text(t),
        Payload::SignatoryRecorded(s) => texts::signatory(s),
        Payload::ReportIssued(rep) => texts::report_issued(rep),
        Payload::PlanItemRetired(x) | Payload::IndicatorRetired(x) => {
            plan::retired(r, x, matches!(payload, Payload::IndicatorRetired(_)))
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
pub(crate) fn need_account(r: &dyn IndexRead, code: &str) -> Result<(), Invalid> {
    if item(r, code, Known::Head)?.is_some() || indicator(r, code, Known::Head)?.is_some() {
        return Ok(());
    }
    Err(format!("unknown budget account '{code}' (a plan item or indicator code)").into())
}

pub(crate) fn check_scope(scope: TargetScope) -> Result<(), Invalid> {
    match scope {
        TargetScope::Quarter(q) if !(1..=4).contains(&q) => Err(format!("quarter {q} does not exist").into()),
        _ => Ok(()),
    }
}

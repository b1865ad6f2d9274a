//! The domain rules every event is checked against before it is appended
//! (refused) and when the ledger is verified (flagged): codes, texts, years,
//! amounts and measures within bounds, values that fit their indicator,
//! definitions before use, one version chain per figure.

use crate::event::*;
use crate::projection::*;
use crate::{Error, Result};
use rust_decimal::Decimal;

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
        Payload::PlanItemDefined(p) => {
            check_code("plan item", &p.code)?;
            check_text("the plan item name", &p.name)?;
            if item(r, &p.code, Known::Head)?.is_some() {
                return Err(format!("plan item '{}' is already defined", p.code).into());
            }
            match (&p.parent, p.level) {
                (None, Level::Tujuan) => Ok(()),
                (None, level) => Err(format!("{} '{}' needs a parent", level.name(), p.code).into()),
                (Some(parent), level) => {
                    let parent_item = need_item(r, parent)?;
                    if parent_item.level >= level {
                        return Err(format!(
                            "{} '{}' cannot sit under {} '{}'",
                            level.name(),
                            p.code,
                            parent_item.level.name(),
                            parent
                        )
                        .into());
                    }
                    Ok(())
                }
            }
        }
        Payload::IndicatorDefined(i) => {
            check_code("indicator", &i.code)?;
            check_text("the indicator name", &i.name)?;
            if indicator(r, &i.code, Known::Head)?.is_some() {
                return Err(format!("indicator '{}' is already defined", i.code).into());
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
                )
                .into());
            }
            if (i.polarity == Polarity::Grade) != (i.value_kind == ValueKind::Grade) {
                return Err(format!(
                    "{}: grade polarity goes with grade values and only with them",
                    i.code
                )
                .into());
            }
            if let Aggregation::Components(parts) = &i.aggregation {
                if parts.is_empty() {
                    return Err(format!("{}: a derived indicator needs components", i.code).into());
                }
                for part in parts {
                    let c = need_indicator(r, part)?;
                    if c.value_kind != ValueKind::Number {
                        return Err(format!("{}: component '{part}' is not a number", i.code).into());
                    }
                }
            }
            if let Some(cap) = i.cap {
                if cap.0 <= Decimal::ZERO {
                    return Err(format!("{}: the cap must be more than 0", i.code).into());
                }
            }
            Ok(())
        }
        Payload::TargetSet(t) => {
            check_year(t.year)?;
            let ind = need_indicator(r, &t.indicator)?;
            check_scope(t.scope)?;
            check_value(&ind, &t.value, true)?;
            if let Some(seq) = latest_seq(
                r,
                Figure::Target {
                    indicator: &t.indicator,
                    year: t.year,
                    scope: t.scope,
                },
            )? {
                return Err(format!(
                    "the {} target of {} for {} is already set (seq {seq}); revise it instead",
                    t.scope, t.indicator, t.year
                )
                .into());
            }
            Ok(())
        }
        Payload::TargetRevised(t) => {
            let ind = need_indicator(r, &t.indicator)?;
            check_scope(t.scope)?;
            check_value(&ind, &t.value, true)?;
            check_text("the reason", &t.reason)?;
            check_text("the legal basis", &t.basis)?;
            let latest = latest_seq(
                r,
                Figure::Target {
                    indicator: &t.indicator,
                    year: t.year,
                    scope: t.scope,
                },
            )?;
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
                )
                .into());
            }
            if e.period.quarter > 4 {
                return Err(format!("quarter {} does not exist", e.period.quarter).into());
            }
            check_value(&ind, &e.value, false)?;
            check_len("the note", e.note.as_deref())?;
            if let Some(seq) = latest_seq(
                r,
                Figure::Realisation {
                    indicator: &e.indicator,
                    period: e.period,
                },
            )? {
                if seq >= r.batch_start() {
                    return Err(format!(
                        "realisasi of {} for {} appears twice in this import",
                        e.indicator, e.period
                    )
                    .into());
                }
                return Err(format!(
                    "realisasi of {} for {} is already recorded (seq {seq}); correct it with `sakip correct {seq}`",
                    e.indicator, e.period
                ).into());
            }
            Ok(())
        }
        Payload::RealisationCorrected(e) => {
            let ind = need_indicator(r, &e.indicator)?;
            check_value(&ind, &e.value, false)?;
            check_text("the reason", &e.reason)?;
            let latest = latest_seq(
                r,
                Figure::Realisation {
                    indicator: &e.indicator,
                    period: e.period,
                },
            )?;
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
            if let Some(seq) = latest_seq(
                r,
                Figure::Pagu {
                    account: &b.account,
                    year: b.year,
                },
            )? {
                return Err(format!(
                    "the pagu of {} for {} is already set (seq {seq}); revise it",
                    b.account, b.year
                )
                .into());
            }
            Ok(())
        }
        Payload::BudgetRevised(b) => {
            need_account(r, &b.account)?;
            check_money("pagu", &b.pagu)?;
            check_text("the reason", &b.reason)?;
            check_text("the legal basis", &b.basis)?;
            let latest = latest_seq(
                r,
                Figure::Pagu {
                    account: &b.account,
                    year: b.year,
                },
            )?;
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
        Payload::DocumentTextRecorded(t) => {
            check_year(t.year)?;
            if DocumentSection::from_name(&t.section).is_none() {
                let names: Vec<&str> = DocumentSection::ALL.iter().map(|s| s.name()).collect();
                return Err(format!(
                    "'{}' is not a part of the LKjIP text (one of: {})",
                    t.section,
                    names.join(", ")
                )
                .into());
            }
            if t.text.len() > MAX_DOCUMENT_TEXT {
                return Err(format!(
                    "the text is {} bytes, more than the limit of {MAX_DOCUMENT_TEXT}",
                    t.text.len()
                )
                .into());
            }
            if t.text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
            {
                return Err("the text holds control characters (only line breaks and tabs are kept)".into());
            }
            Ok(())
        }
        Payload::SignatoryRecorded(s) => {
            check_year(s.year)?;
            check_text("the name", &s.name)?;
            check_text("the NIP", &s.nip)?;
            check_text("the position", &s.position)?;
            check_len("the rank", Some(&s.rank))?;
            check_text("the place", &s.place)?;
            for (what, text) in [
                ("the name", &s.name),
                ("the NIP", &s.nip),
                ("the position", &s.position),
                ("the rank", &s.rank),
                ("the place", &s.place),
            ] {
                if text.contains(['\n', '\r']) {
                    return Err(format!("{what} is one line").into());
                }
            }
            if chrono::NaiveDate::parse_from_str(&s.date, "%Y-%m-%d").is_err() || s.date.len() != 10 {
                return Err(format!("the date '{}' is not a date YYYY-MM-DD", s.date).into());
            }
            Ok(())
        }
        Payload::ReportIssued(rep) => {
            check_year(rep.year)?;
            if !(1..=4).contains(&rep.as_of) {
                return Err(format!("quarter {} does not exist", rep.as_of).into());
            }
            if rep.report_kind().is_none() {
                let names: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
                return Err(format!(
                    "'{}' is not a report kind (one of: {})",
                    rep.kind,
                    names.join(", ")
                )
                .into());
            }
            if rep.report_format().is_none() && rep.format != EXTERNAL_FORMAT {
                return Err(format!(
                    "'{}' is not a report format (md, csv, json, html, xlsx, or {EXTERNAL_FORMAT} for a document issued outside sakip)",
                    rep.format
                )
                .into());
            }
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
            if let Some(y) = retired_from(r, &x.code, Known::Head)? {
                if y <= x.year {
                    return Err(format!("{} is already retired from {y}", x.code).into());
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

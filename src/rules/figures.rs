//! The rules of figures: targets, realisations and their corrections, pagu
//! and spending, each figure one chain of versions.

use super::*;

/// A first target of a defined indicator.
pub(super) fn target_set(r: &dyn IndexRead, t: &TargetSet) -> Result<(), Invalid> {
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

/// A target revised: of the latest version, with a reason and basis.
pub(super) fn target_revised(r: &dyn IndexRead, t: &TargetRevised) -> Result<(), Invalid> {
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

/// A realisation: of a defined indicator for a period it measures, once.
pub(super) fn realisation_recorded(r: &dyn IndexRead, e: &RealisationRecorded) -> Result<(), Invalid> {
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
        )
        .into());
    }
    Ok(())
}

/// A correction: of the latest version of the same realisation.
pub(super) fn realisation_corrected(r: &dyn IndexRead, e: &RealisationCorrected) -> Result<(), Invalid> {
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

/// A first pagu of a budget account.
pub(super) fn budget_set(r: &dyn IndexRead, b: &BudgetSet) -> Result<(), Invalid> {
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

/// A pagu revised: of the latest version.
pub(super) fn budget_revised(r: &dyn IndexRead, b: &BudgetRevised) -> Result<(), Invalid> {
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

/// Spending of a budget account in a quarter.
pub(super) fn spending_recorded(r: &dyn IndexRead, s: &SpendingRecorded) -> Result<(), Invalid> {
    check_year(s.period.year)?;
    need_account(r, &s.account)?;
    if !(1..=4).contains(&s.period.quarter) {
        return Err("spending is recorded per quarter (1-4)".into());
    }
    check_len("the note", s.note.as_deref())?;
    check_money("spending", &s.amount)
}

//! The rules of the plan: plan items, indicators and their retirement.

use super::*;

/// A plan item: a new code under a parent of a higher level.
pub(super) fn item_defined(r: &dyn IndexRead, p: &PlanItemDefined) -> Result<(), Invalid> {
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

/// An indicator: a new code on a plan item, its kind, polarity and aggregation fitting together.
pub(super) fn indicator_defined(r: &dyn IndexRead, i: &IndicatorDefined) -> Result<(), Invalid> {
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

/// A retirement: of a defined item or indicator, earlier than any before it.
pub(super) fn retired(r: &dyn IndexRead, x: &Retired, indicator: bool) -> Result<(), Invalid> {
    check_year(x.year)?;
    check_text("the reason", &x.reason)?;
    if indicator {
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

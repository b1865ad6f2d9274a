//! Values and dates as reports, pages and terminals show them, in the
//! official Indonesian formats (`98,92% (4.383/4.765)`, `25 Februari 2022`):
//! one place, so every front end and document prints a figure alike.

use crate::event::{IndicatorDefined, Value, ValueKind};
use crate::{numfmt, scoring};

/// A value as reports print it (Indonesian formats; ratios as percentages
/// with their numerator and denominator).
pub fn show_value(ind: &IndicatorDefined, value: &Value) -> String {
    match value {
        Value::Ratio {
            numerator,
            denominator,
        } => match scoring::ratio_percent(numerator.0, denominator.0) {
            Some(p) => format!(
                "{} ({}/{})",
                numfmt::percent(p),
                numfmt::format_plain(numerator.0),
                numfmt::format_plain(denominator.0)
            ),
            None => "-".into(),
        },
        Value::Number(d) if ind.value_kind == ValueKind::Ratio || ind.unit == "%" => {
            format!("{}%", numfmt::format_plain(d.0))
        }
        Value::Number(d) => numfmt::format_plain(d.0),
        Value::Grade(g) => g.name().into(),
        Value::Text(t) => t.clone(),
    }
}

/// "2022-02-25" as "25 Februari 2022"; anything else as it is.
pub fn long_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => {
            use chrono::Datelike;
            format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
        }
        Err(_) => date.to_string(),
    }
}

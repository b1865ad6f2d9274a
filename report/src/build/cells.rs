//! The cells and tables every report kind is made of: values, capaian,
//! predikat, percentages and Rupiah as the office formats print them.

use super::*;

pub(super) fn value_cell(ind: &IndicatorDefined, value: Option<&Value>) -> Cell {
    match value {
        None => Cell::text("-"),
        Some(v) => match scoring::numeric(v) {
            Some(n) if !matches!(v, Value::Text(_) | Value::Grade(_)) => Cell::num(show_value(ind, v), n),
            _ => Cell::text(show_value(ind, v)),
        },
    }
}

pub(super) fn capaian_cell(s: &IndicatorState) -> Cell {
    match s.capaian.score() {
        Some(c) => Cell::num(numfmt::percent(c), numfmt::round(c, 2)),
        None => Cell::text(s.capaian.note().unwrap_or_default()),
    }
}

pub(super) fn predikat_cell(s: &IndicatorState) -> Cell {
    Cell::text(s.predikat.map(|p| p.label()).unwrap_or("-"))
}

pub(super) fn percent_cell(v: Option<Decimal>) -> Cell {
    match v {
        Some(v) => Cell::num(numfmt::percent(v), numfmt::round(v, 2)),
        None => Cell::text("-"),
    }
}

pub(super) fn money_cell(v: Option<Decimal>) -> Cell {
    match v {
        Some(v) => Cell::num(numfmt::format(v, if v.fract().is_zero() { 0 } else { 2 }), v),
        None => Cell::text("-"),
    }
}

/// A row with a mean capaian at column `at` (and its predikat after it); the
/// label goes in the second column, where the names are.
pub(super) fn mean_row(label: &str, scores: &[Decimal], width: usize, at: usize) -> Vec<Cell> {
    let mut row = vec![Cell::text(""); width];
    row[1] = Cell::text(label);
    if let Some(m) = scoring::mean(scores) {
        row[at] = Cell::num(numfmt::percent(m), numfmt::round(m, 2));
        if at + 1 < width {
            row[at + 1] = Cell::text(scoring::predikat(m).label());
        }
    }
    row
}

pub(super) fn table(
    title: impl Into<String>,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
    footer: Vec<Vec<Cell>>,
) -> Block {
    Block::Table(Table {
        title: title.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        footer,
    })
}

/// CSS class of a predikat.
pub fn predikat_class(p: Predikat) -> &'static str {
    match p {
        Predikat::SangatTinggi => "sangat-tinggi",
        Predikat::Tinggi => "tinggi",
        Predikat::Sedang => "sedang",
        Predikat::Rendah => "rendah",
        Predikat::SangatRendah => "sangat-rendah",
    }
}

/// Where a budget figure comes from, for the "Sumber angka" column.
pub(super) fn source_cell(figure: Option<Figure>, level: Option<Level>) -> Cell {
    match figure {
        Some(f) => Cell::text(f.source.label(level)),
        None => Cell::text("belum ada anggaran"),
    }
}

/// A label printed on the first row of its group only (the sasaran, its
/// number, the tujuan), blank on the rows below as the official tables
/// merge it.
pub(super) fn first_only(first: bool, label: impl Into<String>) -> Cell {
    Cell::text(if first { label.into() } else { String::new() })
}

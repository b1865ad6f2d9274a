//! Imports: the plan (TOML), realisations and budget lines (CSV), turned
//! into event payloads with a label per item that names file and line (or
//! table and entry) for errors. Values are parsed by the indicator's value
//! kind; numbers in Indonesian format. An import is appended as one batch:
//! all rows or none. This module reads the ledger's index but never writes.
//!
//! Formats: `schema/plan.schema.json`, `schema/realisasi.csv.md`,
//! `schema/anggaran.csv.md`.

use crate::event::*;
use crate::projection::Known;
use crate::projection::{self, Figure, IndexRead};
use crate::{limits, numfmt, period, Error, Result};
use serde::Deserialize;
use std::collections::HashMap;

/// Payloads with the label of the line or entry each came from.
pub type Labelled = Vec<(Payload, String)>;

/// A field of an input row or file that cannot be used; the caller adds
/// where it is (file, line, table).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadField(String);

impl BadField {
    /// A read of the ledger failed while checking a field. Kept as text
    /// here; [`Error`] is rebuilt by the caller only for input errors, so
    /// this stays an input error that names the failure.
    fn read(e: Error) -> BadField {
        BadField(e.to_string())
    }
}

impl From<String> for BadField {
    fn from(reason: String) -> Self {
        BadField(reason)
    }
}

impl From<&str> for BadField {
    fn from(reason: &str) -> Self {
        BadField(reason.into())
    }
}

/// Parse a target or realisation value for an indicator.
pub fn parse_value(
    ind: &IndicatorDefined,
    value: Option<&str>,
    numerator: Option<&str>,
    denominator: Option<&str>,
    for_target: bool,
) -> Result<Value, BadField> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    let numerator = numerator.map(str::trim).filter(|v| !v.is_empty());
    let denominator = denominator.map(str::trim).filter(|v| !v.is_empty());
    let dec = |field: &str, text: &str| numfmt::parse(text).map(Dec).map_err(|e| format!("{field}: {e}"));
    let v = match (ind.value_kind, for_target) {
        (ValueKind::Ratio, false) => match (numerator, denominator) {
            (Some(n), Some(d)) => Value::Ratio {
                numerator: dec("numerator", n)?,
                denominator: dec("denominator", d)?,
            },
            _ => return Err(format!("{} is a ratio: give numerator and denominator", ind.code).into()),
        },
        (ValueKind::Number | ValueKind::Ratio, _) => Value::Number(dec(
            "value",
            value.ok_or_else(|| BadField(format!("{}: value is missing", ind.code)))?,
        )?),
        (ValueKind::Grade, _) => {
            let text = value.ok_or_else(|| BadField(format!("{}: value is missing", ind.code)))?;
            Value::Grade(Grade::parse(text).ok_or_else(|| {
                BadField(format!(
                    "value: '{text}' is not a SAKIP grade (AA, A, BB, B, CC, C, D)"
                ))
            })?)
        }
        (ValueKind::Text, _) => Value::Text(
            value
                .ok_or_else(|| BadField(format!("{}: value is missing", ind.code)))?
                .to_string(),
        ),
    };
    if ind.value_kind != ValueKind::Ratio && (numerator.is_some() || denominator.is_some()) {
        return Err(format!(
            "{} is not a ratio: leave numerator and denominator empty",
            ind.code
        )
        .into());
    }
    crate::rules::check_value(ind, &v, for_target).map_err(|e| BadField(e.to_string()))?;
    Ok(v)
}

// ---------------------------------------------------------------- plan (TOML)

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    #[serde(default)]
    item: Vec<ItemRow>,
    #[serde(default)]
    indicator: Vec<IndicatorRow>,
    #[serde(default)]
    target: Vec<TargetRow>,
    #[serde(default)]
    pagu: Vec<PaguRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemRow {
    code: String,
    level: String,
    name: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorRow {
    code: String,
    item: String,
    name: String,
    unit: String,
    #[serde(default = "default_polarity")]
    polarity: String,
    #[serde(default = "default_kind")]
    kind: String,
    #[serde(default = "default_aggregation")]
    aggregation: String,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default = "default_rule")]
    lower_rule: String,
    cap: Option<String>,
    #[serde(default)]
    iku: bool,
    formula: Option<String>,
    source: Option<String>,
}

fn default_polarity() -> String {
    "higher".into()
}
fn default_kind() -> String {
    "number".into()
}
fn default_aggregation() -> String {
    "last".into()
}
fn default_rule() -> String {
    "inverse".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRow {
    indicator: String,
    year: u16,
    #[serde(default = "default_scope")]
    scope: String,
    value: String,
    #[serde(default)]
    revise: bool,
    reason: Option<String>,
    basis: Option<String>,
}

fn default_scope() -> String {
    "pk".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaguRow {
    account: String,
    year: u16,
    pagu: String,
    #[serde(default)]
    revise: bool,
    reason: Option<String>,
    basis: Option<String>,
}

fn pick<T: Copy>(field: &str, text: &str, options: &[(&str, T)]) -> Result<T, BadField> {
    let t = text.trim().to_ascii_lowercase();
    options
        .iter()
        .find(|(name, _)| *name == t)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            BadField(format!(
                "field '{field}': '{text}' is not one of {}",
                names.join(", ")
            ))
        })
}

/// A TOML error as one line: `file:line: message`.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> Error {
    // Count lines in bytes: a span need not fall on a character boundary.
    let line = e.span().map(|s| {
        text.as_bytes()[..s.start.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    });
    let message = e.message().trim().replace('\n', " ");
    match line {
        Some(line) => Error::Input(format!("{file}:{line}: {message}")),
        None => Error::Input(format!("{file}: {message}")),
    }
}

/// Parse a target scope: `pk` (the year's target), `TW1`..`TW4`, `renstra`.
pub fn parse_scope(text: &str) -> Result<TargetScope, BadField> {
    pick(
        "scope",
        text,
        &[
            ("pk", TargetScope::Year),
            ("year", TargetScope::Year),
            ("tw1", TargetScope::Quarter(1)),
            ("tw2", TargetScope::Quarter(2)),
            ("tw3", TargetScope::Quarter(3)),
            ("tw4", TargetScope::Quarter(4)),
            ("renstra", TargetScope::Renstra),
        ],
    )
}

fn indicator_from_row(row: &IndicatorRow) -> Result<IndicatorDefined, BadField> {
    let aggregation = match row.aggregation.trim().to_ascii_lowercase().as_str() {
        "last" | "last_quarter" => Aggregation::LastQuarter,
        "sum" => Aggregation::Sum,
        "ratio_of_sums" => Aggregation::RatioOfSums,
        "components" => Aggregation::Components(row.components.clone()),
        other => {
            return Err(format!(
                "field 'aggregation': '{other}' is not one of last, sum, ratio_of_sums, components"
            )
            .into())
        }
    };
    if !row.components.is_empty() && !matches!(aggregation, Aggregation::Components(_)) {
        return Err("field 'components' needs aggregation = \"components\"".into());
    }
    Ok(IndicatorDefined {
        code: row.code.clone(),
        name: row.name.clone(),
        item: row.item.clone(),
        unit: row.unit.clone(),
        polarity: pick(
            "polarity",
            &row.polarity,
            &[
                ("higher", Polarity::HigherIsBetter),
                ("lower", Polarity::LowerIsBetter),
                ("grade", Polarity::Grade),
            ],
        )?,
        value_kind: pick(
            "kind",
            &row.kind,
            &[
                ("number", ValueKind::Number),
                ("ratio", ValueKind::Ratio),
                ("grade", ValueKind::Grade),
                ("text", ValueKind::Text),
            ],
        )?,
        aggregation,
        lower_rule: pick(
            "lower_rule",
            &row.lower_rule,
            &[
                ("inverse", LowerRule::Inverse),
                ("twice_target_minus", LowerRule::TwiceTargetMinus),
            ],
        )?,
        cap: match &row.cap {
            Some(c) => Some(Dec(numfmt::parse(c).map_err(|e| format!("field 'cap': {e}"))?)),
            None => None,
        },
        iku: row.iku,
        formula: row.formula.clone(),
        source: row.source.clone(),
    })
}

fn revision_text(field: &str, value: &Option<String>) -> Result<String, BadField> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(format!("field '{field}' is required for a revision").into()),
    }
}

/// Parse a plan file into payloads: items, indicators, targets, pagu, in
/// that order. `r` answers for indicators and latest versions already in the
/// ledger; `stage` is recorded on revisions.
pub fn plan(file: &str, text: &str, r: &dyn IndexRead, stage: Stage) -> Result<Labelled> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed: PlanFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    let mut out: Labelled = Vec::new();
    let fail =
        |table: &str, n: usize, msg: BadField| Error::Input(format!("{file}: [[{table}]] #{n}: {msg}"));
    for (i, row) in parsed.item.iter().enumerate() {
        let level = pick(
            "level",
            &row.level,
            &[
                ("tujuan", Level::Tujuan),
                ("sasaran", Level::Sasaran),
                ("program", Level::Program),
                ("kegiatan", Level::Kegiatan),
                ("sub_kegiatan", Level::SubKegiatan),
            ],
        )
        .map_err(|e| fail("item", i + 1, e))?;
        out.push((
            Payload::PlanItemDefined(PlanItemDefined {
                code: row.code.clone(),
                level,
                name: row.name.clone(),
                parent: row.parent.clone(),
            }),
            format!("{file}: [[item]] #{} ({})", i + 1, row.code),
        ));
    }
    let mut new_indicators: HashMap<String, IndicatorDefined> = HashMap::new();
    for (i, row) in parsed.indicator.iter().enumerate() {
        let ind = indicator_from_row(row).map_err(|e| fail("indicator", i + 1, e))?;
        new_indicators.insert(ind.code.clone(), ind.clone());
        out.push((
            Payload::IndicatorDefined(ind),
            format!("{file}: [[indicator]] #{} ({})", i + 1, row.code),
        ));
    }
    let find = |code: &str| -> Result<IndicatorDefined, BadField> {
        if let Some(i) = new_indicators.get(code) {
            return Ok(i.clone());
        }
        match projection::indicator(r, code, Known::Head).map_err(BadField::read)? {
            Some((_, i)) => Ok(i),
            None => Err(format!("field 'indicator': unknown indicator '{code}'").into()),
        }
    };
    for (i, row) in parsed.target.iter().enumerate() {
        let n = i + 1;
        let ind = find(&row.indicator).map_err(|e| fail("target", n, e))?;
        let scope = parse_scope(&row.scope).map_err(|e| fail("target", n, e))?;
        let value =
            parse_value(&ind, Some(&row.value), None, None, true).map_err(|e| fail("target", n, e))?;
        let label = format!("{file}: [[target]] #{n} ({} {} {scope})", row.indicator, row.year);
        let payload = if row.revise {
            let reason = revision_text("reason", &row.reason).map_err(|e| fail("target", n, e))?;
            let basis = revision_text("basis", &row.basis).map_err(|e| fail("target", n, e))?;
            let revises = projection::latest(
                r,
                Figure::Target {
                    indicator: &row.indicator,
                    year: row.year,
                    scope,
                },
                Known::Head,
            )?
            .ok_or_else(|| {
                fail(
                    "target",
                    n,
                    format!("there is no {scope} target of {} to revise", row.indicator).into(),
                )
            })?;
            Payload::TargetRevised(TargetRevised {
                indicator: row.indicator.clone(),
                year: row.year,
                scope,
                value,
                stage,
                reason,
                basis,
                revises,
            })
        } else {
            Payload::TargetSet(TargetSet {
                indicator: row.indicator.clone(),
                year: row.year,
                scope,
                value,
                stage,
            })
        };
        out.push((payload, label));
    }
    for (i, row) in parsed.pagu.iter().enumerate() {
        let n = i + 1;
        let pagu = Dec(numfmt::parse_money(&row.pagu)
            .map_err(|e| fail("pagu", n, format!("field 'pagu': {e}").into()))?);
        let label = format!("{file}: [[pagu]] #{n} ({} {})", row.account, row.year);
        let payload = if row.revise {
            let reason = revision_text("reason", &row.reason).map_err(|e| fail("pagu", n, e))?;
            let basis = revision_text("basis", &row.basis).map_err(|e| fail("pagu", n, e))?;
            let revises = latest_pagu(r, &row.account, row.year)?.ok_or_else(|| {
                fail(
                    "pagu",
                    n,
                    format!("there is no pagu of {} to revise", row.account).into(),
                )
            })?;
            Payload::BudgetRevised(BudgetRevised {
                account: row.account.clone(),
                year: row.year,
                pagu,
                stage,
                reason,
                basis,
                revises,
            })
        } else {
            Payload::BudgetSet(BudgetSet {
                account: row.account.clone(),
                year: row.year,
                pagu,
            })
        };
        out.push((payload, label));
    }
    Ok(out)
}

fn latest_pagu(r: &dyn IndexRead, account: &str, year: u16) -> Result<Option<u64>> {
    projection::latest(r, Figure::Pagu { account, year }, Known::Head)
}

// ---------------------------------------------------------------- CSV

/// Read a CSV file into (line number, field map) rows. Accepts a UTF-8 BOM,
/// CRLF, and `;` as the delimiter when the header uses it (spreadsheets with
/// an Indonesian locale write `;` because `,` is the decimal mark).
fn csv_rows(file: &str, text: &str, required: &[&str], optional: &[&str]) -> Result<Vec<Row>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Line endings as one: the csv reader counts lines of CRLF files one
    // short, and an error must name the line a spreadsheet shows.
    let text = text.replace("\r\n", "\n");
    let text = text.as_str();
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Input(format!("{file}:1: cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for need in required {
        if !headers.iter().any(|h| h == need) {
            return Err(Error::Input(format!(
                "{file}:1: the header lacks column '{need}' (expected columns: {})",
                required.join(",")
            )));
        }
    }
    for h in &headers {
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            return Err(Error::Input(format!("{file}:1: unknown column '{h}'")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::Input(format!("{file}:{line}: malformed row ({e})"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cells = headers
            .iter()
            .cloned()
            .zip(record.iter().map(|f| f.trim().to_string()))
            .collect();
        rows.push(Row {
            place: Place::Line {
                file: file.to_string(),
                line,
            },
            cells,
        });
        // Counted as the rows stream by: a file of a million rows is
        // refused at its 100.001st, not after all of it is held.
        if rows.len() > limits::MAX_IMPORT_ROWS {
            return Err(Error::Input(format!(
                "{file}:{line}: more than {} rows; split the file",
                limits::MAX_IMPORT_ROWS
            )));
        }
    }
    Ok(rows)
}

fn field<'a>(map: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    map.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// Where a row of an imported file is, for labels and errors.
#[derive(Clone, Debug)]
pub enum Place {
    /// A CSV line.
    Line {
        /// The file's name.
        file: String,
        /// The line, counted from 1.
        line: u64,
    },
    /// A worksheet row, with each column's letter.
    Cell {
        /// The file's name.
        file: String,
        /// The worksheet's name.
        sheet: String,
        /// The row, counted from 1.
        row: u32,
        /// Each column name's letter (`indicator` -> `A`).
        letters: HashMap<String, String>,
    },
}

impl Place {
    /// The row, as refusals name it: `file.csv:12`, `file.xlsx!Sheet!A12`.
    pub fn label(&self) -> String {
        match self {
            Place::Line { file, line } => format!("{file}:{line}"),
            Place::Cell { file, sheet, row, .. } => format!("{file}!{sheet}!A{row}"),
        }
    }

    /// The cell of column `col`: `file.csv:12`, `file.xlsx!Sheet!E12`.
    pub fn cell(&self, col: &str) -> String {
        match self {
            Place::Line { .. } => self.label(),
            Place::Cell {
                file,
                sheet,
                row,
                letters,
            } => format!(
                "{file}!{sheet}!{}{row}",
                letters.get(col).map_or("A", String::as_str)
            ),
        }
    }
}

/// One row of an imported file: where it is and its cells by column name
/// (from CSV here, from a workbook in `sakip-report`).
#[derive(Clone, Debug)]
pub struct Row {
    /// Where the row is.
    pub place: Place,
    /// Its cells, by lower-case column name.
    pub cells: HashMap<String, String>,
}

/// Realisation CSV: `indicator,period,value,numerator,denominator,note`.
pub fn realisasi(file: &str, text: &str, r: &dyn IndexRead) -> Result<Labelled> {
    realisasi_rows(csv_rows(file, text, REALISASI_REQUIRED, REALISASI_OPTIONAL)?, r)
}

/// The columns of a realisasi file.
pub const REALISASI_REQUIRED: &[&str] = &["indicator", "period"];
/// The optional columns of a realisasi file.
pub const REALISASI_OPTIONAL: &[&str] = &["value", "numerator", "denominator", "note"];
/// The columns of an anggaran file.
pub const ANGGARAN_REQUIRED: &[&str] = &["account", "period", "jenis", "amount"];
/// The optional columns of an anggaran file.
pub const ANGGARAN_OPTIONAL: &[&str] = &["reason", "basis", "note"];

/// Realisations from rows read from any file, checked as the CSV's are.
pub fn realisasi_rows(rows: Vec<Row>, r: &dyn IndexRead) -> Result<Labelled> {
    let mut out = Vec::new();
    for Row { place, cells: row } in rows {
        let at = |col: &str, msg: String| {
            let msg = msg
                .strip_prefix(&format!("{col}: "))
                .map(str::to_string)
                .unwrap_or(msg);
            Error::Input(format!("{}: column '{col}': {msg}", place.cell(col)))
        };
        let code = field(&row, "indicator").ok_or_else(|| at("indicator", "empty".into()))?;
        let ind = projection::indicator(r, code, Known::Head)?
            .map(|(_, i)| i)
            .ok_or_else(|| at("indicator", format!("unknown indicator '{code}'")))?;
        let period =
            period::parse(field(&row, "period").unwrap_or("")).map_err(|e| at("period", e.to_string()))?;
        let value = parse_value(
            &ind,
            field(&row, "value"),
            field(&row, "numerator"),
            field(&row, "denominator"),
            false,
        )
        .map_err(|e| {
            let e = e.to_string();
            let col = if e.starts_with("numerator") {
                "numerator"
            } else if e.starts_with("denominator") {
                "denominator"
            } else {
                "value"
            };
            at(col, e)
        })?;
        out.push((
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: code.to_string(),
                period,
                value,
                note: field(&row, "note").map(str::to_string),
            }),
            place.label(),
        ));
    }
    Ok(out)
}

/// Budget CSV: `account,period,jenis,amount,reason,basis,note`; `jenis` is
/// `pagu` (period = year; a second pagu is a revision and needs reason and
/// basis) or `realisasi` (spending in a quarter).
pub fn anggaran(file: &str, text: &str, r: &dyn IndexRead, stage: Stage) -> Result<Labelled> {
    anggaran_rows(
        csv_rows(file, text, ANGGARAN_REQUIRED, ANGGARAN_OPTIONAL)?,
        r,
        stage,
    )
}

/// Budget lines from rows read from any file, checked as the CSV's are.
pub fn anggaran_rows(rows: Vec<Row>, r: &dyn IndexRead, stage: Stage) -> Result<Labelled> {
    let mut out = Vec::new();
    for Row { place, cells: row } in rows {
        let at = |col: &str, msg: String| Error::Input(format!("{}: column '{col}': {msg}", place.cell(col)));
        let account = field(&row, "account").ok_or_else(|| at("account", "empty".into()))?;
        if projection::item(r, account, Known::Head)?.is_none()
            && projection::indicator(r, account, Known::Head)?.is_none()
        {
            return Err(at(
                "account",
                format!("unknown budget account '{account}' (a plan item or indicator code)"),
            ));
        }
        let period =
            period::parse(field(&row, "period").unwrap_or("")).map_err(|e| at("period", e.to_string()))?;
        let amount = Dec(numfmt::parse_money(field(&row, "amount").unwrap_or(""))
            .map_err(|e| at("amount", e.to_string()))?);
        let label = place.label();
        let payload = match field(&row, "jenis").unwrap_or("").to_ascii_lowercase().as_str() {
            "pagu" => {
                if period.quarter != 0 {
                    return Err(at(
                        "period",
                        format!("a pagu is for a year; write {}", period.year),
                    ));
                }
                match latest_pagu(r, account, period.year)? {
                    None => Payload::BudgetSet(BudgetSet {
                        account: account.into(),
                        year: period.year,
                        pagu: amount,
                    }),
                    Some(revises) => Payload::BudgetRevised(BudgetRevised {
                        account: account.into(),
                        year: period.year,
                        pagu: amount,
                        stage,
                        reason: field(&row, "reason")
                            .ok_or_else(|| {
                                at(
                                    "reason",
                                    format!(
                                        "the pagu is already set (seq {revises}); a revision needs a reason"
                                    ),
                                )
                            })?
                            .into(),
                        basis: field(&row, "basis")
                            .ok_or_else(|| at("basis", "a revision needs its legal basis".into()))?
                            .into(),
                        revises,
                    }),
                }
            }
            "realisasi" => {
                if period.quarter == 0 {
                    return Err(at(
                        "period",
                        format!("spending is per quarter; write e.g. {}-Q4", period.year),
                    ));
                }
                Payload::SpendingRecorded(SpendingRecorded {
                    account: account.into(),
                    period,
                    amount,
                    note: field(&row, "note").map(str::to_string),
                })
            }
            other => return Err(at("jenis", format!("'{other}' is not one of pagu, realisasi"))),
        };
        out.push((payload, label));
    }
    Ok(out)
}

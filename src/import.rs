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
use crate::workbook::workbook_bounds;
use crate::{limits, numfmt, period, Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

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
enum Place {
    /// A CSV line.
    Line { file: String, line: u64 },
    /// A worksheet row, with each column's letter.
    Cell {
        file: String,
        sheet: String,
        row: u32,
        letters: HashMap<String, String>,
    },
}

impl Place {
    /// The row, as refusals name it: `file.csv:12`, `file.xlsx!Sheet!A12`.
    fn label(&self) -> String {
        match self {
            Place::Line { file, line } => format!("{file}:{line}"),
            Place::Cell { file, sheet, row, .. } => format!("{file}!{sheet}!A{row}"),
        }
    }

    /// The cell of column `col`: `file.csv:12`, `file.xlsx!Sheet!E12`.
    fn cell(&self, col: &str) -> String {
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

/// One row of an imported file: where it is and its cells by column name.
#[derive(Clone, Debug)]
struct Row {
    place: Place,
    cells: HashMap<String, String>,
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

fn realisasi_rows(rows: Vec<Row>, r: &dyn IndexRead) -> Result<Labelled> {
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

fn anggaran_rows(rows: Vec<Row>, r: &dyn IndexRead, stage: Stage) -> Result<Labelled> {
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

pub use crate::limits::MAX_XLSX_BYTES;

/// Realisations from a workbook (a `sakip template realisasi` or any
/// workbook with the documented columns), checked exactly as the CSV is;
/// errors name the cell (`file.xlsx!Realisasi!E12`). The notes say where a
/// formula's cached value was used.
pub fn realisasi_xlsx(file: &str, bytes: &[u8], r: &dyn IndexRead) -> Result<(Labelled, Vec<String>)> {
    let (rows, notes) = xlsx_rows(file, bytes, REALISASI_REQUIRED, REALISASI_OPTIONAL)?;
    Ok((realisasi_rows(rows, r)?, notes))
}

/// Budget lines from a workbook, as [`anggaran`] reads them from CSV.
pub fn anggaran_xlsx(
    file: &str,
    bytes: &[u8],
    r: &dyn IndexRead,
    stage: Stage,
) -> Result<(Labelled, Vec<String>)> {
    let (rows, notes) = xlsx_rows(file, bytes, ANGGARAN_REQUIRED, ANGGARAN_OPTIONAL)?;
    Ok((anggaran_rows(rows, r, stage)?, notes))
}

/// Whether `bytes` look like a workbook (a zip container).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Column letters: 0 -> A, 25 -> Z, 26 -> AA.
fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell's value as the CSV parser reads it: text as typed, a number in
/// Indonesian format (`20,4`, `4500`).
/// Why a worksheet cell cannot be read as an entry.
#[derive(Debug)]
struct BadCell(String);

fn cell_text(d: &calamine::Data) -> std::result::Result<String, BadCell> {
    use calamine::Data;
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.is_finite() => {
            let shown = format!("{f}");
            let plain = if shown.contains('e') {
                rust_decimal::Decimal::from_f64_retain(*f)
                    .map(|d| d.normalize().to_string())
                    .unwrap_or(shown)
            } else {
                shown
            };
            plain.replace('.', ",")
        }
        Data::Float(_) => return Err(BadCell("is not a finite number".into())),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(t) => t.to_string(),
        Data::Error(e) => return Err(BadCell(format!("holds the error value {e}"))),
    })
}

/// The cells of one worksheet that hold something, by row and column
/// (0-based), read as a stream: a cell far away costs one entry, not the
/// rows and columns up to it.
struct SheetCells {
    rows: BTreeMap<u32, BTreeMap<u32, calamine::Data>>,
    formulas: HashMap<(u32, u32), String>,
}

/// Read `sheet` cell by cell, refusing a cell outside the bounds a
/// workbook may span ([`limits::MAX_SHEET_ROWS`], [`limits::MAX_SHEET_COLUMNS`])
/// or more cells than [`limits::MAX_SHEET_CELLS`].
fn sheet_cells<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<RS>,
    file: &str,
    sheet: &str,
) -> Result<SheetCells> {
    let unreadable = |e: calamine::XlsxError| Error::Input(format!("{file}!{sheet}: cannot be read ({e})"));
    let outside = |(row, col): (u32, u32)| {
        Error::Input(format!(
            "{file}!{sheet}: the cell {}{} lies outside the {} rows and {} columns a workbook may use; delete what lies beyond the entries (or split the workbook)",
            column_letters(col),
            u64::from(row) + 1,
            limits::MAX_SHEET_ROWS,
            limits::MAX_SHEET_COLUMNS
        ))
    };
    let too_many = || {
        Error::Input(format!(
            "{file}!{sheet}: more than {} cells; split the workbook",
            limits::MAX_SHEET_CELLS
        ))
    };
    let in_bounds = |(row, col): (u32, u32)| row < limits::MAX_SHEET_ROWS && col < limits::MAX_SHEET_COLUMNS;
    let mut rows: BTreeMap<u32, BTreeMap<u32, calamine::Data>> = BTreeMap::new();
    let mut seen = 0u64;
    {
        let mut cells = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            seen += 1;
            if seen > limits::MAX_SHEET_CELLS {
                return Err(too_many());
            }
            let pos = cell.get_position();
            let value: calamine::Data = cell.get_value().clone().into();
            if matches!(value, calamine::Data::Empty) {
                continue;
            }
            if !in_bounds(pos) {
                return Err(outside(pos));
            }
            rows.entry(pos.0).or_default().insert(pos.1, value);
        }
    }
    let mut formulas = HashMap::new();
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut seen = 0u64;
    while let Some(cell) = cells.next_formula().map_err(unreadable)? {
        seen += 1;
        if seen > limits::MAX_SHEET_CELLS {
            return Err(too_many());
        }
        if cell.get_value().is_empty() {
            continue;
        }
        let pos = cell.get_position();
        if !in_bounds(pos) {
            return Err(outside(pos));
        }
        formulas.insert(pos, cell.get_value().clone());
    }
    Ok(SheetCells { rows, formulas })
}

/// The rows of the first worksheet that has a header row with the
/// required columns (a template has its title and instructions above it);
/// columns other than the documented ones are the template's reference
/// columns and are ignored. The container is checked first
/// ([`workbook_bounds`]), and the sheets are read as streams of cells.
fn xlsx_rows(
    file: &str,
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
) -> Result<(Vec<Row>, Vec<String>)> {
    use calamine::Reader;
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(Error::Input(format!(
            "{file}: {} bytes, more than the {MAX_XLSX_BYTES} a workbook may have; split it",
            bytes.len()
        )));
    }
    workbook_bounds(file, bytes)?;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| Error::Input(format!("{file}: not a readable xlsx workbook ({e})")))?;
    for sheet in wb.sheet_names() {
        let cells = sheet_cells(&mut wb, file, &sheet)?;
        let heading = |d: &calamine::Data| cell_text(d).unwrap_or_default().to_ascii_lowercase();
        let Some((&header_row, header)) = cells.rows.iter().find(|(_, row)| {
            let names: Vec<String> = row.values().map(heading).collect();
            required.iter().all(|need| names.iter().any(|n| n == need))
        }) else {
            continue;
        };
        let mut columns = Vec::new();
        let mut letters = HashMap::new();
        for (&c, d) in header {
            let name = heading(d);
            if required.contains(&name.as_str()) || optional.contains(&name.as_str()) {
                letters.insert(name.clone(), column_letters(c));
                columns.push((c, name));
            }
        }
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        let empty = BTreeMap::new();
        // Every row below the header, also one that holds only a formula
        // without a computed value (it has no cell of its own).
        let mut below: Vec<u32> = cells
            .rows
            .range(header_row + 1..)
            .map(|(r, _)| *r)
            .chain(cells.formulas.keys().map(|(r, _)| *r).filter(|r| *r > header_row))
            .collect();
        below.sort_unstable();
        below.dedup();
        for r in below {
            let row = cells.rows.get(&r).unwrap_or(&empty);
            let excel_row = r + 1;
            let place = Place::Cell {
                file: file.to_string(),
                sheet: sheet.clone(),
                row: excel_row,
                letters: letters.clone(),
            };
            let mut values = HashMap::new();
            for (c, name) in &columns {
                let data = row.get(c).cloned().unwrap_or(calamine::Data::Empty);
                let text = cell_text(&data).map_err(|BadCell(why)| {
                    Error::Input(format!("{}: column '{name}': the cell {why}", place.cell(name)))
                })?;
                if let Some(f) = cells.formulas.get(&(r, *c)) {
                    if text.is_empty() {
                        return Err(Error::Input(format!(
                            "{}: column '{name}': the formula ={f} has no computed value; open and save the workbook in Excel first",
                            place.cell(name)
                        )));
                    }
                    notes.push(format!(
                        "{}: the formula ={f} is read as the value Excel last computed for it: {text}",
                        place.cell(name)
                    ));
                }
                values.insert(name.clone(), text);
            }
            // A template row comes with its code, period and jenis filled
            // in; without anything else it was left blank on purpose.
            let prefilled = ["indicator", "account", "period", "jenis"];
            if values
                .iter()
                .all(|(k, v)| v.is_empty() || prefilled.contains(&k.as_str()))
            {
                continue;
            }
            rows.push(Row { place, cells: values });
            if rows.len() > limits::MAX_IMPORT_ROWS {
                return Err(Error::Input(format!(
                    "{file}!{sheet}: more than {} rows; split the workbook",
                    limits::MAX_IMPORT_ROWS
                )));
            }
        }
        return Ok((rows, notes));
    }
    Err(Error::Input(format!(
        "{file}: no worksheet has a header row with the columns {} (the template's sheet, or any sheet with these column names)",
        required.join(", ")
    )))
}

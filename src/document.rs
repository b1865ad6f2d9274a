//! Documents issued outside sakip (a signed Berita Acara, a published
//! LKjIP), transcribed in TOML with the figures they print
//! (`schema/document.md`) and recorded as `report_issued` events of format
//! `external`, so `audit check` can compare them with the ledger.

use crate::event::*;
use crate::import::{parse_value, toml_error};
use crate::projection::Known;
use crate::projection::{self, IndexRead};
use crate::{numfmt, Error, Result};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentFile {
    kind: String,
    title: String,
    year: u16,
    #[serde(default = "default_as_of")]
    as_of: u8,
    #[serde(default)]
    figure: Vec<FigureRow>,
}

fn default_as_of() -> u8 {
    4
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureRow {
    indicator: Option<String>,
    account: Option<String>,
    realisasi: Option<String>,
    capaian: Option<String>,
    target: Option<String>,
    pagu: Option<String>,
    spending: Option<String>,
    serapan: Option<String>,
}

/// A document issued outside sakip (a signed Berita Acara, a published
/// LKjIP), recorded with the figures it prints so audits can compare them
/// with the ledger (`schema/document.md`). The SHA-256 is of the file as given.
pub fn document(file: &str, bytes: &[u8], r: &dyn IndexRead, known_seq: u64) -> Result<Payload> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Input(format!("{file}: not UTF-8 text")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: DocumentFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    let fail = |n: usize, msg: String| Error::Input(format!("{file}: [[figure]] #{n}: {msg}"));
    if crate::event::ReportKind::from_name(&doc.kind).is_none() {
        return Err(Error::Input(format!(
            "{file}: field 'kind': '{}' is not a report kind",
            doc.kind
        )));
    }
    let mut figures = Vec::new();
    for (i, row) in doc.figure.iter().enumerate() {
        let n = i + 1;
        let money = |field: &str, v: &str| {
            numfmt::parse_money(v)
                .map(|d| Value::Number(Dec(d)))
                .map_err(|e| fail(n, format!("field '{field}': {e}")))
        };
        // A printed percentage: "80,81%" or "80,81".
        let percent = |field: &str, v: &str| {
            numfmt::parse(v.trim().trim_end_matches('%').trim())
                .map(|d| Value::Number(Dec(d)))
                .map_err(|e| fail(n, format!("field '{field}': {e}")))
        };
        match (&row.indicator, &row.account) {
            (Some(code), None) => {
                let ind = projection::indicator(r, code, Known::Head)?
                    .map(|(_, i)| i)
                    .ok_or_else(|| fail(n, format!("unknown indicator '{code}'")))?;
                if let Some(v) = &row.realisasi {
                    // A printed ratio is its percentage.
                    let value =
                        parse_value(&ind, Some(v), None, None, true).map_err(|e| fail(n, e.to_string()))?;
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Realisasi,
                        value,
                    });
                }
                if let Some(v) = &row.capaian {
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Capaian,
                        value: percent("capaian", v)?,
                    });
                }
                if let Some(v) = &row.target {
                    let value =
                        parse_value(&ind, Some(v), None, None, true).map_err(|e| fail(n, e.to_string()))?;
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Target,
                        value,
                    });
                }
                if let Some(v) = &row.serapan {
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Serapan,
                        value: percent("serapan", v)?,
                    });
                }
                if let Some(v) = &row.pagu {
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Pagu,
                        value: money("pagu", v)?,
                    });
                }
                if let Some(v) = &row.spending {
                    figures.push(ReportedFigure {
                        subject: code.clone(),
                        measure: Measure::Spending,
                        value: money("spending", v)?,
                    });
                }
            }
            (None, Some(account)) => {
                if account != TOTAL_SUBJECT && projection::item(r, account, Known::Head)?.is_none() {
                    return Err(fail(n, format!("unknown budget account '{account}'")));
                }
                if row.target.is_some() {
                    return Err(fail(n, "a budget account has no target; give 'pagu', 'spending' (or 'realisasi') and 'serapan' (or 'capaian')".into()));
                }
                // On a budget line the printed realisasi is the spending and
                // the printed capaian is the serapan.
                if row.realisasi.is_some() && row.spending.is_some() {
                    return Err(fail(
                        n,
                        "give the spending once, as 'spending' or 'realisasi'".into(),
                    ));
                }
                if row.capaian.is_some() && row.serapan.is_some() {
                    return Err(fail(n, "give the serapan once, as 'serapan' or 'capaian'".into()));
                }
                if let Some(v) = row.serapan.as_ref().or(row.capaian.as_ref()) {
                    figures.push(ReportedFigure {
                        subject: account.clone(),
                        measure: Measure::Serapan,
                        value: percent("serapan", v)?,
                    });
                }
                if let Some(v) = &row.pagu {
                    figures.push(ReportedFigure {
                        subject: account.clone(),
                        measure: Measure::Pagu,
                        value: money("pagu", v)?,
                    });
                }
                if let Some(v) = row.spending.as_ref().or(row.realisasi.as_ref()) {
                    figures.push(ReportedFigure {
                        subject: account.clone(),
                        measure: Measure::Spending,
                        value: money("spending", v)?,
                    });
                }
            }
            _ => return Err(fail(n, "give either 'indicator' or 'account'".into())),
        }
    }
    Ok(Payload::ReportIssued(ReportIssued {
        kind: doc.kind,
        format: EXTERNAL_FORMAT.into(),
        year: doc.year,
        as_of: doc.as_of,
        known_seq,
        approved_only: false,
        sha256: digest(bytes),
        size: bytes.len() as u64,
        title: doc.title,
        figures,
    }))
}

/// The SHA-256 of a document's bytes, as a `report_issued` event records it.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

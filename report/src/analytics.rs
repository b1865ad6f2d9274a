//! National analytics: ledgers exported as Parquet files for engines such
//! as DuckDB, DataFusion, Trino or Spark (`schema/parquet.md`, layout
//! version 1), partitioned Hive-style by fiscal year, pemda and agency:
//!
//! - `events/year=Y/pemda=P/agency=A/part-0.parquet`: every event, decoded;
//! - `states/…`: every indicator at each triwulan of the year, as known at
//!   the head (`known = 'head'`) and at each `--known-at` time given;
//! - `budget/…`: the agency's pagu and spending at each triwulan, the same
//!   points.
//!
//! Every figure comes from the same service as `sakip status`; numbers are
//! DOUBLE for the engines and the display text is kept beside them.

use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rust_decimal::prelude::ToPrimitive;
use sakip::ledger::Ledger;
use sakip::service::time::{KnownAt, TimePoint};
use sakip::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// The layout version written in `schema/parquet.md`.
pub const LAYOUT_VERSION: u32 = 1;

/// One column's values; `None` is NULL.
enum Column {
    Text(Vec<Option<String>>),
    Long(Vec<Option<i64>>),
    Int(Vec<Option<i32>>),
    Double(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

/// A table to write: its Parquet message type and its columns in order.
struct Table {
    schema: &'static str,
    columns: Vec<Column>,
}

fn pq(e: parquet::errors::ParquetError) -> Error {
    Error::Internal(format!("writing Parquet: {e}"))
}

fn split<T: Clone>(values: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    let defs = values.iter().map(|v| i16::from(v.is_some())).collect();
    (values.iter().flatten().cloned().collect(), defs)
}

fn write_table(path: &Path, table: Table) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let schema = Arc::new(parquet::schema::parser::parse_message_type(table.schema).map_err(pq)?);
    let props = Arc::new(WriterProperties::builder().set_created_by("sakip".into()).build());
    let mut buffer: Vec<u8> = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut buffer, schema, props).map_err(pq)?;
    let mut group = writer.next_row_group().map_err(pq)?;
    let mut columns = table.columns.into_iter();
    while let Some(mut col) = group.next_column().map_err(pq)? {
        let data = columns
            .next()
            .ok_or_else(|| Error::Internal("a Parquet column without data".into()))?;
        match data {
            Column::Text(v) => {
                let (vals, defs) = split(&v);
                let vals: Vec<ByteArray> = vals
                    .into_iter()
                    .map(|s| ByteArray::from(s.into_bytes()))
                    .collect();
                col.typed::<ByteArrayType>().write_batch(&vals, Some(&defs), None)
            }
            Column::Long(v) => {
                let (vals, defs) = split(&v);
                col.typed::<Int64Type>().write_batch(&vals, Some(&defs), None)
            }
            Column::Int(v) => {
                let (vals, defs) = split(&v);
                col.typed::<Int32Type>().write_batch(&vals, Some(&defs), None)
            }
            Column::Double(v) => {
                let (vals, defs) = split(&v);
                col.typed::<DoubleType>().write_batch(&vals, Some(&defs), None)
            }
            Column::Bool(v) => {
                let (vals, defs) = split(&v);
                col.typed::<BoolType>().write_batch(&vals, Some(&defs), None)
            }
        }
        .map_err(pq)?;
        col.close().map_err(pq)?;
    }
    group.close().map_err(pq)?;
    writer.close().map_err(pq)?;
    // Like every file sakip writes: never through a link, never over an
    // existing file (export into a new directory).
    sakip::fsutil::write(path, &buffer, sakip::fsutil::Existing::Refuse, 0o644)
}

/// What an export wrote for one agency.
#[derive(Debug, Default)]
pub struct Exported {
    /// Events written.
    pub events: usize,
    /// Indicator states written.
    pub states: usize,
    /// Files written.
    pub files: usize,
}

fn partition(out: &Path, table: &str, year: u16, pemda: &str, agency: &str) -> std::path::PathBuf {
    out.join(table)
        .join(format!("year={year}"))
        .join(format!("pemda={pemda}"))
        .join(format!("agency={agency}"))
        .join("part-0.parquet")
}

/// Export one agency's ledger under `out`: its events (all years, by the
/// fiscal year they are about, else the year recorded) and its states and
/// budget for `year` at each triwulan, as known at the head and at each of
/// `known_at` (dates or times as `--known-at` reads them).
pub fn export(
    ledger: &Ledger,
    out: &Path,
    pemda: &str,
    agency: &str,
    year: u16,
    known_at: &[String],
) -> Result<Exported> {
    let mut done = Exported::default();
    let safe = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) && !s.is_empty();
    if !safe(pemda) || !safe(agency) {
        return Err(Error::Input(format!(
            "pemda '{pemda}' and agency '{agency}' name partitions: letters, digits, '-', '_' and '.' only"
        )));
    }
    // Events, by year.
    let mut by_year: std::collections::BTreeMap<i32, Vec<sakip::ledger::StoredEvent>> = Default::default();
    for e in ledger.events_from(0) {
        let e = e?;
        let y = match e.event.payload.period() {
            Some(p) => i32::from(p.year),
            None => chrono::DateTime::from_timestamp_micros(e.event.recorded_at)
                .map(|t| chrono::Datelike::year(&t))
                .unwrap_or(1970),
        };
        by_year.entry(y).or_default().push(e);
    }
    for (y, events) in by_year {
        let text = |f: &dyn Fn(&sakip::ledger::StoredEvent) -> String| {
            Column::Text(events.iter().map(|e| Some(f(e))).collect())
        };
        let table = Table {
            schema: "message events {
                REQUIRED INT64 seq;
                REQUIRED BYTE_ARRAY hash (UTF8);
                REQUIRED BYTE_ARRAY prev (UTF8);
                REQUIRED BYTE_ARRAY kind (UTF8);
                REQUIRED BYTE_ARRAY author (UTF8);
                REQUIRED BYTE_ARRAY author_name (UTF8);
                REQUIRED INT64 recorded_at (TIMESTAMP(MICROS,true));
                REQUIRED BYTE_ARRAY payload (UTF8);
            }",
            columns: vec![
                Column::Long(events.iter().map(|e| Some(e.event.seq as i64)).collect()),
                text(&|e| e.hash.to_hex()),
                text(&|e| e.event.prev.to_hex()),
                text(&|e| e.event.payload.kind().name().to_string()),
                text(&|e| e.event.author.to_hex()),
                text(&|e| ledger.author_name(&e.event.author)),
                Column::Long(events.iter().map(|e| Some(e.event.recorded_at)).collect()),
                text(&|e| serde_json::to_string(&e.event.payload).unwrap_or_default()),
            ],
        };
        done.events += events.len();
        let year = u16::try_from(y).unwrap_or(0);
        write_table(&partition(out, "events", year, pemda, agency), table)?;
        done.files += 1;
    }

    // States and budget at each triwulan and each known point.
    let mut points: Vec<(String, KnownAt)> = vec![("head".into(), KnownAt::Head)];
    points.extend(known_at.iter().map(|t| (t.clone(), KnownAt::Time(t.clone()))));
    let agency_name = ledger.genesis()?.agency_name;
    let (mut s_known, mut s_q, mut s_seq, mut s_at) = (vec![], vec![], vec![], vec![]);
    let (mut s_code, mut s_name, mut s_level, mut s_iku) = (vec![], vec![], vec![], vec![]);
    let (mut s_target, mut s_target_v, mut s_real, mut s_cap, mut s_pred, mut s_appr) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut b_known, mut b_q, mut b_seq, mut b_pagu, mut b_spent) = (vec![], vec![], vec![], vec![], vec![]);
    for (label, known) in &points {
        for quarter in sakip::period::Quarter::ALL {
            let q = quarter.number();
            let point = TimePoint {
                known_at: known.clone(),
                ..TimePoint::quarter(year, quarter)
            };
            let view = sakip::service::status::status(ledger, &point, false)?;
            let seq = view.at.query.known as i64;
            let at = ledger.event(view.at.query.known)?.map(|e| e.event.recorded_at);
            for s in &view.states {
                s_known.push(Some(label.clone()));
                s_q.push(Some(i32::from(q)));
                s_seq.push(Some(seq));
                s_at.push(at);
                s_code.push(Some(s.indicator.code.clone()));
                s_name.push(Some(s.indicator.name.clone()));
                s_level.push(Some(s.item.level.label().to_string()));
                s_iku.push(Some(s.indicator.iku));
                s_target.push(
                    s.target
                        .as_ref()
                        .map(|(_, t)| crate::show_value(&s.indicator, &t.value)),
                );
                s_target_v.push(s.target.as_ref().and_then(|(_, t)| number(&t.value)));
                s_real.push(s.realisasi.as_ref().map(|r| crate::show_value(&s.indicator, r)));
                s_cap.push(s.capaian.score().and_then(|c| c.to_f64()));
                s_pred.push(s.predikat.map(|p| p.label().to_string()));
                s_appr.push(Some(s.approved));
            }
            if let Some(b) = &view.budget {
                b_known.push(Some(label.clone()));
                b_q.push(Some(i32::from(q)));
                b_seq.push(Some(seq));
                b_pagu.push(b.pagu.to_f64());
                b_spent.push(b.spent.to_f64());
            }
        }
    }
    done.states = s_code.len();
    let names = vec![Some(agency_name.clone()); s_code.len()];
    write_table(
        &partition(out, "states", year, pemda, agency),
        Table {
            schema: "message states {
                REQUIRED BYTE_ARRAY known (UTF8);
                REQUIRED INT32 as_of;
                REQUIRED INT64 known_seq;
                OPTIONAL INT64 known_at (TIMESTAMP(MICROS,true));
                REQUIRED BYTE_ARRAY agency_name (UTF8);
                REQUIRED BYTE_ARRAY indicator (UTF8);
                REQUIRED BYTE_ARRAY indicator_name (UTF8);
                REQUIRED BYTE_ARRAY level (UTF8);
                REQUIRED BOOLEAN iku;
                OPTIONAL BYTE_ARRAY target (UTF8);
                OPTIONAL DOUBLE target_value;
                OPTIONAL BYTE_ARRAY realisasi (UTF8);
                OPTIONAL DOUBLE capaian;
                OPTIONAL BYTE_ARRAY predikat (UTF8);
                REQUIRED BOOLEAN approved;
            }",
            columns: vec![
                Column::Text(s_known),
                Column::Int(s_q),
                Column::Long(s_seq),
                Column::Long(s_at),
                Column::Text(names),
                Column::Text(s_code),
                Column::Text(s_name),
                Column::Text(s_level),
                Column::Bool(s_iku),
                Column::Text(s_target),
                Column::Double(s_target_v),
                Column::Text(s_real),
                Column::Double(s_cap),
                Column::Text(s_pred),
                Column::Bool(s_appr),
            ],
        },
    )?;
    write_table(
        &partition(out, "budget", year, pemda, agency),
        Table {
            schema: "message budget {
                REQUIRED BYTE_ARRAY known (UTF8);
                REQUIRED INT32 as_of;
                REQUIRED INT64 known_seq;
                OPTIONAL DOUBLE pagu;
                OPTIONAL DOUBLE spent;
            }",
            columns: vec![
                Column::Text(b_known),
                Column::Int(b_q),
                Column::Long(b_seq),
                Column::Double(b_pagu),
                Column::Double(b_spent),
            ],
        },
    )?;
    done.files += 2;
    Ok(done)
}

/// A number for the engines: a number's value, a ratio's percent.
fn number(v: &sakip::event::Value) -> Option<f64> {
    match v {
        sakip::event::Value::Number(d) => d.0.to_f64(),
        sakip::event::Value::Ratio {
            numerator,
            denominator,
        } => sakip::scoring::serapan(numerator.0, denominator.0).and_then(|p| p.to_f64()),
        _ => None,
    }
}

//! sakip-report: the documents of a sakip ledger. Reports (the LKjIP
//! tables, the rencana aksi and the Berita Acara) are built
//! from the ledger at one point on both time axes, then rendered to
//! Markdown, CSV, JSON or self-contained HTML.
//!
//! A report is a pure function of the ledger prefix up to its known seq and
//! its parameters: the same inputs give byte-identical output, which is what
//! lets `report verify` re-render an issued report and compare bytes. This
//! crate never reads the clock, the environment or anything after the known
//! seq (PDF, DOCX, XLSX and SVG renderings too).
//!
//! Also here: the Excel forms of a quarter's entries and the workbook
//! reader that takes them back ([`template`], [`workbook`]), the Parquet
//! export for analytics engines ([`analytics`]), and the report workflows
//! front ends call ([`service`]). The ledger crate `sakip` knows nothing of
//! any document format.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod build;
mod docx;
mod pdf;
mod render;
mod svg;
mod xlsx;

pub mod analytics;
pub mod service;
pub mod template;
pub mod workbook;
pub(crate) use xlsx::cell_text as excel_text;

pub(crate) use build::is_list_item;
pub use build::{build, show_value};
pub use render::render;

use rust_decimal::Decimal;
use sakip::event::EventHash;
use sakip::projection::Known;
use std::fmt;

pub use sakip::event::{ReportFormat, ReportKind};

/// What a report is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Which report.
    pub kind: ReportKind,
    /// Fiscal year.
    pub year: u16,
    /// The quarter (1-4) it is as of.
    pub as_of: u8,
    /// The last seq it counts.
    pub known_seq: u64,
    /// Whether only approved entries are counted.
    pub approved_only: bool,
    /// Its format.
    pub format: ReportFormat,
}

impl Params {
    /// The machine-readable parameter line embedded in every rendering.
    pub fn line(&self) -> String {
        format!(
            "sakip-report kind={} year={} as-of={} known-seq={} approved-only={} format={}",
            self.kind.name(),
            self.year,
            self.as_of,
            self.known_seq,
            self.approved_only,
            self.format.name()
        )
    }

    /// Find and parse the parameter line in a rendered report.
    pub fn find_in(text: &str) -> Option<Params> {
        let start = text.find("sakip-report kind=")?;
        let line = text[start..].lines().next()?;
        let mut kind = None;
        let mut year = None;
        let mut as_of = None;
        let mut known_seq = None;
        let mut approved_only = None;
        let mut format = None;
        for part in line.split_whitespace().skip(1) {
            let (k, v) = part.split_once('=')?;
            let v = v.trim_end_matches(['"', ',', '-', '>']);
            match k {
                "kind" => kind = ReportKind::from_name(v),
                "year" => year = v.parse().ok(),
                "as-of" => as_of = v.parse().ok(),
                "known-seq" => known_seq = v.parse().ok(),
                "approved-only" => approved_only = v.parse().ok(),
                "format" => format = ReportFormat::from_name(v),
                _ => {}
            }
        }
        Some(Params {
            kind: kind?,
            year: year?,
            as_of: as_of?,
            known_seq: known_seq?,
            approved_only: approved_only?,
            format: format?,
        })
    }
}

/// The header every report carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Its parameters.
    pub params: Params,
    /// The agency's code.
    pub agency_code: String,
    /// The agency's name.
    pub agency_name: String,
    /// recorded_at of the known seq, RFC 3339 UTC.
    pub known_at: String,
    /// Hash of the event at the known seq: the ledger head the report was computed from.
    pub head: EventHash,
}

impl Meta {
    /// The line that traces a printed page to its data: agency, report,
    /// the seq the figures are known at and the ledger hash there (the
    /// footer of every PDF page and of the DOCX).
    pub fn trace(&self) -> String {
        format!(
            "{} · {} {} · data s.d. seq {} · hash {}",
            self.agency_code,
            self.params.kind.name(),
            self.params.year,
            self.params.known_seq,
            self.head.to_hex()
        )
    }
}

/// One table cell: its display text (Indonesian formats) and, for numbers,
/// the exact value for JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// As displayed.
    pub text: String,
    /// The exact number behind it, if any.
    pub value: Option<Decimal>,
}

impl Cell {
    /// As displayed.
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            value: None,
        }
    }

    /// A number: its display text and its exact value.
    pub fn num(text: String, value: Decimal) -> Cell {
        Cell {
            text,
            value: Some(value),
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A table with a title and column headings; `footer` rows are totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Its numbered title.
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// A totals row, if any.
    pub footer: Vec<Vec<Cell>>,
}

/// A chart drawn as inline SVG in HTML (and listed as data elsewhere).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chart {
    /// Horizontal bars in percent with a 100% reference line; `class` colours a bar.
    Bars {
        /// Its title.
        title: String,
        /// The bars.
        bars: Vec<Bar>,
    },
    /// One small line chart per series over TW I-IV.
    Trends {
        /// Its title.
        title: String,
        /// One series per indicator.
        series: Vec<Series>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// One bar of a bar chart.
pub struct Bar {
    /// What the bar is.
    pub label: String,
    /// Its length.
    pub value: Decimal,
    /// CSS class: predikat name for capaian, "serapan" for budget.
    pub class: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// One indicator's targets and realisations over the years.
pub struct Series {
    /// What the series is.
    pub label: String,
    /// Its unit.
    pub unit: String,
    /// Targets per year.
    pub target: Vec<Option<Decimal>>,
    /// Realisations per year.
    pub realisasi: Vec<Option<Decimal>>,
}

/// A block of a report, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading.
    Heading(String),
    /// A paragraph.
    Paragraph(String),
    /// A table.
    Table(Table),
    /// A chart.
    Chart(Chart),
    /// A chapter (BAB) of the whole LKjIP: a new page in DOCX and PDF.
    Chapter(String),
    /// A part of the text that was not recorded: what it is and how to
    /// record it. Printed as a marked placeholder, never filled in.
    Missing(String),
    /// The signature block.
    Signature(SignatureBlock),
}

/// The head's signature block under a document, from its `signatory_recorded`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureBlock {
    /// "Kediri, 25 Februari 2022".
    pub place_date: String,
    /// Position (jabatan).
    pub position: String,
    /// Name with titles.
    pub name: String,
    /// Rank (pangkat), may be empty.
    pub rank: String,
    /// "NIP. 19670506 199202 1 003".
    pub nip: String,
}

impl SignatureBlock {
    /// Its lines, top to bottom, with the gap for the signature as an empty line.
    pub fn lines(&self) -> Vec<&str> {
        let mut out = vec![
            self.place_date.as_str(),
            self.position.as_str(),
            "",
            self.name.as_str(),
        ];
        if !self.rank.is_empty() {
            out.push(&self.rank);
        }
        out.push(&self.nip);
        out
    }
}

/// A report ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Agency and parameters.
    pub meta: Meta,
    /// Its title.
    pub title: String,
    /// Its content, in order.
    pub blocks: Vec<Block>,
    /// The figures the report states that `audit check` compares with the
    /// ledger (IKU realisasi and capaian; pagu and spending for the budget
    /// reports), taken from the same data the tables are rendered from.
    pub figures: Vec<sakip::event::ReportedFigure>,
}

use sakip::ledger::Ledger;
use sakip::Error;

/// The tables of a report, in order: their titles (for `--table`).
pub fn table_titles(r: &Report) -> Vec<&str> {
    r.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t.title.as_str()),
            _ => None,
        })
        .collect()
}

/// The report as CSV for a spreadsheet: `sep` between fields and, with
/// `table`, only that table (from 1). Not the bytes a `report_issued`
/// seals: an issued CSV is the canonical one (`,`, every table).
pub fn csv_for_spreadsheet(r: &Report, sep: char, table: Option<usize>) -> sakip::Result<String> {
    let count = table_titles(r).len();
    if let Some(n) = table.filter(|n| *n == 0 || *n > count) {
        let list: Vec<String> = table_titles(r)
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}: {t}", i + 1))
            .collect();
        return Err(Error::Input(format!(
            "the report has no table {n}; its tables are {}",
            list.join("; ")
        )));
    }
    Ok(render::csv_with(r, sep, table))
}

/// Build and render a report from a ledger, every figure read through its
/// signed event (`Ledger::index`).
pub fn produce(ledger: &Ledger, params: Params) -> sakip::Result<(Report, Vec<u8>)> {
    produce_from(ledger, &ledger.index(), params)
}

/// Build and render a report from the index `r` of `ledger`: `produce`'s
/// path, which the benchmark also runs over the unchecked store to measure
/// what verified reads cost.
pub fn produce_from(
    ledger: &Ledger,
    r: &dyn sakip::projection::IndexRead,
    params: Params,
) -> sakip::Result<(Report, Vec<u8>)> {
    produce_layout(ledger, r, params, false)
}

/// An `lkjip` as builds before the whole document rendered it: chapter III
/// under its old title. `report verify` falls back to it for an LKjIP
/// issued then; the compatibility fixture asks it of the v1 ledger.
pub fn produce_chapter_three_layout(ledger: &Ledger, params: Params) -> sakip::Result<(Report, Vec<u8>)> {
    produce_layout(ledger, &ledger.index(), params, true)
}

fn produce_layout(
    ledger: &Ledger,
    r: &dyn sakip::projection::IndexRead,
    params: Params,
    legacy: bool,
) -> sakip::Result<(Report, Vec<u8>)> {
    let at = ledger
        .event(params.known_seq)?
        .ok_or_else(|| Error::Input(format!("seq {} does not exist in this ledger", params.known_seq)))?;
    let report = build::build_layout(
        r,
        &ledger.genesis()?,
        params,
        at.hash,
        sakip::clock::format_local(
            at.event.recorded_at,
            sakip::projection::time_zone(r, params.known_seq)?,
        ),
        legacy,
    )?;
    let bytes = render(&report);
    Ok((report, bytes))
}

/// SHA-256 of report bytes.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// What `report verify` found.
#[derive(Debug)]
pub enum Verdict {
    /// The bytes are an issued report; `reproducible` says whether
    /// re-rendering at its recorded parameters gives the same bytes.
    Issued {
        /// The seq of its report_issued event.
        seq: u64,
        /// What was issued.
        issued: sakip::event::ReportIssued,
        /// When it was issued.
        recorded_at: i64,
        /// Who issued it.
        author: sakip::event::PublicKey,
        /// Whether the ledger still renders it byte for byte.
        reproducible: bool,
    },
    /// Not issued. When the file names its parameters and a report was
    /// issued with them, `closest` is that report's seq and the first line
    /// where the file differs from it.
    NotIssued {
        /// The parameters the file carries, if any.
        params: Option<Params>,
        /// The issued report it comes closest to: seq, line, expected and found text.
        closest: Option<(u64, usize, String, String)>,
    },
}

/// The first line (1-based) where two texts differ, with both lines.
pub fn first_difference(expected: &[u8], found: &[u8]) -> Option<(usize, String, String)> {
    let e = String::from_utf8_lossy(expected);
    let f = String::from_utf8_lossy(found);
    let mut el = e.split('\n');
    let mut fl = f.split('\n');
    let mut n = 0;
    loop {
        n += 1;
        match (el.next(), fl.next()) {
            (None, None) => return None,
            (a, b) if a != b => return Some((n, a.unwrap_or("").to_string(), b.unwrap_or("").to_string())),
            _ => {}
        }
    }
}

fn params_of(r: &sakip::event::ReportIssued) -> sakip::Result<Params> {
    Ok(Params {
        kind: r
            .report_kind()
            .ok_or_else(|| Error::Input(format!("unknown report kind {}", r.kind)))?,
        year: r.year,
        as_of: r.as_of,
        known_seq: r.known_seq,
        approved_only: r.approved_only,
        format: r
            .report_format()
            .ok_or_else(|| Error::Input(format!("unknown format {}", r.format)))?,
    })
}

/// Is `bytes` exactly a report this ledger issued?
pub fn verify_bytes(ledger: &Ledger, bytes: &[u8]) -> sakip::Result<Verdict> {
    // (A document recorded from outside sakip cannot be re-rendered: it is
    // issued when its bytes match, reproducible in the sense of unchanged.)
    let sha = digest(bytes);
    if let Some(&seq) = sakip::projection::reports_with_hash(&ledger.index(), &sha, Known::Head)?.first() {
        let event = ledger
            .event(seq)?
            .ok_or_else(|| Error::integrity(seq, "an indexed report event is missing"))?;
        let sakip::event::Payload::ReportIssued(issued) = event.event.payload else {
            return Err(Error::integrity(seq, "the report index points at another kind"));
        };
        let reproducible = match issued.format.as_str() {
            sakip::event::EXTERNAL_FORMAT => digest(bytes) == issued.sha256,
            _ => {
                let params = params_of(&issued)?;
                let (_, again) = produce(ledger, params)?;
                let same = |again: &[u8]| again == bytes && digest(again) == issued.sha256;
                same(&again)
                    || params.kind == ReportKind::Lkjip
                        && same(&produce_chapter_three_layout(ledger, params)?.1)
            }
        };
        return Ok(Verdict::Issued {
            seq,
            reproducible,
            recorded_at: event.event.recorded_at,
            author: event.event.author,
            issued,
        });
    }
    let text = String::from_utf8_lossy(bytes);
    let params = Params::find_in(&text);
    let mut closest = None;
    if let Some(p) = params {
        for seq in ledger.store().seqs_of_kind(sakip::event::Kind::ReportIssued, 0) {
            let seq = seq?;
            if let Some(e) = ledger.event(seq)? {
                if let sakip::event::Payload::ReportIssued(r) = e.event.payload {
                    if params_of(&r).ok() == Some(p) {
                        let (_, expected) = produce(ledger, p)?;
                        if let Some((line, exp, found)) = first_difference(&expected, bytes) {
                            closest = Some((seq, line, exp, found));
                        }
                    }
                }
            }
        }
    }
    Ok(Verdict::NotIssued { params, closest })
}

//! A sealed report: what it was rendered from, its digest and the figures
//! it states.

use bincode::{Decode, Encode};
use serde::Serialize;

use super::Value;

/// A report sealed by an approver: the parameters it was rendered with and
/// the SHA-256 of the exact bytes issued.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct ReportIssued {
    /// Report kind: pk, capaian, anggaran, efisiensi, rencana-aksi, evaluasi, renstra, lkjip.
    pub kind: String,
    /// md, csv, json, html, xlsx, docx or pdf.
    pub format: String,
    /// Fiscal year.
    pub year: u16,
    /// Quarter 1-4 the report is as of.
    pub as_of: u8,
    /// The last seq the report was computed from.
    pub known_seq: u64,
    /// Whether only approved entries were counted.
    pub approved_only: bool,
    #[serde(serialize_with = "hex_bytes")]
    /// SHA-256 of the report's bytes.
    pub sha256: [u8; 32],
    /// Its size in bytes.
    pub size: u64,
    /// Its title.
    pub title: String,
    /// The figures the report states, so audits can compare them with the
    /// ledger; for a document produced outside sakip, as printed.
    pub figures: Vec<ReportedFigure>,
}

/// What a figure in a report measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The realisation.
    Realisasi,
    /// Capaian in percent.
    Capaian,
    /// Pagu in Rupiah.
    Pagu,
    /// Realisasi anggaran in Rupiah.
    Spending,
    /// Serapan anggaran in percent (realisasi anggaran / pagu x 100).
    Serapan,
    /// The target in force.
    Target,
}

impl Measure {
    /// Its name in transcripts and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Realisasi => "realisasi",
            Measure::Capaian => "capaian",
            Measure::Pagu => "pagu",
            Measure::Spending => "realisasi anggaran",
            Measure::Serapan => "serapan",
            Measure::Target => "target",
        }
    }
}

/// The report kinds, each modelled on the seed's table of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Perjanjian Kinerja.
    Pk,
    /// Capaian kinerja.
    Capaian,
    /// Realisasi anggaran.
    Anggaran,
    /// Efisiensi.
    Efisiensi,
    /// Rencana aksi.
    RencanaAksi,
    /// Berita Acara evaluasi.
    Evaluasi,
    /// Renstra progress.
    Renstra,
    /// The whole LKjIP: Kata Pengantar to Lampiran.
    Lkjip,
    /// LKjIP chapter III alone (appended: what `lkjip` was before the whole
    /// document; builds before it refuse the name).
    LkjipBab3,
}

impl ReportKind {
    /// Every value, in order.
    pub const ALL: [ReportKind; 9] = [
        ReportKind::Pk,
        ReportKind::Capaian,
        ReportKind::Anggaran,
        ReportKind::Efisiensi,
        ReportKind::RencanaAksi,
        ReportKind::Evaluasi,
        ReportKind::Renstra,
        ReportKind::Lkjip,
        ReportKind::LkjipBab3,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Pk => "pk",
            ReportKind::Capaian => "capaian",
            ReportKind::Anggaran => "anggaran",
            ReportKind::Efisiensi => "efisiensi",
            ReportKind::RencanaAksi => "rencana-aksi",
            ReportKind::Evaluasi => "evaluasi",
            ReportKind::Renstra => "renstra",
            ReportKind::Lkjip => "lkjip",
            ReportKind::LkjipBab3 => "lkjip-bab3",
        }
    }

    /// A kind by its name.
    pub fn from_name(name: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The Indonesian title.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Pk => "Perjanjian Kinerja",
            ReportKind::Capaian => "Capaian Kinerja",
            ReportKind::Anggaran => "Realisasi Anggaran",
            ReportKind::Efisiensi => "Pencapaian Kinerja dan Anggaran serta Efisiensi Anggaran",
            ReportKind::RencanaAksi => "Laporan Monitoring Rencana Aksi",
            ReportKind::Evaluasi => "Berita Acara Evaluasi Internal",
            ReportKind::Renstra => "Capaian terhadap Target Rencana Strategis",
            ReportKind::Lkjip => "Laporan Kinerja Instansi Pemerintah",
            ReportKind::LkjipBab3 => {
                "Laporan Kinerja Instansi Pemerintah (LKjIP) - Bab III Akuntabilitas Kinerja"
            }
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// CSV.
    Csv,
    /// JSON.
    Json,
    /// HTML.
    Html,
    /// An Excel workbook (appended: builds before it refuse the name).
    Xlsx,
    /// A Word document (appended: builds before it refuse the name).
    Docx,
    /// A PDF document (appended: builds before it refuse the name).
    Pdf,
}

impl ReportFormat {
    /// Every value, in order.
    pub const ALL: [ReportFormat; 7] = [
        ReportFormat::Md,
        ReportFormat::Csv,
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Xlsx,
        ReportFormat::Docx,
        ReportFormat::Pdf,
    ];

    /// Its name: `md`, `csv`, `json`, `html`, `xlsx`, `docx`, `pdf`.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Docx => "docx",
            ReportFormat::Pdf => "pdf",
        }
    }

    /// A format by its name.
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        ReportFormat::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The format a `report_issued` event records for a document issued
/// outside sakip (`schema/document.md`).
pub const EXTERNAL_FORMAT: &str = "external";

impl ReportIssued {
    /// The kind of report it seals; `None` only for an event no build ever
    /// wrote (the rules refuse any other name at append, and `verify` flags
    /// one).
    pub fn report_kind(&self) -> Option<ReportKind> {
        ReportKind::from_name(&self.kind)
    }

    /// Its format, or `None` for a document issued outside sakip.
    pub fn report_format(&self) -> Option<ReportFormat> {
        ReportFormat::from_name(&self.format)
    }
}

/// The subject of a figure about the whole agency (the total pagu and
/// spending) rather than one account or indicator.
pub const TOTAL_SUBJECT: &str = "*";

/// One figure a report states: the measure of an indicator or budget
/// account (`*` for the total over all programs).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct ReportedFigure {
    /// Indicator or account code, or [`TOTAL_SUBJECT`].
    pub subject: String,
    /// Which figure it is.
    pub measure: Measure,
    /// The value as the report states it.
    pub value: Value,
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

//! Reports: rendering at a point on both time axes, sealing (issuing) one
//! with its SHA-256 and the figures it states in a `report_issued` event,
//! checking a file against what was issued, and recording documents issued
//! outside sakip.

use crate as report;
use crate::{Params, Report, ReportFormat, ReportKind};
use sakip::event::{Payload, ReportIssued};
use sakip::fsutil::Existing;
use sakip::keys::KeyPair;
use sakip::ledger::{Appended, Ledger};
use sakip::service::time::TimePoint;
use sakip::{Error, Result};
use std::path::{Path, PathBuf};

/// A report kind by name, or an input error that lists the names.
pub fn kind_named(name: &str) -> Result<ReportKind> {
    ReportKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
        Error::Input(format!(
            "unknown report kind '{name}' (one of: {})",
            names.join(", ")
        ))
    })
}

/// The parameters of `kind` at `point`, in `format`.
pub fn params(ledger: &Ledger, kind: ReportKind, point: &TimePoint, format: ReportFormat) -> Result<Params> {
    let q = point.resolve(ledger)?.query;
    Ok(Params {
        kind,
        year: q.year,
        as_of: q.as_of.number(),
        known_seq: q.known,
        approved_only: q.approved_only,
        format,
    })
}

/// Build and render a report; the same parameters give the same bytes.
pub fn render(ledger: &Ledger, params: Params) -> Result<(Report, Vec<u8>)> {
    report::produce(ledger, params)
}

/// A report ready to be issued: its bytes and the event that seals them.
#[derive(Debug)]
pub struct Sealed {
    /// The report as built.
    pub report: Report,
    /// Its rendered bytes.
    pub bytes: Vec<u8>,
    /// The `report_issued` event: kind, parameters, SHA-256, size and the
    /// figures the report states.
    pub payload: Payload,
}

/// Render a report and the event that seals it (nothing is appended).
pub fn seal(ledger: &Ledger, params: Params) -> Result<Sealed> {
    let (report, bytes) = report::produce(ledger, params)?;
    let payload = Payload::ReportIssued(ReportIssued {
        kind: params.kind.name().into(),
        format: params.format.name().into(),
        year: params.year,
        as_of: params.as_of,
        known_seq: params.known_seq,
        approved_only: params.approved_only,
        sha256: report::digest(&bytes),
        size: bytes.len() as u64,
        title: report.title.clone(),
        figures: report.figures.clone(),
    });
    Ok(Sealed {
        report,
        bytes,
        payload,
    })
}

/// The file name a report is issued under by default:
/// `capaian-2021-tw4.html`.
pub fn default_file_name(params: &Params) -> PathBuf {
    PathBuf::from(format!(
        "{}-{}-tw{}.{}",
        params.kind.name(),
        params.year,
        params.as_of,
        params.format.name()
    ))
}

/// An issued report.
#[derive(Debug)]
pub struct Issued {
    /// Where its `report_issued` event landed.
    pub appended: Appended,
    /// Its title.
    pub title: String,
    /// Its size in bytes.
    pub size: usize,
    /// SHA-256 of its bytes.
    pub sha256: [u8; 32],
}

/// Issue a report to `path`: render it, write it beside `path`, append the
/// sealing event signed by `signer`, and only then put the file in place,
/// so a refused issue leaves every file as it was.
pub fn issue_to_file(
    ledger: &mut Ledger,
    signer: &KeyPair,
    params: Params,
    path: &Path,
    existing: Existing,
) -> Result<Issued> {
    let sealed = seal(ledger, params)?;
    let staged = sakip::fsutil::stage(path, &sealed.bytes, existing, 0o644)?;
    let appended = ledger.append(signer, sealed.payload)?;
    staged.commit().map_err(|e| {
        Error::Input(format!(
            "the report was issued as seq {} but could not be put in place ({e}); render it again with the same flags and --known-at-seq {}, then `sakip report verify` it",
            appended.seq, params.known_seq
        ))
    })?;
    Ok(Issued {
        appended,
        title: sealed.report.title,
        size: sealed.bytes.len(),
        sha256: report::digest(&sealed.bytes),
    })
}

/// Record a document issued outside sakip from its TOML transcript
/// (`schema/document.md`), signed by `signer`.
pub fn record_document(
    ledger: &mut Ledger,
    signer: &KeyPair,
    name: &str,
    bytes: &[u8],
) -> Result<(Appended, String)> {
    let known = ledger.head().count - 1;
    let payload = sakip::document::document(name, bytes, &ledger.index(), known)?;
    let summary = payload.summary();
    Ok((ledger.append(signer, payload)?, summary))
}

pub use crate::{verify_bytes, Verdict};

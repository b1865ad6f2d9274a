//! `sakip report KIND`, `sakip report issue KIND`, `sakip report verify FILE`.

use super::query::QueryArgs;
use super::{CliError, CmdResult, Ctx};
use sakip_report::service::{self as reports, Verdict};
use sakip_report::{Params, ReportFormat, ReportKind};
use std::io::Write;
use std::path::PathBuf;

/// Reports from the ledger at any point on both time axes: the LKjIP
/// chapter III tables, the rencana aksi and the Berita Acara. Output is
/// deterministic: the same parameters give byte-identical files. Formats:
/// md (also for the default `--format table`: a report's tables are
/// Markdown pipe tables), csv, json (one document), html.
///
/// Example: sakip report capaian --year 2021 --known-at 2022-01-10 --format html --out capaian.html
#[derive(clap::Subcommand, Debug)]
pub enum ReportCommand {
    /// Perjanjian Kinerja: sasaran, indikator, target, program, anggaran.
    Pk(RenderArgs),
    /// Capaian per IKU and tujuan, means, comparison with earlier years, predikat and narratives.
    Capaian(RenderArgs),
    /// Pagu, realisasi and serapan per program and per IKU, with totals.
    Anggaran(RenderArgs),
    /// Pencapaian kinerja dan anggaran serta efisiensi (columns 1-9, 9 = 5 - 8).
    Efisiensi(RenderArgs),
    /// Quarterly phasing of targets and realisations per program and sub kegiatan, with pagu.
    #[command(name = "rencana-aksi")]
    RencanaAksi(RenderArgs),
    /// Berita Acara: targets before and after the perubahan, realisasi, percent.
    Evaluasi(RenderArgs),
    /// Renstra targets per year against realisations, tingkat kemajuan.
    Renstra(RenderArgs),
    /// The whole LKjIP (PermenPAN-RB 53/2014): cover, Kata Pengantar,
    /// Ikhtisar Eksekutif, Bab I-IV, Lampiran and the signature block. The
    /// prose is what `record text` recorded for the year, the signatory what
    /// `record signatory` recorded; a part not recorded is printed as a
    /// marked placeholder. Tables and charts are numbered per chapter
    /// (Tabel 3.1, Grafik 3.1). Best read as --format pdf or docx.
    Lkjip(RenderArgs),
    /// LKjIP chapter III alone: the tables above with the narratives.
    #[command(name = "lkjip-bab3")]
    LkjipBab3(RenderArgs),
    /// Seal a report: render it, write it, and record its SHA-256 in a
    /// report_issued event (approver key). Counts approved entries only,
    /// unless --include-unapproved (which the report's header then states).
    Issue(IssueArgs),
    /// Record a document issued outside sakip (a signed Berita Acara, a
    /// published LKjIP) with the figures it prints, from a TOML transcript
    /// (schema/document.md), so `audit check` can compare them with the
    /// ledger (approver key).
    Record(RecordArgs),
    /// Say whether FILE is byte-identical to a report this ledger issued
    /// (which seq, when, by whom) and re-render it to show it is reproducible.
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Write to FILE instead of standard output (an existing FILE is refused).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// With --format csv: the field separator. Excel in an Indonesian
    /// locale reads `;` (the comma is the decimal separator there); the
    /// default `,` is the canonical CSV that `report issue` seals.
    #[arg(long, value_name = "SEP", default_value = ",", value_parser = ["," , ";"])]
    pub csv_sep: String,
    /// With --format csv: only this table, by its number in the report
    /// (from 1; a wrong number lists them).
    #[arg(long, value_name = "N")]
    pub table: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct IssueArgs {
    /// Report kind: pk, capaian, anggaran, efisiensi, rencana-aksi, evaluasi, renstra, lkjip.
    pub kind: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Also count entries no approver has approved yet (stated in the
    /// report's header). Without it, an issued report holds approved
    /// entries only.
    #[arg(long, conflicts_with = "approved_only")]
    pub include_unapproved: bool,
}

#[derive(clap::Args, Debug)]
pub struct RecordArgs {
    /// The document transcript (TOML).
    pub file: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The report file to check.
    pub file: PathBuf,
}

/// The report format from the global --format. A report's table form is
/// Markdown (pipe tables), so `table`, the global default, gives `md`; a
/// report is one document, so `jsonl` is refused.
fn format_of(ctx: &Ctx) -> Result<ReportFormat, CliError> {
    Ok(match ctx.global.format {
        super::Format::Csv => ReportFormat::Csv,
        super::Format::Json => ReportFormat::Json,
        super::Format::Html => ReportFormat::Html,
        super::Format::Xlsx => ReportFormat::Xlsx,
        super::Format::Docx => ReportFormat::Docx,
        super::Format::Pdf => ReportFormat::Pdf,
        super::Format::Md | super::Format::Table => ReportFormat::Md,
        super::Format::Jsonl => {
            return Err(CliError::Usage(
                "a report is one JSON document: use --format json".into(),
            ))
        }
    })
}

fn params(
    ctx: &Ctx,
    kind: ReportKind,
    args: &RenderArgs,
    ledger: &sakip::ledger::Ledger,
) -> Result<Params, CliError> {
    Ok(reports::params(
        ledger,
        kind,
        &args.query.point(),
        format_of(ctx)?,
    )?)
}

pub fn run(ctx: &Ctx, cmd: ReportCommand, out: &mut dyn Write) -> CmdResult {
    let (kind, args) = match cmd {
        ReportCommand::Pk(a) => (ReportKind::Pk, a),
        ReportCommand::Capaian(a) => (ReportKind::Capaian, a),
        ReportCommand::Anggaran(a) => (ReportKind::Anggaran, a),
        ReportCommand::Efisiensi(a) => (ReportKind::Efisiensi, a),
        ReportCommand::RencanaAksi(a) => (ReportKind::RencanaAksi, a),
        ReportCommand::Evaluasi(a) => (ReportKind::Evaluasi, a),
        ReportCommand::Renstra(a) => (ReportKind::Renstra, a),
        ReportCommand::Lkjip(a) => (ReportKind::Lkjip, a),
        ReportCommand::LkjipBab3(a) => (ReportKind::LkjipBab3, a),
        ReportCommand::Issue(a) => return issue(ctx, a, out),
        ReportCommand::Verify(a) => return verify(ctx, a, out),
        ReportCommand::Record(a) => return record(ctx, a, out),
    };
    let binary = match ctx.global.format {
        super::Format::Xlsx => Some(("an Excel workbook", "xlsx")),
        super::Format::Docx => Some(("a Word document", "docx")),
        super::Format::Pdf => Some(("a PDF document", "pdf")),
        _ => None,
    };
    if let (Some((what, ext)), None) = (binary, &args.out) {
        return Err(CliError::Usage(format!(
            "{what} is written to a file: add --out FILE.{ext}"
        )));
    }
    let spreadsheet_csv = args.csv_sep != "," || args.table.is_some();
    if spreadsheet_csv && ctx.global.format != super::Format::Csv {
        return Err(CliError::Usage(
            "--csv-sep and --table shape CSV output: add --format csv".into(),
        ));
    }
    let ledger = ctx.open_reader()?;
    let p = params(ctx, kind, &args, &ledger)?;
    let (report, bytes) = reports::render(&ledger, p)?;
    let bytes = if spreadsheet_csv {
        let sep = args.csv_sep.chars().next().unwrap_or(',');
        sakip_report::csv_for_spreadsheet(&report, sep, args.table)?.into_bytes()
    } else {
        bytes
    };
    match &args.out {
        Some(path) => {
            sakip::fsutil::write(path, &bytes, super::existing(args.force), 0o644)?;
            writeln!(out, "wrote {} ({} bytes)", path.display(), bytes.len())?;
        }
        None => out.write_all(&bytes)?,
    }
    Ok(())
}

fn issue(ctx: &Ctx, args: IssueArgs, out: &mut dyn Write) -> CmdResult {
    let kind = reports::kind_named(&args.kind).map_err(|e| CliError::Usage(e.to_string()))?;
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let mut p = params(ctx, kind, &args.render, &ledger)?;
    p.approved_only = !args.include_unapproved;
    let path = args
        .render
        .out
        .clone()
        .unwrap_or_else(|| reports::default_file_name(&p));
    let issued = reports::issue_to_file(&mut ledger, &signer, p, &path, super::existing(args.render.force))?;
    writeln!(
        out,
        "issued {} as seq {}: {} ({} bytes, sha256 {})",
        issued.title,
        issued.appended.seq,
        path.display(),
        issued.size,
        hex::encode(issued.sha256)
    )?;
    Ok(())
}

fn verify(ctx: &Ctx, args: VerifyArgs, out: &mut dyn Write) -> CmdResult {
    let bytes = sakip::limits::read_file(&args.file, sakip::limits::MAX_TEXT_FILE_BYTES, "a report file")?;
    let ledger = ctx.open_reader()?;
    match reports::verify_bytes(&ledger, &bytes)? {
        Verdict::Issued {
            seq,
            issued,
            recorded_at,
            author,
            reproducible,
        } => {
            let who = ledger
                .registry()
                .get(&author)
                .map(|s| s.holder.name.clone())
                .unwrap_or_default();
            writeln!(
                out,
                "{}: {} is report seq {seq} ({} {} s.d. TW {}, {}), issued {} by {who} (key {})",
                ctx.paint("issued", "32"),
                args.file.display(),
                issued.kind,
                issued.year,
                sakip::period::roman(issued.as_of),
                issued.format,
                ledger.local_time(recorded_at)?,
                author.key_id()
            )?;
            if reproducible {
                writeln!(
                    out,
                    "reproducible: re-rendered at known seq {}, byte-identical",
                    issued.known_seq
                )?;
                Ok(())
            } else {
                Err(sakip::Error::Integrity {
                    seq: Some(seq),
                    reason: "the ledger no longer renders this issued report byte for byte".into(),
                }
                .into())
            }
        }
        Verdict::NotIssued { params, closest } => {
            let detail = match (params, closest) {
                (_, Some((seq, line, expected, found))) => {
                    let (e, f) = around_difference(&expected, &found);
                    format!("it differs from report seq {seq} at line {line}: expected {e:?}, found {f:?}")
                }
                (Some(p), None) => format!("no report was issued with its parameters ({})", p.line()),
                (None, None) => "it carries no sakip report parameters".into(),
            };
            Err(sakip::Error::Integrity {
                seq: None,
                reason: format!("{} was not issued by this ledger: {detail}", args.file.display()),
            }
            .into())
        }
    }
}

/// The two lines around their first differing character, for an error
/// message that shows the change rather than a long common prefix.
fn around_difference(expected: &str, found: &str) -> (String, String) {
    let e: Vec<char> = expected.chars().collect();
    let f: Vec<char> = found.chars().collect();
    let at = e.iter().zip(f.iter()).take_while(|(a, b)| a == b).count();
    let window = |chars: &[char]| -> String {
        let start = at.saturating_sub(30);
        let end = (at + 50).min(chars.len());
        let mut s: String = chars[start.min(chars.len())..end].iter().collect();
        if start > 0 {
            s.insert(0, '…');
        }
        if end < chars.len() {
            s.push('…');
        }
        s
    };
    (window(&e), window(&f))
}

fn record(ctx: &Ctx, args: RecordArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let bytes = sakip::limits::read_file(&args.file, sakip::limits::MAX_TEXT_FILE_BYTES, "a report file")?;
    let (done, summary) =
        reports::record_document(&mut ledger, &signer, &args.file.display().to_string(), &bytes)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

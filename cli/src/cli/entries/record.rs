//! `sakip record target|realisasi|spending|narrative|text|signatory` and `sakip correct`:
//! single entries, through the same validation as imports.

use crate::cli::import::StageArg;
use crate::cli::{CmdResult, Ctx};
use sakip::event::Payload;
use sakip::service::entries;
use std::io::Write;

/// Record one entry, signed by --key.
#[derive(clap::Subcommand, Debug)]
pub enum RecordCommand {
    Target(TargetArgs),
    Realisasi(RealisasiArgs),
    Spending(SpendingArgs),
    Narrative(NarrativeArgs),
    Text(TextArgs),
    Signatory(SignatoryArgs),
}

/// Set a target, or revise the latest one with --reason and --basis (admin).
///
/// Example: sakip record target --indicator SK-3.1.1 --year 2021 --value "6 peserta" \
///   --reason "Refocusing anggaran" --basis "DPA Perubahan BKPSDM 2021"
#[derive(clap::Args, Debug)]
pub struct TargetArgs {
    #[arg(long)]
    pub indicator: String,
    #[arg(long)]
    pub year: u16,
    /// pk (the year's target), TW1-TW4 (quarterly phasing) or renstra.
    #[arg(long, default_value = "pk")]
    pub scope: String,
    /// The target, e.g. 99,71 or A or "6 peserta".
    #[arg(long)]
    pub value: String,
    /// Why the target is revised (makes this a revision).
    #[arg(long, requires = "basis")]
    pub reason: Option<String>,
    /// Legal basis of the revision, e.g. "DPA Perubahan".
    #[arg(long, requires = "reason")]
    pub basis: Option<String>,
    /// Budget stage: murni or perubahan.
    #[arg(long, value_enum, default_value_t = StageArg::Murni)]
    pub stage: StageArg,
}

/// Record a realisation (operator).
///
/// Example: sakip record realisasi --indicator P-2.1 --period 2021-Q2 --numerator 4.383 --denominator 4.765
#[derive(clap::Args, Debug)]
pub struct RealisasiArgs {
    #[arg(long)]
    pub indicator: String,
    /// 2021-Q3, 2021-TW3, "TW III 2021", or 2021 for an annual figure.
    #[arg(long)]
    pub period: String,
    /// The value (numbers in Indonesian format: 98,63).
    #[arg(long)]
    pub value: Option<String>,
    /// Numerator of a ratio indicator.
    #[arg(long)]
    pub numerator: Option<String>,
    /// Denominator of a ratio indicator.
    #[arg(long)]
    pub denominator: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

/// Record spending (realisasi anggaran) of a plan item in a quarter (operator).
#[derive(clap::Args, Debug)]
pub struct SpendingArgs {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub period: String,
    /// Amount in Rupiah, e.g. 1.024.833.162.
    #[arg(long)]
    pub amount: String,
    #[arg(long)]
    pub note: Option<String>,
}

/// Record the narrative of an indicator's year (operator).
#[derive(clap::Args, Debug)]
pub struct NarrativeArgs {
    #[arg(long)]
    pub indicator: String,
    #[arg(long)]
    pub year: u16,
    /// Faktor pendorong / keberhasilan.
    #[arg(long, default_value = "")]
    pub pendorong: String,
    /// Hambatan.
    #[arg(long, default_value = "")]
    pub hambatan: String,
    /// Strategi pemecahan.
    #[arg(long, default_value = "")]
    pub strategi: String,
    /// Read the three parts from a Markdown file with the headings
    /// "## Faktor pendorong", "## Hambatan" and "## Strategi pemecahan"
    /// (paragraphs and lists under each are kept as written).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["pendorong", "hambatan", "strategi"])]
    pub from: Option<std::path::PathBuf>,
}

/// Record the prose of the year's LKjIP (operator): the Kata Pengantar,
/// Ikhtisar Eksekutif and the parts of Bab I, II and IV that `report lkjip`
/// prints around the figures. A part never recorded is printed as a marked
/// placeholder; recording a part again replaces it (both stay in the ledger);
/// an empty part withdraws it.
///
/// A file holds one or more parts, each under a heading that names it:
///
///   ## kata-pengantar
///   Laporan Kinerja ... ini merupakan perwujudan pertanggungjawaban ...
///
///   ## penutup
///   ...
///
/// Parts: kata-pengantar, ikhtisar-eksekutif, latar-belakang, tugas-fungsi,
/// struktur-organisasi, isu-strategis, rencana-strategis, perjanjian-kinerja,
/// pengukuran-kinerja, penutup. Paragraphs are separated by a blank line; a
/// line starting with "1.", "a." or "-" is a list item. Every part of one
/// file is appended at once, or none.
///
/// Examples:
///   sakip record text --year 2021 --from naskah-lkjip-2021.md
///   sakip record text --year 2021 --section penutup --text "Demikian ..."
#[derive(clap::Args, Debug)]
pub struct TextArgs {
    #[arg(long)]
    pub year: u16,
    /// Only this part: the whole file (or --text) is its text.
    #[arg(long)]
    pub section: Option<String>,
    /// The text of the one part named by --section.
    #[arg(long, requires = "section", conflicts_with = "from")]
    pub text: Option<String>,
    /// Markdown file with the parts, each under "## <part>".
    #[arg(long, value_name = "FILE", required_unless_present = "text")]
    pub from: Option<std::path::PathBuf>,
}

/// Record who signs the year's LKjIP (admin): printed under the Kata
/// Pengantar and in the signature block at the end.
///
/// Example: sakip record signatory --year 2021 --name "Ir. UN ACHMAD NURDIN, MM" \
///   --nip "19670506 199202 1 003" --rank "Pembina Utama Muda" \
///   --position "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Kediri" \
///   --place Kediri --date 2022-02-25
#[derive(clap::Args, Debug)]
pub struct SignatoryArgs {
    #[arg(long)]
    pub year: u16,
    /// Name with titles, as printed.
    #[arg(long)]
    pub name: String,
    /// NIP, as printed.
    #[arg(long)]
    pub nip: String,
    /// Position (jabatan), as printed.
    #[arg(long)]
    pub position: String,
    /// Rank (pangkat/golongan).
    #[arg(long, default_value = "")]
    pub rank: String,
    /// Where it is signed.
    #[arg(long)]
    pub place: String,
    /// When it is signed: YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
}

/// Correct a realisation: the new value supersedes the latest version of
/// an indicator's figure for a period (operator).
///
/// Name the figure by indicator and period, or by the seq of its latest
/// version (as `sakip history` shows it). The old value stays in the ledger;
/// `status --known-at` before the correction still gives it.
///
/// Examples:
///   sakip correct --indicator IKU-1.1 --period 2021 --value 20,40 --reason "Data BKN final"
///   sakip correct 254 --value 20,40 --reason "Data BKN final, Februari 2022"
#[derive(clap::Args, Debug)]
pub struct CorrectArgs {
    /// The seq of the realisation (or its latest correction) to supersede.
    #[arg(required_unless_present = "indicator", conflicts_with_all = ["indicator", "period"])]
    pub seq: Option<u64>,
    /// The indicator whose figure is corrected (with --period).
    #[arg(long, requires = "period")]
    pub indicator: Option<String>,
    /// The period of the figure: 2021-Q3, TW III 2021, or 2021 for the annual figure.
    #[arg(long, requires = "indicator")]
    pub period: Option<String>,
    #[arg(long)]
    pub value: Option<String>,
    #[arg(long)]
    pub numerator: Option<String>,
    #[arg(long)]
    pub denominator: Option<String>,
    /// Why the figure changes.
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &Ctx, cmd: RecordCommand, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let payload = match cmd {
        RecordCommand::Target(a) => entries::target(
            &ledger,
            entries::TargetEntry {
                indicator: a.indicator,
                year: a.year,
                scope: a.scope,
                value: a.value,
                revision: a.reason.zip(a.basis),
                stage: a.stage.into(),
            },
        )?,
        RecordCommand::Realisasi(a) => entries::realisasi(
            &ledger,
            entries::RealisasiEntry {
                indicator: a.indicator,
                period: a.period,
                value: a.value,
                numerator: a.numerator,
                denominator: a.denominator,
                note: a.note,
            },
        )?,
        RecordCommand::Spending(a) => entries::spending(entries::SpendingEntry {
            account: a.account,
            period: a.period,
            amount: a.amount,
            note: a.note,
        })?,
        RecordCommand::Narrative(a) => {
            let parts = match &a.from {
                Some(path) => {
                    let text =
                        sakip::limits::read_text(path, sakip::limits::MAX_TEXT_FILE_BYTES, "a text file")?;
                    entries::narrative_sections(&path.display().to_string(), &text)?
                }
                None => entries::Narrative {
                    pendorong: a.pendorong,
                    hambatan: a.hambatan,
                    strategi: a.strategi,
                },
            };
            entries::narrative(a.indicator, a.year, parts)
        }
        RecordCommand::Text(a) => {
            let payloads = match (&a.from, a.text) {
                (Some(path), _) => {
                    let text =
                        sakip::limits::read_text(path, sakip::limits::MAX_TEXT_FILE_BYTES, "a text file")?;
                    entries::document_texts(&path.display().to_string(), &text, a.year, a.section.as_deref())?
                }
                (None, Some(text)) => entries::document_texts("--text", &text, a.year, a.section.as_deref())?,
                (None, None) => return Err(crate::cli::CliError::Usage("give --from FILE or --text".into())),
            };
            let summaries: Vec<String> = payloads.iter().map(|p| p.summary()).collect();
            let done = ledger.append_all(payloads.into_iter().map(|p| (&signer, p)).collect())?;
            for (d, summary) in done.iter().zip(summaries) {
                writeln!(out, "seq {}: {summary}", d.seq)?;
            }
            return Ok(());
        }
        RecordCommand::Signatory(a) => Payload::SignatoryRecorded(sakip::event::Signatory {
            year: a.year,
            name: a.name,
            nip: a.nip,
            position: a.position,
            rank: a.rank,
            place: a.place,
            date: a.date,
        }),
    };
    let summary = payload.summary();
    let done = ledger.append(&signer, payload)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

pub fn correct(ctx: &Ctx, a: CorrectArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let corrects = match (a.seq, a.indicator, a.period) {
        (Some(seq), _, _) => entries::Corrected::Seq(seq),
        (None, Some(indicator), Some(period)) => entries::Corrected::Figure { indicator, period },
        _ => {
            return Err(crate::cli::CliError::Usage(
                "give SEQ, or --indicator and --period".into(),
            ))
        }
    };
    let payload = entries::correction(
        &ledger,
        entries::CorrectionEntry {
            corrects,
            value: a.value,
            numerator: a.numerator,
            denominator: a.denominator,
            reason: a.reason,
        },
    )?;
    let summary = payload.summary();
    let done = ledger.append(&signer, payload)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

//! `sakip record target|realisasi|spending|narrative` and `sakip correct`:
//! single entries, through the same validation as imports.

use super::import::StageArg;
use super::{CmdResult, Ctx};
use sakip::event::*;
use sakip::import::{parse_scope, parse_value};
use sakip::{numfmt, period, projection};
use std::io::Write;

/// Record one entry, signed by --key.
#[derive(clap::Subcommand, Debug)]
pub enum RecordCommand {
    Target(TargetArgs),
    Realisasi(RealisasiArgs),
    Spending(SpendingArgs),
    Narrative(NarrativeArgs),
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

fn input(e: impl std::fmt::Display) -> super::CliError {
    sakip::Error::Input(e.to_string()).into()
}

fn need_indicator(ledger: &sakip::ledger::Ledger, code: &str) -> Result<IndicatorDefined, super::CliError> {
    projection::indicator(ledger.store(), code, u64::MAX)?
        .map(|(_, i)| i)
        .ok_or_else(|| input(format!("unknown indicator '{code}'")))
}

pub fn run(ctx: &Ctx, cmd: RecordCommand, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let payload = match cmd {
        RecordCommand::Target(a) => {
            let ind = need_indicator(&ledger, &a.indicator)?;
            let scope = parse_scope(&a.scope).map_err(input)?;
            let value = parse_value(&ind, Some(&a.value), None, None, true).map_err(input)?;
            match (a.reason, a.basis) {
                (Some(reason), Some(basis)) => {
                    let revises =
                        projection::target_versions(ledger.store(), &a.indicator, a.year, scope, u64::MAX)?
                            .last()
                            .copied()
                            .ok_or_else(|| {
                                input(format!("there is no {scope} target of {} to revise", a.indicator))
                            })?;
                    Payload::TargetRevised(TargetRevised {
                        indicator: a.indicator,
                        year: a.year,
                        scope,
                        value,
                        stage: a.stage.into(),
                        reason,
                        basis,
                        revises,
                    })
                }
                _ => Payload::TargetSet(TargetSet {
                    indicator: a.indicator,
                    year: a.year,
                    scope,
                    value,
                    stage: a.stage.into(),
                }),
            }
        }
        RecordCommand::Realisasi(a) => {
            let ind = need_indicator(&ledger, &a.indicator)?;
            let period = period::parse(&a.period).map_err(input)?;
            let value = parse_value(
                &ind,
                a.value.as_deref(),
                a.numerator.as_deref(),
                a.denominator.as_deref(),
                false,
            )
            .map_err(input)?;
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: a.indicator,
                period,
                value,
                note: a.note,
            })
        }
        RecordCommand::Spending(a) => Payload::SpendingRecorded(SpendingRecorded {
            account: a.account,
            period: period::parse_quarter(&a.period).map_err(input)?,
            amount: Dec(numfmt::parse_money(&a.amount).map_err(input)?),
            note: a.note,
        }),
        RecordCommand::Narrative(a) => {
            let (pendorong, hambatan, strategi) = match &a.from {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| sakip::Error::io(path, e))?;
                    narrative_sections(&path.display().to_string(), &text).map_err(input)?
                }
                None => (a.pendorong, a.hambatan, a.strategi),
            };
            Payload::NarrativeRecorded(NarrativeRecorded {
                indicator: a.indicator,
                year: a.year,
                faktor_pendorong: pendorong,
                hambatan,
                strategi_pemecahan: strategi,
            })
        }
    };
    let summary = payload.summary();
    let done = ledger.append(&signer, payload)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

pub fn correct(ctx: &Ctx, a: CorrectArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let seq = match (a.seq, &a.indicator, &a.period) {
        (Some(seq), _, _) => seq,
        (None, Some(code), Some(period)) => sakip::import::latest_realisation(&ledger, code, period)?,
        _ => {
            return Err(super::CliError::Usage(
                "give SEQ, or --indicator and --period".into(),
            ))
        }
    };
    let payload = sakip::import::correction(
        &ledger,
        seq,
        a.value.as_deref(),
        a.numerator.as_deref(),
        a.denominator.as_deref(),
        &a.reason,
    )?;
    let summary = payload.summary();
    let done = ledger.append(&signer, payload)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

/// The three parts of a narrative from Markdown: the text under the headings
/// "Faktor pendorong", "Hambatan" and "Strategi pemecahan" (any heading
/// level, case ignored).
fn narrative_sections(name: &str, text: &str) -> Result<(String, String, String), String> {
    let mut parts: [Vec<&str>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut current: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(heading) = line.trim_start().strip_prefix('#') {
            let h = heading.trim_start_matches('#').trim().to_lowercase();
            current = if h.contains("pendorong") {
                Some(0)
            } else if h.contains("hambatan") {
                Some(1)
            } else if h.contains("strategi") {
                Some(2)
            } else {
                return Err(format!(
                    "{name}:{}: heading '{}' is none of Faktor pendorong, Hambatan, Strategi pemecahan",
                    n + 1,
                    heading.trim_start_matches('#').trim()
                ));
            };
            continue;
        }
        match current {
            Some(i) => parts[i].push(line),
            None if line.trim().is_empty() => {}
            None => {
                return Err(format!(
                    "{name}:{}: text before the first heading (## Faktor pendorong, ## Hambatan, ## Strategi pemecahan)",
                    n + 1
                ))
            }
        }
    }
    let [a, b, c] = parts.map(|p| p.join("\n").trim().to_string());
    Ok((a, b, c))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_narrative_file_splits_into_its_three_parts() {
        let text = "## Faktor pendorong\nDukungan pimpinan.\n\n- rapat rutin\n\n## Hambatan\nData terlambat.\n\n### Strategi Pemecahan\nJadwal rekap tetap.\n";
        let (a, b, c) = super::narrative_sections("n.md", text).unwrap();
        assert_eq!(a, "Dukungan pimpinan.\n\n- rapat rutin");
        assert_eq!(b, "Data terlambat.");
        assert_eq!(c, "Jadwal rekap tetap.");
        let err = super::narrative_sections("n.md", "teks lepas\n## Hambatan\nx").unwrap_err();
        assert!(err.contains("n.md:1"), "{err}");
        let err = super::narrative_sections("n.md", "## Lain-lain\nx").unwrap_err();
        assert!(err.contains("n.md:1") && err.contains("Lain-lain"), "{err}");
    }
}

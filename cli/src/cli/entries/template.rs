//! `sakip template realisasi|anggaran`: Excel workbooks to fill in.

use crate::cli::{CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Write an Excel workbook for staff to fill in, from the agency's own
/// plan: codes, names, units and targets locked for reference, value cells
/// validated by kind, instructions in Indonesian. Read it back with
/// `sakip import realisasi FILE.xlsx` (or `import anggaran`), which checks
/// it exactly as a CSV and names a bad cell as FILE.xlsx!Sheet!G12.
#[derive(clap::Subcommand, Debug)]
pub enum TemplateCommand {
    /// Realisasi of every indicator for one triwulan.
    Realisasi(Args),
    /// Spending (realisasi anggaran) of every plan item for one triwulan,
    /// with the year's pagu for reference.
    Anggaran(Args),
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fiscal year.
    #[arg(long)]
    pub year: u16,
    /// Triwulan, 1-4.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub quarter: u8,
    /// The workbook to write (an existing file is refused).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, cmd: TemplateCommand, out: &mut dyn Write) -> CmdResult {
    let (args, what) = match &cmd {
        TemplateCommand::Realisasi(a) => (a, "realisasi"),
        TemplateCommand::Anggaran(a) => (a, "anggaran"),
    };
    let quarter = sakip::period::Quarter::new(args.quarter)
        .ok_or_else(|| sakip::Error::Input(format!("triwulan {} does not exist", args.quarter)))?;
    let ledger = ctx.open_reader()?;
    let bytes = match cmd {
        TemplateCommand::Realisasi(_) => sakip_report::template::realisasi(&ledger, args.year, quarter)?,
        TemplateCommand::Anggaran(_) => sakip_report::template::anggaran(&ledger, args.year, quarter)?,
    };
    sakip::fsutil::write(&args.out, &bytes, crate::cli::existing(args.force), 0o644)?;
    writeln!(
        out,
        "{what} template for TW {} {} written to {} ({} bytes)",
        quarter.roman(),
        args.year,
        args.out.display(),
        bytes.len()
    )?;
    Ok(())
}

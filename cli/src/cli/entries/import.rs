//! `sakip import plan|realisasi|anggaran FILE`: atomic batch imports.

use crate::cli::{CmdResult, Ctx};
use sakip::event::Stage;
use sakip::service::imports::{self, ImportKind};
use std::io::Write;
use std::path::PathBuf;

/// Import a file as one atomic batch: every row is appended, or none is
/// (with `--per-transaction N`, every N rows). `--dry-run` checks it all and
/// shows what would be appended.
///
/// Errors name the file, the line (CSV) or the table entry (TOML), the
/// column or field, and what was expected. Formats are described in
/// schema/plan.schema.json, schema/realisasi.csv.md and schema/anggaran.csv.md.
#[derive(clap::Subcommand, Debug)]
pub enum ImportCommand {
    /// The plan (TOML): plan items, indicators, targets (PK, TW1-TW4,
    /// Renstra) and pagu; `revise = true` entries revise the latest target
    /// or pagu with a reason and legal basis. Signed by an admin key.
    Plan(StagedFileArgs),
    /// Realisations (CSV: indicator,period,value,numerator,denominator,note;
    /// or an xlsx workbook with those columns, such as `sakip template
    /// realisasi` writes). Signed by an operator key.
    Realisasi(FileArgs),
    /// Budget lines (CSV: account,period,jenis,amount,reason,basis,note; or
    /// an xlsx workbook with those columns, such as `sakip template
    /// anggaran` writes); jenis is pagu (admin key) or realisasi (spending,
    /// operator key).
    Anggaran(StagedFileArgs),
}

#[derive(clap::Args, Debug)]
pub struct FileArgs {
    /// The file to import.
    pub file: PathBuf,
    /// Check everything an import checks (signer's role, every row against
    /// the plan) and list what would be appended, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit every N rows as a transaction of its own instead of the whole
    /// file as one, for loading a long history (years of realisations from
    /// a spreadsheet). Each transaction is all or nothing, and durable
    /// before the next is written; a refused row leaves the transactions
    /// before its own appended, and the refusal names the row and how many
    /// events are in.
    /// Fix the row and import the rows from its transaction on.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub per_transaction: Option<u32>,
}

#[derive(clap::Args, Debug)]
pub struct StagedFileArgs {
    #[command(flatten)]
    pub file: FileArgs,
    /// Budget stage recorded on the targets and pagu of the file: murni (the
    /// original plan) or perubahan (the amendment). Default: murni for a
    /// plan; for a budget file, perubahan on pagu revisions (a pagu set for
    /// the first time is murni).
    #[arg(long, value_enum)]
    pub stage: Option<StageArg>,
}

/// Budget stage on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum StageArg {
    Murni,
    Perubahan,
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Stage {
        match s {
            StageArg::Murni => Stage::Murni,
            StageArg::Perubahan => Stage::Perubahan,
        }
    }
}

pub fn run(ctx: &Ctx, cmd: ImportCommand, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let (ImportCommand::Plan(StagedFileArgs { file: args, .. })
    | ImportCommand::Realisasi(args)
    | ImportCommand::Anggaran(StagedFileArgs { file: args, .. })) = &cmd;
    let bytes = sakip::limits::read_file(&args.file, sakip::limits::MAX_TEXT_FILE_BYTES, "an imported file")?;
    let name = args.file.display().to_string();
    let kind = match &cmd {
        ImportCommand::Plan(a) => ImportKind::Plan(a.stage.map_or(Stage::Murni, Stage::from)),
        ImportCommand::Realisasi(_) => ImportKind::Realisasi,
        ImportCommand::Anggaran(a) => ImportKind::Anggaran(a.stage.map_or(Stage::Perubahan, Stage::from)),
    };
    let (rows, notes) = sakip_report::workbook::read_bytes(&ledger, kind, &name, &bytes)?;
    for note in &notes {
        writeln!(out, "note: {note}")?;
    }
    if args.dry_run {
        let would = imports::dry_run(&ledger, &signer, rows)?;
        for p in &would {
            writeln!(out, "seq {}: {}", p.seq, p.summary)?;
        }
        writeln!(
            out,
            "dry run: {} from {name} would be appended; nothing was written",
            sakip::event::count(would.len(), "event", "events")
        )?;
        return Ok(());
    }
    let done = match args.per_transaction {
        Some(n) => imports::append_in_transactions(&mut ledger, &signer, rows, n as usize)?,
        None => imports::append(&mut ledger, &signer, rows)?,
    };
    match (done.first(), done.last()) {
        (Some(first), Some(last)) => writeln!(
            out,
            "imported {} from {name} (seq {}..{})",
            sakip::event::count(done.len(), "event", "events"),
            first.seq,
            last.seq
        )?,
        _ => writeln!(out, "{name} has no rows; nothing appended")?,
    }
    Ok(())
}

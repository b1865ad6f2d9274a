//! The arguments: the global flags and one subcommand, each subcommand's
//! own `clap::Args` in its module.

use super::{
    approve, audit, bench, bundle, checkpoint, demo, import, init, key, log, rebuild, record, report, retire,
    rollup, serve, settings, show, status, template, tiles, verify, witness,
};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// sakip: a signed, hash-chained, bitemporal ledger for SAKIP performance
/// accountability (Perjanjian Kinerja, realisasi, anggaran, LKjIP).
///
/// Every entry is an Ed25519-signed event chained by SHA-256 into an
/// append-only store; nothing is overwritten. Exit codes: 0 ok, 1 user error
/// or refused event, 2 usage, 3 integrity failure, 4 internal error.
#[derive(Parser, Debug)]
#[command(name = "sakip", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Ledger directory.
    #[arg(long, global = true, env = "SAKIP_LEDGER", default_value = "./sakip-ledger")]
    pub ledger: PathBuf,
    /// Private key file (PKCS#8 PEM, mode 0600) that signs what this command appends.
    #[arg(long, global = true, env = "SAKIP_KEY")]
    pub key: Option<PathBuf>,
    /// Name of an environment variable holding the passphrase of a protected
    /// --key (without it, sakip asks on the terminal).
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Output format (each command lists the formats it supports).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Colour in terminal output; `auto` honours NO_COLOR and whether stdout is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Read from an exported bundle instead of a ledger: it is verified
    /// (as `verify-bundle`) and loaded in memory, and the commands that
    /// only read (status, log, show, history, diff, audit check, audit
    /// replay, report rendering and report verify) answer from it. Commands
    /// that write refuse it.
    #[arg(long, global = true, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
}

/// Output formats. For commands that list things (status, log, key list,
/// history, diff, audit check), `json` is one JSON array and `jsonl` one
/// object per line (JSON Lines); a single result (show, verify, a report)
/// is one JSON document.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    Md,
    Html,
    /// An Excel workbook (reports, with --out).
    Xlsx,
    /// A Word document (reports, with --out).
    Docx,
    /// A PDF document (reports, with --out).
    Pdf,
}

/// When to colour output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Demo(demo::Args),
    Init(init::Args),
    #[command(subcommand)]
    Key(key::KeyCommand),
    #[command(subcommand)]
    Import(import::ImportCommand),
    #[command(subcommand)]
    Template(template::TemplateCommand),
    #[command(subcommand)]
    Record(record::RecordCommand),
    Correct(record::CorrectArgs),
    #[command(subcommand)]
    Retire(retire::RetireCommand),
    Approve(approve::Args),
    Status(status::Args),
    #[command(subcommand)]
    Report(report::ReportCommand),
    Log(log::Args),
    History(audit::inspect::HistoryArgs),
    Diff(audit::inspect::DiffArgs),
    #[command(subcommand)]
    Audit(audit::inspect::AuditCommand),
    Show(show::Args),
    Settings(settings::Args),
    Verify(verify::Args),
    Checkpoint(checkpoint::CheckpointArgs),
    Prove(checkpoint::ProveArgs),
    Export(bundle::ExportArgs),
    #[command(name = "verify-bundle")]
    VerifyBundle(bundle::VerifyBundleArgs),
    Restore(bundle::RestoreArgs),
    #[command(name = "verify-proof")]
    VerifyProof(checkpoint::VerifyProofArgs),
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
    Publish(tiles::PublishArgs),
    Rollup(rollup::Args),
    Mirror(tiles::MirrorArgs),
    Rebuild(rebuild::Args),
    Bench(bench::Args),
    Serve(serve::Args),
}

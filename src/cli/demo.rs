//! `sakip demo`: build the reference ledger, verify it, print its summary.

use super::{CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Build the reference ledger (BKPSDM Kota Kediri, 2021) in a fresh
/// directory, verify it, and print the result.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to build the ledger (default: a new temporary directory, kept).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(_ctx: &Ctx, _args: Args, _out: &mut dyn Write) -> CmdResult {
    Err(super::CliError::Usage("demo is not built yet".into()))
}

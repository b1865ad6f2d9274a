//! `sakip retire`: withdraw a wrongly defined plan item or indicator from a
//! year on (admin).

use crate::cli::{CmdResult, Ctx};
use sakip::event::{Payload, Retired};
use std::io::Write;

/// Withdraw a plan item or indicator from a fiscal year on (admin).
///
/// A sasaran or IKU imported by mistake stops appearing in the status and
/// reports of that year and later years; its events stay in the ledger,
/// `sakip history` and `sakip audit replay`, and earlier years are
/// unchanged. Retiring a plan item retires everything under it.
///
/// Example: sakip retire indicator IKU-9 --year 2022 --reason "salah input, bukan IKU PK 2022"
#[derive(clap::Subcommand, Debug)]
pub enum RetireCommand {
    /// Retire a plan item (tujuan, sasaran, program, kegiatan, sub kegiatan) and what lies under it.
    Item(Args),
    /// Retire one indicator.
    Indicator(Args),
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The code of the plan item or indicator.
    pub code: String,
    /// The first fiscal year it no longer counts in.
    #[arg(long)]
    pub year: u16,
    /// Why it is withdrawn (kept in the ledger).
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &Ctx, cmd: RetireCommand, out: &mut dyn Write) -> CmdResult {
    let (args, indicator) = match cmd {
        RetireCommand::Item(a) => (a, false),
        RetireCommand::Indicator(a) => (a, true),
    };
    let signer = ctx.signer()?;
    let mut ledger = ctx.open_ledger()?;
    let retired = Retired {
        code: args.code,
        year: args.year,
        reason: args.reason,
    };
    let payload = if indicator {
        Payload::IndicatorRetired(retired)
    } else {
        Payload::PlanItemRetired(retired)
    };
    let summary = payload.summary();
    let done = ledger.append(&signer, payload)?;
    writeln!(out, "seq {}: {summary}", done.seq)?;
    Ok(())
}

//! `sakip settings`: the agency's settings, set by an admin as an event.

use crate::cli::{CmdResult, Ctx};
use sakip::event::{AgencySettings, Payload, TimeZone};
use std::io::Write;

/// Show the agency's settings, or change them (admin key).
///
/// The time zone (WIB, WITA, WIT) is the one the agency's people read and
/// type times in: every time `sakip` shows is in it, and a `--known-at`
/// date without a zone means the end of that day in it. Stored times stay
/// UTC, so a change affects display only, and is itself an event.
///
/// Example: sakip --key admin.key settings --time-zone WITA
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Set the time zone: WIB (UTC+7), WITA (UTC+8) or WIT (UTC+9).
    #[arg(long, value_parser = crate::cli::init::parse_zone)]
    pub time_zone: Option<TimeZone>,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    match args.time_zone {
        None => {
            let ledger = ctx.open_ledger()?;
            let zone = ledger.time_zone_at(ledger.head().count - 1)?;
            writeln!(out, "time zone: {}", zone.name())?;
        }
        Some(time_zone) => {
            let signer = ctx.signer()?;
            let mut ledger = ctx.open_ledger()?;
            let payload = Payload::AgencySettings(AgencySettings { time_zone });
            let summary = payload.summary();
            let done = ledger.append(&signer, payload)?;
            writeln!(out, "seq {}: {summary}", done.seq)?;
        }
    }
    Ok(())
}

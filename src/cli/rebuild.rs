//! `sakip rebuild`: drop the projection index and rebuild it from events.

use super::{CmdResult, Ctx};
use std::io::Write;

/// Drop and rebuild the projections (the as-of indexes) and the Merkle tree
/// from the events alone. The events are not touched. Safe to run at any time; an
/// interrupted rebuild is detected at the next open.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_ledger_for_rebuild()?;
    let t = std::time::Instant::now();
    let events = ledger.rebuild()?;
    ledger.rebuild_merkle()?;
    let secs = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "rebuilt projections and the Merkle tree from {events} events in {secs:.2} s"
    )?;
    Ok(())
}

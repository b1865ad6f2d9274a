//! `sakip rebuild`: recompute every derived tree from the events.

use crate::cli::{CmdResult, Ctx};
use std::io::Write;

/// Recompute every derived tree from the events alone: the projections (the
/// as-of indexes), the Merkle tree, the hash and kind look-ups, the key
/// registry and the head record.
///
/// The events are checked first (hashes, links, signatures, authorization)
/// and never touched; if they do not verify, nothing is rebuilt and the way
/// back is `sakip restore` from a bundle. This is the repair when `sakip
/// verify` reports a derived tree that does not match the events. Safe to run
/// at any time; an interrupted rebuild is detected at the next open.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args, out: &mut dyn Write) -> CmdResult {
    let mut ledger = ctx.open_ledger_for_rebuild()?;
    let t = std::time::Instant::now();
    let events = ledger.rebuild_all()?;
    let secs = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "rebuilt the projections, the Merkle tree, the look-ups, the key registry and the head from {events} events in {secs:.2} s"
    )?;
    Ok(())
}

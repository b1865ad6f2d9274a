//! `sakip approve`: the head's decision on recorded entries.

use super::{CmdResult, Ctx};
use sakip::event::{Approval, Decision, Payload};
use std::io::Write;

/// Approve (or reject, or return for correction) earlier events.
///
/// Signed by a key with the approver role (the head of the agency). An entry
/// counts in approved-only views once an approval covers it.
///
/// Example: sakip approve 41 42 43 --comment "Sesuai data SIMPEG"
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seqs of the events covered.
    #[arg(required_unless_present = "pending", conflicts_with = "pending")]
    pub seqs: Vec<u64>,
    /// Cover every event that has no decision yet.
    #[arg(long)]
    pub pending: bool,
    /// Reject instead of approve.
    #[arg(long, conflicts_with = "return_")]
    pub reject: bool,
    /// Return for correction instead of approve.
    #[arg(long = "return", id = "return_")]
    pub return_: bool,
    /// A comment recorded with the decision.
    #[arg(long)]
    pub comment: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let decision = if args.reject {
        Decision::Reject
    } else if args.return_ {
        Decision::Return
    } else {
        Decision::Approve
    };
    let mut ledger = ctx.open_ledger()?;
    let seqs = if args.pending {
        ledger.pending_approvals()?
    } else {
        args.seqs
    };
    if seqs.is_empty() {
        writeln!(out, "nothing is pending approval")?;
        return Ok(());
    }
    let done = ledger.append(
        &signer,
        Payload::Approval(Approval {
            decision,
            covers: seqs.clone(),
            comment: args.comment.filter(|c| !c.trim().is_empty()),
        }),
    )?;
    writeln!(
        out,
        "seq {}: {} {}",
        done.seq,
        decision.name(),
        sakip::event::seq_list(&seqs)
    )?;
    Ok(())
}

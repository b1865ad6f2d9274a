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
    /// Cover every event that has no decision yet (except those signed by
    /// this key: no key decides on its own entry). The entries are listed,
    /// corrections with their value before and after, and confirmed on the
    /// terminal, or with --yes.
    #[arg(long)]
    pub pending: bool,
    /// Decide without asking (for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,
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
        let me = signer.public();
        let mut mine = 0;
        let mut seqs = Vec::new();
        for seq in ledger.pending_approvals()? {
            if ledger
                .kind_and_author(seq)?
                .is_some_and(|(_, author)| author == me)
            {
                mine += 1;
            } else {
                seqs.push(seq);
            }
        }
        if seqs.is_empty() {
            writeln!(out, "nothing is pending approval")?;
        } else {
            preview(&ledger, &seqs, decision, out)?;
        }
        if mine > 0 {
            writeln!(
                out,
                "{mine} pending {} signed by this key, left for another approver",
                if mine == 1 { "entry is" } else { "entries are" }
            )?;
        }
        if seqs.is_empty() {
            return Ok(());
        }
        if !args.yes && !confirm(decision, seqs.len())? {
            writeln!(out, "nothing was decided")?;
            return Ok(());
        }
        seqs
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

/// The entries a decision covers: who recorded what, corrections as
/// before -> after.
fn preview(
    ledger: &sakip::ledger::Ledger,
    seqs: &[u64],
    decision: Decision,
    out: &mut dyn Write,
) -> CmdResult {
    let mut rows = Vec::new();
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    for &seq in seqs {
        let Some(e) = ledger.event(seq)? else { continue };
        let what = match &e.event.payload {
            Payload::RealisationCorrected(c) => {
                let before = ledger
                    .event(c.supersedes)?
                    .and_then(|b| match b.event.payload {
                        Payload::RealisationRecorded(r) => Some(r.value.to_string()),
                        Payload::RealisationCorrected(r) => Some(r.value.to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "?".into());
                format!(
                    "koreksi {} {}: {before} -> {} ({})",
                    c.indicator, c.period, c.value, c.reason
                )
            }
            other => other.summary(),
        };
        rows.push(vec![
            seq.to_string(),
            sakip::clock::format_local(e.event.recorded_at, zone),
            super::author_label(ledger, &e.event.author),
            what,
        ]);
    }
    writeln!(out, "{} entries to {}:", seqs.len(), decision.name())?;
    out.write_all(super::table(&["seq", "dicatat", "oleh", "entri"], &rows).as_bytes())?;
    Ok(())
}

/// Ask on the terminal; without one, the caller must pass --yes.
fn confirm(decision: Decision, n: usize) -> Result<bool, super::CliError> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        return Err(sakip::Error::Input(format!(
            "{n} entries would be decided ({}); confirm with --yes (no terminal to ask on)",
            decision.name()
        ))
        .into());
    }
    eprint!("{} these {n} entries? [y/N] ", decision.name());
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "ya" | "yes"))
}

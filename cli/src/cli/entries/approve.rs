//! `sakip approve`: the head's decision on recorded entries.

use crate::cli::{CmdResult, Ctx};
use sakip::event::Decision;
use sakip::service::approvals;
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
        let queue = approvals::queue(&ledger, &signer.public())?;
        if queue.entries.is_empty() {
            writeln!(out, "nothing is pending approval")?;
        } else {
            preview(&ledger, &queue.entries, decision, out)?;
        }
        if queue.own > 0 {
            writeln!(
                out,
                "{} pending {} signed by this key, left for another approver",
                queue.own,
                if queue.own == 1 { "entry is" } else { "entries are" }
            )?;
        }
        if queue.entries.is_empty() {
            return Ok(());
        }
        let seqs: Vec<u64> = queue.entries.iter().map(|p| p.event.event.seq).collect();
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
    let done = ledger.append(&signer, approvals::decision(decision, seqs.clone(), args.comment))?;
    writeln!(
        out,
        "seq {}: {} {}",
        done.seq,
        decision.name(),
        sakip::event::seq_list(&seqs)
    )?;
    Ok(())
}

fn preview(
    ledger: &sakip::ledger::Ledger,
    entries: &[approvals::Pending],
    decision: Decision,
    out: &mut dyn Write,
) -> CmdResult {
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|p| {
            vec![
                p.event.event.seq.to_string(),
                sakip::clock::format_local(p.event.event.recorded_at, zone),
                crate::cli::author_label(ledger, &p.event.event.author),
                p.what.clone(),
            ]
        })
        .collect();
    writeln!(out, "{} entries to {}:", entries.len(), decision.name())?;
    out.write_all(crate::cli::table(&["seq", "dicatat", "oleh", "entri"], &rows).as_bytes())?;
    Ok(())
}

fn confirm(decision: Decision, n: usize) -> Result<bool, crate::cli::CliError> {
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

//! `sakip audit check|replay`, `sakip history`, `sakip diff`: what the
//! inspectorate uses to read the ledger's story.

use crate::cli::{author_label, table, CliError, CmdResult, Ctx, Format};
use sakip::clock::{format_local, format_micros};
use sakip::service::history::{self, brief};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Audit the ledger: consistency findings, or a replay of its history.
#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Findings with severity, each naming the events involved: issued
    /// reports that disagree with the ledger or were overtaken by later
    /// changes, unapproved entries in reports, ratios over 100%, spending
    /// over pagu, budgets and totals that do not add up (docs/audit.md).
    Check(CheckArgs),
    /// Every event in order with its author (name, role), time, summary and
    /// the change it made to the indicator it is about (before -> after).
    Replay(ReplayArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Only this fiscal year.
    #[arg(long)]
    pub year: Option<u16>,
    /// A cosigned checkpoint you hold (repeatable): events it does not
    /// contain that claim a time before its witnesses cosigned it are
    /// reported as backdated.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// A witness whose cosignatures count: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub")]
    pub witness: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    #[arg(long)]
    pub to: Option<u64>,
}

/// Every target, revision, realisation, correction, pagu, spending,
/// narrative and approval of one indicator (or budget account), with who,
/// when, why, the legal basis and the approval state.
#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// Indicator or budget account code.
    pub indicator: String,
    #[arg(long)]
    pub year: Option<u16>,
}

/// What each indicator's state was at two recorded times, for those that
/// differ, with the events that explain the difference.
///
/// Example: sakip diff --known-at 2022-01-10 --known-at 2022-02-25 --year 2021
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The two times (give the flag twice).
    #[arg(long = "known-at", num_args = 1, required = true)]
    pub known_at: Vec<String>,
    #[arg(long)]
    pub year: u16,
    /// The quarter (default TW IV).
    #[arg(long)]
    pub as_of: Option<String>,
}

pub fn run(ctx: &Ctx, cmd: AuditCommand, out: &mut dyn Write) -> CmdResult {
    match cmd {
        AuditCommand::Check(a) => check(ctx, a, out),
        AuditCommand::Replay(a) => replay(ctx, a, out),
    }
}

fn check(ctx: &Ctx, args: CheckArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("audit check", &[Format::Table, Format::Json, Format::Jsonl])?;
    let checkpoints = args
        .checkpoint
        .iter()
        .map(|p| crate::cli::audit::files::read_checkpoint(p))
        .collect::<Result<Vec<_>, _>>()?;
    let witnesses = crate::cli::audit::files::witness_keys(&args.witness)?;
    let ledger = ctx.open_reader()?;
    let findings =
        sakip::service::audit::check_with_checkpoints(&ledger, args.year, checkpoints, &witnesses)?;
    if crate::cli::is_json(format) {
        let mut list = crate::cli::JsonList::new(format);
        for f in &findings {
            list.push(
                out,
                &serde_json::to_value(f).map_err(|e| CliError::Output(e.into()))?,
            )?;
        }
        return list.finish(out);
    }
    for f in &findings {
        let sev = match f.severity {
            sakip::service::audit::Severity::Warning => ctx.paint("warning", "33"),
            sakip::service::audit::Severity::Info => ctx.paint("info", "36"),
        };
        writeln!(
            out,
            "{sev} [{}] {} (seq {})",
            f.check,
            f.message,
            sakip::event::seq_list(&f.events)
        )?;
    }
    let warnings = findings
        .iter()
        .filter(|f| f.severity == sakip::service::audit::Severity::Warning)
        .count();
    writeln!(
        out,
        "{} ({})",
        sakip::event::count(findings.len(), "finding", "findings"),
        sakip::event::count(warnings, "warning", "warnings")
    )?;
    Ok(())
}

fn replay(ctx: &Ctx, args: ReplayArgs, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_reader()?;
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let to = args
        .to
        .unwrap_or(u64::MAX)
        .min(ledger.head().count.saturating_sub(1));
    let total = to.saturating_sub(args.from) + 1;
    for (n, e) in ledger.events_from(args.from).enumerate() {
        let e = e?;
        if e.event.seq > to {
            break;
        }
        if total > 10_000 && n % 10_000 == 0 {
            eprintln!("replay: {n} of {total} events");
        }
        writeln!(
            out,
            "{:>6}  {}  {}  {}",
            e.event.seq,
            format_local(e.event.recorded_at, zone),
            history::author_with_roles(&ledger, &e.event.author),
            e.event.payload.summary()
        )?;
        if let Some((code, year, before, after)) = history::step(&ledger, &e)? {
            writeln!(
                out,
                "        {code} {year}: {} -> {}",
                brief(before.as_ref()),
                brief(after.as_ref())
            )?;
        }
    }
    Ok(())
}

pub fn history(ctx: &Ctx, args: HistoryArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("history", &[Format::Table, Format::Json, Format::Jsonl])?;
    let ledger = ctx.open_reader()?;
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let rows = history::history(&ledger, &args.indicator, args.year)?;
    if crate::cli::is_json(format) {
        let mut list = crate::cli::JsonList::new(format);
        for r in &rows {
            let e = &r.event;
            list.push(
                out,
                &json!({"seq": e.event.seq, "recorded_at": format_micros(e.event.recorded_at), "kind": e.event.payload.kind().name(),
                    "what": r.what, "value": r.value, "why": r.why, "approval": r.approval, "by": author_label(&ledger, &e.event.author)}),
            )?;
        }
        return list.finish(out);
    }
    let table_rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                r.event.event.seq.to_string(),
                format_local(r.event.event.recorded_at, zone),
                author_label(&ledger, &r.event.event.author),
                r.what,
                r.value,
                r.why,
                r.approval,
            ]
        })
        .collect();
    out.write_all(
        table(
            &[
                "seq",
                "dicatat",
                "oleh",
                "peristiwa",
                "nilai",
                "alasan / dasar / catatan",
                "persetujuan",
            ],
            &table_rows,
        )
        .as_bytes(),
    )?;
    Ok(())
}

pub fn diff(ctx: &Ctx, args: DiffArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("diff", &[Format::Table, Format::Json, Format::Jsonl])?;
    let mut list = crate::cli::JsonList::new(format);
    let [known_a, known_b] = args.known_at.as_slice() else {
        return Err(CliError::Usage(
            "diff needs --known-at twice: --known-at A --known-at B".into(),
        ));
    };
    let ledger = ctx.open_reader()?;
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let d = history::diff(&ledger, args.year, args.as_of.as_deref(), known_a, known_b)?;
    for c in &d.changes {
        let code = &c.b.indicator.code;
        if crate::cli::is_json(format) {
            let events: Vec<u64> = c.events.iter().map(|e| e.event.seq).collect();
            list.push(
                out,
                &json!({"code": code, "name": c.b.indicator.name, "a": brief(c.a.as_ref()), "b": brief(Some(&c.b)), "events": events}),
            )?;
            continue;
        }
        writeln!(out, "{code} {}", c.b.indicator.name)?;
        writeln!(out, "  {}: {}", d.a.known_at_text, brief(c.a.as_ref()))?;
        writeln!(out, "  {}: {}", d.b.known_at_text, brief(Some(&c.b)))?;
        for e in &c.events {
            writeln!(
                out,
                "    seq {} {} {}: {}",
                e.event.seq,
                format_local(e.event.recorded_at, zone),
                author_label(&ledger, &e.event.author),
                e.event.payload.summary()
            )?;
        }
    }
    if crate::cli::is_json(format) {
        return list.finish(out);
    }
    if d.changes.is_empty() {
        writeln!(
            out,
            "no indicator differs between {} and {}",
            d.a.known_at_text, d.b.known_at_text
        )?;
    }
    Ok(())
}

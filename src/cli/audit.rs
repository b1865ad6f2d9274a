//! `sakip audit check|replay`, `sakip history`, `sakip diff`: what the
//! inspectorate uses to read the ledger's story.

use super::query::QueryArgs;
use super::{author_label, table, CliError, CmdResult, Ctx, Format};
use sakip::authz::roles_text;
use sakip::clock::{format_local, format_micros};
use sakip::event::{Payload, Value};
use sakip::ledger::Ledger;
use sakip::projection::{self, IndicatorState, Query};
use serde_json::json;
use std::io::Write;

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
    let ledger = ctx.open_ledger()?;
    let findings = sakip::audit::check(&ledger, args.year)?;
    if super::is_json(format) {
        let mut list = super::JsonList::new(format);
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
            sakip::audit::Severity::Warning => ctx.paint("warning", "33"),
            sakip::audit::Severity::Info => ctx.paint("info", "36"),
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
        .filter(|f| f.severity == sakip::audit::Severity::Warning)
        .count();
    writeln!(
        out,
        "{} ({})",
        sakip::event::count(findings.len(), "finding", "findings"),
        sakip::event::count(warnings, "warning", "warnings")
    )?;
    Ok(())
}

fn who(ledger: &Ledger, key: &sakip::event::PublicKey) -> String {
    match ledger.registry().get(key) {
        Some(s) => format!("{} ({})", s.holder.name, roles_text(&s.roles)),
        None => format!("unknown key {}", key.key_id()),
    }
}

/// The indicator and year an event is about, if any.
fn subject(p: &Payload) -> Option<(String, u16)> {
    match p {
        Payload::TargetSet(t) => Some((t.indicator.clone(), t.year)),
        Payload::TargetRevised(t) => Some((t.indicator.clone(), t.year)),
        Payload::RealisationRecorded(r) => Some((r.indicator.clone(), r.period.year)),
        Payload::RealisationCorrected(r) => Some((r.indicator.clone(), r.period.year)),
        _ => None,
    }
}

fn brief(s: Option<&IndicatorState>) -> String {
    match s {
        None => "-".into(),
        Some(s) => {
            let r = s
                .realisasi
                .as_ref()
                .map(|v| sakip::report::show_value(&s.indicator, v))
                .unwrap_or_else(|| "belum ada data".into());
            let c = s
                .capaian
                .score()
                .map(sakip::numfmt::percent)
                .unwrap_or_else(|| "-".into());
            format!("{r}, capaian {c}")
        }
    }
}

fn state_of(ledger: &Ledger, code: &str, year: u16, known: u64) -> Result<Option<IndicatorState>, CliError> {
    let q = Query {
        year,
        as_of: 4,
        known,
        approved_only: false,
    };
    Ok(projection::state(&ledger.index(), &q)?
        .into_iter()
        .find(|s| s.indicator.code == code))
}

fn replay(ctx: &Ctx, args: ReplayArgs, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_ledger()?;
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
            who(&ledger, &e.event.author),
            e.event.payload.summary()
        )?;
        if let Some((code, year)) = subject(&e.event.payload) {
            let before = if e.event.seq == 0 {
                None
            } else {
                state_of(&ledger, &code, year, e.event.seq - 1)?
            };
            let after = state_of(&ledger, &code, year, e.event.seq)?;
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

fn value_text(v: &Value) -> String {
    v.to_string()
}

pub fn history(ctx: &Ctx, args: HistoryArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("history", &[Format::Table, Format::Json, Format::Jsonl])?;
    let ledger = ctx.open_ledger()?;
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let seqs = projection::indicator_events(&ledger.index(), &args.indicator, args.year)?;
    if seqs.is_empty() {
        return Err(
            sakip::Error::Input(format!("no events about '{}' in this ledger", args.indicator)).into(),
        );
    }
    let mut rows = Vec::new();
    for seq in seqs {
        let e = ledger
            .event(seq)?
            .ok_or_else(|| sakip::Error::integrity(seq, "event missing"))?;
        let (what, value, why) = match &e.event.payload {
            Payload::IndicatorDefined(i) => ("definisi".into(), i.unit.clone(), i.name.clone()),
            Payload::PlanItemDefined(i) => ("definisi".into(), i.level.label().into(), i.name.clone()),
            Payload::TargetSet(t) => (
                format!("target {} {}", t.year, t.scope),
                value_text(&t.value),
                String::new(),
            ),
            Payload::TargetRevised(t) => (
                format!("revisi target {} {}", t.year, t.scope),
                value_text(&t.value),
                format!(
                    "{} (dasar: {}; menggantikan seq {})",
                    t.reason, t.basis, t.revises
                ),
            ),
            Payload::RealisationRecorded(r) => (
                format!("realisasi {}", r.period),
                value_text(&r.value),
                r.note.clone().unwrap_or_default(),
            ),
            Payload::RealisationCorrected(r) => (
                format!("koreksi realisasi {}", r.period),
                value_text(&r.value),
                format!("{} (menggantikan seq {})", r.reason, r.supersedes),
            ),
            Payload::BudgetSet(b) => (
                format!("pagu {}", b.year),
                sakip::numfmt::rupiah(b.pagu.0),
                String::new(),
            ),
            Payload::BudgetRevised(b) => (
                format!("revisi pagu {}", b.year),
                sakip::numfmt::rupiah(b.pagu.0),
                format!("{} (dasar: {})", b.reason, b.basis),
            ),
            Payload::SpendingRecorded(s) => (
                format!("realisasi anggaran {}", s.period),
                sakip::numfmt::rupiah(s.amount.0),
                s.note.clone().unwrap_or_default(),
            ),
            Payload::NarrativeRecorded(n) => {
                (format!("narasi {}", n.year), String::new(), n.hambatan.clone())
            }
            Payload::Approval(a) => (
                a.decision.name().into(),
                sakip::event::seq_list(&a.covers),
                a.comment.clone().unwrap_or_default(),
            ),
            Payload::PlanItemRetired(x) | Payload::IndicatorRetired(x) => (
                format!("dihentikan mulai {}", x.year),
                String::new(),
                x.reason.clone(),
            ),
            other => (other.kind().name().into(), String::new(), String::new()),
        };
        let state = match &e.event.payload {
            Payload::Approval(_) | Payload::IndicatorDefined(_) | Payload::PlanItemDefined(_) => {
                String::new()
            }
            _ => match projection::decision(&ledger.index(), seq, u64::MAX)? {
                Some((at, d)) => format!("{} (seq {at})", d.name()),
                None => "belum diputuskan".into(),
            },
        };
        rows.push((e, what, value, why, state));
    }
    if super::is_json(format) {
        let mut list = super::JsonList::new(format);
        for (e, what, value, why, state) in &rows {
            list.push(
                out,
                &json!({"seq": e.event.seq, "recorded_at": format_micros(e.event.recorded_at), "kind": e.event.payload.kind().name(),
                    "what": what, "value": value, "why": why, "approval": state, "by": author_label(&ledger, &e.event.author)}),
            )?;
        }
        return list.finish(out);
    }
    let table_rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(e, what, value, why, state)| {
            vec![
                e.event.seq.to_string(),
                format_local(e.event.recorded_at, zone),
                author_label(&ledger, &e.event.author),
                what,
                value,
                why,
                state,
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
    let mut list = super::JsonList::new(format);
    if args.known_at.len() != 2 {
        return Err(CliError::Usage(
            "diff needs --known-at twice: --known-at A --known-at B".into(),
        ));
    }
    let ledger = ctx.open_ledger()?;
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let point = |t: &str| {
        QueryArgs {
            year: args.year,
            as_of: args.as_of.clone(),
            known_at: Some(t.to_string()),
            known_at_seq: None,
            approved_only: false,
        }
        .resolve(&ledger)
    };
    let a = point(&args.known_at[0])?;
    let b = point(&args.known_at[1])?;
    let (lo, hi) = (a.query.known.min(b.query.known), a.query.known.max(b.query.known));
    let sa = projection::state(&ledger.index(), &a.query)?;
    let sb = projection::state(&ledger.index(), &b.query)?;
    let mut any = false;
    for s_b in &sb {
        let s_a = sa.iter().find(|s| s.indicator.code == s_b.indicator.code);
        let same = s_a.is_some_and(|s| {
            s.realisasi == s_b.realisasi
                && s.capaian == s_b.capaian
                && s.target.as_ref().map(|t| &t.1.value) == s_b.target.as_ref().map(|t| &t.1.value)
        });
        if same {
            continue;
        }
        any = true;
        let code = &s_b.indicator.code;
        let events: Vec<u64> = projection::indicator_events(&ledger.index(), code, Some(args.year))?
            .into_iter()
            .filter(|s| *s > lo && *s <= hi)
            .collect();
        if super::is_json(format) {
            list.push(
                out,
                &json!({"code": code, "name": s_b.indicator.name, "a": brief(s_a), "b": brief(Some(s_b)), "events": events}),
            )?;
            continue;
        }
        writeln!(out, "{code} {}", s_b.indicator.name)?;
        writeln!(out, "  {}: {}", a.known_at_text, brief(s_a))?;
        writeln!(out, "  {}: {}", b.known_at_text, brief(Some(s_b)))?;
        for seq in events {
            if let Some(e) = ledger.event(seq)? {
                writeln!(
                    out,
                    "    seq {seq} {} {}: {}",
                    format_local(e.event.recorded_at, zone),
                    author_label(&ledger, &e.event.author),
                    e.event.payload.summary()
                )?;
            }
        }
    }
    if super::is_json(format) {
        return list.finish(out);
    }
    if !any {
        writeln!(
            out,
            "no indicator differs between {} and {}",
            a.known_at_text, b.known_at_text
        )?;
    }
    Ok(())
}

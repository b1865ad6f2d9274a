//! `sakip log`: the events in order.

use crate::cli::{author_label, table, write_csv, CmdResult, Ctx, Format};
use sakip::service::events;
use std::io::Write;

/// List events in seq order: who signed what, when.
///
/// --format json prints one JSON object per line (seq, hash, prev, kind,
/// author, author_name, recorded_at, payload).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// First seq to list.
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// Only events of this kind (see `sakip log --help`).
    #[arg(long)]
    pub kind: Option<String>,
    /// At most this many events.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only events signed by this key: a key id (at least 8 hex digits) or
    /// the public key.
    #[arg(long, value_name = "KEY")]
    pub author: Option<String>,
    /// Only events about this period: a quarter (2022-Q1, TW I 2022) or a
    /// year (2022: every event about that year).
    #[arg(long)]
    pub period: Option<String>,
    /// Only events recorded from this date or time on (a date starts at
    /// 00.00 in the agency's zone).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only events recorded up to this date or time (a date ends at
    /// 24.00 in the agency's zone).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("log", &[Format::Table, Format::Json, Format::Jsonl, Format::Csv])?;
    let mut list = crate::cli::JsonList::new(format);
    let ledger = ctx.open_reader()?;
    let filter = events::Filter {
        from: args.from,
        kind: args.kind.as_deref().map(events::kind_named).transpose()?,
        limit: args.limit,
        author: args
            .author
            .as_deref()
            .map(|a| events::author_named(&ledger, a))
            .transpose()?,
        period: args.period.as_deref().map(events::period_named).transpose()?,
        since: args
            .since
            .as_deref()
            .map(|t| events::time_bound(&ledger, t, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| events::time_bound(&ledger, t, true))
            .transpose()?,
    };
    // Looked up once: every row is shown in the zone in force now.
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let mut rows = Vec::new();
    for e in events::list(&ledger, &filter) {
        let e = e?;
        match format {
            Format::Json | Format::Jsonl => list.push(out, &events::event_json(&ledger, &e))?,
            _ => rows.push(vec![
                e.event.seq.to_string(),
                sakip::clock::format_local(e.event.recorded_at, zone),
                e.event.payload.kind().name().to_string(),
                author_label(&ledger, &e.event.author),
                e.event.payload.summary(),
            ]),
        }
    }
    let header = ["seq", "recorded_at", "kind", "author", "summary"];
    match format {
        Format::Json | Format::Jsonl => list.finish(out),
        Format::Csv => write_csv(out, &header, &rows),
        _ => {
            out.write_all(table(&header, &rows).as_bytes())?;
            Ok(())
        }
    }
}

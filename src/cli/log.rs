//! `sakip log`: the events in order.

use super::{author_label, table, write_csv, CmdResult, Ctx, Format};
use sakip::clock::format_micros;
use sakip::event::Kind;
use sakip::ledger::{Ledger, StoredEvent};
use serde_json::json;
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
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("log", &[Format::Table, Format::Json, Format::Jsonl, Format::Csv])?;
    let mut list = super::JsonList::new(format);
    let kind = match &args.kind {
        Some(name) => Some(Kind::from_name(name).ok_or_else(|| {
            let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
            sakip::Error::Input(format!(
                "unknown event kind '{name}' (one of: {})",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let ledger = ctx.open_ledger()?;
    let limit = args.limit.unwrap_or(usize::MAX);
    // Looked up once: every row is shown in the zone in force now.
    let zone = ledger.time_zone_at(ledger.head().count - 1)?;
    let events: Box<dyn Iterator<Item = sakip::Result<StoredEvent>>> = match kind {
        Some(k) => Box::new(ledger.store().seqs_of_kind(k, args.from).map(|r| {
            let seq = r?;
            ledger
                .event(seq)?
                .ok_or_else(|| sakip::Error::integrity(seq, "indexed event is missing"))
        })),
        None => Box::new(ledger.events_from(args.from)),
    };
    let mut rows = Vec::new();
    for e in events.take(limit) {
        let e = e?;
        match format {
            Format::Json | Format::Jsonl => list.push(out, &event_json(&ledger, &e))?,
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

/// The JSON object of one event, shared by `log` and `show`.
pub fn event_json(ledger: &Ledger, e: &StoredEvent) -> serde_json::Value {
    json!({
        "seq": e.event.seq,
        "hash": e.hash,
        "prev": e.event.prev,
        "kind": e.event.payload.kind().name(),
        "author": e.event.author.to_hex(),
        "author_key_id": e.event.author.key_id(),
        "author_name": author_label(ledger, &e.event.author),
        "recorded_at": format_micros(e.event.recorded_at),
        "size": e.size,
        "payload": e.event.payload,
        "signature": hex::encode(e.event.signature),
    })
}

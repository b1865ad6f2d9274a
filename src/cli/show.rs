//! `sakip show`: one event in full.

use super::log::event_json;
use super::{CmdResult, Ctx, Format};
use sakip::event::EventHash;
use std::io::Write;

/// Show one event, by seq or by its hash (64 hex digits), with its payload.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A seq number or an event hash.
    pub id: String,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("show", &[Format::Table, Format::Json])?;
    let ledger = ctx.open_ledger()?;
    let id = args.id.trim();
    let found = if let Ok(seq) = id.parse::<u64>() {
        ledger.event(seq)?
    } else {
        let bytes = hex::decode(id)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                sakip::Error::Input(format!("'{id}' is neither a seq nor a 64-digit event hash"))
            })?;
        ledger.event_by_hash(&EventHash(bytes))?
    };
    let event = found.ok_or_else(|| sakip::Error::Input(format!("no event {id} in this ledger")))?;
    let value = event_json(&ledger, &event);
    let text = serde_json::to_string_pretty(&value).map_err(|e| super::CliError::Output(e.into()))?;
    if format == Format::Json {
        writeln!(out, "{text}")?;
    } else {
        writeln!(out, "{}", event.event.payload.summary())?;
        writeln!(out, "{text}")?;
    }
    Ok(())
}

//! `sakip show`: one event in full.

use crate::cli::{CmdResult, Ctx, Format};
use sakip::service::events::{self, event_json};
use std::io::Write;

/// Show one event, by seq or by its hash (64 hex digits), with its payload.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A seq number or an event hash.
    pub id: String,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("show", &[Format::Table, Format::Json])?;
    let ledger = ctx.open_reader()?;
    let event = events::find(&ledger, args.id.trim())?;
    let value = event_json(&ledger, &event);
    let text = serde_json::to_string_pretty(&value).map_err(|e| crate::cli::CliError::Output(e.into()))?;
    if format == Format::Json {
        writeln!(out, "{text}")?;
    } else {
        writeln!(out, "{}", event.event.payload.summary())?;
        writeln!(out, "{text}")?;
    }
    Ok(())
}

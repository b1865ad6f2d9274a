//! `sakip verify`: re-check every hash, link, signature and authorization.

use super::{CliError, CmdResult, Ctx, Format};
use sakip::verify::verify_store;
use serde_json::json;
use std::io::Write;

/// Verify the whole ledger from genesis to head.
///
/// Re-hashes every event, checks every prev link, Ed25519 signature (strict)
/// and the author's role at that point in history. Exit 0 when intact; exit 3
/// naming the first bad seq and what is wrong.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("verify", &[Format::Table, Format::Json])?;
    let ledger = ctx.open_ledger()?;
    match verify_store(ledger.store()) {
        Ok(v) => {
            if format == Format::Json {
                super::write_json_line(
                    out,
                    &json!({"status": "intact", "events": v.events, "head": v.head, "bytes": v.bytes}),
                )?;
            } else {
                writeln!(
                    out,
                    "{}: {} events, head {}",
                    ctx.paint("intact", "32"),
                    v.events,
                    v.head
                )?;
            }
            Ok(())
        }
        Err(e @ sakip::Error::Integrity { .. }) => {
            if format == Format::Json {
                if let sakip::Error::Integrity { seq, reason } = &e {
                    super::write_json_line(out, &json!({"status": "failed", "seq": seq, "reason": reason}))?;
                }
            }
            Err(CliError::Lib(e))
        }
        Err(e) => Err(e.into()),
    }
}

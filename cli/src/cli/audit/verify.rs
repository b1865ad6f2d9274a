//! `sakip verify`: re-check every hash, link, signature and authorization,
//! and optionally that the ledger extends a checkpoint.

use crate::cli::{CliError, CmdResult, Ctx, Format};
use sakip::service::audit;
use serde_json::json;
use std::io::Write;

/// Verify the whole ledger from genesis to head.
///
/// Re-hashes every event, checks every prev link, Ed25519 signature (strict),
/// the author's role at that point in history (and that no key approved its
/// own entry), each domain event against the plan, and that no event is
/// stamped in the future of this machine's clock. Then compares the head
/// record and every derived tree (projection index, hash and kind look-ups,
/// Merkle nodes, key registry) with what the events imply. Exit 0 when
/// intact; exit 3 naming the first bad seq, or the derived tree and its first
/// differing key (repair derived state with `sakip rebuild`).
///
/// With --checkpoint FILE, also prove the ledger extends that checkpoint:
/// the first N events still hash to its root (nothing rewritten, removed or
/// reordered) and a consistency proof to the current head verifies.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A checkpoint written earlier by `sakip checkpoint`.
    #[arg(long)]
    pub checkpoint: Option<std::path::PathBuf>,
    /// Require the checkpoint to be signed by this key (a `.pub` file;
    /// repeat for several, any one suffices). Without it, any inspector key
    /// of the ledger active at the checkpoint's size is accepted.
    #[arg(long, value_name = "FILE.pub", requires = "checkpoint")]
    pub trusted_key: Vec<std::path::PathBuf>,
    /// A witness whose cosignatures on the checkpoint are reported, with
    /// their times: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub", requires = "checkpoint")]
    pub witness: Vec<String>,
    /// Require cosignatures by at least N of the --witness keys.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub witness_quorum: usize,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("verify", &[Format::Table, Format::Json])?;
    let checkpoint = match &args.checkpoint {
        Some(path) => Some(crate::cli::checkpoint::read_checkpoint(path)?),
        None => None,
    };
    let trusted = crate::cli::checkpoint::trusted_keys(&args.trusted_key)?;
    let witnesses = crate::cli::witness::witness_keys(&args.witness)?;
    let cosigned = crate::cli::witness::cosigned(
        checkpoint.as_ref(),
        &witnesses,
        args.witness_quorum,
        "the checkpoint",
    )?;
    let ledger = ctx.open_ledger()?;
    match audit::verify_trusting(&ledger, checkpoint, &trusted) {
        Ok(audit::Verification { verified: v, extends }) => {
            if format == Format::Json {
                let mut j = json!({"status": "intact", "events": v.events, "head": v.head, "bytes": v.bytes,
                    "root": hex::encode(v.root)});
                if let Some((c, signers, proof)) = &extends {
                    j["checkpoint"] = json!({"size": c.size, "consistent": true, "proof_hashes": proof,
                        "signers": signers.iter().map(|k| k.key_id()).collect::<Vec<_>>(),
                        "cosigned": cosigned.iter().map(|w| json!({"witness": w.witness.name, "time": w.timestamp})).collect::<Vec<_>>()});
                }
                crate::cli::write_json_line(out, &j)?;
            } else {
                writeln!(
                    out,
                    "{}: {} events, head {}",
                    ctx.paint("intact", "32"),
                    v.events,
                    v.head
                )?;
                if let Some((c, signers, proof)) = &extends {
                    let names: Vec<String> = signers
                        .iter()
                        .map(|k| {
                            ledger
                                .registry()
                                .get(k)
                                .map(|s| s.holder.name.clone())
                                .unwrap_or_else(|| k.key_id())
                        })
                        .collect();
                    writeln!(
                        out,
                        "extends the checkpoint of {} events signed by {}: consistency proof of {proof} hashes verified",
                        c.size,
                        names.join(", ")
                    )?;
                    crate::cli::witness::print_cosigners(out, &cosigned)?;
                }
            }
            Ok(())
        }
        Err(e @ sakip::Error::Integrity { .. }) => {
            if format == Format::Json {
                if let sakip::Error::Integrity { seq, reason } = &e {
                    crate::cli::write_json_line(
                        out,
                        &json!({"status": "failed", "seq": seq, "reason": reason}),
                    )?;
                }
            }
            // A damaged store can make sled's destructor spin; the verdict is
            // known, so leave without running it.
            std::mem::forget(ledger);
            Err(CliError::Lib(e))
        }
        Err(e) => Err(e.into()),
    }
}

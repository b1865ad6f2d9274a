//! `sakip export` and `sakip verify-bundle`.

use crate::cli::{CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Export the ledger as a self-describing bundle directory: raw events,
/// decoded JSON lines, the latest checkpoint, a manifest and the format
/// specification. An auditor verifies it with `sakip verify-bundle` or,
/// without this program, with tools/verify_bundle.py.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The bundle directory to create.
    #[arg(long)]
    pub out: PathBuf,
}

/// Verify an exported bundle offline, without opening any store: every
/// hash, link, signature and rule, the Merkle root and the checkpoint.
#[derive(clap::Args, Debug)]
pub struct VerifyBundleArgs {
    pub bundle: PathBuf,
    /// Require the bundle's checkpoint to be signed by this key (a `.pub`
    /// file; repeat for several, any one suffices). Without it, any active
    /// inspector key of the ledger is accepted.
    #[arg(long, value_name = "FILE.pub")]
    pub trusted_key: Vec<PathBuf>,
    /// A witness whose cosignatures on the bundle's checkpoint are
    /// reported with their times: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub")]
    pub witness: Vec<String>,
    /// Require cosignatures by at least N of the --witness keys.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub witness_quorum: usize,
}

pub fn export(ctx: &Ctx, args: ExportArgs, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_ledger()?;
    let done = sakip::service::audit::export(&ledger, &args.out)?;
    writeln!(
        out,
        "exported {} events to {}{}",
        done.events,
        args.out.display(),
        if done.checkpoint {
            " with the latest checkpoint"
        } else {
            " (no checkpoint yet: run `sakip checkpoint`)"
        }
    )?;
    Ok(())
}

pub fn verify_bundle(ctx: &Ctx, args: VerifyBundleArgs, out: &mut dyn Write) -> CmdResult {
    let trusted = crate::cli::checkpoint::trusted_keys(&args.trusted_key)?;
    let witnesses = crate::cli::witness::witness_keys(&args.witness)?;
    let b = sakip::service::audit::verify_bundle_trusting(&args.bundle, &trusted)?;
    let cosigned = match &b.checkpoint_note {
        Some(c) => sakip::witness::cosigners(c, &witnesses),
        None => vec![],
    };
    if cosigned.len() < args.witness_quorum {
        return Err(sakip::Error::Integrity {
            seq: None,
            reason: format!(
                "the bundle's checkpoint is cosigned by {} of the {} witnesses given, fewer than the {} required",
                cosigned.len(),
                witnesses.len(),
                args.witness_quorum
            ),
        }
        .into());
    }
    writeln!(
        out,
        "{}: bundle of {} ({} events, head {})",
        ctx.paint("intact", "32"),
        b.origin,
        b.verified.events,
        b.verified.head
    )?;
    for note in &b.notes {
        writeln!(out, "note: {note}")?;
    }
    if let Some((size, signers)) = b.checkpoint {
        writeln!(
            out,
            "its checkpoint of {size} events is signed by {} and matches the events",
            signers.join(", ")
        )?;
    }
    for w in &cosigned {
        writeln!(
            out,
            "cosigned by witness {} at {}",
            w.witness.name,
            sakip::clock::format_micros((w.timestamp as i64).saturating_mul(1_000_000))
        )?;
    }
    Ok(())
}

/// Rebuild a ledger from an exported bundle, into --ledger DIR (which must
/// not exist yet): the way back from a damaged store. The bundle is verified
/// first; the restored ledger is verified before it is put in place.
#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    pub bundle: PathBuf,
}

pub fn restore(ctx: &Ctx, args: RestoreArgs, out: &mut dyn Write) -> CmdResult {
    let v = sakip::service::audit::restore(&args.bundle, &ctx.global.ledger)?;
    writeln!(
        out,
        "restored {} events from {} into {} (head {}), verified",
        v.events,
        args.bundle.display(),
        ctx.global.ledger.display(),
        v.head
    )?;
    Ok(())
}

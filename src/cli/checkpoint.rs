//! `sakip checkpoint` and `sakip prove`: signed tree heads and inclusion proofs.

use super::{CmdResult, Ctx, Format};
use sakip::checkpoint::{Checkpoint, InclusionProof};
use std::io::Write;
use std::path::PathBuf;

/// Write a signed checkpoint of the ledger: origin, number of events and
/// Merkle root, signed by --key (C2SP signed-note format). Keep it: at the
/// next review, `sakip verify --checkpoint FILE` proves the ledger only grew.
#[derive(clap::Args, Debug)]
pub struct CheckpointArgs {
    /// Where to write the checkpoint (an existing file is refused).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Print an inclusion proof that event SEQ is in the tree a checkpoint
/// commits to; anyone holding the checkpoint can check it (also with
/// tools/verify_bundle.py).
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    pub seq: u64,
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Write the proof here instead of standard output (an existing file is refused).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn checkpoint(ctx: &Ctx, args: CheckpointArgs, out: &mut dyn Write) -> CmdResult {
    let signer = ctx.signer()?;
    let ledger = ctx.open_ledger()?;
    match ledger.registry().get(&signer.public()) {
        Some(state) if state.revoked_seq.is_none() => {}
        _ => {
            return Err(sakip::Error::Refused(format!(
                "key {} is not an active key of this ledger; checkpoints are signed by its own keys",
                signer.public().key_id()
            ))
            .into())
        }
    }
    let size = ledger.head().count;
    let c = Checkpoint::signed(ledger.origin()?, size, ledger.merkle_root(size)?, &signer);
    let text = c.to_text();
    sakip::fsutil::write(&args.out, text.as_bytes(), super::existing(args.force), 0o644)?;
    ledger.store().put_checkpoint(&text)?;
    writeln!(
        out,
        "checkpoint of {size} events written to {}",
        args.out.display()
    )?;
    Ok(())
}

pub fn read_checkpoint(path: &PathBuf) -> Result<Checkpoint, super::CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| sakip::Error::io(path, e))?;
    Checkpoint::parse(&text).map_err(|e| sakip::Error::Input(format!("{}: {e}", path.display())).into())
}

pub fn prove(ctx: &Ctx, args: ProveArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("prove", &[Format::Table, Format::Json])?;
    let c = read_checkpoint(&args.checkpoint)?;
    let ledger = ctx.open_ledger()?;
    ledger.check_extends(&c)?;
    if args.seq >= c.size {
        return Err(sakip::Error::Input(format!(
            "seq {} is not in the checkpoint's {} events",
            args.seq, c.size
        ))
        .into());
    }
    let event = ledger
        .event(args.seq)?
        .ok_or_else(|| sakip::Error::integrity(args.seq, "the event is missing"))?;
    let proof = InclusionProof {
        origin: c.origin.clone(),
        size: c.size,
        root: c.root,
        index: args.seq,
        event_hash: event.hash.0,
        path: sakip::merkle::inclusion_proof(ledger.store(), args.seq, c.size)?,
    };
    if !proof.verify() {
        return Err(sakip::Error::integrity(
            args.seq,
            "the inclusion proof does not verify against the checkpoint",
        )
        .into());
    }
    let text = if format == Format::Json {
        use base64::Engine;
        let b64 = |h: &[u8]| base64::engine::general_purpose::STANDARD.encode(h);
        let v = serde_json::json!({
            "origin": proof.origin, "size": proof.size, "root": b64(&proof.root), "index": proof.index,
            "event": hex::encode(proof.event_hash), "path": proof.path.iter().map(|h| b64(h)).collect::<Vec<_>>(),
        });
        format!("{v}\n")
    } else {
        proof.to_text()
    };
    match args.out {
        Some(path) => {
            sakip::fsutil::write(&path, text.as_bytes(), super::existing(args.force), 0o644)?;
            writeln!(
                out,
                "inclusion proof of seq {} in {} events written to {}",
                args.seq,
                c.size,
                path.display()
            )?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Check an inclusion proof against a checkpoint, offline: no ledger needed.
/// Exit 0 when the event is in the checkpointed tree, 3 when the proof fails.
#[derive(clap::Args, Debug)]
pub struct VerifyProofArgs {
    /// The proof written by `sakip prove`.
    pub proof: PathBuf,
    #[arg(long)]
    pub checkpoint: PathBuf,
}

pub fn verify_proof(ctx: &Ctx, args: VerifyProofArgs, out: &mut dyn Write) -> CmdResult {
    let c = read_checkpoint(&args.checkpoint)?;
    let text = std::fs::read_to_string(&args.proof).map_err(|e| sakip::Error::io(&args.proof, e))?;
    let proof = InclusionProof::parse(&text)
        .map_err(|e| sakip::Error::Input(format!("{}: {e}", args.proof.display())))?;
    let fail = |why: String| -> super::CliError {
        sakip::Error::Integrity {
            seq: Some(proof.index),
            reason: why,
        }
        .into()
    };
    if proof.origin != c.origin || proof.size != c.size || proof.root != c.root {
        return Err(fail("the proof is for another tree than the checkpoint".into()));
    }
    if !proof.verify() {
        return Err(fail(
            "the inclusion proof does not verify against the checkpoint's root".into(),
        ));
    }
    writeln!(
        out,
        "{}: event {} (seq {}) is in the checkpoint of {} events",
        ctx.paint("included", "32"),
        hex::encode(proof.event_hash),
        proof.index,
        c.size
    )?;
    Ok(())
}

//! `sakip checkpoint` and `sakip prove`: signed tree heads and inclusion proofs.

use crate::cli::{CmdResult, Ctx, Format};
use sakip::checkpoint::{Checkpoint, InclusionProof};
use sakip::service::audit;
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
    /// A witness to ask for a timestamped cosignature (its add-checkpoint
    /// endpoint's base URL, `http://HOST:PORT`; repeatable). Cosignatures
    /// are kept only when they verify for a --witness key.
    #[arg(long, value_name = "URL", requires = "witness")]
    pub witness_url: Vec<String>,
    /// A witness whose cosignatures count: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub")]
    pub witness: Vec<String>,
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
    let witnesses = super::files::witness_keys(&args.witness)?;
    let ledger = ctx.open_ledger()?;
    let mut c = audit::sign_checkpoint(&ledger, &signer)?;
    for url in &args.witness_url {
        match ask_witness(&ledger, &c, url) {
            Ok(lines) => {
                let added: usize = witnesses
                    .iter()
                    .map(|w| sakip::witness::attach(&mut c, &lines, w))
                    .sum();
                writeln!(out, "{url}: {added} cosignature(s) added")?;
            }
            Err(e) => writeln!(out, "{url}: no cosignature: {e}")?,
        }
    }
    if !args.witness_url.is_empty() {
        ledger.keep_checkpoint(&c.to_text())?;
    }
    sakip::fsutil::write(
        &args.out,
        c.to_text().as_bytes(),
        crate::cli::existing(args.force),
        0o644,
    )?;
    writeln!(
        out,
        "checkpoint of {} events written to {}",
        c.size,
        args.out.display()
    )?;
    Ok(())
}

/// Post the checkpoint to a witness: first from size 0; when the witness
/// answers 409 with the size it last cosigned, again with the consistency
/// proof from that size. The cosignature lines it returns.
fn ask_witness(ledger: &sakip::Ledger, c: &Checkpoint, url: &str) -> Result<String, String> {
    ask_witness_with(url, |old| audit::witness_request(ledger, c.clone(), old))
}

/// [`ask_witness`], with the add-checkpoint request from the witness's
/// last size made by `request` (which reads the ledger, briefly).
pub fn ask_witness_with(
    url: &str,
    request: impl Fn(u64) -> sakip::Result<audit::AddCheckpoint>,
) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let mut old = 0u64;
    for _ in 0..2 {
        let req = request(old).map_err(|e| e.to_string())?;
        let mut res = agent
            .post(&endpoint)
            .send(req.to_text())
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_string().map_err(|e| e.to_string())?;
        match status {
            200 => return Ok(body),
            409 => {
                old = body
                    .trim()
                    .parse()
                    .map_err(|_| format!("409 without a size: {body}"))?;
            }
            other => return Err(format!("{other}: {}", body.trim())),
        }
    }
    Err("the witness's size kept changing".into())
}

pub fn prove(ctx: &Ctx, args: ProveArgs, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("prove", &[Format::Table, Format::Json])?;
    let c = super::files::read_checkpoint(&args.checkpoint)?;
    let ledger = ctx.open_ledger()?;
    let proof = audit::prove(&ledger, &c, args.seq)?;
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
            sakip::fsutil::write(&path, text.as_bytes(), crate::cli::existing(args.force), 0o644)?;
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
/// Exit 0 when the event is in the checkpointed tree, 3 when the proof or
/// the checkpoint's signature fails.
///
/// Whose signature counts: with --trusted-key, the checkpoint must be
/// signed by one of those keys; else, when --ledger names an existing
/// ledger, by an inspector key of it that was active at the checkpoint's
/// size. With neither, the signatures cannot be checked and the answer
/// says so. A checkpoint without any signature is refused.
#[derive(clap::Args, Debug)]
pub struct VerifyProofArgs {
    /// The proof written by `sakip prove`.
    pub proof: PathBuf,
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// A key whose signature on the checkpoint is required (a `.pub` file;
    /// repeat for several, any one suffices).
    #[arg(long, value_name = "FILE.pub")]
    pub trusted_key: Vec<PathBuf>,
}

pub fn verify_proof(ctx: &Ctx, args: VerifyProofArgs, out: &mut dyn Write) -> CmdResult {
    let c = super::files::read_checkpoint(&args.checkpoint)?;
    let text = sakip::limits::read_text(&args.proof, sakip::limits::MAX_TEXT_FILE_BYTES, "a proof")?;
    let proof = InclusionProof::parse(&text)
        .map_err(|e| sakip::Error::Input(format!("{}: {e}", args.proof.display())))?;
    let trusted = super::files::trusted_keys(&args.trusted_key)?;
    let vouched = audit::check_proof_signers(&c, &trusted, || {
        ctx.global
            .ledger
            .join("store")
            .is_dir()
            .then(|| ctx.open_ledger())
            .transpose()
            .map_err(|e| match e {
                crate::cli::CliError::Lib(e) => e,
                other => sakip::Error::Internal(format!("{other:?}")),
            })
    })?;
    audit::check_proof(&c, &proof)?;
    writeln!(
        out,
        "{}: event {} (seq {}) is in the checkpoint of {} events",
        ctx.paint("included", "32"),
        hex::encode(proof.event_hash),
        proof.index,
        c.size
    )?;
    writeln!(out, "{vouched}")?;
    Ok(())
}

//! The auditor's tools: the whole-ledger check, the audit findings,
//! signed tree heads, inclusion proofs, and bundles (export, offline
//! verification, restore).

use crate::checkpoint::{Checkpoint, InclusionProof};
use crate::event::PublicKey;
use crate::keys::KeyPair;
use crate::ledger::Ledger;
use crate::verify::Verified;
use crate::{Error, Result};

pub use crate::audit::{check, Finding, Severity};
pub use crate::bundle::{export, restore, verify as verify_bundle};

/// What `verify` found on an intact ledger.
#[derive(Debug)]
pub struct Verification {
    /// The chain, signatures, rules, head and every derived tree checked.
    pub verified: Verified,
    /// With a checkpoint: its signers (keys of this ledger) and the length
    /// of the consistency proof from it to the head.
    pub extends: Option<(Checkpoint, Vec<PublicKey>, usize)>,
}

/// Check everything: every event's hash, link, signature, author's
/// authorization and domain rules, the head, the derived trees; and, with a
/// checkpoint, that the ledger only grew since it was signed.
pub fn verify(ledger: &Ledger, checkpoint: Option<Checkpoint>) -> Result<Verification> {
    let verified = crate::verify::verify_store(ledger.store())?;
    let extends = match checkpoint {
        Some(c) => {
            let (signers, proof) = ledger.check_extends(&c)?;
            Some((c, signers, proof))
        }
        None => None,
    };
    Ok(Verification { verified, extends })
}

pub use crate::verify::Stepwise;

/// Up to `max` events of the ledger from seq `from` on, for a
/// [`Stepwise`] verification (read under the caller's lock, checked
/// outside it).
pub fn read_events(ledger: &Ledger, from: u64, max: usize) -> Result<Vec<(u64, Vec<u8>)>> {
    crate::verify::read_events(ledger.store(), from, max)
}

/// Finish a [`Stepwise`] verification on the ledger as it is now, and
/// check that it extends the checkpoint kept by the last `checkpoint`
/// signing, if any (its signers and the proof's length).
pub fn finish_stepwise(ledger: &Ledger, stepwise: Stepwise) -> Result<Verification> {
    let verified = stepwise.finish(ledger.store())?;
    let extends = match ledger.kept_checkpoint()? {
        Some(text) => {
            let c = parse_checkpoint("the kept checkpoint", &text)?;
            let (signers, proof) = ledger.check_extends(&c)?;
            Some((c, signers, proof))
        }
        None => None,
    };
    Ok(Verification { verified, extends })
}

/// Parse a checkpoint file's text; `name` names it in errors.
pub fn parse_checkpoint(name: &str, text: &str) -> Result<Checkpoint> {
    Checkpoint::parse(text).map_err(|e| Error::Input(format!("{name}: {e}")))
}

/// Sign a checkpoint of the whole ledger with `signer`, which must be an
/// active key of this ledger, and keep its text for `export`.
pub fn sign_checkpoint(ledger: &Ledger, signer: &KeyPair) -> Result<Checkpoint> {
    let unsigned = prepare_checkpoint(ledger, &signer.public())?;
    let signature = signer.sign(unsigned.body().as_bytes());
    submit_checkpoint(ledger, unsigned, &signer.public(), signature)
}

/// A checkpoint of the whole ledger for `key` (an active key of this
/// ledger) to sign elsewhere: sign the bytes of its `body()`.
pub fn prepare_checkpoint(ledger: &Ledger, key: &PublicKey) -> Result<Checkpoint> {
    match ledger.registry().get(key) {
        Some(state) if state.revoked_seq.is_none() => {}
        _ => {
            return Err(Error::Unauthorized(format!(
                "key {} is not an active key of this ledger; checkpoints are signed by its own keys",
                key.key_id()
            )))
        }
    }
    let size = ledger.head().count;
    Ok(Checkpoint::unsigned(
        ledger.origin()?,
        size,
        ledger.merkle_root(size)?,
    ))
}

/// Add `key`'s signature to a prepared checkpoint, check it strictly and
/// that the ledger extends the checkpoint, and keep it for `export`.
pub fn submit_checkpoint(
    ledger: &Ledger,
    mut unsigned: Checkpoint,
    key: &PublicKey,
    signature: [u8; 64],
) -> Result<Checkpoint> {
    crate::keys::verify_strict(key, unsigned.body().as_bytes(), &signature)
        .map_err(|e| Error::Refused(format!("checkpoint signature: {e}")))?;
    unsigned.add_signature(key, signature);
    let (signers, _) = ledger.check_extends(&unsigned)?;
    if !signers.contains(key) {
        return Err(Error::Unauthorized(format!(
            "key {} is not a key of this ledger",
            key.key_id()
        )));
    }
    ledger.keep_checkpoint(&unsigned.to_text())?;
    Ok(unsigned)
}

/// An inclusion proof that event `seq` is in the tree checkpoint `c`
/// commits to, after checking that this ledger extends `c`. The proof is
/// verified before it is returned.
pub fn prove(ledger: &Ledger, c: &Checkpoint, seq: u64) -> Result<InclusionProof> {
    ledger.check_extends(c)?;
    if seq >= c.size {
        return Err(Error::Input(format!(
            "seq {seq} is not in the checkpoint's {} events",
            c.size
        )));
    }
    let event = ledger
        .event(seq)?
        .ok_or_else(|| Error::integrity(seq, "the event is missing"))?;
    let proof = InclusionProof {
        origin: c.origin.clone(),
        size: c.size,
        root: c.root,
        index: seq,
        event_hash: event.hash.0,
        path: ledger.inclusion_path(seq, c.size)?,
    };
    if !proof.verify() {
        return Err(Error::integrity(
            seq,
            "the inclusion proof does not verify against the checkpoint",
        ));
    }
    Ok(proof)
}

/// Check an inclusion proof against a checkpoint, offline.
pub fn check_proof(c: &Checkpoint, proof: &InclusionProof) -> Result<()> {
    let fail = |why: &str| Error::Integrity {
        seq: Some(proof.index),
        reason: why.into(),
    };
    if proof.origin != c.origin || proof.size != c.size || proof.root != c.root {
        return Err(fail("the proof is for another tree than the checkpoint"));
    }
    if !proof.verify() {
        return Err(fail(
            "the inclusion proof does not verify against the checkpoint's root",
        ));
    }
    Ok(())
}

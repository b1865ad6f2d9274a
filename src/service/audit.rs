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
pub use crate::bundle::{
    export, open as open_bundle, restore, verify as verify_bundle, verify_scoped as verify_bundle_scoped,
    verify_trusting as verify_bundle_trusting, Scope as BundleScope,
};

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
    verify_trusting(ledger, checkpoint, &[])
}

/// [`verify`], with the checkpoint also required to carry a signature by
/// one of `trusted` (the keys the auditor names with `--trusted-key`).
pub fn verify_trusting(
    ledger: &Ledger,
    checkpoint: Option<Checkpoint>,
    trusted: &[PublicKey],
) -> Result<Verification> {
    let verified = crate::verify::verify_store(ledger.store())?;
    let extends = match checkpoint {
        Some(c) => {
            let (signers, proof) = ledger.check_extends_trusting(&c, trusted)?;
            Some((c, signers.qualified, proof))
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

/// A head seen earlier, outside the store: `size` events whose Merkle root
/// was `root` (remembered by a user's sakip, or by a browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenHead {
    /// The number of events seen.
    pub size: u64,
    /// Their Merkle root.
    pub root: crate::merkle::Hash,
}

/// How the ledger stands against a head seen earlier: it must hold at
/// least those events, and its first `seen.size` events must still hash
/// to the seen root (it only grew since). `where_` says who saw it, for
/// the error. The ledger's Merkle nodes are read, so verify it first.
pub fn extends_seen(ledger: &Ledger, seen: SeenHead, where_: &str) -> Result<()> {
    let size = ledger.head().count;
    if seen.size > size {
        return Err(Error::Integrity {
            seq: Some(size),
            reason: format!(
                "the ledger holds {size} events, but {where_} saw it with {}: events were cut off the end, or an older copy was put back",
                seen.size
            ),
        });
    }
    if ledger.merkle_root(seen.size)? != seen.root {
        return Err(Error::Integrity {
            seq: None,
            reason: format!(
                "the first {} events no longer hash to the root {where_} saw: the ledger was rewritten or forked since",
                seen.size
            ),
        });
    }
    Ok(())
}

/// The head now, and what a client that remembers a head of `from` events
/// needs to check that the ledger only grew since.
#[derive(Debug)]
pub struct HeadSince {
    /// The ledger's checkpoint origin.
    pub origin: String,
    /// The number of events now.
    pub size: u64,
    /// Their Merkle root.
    pub root: crate::merkle::Hash,
    /// The consistency proof from the first `from` events to `size`
    /// (RFC 9162, 2.1.4); `None` when the ledger holds fewer than `from`
    /// events, which the client shows as an alarm.
    pub proof: Option<Vec<crate::merkle::Hash>>,
}

/// [`HeadSince`] for a client that remembers `from` events.
pub fn head_since(ledger: &Ledger, from: u64) -> Result<HeadSince> {
    let size = ledger.head().count;
    let proof = match from {
        _ if from > size => None,
        0 => Some(Vec::new()),
        _ if from == size => Some(Vec::new()),
        _ => Some(crate::merkle::consistency_proof(ledger.store(), from, size)?),
    };
    Ok(HeadSince {
        origin: ledger.origin()?,
        size,
        root: ledger.merkle_root(size)?,
        proof,
    })
}

/// Parse a checkpoint file's text; `name` names it in errors.
pub fn parse_checkpoint(name: &str, text: &str) -> Result<Checkpoint> {
    Checkpoint::parse(text).map_err(|e| Error::Input(format!("{name}: {e}")))
}

/// Sign a checkpoint of the whole ledger with `signer`, which must be an
/// active inspector key of this ledger, and keep its text for `export`.
pub fn sign_checkpoint(ledger: &Ledger, signer: &KeyPair) -> Result<Checkpoint> {
    let unsigned = prepare_checkpoint(ledger, &signer.public())?;
    let signature = signer.sign(unsigned.body().as_bytes());
    submit_checkpoint(ledger, unsigned, &signer.public(), signature)
}

/// A checkpoint of the whole ledger for `key` (an active inspector key of
/// this ledger, [`crate::checkpoint::may_sign`]) to sign elsewhere: sign
/// the bytes of its `body()`.
pub fn prepare_checkpoint(ledger: &Ledger, key: &PublicKey) -> Result<Checkpoint> {
    let size = ledger.head().count;
    match ledger.registry().get(key) {
        Some(state) => crate::checkpoint::may_sign(state, size).map_err(|why| {
            Error::Unauthorized(format!(
                "key {} may not sign a checkpoint: {why}; checkpoints are signed by an active {} key",
                key.key_id(),
                crate::checkpoint::SIGNER_ROLE.name()
            ))
        })?,
        None => {
            return Err(Error::Unauthorized(format!(
                "key {} is not a key of this ledger; checkpoints are signed by its active {} keys",
                key.key_id(),
                crate::checkpoint::SIGNER_ROLE.name()
            )))
        }
    }
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

/// Who vouches for a checkpoint an inclusion proof is checked against,
/// said plainly: with `trusted` keys, one of them must have signed it;
/// else, with a ledger (`open` gives one when the auditor has it), an
/// inspector of that ledger active at its size must have; with neither,
/// the answer says the signatures were not checked. A checkpoint without
/// any signature is refused in every case.
pub fn check_proof_signers(
    c: &Checkpoint,
    trusted: &[PublicKey],
    open: impl FnOnce() -> Result<Option<Ledger>>,
) -> Result<String> {
    if c.signatures.is_empty() {
        return Err(Error::Integrity {
            seq: None,
            reason: "the checkpoint has no signature".into(),
        });
    }
    if !trusted.is_empty() {
        let signed = c.signers(trusted.iter());
        if signed.is_empty() {
            let ids: Vec<String> = trusted.iter().map(|k| k.key_id()).collect();
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the checkpoint is not signed by a trusted key ({})",
                    ids.join(", ")
                ),
            });
        }
        let ids: Vec<String> = signed.iter().map(|k| k.key_id()).collect();
        return Ok(format!(
            "the checkpoint is signed by trusted key {} (its role in the ledger was not checked: no ledger)",
            ids.join(", ")
        ));
    }
    match open()? {
        Some(ledger) => {
            if c.origin != ledger.origin()? {
                return Err(Error::Input(format!(
                    "the checkpoint is for ledger {}, the ledger given is {}",
                    c.origin,
                    ledger.origin()?
                )));
            }
            let judged = c.require_signers(ledger.registry(), &[])?;
            let names: Vec<String> = judged.qualified.iter().map(|k| ledger.author_name(k)).collect();
            Ok(format!(
                "the checkpoint is signed by {}, inspector of the ledger at its size",
                names.join(", ")
            ))
        }
        None => Ok(
            "NOT CHECKED: who signed the checkpoint (no --trusted-key and no ledger to resolve its signers); the proof only shows the event is in the tree the checkpoint names".into(),
        ),
    }
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

pub use crate::witness::{AddCheckpoint, Cosigned, Refusal, Witness, WitnessKey};

/// The add-checkpoint request for a witness that last cosigned this ledger
/// at size `old`: the consistency proof from `old` to `c`, which this
/// ledger must extend.
pub fn witness_request(ledger: &Ledger, c: Checkpoint, old: u64) -> Result<AddCheckpoint> {
    ledger.check_extends(&c)?;
    if old > c.size {
        return Err(Error::Input(format!(
            "the witness's size {old} is larger than the checkpoint's {}",
            c.size
        )));
    }
    let proof = if old == 0 {
        vec![]
    } else {
        crate::merkle::consistency_proof(ledger.store(), old, c.size)?
    };
    Ok(AddCheckpoint {
        old,
        proof,
        checkpoint: c,
    })
}

/// The findings of [`check`] and, for each checkpoint an auditor holds
/// (each checked to be one this ledger extends), the events its witnesses'
/// cosignatures show were backdated (`backdated`).
pub fn check_with_checkpoints(
    ledger: &Ledger,
    year: Option<u16>,
    checkpoints: Vec<Checkpoint>,
    witnesses: &[WitnessKey],
) -> Result<Vec<Finding>> {
    let mut findings = check(ledger, year)?;
    let mut cosigned = Vec::new();
    for c in checkpoints {
        ledger.check_extends(&c)?;
        let by = crate::witness::cosigners(&c, witnesses);
        cosigned.push((c, by));
    }
    findings.extend(crate::audit::backdated(ledger, &cosigned)?);
    Ok(findings)
}

pub use crate::tiles::{mirror, publish, DirSource, Mirrored, Published, Source};

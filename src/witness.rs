//! Witnesses: an outsider (an inspectorate, a province, the ministry) that
//! keeps the latest checkpoint it cosigned for each ledger, cosigns a new
//! one only when a consistency proof from the old one holds, and adds the
//! time it did so (C2SP tlog-cosignature v1, Ed25519; the add-checkpoint
//! rules of C2SP tlog-witness). A cosigned checkpoint fixes, from outside
//! the agency, that the ledger had at least that many events at that time.

use crate::checkpoint::Checkpoint;
use crate::event::PublicKey;
use crate::keys::KeyPair;
use crate::merkle::Hash;
use crate::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Signature type byte of an Ed25519 cosignature (C2SP tlog-cosignature).
const COSIGNATURE_TYPE: u8 = 0x04;

/// Most consistency proof lines a request may carry (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;

/// A witness's identity: its name in signature lines and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    /// The key name, a schema-less URL such as `inspektorat.kedirikota.go.id/saksi`.
    pub name: String,
    /// Its Ed25519 public key.
    pub key: PublicKey,
}

/// A verified cosignature on a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// Who cosigned.
    pub witness: WitnessKey,
    /// When, as the witness states it (seconds since the epoch).
    pub timestamp: u64,
}

/// The key ID of a cosigner: SHA-256(name || "\n" || 0x04 || key)[..4].
pub fn key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([COSIGNATURE_TYPE]);
    h.update(key.0);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a cosigner signs: `cosignature/v1`, the time line, then the
/// checkpoint's body.
pub fn cosigned_message(timestamp: u64, c: &Checkpoint) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{}", c.body()).into_bytes()
}

/// Cosign `c` at `timestamp` as `name` with `key`: the signature line's
/// name and blob (key ID, big-endian timestamp, signature).
pub fn cosign(name: &str, key: &KeyPair, c: &Checkpoint, timestamp: u64) -> (String, Vec<u8>) {
    let signature = key.sign(&cosigned_message(timestamp, c));
    let mut blob = key_hash(name, &key.public()).to_vec();
    blob.extend_from_slice(&timestamp.to_be_bytes());
    blob.extend_from_slice(&signature);
    (name.to_string(), blob)
}

/// The cosignatures on `c` by `witnesses` that verify (strictly); lines of
/// unknown cosigners are ignored, as the protocol asks.
pub fn cosigners(c: &Checkpoint, witnesses: &[WitnessKey]) -> Vec<Cosigned> {
    let mut out = Vec::new();
    for w in witnesses {
        let id = key_hash(&w.name, &w.key);
        for (name, blob) in &c.others {
            if *name != w.name || blob.len() != 4 + 8 + 64 || blob[..4] != id {
                continue;
            }
            let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
            let signature: [u8; 64] = blob[12..].try_into().expect("64 bytes");
            if timestamp <= i64::MAX as u64
                && crate::keys::verify_strict(&w.key, &cosigned_message(timestamp, c), &signature).is_ok()
            {
                out.push(Cosigned {
                    witness: w.clone(),
                    timestamp,
                });
            }
        }
    }
    out
}

/// Why a witness refused a checkpoint, with the HTTP status the
/// tlog-witness protocol gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 404: the origin is not one the witness follows.
    UnknownLog(String),
    /// 403: no valid signature by a key the witness trusts for that log.
    NotSigned(String),
    /// 400: the old size is larger than the checkpoint's.
    BadRequest(String),
    /// 409: the old size is not the size the witness last cosigned; the
    /// size it did cosign.
    Conflict(u64),
    /// 422: the consistency proof or the roots do not hold (a fork).
    Inconsistent(String),
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::UnknownLog(_) => 404,
            Refusal::NotSigned(_) => 403,
            Refusal::BadRequest(_) => 400,
            Refusal::Conflict(_) => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::UnknownLog(o) => write!(f, "the witness does not follow ledger {o}"),
            Refusal::NotSigned(why) => write!(f, "{why}"),
            Refusal::BadRequest(why) => write!(f, "{why}"),
            Refusal::Conflict(size) => write!(
                f,
                "the witness last cosigned this ledger at size {size}; send a consistency proof from that size"
            ),
            Refusal::Inconsistent(why) => write!(f, "{why}"),
        }
    }
}

/// An add-checkpoint request: the old size, the consistency proof from
/// it, and the checkpoint (tlog-witness body).
#[derive(Clone, Debug)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the witness last cosigned, as the client
    /// believes it.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint to cosign.
    pub checkpoint: Checkpoint,
}

impl AddCheckpoint {
    /// The request body: `old N`, one base64 hash per line, an empty line,
    /// the checkpoint note.
    pub fn to_text(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint.to_text());
        out
    }

    /// Parse a request body.
    pub fn parse(text: &str) -> std::result::Result<AddCheckpoint, Refusal> {
        let bad = |why: &str| Refusal::BadRequest(format!("not an add-checkpoint request: {why}"));
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| *n == "0" || !n.starts_with('0'))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad("the first line must be `old SIZE`"))?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| <Hash>::try_from(b).ok())
                    .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<std::result::Result<Vec<Hash>, Refusal>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        let checkpoint = Checkpoint::parse(note).map_err(|e| bad(&e.to_string()))?;
        Ok(AddCheckpoint {
            old,
            proof,
            checkpoint,
        })
    }
}

/// A witness: its name and key, the logs it follows (origin and the keys
/// it trusts to sign that ledger's checkpoints: the inspectorate's), and
/// the directory where it keeps the latest checkpoint it cosigned per log.
pub struct Witness {
    name: String,
    key: KeyPair,
    logs: Vec<(String, PublicKey)>,
    state: PathBuf,
}

impl Witness {
    /// A witness keeping its state in `state` (created if missing).
    pub fn new(name: String, key: KeyPair, logs: Vec<(String, PublicKey)>, state: &Path) -> Result<Witness> {
        std::fs::create_dir_all(state).map_err(|e| Error::io(state, e))?;
        Ok(Witness {
            name,
            key,
            logs,
            state: state.to_path_buf(),
        })
    }

    fn state_file(&self, origin: &str) -> PathBuf {
        self.state.join(format!(
            "{}.checkpoint",
            hex::encode(Sha256::digest(origin.as_bytes()))
        ))
    }

    /// The latest checkpoint cosigned for `origin`, if any.
    pub fn latest(&self, origin: &str) -> Result<Option<Checkpoint>> {
        let path = self.state_file(origin);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(Checkpoint::parse(&text).map_err(|e| Error::Integrity {
                seq: None,
                reason: format!("{}: {e}", path.display()),
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Check a request as tlog-witness asks, and if it holds, record the
    /// checkpoint (durably, before answering) and return the cosignature
    /// line made at `now` (seconds since the epoch). Callers serialize
    /// calls per witness (the check and the update are one step).
    pub fn add_checkpoint(
        &self,
        req: &AddCheckpoint,
        now: u64,
    ) -> Result<std::result::Result<String, Refusal>> {
        let c = &req.checkpoint;
        let trusted: Vec<PublicKey> = self
            .logs
            .iter()
            .filter(|(origin, _)| *origin == c.origin)
            .map(|(_, k)| *k)
            .collect();
        if trusted.is_empty() {
            return Ok(Err(Refusal::UnknownLog(c.origin.clone())));
        }
        if c.signers(trusted.iter()).is_empty() {
            return Ok(Err(Refusal::NotSigned(format!(
                "the checkpoint of {} is not signed by a key the witness trusts for it",
                c.origin
            ))));
        }
        if req.old > c.size {
            return Ok(Err(Refusal::BadRequest(format!(
                "old size {} is larger than the checkpoint's {}",
                req.old, c.size
            ))));
        }
        let latest = self.latest(&c.origin)?;
        let known = latest.as_ref().map_or(0, |l| l.size);
        if req.old != known {
            return Ok(Err(Refusal::Conflict(known)));
        }
        if c.size == 0 && c.root != crate::merkle::empty_root() {
            return Ok(Err(Refusal::Inconsistent(
                "a checkpoint of size 0 must have the empty tree's root".into(),
            )));
        }
        match &latest {
            None if !req.proof.is_empty() => {
                return Ok(Err(Refusal::Inconsistent(
                    "a proof from size 0 must be empty".into(),
                )))
            }
            None => {}
            Some(old)
                if !crate::merkle::verify_consistency(old.size, c.size, &old.root, &c.root, &req.proof) =>
            {
                return Ok(Err(Refusal::Inconsistent(format!(
                    "the checkpoint of {} events is not consistent with the one of {} events the witness cosigned: the ledger was rewritten (a fork)",
                    c.size, old.size
                ))));
            }
            Some(_) => {}
        }
        let (name, blob) = cosign(&self.name, &self.key, c, now);
        let mut kept = Checkpoint::unsigned(c.origin.clone(), c.size, c.root);
        kept.signatures = c.signatures.clone();
        kept.others.push((name.clone(), blob.clone()));
        crate::fsutil::write(
            &self.state_file(&c.origin),
            kept.to_text().as_bytes(),
            crate::fsutil::Existing::Replace,
            0o644,
        )?;
        Ok(Ok(format!("\u{2014} {name} {}\n", B64.encode(blob))))
    }
}

/// Add the cosignature lines a witness returned to `c`, keeping only those
/// that verify for `witness`.
pub fn attach(c: &mut Checkpoint, lines: &str, witness: &WitnessKey) -> usize {
    let mut added = 0;
    for line in lines.lines() {
        let Some((name, blob)) = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
        else {
            continue;
        };
        let Ok(blob) = B64.decode(blob) else { continue };
        let mut trial = c.clone();
        trial.others.push((name.to_string(), blob.clone()));
        if cosigners(&trial, std::slice::from_ref(witness)).len()
            > cosigners(c, std::slice::from_ref(witness)).len()
        {
            c.others.push((name.to_string(), blob));
            added += 1;
        }
    }
    added
}

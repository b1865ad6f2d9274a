//! Signed checkpoints in the C2SP tlog-checkpoint / signed-note text format,
//! and inclusion proofs in a line-based text form (`schema/proofs.md`).
//!
//! A checkpoint commits to the first `size` events through the Merkle root;
//! a later ledger can prove it only grew (a consistency proof), and anyone
//! holding the checkpoint can check one event is in it (an inclusion proof).

use crate::event::PublicKey;
use crate::keys::KeyPair;
use crate::merkle::Hash;
use crate::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Signature type byte of Ed25519 in signed notes.
const ED25519_TYPE: u8 = 0x01;

/// One signature line of a signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's name in the note.
    pub name: String,
    /// The first four bytes of the key hash (C2SP signed note).
    pub key_hash: [u8; 4],
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

/// A checkpoint: origin, tree size, root, and signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The ledger's origin line.
    pub origin: String,
    /// Number of events committed to.
    pub size: u64,
    /// Merkle root of the first `size` events.
    pub root: Hash,
    /// Signatures over the note body.
    pub signatures: Vec<NoteSignature>,
    /// Other signature lines (name and decoded blob), kept as they are:
    /// witnesses' cosignatures (`witness.rs`) among them.
    pub others: Vec<(String, Vec<u8>)>,
}

/// The origin line of a ledger: agency code and the genesis hash prefix.
pub fn origin(agency_code: &str, genesis: &crate::event::EventHash) -> String {
    let code: String = agency_code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '+')
        .collect();
    format!("sakip/{code}/{}", &genesis.to_hex()[..16])
}

/// The signed-note key name of a ledger key.
pub fn key_name(key: &PublicKey) -> String {
    format!("sakip-{}", key.key_id())
}

/// The signed-note key hash: SHA-256(name || "\n" || type || public key)[..4].
pub fn key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519_TYPE]);
    h.update(key.0);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

impl Checkpoint {
    /// The signed text: origin, size and base64 root, one per line.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// A checkpoint signed by `key`.
    pub fn signed(origin: String, size: u64, root: Hash, key: &KeyPair) -> Checkpoint {
        let mut c = Checkpoint::unsigned(origin, size, root);
        let signature = key.sign(c.body().as_bytes());
        c.add_signature(&key.public(), signature);
        c
    }

    /// A checkpoint with no signature yet: its [`Checkpoint::body`] is what
    /// a signer signs (elsewhere, e.g. in a browser).
    pub fn unsigned(origin: String, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin,
            size,
            root,
            signatures: vec![],
            others: vec![],
        }
    }

    /// Add `key`'s signature over [`Checkpoint::body`] (not checked here:
    /// [`Checkpoint::signers`] checks).
    pub fn add_signature(&mut self, key: &PublicKey, signature: [u8; 64]) {
        let name = key_name(key);
        self.signatures.push(NoteSignature {
            key_hash: key_hash(&name, key),
            name,
            signature,
        });
    }

    /// The full note text.
    pub fn to_text(&self) -> String {
        let mut out = self.body();
        out.push('\n');
        for s in &self.signatures {
            let mut blob = s.key_hash.to_vec();
            blob.extend_from_slice(&s.signature);
            out.push_str(&format!("\u{2014} {} {}\n", s.name, B64.encode(blob)));
        }
        for (name, blob) in &self.others {
            out.push_str(&format!("\u{2014} {name} {}\n", B64.encode(blob)));
        }
        out
    }

    /// Parse a note.
    pub fn parse(text: &str) -> Result<Checkpoint> {
        let bad = |why: &str| Error::Input(format!("not a sakip checkpoint: {why}"));
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the signatures"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(bad("expected origin, size and root lines"));
        }
        let size = lines[1]
            .parse::<u64>()
            .map_err(|_| bad("the size line is not a number"))?;
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the root line is not a base64 SHA-256 hash"))?;
        let mut signatures = Vec::new();
        let mut others = Vec::new();
        for line in sigs.lines().filter(|l| !l.is_empty()) {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad("a signature line must start with an em dash"))?;
            let (name, blob) = rest
                .split_once(' ')
                .ok_or_else(|| bad("a signature line needs a name and a signature"))?;
            let blob = B64.decode(blob).map_err(|_| bad("a signature is not base64"))?;
            if blob.len() != 68 {
                // Another signature type (a witness's cosignature): kept.
                others.push((name.to_string(), blob));
                continue;
            }
            signatures.push(NoteSignature {
                name: name.into(),
                key_hash: blob[..4].try_into().expect("4 bytes"),
                signature: blob[4..].try_into().expect("64 bytes"),
            });
        }
        let c = Checkpoint {
            origin: lines[0].into(),
            size,
            root,
            signatures,
            others,
        };
        if c.body() != format!("{body}\n") {
            return Err(bad("extension lines are not supported"));
        }
        Ok(c)
    }

    /// The keys among `keys` whose signatures on this checkpoint verify.
    pub fn signers<'a>(&self, keys: impl Iterator<Item = &'a PublicKey>) -> Vec<PublicKey> {
        let body = self.body();
        let mut out = Vec::new();
        for key in keys {
            let name = key_name(key);
            let hash = key_hash(&name, key);
            for s in &self.signatures {
                if s.name == name
                    && s.key_hash == hash
                    && crate::keys::verify_strict(key, body.as_bytes(), &s.signature).is_ok()
                {
                    out.push(*key);
                }
            }
        }
        out
    }
}

/// The role that signs checkpoints: the inspectorate's, whose signature
/// says "we saw the ledger at this size". Admins, operators and the head
/// record and approve; a checkpoint signed by them would vouch for their
/// own work (`docs/authorization.md`).
pub const SIGNER_ROLE: crate::event::Role = crate::event::Role::Inspector;

/// Why a key may not sign a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotSigner {
    /// It lacks the inspector role: the holder and the roles it has.
    Role(String, String),
    /// It was registered at this seq, not inside the checkpoint.
    AddedAfter(String, u64, u64),
    /// It was revoked at this seq, inside the checkpoint.
    Revoked(String, u64, u64),
}

impl std::fmt::Display for NotSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSigner::Role(holder, roles) => {
                write!(f, "{holder} holds role(s) {roles}, not {}", SIGNER_ROLE.name())
            }
            NotSigner::AddedAfter(holder, seq, size) => write!(
                f,
                "{holder}'s key was registered at seq {seq}, after the checkpoint's {size} events"
            ),
            NotSigner::Revoked(holder, seq, size) => write!(
                f,
                "{holder}'s key was revoked at seq {seq}, inside the checkpoint's {size} events"
            ),
        }
    }
}

/// Whether a key in `state` may sign a checkpoint of `size` events: it has
/// the inspector role, was registered by an event inside the checkpoint
/// (before seq `size`) and was not revoked inside it.
pub fn may_sign(state: &crate::authz::KeyState, size: u64) -> std::result::Result<(), NotSigner> {
    let holder = || state.holder.name.clone();
    if !state.roles.contains(&SIGNER_ROLE) {
        return Err(NotSigner::Role(holder(), crate::authz::roles_text(&state.roles)));
    }
    if state.added_seq >= size {
        return Err(NotSigner::AddedAfter(holder(), state.added_seq, size));
    }
    if let Some(r) = state.revoked_seq.filter(|r| *r < size) {
        return Err(NotSigner::Revoked(holder(), r, size));
    }
    Ok(())
}

/// Who signed a checkpoint, judged against a ledger's key registry.
#[derive(Clone, Debug, Default)]
pub struct Signers {
    /// Keys whose signatures verify and who may sign it.
    pub qualified: Vec<PublicKey>,
    /// Keys of the ledger whose signatures verify but who may not sign
    /// it, with why.
    pub unqualified: Vec<(PublicKey, NotSigner)>,
    /// Keys given as trusted (`--trusted-key`) whose signatures verify.
    pub trusted: Vec<PublicKey>,
}

impl Checkpoint {
    /// Judge the signatures: each against the registry's keys (who may sign,
    /// [`may_sign`]) and against `trusted` keys given by the verifier.
    pub fn judge(&self, registry: &crate::authz::Registry, trusted: &[PublicKey]) -> Signers {
        let mut out = Signers::default();
        for key in self.signers(registry.iter().map(|(k, _)| k)) {
            let state = registry.get(&key).expect("a key of the registry");
            match may_sign(state, self.size) {
                Ok(()) => out.qualified.push(key),
                Err(why) => out.unqualified.push((key, why)),
            }
        }
        out.trusted = self.signers(trusted.iter());
        out
    }

    /// [`Checkpoint::judge`], refused unless an inspector of the ledger who
    /// may sign it did, and, when `trusted` keys are given, one of them
    /// did too (exactly who must vouch for it).
    pub fn require_signers(
        &self,
        registry: &crate::authz::Registry,
        trusted: &[PublicKey],
    ) -> Result<Signers> {
        let judged = self.judge(registry, trusted);
        if judged.qualified.is_empty() {
            let why = if self.signatures.is_empty() {
                "the checkpoint has no signature".to_string()
            } else if judged.unqualified.is_empty() {
                "no signature on the checkpoint verifies under a key of this ledger".to_string()
            } else {
                let whys: Vec<String> = judged
                    .unqualified
                    .iter()
                    .map(|(k, why)| format!("{} ({why})", k.key_id()))
                    .collect();
                format!(
                    "the checkpoint is signed only by keys that may not sign it: {}",
                    whys.join("; ")
                )
            };
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "{why}; a checkpoint is signed by an active {} key of the ledger",
                    SIGNER_ROLE.name()
                ),
            });
        }
        if !trusted.is_empty() && !judged.trusted.iter().any(|k| judged.qualified.contains(k)) {
            let ids: Vec<String> = trusted.iter().map(|k| k.key_id()).collect();
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the checkpoint is not signed by a trusted key ({}) that may sign it",
                    ids.join(", ")
                ),
            });
        }
        Ok(judged)
    }
}

/// An inclusion proof of one event in a checkpointed tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The ledger's origin line.
    pub origin: String,
    /// The tree size of the checkpoint.
    pub size: u64,
    /// The checkpoint's root.
    pub root: Hash,
    /// The seq of the event proved.
    pub index: u64,
    /// The event's hash.
    pub event_hash: [u8; 32],
    /// The audit path, leaf to root.
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// The text form: origin, size, root, index, event hash, one path hash per line.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "sakip inclusion proof v1\norigin {}\nsize {}\nroot {}\nindex {}\nevent {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            self.index,
            hex::encode(self.event_hash)
        );
        for h in &self.path {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out
    }

    /// Parse the text form written by [`InclusionProof::to_text`].
    pub fn parse(text: &str) -> Result<InclusionProof> {
        let bad = |why: &str| Error::Input(format!("not a sakip inclusion proof: {why}"));
        let mut lines = text.lines();
        if lines.next() != Some("sakip inclusion proof v1") {
            return Err(bad("the first line must be 'sakip inclusion proof v1'"));
        }
        let mut field = |name: &str| -> Result<String> {
            let line = lines.next().ok_or_else(|| bad(&format!("missing {name}")))?;
            line.strip_prefix(&format!("{name} "))
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("expected the {name} line")))
        };
        let origin = field("origin")?;
        let size = field("size")?.parse().map_err(|_| bad("size"))?;
        let root = B64
            .decode(field("root")?)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("root"))?;
        let index = field("index")?.parse().map_err(|_| bad("index"))?;
        let event_hash = hex::decode(field("event")?)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("event"))?;
        let path = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad("a path hash"))
            })
            .collect::<Result<Vec<Hash>>>()?;
        Ok(InclusionProof {
            origin,
            size,
            root,
            index,
            event_hash,
            path,
        })
    }

    /// Check the proof against its own root.
    pub fn verify(&self) -> bool {
        crate::merkle::verify_inclusion(
            &crate::merkle::leaf_hash(&self.event_hash),
            self.index,
            self.size,
            &self.path,
            &self.root,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_text_round_trips_and_signature_binds_the_body() {
        let key = KeyPair::from_seed([4; 32]);
        let c = Checkpoint::signed("sakip/x/0011223344556677".into(), 42, [7; 32], &key);
        let text = c.to_text();
        assert!(text.starts_with(
            "sakip/x/0011223344556677\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u{2014} sakip-"
        ));
        let back = Checkpoint::parse(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.signers([key.public()].iter()), vec![key.public()]);
        let forged = Checkpoint::parse(&text.replace("\n42\n", "\n43\n")).unwrap();
        assert!(forged.signers([key.public()].iter()).is_empty());
    }
}

//! Persisted event records: the envelope and every payload kind.
//!
//! These types are a compatibility boundary. Their byte encoding is specified
//! in `schema/event-v1.md` and pinned by golden tests; the rules are:
//! explicit-width integers only, new payload kinds are appended at the end of
//! [`Payload`] (never reordered or removed), and an existing kind never
//! changes its fields. Domain logic lives elsewhere and converts from these.

use bincode::{Decode, Encode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 digest of a stored event.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Default)]
pub struct EventHash(pub [u8; 32]);

impl EventHash {
    /// The all-zero hash used as `prev` of the genesis event.
    pub const ZERO: EventHash = EventHash([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({})", self.to_hex())
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for EventHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// An Ed25519 public key, as its 32 compressed bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// Lowercase hex of the 32 key bytes.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The short key id users type: the first 8 bytes of SHA-256(key), hex.
    pub fn key_id(&self) -> String {
        let digest = Sha256::digest(self.0);
        hex::encode(&digest[..8])
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// What a key may do. Encoded as a u32 variant index (admin 0, operator 1,
/// approver 2, inspector 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages keys and the plan.
    Admin,
    /// Records realisations, spending and narratives.
    Operator,
    /// The head of the agency (kepala): approves entries, issues reports.
    Approver,
    /// The inspectorate (Inspektorat / APIP): reviews and records findings.
    Inspector,
}

impl Role {
    /// Every role, in encoding order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Operator, Role::Approver, Role::Inspector];

    /// The lowercase name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::Inspector => "inspector",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The person holding a key.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Holder {
    /// Full name.
    pub name: String,
    /// NIP (Nomor Induk Pegawai), the civil-servant number.
    pub nip: Option<String>,
    /// Jabatan: position, e.g. "Kepala Badan".
    pub jabatan: Option<String>,
}

/// The first event of every ledger. Its author is the first admin key.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Genesis {
    /// Agency code (kode OPD).
    pub agency_code: String,
    /// Agency name, e.g. "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Kediri".
    pub agency_name: String,
    /// The holder of the first admin key (the genesis author).
    pub admin: Holder,
}

/// A key registered with roles.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct KeyAdded {
    pub key: PublicKey,
    pub holder: Holder,
    pub roles: Vec<Role>,
}

/// A key withdrawn; it may not sign anything recorded after this event.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct KeyRevoked {
    pub key: PublicKey,
    pub reason: String,
}

/// The approver's decision on the events it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Disetujui.
    Approve,
    /// Ditolak.
    Reject,
    /// Dikembalikan: returned for correction.
    Return,
}

impl Decision {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Return => "return",
        }
    }
}

/// An approval, rejection or return by an approver.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Approval {
    pub decision: Decision,
    /// The seqs of the events this decision covers, each earlier than it.
    pub covers: Vec<u64>,
    pub comment: Option<String>,
}

/// The payload of an event. The variant index is the on-disk kind number:
/// append new kinds at the end, never reorder.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    Genesis(Genesis),
    KeyAdded(KeyAdded),
    KeyRevoked(KeyRevoked),
    Approval(Approval),
}

/// The kind of a payload, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Genesis,
    KeyAdded,
    KeyRevoked,
    Approval,
}

impl Kind {
    /// Every kind, in encoding order.
    pub const ALL: [Kind; 4] = [Kind::Genesis, Kind::KeyAdded, Kind::KeyRevoked, Kind::Approval];

    /// The snake_case name used in `log --kind` and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Genesis => "genesis",
            Kind::KeyAdded => "key_added",
            Kind::KeyRevoked => "key_revoked",
            Kind::Approval => "approval",
        }
    }

    /// The on-disk kind number (the payload's variant index).
    pub fn number(self) -> u32 {
        self as u32
    }

    /// The kind with this on-disk number.
    pub fn from_number(n: u32) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.number() == n)
    }

    /// Parse a kind name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether an approval may cover an event of this kind.
    pub fn is_approvable(self) -> bool {
        !matches!(self, Kind::Genesis | Kind::Approval)
    }
}

impl Payload {
    /// This payload's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Payload::Genesis(_) => Kind::Genesis,
            Payload::KeyAdded(_) => Kind::KeyAdded,
            Payload::KeyRevoked(_) => Kind::KeyRevoked,
            Payload::Approval(_) => Kind::Approval,
        }
    }
}

/// A decoded, stored event: the envelope fields plus the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    pub prev: EventHash,
    /// Transaction time, microseconds since 1970-01-01T00:00:00Z.
    pub recorded_at: i64,
    pub author: PublicKey,
    pub payload: Payload,
    pub signature: [u8; 64],
}

impl Payload {
    /// A one-line human summary (English, with the official terms).
    pub fn summary(&self) -> String {
        match self {
            Payload::Genesis(g) => format!(
                "ledger created for {} ({}), admin {}",
                g.agency_name, g.agency_code, g.admin.name
            ),
            Payload::KeyAdded(k) => format!(
                "key {} added for {} as {}",
                k.key.key_id(),
                k.holder.name,
                k.roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
            ),
            Payload::KeyRevoked(r) => format!("key {} revoked: {}", r.key.key_id(), r.reason),
            Payload::Approval(a) => {
                let seqs = a
                    .covers
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                match &a.comment {
                    Some(c) => format!("{} seq {seqs}: {c}", a.decision.name()),
                    None => format!("{} seq {seqs}", a.decision.name()),
                }
            }
        }
    }
}

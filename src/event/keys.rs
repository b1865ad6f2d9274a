//! Who may sign: the genesis, key registration and revocation, roles and
//! the head's approvals.

use bincode::{Decode, Encode};
use serde::Serialize;
use std::fmt;

use super::PublicKey;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Genesis {
    /// Agency code (kode OPD).
    pub agency_code: String,
    /// Agency name, e.g. "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Kediri".
    pub agency_name: String,
    /// The holder of the first admin key (the genesis author).
    pub admin: Holder,
    /// 32 random bytes drawn when the ledger is created, so that no two
    /// ledgers share a genesis (and so an identity and checkpoint origin),
    /// even with the same key, agency and clock. `None` only in ledgers
    /// created before the field existed, whose genesis ends after `admin`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "hex_nonce")]
    pub nonce: Option<[u8; 32]>,
}

fn hex_nonce<S: serde::Serializer>(nonce: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match nonce {
        Some(n) => s.serialize_str(&hex::encode(n)),
        None => s.serialize_none(),
    }
}

// The genesis payload is the only payload that ends an event with an
// optional field: the nonce, when present, is the last 32 bytes of the
// payload (`schema/event-v1.md`). A genesis without them decodes as before.
impl Encode for Genesis {
    fn encode<E: bincode::enc::Encoder>(&self, e: &mut E) -> Result<(), bincode::error::EncodeError> {
        self.agency_code.encode(e)?;
        self.agency_name.encode(e)?;
        self.admin.encode(e)?;
        if let Some(nonce) = &self.nonce {
            nonce.encode(e)?;
        }
        Ok(())
    }
}

impl<C> Decode<C> for Genesis {
    fn decode<D: bincode::de::Decoder<Context = C>>(d: &mut D) -> Result<Self, bincode::error::DecodeError> {
        let agency_code = String::decode(d)?;
        let agency_name = String::decode(d)?;
        let admin = Holder::decode(d)?;
        use bincode::de::read::Reader;
        let nonce = if d.reader().peek_read(32).is_some() {
            Some(<[u8; 32]>::decode(d)?)
        } else {
            None
        };
        Ok(Genesis {
            agency_code,
            agency_name,
            admin,
            nonce,
        })
    }
}
bincode::impl_borrow_decode!(Genesis);

/// A key registered with roles.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct KeyAdded {
    /// The key registered.
    pub key: PublicKey,
    /// Who holds it.
    pub holder: Holder,
    /// What it may do.
    pub roles: Vec<Role>,
}

/// A key withdrawn; it may not sign anything recorded after this event.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct KeyRevoked {
    /// The key revoked.
    pub key: PublicKey,
    /// Why.
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
    /// Approve, reject or return.
    pub decision: Decision,
    /// The seqs of the events this decision covers, each earlier than it.
    pub covers: Vec<u64>,
    /// The approver's comment.
    pub comment: Option<String>,
}

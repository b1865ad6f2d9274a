//! Persisted event records: the envelope and every payload kind.
//!
//! These types are a compatibility boundary. Their byte encoding is specified
//! in `schema/event-v1.md` and pinned by golden tests; the rules are:
//! explicit-width integers only, new payload kinds are appended at the end of
//! [`Payload`] (never reordered or removed), and an existing kind never
//! changes its fields. Domain logic lives elsewhere and converts from these.

use bincode::{Decode, Encode};
use rust_decimal::Decimal;
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

/// The payload of an event. The discriminant is the on-disk kind number
/// (bincode writes the variant's position, and `tests/format.rs` checks the
/// two agree): append new kinds at the end with the next number, never
/// reorder or reuse one.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[repr(u32)]
pub enum Payload {
    /// The first event: the agency and its first admin.
    Genesis(Genesis) = 0,
    /// A key registered with roles.
    KeyAdded(KeyAdded) = 1,
    /// A key revoked.
    KeyRevoked(KeyRevoked) = 2,
    /// The head's decision on entries.
    Approval(Approval) = 3,
    /// A plan item (tujuan ... sub kegiatan).
    PlanItemDefined(PlanItemDefined) = 4,
    /// An indicator of a plan item.
    IndicatorDefined(IndicatorDefined) = 5,
    /// A first target.
    TargetSet(TargetSet) = 6,
    /// A target revised.
    TargetRevised(TargetRevised) = 7,
    /// A realisation.
    RealisationRecorded(RealisationRecorded) = 8,
    /// A realisation corrected.
    RealisationCorrected(RealisationCorrected) = 9,
    /// A first pagu.
    BudgetSet(BudgetSet) = 10,
    /// A pagu revised.
    BudgetRevised(BudgetRevised) = 11,
    /// Spending in a quarter.
    SpendingRecorded(SpendingRecorded) = 12,
    /// An indicator's narrative for a year.
    NarrativeRecorded(NarrativeRecorded) = 13,
    /// A report sealed (or an external document recorded).
    ReportIssued(ReportIssued) = 14,
    /// A plan item retired from a year on.
    PlanItemRetired(Retired) = 15,
    /// An indicator retired from a year on.
    IndicatorRetired(Retired) = 16,
    /// The agency's settings.
    AgencySettings(AgencySettings) = 17,
    /// A part of the year's LKjIP text (appended: builds before it refuse it).
    DocumentTextRecorded(DocumentText) = 18,
    /// Who signs the year's LKjIP (appended: builds before it refuse it).
    SignatoryRecorded(Signatory) = 19,
}

/// The kind of a payload, without its data; its discriminant is the
/// on-disk kind number, the same as [`Payload`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum Kind {
    /// `genesis`.
    Genesis = 0,
    /// `key_added`.
    KeyAdded = 1,
    /// `key_revoked`.
    KeyRevoked = 2,
    /// `approval`.
    Approval = 3,
    /// `plan_item_defined`.
    PlanItemDefined = 4,
    /// `indicator_defined`.
    IndicatorDefined = 5,
    /// `target_set`.
    TargetSet = 6,
    /// `target_revised`.
    TargetRevised = 7,
    /// `realisation_recorded`.
    RealisationRecorded = 8,
    /// `realisation_corrected`.
    RealisationCorrected = 9,
    /// `budget_set`.
    BudgetSet = 10,
    /// `budget_revised`.
    BudgetRevised = 11,
    /// `spending_recorded`.
    SpendingRecorded = 12,
    /// `narrative_recorded`.
    NarrativeRecorded = 13,
    /// `report_issued`.
    ReportIssued = 14,
    /// `plan_item_retired`.
    PlanItemRetired = 15,
    /// `indicator_retired`.
    IndicatorRetired = 16,
    /// `agency_settings`.
    AgencySettings = 17,
    /// `document_text_recorded`.
    DocumentTextRecorded = 18,
    /// `signatory_recorded`.
    SignatoryRecorded = 19,
}

impl Kind {
    /// Every kind, in encoding order.
    pub const ALL: [Kind; 20] = [
        Kind::Genesis,
        Kind::KeyAdded,
        Kind::KeyRevoked,
        Kind::Approval,
        Kind::PlanItemDefined,
        Kind::IndicatorDefined,
        Kind::TargetSet,
        Kind::TargetRevised,
        Kind::RealisationRecorded,
        Kind::RealisationCorrected,
        Kind::BudgetSet,
        Kind::BudgetRevised,
        Kind::SpendingRecorded,
        Kind::NarrativeRecorded,
        Kind::ReportIssued,
        Kind::PlanItemRetired,
        Kind::IndicatorRetired,
        Kind::AgencySettings,
        Kind::DocumentTextRecorded,
        Kind::SignatoryRecorded,
    ];

    /// The snake_case name used in `log --kind` and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Genesis => "genesis",
            Kind::KeyAdded => "key_added",
            Kind::KeyRevoked => "key_revoked",
            Kind::Approval => "approval",
            Kind::PlanItemDefined => "plan_item_defined",
            Kind::IndicatorDefined => "indicator_defined",
            Kind::TargetSet => "target_set",
            Kind::TargetRevised => "target_revised",
            Kind::RealisationRecorded => "realisation_recorded",
            Kind::RealisationCorrected => "realisation_corrected",
            Kind::BudgetSet => "budget_set",
            Kind::BudgetRevised => "budget_revised",
            Kind::SpendingRecorded => "spending_recorded",
            Kind::NarrativeRecorded => "narrative_recorded",
            Kind::ReportIssued => "report_issued",
            Kind::PlanItemRetired => "plan_item_retired",
            Kind::IndicatorRetired => "indicator_retired",
            Kind::AgencySettings => "agency_settings",
            Kind::DocumentTextRecorded => "document_text_recorded",
            Kind::SignatoryRecorded => "signatory_recorded",
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
        !matches!(self, Kind::Genesis | Kind::Approval | Kind::ReportIssued)
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
            Payload::PlanItemDefined(_) => Kind::PlanItemDefined,
            Payload::IndicatorDefined(_) => Kind::IndicatorDefined,
            Payload::TargetSet(_) => Kind::TargetSet,
            Payload::TargetRevised(_) => Kind::TargetRevised,
            Payload::RealisationRecorded(_) => Kind::RealisationRecorded,
            Payload::RealisationCorrected(_) => Kind::RealisationCorrected,
            Payload::BudgetSet(_) => Kind::BudgetSet,
            Payload::BudgetRevised(_) => Kind::BudgetRevised,
            Payload::SpendingRecorded(_) => Kind::SpendingRecorded,
            Payload::NarrativeRecorded(_) => Kind::NarrativeRecorded,
            Payload::ReportIssued(_) => Kind::ReportIssued,
            Payload::PlanItemRetired(_) => Kind::PlanItemRetired,
            Payload::IndicatorRetired(_) => Kind::IndicatorRetired,
            Payload::AgencySettings(_) => Kind::AgencySettings,
            Payload::DocumentTextRecorded(_) => Kind::DocumentTextRecorded,
            Payload::SignatoryRecorded(_) => Kind::SignatoryRecorded,
        }
    }
}

/// A decoded, stored event: the envelope fields plus the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Position in the ledger, from 0.
    pub seq: u64,
    /// Hash of the previous event (zeros for genesis).
    pub prev: EventHash,
    /// Transaction time, microseconds since 1970-01-01T00:00:00Z.
    pub recorded_at: i64,
    /// The signer's public key.
    pub author: PublicKey,
    /// What the event records.
    pub payload: Payload,
    /// Ed25519 signature over the signing message.
    pub signature: [u8; 64],
}

impl Payload {
    /// The fiscal period an event is about: a realisation's or spending's
    /// quarter (or year), a target's year or quarter, the year of a budget
    /// line, narrative, report or retirement; `None` for keys, approvals,
    /// definitions and settings.
    pub fn period(&self) -> Option<PeriodRef> {
        let year = |year: u16| Some(PeriodRef { year, quarter: 0 });
        match self {
            Payload::RealisationRecorded(r) => Some(r.period),
            Payload::RealisationCorrected(c) => Some(c.period),
            Payload::SpendingRecorded(s) => Some(s.period),
            Payload::TargetSet(TargetSet { year, scope, .. })
            | Payload::TargetRevised(TargetRevised { year, scope, .. }) => Some(PeriodRef {
                year: *year,
                quarter: match scope {
                    TargetScope::Quarter(q) => *q,
                    TargetScope::Year | TargetScope::Renstra => 0,
                },
            }),
            Payload::BudgetSet(b) => year(b.year),
            Payload::BudgetRevised(b) => year(b.year),
            Payload::NarrativeRecorded(n) => year(n.year),
            Payload::DocumentTextRecorded(t) => year(t.year),
            Payload::SignatoryRecorded(s) => year(s.year),
            Payload::ReportIssued(r) => year(r.year),
            Payload::PlanItemRetired(r) | Payload::IndicatorRetired(r) => year(r.year),
            Payload::Genesis(_)
            | Payload::KeyAdded(_)
            | Payload::KeyRevoked(_)
            | Payload::Approval(_)
            | Payload::PlanItemDefined(_)
            | Payload::IndicatorDefined(_)
            | Payload::AgencySettings(_) => None,
        }
    }

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
                let seqs = seq_list(&a.covers);
                match &a.comment {
                    Some(c) => format!("{} seq {seqs}: {c}", a.decision.name()),
                    None => format!("{} seq {seqs}", a.decision.name()),
                }
            }
            Payload::PlanItemDefined(p) => format!("{} {} {}", p.level.name(), p.code, p.name),
            Payload::IndicatorDefined(i) => format!("indicator {} {} ({})", i.code, i.name, i.unit),
            Payload::TargetSet(t) => format!("target {} {} {} = {}", t.indicator, t.year, t.scope, t.value),
            Payload::TargetRevised(t) => format!(
                "target {} {} {} revised to {} (revises seq {}; {}; {})",
                t.indicator, t.year, t.scope, t.value, t.revises, t.reason, t.basis
            ),
            Payload::RealisationRecorded(r) => {
                format!("realisasi {} {} = {}", r.indicator, r.period, r.value)
            }
            Payload::RealisationCorrected(r) => format!(
                "realisasi {} {} corrected to {} (supersedes seq {}; {})",
                r.indicator, r.period, r.value, r.supersedes, r.reason
            ),
            Payload::BudgetSet(b) => format!(
                "pagu {} {} = {}",
                b.account,
                b.year,
                crate::numfmt::rupiah(b.pagu.0)
            ),
            Payload::BudgetRevised(b) => format!(
                "pagu {} {} revised to {} (revises seq {}; {}; {})",
                b.account,
                b.year,
                crate::numfmt::rupiah(b.pagu.0),
                b.revises,
                b.reason,
                b.basis
            ),
            Payload::SpendingRecorded(s) => {
                format!(
                    "realisasi anggaran {} {} {}",
                    s.account,
                    s.period,
                    crate::numfmt::rupiah(s.amount.0)
                )
            }
            Payload::NarrativeRecorded(n) => format!("narrative {} {}", n.indicator, n.year),
            Payload::ReportIssued(r) => format!(
                "report {} {} s.d. TW {} ({}, known at seq {}) issued, sha256 {}",
                r.kind,
                r.year,
                crate::period::roman(r.as_of),
                r.format,
                r.known_seq,
                hex::encode(r.sha256)
            ),
            Payload::PlanItemRetired(r) => {
                format!("plan item {} retired from {}: {}", r.code, r.year, r.reason)
            }
            Payload::IndicatorRetired(r) => {
                format!("indicator {} retired from {}: {}", r.code, r.year, r.reason)
            }
            Payload::AgencySettings(a) => format!("agency time zone {}", a.time_zone.name()),
            Payload::DocumentTextRecorded(t) => {
                format!("LKjIP {} text '{}' ({} bytes)", t.year, t.section, t.text.len())
            }
            Payload::SignatoryRecorded(s) => format!(
                "LKjIP {} signed by {} (NIP {}), {}, {} {}",
                s.year, s.name, s.nip, s.position, s.place, s.date
            ),
        }
    }
}

/// An exact decimal (measures and Rupiah), persisted as its mantissa (i128
/// little-endian) and scale (u8, at most 28). Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Dec(pub Decimal);

impl Encode for Dec {
    fn encode<E: bincode::enc::Encoder>(&self, e: &mut E) -> Result<(), bincode::error::EncodeError> {
        self.0.mantissa().encode(e)?;
        (self.0.scale() as u8).encode(e)
    }
}

impl<Context> Decode<Context> for Dec {
    fn decode<D: bincode::de::Decoder<Context = Context>>(
        d: &mut D,
    ) -> Result<Self, bincode::error::DecodeError> {
        let mantissa = i128::decode(d)?;
        let scale = u8::decode(d)?;
        Decimal::try_from_i128_with_scale(mantissa, u32::from(scale))
            .map(Dec)
            .map_err(|_| bincode::error::DecodeError::Other("decimal out of range"))
    }
}
bincode::impl_borrow_decode!(Dec);

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Level of a plan item in the performance hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Tujuan: the agency's goal.
    Tujuan,
    /// Sasaran strategis: strategic target.
    Sasaran,
    /// Program.
    Program,
    /// Kegiatan: activity.
    Kegiatan,
    /// Sub kegiatan: sub-activity.
    SubKegiatan,
}

impl Level {
    /// Every value, in order.
    pub const ALL: [Level; 5] = [
        Level::Tujuan,
        Level::Sasaran,
        Level::Program,
        Level::Kegiatan,
        Level::SubKegiatan,
    ];

    /// The name used in files and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Level::Tujuan => "tujuan",
            Level::Sasaran => "sasaran",
            Level::Program => "program",
            Level::Kegiatan => "kegiatan",
            Level::SubKegiatan => "sub_kegiatan",
        }
    }

    /// The Indonesian label.
    pub fn label(self) -> &'static str {
        match self {
            Level::Tujuan => "Tujuan",
            Level::Sasaran => "Sasaran",
            Level::Program => "Program",
            Level::Kegiatan => "Kegiatan",
            Level::SubKegiatan => "Sub Kegiatan",
        }
    }
}

/// A node of the plan: tujuan, sasaran, program, kegiatan or sub kegiatan.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct PlanItemDefined {
    /// Its code, unique in the ledger.
    pub code: String,
    /// Tujuan, sasaran, program, kegiatan or sub kegiatan.
    pub level: Level,
    /// Its name.
    pub name: String,
    /// Code of the parent item (none for a tujuan).
    pub parent: Option<String>,
}

/// Which direction is good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// More is better (capaian = realisasi / target).
    HigherIsBetter,
    /// E.g. the number of audit findings.
    LowerIsBetter,
    /// SAKIP grades AA > A > BB > B > CC > C > D.
    Grade,
}

/// What a recorded value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A number.
    Number,
    /// Numerator and denominator recorded; the value is their percentage.
    Ratio,
    /// A SAKIP grade (AA ... D).
    Grade,
    /// A text milestone such as "1 dokumen".
    Text,
}

/// How quarterly values make the value as of a quarter.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Stocks (percentages of staff, indices): the latest quarter's value.
    LastQuarter,
    /// Flows (counts): the sum of the quarters.
    Sum,
    /// Flow ratios: sum of numerators over sum of denominators.
    RatioOfSums,
    /// Sum of the component indicators' values (e.g. IP ASN).
    Components(Vec<String>),
}

/// The capaian rule of a lower-is-better indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LowerRule {
    /// target / realisasi x 100.
    Inverse,
    /// (2 x target - realisasi) / target x 100.
    TwiceTargetMinus,
}

/// A performance indicator (indikator kinerja) of a plan item.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct IndicatorDefined {
    /// Its code, unique in the ledger.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The plan item it measures.
    pub item: String,
    /// Satuan.
    pub unit: String,
    /// Whether higher or lower is better, or a grade.
    pub polarity: Polarity,
    /// What a value is: number, ratio, grade or text.
    pub value_kind: ValueKind,
    /// How quarters make the year.
    pub aggregation: Aggregation,
    /// How capaian is computed when lower is better.
    pub lower_rule: LowerRule,
    /// Optional ceiling on capaian, in percent.
    pub cap: Option<Dec>,
    /// Whether this is an IKU (indikator kinerja utama) of the PK.
    pub iku: bool,
    /// The formula as the plan states it.
    pub formula: Option<String>,
    /// Where the data comes from.
    pub source: Option<String>,
}

/// SAKIP grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Serialize)]
pub enum Grade {
    /// Sangat memuaskan (> 90-100).
    AA,
    /// Memuaskan (> 80-90).
    A,
    /// Sangat baik (> 70-80).
    BB,
    /// Baik (> 60-70).
    B,
    /// Cukup (> 50-60).
    CC,
    /// Kurang (> 30-50).
    C,
    /// Sangat kurang (30 and below).
    D,
}

impl Grade {
    /// Every value, in order.
    pub const ALL: [Grade; 7] = [
        Grade::AA,
        Grade::A,
        Grade::BB,
        Grade::B,
        Grade::CC,
        Grade::C,
        Grade::D,
    ];

    /// Its name: AA, A, BB, B, CC, C or D.
    pub fn name(self) -> &'static str {
        match self {
            Grade::AA => "AA",
            Grade::A => "A",
            Grade::BB => "BB",
            Grade::B => "B",
            Grade::CC => "CC",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    /// A grade by name, case and spaces ignored.
    pub fn parse(text: &str) -> Option<Grade> {
        Grade::ALL
            .into_iter()
            .find(|g| g.name() == text.trim().to_ascii_uppercase())
    }
}

/// A recorded target or realisation value.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A number.
    Number(Dec),
    /// A ratio, kept as numerator and denominator.
    Ratio {
        /// The numerator.
        numerator: Dec,
        /// The denominator (more than 0).
        denominator: Dec,
    },
    /// A grade.
    Grade(Grade),
    /// A text milestone.
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(d) => f.write_str(&crate::numfmt::format_plain(d.0)),
            Value::Ratio {
                numerator,
                denominator,
            } => write!(
                f,
                "{}/{}",
                crate::numfmt::format_plain(numerator.0),
                crate::numfmt::format_plain(denominator.0)
            ),
            Value::Grade(g) => f.write_str(g.name()),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// Which target: the year's (PK), a quarter's phasing (rencana aksi), or the
/// Renstra target for the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetScope {
    /// The year's target (PK).
    Year,
    /// A quarter's phasing target (1-4).
    Quarter(u8),
    /// The Renstra target for the year.
    Renstra,
}

impl fmt::Display for TargetScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetScope::Year => f.write_str("PK"),
            TargetScope::Quarter(q) => write!(f, "TW {q}"),
            TargetScope::Renstra => f.write_str("Renstra"),
        }
    }
}

/// Budget stage: murni (original) or perubahan (after the amendment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before the budget amendment.
    Murni,
    /// After the budget amendment.
    Perubahan,
}

/// A target, first set. `stage` is perubahan for a target that first
/// appears at the budget amendment (it had none "sebelum perubahan").
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct TargetSet {
    /// Indicator code.
    pub indicator: String,
    /// Fiscal year.
    pub year: u16,
    /// PK, a quarter's phasing or the Renstra.
    pub scope: TargetScope,
    /// The target.
    pub value: Value,
    /// Budget stage (murni or perubahan).
    pub stage: Stage,
}

/// A target revised; `revises` is the seq of the target event it replaces,
/// which keeps the "sebelum perubahan" value.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct TargetRevised {
    /// Indicator code.
    pub indicator: String,
    /// Fiscal year.
    pub year: u16,
    /// PK, a quarter's phasing or the Renstra.
    pub scope: TargetScope,
    /// The new target.
    pub value: Value,
    /// Budget stage (murni or perubahan).
    pub stage: Stage,
    /// Why it changes.
    pub reason: String,
    /// Legal basis, e.g. "DPA Perubahan".
    pub basis: String,
    /// The seq of the version it replaces (the latest).
    pub revises: u64,
}

pub use crate::period::PeriodRef;

/// A realisation entry (realisasi).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct RealisationRecorded {
    /// Indicator code.
    pub indicator: String,
    /// The quarter, or the year for an annual figure.
    pub period: PeriodRef,
    /// The realisation.
    pub value: Value,
    /// A note.
    pub note: Option<String>,
}

/// A correction of a realisation; `supersedes` is the latest earlier version.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct RealisationCorrected {
    /// Indicator code.
    pub indicator: String,
    /// The quarter, or the year for an annual figure.
    pub period: PeriodRef,
    /// The corrected value.
    pub value: Value,
    /// The seq of the version it replaces (the latest).
    pub supersedes: u64,
    /// Why it changes.
    pub reason: String,
}

/// A budget (pagu) for a plan item, first set.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct BudgetSet {
    /// Plan item or indicator code.
    pub account: String,
    /// Fiscal year.
    pub year: u16,
    /// The pagu in Rupiah.
    pub pagu: Dec,
}

/// A pagu revised.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct BudgetRevised {
    /// Plan item or indicator code.
    pub account: String,
    /// Fiscal year.
    pub year: u16,
    /// The new pagu in Rupiah.
    pub pagu: Dec,
    /// Budget stage (murni or perubahan).
    pub stage: Stage,
    /// Why it changes.
    pub reason: String,
    /// Legal basis, e.g. "DPA Perubahan".
    pub basis: String,
    /// The seq of the version it replaces (the latest).
    pub revises: u64,
}

/// Spending (realisasi anggaran) in a quarter; entries add up.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct SpendingRecorded {
    /// Plan item or indicator code.
    pub account: String,
    /// The quarter.
    pub period: PeriodRef,
    /// Amount spent in Rupiah.
    pub amount: Dec,
    /// A note.
    pub note: Option<String>,
}

/// A plan item or indicator withdrawn from a year on: a wrongly defined
/// sasaran or IKU stops appearing in that year's (and later years') status
/// and reports, and stays in the ledger, its history and `audit replay`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Retired {
    /// The code of the plan item or indicator.
    pub code: String,
    /// The first fiscal year it no longer counts in.
    pub year: u16,
    /// Why.
    pub reason: String,
}

/// Indonesia's three time zones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, Serialize)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7.
    #[default]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8.
    Wita,
    /// Waktu Indonesia Timur, UTC+9.
    Wit,
}

impl TimeZone {
    /// Every zone.
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];

    /// The abbreviation printed after a time: WIB, WITA, WIT.
    pub fn name(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }

    /// The offset from UTC, in seconds.
    pub fn offset_secs(self) -> i32 {
        match self {
            TimeZone::Wib => 7 * 3600,
            TimeZone::Wita => 8 * 3600,
            TimeZone::Wit => 9 * 3600,
        }
    }

    /// Parse WIB, WITA or WIT (any case).
    pub fn from_name(name: &str) -> Option<TimeZone> {
        TimeZone::ALL
            .into_iter()
            .find(|z| z.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// The agency's settings, set by an admin: the time zone its people read
/// and type times in (stored times stay UTC).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct AgencySettings {
    /// The agency's time zone.
    pub time_zone: TimeZone,
}

/// One part of the prose of a year's LKjIP (PermenPAN-RB 53/2014): the
/// Kata Pengantar, the Ikhtisar Eksekutif, the parts of Bab I, II and IV.
/// The latest version known counts; an empty text withdraws the part.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct DocumentText {
    /// Fiscal year of the report.
    pub year: u16,
    /// Which part: one of [`DocumentSection::ALL`]'s names.
    pub section: String,
    /// The text: paragraphs separated by a blank line; a line starting with
    /// `1.`, `a.` or `-` is a list item.
    pub text: String,
}

/// The parts of the LKjIP text that are recorded as prose; the figures,
/// tables and charts come from the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocumentSection {
    /// Kata Pengantar.
    KataPengantar,
    /// Ikhtisar Eksekutif.
    IkhtisarEksekutif,
    /// Bab I A. Latar Belakang.
    LatarBelakang,
    /// Bab I B. Kedudukan, Tugas dan Fungsi.
    TugasFungsi,
    /// Bab I C. Struktur Organisasi.
    StrukturOrganisasi,
    /// Bab I D. Permasalahan Utama dan Isu Strategis.
    IsuStrategis,
    /// Bab II A. Rencana Strategis.
    RencanaStrategis,
    /// Bab II B. Perjanjian Kinerja (before its table).
    PerjanjianKinerja,
    /// Bab III, before the capaian tables: how performance is measured.
    PengukuranKinerja,
    /// Bab IV Penutup.
    Penutup,
}

impl DocumentSection {
    /// Every part, in the order of the document.
    pub const ALL: [DocumentSection; 10] = [
        DocumentSection::KataPengantar,
        DocumentSection::IkhtisarEksekutif,
        DocumentSection::LatarBelakang,
        DocumentSection::TugasFungsi,
        DocumentSection::StrukturOrganisasi,
        DocumentSection::IsuStrategis,
        DocumentSection::RencanaStrategis,
        DocumentSection::PerjanjianKinerja,
        DocumentSection::PengukuranKinerja,
        DocumentSection::Penutup,
    ];

    /// The name recorded in the event and typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DocumentSection::KataPengantar => "kata-pengantar",
            DocumentSection::IkhtisarEksekutif => "ikhtisar-eksekutif",
            DocumentSection::LatarBelakang => "latar-belakang",
            DocumentSection::TugasFungsi => "tugas-fungsi",
            DocumentSection::StrukturOrganisasi => "struktur-organisasi",
            DocumentSection::IsuStrategis => "isu-strategis",
            DocumentSection::RencanaStrategis => "rencana-strategis",
            DocumentSection::PerjanjianKinerja => "perjanjian-kinerja",
            DocumentSection::PengukuranKinerja => "pengukuran-kinerja",
            DocumentSection::Penutup => "penutup",
        }
    }

    /// Its heading in the document.
    pub fn heading(self) -> &'static str {
        match self {
            DocumentSection::KataPengantar => "KATA PENGANTAR",
            DocumentSection::IkhtisarEksekutif => "IKHTISAR EKSEKUTIF",
            DocumentSection::LatarBelakang => "A. Latar Belakang",
            DocumentSection::TugasFungsi => "B. Kedudukan, Tugas dan Fungsi",
            DocumentSection::StrukturOrganisasi => "C. Struktur Organisasi",
            DocumentSection::IsuStrategis => "D. Permasalahan Utama dan Isu Strategis",
            DocumentSection::RencanaStrategis => "A. Rencana Strategis",
            DocumentSection::PerjanjianKinerja => "B. Perjanjian Kinerja",
            DocumentSection::PengukuranKinerja => "Pengukuran Kinerja",
            DocumentSection::Penutup => "BAB IV PENUTUP",
        }
    }

    /// A part by its name.
    pub fn from_name(name: &str) -> Option<DocumentSection> {
        DocumentSection::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Who signs a year's LKjIP: the head of the agency as printed under the
/// Kata Pengantar and at the end of the document.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Signatory {
    /// Fiscal year of the report.
    pub year: u16,
    /// Name with titles, as printed ("Ir. UN ACHMAD NURDIN, MM").
    pub name: String,
    /// NIP, as printed ("19670506 199202 1 003").
    pub nip: String,
    /// Position (jabatan), as printed.
    pub position: String,
    /// Rank (pangkat/golongan), may be empty.
    pub rank: String,
    /// Where it is signed ("Kediri").
    pub place: String,
    /// When it is signed: YYYY-MM-DD.
    pub date: String,
}

/// The narrative of an indicator's year.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct NarrativeRecorded {
    /// Indicator code.
    pub indicator: String,
    /// Fiscal year.
    pub year: u16,
    /// Faktor pendorong (what helped).
    pub faktor_pendorong: String,
    /// Hambatan (what stood in the way).
    pub hambatan: String,
    /// Strategi pemecahan (what is done about it).
    pub strategi_pemecahan: String,
}

/// "1 finding", "2 findings": a count with its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "a" or "an" before a kind name ("an approval", "a target_set").
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A list of seqs with runs shortened: "3, 4, 7-12".
pub fn seq_list(seqs: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seqs.len() {
        let start = seqs[i];
        let mut end = start;
        while i + 1 < seqs.len() && seqs[i + 1] == end + 1 {
            i += 1;
            end = seqs[i];
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}-{end}"),
        });
        i += 1;
    }
    parts.join(", ")
}

/// A report sealed by an approver: the parameters it was rendered with and
/// the SHA-256 of the exact bytes issued.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct ReportIssued {
    /// Report kind: pk, capaian, anggaran, efisiensi, rencana-aksi, evaluasi, renstra, lkjip.
    pub kind: String,
    /// md, csv, json, html, xlsx, docx or pdf.
    pub format: String,
    /// Fiscal year.
    pub year: u16,
    /// Quarter 1-4 the report is as of.
    pub as_of: u8,
    /// The last seq the report was computed from.
    pub known_seq: u64,
    /// Whether only approved entries were counted.
    pub approved_only: bool,
    #[serde(serialize_with = "hex_bytes")]
    /// SHA-256 of the report's bytes.
    pub sha256: [u8; 32],
    /// Its size in bytes.
    pub size: u64,
    /// Its title.
    pub title: String,
    /// The figures the report states, so audits can compare them with the
    /// ledger; for a document produced outside sakip, as printed.
    pub figures: Vec<ReportedFigure>,
}

/// What a figure in a report measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The realisation.
    Realisasi,
    /// Capaian in percent.
    Capaian,
    /// Pagu in Rupiah.
    Pagu,
    /// Realisasi anggaran in Rupiah.
    Spending,
    /// Serapan anggaran in percent (realisasi anggaran / pagu x 100).
    Serapan,
    /// The target in force.
    Target,
}

impl Measure {
    /// Its name in transcripts and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Realisasi => "realisasi",
            Measure::Capaian => "capaian",
            Measure::Pagu => "pagu",
            Measure::Spending => "realisasi anggaran",
            Measure::Serapan => "serapan",
            Measure::Target => "target",
        }
    }
}

/// The report kinds, each modelled on the seed's table of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Perjanjian Kinerja.
    Pk,
    /// Capaian kinerja.
    Capaian,
    /// Realisasi anggaran.
    Anggaran,
    /// Efisiensi.
    Efisiensi,
    /// Rencana aksi.
    RencanaAksi,
    /// Berita Acara evaluasi.
    Evaluasi,
    /// Renstra progress.
    Renstra,
    /// The whole LKjIP: Kata Pengantar to Lampiran.
    Lkjip,
    /// LKjIP chapter III alone (appended: what `lkjip` was before the whole
    /// document; builds before it refuse the name).
    LkjipBab3,
}

impl ReportKind {
    /// Every value, in order.
    pub const ALL: [ReportKind; 9] = [
        ReportKind::Pk,
        ReportKind::Capaian,
        ReportKind::Anggaran,
        ReportKind::Efisiensi,
        ReportKind::RencanaAksi,
        ReportKind::Evaluasi,
        ReportKind::Renstra,
        ReportKind::Lkjip,
        ReportKind::LkjipBab3,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Pk => "pk",
            ReportKind::Capaian => "capaian",
            ReportKind::Anggaran => "anggaran",
            ReportKind::Efisiensi => "efisiensi",
            ReportKind::RencanaAksi => "rencana-aksi",
            ReportKind::Evaluasi => "evaluasi",
            ReportKind::Renstra => "renstra",
            ReportKind::Lkjip => "lkjip",
            ReportKind::LkjipBab3 => "lkjip-bab3",
        }
    }

    /// A kind by its name.
    pub fn from_name(name: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The Indonesian title.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Pk => "Perjanjian Kinerja",
            ReportKind::Capaian => "Capaian Kinerja",
            ReportKind::Anggaran => "Realisasi Anggaran",
            ReportKind::Efisiensi => "Pencapaian Kinerja dan Anggaran serta Efisiensi Anggaran",
            ReportKind::RencanaAksi => "Laporan Monitoring Rencana Aksi",
            ReportKind::Evaluasi => "Berita Acara Evaluasi Internal",
            ReportKind::Renstra => "Capaian terhadap Target Rencana Strategis",
            ReportKind::Lkjip => "Laporan Kinerja Instansi Pemerintah",
            ReportKind::LkjipBab3 => {
                "Laporan Kinerja Instansi Pemerintah (LKjIP) - Bab III Akuntabilitas Kinerja"
            }
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// CSV.
    Csv,
    /// JSON.
    Json,
    /// HTML.
    Html,
    /// An Excel workbook (appended: builds before it refuse the name).
    Xlsx,
    /// A Word document (appended: builds before it refuse the name).
    Docx,
    /// A PDF document (appended: builds before it refuse the name).
    Pdf,
}

impl ReportFormat {
    /// Every value, in order.
    pub const ALL: [ReportFormat; 7] = [
        ReportFormat::Md,
        ReportFormat::Csv,
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Xlsx,
        ReportFormat::Docx,
        ReportFormat::Pdf,
    ];

    /// Its name: `md`, `csv`, `json`, `html`, `xlsx`, `docx`, `pdf`.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Docx => "docx",
            ReportFormat::Pdf => "pdf",
        }
    }

    /// A format by its name.
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        ReportFormat::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The format a `report_issued` event records for a document issued
/// outside sakip (`schema/document.md`).
pub const EXTERNAL_FORMAT: &str = "external";

impl ReportIssued {
    /// The kind of report it seals; `None` only for an event no build ever
    /// wrote (the rules refuse any other name at append, and `verify` flags
    /// one).
    pub fn report_kind(&self) -> Option<ReportKind> {
        ReportKind::from_name(&self.kind)
    }

    /// Its format, or `None` for a document issued outside sakip.
    pub fn report_format(&self) -> Option<ReportFormat> {
        ReportFormat::from_name(&self.format)
    }
}

/// The subject of a figure about the whole agency (the total pagu and
/// spending) rather than one account or indicator.
pub const TOTAL_SUBJECT: &str = "*";

/// One figure a report states: the measure of an indicator or budget
/// account (`*` for the total over all programs).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct ReportedFigure {
    /// Indicator or account code, or [`TOTAL_SUBJECT`].
    pub subject: String,
    /// Which figure it is.
    pub measure: Measure,
    /// The value as the report states it.
    pub value: Value,
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

//! Persisted event records: the envelope and every payload kind.
//!
//! These types are a compatibility boundary. Their byte encoding is specified
//! in `schema/event-v1.md` and pinned by golden tests; the rules are:
//! explicit-width integers only, new payload kinds are appended at the end of
//! [`Payload`] (never reordered or removed), and an existing kind never
//! changes its fields. Domain logic lives elsewhere and converts from these.

mod agency;
mod dec;
mod hash;
mod keys;
mod plan;
mod prose;
mod report;

pub use agency::*;
pub use dec::*;
pub use hash::*;
pub use keys::*;
pub use plan::*;
pub use prose::*;
pub use report::*;

use bincode::{Decode, Encode};
use serde::Serialize;

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
}

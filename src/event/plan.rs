//! The plan and its figures: plan items, indicators, targets,
//! realisations, pagu, spending and retirements.

use bincode::{Decode, Encode};
use serde::Serialize;
use std::fmt;

use super::Dec;

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

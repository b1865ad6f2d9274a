//! The inspectorate's reading of a ledger's story: the history of one
//! indicator, the difference between two known-at points, and a replay of
//! events with the state each one changed.

use super::time::{KnownAt, Resolved, TimePoint};
use crate::event::{Payload, PublicKey};
use crate::ledger::{Ledger, StoredEvent};
use crate::projection::Known;
use crate::projection::{self, IndicatorState, Query};
use crate::{Error, Result};

/// One event in the history of an indicator.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    /// The event.
    pub event: StoredEvent,
    /// What happened, in Indonesian ("realisasi 2021-Q2", "revisi target 2021 pk").
    pub what: String,
    /// The value it gives, as displayed.
    pub value: String,
    /// Reason, legal basis or note.
    pub why: String,
    /// The head's decision on it ("approve (seq 260)", "belum diputuskan"),
    /// empty for events that are not decided on.
    pub approval: String,
}

/// Every event about indicator `code` (its definition, targets, realisations,
/// budget, narratives, decisions, retirement), in order; `year` narrows it.
pub fn history(ledger: &Ledger, code: &str, year: Option<u16>) -> Result<Vec<HistoryRow>> {
    let index = ledger.index();
    let seqs = projection::indicator_events(&index, code, year)?;
    if seqs.is_empty() {
        return Err(Error::NotFound(format!(
            "no events about '{code}' in this ledger"
        )));
    }
    let mut rows = Vec::with_capacity(seqs.len());
    for seq in seqs {
        let e = ledger
            .event(seq)?
            .ok_or_else(|| Error::integrity(seq, "event missing"))?;
        let (what, value, why) = describe(&e.event.payload);
        let approval = match &e.event.payload {
            Payload::Approval(_) | Payload::IndicatorDefined(_) | Payload::PlanItemDefined(_) => {
                String::new()
            }
            _ => match projection::decision(&index, seq, Known::Head)? {
                Some((at, d)) => format!("{} (seq {at})", d.name()),
                None => "belum diputuskan".into(),
            },
        };
        rows.push(HistoryRow {
            event: e,
            what,
            value,
            why,
            approval,
        });
    }
    Ok(rows)
}

fn describe(payload: &Payload) -> (String, String, String) {
    use crate::numfmt::rupiah;
    match payload {
        Payload::IndicatorDefined(i) => ("definisi".into(), i.unit.clone(), i.name.clone()),
        Payload::PlanItemDefined(i) => ("definisi".into(), i.level.label().into(), i.name.clone()),
        Payload::TargetSet(t) => (
            format!("target {} {}", t.year, t.scope),
            t.value.to_string(),
            String::new(),
        ),
        Payload::TargetRevised(t) => (
            format!("revisi target {} {}", t.year, t.scope),
            t.value.to_string(),
            format!(
                "{} (dasar: {}; menggantikan seq {})",
                t.reason, t.basis, t.revises
            ),
        ),
        Payload::RealisationRecorded(r) => (
            format!("realisasi {}", r.period),
            r.value.to_string(),
            r.note.clone().unwrap_or_default(),
        ),
        Payload::RealisationCorrected(r) => (
            format!("koreksi realisasi {}", r.period),
            r.value.to_string(),
            format!("{} (menggantikan seq {})", r.reason, r.supersedes),
        ),
        Payload::BudgetSet(b) => (format!("pagu {}", b.year), rupiah(b.pagu.0), String::new()),
        Payload::BudgetRevised(b) => (
            format!("revisi pagu {}", b.year),
            rupiah(b.pagu.0),
            format!("{} (dasar: {})", b.reason, b.basis),
        ),
        Payload::SpendingRecorded(s) => (
            format!("realisasi anggaran {}", s.period),
            rupiah(s.amount.0),
            s.note.clone().unwrap_or_default(),
        ),
        Payload::NarrativeRecorded(n) => (format!("narasi {}", n.year), String::new(), n.hambatan.clone()),
        Payload::Approval(a) => (
            a.decision.name().into(),
            crate::event::seq_list(&a.covers),
            a.comment.clone().unwrap_or_default(),
        ),
        Payload::PlanItemRetired(x) | Payload::IndicatorRetired(x) => (
            format!("dihentikan mulai {}", x.year),
            String::new(),
            x.reason.clone(),
        ),
        other => (other.kind().name().into(), String::new(), String::new()),
    }
}

/// How the state of the indicators changed between two known-at points.
#[derive(Clone, Debug)]
pub struct Diff {
    /// The first point.
    pub a: Resolved,
    /// The second point.
    pub b: Resolved,
    /// The indicators whose target, realisasi or capaian differ.
    pub changes: Vec<Change>,
}

/// One indicator that differs.
#[derive(Clone, Debug)]
pub struct Change {
    /// Its state at the first point (`None` if not yet defined then).
    pub a: Option<IndicatorState>,
    /// Its state at the second point.
    pub b: IndicatorState,
    /// The events about it recorded between the two points.
    pub events: Vec<StoredEvent>,
}

/// The difference between what the ledger knew at `known_a` and at
/// `known_b` (dates or times as typed) about `year` as of a quarter.
pub fn diff(ledger: &Ledger, year: u16, as_of: Option<&str>, known_a: &str, known_b: &str) -> Result<Diff> {
    let point = |t: &str| {
        TimePoint {
            year,
            as_of: as_of.map(str::to_string),
            known_at: KnownAt::Time(t.to_string()),
            approved_only: false,
        }
        .resolve(ledger)
    };
    let a = point(known_a)?;
    let b = point(known_b)?;
    let (lo, hi) = (a.query.known.min(b.query.known), a.query.known.max(b.query.known));
    let index = ledger.index();
    let sa = projection::state(&index, &a.query)?;
    let sb = projection::state(&index, &b.query)?;
    let mut changes = Vec::new();
    for s_b in sb {
        let s_a = sa.iter().find(|s| s.indicator.code == s_b.indicator.code);
        let same = s_a.is_some_and(|s| {
            s.realisasi == s_b.realisasi
                && s.capaian == s_b.capaian
                && s.target.as_ref().map(|t| &t.1.value) == s_b.target.as_ref().map(|t| &t.1.value)
        });
        if same {
            continue;
        }
        let mut events = Vec::new();
        for seq in projection::indicator_events(&index, &s_b.indicator.code, Some(year))? {
            if seq > lo && seq <= hi {
                if let Some(e) = ledger.event(seq)? {
                    events.push(e);
                }
            }
        }
        changes.push(Change {
            a: s_a.cloned(),
            b: s_b,
            events,
        });
    }
    Ok(Diff { a, b, changes })
}

/// The indicator and year an event changes the figures of, if any.
pub fn subject(p: &Payload) -> Option<(String, u16)> {
    match p {
        Payload::TargetSet(t) => Some((t.indicator.clone(), t.year)),
        Payload::TargetRevised(t) => Some((t.indicator.clone(), t.year)),
        Payload::RealisationRecorded(r) => Some((r.indicator.clone(), r.period.year)),
        Payload::RealisationCorrected(r) => Some((r.indicator.clone(), r.period.year)),
        _ => None,
    }
}

/// One indicator's TW IV state for `year` as known at `known`.
pub fn state_of(ledger: &Ledger, code: &str, year: u16, known: u64) -> Result<Option<IndicatorState>> {
    let q = Query {
        year,
        as_of: crate::period::Quarter::LAST,
        known,
        approved_only: false,
    };
    Ok(projection::state(&ledger.index(), &q)?
        .into_iter()
        .find(|s| s.indicator.code == code))
}

/// An indicator's state in brief, as history, diff and replay show it:
/// "20,40, capaian 70,34%" (or "-" when not yet defined).
pub fn brief(s: Option<&IndicatorState>) -> String {
    match s {
        None => "-".into(),
        Some(s) => format!(
            "{}, capaian {}",
            s.realisasi
                .as_ref()
                .map(|v| crate::show::show_value(&s.indicator, v))
                .unwrap_or_else(|| "belum ada data".into()),
            s.capaian
                .score()
                .map(crate::numfmt::percent)
                .unwrap_or_else(|| "-".into())
        ),
    }
}

/// What an event did to the figures it is about: the indicator, the year,
/// and its state just before and just after.
pub type Step = (String, u16, Option<IndicatorState>, Option<IndicatorState>);

/// The change event `e` made, for a replay.
pub fn step(ledger: &Ledger, e: &StoredEvent) -> Result<Option<Step>> {
    let Some((code, year)) = subject(&e.event.payload) else {
        return Ok(None);
    };
    let before = match e.event.seq {
        0 => None,
        seq => state_of(ledger, &code, year, seq - 1)?,
    };
    let after = state_of(ledger, &code, year, e.event.seq)?;
    Ok(Some((code, year, before, after)))
}

/// "name (roles)" of a key's holder, or "unknown key ID".
pub fn author_with_roles(ledger: &Ledger, key: &PublicKey) -> String {
    match ledger.registry().get(key) {
        Some(s) => format!("{} ({})", s.holder.name, crate::authz::roles_text(&s.roles)),
        None => format!("unknown key {}", key.key_id()),
    }
}

//! The English prose users read about events: one-line summaries and the
//! small helpers the findings and logs share.

use super::*;

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

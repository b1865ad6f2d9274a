//! Single entries as a user gives them (codes, periods and numbers as
//! typed, in Indonesian format), turned into event payloads against the
//! ledger's plan: targets and their revisions, realisasi, spending,
//! narratives and corrections. Nothing here appends; the caller signs and
//! appends (or prepares) the payload, which the ledger validates again.

use crate::event::*;
use crate::import::{parse_scope, parse_value};
use crate::ledger::Ledger;
use crate::projection::Known;
use crate::projection::{self, Figure};
use crate::{numfmt, period, Error, Result};

/// A target as typed: set, or (with a reason and legal basis) revise the
/// latest one.
#[derive(Clone, Debug)]
pub struct TargetEntry {
    /// Indicator code.
    pub indicator: String,
    /// Fiscal year.
    pub year: u16,
    /// `pk`, `TW1`-`TW4` or `renstra`.
    pub scope: String,
    /// The target value.
    pub value: String,
    /// Reason and legal basis of a revision; `None` to set a first target.
    pub revision: Option<(String, String)>,
    /// Budget stage.
    pub stage: Stage,
}

/// A realisation as typed.
#[derive(Clone, Debug, Default)]
pub struct RealisasiEntry {
    /// Indicator code.
    pub indicator: String,
    /// `2021-Q3`, `TW III 2021`, or `2021` for an annual figure.
    pub period: String,
    /// The value (number, percent, grade or text).
    pub value: Option<String>,
    /// Numerator of a ratio indicator.
    pub numerator: Option<String>,
    /// Denominator of a ratio indicator.
    pub denominator: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// Spending of an account in a quarter, as typed.
#[derive(Clone, Debug)]
pub struct SpendingEntry {
    /// Plan item or indicator code.
    pub account: String,
    /// The quarter.
    pub period: String,
    /// Amount in Rupiah (`1.024.833.162`).
    pub amount: String,
    /// A note.
    pub note: Option<String>,
}

/// Which realisation a correction supersedes.
#[derive(Clone, Debug)]
pub enum Corrected {
    /// The latest version of an indicator's figure for a period (as typed).
    Figure {
        /// Indicator code.
        indicator: String,
        /// The period.
        period: String,
    },
    /// A seq: a realisation or its latest correction.
    Seq(u64),
}

/// A correction as typed.
#[derive(Clone, Debug)]
pub struct CorrectionEntry {
    /// What it corrects.
    pub corrects: Corrected,
    /// The new value (or numerator and denominator).
    pub value: Option<String>,
    /// Numerator of a ratio indicator.
    pub numerator: Option<String>,
    /// Denominator of a ratio indicator.
    pub denominator: Option<String>,
    /// Why the figure changes.
    pub reason: String,
}

/// The indicators of the plan, in code order, for an entry form: those
/// not retired in `year`.
pub fn indicators(ledger: &Ledger, year: u16) -> Result<Vec<IndicatorDefined>> {
    let index = ledger.index();
    let mut out = Vec::new();
    for (_, ind) in projection::indicators(&index, Known::Head)? {
        let retired = projection::retired_from(&index, &ind.code, Known::Head)?.is_some_and(|y| y <= year);
        if !retired {
            out.push(ind);
        }
    }
    Ok(out)
}

/// The latest fiscal year with a Perjanjian Kinerja target in the ledger,
/// if any (Renstra targets of later years do not count): the year a form
/// or dashboard opens on.
pub fn latest_year(ledger: &Ledger) -> Result<Option<u16>> {
    let mut latest = None;
    for e in ledger.events_of_kind(Kind::TargetSet, 0) {
        if let Payload::TargetSet(t) = e?.event.payload {
            if t.scope == TargetScope::Year {
                latest = latest.max(Some(t.year));
            }
        }
    }
    Ok(latest)
}

/// The fiscal year a page or command shows when none is asked for: the
/// latest year the plan sets targets for, else the year it is now on this
/// machine's clock in the agency's time zone. Never a fixed year: an
/// agency that starts in 2027 lands on 2027.
pub fn default_year(ledger: &Ledger) -> Result<u16> {
    let now = ledger.wall().timestamp_micros();
    if let Some(year) = latest_year(ledger)? {
        return Ok(year);
    }
    let zone = ledger.time_zone_at(ledger.head().count.saturating_sub(1))?;
    let local = now.saturating_add(i64::from(zone.offset_secs()) * 1_000_000);
    let year = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(local)
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or(0);
    u16::try_from(year).map_err(|_| Error::Input(format!("the clock says the year {year}")))
}

fn need_indicator(ledger: &Ledger, code: &str) -> Result<IndicatorDefined> {
    projection::indicator(&ledger.index(), code, Known::Head)?
        .map(|(_, i)| i)
        .ok_or_else(|| Error::NotFound(format!("unknown indicator '{code}'")))
}

fn input(e: impl std::fmt::Display) -> Error {
    Error::Input(e.to_string())
}

/// The payload of a target entry.
pub fn target(ledger: &Ledger, e: TargetEntry) -> Result<Payload> {
    let ind = need_indicator(ledger, &e.indicator)?;
    let scope = parse_scope(&e.scope).map_err(input)?;
    let value = parse_value(&ind, Some(&e.value), None, None, true).map_err(input)?;
    Ok(match e.revision {
        Some((reason, basis)) => {
            let figure = Figure::Target {
                indicator: &e.indicator,
                year: e.year,
                scope,
            };
            let revises = projection::latest(&ledger.index(), figure, Known::Head)?.ok_or_else(|| {
                Error::Input(format!("there is no {scope} target of {} to revise", e.indicator))
            })?;
            Payload::TargetRevised(TargetRevised {
                indicator: e.indicator,
                year: e.year,
                scope,
                value,
                stage: e.stage,
                reason,
                basis,
                revises,
            })
        }
        None => Payload::TargetSet(TargetSet {
            indicator: e.indicator,
            year: e.year,
            scope,
            value,
            stage: e.stage,
        }),
    })
}

/// The payload of a realisation entry.
pub fn realisasi(ledger: &Ledger, e: RealisasiEntry) -> Result<Payload> {
    let ind = need_indicator(ledger, &e.indicator)?;
    let period = period::parse(&e.period)?;
    let value = parse_value(
        &ind,
        e.value.as_deref(),
        e.numerator.as_deref(),
        e.denominator.as_deref(),
        false,
    )
    .map_err(input)?;
    Ok(Payload::RealisationRecorded(RealisationRecorded {
        indicator: e.indicator,
        period,
        value,
        note: e.note,
    }))
}

/// The payload of a spending entry.
pub fn spending(e: SpendingEntry) -> Result<Payload> {
    Ok(Payload::SpendingRecorded(SpendingRecorded {
        account: e.account,
        period: period::parse_quarter(&e.period)?,
        amount: Dec(numfmt::parse_money(&e.amount)?),
        note: e.note,
    }))
}

/// The seq of the latest version of an indicator's realisation for a
/// period (`2021-Q3`, `TW III 2021`, or `2021` for the annual figure): what a
/// correction by name supersedes.
pub fn latest_realisation(ledger: &Ledger, code: &str, period: &str) -> Result<u64> {
    let period = period::parse(period)?;
    let index = ledger.index();
    if projection::indicator(&index, code, Known::Head)?.is_none() {
        return Err(Error::NotFound(format!("unknown indicator '{code}'")));
    }
    projection::latest(
        &index,
        Figure::Realisation {
            indicator: code,
            period,
        },
        Known::Head,
    )?
    .ok_or_else(|| {
        Error::Input(format!(
            "{code} has no realisasi for {period} to correct (record it with `sakip record realisasi`)"
        ))
    })
}

/// The payload of a correction: the new value supersedes the realisation
/// named, which must be the latest version of its figure and must change.
pub fn correction(ledger: &Ledger, c: CorrectionEntry) -> Result<Payload> {
    let seq = match &c.corrects {
        Corrected::Seq(seq) => *seq,
        Corrected::Figure { indicator, period } => latest_realisation(ledger, indicator, period)?,
    };
    let event = ledger
        .event(seq)?
        .ok_or_else(|| Error::NotFound(format!("seq {seq} does not exist in this ledger")))?;
    let (indicator, period, current) = match event.event.payload {
        Payload::RealisationRecorded(r) => (r.indicator, r.period, r.value),
        Payload::RealisationCorrected(r) => (r.indicator, r.period, r.value),
        other => {
            return Err(Error::Input(format!(
                "seq {seq} is {} {} event; only realisations can be corrected",
                article(other.kind().name()),
                other.kind().name()
            )))
        }
    };
    let ind = projection::indicator(&ledger.index(), &indicator, Known::Head)?
        .map(|(_, i)| i)
        .ok_or_else(|| Error::integrity(seq, format!("realisation of unknown indicator {indicator}")))?;
    let value = parse_value(
        &ind,
        c.value.as_deref(),
        c.numerator.as_deref(),
        c.denominator.as_deref(),
        false,
    )
    .map_err(input)?;
    if current == value {
        return Err(Error::Input(format!(
            "seq {seq} already gives {indicator} for {period} the value {value}; a correction must change it"
        )));
    }
    Ok(Payload::RealisationCorrected(RealisationCorrected {
        indicator,
        period,
        value,
        supersedes: seq,
        reason: c.reason,
    }))
}

/// The parts of a year's LKjIP text from Markdown: each part under a
/// heading that names it (`## kata-pengantar`, `## penutup`; the names of
/// [`DocumentSection::ALL`]); HTML comments are dropped. With `section`, the
/// whole text is that one part. `name` names the file in errors.
pub fn document_texts(name: &str, text: &str, year: u16, section: Option<&str>) -> Result<Vec<Payload>> {
    let names = || {
        DocumentSection::ALL
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let known = |s: &str, at: &str| {
        DocumentSection::from_name(s).ok_or_else(|| {
            Error::Input(format!(
                "{at}'{s}' is not a part of the LKjIP text (one of: {})",
                names()
            ))
        })
    };
    let text = strip_comments(text);
    let mut parts: Vec<(DocumentSection, Vec<&str>)> = Vec::new();
    if let Some(s) = section {
        parts.push((known(s, "")?, text.lines().collect()));
    } else {
        for (n, line) in text.lines().enumerate() {
            if let Some(heading) = line.strip_prefix("## ") {
                let s = known(heading.trim(), &format!("{name}:{}: ", n + 1))?;
                if parts.iter().any(|(p, _)| *p == s) {
                    return Err(Error::Input(format!(
                        "{name}:{}: '{}' appears twice",
                        n + 1,
                        s.name()
                    )));
                }
                parts.push((s, Vec::new()));
                continue;
            }
            match parts.last_mut() {
                Some((_, lines)) => lines.push(line),
                None if line.trim().is_empty() => {}
                None => {
                    return Err(Error::Input(format!(
                        "{name}:{}: text before the first part; start each part with a heading that names it, e.g. '## kata-pengantar' (parts: {})",
                        n + 1,
                        names()
                    )))
                }
            }
        }
    }
    if parts.is_empty() {
        return Err(Error::Input(format!(
            "{name}: no part of the LKjIP text; start each part with a heading that names it, e.g. '## kata-pengantar'"
        )));
    }
    Ok(parts
        .into_iter()
        .map(|(s, lines)| {
            Payload::DocumentTextRecorded(DocumentText {
                year,
                section: s.name().to_string(),
                text: lines.join("\n").trim().to_string(),
            })
        })
        .collect())
}

/// The text without `<!-- ... -->` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A narrative's three parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narrative {
    /// Faktor pendorong / keberhasilan.
    pub pendorong: String,
    /// Hambatan.
    pub hambatan: String,
    /// Strategi pemecahan.
    pub strategi: String,
}

/// The payload of an indicator's narrative for a year.
pub fn narrative(indicator: String, year: u16, n: Narrative) -> Payload {
    Payload::NarrativeRecorded(NarrativeRecorded {
        indicator,
        year,
        faktor_pendorong: n.pendorong,
        hambatan: n.hambatan,
        strategi_pemecahan: n.strategi,
    })
}

/// The three parts of a narrative from Markdown: the text under the headings
/// "Faktor pendorong", "Hambatan" and "Strategi pemecahan" (any heading
/// level, case ignored). `name` names the file in errors.
pub fn narrative_sections(name: &str, text: &str) -> Result<Narrative> {
    let mut parts: [Vec<&str>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut current: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(heading) = line.trim_start().strip_prefix('#') {
            let h = heading.trim_start_matches('#').trim().to_lowercase();
            current = if h.contains("pendorong") {
                Some(0)
            } else if h.contains("hambatan") {
                Some(1)
            } else if h.contains("strategi") {
                Some(2)
            } else {
                return Err(Error::Input(format!(
                    "{name}:{}: heading '{}' is none of Faktor pendorong, Hambatan, Strategi pemecahan",
                    n + 1,
                    heading.trim_start_matches('#').trim()
                )));
            };
            continue;
        }
        match current {
            Some(i) => parts[i].push(line),
            None if line.trim().is_empty() => {}
            None => {
                return Err(Error::Input(format!(
                    "{name}:{}: text before the first heading (## Faktor pendorong, ## Hambatan, ## Strategi pemecahan)",
                    n + 1
                )))
            }
        }
    }
    let [pendorong, hambatan, strategi] = parts.map(|p| p.join("\n").trim().to_string());
    Ok(Narrative {
        pendorong,
        hambatan,
        strategi,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_narrative_file_splits_into_its_three_parts() {
        let text = "## Faktor pendorong\nDukungan pimpinan.\n\n- rapat rutin\n\n## Hambatan\nData terlambat.\n\n### Strategi Pemecahan\nJadwal rekap tetap.\n";
        let n = super::narrative_sections("n.md", text).unwrap();
        assert_eq!(n.pendorong, "Dukungan pimpinan.\n\n- rapat rutin");
        assert_eq!(n.hambatan, "Data terlambat.");
        assert_eq!(n.strategi, "Jadwal rekap tetap.");
        let err = super::narrative_sections("n.md", "teks lepas\n## Hambatan\nx")
            .unwrap_err()
            .to_string();
        assert!(err.contains("n.md:1"), "{err}");
        let err = super::narrative_sections("n.md", "## Lain-lain\nx")
            .unwrap_err()
            .to_string();
        assert!(err.contains("n.md:1") && err.contains("Lain-lain"), "{err}");
    }
}

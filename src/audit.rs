//! Audit: consistency findings over the whole ledger, and the events that
//! touch one indicator. Read-only; every finding names the events involved.
//! The checks are listed in `docs/audit.md`.

use crate::event::TargetScope;
use crate::event::TOTAL_SUBJECT;
use crate::event::*;
use crate::ledger::Ledger;
use crate::numfmt;
use crate::period::Quarter;
use crate::projection::{self, IndexRead, IndicatorState, Query};
use crate::{Error, Result};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The ledger or a document disagrees with itself: must be explained.
    Warning,
    /// Worth knowing: incomplete data, not a contradiction.
    Info,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// Stable check name, e.g. `late-change`.
    pub check: &'static str,
    /// What was found, in words.
    pub message: String,
    /// Seqs of the events involved.
    pub events: Vec<u64>,
}

fn finding(severity: Severity, check: &'static str, message: String, mut events: Vec<u64>) -> Finding {
    events.sort();
    events.dedup();
    Finding {
        severity,
        check,
        message,
        events,
    }
}

/// Every report_issued event, with its payload.
fn reports(ledger: &Ledger, r: &dyn IndexRead) -> Result<Vec<(u64, ReportIssued)>> {
    let mut out = Vec::new();
    for seq in ledger.store().seqs_of_kind(Kind::ReportIssued, 0) {
        let seq = seq?;
        if let Payload::ReportIssued(rep) = r.payload(seq)? {
            out.push((seq, rep));
        }
    }
    Ok(out)
}

fn state_map(r: &dyn IndexRead, q: &Query) -> Result<BTreeMap<String, IndicatorState>> {
    Ok(projection::state(r, q)?
        .into_iter()
        .map(|s| (s.indicator.code.clone(), s))
        .collect())
}

/// Does a printed figure equal a computed one, at the precision printed?
fn same_number(printed: Decimal, computed: Decimal) -> bool {
    numfmt::round(computed, printed.scale()) == printed
}

/// A figure as reports print it: capaian as a percentage, money in Rupiah.
fn show_figure(measure: Measure, v: &Value) -> String {
    match (measure, v) {
        (Measure::Capaian | Measure::Serapan, Value::Number(d)) => numfmt::percent(d.0),
        (Measure::Pagu | Measure::Spending, Value::Number(d)) => numfmt::rupiah(d.0),
        _ => show(v),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Ratio {
            numerator,
            denominator,
        } => crate::scoring::ratio_percent(numerator.0, denominator.0)
            .map(|p| format!("{}%", numfmt::format(p, 2)))
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

fn same_value(printed: &Value, computed: &Value) -> bool {
    match (printed, crate::scoring::numeric(computed)) {
        (Value::Number(p), Some(c)) if !matches!(computed, Value::Grade(_) | Value::Text(_)) => {
            same_number(p.0, c)
        }
        _ => printed == computed,
    }
}

/// The computed value of a figure in a state (None when there is none).
fn computed(
    r: &dyn IndexRead,
    states: &BTreeMap<String, IndicatorState>,
    f: &ReportedFigure,
    q: &Query,
) -> Result<Option<Value>> {
    let number = |d: Decimal| Some(Value::Number(Dec(d)));
    Ok(match f.measure {
        Measure::Realisasi => states.get(&f.subject).and_then(|s| s.realisasi.clone()),
        Measure::Capaian => states
            .get(&f.subject)
            .and_then(|s| s.capaian.score())
            .and_then(number),
        Measure::Target => states
            .get(&f.subject)
            .and_then(|s| s.target.as_ref().map(|(_, v)| v.value.clone())),
        Measure::Pagu | Measure::Spending | Measure::Serapan => {
            // The same roll-up the reports print (`budget.rs`).
            let items: Vec<_> = projection::active_items(r, q.year, q.known)?
                .into_iter()
                .map(|(_, i)| i)
                .collect();
            let budget = crate::budget::Budget::load(r, &items, q)?;
            let (pagu, spent) = budget.total()?;
            let serapan = |pagu: Option<Decimal>, spent: Option<Decimal>| {
                pagu.zip(spent).and_then(|(p, s)| crate::scoring::serapan(s, p))
            };
            match (f.measure, f.subject.as_str()) {
                (Measure::Serapan, TOTAL_SUBJECT) => serapan(Some(pagu), Some(spent)).and_then(number),
                (Measure::Serapan, a) if budget.get(a).is_some() => {
                    serapan(budget.pagu(a), budget.spent(a)).and_then(number)
                }
                (Measure::Serapan, a) => {
                    serapan(pagu_of(r, a, q)?, Some(projection::spending(r, a, q)?)).and_then(number)
                }
                (Measure::Pagu, TOTAL_SUBJECT) => number(pagu),
                (_, TOTAL_SUBJECT) => number(spent),
                (Measure::Pagu, a) if budget.get(a).is_some() => budget.pagu(a).and_then(number),
                (_, a) if budget.get(a).is_some() => budget.spent(a).and_then(number),
                (Measure::Pagu, a) => pagu_of(r, a, q)?.and_then(number),
                (_, a) => number(projection::spending(r, a, q)?),
            }
        }
    })
}

fn pagu_of(r: &dyn IndexRead, account: &str, q: &Query) -> Result<Option<Decimal>> {
    Ok(
        projection::pagu(r, account, q.year, q)?.and_then(|v| match v.value {
            Value::Number(d) => Some(d.0),
            _ => None,
        }),
    )
}

/// The seqs of events that changed an indicator's (or account's) figures
/// for a year, in `(after, upto]`.
fn changes(r: &dyn IndexRead, code: &str, year: u16, after: u64, upto: u64) -> Result<Vec<u64>> {
    Ok(projection::indicator_events(r, code, Some(year))?
        .into_iter()
        .filter(|s| *s > after && *s <= upto)
        .collect())
}

/// Run every check; `year` limits the year-based ones.
pub fn check(ledger: &Ledger, year: Option<u16>) -> Result<Vec<Finding>> {
    let index = ledger.index();
    let r: &dyn IndexRead = &index;
    let head = ledger.head().count - 1;
    let mut out = Vec::new();
    let issued = reports(ledger, r)?;

    for (seq, rep) in issued
        .iter()
        .filter(|(_, rep)| year.is_none_or(|y| rep.year == y))
    {
        let at_issue = Query {
            year: rep.year,
            as_of: Quarter::new(rep.as_of)
                .ok_or_else(|| Error::integrity(*seq, "a report issued as of no quarter"))?,
            known: rep.known_seq,
            approved_only: false,
        };
        let now = Query {
            known: head,
            ..at_issue
        };
        let then_states = state_map(r, &at_issue)?;
        let now_states = state_map(r, &now)?;
        let label = format!("{} (seq {seq})", rep.title);

        // Entries counted in the report but not approved when it was issued.
        if !rep.approved_only {
            for f in rep.figures.iter().filter(|f| f.measure == Measure::Realisasi) {
                if let Some(s) = then_states.get(&f.subject) {
                    let versions: Vec<&projection::Version> =
                        s.quarters.iter().flatten().chain(s.annual.iter()).collect();
                    let unapproved: Vec<u64> =
                        versions.iter().filter(|v| !v.approved).map(|v| v.seq).collect();
                    if !unapproved.is_empty() {
                        out.push(finding(
                            Severity::Warning,
                            "unapproved-in-report",
                            format!(
                                "{label} counts entries of {} that were not approved when it was issued",
                                f.subject
                            ),
                            [vec![*seq], unapproved].concat(),
                        ));
                    }
                }
            }
        }

        for f in &rep.figures {
            let then = computed(r, &then_states, f, &at_issue)?;
            let now_value = computed(r, &now_states, f, &now)?;
            let name = if f.subject == TOTAL_SUBJECT {
                "the program total".to_string()
            } else {
                f.subject.clone()
            };
            match &then {
                Some(v) if same_value(&f.value, v) => {}
                Some(v) => out.push(finding(
                    Severity::Warning,
                    "report-disagrees",
                    format!(
                        "{label} prints {} {} = {}, but the ledger when it was issued gives {}",
                        name,
                        f.measure.name(),
                        show_figure(f.measure, &f.value),
                        show_figure(f.measure, v)
                    ),
                    vec![*seq],
                )),
                None => out.push(finding(
                    Severity::Warning,
                    "report-disagrees",
                    format!(
                        "{label} prints {} {} = {}, but the ledger has no such figure",
                        name,
                        f.measure.name(),
                        show_figure(f.measure, &f.value)
                    ),
                    vec![*seq],
                )),
            }
            if let (Some(t), Some(n)) = (&then, &now_value) {
                if t != n && !same_value(&f.value, n) {
                    let changed = changes(r, &f.subject, rep.year, rep.known_seq, head)?;
                    out.push(finding(
                        Severity::Warning,
                        "report-outdated",
                        format!(
                            "{label} prints {} {} = {}; the ledger now gives {}",
                            name,
                            f.measure.name(),
                            show_figure(f.measure, &f.value),
                            show_figure(f.measure, n)
                        ),
                        [vec![*seq], changed].concat(),
                    ));
                }
            }
        }

        // Realisations recorded or corrected after a report that states
        // them, for the periods it covers. (A PK states plans, not results.)
        let stated: std::collections::BTreeSet<&str> = rep
            .figures
            .iter()
            .filter(|f| f.measure == Measure::Realisasi || f.measure == Measure::Capaian)
            .map(|f| f.subject.as_str())
            .collect();
        for code in then_states.keys().filter(|c| stated.contains(c.as_str())) {
            let late: Vec<u64> = changes(r, code, rep.year, rep.known_seq, head)?
                .into_iter()
                .filter(|s| matches!(ledger.kind_of(*s), Ok(Some(k)) if is_figure_change(k)))
                .filter(|s| within(r, *s, rep.as_of).unwrap_or(false))
                .collect();
            if !late.is_empty() {
                out.push(finding(
                    Severity::Warning,
                    "late-change",
                    format!(
                        "{code}: {} entr{} recorded after {label} covering {} s.d. TW {}",
                        late.len(),
                        if late.len() == 1 { "y" } else { "ies" },
                        rep.year,
                        crate::period::roman(rep.as_of)
                    ),
                    [vec![*seq], late].concat(),
                ));
            }
        }
    }

    // Per year: ratios, budgets, totals, annual vs quarterly figures.
    let years = years_of(r)?;
    for y in years.into_iter().filter(|y| year.is_none_or(|want| want == *y)) {
        let q = Query {
            year: y,
            as_of: Quarter::LAST,
            known: head,
            approved_only: false,
        };
        let states = projection::state(r, &q)?;
        for s in &states {
            for v in s.quarters.iter().flatten().chain(s.annual.iter()) {
                if let Value::Ratio {
                    numerator,
                    denominator,
                } = &v.value
                {
                    if numerator.0 > denominator.0 {
                        out.push(finding(
                            Severity::Warning,
                            "ratio-over-100",
                            format!(
                                "{}: numerator {} exceeds denominator {}",
                                s.indicator.code, numerator, denominator
                            ),
                            vec![v.seq],
                        ));
                    }
                }
            }
            if let (Some(annual), Aggregation::RatioOfSums | Aggregation::Sum) =
                (&s.annual, &s.indicator.aggregation)
            {
                let quarters: Vec<Option<projection::Version>> = s.quarters.clone();
                if quarters.iter().any(Option::is_some) {
                    let (agg, _) = projection::aggregate_quarters(&s.indicator.aggregation, &quarters);
                    if let Some(agg) = agg {
                        if agg != annual.value {
                            let mut seqs: Vec<u64> = quarters.iter().flatten().map(|v| v.seq).collect();
                            seqs.push(annual.seq);
                            out.push(finding(
                                Severity::Warning,
                                "totals-disagree",
                                format!(
                                    "{} {y}: the annual figure {} ({}) differs from its quarters, which add up to {} ({})",
                                    s.indicator.code,
                                    annual.value,
                                    show(&annual.value),
                                    agg,
                                    show(&agg)
                                ),
                                seqs,
                            ));
                        }
                    }
                }
            }
        }
        out.extend(phasing_checks(r, &states, &q)?);
        out.extend(budget_checks(ledger, &q)?);
    }
    out.sort_by(|a, b| (a.events.first(), a.check).cmp(&(b.events.first(), b.check)));
    Ok(out)
}

fn is_figure_change(k: Kind) -> bool {
    matches!(k, Kind::RealisationRecorded | Kind::RealisationCorrected)
}

/// Whether a realisation or target event is about a period a report as of
/// `as_of` covers (an annual figure only at TW IV).
fn within(r: &dyn IndexRead, seq: u64, as_of: u8) -> Result<bool> {
    let period = match &r.payload(seq)? {
        Payload::RealisationRecorded(x) => x.period,
        Payload::RealisationCorrected(x) => x.period,
        Payload::TargetSet(_) | Payload::TargetRevised(_) => return Ok(true),
        _ => return Ok(false),
    };
    Ok(if period.quarter == 0 {
        as_of == 4
    } else {
        period.quarter <= as_of
    })
}

/// The years that have targets, realisations or budgets.
fn years_of(r: &dyn IndexRead) -> Result<Vec<u16>> {
    let mut years = std::collections::BTreeSet::new();
    for tag in [b'T', b'R', b'B'] {
        for (k, _) in r.scan(&[tag])? {
            if k.len() >= 3 {
                years.insert(u16::from_be_bytes([k[1], k[2]]));
            }
        }
    }
    // Renstra targets name years of the plan, not years with data.
    Ok(years.into_iter().collect())
}

/// A TW IV phasing target that disagrees with the PK's annual target (after
/// a revision of one but not the other): capaian uses the PK target, and the
/// phasing is reported.
fn phasing_checks(r: &dyn IndexRead, states: &[IndicatorState], q: &Query) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for s in states {
        let code = &s.indicator.code;
        let annual = projection::target(r, code, q.year, TargetScope::Year, q)?;
        let tw4 = projection::target(r, code, q.year, TargetScope::Quarter(4), q)?;
        let (Some(annual), Some(tw4)) = (annual, tw4) else {
            continue;
        };
        let same = match (
            crate::scoring::numeric(&annual.value),
            crate::scoring::numeric(&tw4.value),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => annual.value == tw4.value,
        };
        if !same {
            out.push(finding(
                Severity::Warning,
                "phasing-disagrees",
                format!(
                    "{code} {}: the TW IV phasing target {} no longer agrees with the PK target {}; capaian uses the PK target",
                    q.year,
                    show(&tw4.value),
                    show(&annual.value)
                ),
                vec![annual.seq, tw4.seq],
            ));
        }
    }
    Ok(out)
}

fn budget_checks(ledger: &Ledger, q: &Query) -> Result<Vec<Finding>> {
    let index = ledger.index();
    let r: &dyn IndexRead = &index;
    let mut out = Vec::new();
    let items = projection::active_items(r, q.year, q.known)?;
    let pagu_version = |code: &str| projection::pagu(r, code, q.year, q);
    let mut accounts: Vec<String> = items.iter().map(|(_, i)| i.code.clone()).collect();
    accounts.extend(
        projection::indicators(r, q.known)?
            .into_iter()
            .map(|(_, i)| i.code),
    );
    let plan: Vec<PlanItemDefined> = items.iter().map(|(_, i)| i.clone()).collect();
    let budget = crate::budget::Budget::load(r, &plan, q)?;
    for account in &accounts {
        if let Some(v) = pagu_version(account)? {
            let Value::Number(pagu) = v.value else { continue };
            // A plan item's spending as reports print it: its own entries, or
            // what its children add up to.
            let spent = match budget.spent(account) {
                Some(spent) => spent,
                None => projection::spending(r, account, q)?,
            };
            if spent > pagu.0 {
                out.push(finding(
                    Severity::Warning,
                    "spending-over-pagu",
                    format!(
                        "{account} {}: spending {} exceeds its pagu {}",
                        q.year,
                        numfmt::rupiah(spent),
                        numfmt::rupiah(pagu.0)
                    ),
                    vec![v.seq],
                ));
            }
        }
    }
    // Spending entered at two levels: the detail may not exceed the parent.
    for a in budget.accounts.values() {
        if let (Some(own), Some(below)) = (a.spent, a.children_spent) {
            if own.source == crate::budget::Source::Entered && below > own.amount {
                out.push(finding(
                    Severity::Warning,
                    "spending-not-adding-up",
                    format!(
                        "{} {}: the spending entered on its {} adds up to {}, more than the {} entered on it",
                        a.code,
                        q.year,
                        match a.level {
                            Level::Program => "kegiatan and sub kegiatan",
                            _ => "sub kegiatan",
                        },
                        numfmt::rupiah(below),
                        numfmt::rupiah(own.amount)
                    ),
                    a.pagu_seq.into_iter().collect(),
                ));
            }
        }
    }
    // Sub kegiatan pagu against their program.
    let children = |parent: &str, level: Level| -> Vec<&PlanItemDefined> {
        items
            .iter()
            .map(|(_, i)| i)
            .filter(|i| i.level == level && i.parent.as_deref() == Some(parent))
            .collect()
    };
    let mut program_total = Decimal::ZERO;
    let mut program_seqs = Vec::new();
    for (_, program) in items.iter().filter(|(_, i)| i.level == Level::Program) {
        let Some(pv) = pagu_version(&program.code)? else {
            continue;
        };
        let Value::Number(pp) = pv.value else { continue };
        program_total = crate::scoring::add(program_total, pp.0)?;
        program_seqs.push(pv.seq);
        let subs: Vec<&PlanItemDefined> = children(&program.code, Level::Kegiatan)
            .into_iter()
            .flat_map(|k| children(&k.code, Level::SubKegiatan))
            .collect();
        let mut sum = Decimal::ZERO;
        let mut with = 0;
        let mut seqs = vec![pv.seq];
        for sub in &subs {
            if let Some(v) = pagu_version(&sub.code)? {
                if let Value::Number(d) = v.value {
                    sum = crate::scoring::add(sum, d.0)?;
                    with += 1;
                    seqs.push(v.seq);
                }
            }
        }
        if subs.is_empty() || with == 0 {
            continue;
        }
        if with == subs.len() && sum != pp.0 || sum > pp.0 {
            out.push(finding(
                Severity::Warning,
                "pagu-not-adding-up",
                format!(
                    "{} {}: its sub kegiatan pagu add up to {}, the program's pagu is {}",
                    program.code,
                    q.year,
                    numfmt::rupiah(sum),
                    numfmt::rupiah(pp.0)
                ),
                seqs,
            ));
        } else if with < subs.len() {
            out.push(finding(
                Severity::Info,
                "pagu-incomplete",
                format!(
                    "{} {}: only {with} of {} sub kegiatan have a pagu ({} of the program's {})",
                    program.code,
                    q.year,
                    subs.len(),
                    numfmt::rupiah(sum),
                    numfmt::rupiah(pp.0)
                ),
                seqs,
            ));
        }
    }
    // IKU allocations against the programs, in total.
    let mut iku_total = Decimal::ZERO;
    let mut iku_seqs = Vec::new();
    for (_, ind) in projection::indicators(r, q.known)?
        .into_iter()
        .filter(|(_, i)| i.iku)
    {
        if let Some(v) = pagu_version(&ind.code)? {
            if let Value::Number(d) = v.value {
                iku_total = crate::scoring::add(iku_total, d.0)?;
                iku_seqs.push(v.seq);
            }
        }
    }
    if !iku_seqs.is_empty() && iku_total != program_total {
        out.push(finding(
            Severity::Warning,
            "totals-disagree",
            format!(
                "{}: the IKU budget allocations total {}, the program pagu total {}",
                q.year,
                numfmt::rupiah(iku_total),
                numfmt::rupiah(program_total)
            ),
            [iku_seqs, program_seqs].concat(),
        ));
    }
    Ok(out)
}

/// Events whose claimed time is contradicted by a witness: an event that a
/// checkpoint cosigned at time T does not contain (its seq is at or past
/// the checkpoint's size) but that claims to have been recorded before T.
/// Recorded times are the signer's claim; a cosignature is an outsider's
/// statement that at T the ledger had only that many events, so such an
/// event was backdated (`backdated`). Each checkpoint must belong to this
/// ledger and be consistent with it (checked by the caller,
/// `Ledger::check_extends`); `cosigned` gives its verified cosignatures.
pub fn backdated(
    ledger: &Ledger,
    cosigned: &[(crate::checkpoint::Checkpoint, Vec<crate::witness::Cosigned>)],
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for (c, cosigs) in cosigned {
        let Some(first) = cosigs.iter().min_by_key(|w| w.timestamp) else {
            continue;
        };
        let seen_at = i64::try_from(first.timestamp)
            .unwrap_or(i64::MAX / 1_000_000)
            .saturating_mul(1_000_000);
        let mut late = Vec::new();
        for e in ledger.events_from(c.size) {
            let e = e?;
            if e.event.recorded_at < seen_at {
                late.push(e.event.seq);
            }
        }
        if !late.is_empty() {
            let zone = ledger.time_zone_at(ledger.head().count - 1)?;
            out.push(finding(
                Severity::Warning,
                "backdated",
                format!(
                    "{} recorded after the checkpoint of {} events claim times before {} cosigned it at {}: their recorded time is earlier than when an outsider saw the ledger without them",
                    crate::event::count(late.len(), "event", "events"),
                    c.size,
                    first.witness.name,
                    crate::clock::format_local(seen_at, zone)
                ),
                late,
            ));
        }
    }
    Ok(out)
}

//! The cross-agency roll-up: for every OPD ledger of a pemda, the same
//! as-of / known-at status the dashboard shows, summed up — IKU capaian mean
//! and its distribution, predikat counts, pagu, spending and serapan,
//! pending approvals and late changes — the questions a Bappeda or a
//! national monitor asks (`sakip rollup --root DIR`).

use super::time::TimePoint;
use crate::ledger::Ledger;
use crate::scoring::Predikat;
use crate::Result;
use rust_decimal::Decimal;

/// One agency's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AgencyRow {
    /// The agency's directory name under the root.
    pub slug: String,
    /// Its name (from genesis).
    pub name: String,
    /// Events in its ledger.
    pub events: u64,
    /// Mean IKU capaian, exact.
    pub iku_mean: Option<Decimal>,
    /// Its predikat.
    pub predikat: Option<&'static str>,
    /// How many IKU fall in each predikat (Sangat Tinggi .. Sangat Rendah).
    pub iku_predikat: [usize; 5],
    /// Total pagu.
    pub pagu: Decimal,
    /// Spending as of the quarter.
    pub spent: Decimal,
    /// Serapan, percent.
    pub serapan: Option<Decimal>,
    /// Entries no approver has decided on.
    pub pending: usize,
    /// `late-change` findings of `audit check` for the year.
    pub late_changes: usize,
    /// What went wrong reading it, if anything (the other figures are
    /// then empty).
    pub error: Option<String>,
}

/// The pemda's figures over its agencies.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Rollup {
    /// Agencies read.
    pub agencies: usize,
    /// Agencies with an IKU mean.
    pub with_iku: usize,
    /// Mean of the agencies' IKU means.
    pub iku_mean: Option<Decimal>,
    /// Its predikat.
    pub predikat: Option<&'static str>,
    /// Lowest, median and highest agency IKU mean.
    pub iku_min: Option<Decimal>,
    /// Median.
    pub iku_median: Option<Decimal>,
    /// Highest.
    pub iku_max: Option<Decimal>,
    /// Agencies per predikat of their IKU mean.
    pub agency_predikat: [usize; 5],
    /// IKU per predikat, all agencies together.
    pub iku_predikat: [usize; 5],
    /// Total pagu.
    pub pagu: Decimal,
    /// Total spending.
    pub spent: Decimal,
    /// Serapan of the totals, percent.
    pub serapan: Option<Decimal>,
    /// Pending approvals, all agencies.
    pub pending: usize,
    /// Late changes, all agencies.
    pub late_changes: usize,
    /// Each agency.
    pub rows: Vec<AgencyRow>,
}

fn slot(p: Predikat) -> usize {
    Predikat::ALL.iter().position(|q| *q == p).unwrap_or(0)
}

/// One agency's row at `point`.
pub fn agency(slug: &str, ledger: &Ledger, point: &TimePoint) -> AgencyRow {
    let mut row = AgencyRow {
        slug: slug.to_string(),
        name: ledger.genesis().map(|g| g.agency_name).unwrap_or_default(),
        events: ledger.head().count,
        iku_mean: None,
        predikat: None,
        iku_predikat: [0; 5],
        pagu: Decimal::ZERO,
        spent: Decimal::ZERO,
        serapan: None,
        pending: 0,
        late_changes: 0,
        error: None,
    };
    let filled = (|| -> Result<()> {
        let view = super::status::status(ledger, point, true)?;
        if let Some(m) = &view.iku_mean {
            row.iku_mean = Some(m.mean);
            row.predikat = Some(m.predikat.label());
        }
        for s in &view.states {
            if let Some(p) = s.predikat {
                row.iku_predikat[slot(p)] += 1;
            }
        }
        if let Some(b) = &view.budget {
            row.pagu = b.pagu;
            row.spent = b.spent;
            row.serapan = crate::scoring::serapan(b.spent, b.pagu);
        }
        row.pending = ledger.pending_approvals()?.len();
        row.late_changes = super::audit::check(ledger, Some(point.year))?
            .iter()
            .filter(|f| f.check == "late-change")
            .count();
        Ok(())
    })();
    if let Err(e) = filled {
        row.error = Some(e.to_string());
    }
    row
}

/// Sum the agencies up.
pub fn rollup(rows: Vec<AgencyRow>) -> Rollup {
    let mut means: Vec<Decimal> = rows.iter().filter_map(|r| r.iku_mean).collect();
    means.sort();
    let mean = (!means.is_empty()).then(|| means.iter().sum::<Decimal>() / Decimal::from(means.len()));
    let median = match means.len() {
        0 => None,
        n if n % 2 == 1 => Some(means[n / 2]),
        n => Some((means[n / 2 - 1] + means[n / 2]) / Decimal::TWO),
    };
    let mut agency_predikat = [0; 5];
    for m in &means {
        agency_predikat[slot(crate::scoring::predikat(*m))] += 1;
    }
    let mut iku_predikat = [0; 5];
    for r in &rows {
        for (i, n) in r.iku_predikat.iter().enumerate() {
            iku_predikat[i] += n;
        }
    }
    let pagu: Decimal = rows.iter().map(|r| r.pagu).sum();
    let spent: Decimal = rows.iter().map(|r| r.spent).sum();
    Rollup {
        agencies: rows.len(),
        with_iku: means.len(),
        iku_mean: mean,
        predikat: mean.map(|m| crate::scoring::predikat(m).label()),
        iku_min: means.first().copied(),
        iku_median: median,
        iku_max: means.last().copied(),
        agency_predikat,
        iku_predikat,
        pagu,
        spent,
        serapan: crate::scoring::serapan(spent, pagu),
        pending: rows.iter().map(|r| r.pending).sum(),
        late_changes: rows.iter().map(|r| r.late_changes).sum(),
        rows,
    }
}

//! Building reports from the ledger: one function per kind, all reading the
//! same [`Data`] (the indicator states at the query, the plan items and the
//! index for budgets, targets and narratives).

use super::*;
use sakip::budget::{self, Budget, Figure};
use sakip::event::*;
use sakip::numfmt;
use sakip::period::Quarter;
use sakip::projection::{self, IndexRead, IndicatorState, Query};
use sakip::scoring::{self, Predikat};
use sakip::{Error, Result};
use std::collections::BTreeMap;

mod anggaran;
mod capaian;
mod cells;
mod evaluasi;
mod lkjip;
mod pk;
mod rencana_aksi;

use anggaran::*;
use capaian::*;
use cells::*;
use evaluasi::*;
pub(crate) use lkjip::is_list_item;
use pk::*;
use rencana_aksi::*;

/// Build a report of `params` from the index `r`.
pub fn build(
    r: &dyn IndexRead,
    genesis: &Genesis,
    params: Params,
    head: EventHash,
    known_at: String,
) -> Result<Report> {
    build_layout(r, genesis, params, head, known_at, false)
}

/// [`build`], or with `legacy` an `lkjip` as builds before the whole
/// document printed it (Bab III only, under its old title), so that an LKjIP
/// issued then still re-renders byte for byte (`report verify`).
pub(super) fn build_layout(
    r: &dyn IndexRead,
    genesis: &Genesis,
    params: Params,
    head: EventHash,
    known_at: String,
    legacy: bool,
) -> Result<Report> {
    let legacy = legacy && params.kind == ReportKind::Lkjip;
    let q = Query {
        year: params.year,
        as_of: Quarter::new(params.as_of)
            .ok_or_else(|| Error::Input(format!("quarter {} does not exist", params.as_of)))?,
        known: params.known_seq,
        approved_only: params.approved_only,
    };
    let d = Data::load(r, q)?;
    let blocks = match params.kind {
        ReportKind::Pk => pk(&d)?,
        ReportKind::Capaian => capaian(&d)?,
        ReportKind::Anggaran => anggaran(&d)?,
        ReportKind::Efisiensi => efisiensi(&d)?,
        ReportKind::RencanaAksi => rencana_aksi(&d)?,
        ReportKind::Evaluasi => evaluasi(&d)?,
        ReportKind::Renstra => renstra(&d)?,
        ReportKind::Lkjip if legacy => chapter_three(&d)?,
        ReportKind::Lkjip => lkjip::document(&d)?,
        ReportKind::LkjipBab3 => chapter_three(&d)?,
    };
    Ok(Report {
        meta: Meta {
            params,
            agency_code: genesis.agency_code.clone(),
            agency_name: genesis.agency_name.clone(),
            known_at,
            head,
        },
        title: if legacy {
            format!("{} Tahun {}", ReportKind::LkjipBab3.title(), params.year)
        } else {
            format!("{} Tahun {}", params.kind.title(), params.year)
        },
        blocks,
        figures: stated(&d, params.kind)?,
    })
}

/// The figures a report states, recorded in its `report_issued` event: the
/// realisasi and capaian (as displayed, two decimals) of every IKU and
/// tujuan indicator, and for budget reports the pagu and spending of every
/// program and their total. Read from the report's own data, so what is
/// sealed is what the tables were rendered from.
fn stated(d: &Data<'_>, kind: ReportKind) -> Result<Vec<ReportedFigure>> {
    let mut out = Vec::new();
    for s in &d.states {
        if !(s.indicator.iku || s.item.level == Level::Tujuan && s.target.is_some()) {
            continue;
        }
        if let Some(v) = &s.realisasi {
            out.push(ReportedFigure {
                subject: s.indicator.code.clone(),
                measure: Measure::Realisasi,
                value: v.clone(),
            });
        }
        if let Some(c) = s.capaian.score() {
            out.push(ReportedFigure {
                subject: s.indicator.code.clone(),
                measure: Measure::Capaian,
                value: Value::Number(Dec(numfmt::round(c, 2))),
            });
        }
    }
    if matches!(
        kind,
        ReportKind::Anggaran | ReportKind::Lkjip | ReportKind::LkjipBab3 | ReportKind::Pk
    ) {
        for item in d.items.values().filter(|i| i.level == Level::Program) {
            if let Some(pagu) = d.budget.pagu(&item.code) {
                out.push(ReportedFigure {
                    subject: item.code.clone(),
                    measure: Measure::Pagu,
                    value: Value::Number(Dec(pagu)),
                });
                out.push(ReportedFigure {
                    subject: item.code.clone(),
                    measure: Measure::Spending,
                    value: Value::Number(Dec(d.budget.spent(&item.code).unwrap_or_default())),
                });
            }
        }
        let (pagu_total, spent_total) = d.budget.total()?;
        out.push(ReportedFigure {
            subject: TOTAL_SUBJECT.into(),
            measure: Measure::Pagu,
            value: Value::Number(Dec(pagu_total)),
        });
        out.push(ReportedFigure {
            subject: TOTAL_SUBJECT.into(),
            measure: Measure::Spending,
            value: Value::Number(Dec(spent_total)),
        });
    }
    Ok(out)
}

struct Data<'a> {
    r: &'a dyn IndexRead,
    q: Query,
    states: Vec<IndicatorState>,
    items: BTreeMap<String, PlanItemDefined>,
    budget: Budget,
}

/// Order codes naturally: "P1.2" before "P1.10".
fn natural(code: &str) -> Vec<(String, u64)> {
    code.split(['.', '-'])
        .map(|part| {
            let digits: String = part.chars().filter(|c| c.is_ascii_digit()).collect();
            let letters: String = part.chars().filter(|c| !c.is_ascii_digit()).collect();
            (letters, digits.parse().unwrap_or(0))
        })
        .collect()
}

impl<'a> Data<'a> {
    fn load(r: &'a dyn IndexRead, q: Query) -> Result<Data<'a>> {
        let mut states = projection::state(r, &q)?;
        states.sort_by_key(|s| natural(&s.indicator.code));
        let items = projection::active_items(r, q.year, q.known)?
            .into_iter()
            .map(|(_, i)| (i.code.clone(), i))
            .collect::<BTreeMap<String, PlanItemDefined>>();
        let budget = Budget::load(r, items.values(), &q)?;
        Ok(Data {
            r,
            q,
            states,
            items,
            budget,
        })
    }

    fn items_of(&self, level: Level, parent: Option<&str>) -> Vec<&PlanItemDefined> {
        let mut v: Vec<&PlanItemDefined> = self
            .items
            .values()
            .filter(|i| i.level == level && (parent.is_none() || i.parent.as_deref() == parent))
            .collect();
        v.sort_by_key(|i| natural(&i.code));
        v
    }

    fn indicators_of(&self, item: &str) -> Vec<&IndicatorState> {
        self.states.iter().filter(|s| s.item.code == item).collect()
    }

    fn iku_of(&self, sasaran: &str) -> Vec<&IndicatorState> {
        self.states
            .iter()
            .filter(|s| s.item.code == sasaran && s.indicator.iku)
            .collect()
    }

    fn pk_target(&self, code: &str) -> Result<Option<Value>> {
        Ok(projection::target(self.r, code, self.q.year, TargetScope::Year, &self.q)?.map(|v| v.value))
    }

    /// The rolled-up pagu of a plan item (`budget.rs`).
    fn pagu(&self, account: &str) -> Option<Decimal> {
        self.budget.pagu(account)
    }

    /// The rolled-up spending of a plan item up to the as-of quarter.
    fn spent(&self, account: &str) -> Option<Decimal> {
        self.budget.spent(account)
    }

    /// An IKU's budget allocation (entered, or from its sasaran's programs).
    fn allocation(&self, s: &IndicatorState) -> Result<(Option<Figure>, Option<Figure>)> {
        let ikus = self.iku_of(&s.item.code).len();
        let programs = self.items_of(Level::Program, Some(&s.item.code));
        budget::iku_allocation(self.r, &self.budget, &s.indicator, ikus, &programs, &self.q)
    }

    /// The state of an indicator in another year, at TW IV, known at the same seq.
    fn state_in(&self, year: u16) -> Result<Vec<IndicatorState>> {
        projection::state(
            self.r,
            &Query {
                year,
                as_of: Quarter::LAST,
                ..self.q
            },
        )
    }
}

pub use sakip::show::show_value;

//! The budget hierarchy: pagu and spending of programs, kegiatan and sub
//! kegiatan, rolled up the plan (`docs/scoring.md`, "Budget roll-up").
//!
//! An account's figure is the one entered at it when there is one, else the
//! sum of its children's figures; an amount is never counted at two levels.
//! Spending is rolled up the same way: an account with spending entries of
//! its own (in any quarter up to the as-of quarter) shows those, otherwise
//! the sum of its children's. Each figure says where it came from, so a
//! report can show the level it was entered at. When a parent's own pagu
//! differs from what its children add up to, the parent's stands and
//! `audit check` reports the difference.
//!
//! An IKU's allocation (for efisiensi) is the pagu entered on the IKU's own
//! code; without one, the budget of the programs under its sasaran when the
//! IKU is that sasaran's only IKU (the programs then support it alone);
//! otherwise there is none, and reports say so.
//!
//! This module reads through [`IndexRead`] and never writes.

use crate::event::{IndicatorDefined, Level, PlanItemDefined, Value};
use crate::projection::{self, IndexRead, Query};
use crate::scoring;
use crate::Result;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Where a figure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Entered on the account itself.
    Entered,
    /// The sum of the account's children (the level below).
    Children,
    /// An IKU's allocation taken from the programs of its sasaran.
    Programs,
}

impl Source {
    /// How reports describe it, in Indonesian.
    pub fn label(self, level: Option<Level>) -> String {
        match self {
            Source::Entered => match level {
                Some(l) => format!("dicatat pada {}", l.label().to_lowercase()),
                None => "dicatat pada IKU".into(),
            },
            Source::Children => match level {
                Some(Level::Program) => "jumlah kegiatan/ sub kegiatan".into(),
                Some(Level::Kegiatan) => "jumlah sub kegiatan".into(),
                _ => "jumlah rincian".into(),
            },
            Source::Programs => "diturunkan dari program sasaran".into(),
        }
    }
}

/// An amount and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figure {
    /// The amount.
    pub amount: Decimal,
    /// Where the amount comes from.
    pub source: Source,
}

/// One account of the budget hierarchy as of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The plan item or indicator code.
    pub code: String,
    /// Its plan level.
    pub level: Level,
    /// The account above it in the plan.
    pub parent: Option<String>,
    /// The pagu in force: entered, or the children's sum.
    pub pagu: Option<Figure>,
    /// Spending up to the as-of quarter: entered, or the children's sum.
    pub spent: Option<Figure>,
    /// What the children's spending adds up to, when any child has some.
    pub children_spent: Option<Decimal>,
    /// The seq of the pagu entered on this account, if any.
    pub pagu_seq: Option<u64>,
}

/// Every budget account (program, kegiatan, sub kegiatan) with its rolled-up
/// figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Every account, by code.
    pub accounts: BTreeMap<String, Account>,
}

fn is_budget_level(level: Level) -> bool {
    matches!(level, Level::Program | Level::Kegiatan | Level::SubKegiatan)
}

fn sum(values: impl Iterator<Item = Decimal>) -> Result<Option<Decimal>> {
    let mut total: Option<Decimal> = None;
    for v in values {
        total = Some(scoring::add(total.unwrap_or_default(), v)?);
    }
    Ok(total)
}

impl Budget {
    /// Roll the budget up from the plan `items` as of `q`.
    pub fn load<'a>(
        r: &dyn IndexRead,
        items: impl IntoIterator<Item = &'a PlanItemDefined>,
        q: &Query,
    ) -> Result<Budget> {
        let mut items: Vec<&PlanItemDefined> =
            items.into_iter().filter(|i| is_budget_level(i.level)).collect();
        // Deepest level first, so children are rolled up before parents.
        items.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.code.cmp(&b.code)));
        let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
        // The ledger's own reader keeps the year's figures: one look-up per
        // account instead of five scans.
        let year = match r.year_cache() {
            Some(_) => Some(projection::YearView::load(r, q.year, q.known)?),
            None => None,
        };
        for item in items {
            let (own, own_spent) = match &year {
                Some(year) => {
                    let figures = year.of(&item.code);
                    (
                        figures.current(b'B', 0, q.approved_only)?,
                        figures.spending(q.as_of, q.approved_only)?,
                    )
                }
                None => (
                    projection::pagu(r, &item.code, q.year, q)?,
                    projection::spending_of(r, &item.code, q)?,
                ),
            };
            let own_pagu = own.as_ref().and_then(|v| match v.value {
                Value::Number(d) => Some(d.0),
                _ => None,
            });
            let children: Vec<&Account> = accounts
                .values()
                .filter(|a| a.parent.as_deref() == Some(item.code.as_str()))
                .collect();
            let children_pagu = sum(children.iter().filter_map(|c| c.pagu.map(|f| f.amount)))?;
            let children_spent = sum(children.iter().filter_map(|c| c.spent.map(|f| f.amount)))?;
            let figure = |own: Option<Decimal>, below: Option<Decimal>| match (own, below) {
                (Some(amount), _) => Some(Figure {
                    amount,
                    source: Source::Entered,
                }),
                (None, Some(amount)) => Some(Figure {
                    amount,
                    source: Source::Children,
                }),
                (None, None) => None,
            };
            accounts.insert(
                item.code.clone(),
                Account {
                    code: item.code.clone(),
                    level: item.level,
                    parent: item.parent.clone(),
                    pagu: figure(own_pagu, children_pagu),
                    spent: figure(own_spent, children_spent),
                    children_spent,
                    pagu_seq: own.map(|v| v.seq),
                },
            );
        }
        Ok(Budget { accounts })
    }

    /// One account.
    pub fn get(&self, code: &str) -> Option<&Account> {
        self.accounts.get(code)
    }

    /// The pagu in force of an account.
    pub fn pagu(&self, code: &str) -> Option<Decimal> {
        self.get(code).and_then(|a| a.pagu).map(|f| f.amount)
    }

    /// The spending of an account up to the as-of quarter (zero when there
    /// is a pagu but nothing spent yet).
    pub fn spent(&self, code: &str) -> Option<Decimal> {
        let a = self.get(code)?;
        match (a.spent, a.pagu) {
            (Some(f), _) => Some(f.amount),
            (None, Some(_)) => Some(Decimal::ZERO),
            (None, None) => None,
        }
    }

    /// The total over every program: (pagu, spending).
    pub fn total(&self) -> Result<(Decimal, Decimal)> {
        let programs = self.accounts.values().filter(|a| a.level == Level::Program);
        let mut pagu = Decimal::ZERO;
        let mut spent = Decimal::ZERO;
        for a in programs {
            pagu = scoring::add(pagu, a.pagu.map(|f| f.amount).unwrap_or_default())?;
            spent = scoring::add(spent, a.spent.map(|f| f.amount).unwrap_or_default())?;
        }
        Ok((pagu, spent))
    }
}

/// An IKU's budget allocation: (pagu, spending), each with its source.
pub fn iku_allocation(
    r: &dyn IndexRead,
    budget: &Budget,
    indicator: &IndicatorDefined,
    sasaran_ikus: usize,
    programs: &[&PlanItemDefined],
    q: &Query,
) -> Result<(Option<Figure>, Option<Figure>)> {
    let entered = projection::pagu(r, &indicator.code, q.year, q)?.and_then(|v| match v.value {
        Value::Number(d) => Some(d.0),
        _ => None,
    });
    if let Some(amount) = entered {
        let spent = projection::spending_of(r, &indicator.code, q)?.unwrap_or_default();
        return Ok((
            Some(Figure {
                amount,
                source: Source::Entered,
            }),
            Some(Figure {
                amount: spent,
                source: Source::Entered,
            }),
        ));
    }
    if sasaran_ikus != 1 {
        return Ok((None, None));
    }
    let pagu = sum(programs.iter().filter_map(|p| budget.pagu(&p.code)))?;
    let spent = sum(programs.iter().filter_map(|p| budget.spent(&p.code)))?;
    let derived = |amount: Option<Decimal>| {
        amount.map(|amount| Figure {
            amount,
            source: Source::Programs,
        })
    };
    Ok((derived(pagu), derived(spent.or(pagu.map(|_| Decimal::ZERO)))))
}

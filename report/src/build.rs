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

mod lkjip;
pub(crate) use lkjip::is_list_item;

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

fn value_cell(ind: &IndicatorDefined, value: Option<&Value>) -> Cell {
    match value {
        None => Cell::text("-"),
        Some(v) => match scoring::numeric(v) {
            Some(n) if !matches!(v, Value::Text(_) | Value::Grade(_)) => Cell::num(show_value(ind, v), n),
            _ => Cell::text(show_value(ind, v)),
        },
    }
}

fn capaian_cell(s: &IndicatorState) -> Cell {
    match s.capaian.score() {
        Some(c) => Cell::num(numfmt::percent(c), numfmt::round(c, 2)),
        None => Cell::text(s.capaian.note().unwrap_or_default()),
    }
}

fn predikat_cell(s: &IndicatorState) -> Cell {
    Cell::text(s.predikat.map(|p| p.label()).unwrap_or("-"))
}

fn percent_cell(v: Option<Decimal>) -> Cell {
    match v {
        Some(v) => Cell::num(numfmt::percent(v), numfmt::round(v, 2)),
        None => Cell::text("-"),
    }
}

fn money_cell(v: Option<Decimal>) -> Cell {
    match v {
        Some(v) => Cell::num(numfmt::format(v, if v.fract().is_zero() { 0 } else { 2 }), v),
        None => Cell::text("-"),
    }
}

/// A row with a mean capaian at column `at` (and its predikat after it); the
/// label goes in the second column, where the names are.
fn mean_row(label: &str, scores: &[Decimal], width: usize, at: usize) -> Vec<Cell> {
    let mut row = vec![Cell::text(""); width];
    row[1] = Cell::text(label);
    if let Some(m) = scoring::mean(scores) {
        row[at] = Cell::num(numfmt::percent(m), numfmt::round(m, 2));
        if at + 1 < width {
            row[at + 1] = Cell::text(scoring::predikat(m).label());
        }
    }
    row
}

fn table(title: impl Into<String>, columns: &[&str], rows: Vec<Vec<Cell>>, footer: Vec<Vec<Cell>>) -> Block {
    Block::Table(Table {
        title: title.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        footer,
    })
}

fn pk(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    let mut total = Decimal::ZERO;
    for (n, sasaran) in d.items_of(Level::Sasaran, None).into_iter().enumerate() {
        let ikus = d.iku_of(&sasaran.code);
        let programs = d.items_of(Level::Program, Some(&sasaran.code));
        for i in 0..ikus.len().max(programs.len()).max(1) {
            let (ind_name, target) = match ikus.get(i) {
                Some(s) => (
                    s.indicator.name.clone(),
                    value_cell(&s.indicator, d.pk_target(&s.indicator.code)?.as_ref()),
                ),
                None => (String::new(), Cell::text("")),
            };
            let (program, pagu) = match programs.get(i) {
                Some(p) => {
                    let pagu = d.pagu(&p.code);
                    total = scoring::add(total, pagu.unwrap_or_default())?;
                    (p.name.clone(), money_cell(pagu))
                }
                None => (String::new(), Cell::text("")),
            };
            let first = i == 0;
            rows.push(vec![
                Cell::text(if first { (n + 1).to_string() } else { String::new() }),
                Cell::text(if first {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(ind_name),
                target,
                Cell::text(program),
                pagu,
            ]);
        }
    }
    let footer = vec![vec![
        Cell::text("Jumlah"),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
        money_cell(Some(total)),
    ]];
    Ok(vec![table(
        format!("Perjanjian Kinerja Tahun {}", d.q.year),
        &[
            "No",
            "Sasaran Strategis",
            "Indikator Kinerja",
            "Target",
            "Program Pendukung",
            "Anggaran (Rp)",
        ],
        rows,
        footer,
    )])
}

fn capaian(d: &Data) -> Result<Vec<Block>> {
    let mut blocks = vec![Block::Heading("A.1 Capaian Kinerja Indikator Tujuan".into())];
    let mut rows = Vec::new();
    for tujuan in d.items_of(Level::Tujuan, None) {
        for s in d
            .indicators_of(&tujuan.code)
            .into_iter()
            .filter(|s| s.target.is_some())
        {
            rows.push(vec![
                Cell::text(&tujuan.name),
                Cell::text(&s.indicator.name),
                value_cell(&s.indicator, s.target.as_ref().map(|(_, v)| &v.value)),
                value_cell(&s.indicator, s.realisasi.as_ref()),
                capaian_cell(s),
                predikat_cell(s),
            ]);
        }
    }
    blocks.push(table(
        "Capaian Indikator Tujuan",
        &[
            "Tujuan",
            "Indikator Tujuan",
            "Target",
            "Realisasi",
            "Capaian",
            "Kategori",
        ],
        rows,
        vec![],
    ));

    blocks.push(Block::Heading("A.2 Capaian Kinerja Indikator Sasaran".into()));
    let columns = [
        "No",
        "Sasaran Strategis",
        "Indikator Kinerja",
        "Target",
        "Realisasi",
        "Capaian",
        "Predikat",
    ];
    let mut rows = Vec::new();
    let mut all = Vec::new();
    let mut bars = Vec::new();
    let mut missing = Vec::new();
    for (n, sasaran) in d.items_of(Level::Sasaran, None).into_iter().enumerate() {
        let ikus = d.iku_of(&sasaran.code);
        let mut scores = Vec::new();
        for (i, s) in ikus.iter().enumerate() {
            rows.push(vec![
                Cell::text(if i == 0 {
                    (n + 1).to_string()
                } else {
                    String::new()
                }),
                Cell::text(if i == 0 {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(&s.indicator.name),
                value_cell(&s.indicator, s.target.as_ref().map(|(_, v)| &v.value)),
                value_cell(&s.indicator, s.realisasi.as_ref()),
                capaian_cell(s),
                predikat_cell(s),
            ]);
            match s.capaian.score() {
                Some(c) => {
                    scores.push(c);
                    bars.push(Bar {
                        label: s.indicator.code.clone(),
                        value: c,
                        class: s.predikat.map(predikat_class).unwrap_or("none").into(),
                    });
                }
                None => missing.push(s.indicator.code.clone()),
            }
        }
        if !ikus.is_empty() {
            rows.push(mean_row(
                &format!("Rata-rata capaian sasaran {}", n + 1),
                &scores,
                columns.len(),
                5,
            ));
        }
        all.extend(scores);
    }
    blocks.push(table(
        format!("Capaian Indikator Kinerja Utama Tahun {}", d.q.year),
        &columns,
        rows,
        vec![mean_row("Rata-rata capaian seluruh IKU", &all, columns.len(), 5)],
    ));
    if !missing.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Indikator tanpa capaian (tidak dihitung dalam rata-rata): {}.",
            missing.join(", ")
        )));
    }
    blocks.push(Block::Chart(Chart::Bars {
        title: "Capaian per IKU menurut predikat".into(),
        bars,
    }));
    blocks.extend(comparison(d)?);
    blocks.extend(predikat_table(d)?);
    Ok(blocks)
}

/// CSS class of a predikat.
pub fn predikat_class(p: Predikat) -> &'static str {
    match p {
        Predikat::SangatTinggi => "sangat-tinggi",
        Predikat::Tinggi => "tinggi",
        Predikat::Sedang => "sedang",
        Predikat::Rendah => "rendah",
        Predikat::SangatRendah => "sangat-rendah",
    }
}

/// Realisasi and capaian of the IKU over the last four years.
fn comparison(d: &Data) -> Result<Vec<Block>> {
    let years: Vec<u16> = (d.q.year.saturating_sub(3)..=d.q.year).collect();
    let mut by_year = Vec::new();
    for &y in &years {
        // The report's year as of its quarter; earlier years complete.
        by_year.push(if y == d.q.year {
            d.states.clone()
        } else {
            d.state_in(y)?
        });
    }
    let mut columns = vec!["Indikator Kinerja".to_string()];
    let label = |y: &u16| year_label(d, *y);
    columns.extend(years.iter().map(|y| format!("Realisasi {}", label(y))));
    columns.extend(years.iter().map(|y| format!("Capaian {}", label(y))));
    let mut rows = Vec::new();
    for s in d.states.iter().filter(|s| s.indicator.iku) {
        let mut row = vec![Cell::text(&s.indicator.name)];
        let found: Vec<Option<&IndicatorState>> = by_year
            .iter()
            .map(|states| states.iter().find(|x| x.indicator.code == s.indicator.code))
            .collect();
        row.extend(
            found
                .iter()
                .map(|f| value_cell(&s.indicator, f.and_then(|x| x.realisasi.as_ref()))),
        );
        row.extend(found.iter().map(|f| match f {
            Some(x) if x.capaian.score().is_some() => capaian_cell(x),
            _ => Cell::text("-"),
        }));
        rows.push(row);
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    Ok(vec![table(
        format!(
            "Perbandingan Realisasi dan Capaian Tahun {} s.d. {}",
            years[0], d.q.year
        ),
        &columns,
        rows,
        vec![],
    )])
}

/// A year in a column header: the report's own year before TW IV says how
/// far it goes ("2022 s.d. TW I"), so no column passes for the whole year.
fn year_label(d: &Data, y: u16) -> String {
    if y == d.q.year && d.q.as_of < Quarter::LAST {
        format!("{y} s.d. TW {}", d.q.as_of.roman())
    } else {
        y.to_string()
    }
}

fn predikat_table(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    for sasaran in d.items_of(Level::Sasaran, None) {
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            let narrative = projection::narratives(d.r, &s.indicator.code, d.q.year, d.q.known)?
                .pop()
                .map(|(_, n)| n);
            let mut row = vec![
                Cell::text(if i == 0 {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(&s.indicator.name),
                capaian_cell(s),
            ];
            for p in Predikat::ALL {
                row.push(Cell::text(if s.predikat == Some(p) { "√" } else { "" }));
            }
            let text =
                |f: fn(&NarrativeRecorded) -> &String| narrative.as_ref().map(f).cloned().unwrap_or_default();
            row.push(Cell::text(text(|n| &n.faktor_pendorong)));
            row.push(Cell::text(text(|n| &n.hambatan)));
            row.push(Cell::text(text(|n| &n.strategi_pemecahan)));
            rows.push(row);
        }
    }
    Ok(vec![
        table(
        "Predikat Capaian, Faktor Pendorong, Hambatan dan Strategi Pemecahan",
        &[
            "Sasaran Kinerja",
            "Indikator Kinerja",
            "Capaian Kinerja",
            "ST",
            "T",
            "S",
            "R",
            "SR",
            "Faktor Pendorong/ Keberhasilan",
            "Hambatan",
            "Strategi Pemecahan",
        ],
        rows,
        vec![],
    ),
        Block::Paragraph(
            "Predikat: ST = Sangat Tinggi (capaian ≥ 91%), T = Tinggi (76% - < 91%), S = Sedang (66% - < 76%), \
             R = Rendah (51% - < 66%), SR = Sangat Rendah (< 51%)."
                .into(),
        ),
    ])
}

fn anggaran(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    let (mut pagu_total, mut spent_total) = (Decimal::ZERO, Decimal::ZERO);
    let mut bars = Vec::new();
    for (n, program) in d.items_of(Level::Program, None).into_iter().enumerate() {
        let pagu = d.pagu(&program.code);
        let spent = d.spent(&program.code).unwrap_or_default();
        pagu_total = scoring::add(pagu_total, pagu.unwrap_or_default())?;
        spent_total = scoring::add(spent_total, spent)?;
        let serapan = pagu.and_then(|p| scoring::serapan(spent, p));
        if let Some(s) = serapan {
            bars.push(Bar {
                label: program.name.clone(),
                value: s,
                class: "serapan".into(),
            });
        }
        rows.push(vec![
            Cell::text((n + 1).to_string()),
            Cell::text(&program.name),
            money_cell(pagu),
            money_cell(Some(spent)),
            percent_cell(serapan),
        ]);
    }
    let footer = vec![vec![
        Cell::text("Jumlah"),
        Cell::text(""),
        money_cell(Some(pagu_total)),
        money_cell(Some(spent_total)),
        percent_cell(scoring::serapan(spent_total, pagu_total)),
    ]];
    let mut blocks = vec![
        table(
            format!("Realisasi Anggaran per Program Tahun {}", d.q.year),
            &["No", "Program", "Anggaran (Rp)", "Realisasi (Rp)", "%"],
            rows,
            footer,
        ),
        Block::Chart(Chart::Bars {
            title: "Serapan anggaran per program".into(),
            bars,
        }),
    ];
    let mut rows = Vec::new();
    let (mut pagu_total, mut spent_total) = (Decimal::ZERO, Decimal::ZERO);
    for sasaran in d.items_of(Level::Sasaran, None) {
        let programs: Vec<String> = d
            .items_of(Level::Program, Some(&sasaran.code))
            .into_iter()
            .map(|p| p.name.clone())
            .collect();
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            let (pagu, spent) = d.allocation(s)?;
            let source = source_cell(pagu.or(spent), None);
            let (pagu, spent) = (pagu.map(|f| f.amount), spent.map(|f| f.amount));
            pagu_total = scoring::add(pagu_total, pagu.unwrap_or_default())?;
            spent_total = scoring::add(spent_total, spent.unwrap_or_default())?;
            rows.push(vec![
                Cell::text(if i == 0 {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(&s.indicator.name),
                Cell::text(programs.join("; ")),
                money_cell(pagu),
                money_cell(spent),
                percent_cell(pagu.zip(spent).and_then(|(p, s)| scoring::serapan(s, p))),
                source,
            ]);
        }
    }
    blocks.push(table(
        "Anggaran per Sasaran dan Indikator Kinerja Utama",
        &[
            "Sasaran",
            "IKU",
            "Program Pendukung",
            "Anggaran (Rp)",
            "Realisasi (Rp)",
            "%",
            "Sumber angka",
        ],
        rows,
        vec![vec![
            Cell::text("Jumlah"),
            Cell::text(""),
            Cell::text(""),
            money_cell(Some(pagu_total)),
            money_cell(Some(spent_total)),
            percent_cell(scoring::serapan(spent_total, pagu_total)),
            Cell::text(""),
        ]],
    ));
    blocks.push(budget_detail(d)?);
    Ok(blocks)
}

/// Where a budget figure comes from, for the "Sumber angka" column.
fn source_cell(figure: Option<Figure>, level: Option<Level>) -> Cell {
    match figure {
        Some(f) => Cell::text(f.source.label(level)),
        None => Cell::text("belum ada anggaran"),
    }
}

/// Every program, kegiatan and sub kegiatan with a pagu or spending, in plan
/// order, each with the level its figures were entered at.
fn budget_detail(d: &Data) -> Result<Block> {
    let mut rows = Vec::new();
    let mut push = |item: &PlanItemDefined, depth: usize| {
        let Some(a) = d.budget.get(&item.code) else { return };
        if a.pagu.is_none() && a.spent.is_none() {
            return;
        }
        let pagu = a.pagu.map(|f| f.amount);
        let spent = d.spent(&item.code);
        rows.push(vec![
            Cell::text(&item.code),
            Cell::text(format!("{}{}", "  ".repeat(depth), item.name)),
            Cell::text(item.level.label()),
            money_cell(pagu),
            money_cell(spent),
            percent_cell(pagu.zip(spent).and_then(|(p, x)| scoring::serapan(x, p))),
            source_cell(a.pagu, Some(item.level)),
            source_cell(a.spent, Some(item.level)),
        ]);
    };
    for program in d.items_of(Level::Program, None) {
        push(program, 0);
        for kegiatan in d.items_of(Level::Kegiatan, Some(&program.code)) {
            push(kegiatan, 1);
            for sub in d.items_of(Level::SubKegiatan, Some(&kegiatan.code)) {
                push(sub, 2);
            }
        }
    }
    let (pagu, spent) = d.budget.total()?;
    Ok(table(
        format!(
            "Rincian Anggaran per Program, Kegiatan dan Sub Kegiatan Tahun {} s.d. Triwulan {}",
            d.q.year,
            d.q.as_of.roman()
        ),
        &[
            "Kode",
            "Program/ Kegiatan/ Sub Kegiatan",
            "Tingkat",
            "Pagu (Rp)",
            "Realisasi (Rp)",
            "%",
            "Pagu dari",
            "Realisasi dari",
        ],
        rows,
        vec![vec![
            Cell::text("Jumlah"),
            Cell::text(""),
            Cell::text(""),
            money_cell(Some(pagu)),
            money_cell(Some(spent)),
            percent_cell(scoring::serapan(spent, pagu)),
            Cell::text(""),
            Cell::text(""),
        ]],
    ))
}

fn efisiensi(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    for sasaran in d.items_of(Level::Sasaran, None) {
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            let (pagu, spent) = d.allocation(s)?;
            let source = source_cell(pagu.or(spent), None);
            let (pagu, spent) = (pagu.map(|f| f.amount), spent.map(|f| f.amount));
            let serapan = pagu.zip(spent).and_then(|(p, x)| scoring::serapan(x, p));
            let efisiensi = s
                .capaian
                .score()
                .zip(serapan)
                .map(|(c, x)| scoring::efisiensi(c, x));
            rows.push(vec![
                Cell::text(if i == 0 {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(&s.indicator.name),
                value_cell(&s.indicator, s.target.as_ref().map(|(_, v)| &v.value)),
                value_cell(&s.indicator, s.realisasi.as_ref()),
                capaian_cell(s),
                money_cell(pagu),
                money_cell(spent),
                percent_cell(serapan),
                match efisiensi {
                    Some(e) => Cell::num(numfmt::format(e, 2), numfmt::round(e, 2)),
                    None => Cell::text("-"),
                },
                source,
            ]);
        }
    }
    Ok(vec![table(
        format!(
            "Pencapaian Kinerja dan Anggaran serta Efisiensi Anggaran Tahun {}",
            d.q.year
        ),
        &[
            "Sasaran Kinerja (1)",
            "Indikator Kinerja Utama (2)",
            "Target (3)",
            "Realisasi (4)",
            "Capaian (5)",
            "Alokasi Anggaran (6)",
            "Realisasi Anggaran (7)",
            "Capaian Anggaran (8)",
            "Efisiensi (9 = 5 - 8)",
            "Sumber anggaran",
        ],
        rows,
        vec![],
    )])
}

fn quarter_targets(d: &Data, code: &str) -> Result<Vec<Option<Value>>> {
    (1..=4u8)
        .map(|q| Ok(projection::target(d.r, code, d.q.year, TargetScope::Quarter(q), &d.q)?.map(|v| v.value)))
        .collect()
}

fn rencana_aksi(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    let mut series = Vec::new();
    let mut emit = |d: &Data, item: &PlanItemDefined, rows: &mut Vec<Vec<Cell>>| -> Result<()> {
        let pagu = d.pagu(&item.code);
        let spent = d.spent(&item.code);
        let indicators = d.indicators_of(&item.code);
        if indicators.is_empty() && (pagu.is_some() || spent.is_some()) {
            // A sub kegiatan with a pagu and no indicator still belongs here.
            let mut row = vec![Cell::text(&item.name), Cell::text("(tanpa indikator)")];
            row.extend((0..10).map(|_| Cell::text("-")));
            row.push(money_cell(pagu));
            row.push(money_cell(spent));
            row.push(percent_cell(
                pagu.zip(spent).and_then(|(p, x)| scoring::serapan(x, p)),
            ));
            rows.push(row);
        }
        for (i, s) in indicators.into_iter().enumerate() {
            let phasing = quarter_targets(d, &s.indicator.code)?;
            let mut row = vec![
                Cell::text(if i == 0 { item.name.clone() } else { String::new() }),
                Cell::text(&s.indicator.name),
                value_cell(&s.indicator, d.pk_target(&s.indicator.code)?.as_ref()),
                value_cell(&s.indicator, s.realisasi.as_ref()),
            ];
            row.extend(phasing.iter().map(|t| value_cell(&s.indicator, t.as_ref())));
            let quarter_values: Vec<Option<Value>> = (0..4)
                .map(|q| s.quarters.get(q).cloned().flatten().map(|v| v.value))
                .collect();
            row.extend(
                quarter_values
                    .iter()
                    .map(|v| value_cell(&s.indicator, v.as_ref())),
            );
            let (p, x) = if i == 0 {
                (money_cell(pagu), money_cell(spent))
            } else {
                (Cell::text(""), Cell::text(""))
            };
            row.push(p);
            row.push(x);
            row.push(if i == 0 {
                percent_cell(pagu.zip(spent).and_then(|(p, x)| scoring::serapan(x, p)))
            } else {
                Cell::text("")
            });
            rows.push(row);
            if item.level == Level::Program && quarter_values.iter().any(Option::is_some) {
                series.push(Series {
                    label: s.indicator.name.clone(),
                    unit: s.indicator.unit.clone(),
                    target: phasing
                        .iter()
                        .map(|t| t.as_ref().and_then(scoring::numeric))
                        .collect(),
                    realisasi: quarter_values
                        .iter()
                        .map(|v| v.as_ref().and_then(scoring::numeric))
                        .collect(),
                });
            }
        }
        Ok(())
    };
    for program in d.items_of(Level::Program, None) {
        emit(d, program, &mut rows)?;
        for kegiatan in d.items_of(Level::Kegiatan, Some(&program.code)) {
            for sub in d.items_of(Level::SubKegiatan, Some(&kegiatan.code)) {
                if d.pagu(&sub.code).is_some() {
                    emit(d, sub, &mut rows)?;
                }
            }
        }
    }
    Ok(vec![
        table(
            format!(
                "Monitoring Rencana Aksi Tahun {} s.d. Triwulan {}",
                d.q.year,
                d.q.as_of.roman()
            ),
            &[
                "Program/ Sub Kegiatan",
                "Indikator Kinerja",
                "Target",
                "Realisasi",
                "Target TW I",
                "Target TW II",
                "Target TW III",
                "Target TW IV",
                "Realisasi TW I",
                "Realisasi TW II",
                "Realisasi TW III",
                "Realisasi TW IV",
                "Pagu (Rp)",
                "Realisasi Anggaran (Rp)",
                "%",
            ],
            rows,
            vec![],
        ),
        Block::Chart(Chart::Trends {
            title: "Tren triwulanan indikator program".into(),
            series,
        }),
    ])
}

/// The first and the current target of the year: "sebelum" and "sesudah
/// perubahan". A target first set at the perubahan has no "sebelum".
fn before_after(d: &Data, code: &str) -> Result<(Option<Value>, Option<Value>)> {
    let seqs = projection::target_versions(d.r, code, d.q.year, TargetScope::Year, d.q.known)?;
    let before = match seqs.first() {
        Some(&seq) => match d.r.payload(seq)? {
            Payload::TargetSet(t) if t.stage == Stage::Murni => Some(t.value),
            Payload::TargetSet(_) => None,
            _ => return Err(Error::integrity(seq, "a target index points at another kind")),
        },
        None => None,
    };
    Ok((before, d.pk_target(code)?))
}

fn evaluasi(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    for (n, sasaran) in d.items_of(Level::Sasaran, None).into_iter().enumerate() {
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            rows.push(vec![
                Cell::text(if i == 0 {
                    format!("{}.", n + 1)
                } else {
                    String::new()
                }),
                Cell::text(if i == 0 {
                    sasaran.name.clone()
                } else {
                    String::new()
                }),
                Cell::text(format!("{} {}", i + 1, s.indicator.name)),
                value_cell(&s.indicator, s.target.as_ref().map(|(_, v)| &v.value)),
                value_cell(&s.indicator, s.realisasi.as_ref()),
                capaian_cell(s),
            ]);
        }
    }
    let y = d.q.year;
    let mut blocks = vec![table(
        "1. Evaluasi Sasaran Kinerja",
        &[
            "No.",
            "Sasaran",
            "Indikator Sasaran",
            &format!("Target {y}"),
            &format!("Realisasi {y}"),
            &format!("Capaian {y}"),
        ],
        rows,
        vec![],
    )];
    let mut rows = Vec::new();
    let walk = |item: &PlanItemDefined, rows: &mut Vec<Vec<Cell>>| -> Result<()> {
        let indicators = d.indicators_of(&item.code);
        if indicators.is_empty() {
            rows.push(vec![
                Cell::text(&item.code),
                Cell::text(&item.name),
                Cell::text("-"),
                Cell::text("-"),
                Cell::text("-"),
                Cell::text("-"),
            ]);
        }
        for (i, s) in indicators.into_iter().enumerate() {
            let (before, after) = before_after(d, &s.indicator.code)?;
            let label = if i == 0 {
                item.name.clone()
            } else {
                format!("{} — {}", item.name, s.indicator.name)
            };
            rows.push(vec![
                Cell::text(if i == 0 { item.code.clone() } else { String::new() }),
                Cell::text(label),
                value_cell(&s.indicator, before.as_ref()),
                value_cell(&s.indicator, after.as_ref()),
                value_cell(&s.indicator, s.realisasi.as_ref()),
                match s.capaian.score() {
                    Some(c) => Cell::num(numfmt::percent(c), numfmt::round(c, 2)),
                    None => Cell::text("-"),
                },
            ]);
        }
        Ok(())
    };
    for program in d.items_of(Level::Program, None) {
        walk(program, &mut rows)?;
        for kegiatan in d.items_of(Level::Kegiatan, Some(&program.code)) {
            walk(kegiatan, &mut rows)?;
            for sub in d.items_of(Level::SubKegiatan, Some(&kegiatan.code)) {
                walk(sub, &mut rows)?;
            }
        }
    }
    blocks.push(table(
        "2. Evaluasi Program dan Kegiatan",
        &[
            "No.",
            "Program/ Kegiatan",
            "Target Sebelum Perubahan",
            "Target Sesudah Perubahan",
            "Realisasi",
            "%",
        ],
        rows,
        vec![],
    ));
    Ok(blocks)
}

fn renstra(d: &Data) -> Result<Vec<Block>> {
    // Renstra targets of every indicator, by year.
    let mut targets: BTreeMap<String, BTreeMap<u16, Value>> = BTreeMap::new();
    for s in &d.states {
        // A five-year plan around the report year.
        for year in d.q.year.saturating_sub(10)..=d.q.year + 10 {
            if let Some(v) = projection::target(d.r, &s.indicator.code, year, TargetScope::Renstra, &d.q)? {
                targets
                    .entry(s.indicator.code.clone())
                    .or_default()
                    .insert(year, v.value);
            }
        }
    }
    let years: Vec<u16> = {
        let mut ys: Vec<u16> = targets.values().flat_map(|m| m.keys().copied()).collect();
        ys.sort();
        ys.dedup();
        ys
    };
    let mut realised: BTreeMap<u16, Vec<IndicatorState>> = BTreeMap::new();
    for &y in years.iter().filter(|y| **y <= d.q.year) {
        realised.insert(
            y,
            if y == d.q.year {
                d.states.clone()
            } else {
                d.state_in(y)?
            },
        );
    }
    let mut columns = vec!["Indikator Kinerja".to_string()];
    columns.extend(years.iter().map(|y| format!("Target {y}")));
    columns.extend(years.iter().map(|y| format!("Realisasi {}", year_label(d, *y))));
    columns.push(format!("Tingkat Kemajuan {}", year_label(d, d.q.year)));
    let mut rows = Vec::new();
    for s in d
        .states
        .iter()
        .filter(|s| targets.contains_key(&s.indicator.code))
    {
        let t = &targets[&s.indicator.code];
        let mut row = vec![Cell::text(&s.indicator.name)];
        row.extend(years.iter().map(|y| value_cell(&s.indicator, t.get(y))));
        for y in &years {
            let v = realised
                .get(y)
                .and_then(|states| states.iter().find(|x| x.indicator.code == s.indicator.code))
                .and_then(|x| x.realisasi.clone());
            row.push(value_cell(&s.indicator, v.as_ref()));
        }
        let end = t.iter().next_back().map(|(_, v)| v.clone());
        let kemajuan = match (&s.realisasi, end) {
            (Some(r), Some(e)) => scoring::kemajuan(&s.indicator, r, &e).score(),
            _ => None,
        };
        row.push(percent_cell(kemajuan));
        rows.push(row);
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    Ok(vec![table(
        format!("Realisasi {} terhadap Target Renstra", d.q.year),
        &columns,
        rows,
        vec![],
    )])
}

fn chapter_three(d: &Data) -> Result<Vec<Block>> {
    let mut blocks = vec![Block::Heading("A. Capaian Kinerja Organisasi".into())];
    blocks.extend(capaian(d)?);
    blocks.push(Block::Heading("B. Realisasi Anggaran".into()));
    blocks.extend(anggaran(d)?);
    blocks.push(Block::Heading("C. Efisiensi Penggunaan Sumber Daya".into()));
    blocks.extend(efisiensi(d)?);
    blocks.push(Block::Heading("D. Capaian terhadap Rencana Strategis".into()));
    blocks.extend(renstra(d)?);
    Ok(blocks)
}

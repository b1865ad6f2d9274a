//! Realisasi anggaran and efisiensi: pagu and spending per program and
//! account, and capaian set against serapan.

use super::*;

pub(super) fn anggaran(d: &Data) -> Result<Vec<Block>> {
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
                first_only(i == 0, sasaran.name.clone()),
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

/// Every program, kegiatan and sub kegiatan with a pagu or spending, in plan
/// order, each with the level its figures were entered at.
pub(super) fn budget_detail(d: &Data) -> Result<Block> {
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

pub(super) fn efisiensi(d: &Data) -> Result<Vec<Block>> {
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
                first_only(i == 0, sasaran.name.clone()),
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

//! Capaian kinerja: realisation against target per indicator, the
//! comparison with earlier years and the predikat table.

use super::*;

pub(super) fn capaian(d: &Data) -> Result<Vec<Block>> {
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
                first_only(i == 0, (n + 1).to_string()),
                first_only(i == 0, sasaran.name.clone()),
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

/// Realisasi and capaian of the IKU over the last four years.
pub(super) fn comparison(d: &Data) -> Result<Vec<Block>> {
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
pub(super) fn year_label(d: &Data, y: u16) -> String {
    if y == d.q.year && d.q.as_of < Quarter::LAST {
        format!("{y} s.d. TW {}", d.q.as_of.roman())
    } else {
        y.to_string()
    }
}

pub(super) fn predikat_table(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    for sasaran in d.items_of(Level::Sasaran, None) {
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            let narrative = projection::narratives(d.r, &s.indicator.code, d.q.year, d.q.known)?
                .pop()
                .map(|(_, n)| n);
            let mut row = vec![
                first_only(i == 0, sasaran.name.clone()),
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

//! The rencana aksi: each indicator's quarterly targets beside its
//! realisations.

use super::*;

pub(super) fn quarter_targets(d: &Data, code: &str) -> Result<Vec<Option<Value>>> {
    (1..=4u8)
        .map(|q| Ok(projection::target(d.r, code, d.q.year, TargetScope::Quarter(q), &d.q)?.map(|v| v.value)))
        .collect()
}

pub(super) fn rencana_aksi(d: &Data) -> Result<Vec<Block>> {
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

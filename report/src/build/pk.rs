//! The Perjanjian Kinerja: indicators with their targets and the pagu of
//! the programs.

use super::*;

pub(super) fn pk(d: &Data) -> Result<Vec<Block>> {
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
                first_only(first, sasaran.name.clone()),
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

//! The evaluation of the year: targets before and after the budget
//! amendment with the narratives; the Renstra view; the LKjIP's chapter III.

use super::*;

/// The first and the current target of the year: "sebelum" and "sesudah
/// perubahan". A target first set at the perubahan has no "sebelum".
pub(super) fn before_after(d: &Data, code: &str) -> Result<(Option<Value>, Option<Value>)> {
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

pub(super) fn evaluasi(d: &Data) -> Result<Vec<Block>> {
    let mut rows = Vec::new();
    for (n, sasaran) in d.items_of(Level::Sasaran, None).into_iter().enumerate() {
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            rows.push(vec![
                first_only(i == 0, format!("{}.", n + 1)),
                first_only(i == 0, sasaran.name.clone()),
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

pub(super) fn renstra(d: &Data) -> Result<Vec<Block>> {
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

pub(super) fn chapter_three(d: &Data) -> Result<Vec<Block>> {
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

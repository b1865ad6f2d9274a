//! The whole LKjIP (PermenPAN-RB 53/2014): Kata Pengantar, Ikhtisar
//! Eksekutif, Bab I-IV, Lampiran and the signature block. The prose is the
//! recorded `document_text_recorded` of each part and the signatory its
//! `signatory_recorded`, both as known at the report's seq; the tables and
//! charts are the same builders as the other report kinds. A part never
//! recorded is a [`Block::Missing`], never invented.

use super::*;

/// The document's blocks, tables and charts numbered per chapter.
pub(super) fn document(d: &Data) -> Result<Vec<Block>> {
    let year = d.q.year;
    let mut out = Vec::new();

    let signatory = projection::signatory(d.r, year, d.q.known)?.map(|(_, s)| signature(&s));

    out.push(Block::Chapter("KATA PENGANTAR".into()));
    out.extend(prose(d, DocumentSection::KataPengantar)?);
    out.push(signature_or_missing(&signatory, year));

    out.push(Block::Chapter("IKHTISAR EKSEKUTIF".into()));
    out.extend(prose(d, DocumentSection::IkhtisarEksekutif)?);
    out.push(Block::Paragraph(summary(d)?));

    let mut bab1 = vec![Block::Chapter("BAB I PENDAHULUAN".into())];
    for s in [
        DocumentSection::LatarBelakang,
        DocumentSection::TugasFungsi,
        DocumentSection::StrukturOrganisasi,
        DocumentSection::IsuStrategis,
    ] {
        bab1.push(Block::Heading(s.heading().into()));
        bab1.extend(prose(d, s)?);
    }
    out.extend(numbered(bab1, "1"));

    let mut bab2 = vec![
        Block::Chapter("BAB II PERENCANAAN KINERJA".into()),
        Block::Heading(DocumentSection::RencanaStrategis.heading().into()),
    ];
    bab2.extend(prose(d, DocumentSection::RencanaStrategis)?);
    bab2.push(plan_table(d)?);
    bab2.push(Block::Heading(
        DocumentSection::PerjanjianKinerja.heading().into(),
    ));
    bab2.extend(prose(d, DocumentSection::PerjanjianKinerja)?);
    bab2.extend(pk(d)?);
    out.extend(numbered(bab2, "2"));

    let mut bab3 = vec![
        Block::Chapter("BAB III AKUNTABILITAS KINERJA".into()),
        Block::Heading("A. Capaian Kinerja Organisasi".into()),
    ];
    bab3.extend(prose(d, DocumentSection::PengukuranKinerja)?);
    bab3.extend(capaian(d)?);
    bab3.push(Block::Heading("B. Realisasi Anggaran".into()));
    bab3.extend(anggaran(d)?);
    bab3.push(Block::Heading("C. Efisiensi Penggunaan Sumber Daya".into()));
    bab3.extend(efisiensi(d)?);
    bab3.push(Block::Heading("D. Capaian terhadap Rencana Strategis".into()));
    bab3.extend(renstra(d)?);
    out.extend(numbered(bab3, "3"));

    out.push(Block::Chapter("BAB IV PENUTUP".into()));
    out.extend(prose(d, DocumentSection::Penutup)?);
    out.push(signature_or_missing(&signatory, year));

    let mut lampiran = vec![
        Block::Chapter("LAMPIRAN".into()),
        Block::Heading(format!("Lampiran 1. Perjanjian Kinerja Tahun {year}")),
    ];
    lampiran.extend(pk(d)?);
    out.extend(numbered(lampiran, "L"));
    Ok(out)
}

/// A recorded part as paragraphs, or a placeholder that says how to record it.
fn prose(d: &Data, section: DocumentSection) -> Result<Vec<Block>> {
    Ok(
        match projection::document_text(d.r, d.q.year, section, d.q.known)? {
            Some((_, t)) => paragraphs(&t.text).into_iter().map(Block::Paragraph).collect(),
            None => vec![Block::Missing(format!(
                "{} Tahun {} belum dicatat di ledger (sakip record text --year {} --section {}).",
                title_case(section),
                d.q.year,
                d.q.year,
                section.name()
            ))],
        },
    )
}

fn title_case(section: DocumentSection) -> String {
    let h = section.heading();
    // "A. Latar Belakang" -> "Latar Belakang"; "KATA PENGANTAR" -> "Kata Pengantar"
    let h = h.split_once(". ").map(|(_, rest)| rest).unwrap_or(h);
    if h.chars().all(|c| !c.is_lowercase()) {
        h.split(' ')
            .map(|w| {
                let mut cs = w.chars();
                match cs.next() {
                    Some(f) => f.to_string() + &cs.as_str().to_lowercase(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        h.to_string()
    }
}

/// Paragraphs of recorded text: blank lines separate paragraphs; within one,
/// a list item (`1.`, `a.`, `a)`, `-`, `•`) starts a new paragraph and other
/// lines are joined with a space.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        if open && !is_list_item(line) {
            let last = out.last_mut().expect("an open paragraph exists");
            last.push(' ');
            last.push_str(line.trim());
        } else {
            out.push(line.trim().to_string());
            open = true;
        }
    }
    out
}

/// Whether a line starts a list item: `1.`, `12)`, `a.`, `b)`, `-`, `•`.
pub(crate) fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("• ") {
        return true;
    }
    let marker: String = t.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let rest = &t[marker.len()..];
    let ok_marker = !marker.is_empty()
        && (marker.chars().all(|c| c.is_ascii_digit()) && marker.len() <= 3
            || marker.len() == 1 && marker.chars().all(|c| c.is_ascii_lowercase()));
    ok_marker && (rest.starts_with(". ") || rest.starts_with(") ") || rest.starts_with(".\t"))
}

fn signature(s: &Signatory) -> SignatureBlock {
    SignatureBlock {
        place_date: format!("{}, {}", s.place, long_date(&s.date)),
        position: s.position.to_uppercase(),
        name: s.name.clone(),
        rank: s.rank.clone(),
        nip: format!("NIP. {}", s.nip),
    }
}

fn signature_or_missing(s: &Option<SignatureBlock>, year: u16) -> Block {
    match s {
        Some(s) => Block::Signature(s.clone()),
        None => Block::Missing(format!(
            "Penandatangan LKjIP Tahun {year} belum dicatat di ledger (sakip record signatory --year {year} ...)."
        )),
    }
}

pub(crate) use sakip::show::long_date;

/// The executive summary's figures, computed from the ledger beside the
/// recorded prose, so a text copied from another year shows against them.
fn summary(d: &Data) -> Result<String> {
    let mut scores = Vec::new();
    let (mut met, mut counted) = (0, 0);
    for s in d.states.iter().filter(|s| s.indicator.iku) {
        if let Some(c) = s.capaian.score() {
            scores.push(c);
            counted += 1;
            if c >= Decimal::ONE_HUNDRED {
                met += 1;
            }
        }
    }
    let position = if d.q.as_of == Quarter::LAST {
        format!("Tahun {}", d.q.year)
    } else {
        format!("Tahun {} s.d. Triwulan {}", d.q.year, d.q.as_of.roman())
    };
    let mut text = format!("Dihitung dari ledger (bukan teks yang dicatat) untuk {position}: ");
    match scoring::mean(&scores) {
        Some(m) => text.push_str(&format!(
            "rata-rata capaian {counted} IKU {} (predikat {}), {met} dari {counted} IKU mencapai atau melampaui target",
            numfmt::percent(m),
            scoring::predikat(m).label()
        )),
        None => text.push_str("belum ada capaian IKU"),
    }
    let (pagu, spent) = d.budget.total()?;
    match scoring::serapan(spent, pagu) {
        Some(s) => text.push_str(&format!(
            "; realisasi anggaran {} dari pagu {} ({}).",
            numfmt::rupiah(spent),
            numfmt::rupiah(pagu),
            numfmt::percent(s)
        )),
        None => text.push('.'),
    }
    Ok(text)
}

/// Tujuan, sasaran and their IKU with the year's target: the plan the
/// Renstra sets for the year.
fn plan_table(d: &Data) -> Result<Block> {
    let mut rows = Vec::new();
    let mut last_tujuan = None;
    for sasaran in d.items_of(Level::Sasaran, None) {
        let tujuan = sasaran
            .parent
            .as_deref()
            .and_then(|p| d.items.get(p))
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let new_tujuan = last_tujuan.as_ref() != Some(&tujuan);
        last_tujuan = Some(tujuan.clone());
        for (i, s) in d.iku_of(&sasaran.code).into_iter().enumerate() {
            rows.push(vec![
                first_only(i == 0 && new_tujuan, tujuan.clone()),
                first_only(i == 0, sasaran.name.clone()),
                Cell::text(&s.indicator.name),
                Cell::text(&s.indicator.unit),
                value_cell(&s.indicator, d.pk_target(&s.indicator.code)?.as_ref()),
            ]);
        }
    }
    Ok(table(
        format!("Tujuan, Sasaran dan Indikator Kinerja Utama Tahun {}", d.q.year),
        &[
            "Tujuan",
            "Sasaran Strategis",
            "Indikator Kinerja Utama",
            "Satuan",
            "Target",
        ],
        rows,
        vec![],
    ))
}

/// Number the tables ("Tabel 3.1 ...") and charts ("Grafik 3.1 ...") of one chapter.
fn numbered(blocks: Vec<Block>, chapter: &str) -> Vec<Block> {
    let (mut tables, mut charts) = (0, 0);
    blocks
        .into_iter()
        .map(|b| match b {
            Block::Table(mut t) => {
                tables += 1;
                t.title = format!("Tabel {chapter}.{tables} {}", t.title);
                Block::Table(t)
            }
            Block::Chart(Chart::Bars { title, bars }) => {
                charts += 1;
                Block::Chart(Chart::Bars {
                    title: format!("Grafik {chapter}.{charts} {title}"),
                    bars,
                })
            }
            Block::Chart(Chart::Trends { title, series }) => {
                charts += 1;
                Block::Chart(Chart::Trends {
                    title: format!("Grafik {chapter}.{charts} {title}"),
                    series,
                })
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_join_wrapped_lines_and_keep_list_items() {
        let text = "Satu baris\nyang berlanjut.\n\n1. Pertama;\n2. Kedua\nlanjutan\na. huruf\n- tanda\n";
        assert_eq!(
            paragraphs(text),
            vec![
                "Satu baris yang berlanjut.",
                "1. Pertama;",
                "2. Kedua lanjutan",
                "a. huruf",
                "- tanda"
            ]
        );
        assert!(!is_list_item("Ir. UN ACHMAD"));
        assert!(!is_list_item("2021. Tahun"));
    }

    #[test]
    fn dates_are_written_in_indonesian() {
        assert_eq!(long_date("2022-02-25"), "25 Februari 2022");
        assert_eq!(long_date("2021-12-01"), "1 Desember 2021");
        assert_eq!(long_date("kemarin"), "kemarin");
    }
}

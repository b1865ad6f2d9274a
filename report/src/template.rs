//! Excel templates for the quarter's entries, built from the agency's own
//! plan: `sakip template realisasi` lists every indicator of the year with
//! its code, name, unit, kind and target (locked, for reference) and
//! unlocked value cells validated by the indicator's kind; `sakip template
//! anggaran` lists every plan item with its pagu and an amount cell for
//! the quarter's spending. A filled template is read back by `import
//! realisasi FILE.xlsx` / `import anggaran FILE.xlsx` through the same
//! checks as CSV (`import::realisasi_xlsx`). Instructions are in
//! Indonesian, on the sheet itself and on a "Petunjuk" sheet.

use crate::excel_text;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};
use sakip::event::{Aggregation, IndicatorDefined, ValueKind};
use sakip::ledger::Ledger;
use sakip::period::Quarter;
use sakip::projection::{self, Known};
use sakip::{Error, Result};

/// The row of the column headings (0-based); the rows above hold the title
/// and instructions.
const HEADER_ROW: u32 = 5;

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("writing the workbook: {e}"))
}

struct Styles {
    title: Format,
    heading: Format,
    locked: Format,
    open: Format,
    closed: Format,
}

fn styles() -> Styles {
    Styles {
        title: Format::new().set_bold().set_font_size(13),
        heading: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_background_color("DDE5F0")
            .set_text_wrap(),
        locked: Format::new()
            .set_border(FormatBorder::Thin)
            .set_background_color("F2F2F2"),
        open: Format::new().set_border(FormatBorder::Thin).set_unlocked(),
        closed: Format::new()
            .set_border(FormatBorder::Thin)
            .set_background_color("BFBFBF"),
    }
}

fn guide(wb: &mut Workbook, lines: &[String]) -> std::result::Result<(), XlsxError> {
    let sheet = wb.add_worksheet();
    sheet.set_name("Petunjuk")?;
    sheet.set_column_width(0, 110)?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "Petunjuk pengisian", &bold)?;
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string(i as u32 + 2, 0, line)?;
    }
    Ok(())
}

fn headings(
    sheet: &mut Worksheet,
    columns: &[(&str, f64)],
    s: &Styles,
) -> std::result::Result<(), XlsxError> {
    for (c, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, c as u16, *name, &s.heading)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 2)?;
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Number => "angka",
        ValueKind::Ratio => "rasio (pembilang/penyebut)",
        ValueKind::Grade => "nilai huruf (AA-D)",
        ValueKind::Text => "teks",
    }
}

/// The realisasi template of `year`, triwulan `quarter`.
pub fn realisasi(ledger: &Ledger, year: u16, quarter: Quarter) -> Result<Vec<u8>> {
    let point = sakip::service::time::TimePoint::quarter(year, quarter);
    let view = sakip::service::status::status(ledger, &point, false)?;
    let indicators: Vec<&sakip::projection::IndicatorState> = view
        .states
        .iter()
        .filter(|s| !matches!(s.indicator.aggregation, Aggregation::Components(_)))
        .collect();
    if indicators.is_empty() {
        return Err(Error::Input(format!(
            "the plan has no indicator to record for {year}; import the plan first"
        )));
    }
    let period = format!("{year}-Q{}", quarter.number());
    let agency = ledger.genesis()?.agency_name;
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let s = styles();
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name("Realisasi")?;
        sheet.write_string_with_format(
            0,
            0,
            format!("Realisasi Triwulan {} Tahun {year} — {agency}", quarter.roman()),
            &s.title,
        )?;
        sheet.write_string(1, 0, "Isi kolom putih saja: value untuk angka, teks dan nilai huruf; numerator dan denominator untuk rasio. Kolom abu-abu terkunci.")?;
        sheet.write_string(2, 0, "Angka boleh diketik sebagai angka Excel atau sebagai teks berformat Indonesia (1.234,56). Baris tanpa nilai dilewati.")?;
        sheet.write_string(3, 0, "Setelah diisi: sakip import realisasi BERKAS.xlsx --dry-run, lalu tanpa --dry-run (seluruh baris disimpan sekaligus atau tidak sama sekali).")?;
        headings(
            sheet,
            &[
                ("indicator", 12.0),
                ("nama indikator", 48.0),
                ("satuan", 12.0),
                ("jenis nilai", 22.0),
                ("target", 14.0),
                ("period", 10.0),
                ("value", 14.0),
                ("numerator", 14.0),
                ("denominator", 14.0),
                ("note", 36.0),
            ],
            &s,
        )?;
        let decimal = DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(-1e12, 1e12))
            .set_error_title("Bukan angka")?
            .set_error_message("Isi dengan angka (paling besar 10^12).")?;
        let positive = DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_title("Bukan angka")?
            .set_error_message("Isi dengan angka 0 atau lebih.")?;
        let grades = DataValidation::new()
            .allow_list_strings(&["AA", "A", "BB", "B", "CC", "C", "D"])?
            .set_error_title("Nilai tidak dikenal")?
            .set_error_message("Pilih AA, A, BB, B, CC, C atau D.")?;
        for (i, st) in indicators.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            let ind: &IndicatorDefined = &st.indicator;
            let target = st
                .target
                .as_ref()
                .map(|(_, t)| crate::show_value(ind, &t.value))
                .unwrap_or_else(|| "-".into());
            sheet.write_string_with_format(row, 0, excel_text(&ind.code), &s.locked)?;
            sheet.write_string_with_format(row, 1, excel_text(&ind.name), &s.locked)?;
            sheet.write_string_with_format(row, 2, excel_text(&ind.unit), &s.locked)?;
            sheet.write_string_with_format(row, 3, kind_name(ind.value_kind), &s.locked)?;
            sheet.write_string_with_format(row, 4, excel_text(&target), &s.locked)?;
            sheet.write_string_with_format(row, 5, &period, &s.locked)?;
            match ind.value_kind {
                ValueKind::Ratio => {
                    sheet.write_blank(row, 6, &s.closed)?;
                    sheet.write_blank(row, 7, &s.open)?;
                    sheet.write_blank(row, 8, &s.open)?;
                    sheet.add_data_validation(row, 7, row, 8, &positive)?;
                }
                kind => {
                    sheet.write_blank(row, 6, &s.open)?;
                    sheet.write_blank(row, 7, &s.closed)?;
                    sheet.write_blank(row, 8, &s.closed)?;
                    match kind {
                        ValueKind::Number => {
                            sheet.add_data_validation(row, 6, row, 6, &decimal)?;
                        }
                        ValueKind::Grade => {
                            sheet.add_data_validation(row, 6, row, 6, &grades)?;
                        }
                        _ => {}
                    }
                }
            }
            sheet.write_blank(row, 9, &s.open)?;
        }
        sheet.protect();
        guide(
            &mut wb,
            &[
                format!("1. Lembar \"Realisasi\" memuat setiap indikator {agency} tahun {year} yang dicatat per triwulan, dengan target sebagai acuan."),
                "2. Jenis angka: isi kolom value. Jenis rasio: isi numerator (pembilang) dan denominator (penyebut), misalnya 4.500 dan 4.765. Nilai huruf: pilih dari daftar.".into(),
                "3. Persentase diisi sebagai angkanya (98,92), bukan pecahan. Catatan (note) boleh diisi sebagai keterangan sumber data.".into(),
                "4. Jangan mengubah kode indikator atau periode; baris yang nilainya kosong dilewati.".into(),
                "5. Sel berisi rumus boleh: yang dibaca adalah nilai yang terakhir dihitung Excel, dan sakip menyebutkannya saat impor.".into(),
                "6. Kesalahan saat impor disebut dengan alamat selnya, misalnya BERKAS.xlsx!Realisasi!G12.".into(),
            ],
        )?;
        wb.save_to_buffer()
    };
    build().map_err(xlsx)
}

/// The anggaran template: spending of the quarter per plan item, with the
/// year's pagu for reference.
pub fn anggaran(ledger: &Ledger, year: u16, quarter: Quarter) -> Result<Vec<u8>> {
    let index = ledger.index();
    let q = sakip::service::time::TimePoint::quarter(year, quarter)
        .resolve(ledger)?
        .query;
    let mut items = Vec::new();
    for (_, item) in projection::items(&index, Known::Head)? {
        let retired = projection::retired_from(&index, &item.code, Known::Head)?.is_some_and(|y| y <= year);
        if retired {
            continue;
        }
        let pagu = projection::pagu(&index, &item.code, year, &q)?
            .and_then(|v| match v.value {
                sakip::event::Value::Number(d) => Some(sakip::numfmt::rupiah(d.0)),
                _ => None,
            })
            .unwrap_or_else(|| "-".into());
        items.push((item, pagu));
    }
    if items.is_empty() {
        return Err(Error::Input(
            "the plan has no plan item to record spending for; import the plan first".into(),
        ));
    }
    let period = format!("{year}-Q{}", quarter.number());
    let agency = ledger.genesis()?.agency_name;
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let s = styles();
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name("Anggaran")?;
        sheet.write_string_with_format(
            0,
            0,
            format!(
                "Realisasi Anggaran Triwulan {} Tahun {year} — {agency}",
                quarter.roman()
            ),
            &s.title,
        )?;
        sheet.write_string(1, 0, "Isi kolom amount dengan realisasi belanja triwulan ini dalam Rupiah (angka, atau teks 1.024.833.162). Kolom abu-abu terkunci.")?;
        sheet.write_string(2, 0, "Baris tanpa amount dilewati.")?;
        sheet.write_string(
            3,
            0,
            "Setelah diisi: sakip import anggaran BERKAS.xlsx --dry-run, lalu tanpa --dry-run.",
        )?;
        headings(
            sheet,
            &[
                ("account", 14.0),
                ("nama", 52.0),
                ("tingkat", 14.0),
                ("pagu", 22.0),
                ("period", 10.0),
                ("jenis", 11.0),
                ("amount", 20.0),
                ("note", 36.0),
            ],
            &s,
        )?;
        let money = DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(0.0, 1e15))
            .set_error_title("Bukan jumlah Rupiah")?
            .set_error_message("Isi dengan angka 0 sampai 10^15.")?;
        for (i, (item, pagu)) in items.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            sheet.write_string_with_format(row, 0, excel_text(&item.code), &s.locked)?;
            sheet.write_string_with_format(row, 1, excel_text(&item.name), &s.locked)?;
            sheet.write_string_with_format(row, 2, item.level.label(), &s.locked)?;
            sheet.write_string_with_format(row, 3, pagu, &s.locked)?;
            sheet.write_string_with_format(row, 4, &period, &s.locked)?;
            sheet.write_string_with_format(row, 5, "realisasi", &s.locked)?;
            sheet.write_blank(row, 6, &s.open)?;
            sheet.add_data_validation(row, 6, row, 6, &money)?;
            sheet.write_blank(row, 7, &s.open)?;
        }
        sheet.protect();
        guide(
            &mut wb,
            &[
                format!("1. Lembar \"Anggaran\" memuat setiap program, kegiatan dan sub kegiatan {agency} tahun {year}, dengan pagu sebagai acuan."),
                "2. Isi amount dengan realisasi belanja triwulan ini; baris yang amount-nya kosong dilewati.".into(),
                "3. Kesalahan saat impor disebut dengan alamat selnya, misalnya BERKAS.xlsx!Anggaran!G12.".into(),
            ],
        )?;
        wb.save_to_buffer()
    };
    build().map_err(xlsx)
}

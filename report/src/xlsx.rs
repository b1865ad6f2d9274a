//! A report as an Excel workbook: one sheet per table, each with the
//! report's header block (instansi, tahun, posisi, data per seq and hash),
//! the table's numbered title, bold column headings frozen in place, real
//! numeric cells with number formats (percent, Rupiah, thousands with the
//! decimals the report shows; Excel displays them with the reader's
//! locale, `98,92%` and `Rp 1.268.161.850` in Indonesian), column widths
//! and an A4 print setup. Paragraphs and headings go to a first sheet,
//! "Laporan". Deterministic: the document's creation time is the time of
//! the last event the report counts, and the zip entries carry a fixed
//! date, so the same report gives the same bytes and can be sealed.

use super::*;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

/// Paper size code of A4 in Excel's page setup.
const A4: u8 = 9;
/// Rows of the header block before a table starts.
const HEADER_ROWS: u32 = 6;

/// Render `r` as an xlsx workbook.
pub fn render(r: &Report) -> Vec<u8> {
    // Every input is checked text and numbers; a failure here is a bug.
    workbook(r).unwrap_or_else(|e| panic!("writing the xlsx workbook failed: {e}"))
}

fn workbook(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // The known event's time as the report shows it (`25/02/2022 10.00
    // WIB`), to the minute: a property, never a figure.
    let created =
        chrono::NaiveDateTime::parse_from_str(r.meta.known_at.get(..16).unwrap_or(""), "%d/%m/%Y %H.%M")
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0);
    wb.set_properties(
        &DocProperties::new()
            .set_title(cell_text(&r.title))
            .set_author(cell_text(&r.meta.agency_name))
            .set_comment(r.meta.params.line())
            .set_creation_datetime(&ExcelDateTime::from_timestamp(created)?),
    );
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(13);
    let heading = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("DDE5F0")
        .set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let wrap = Format::new().set_text_wrap();

    // The first sheet: title, header block, headings and paragraphs.
    let sheet = wb.add_worksheet();
    sheet.set_name("Laporan")?;
    page_setup(sheet, false);
    let mut row = header_block(sheet, r, &title, &bold)?;
    sheet.set_column_width(0, 100)?;
    for block in &r.blocks {
        match block {
            Block::Heading(h) => {
                row += 1;
                sheet.write_string_with_format(row, 0, cell_text(h), &bold)?;
                row += 1;
            }
            Block::Paragraph(p) => {
                sheet.write_string_with_format(row, 0, cell_text(p), &wrap)?;
                row += 1;
            }
            Block::Table(t) => {
                sheet.write_string(row, 0, format!("{} (lembar tersendiri)", cell_text(&t.title)))?;
                row += 1;
            }
            Block::Chart(_) => {}
            Block::Chapter(c) => {
                row += 1;
                sheet.write_string_with_format(row, 0, cell_text(c), &bold)?;
                row += 1;
            }
            Block::Missing(m) => {
                sheet.write_string_with_format(row, 0, cell_text(&format!("[Belum dicatat] {m}")), &wrap)?;
                row += 1;
            }
            Block::Signature(sig) => {
                row += 1;
                for line in sig.lines() {
                    sheet.write_string(row, 0, cell_text(line))?;
                    row += 1;
                }
            }
        }
    }

    // One sheet per table.
    let mut n = 0;
    for block in &r.blocks {
        let Block::Table(t) = block else { continue };
        n += 1;
        let sheet = wb.add_worksheet();
        sheet.set_name(format!("Tabel {n}"))?;
        page_setup(sheet, t.columns.len() > 5);
        let mut row = header_block(sheet, r, &title, &bold)?;
        sheet.write_string_with_format(row, 0, cell_text(&t.title), &bold)?;
        row += 1;
        let head_row = row;
        for (c, name) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, cell_text(name), &heading)?;
        }
        sheet.set_freeze_panes(head_row + 1, 0)?;
        sheet.set_repeat_rows(head_row, head_row)?;
        let mut widths: Vec<usize> = t.columns.iter().map(|c| c.chars().count()).collect();
        for (i, cells) in t.rows.iter().chain(t.footer.iter()).enumerate() {
            row += 1;
            let footer = i >= t.rows.len();
            for (c, cell) in cells.iter().enumerate() {
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(cell.text.chars().count());
                }
                write_cell(sheet, row, c as u16, cell, footer, &text)?;
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w as f64 + 2.0).clamp(8.0, 60.0))?;
        }
    }
    wb.save_to_buffer()
}

fn page_setup(sheet: &mut Worksheet, landscape: bool) {
    sheet.set_paper_size(A4);
    if landscape {
        sheet.set_landscape();
    }
    sheet.set_print_fit_to_pages(1, 0);
}

/// The title and the header lines; returns the next free row.
fn header_block(sheet: &mut Worksheet, r: &Report, title: &Format, bold: &Format) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(0, 0, cell_text(&r.title), title)?;
    let mut row = 1;
    for (label, value) in render::meta_lines(&r.meta) {
        sheet.write_string_with_format(row, 0, label, bold)?;
        sheet.write_string(row, 1, cell_text(&value))?;
        row += 1;
    }
    Ok(row.max(HEADER_ROWS) + 1)
}

/// A cell: a real number with the format its displayed text implies, or
/// the text.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    footer: bool,
    text: &Format,
) -> Result<(), XlsxError> {
    let base = || {
        let f = Format::new().set_border(FormatBorder::Thin);
        if footer {
            f.set_bold()
        } else {
            f
        }
    };
    match cell.value {
        Some(v) if !cell.text.trim().is_empty() => {
            let shown = cell.text.trim();
            let decimals = shown
                .rsplit_once(',')
                .map(|(_, frac)| frac.chars().take_while(|c| c.is_ascii_digit()).count())
                .unwrap_or(0);
            let frac = if decimals > 0 {
                format!(".{}", "0".repeat(decimals))
            } else {
                String::new()
            };
            let (value, code) = if shown.ends_with('%') {
                (v / rust_decimal::Decimal::ONE_HUNDRED, format!("0{frac}%"))
            } else if shown.starts_with("Rp") {
                (v, format!("\"Rp \"#,##0{frac}"))
            } else {
                (v, format!("#,##0{frac}"))
            };
            let value = value.to_f64().unwrap_or(f64::NAN);
            sheet.write_number_with_format(row, col, value, &base().set_num_format(code))?;
        }
        _ => {
            let f = if footer {
                text.clone().set_bold()
            } else {
                text.clone()
            };
            sheet.write_string_with_format(row, col, cell_text(&cell.text), &f)?;
        }
    }
    Ok(())
}

/// The most characters Excel keeps in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Text for a cell: no control characters but line breaks, and at most
/// what a cell holds (longer text is cut with an ellipsis instead of
/// failing the workbook). A string cell is never read as a formula in
/// xlsx, unlike in CSV.
pub(crate) fn cell_text(s: &str) -> String {
    let clean = s.chars().map(|c| {
        if c != '\n' && sakip::textsafe::is_unsafe_char(c) {
            ' '
        } else {
            c
        }
    });
    if s.chars().count() > MAX_CELL_CHARS {
        clean
            .take(MAX_CELL_CHARS - 1)
            .chain(std::iter::once('…'))
            .collect()
    } else {
        clean.collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_longer_than_a_cell_is_cut_not_fatal() {
        let long = "a".repeat(40_000);
        let cut = super::cell_text(&long);
        assert_eq!(cut.chars().count(), super::MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(super::cell_text("baris\nbaru\u{7}"), "baris\nbaru ");
    }
}

//! What a workbook's zip container declares, checked before the workbook
//! is read: the number of entries, their decompressed size (counted while
//! inflating, not trusted from the header), and the ranges its worksheets
//! declare (`<dimension ref>`, a shared formula's `ref`), which a reader
//! would otherwise allocate rows × columns for.

use sakip::event::Stage;
use sakip::import::{
    anggaran_rows, realisasi_rows, Labelled, Place, Row, ANGGARAN_OPTIONAL, ANGGARAN_REQUIRED,
    REALISASI_OPTIONAL, REALISASI_REQUIRED,
};
use sakip::limits::{
    MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_XLSX_ENTRIES, MAX_XLSX_UNZIPPED,
};
use sakip::projection::IndexRead;
use sakip::{limits, Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

/// Refuse a workbook whose container or worksheets pass the bounds of
/// [`sakip::limits`]. Reads each entry once through a counting inflater
/// with a small buffer; nothing is held.
fn workbook_bounds(file: &str, bytes: &[u8]) -> Result<()> {
    let bad = |why: String| Error::Input(format!("{file}: {why}"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable xlsx workbook ({e})")))?;
    if zip.len() > MAX_XLSX_ENTRIES {
        return Err(bad(format!(
            "{} entries in the workbook's container, more than the {MAX_XLSX_ENTRIES} a workbook may have",
            zip.len()
        )));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("not a readable xlsx workbook ({e})")))?;
        let name = entry.name().to_string();
        let declared = entry.size();
        if total.saturating_add(declared) > MAX_XLSX_UNZIPPED {
            return Err(unzipped_too_large(file));
        }
        let sheet = name.starts_with("xl/worksheets/") && name.ends_with(".xml");
        let mut counted = Counted {
            inner: &mut entry,
            total: &mut total,
        };
        if sheet {
            scan_sheet(file, &name, &mut counted)?;
        }
        // The rest of the entry (all of it, when it is no worksheet), counted.
        loop {
            match counted.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                    return Err(unzipped_too_large(file))
                }
                Err(e) => return Err(bad(format!("{name}: cannot be inflated ({e})"))),
            }
        }
    }
    Ok(())
}

/// A reader that counts what it inflates against [`MAX_XLSX_UNZIPPED`],
/// failing with `FileTooLarge` past it.
struct Counted<'a, R: Read> {
    inner: &'a mut R,
    total: &'a mut u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.total += n as u64;
        if *self.total > MAX_XLSX_UNZIPPED {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "inflates too far",
            ));
        }
        Ok(n)
    }
}

/// Read a worksheet with the XML parser the workbook reader uses
/// (quick-xml, as calamine does), so both see the same elements and
/// attributes, and check every range and position it declares
/// ([`check_ref`]) before the reader computes with them. A scanner of its
/// own was blinded by malformed markup the parser still read (found by
/// fuzzing). Markup the parser cannot read is refused here.
fn scan_sheet<R: Read>(file: &str, entry: &str, xml: &mut Counted<'_, R>) -> Result<()> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::with_capacity(64 << 10, xml));
    let mut buf = Vec::new();
    let mut formula_cells = 0u64;
    let unreadable = |why: String| {
        Error::Input(format!(
            "{file}: the worksheet {entry} is not readable XML ({why})"
        ))
    };
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(unzipped_too_large(file))
            }
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => return Ok(()),
            _ => continue,
        };
        let tag = match element.local_name().as_ref() {
            b"dimension" => "dimension",
            b"f" => "f",
            b"c" => "c",
            b"row" => "row",
            _ => continue,
        };
        let key: &[u8] = if tag == "c" || tag == "row" { b"r" } else { b"ref" };
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| unreadable(e.to_string()))?;
            if attribute.key.as_ref() == key {
                let value = String::from_utf8_lossy(&attribute.value);
                check_ref(file, entry, tag, &value, &mut formula_cells)?;
            }
        }
    }
}

fn unzipped_too_large(file: &str) -> Error {
    Error::Input(format!(
        "{file}: the workbook inflates to more than the {MAX_XLSX_UNZIPPED} bytes a workbook may have (a compressed bomb, or a workbook to split)"
    ))
}

/// A cell reference's (row, column), counted from 1: `B3` is (3, 2).
fn cell_at(c: &str) -> Option<(u64, u64)> {
    let c = c.trim_start_matches('$');
    let letters: String = c.chars().take_while(|ch| ch.is_ascii_alphabetic()).collect();
    let digits = c[letters.len()..].trim_start_matches('$');
    if letters.is_empty()
        || letters.len() > 3
        || digits.is_empty()
        || digits.len() > 7
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let col = letters.bytes().fold(0u64, |acc, b| {
        acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row: u64 = digits.parse().ok()?;
    (row >= 1).then_some((row, col))
}

/// A range's size as (rows, columns), from `A1` or `A1:XFD1048576`;
/// `Some(None)` for a range that ends before it starts (`AA1:J65`), which
/// the workbook reader would compute a size of by subtracting.
fn range_size(value: &str) -> Option<Option<(u64, u64)>> {
    let cell = cell_at;
    let (a, b) = value.split_once(':').unwrap_or((value, value));
    let (r1, c1) = cell(a)?;
    let (r2, c2) = cell(b)?;
    if r2 < r1 || c2 < c1 {
        return Some(None);
    }
    Some(Some((r2 - r1 + 1, c2 - c1 + 1)))
}

/// The largest row and column a worksheet can address (`XFD1048576`): a
/// fact of the file format, beyond which a reference is not one a
/// spreadsheet program wrote.
const FORMAT_MAX_ROW: u64 = 1_048_576;
const FORMAT_MAX_COLUMN: u64 = 16_384;

fn check_ref(file: &str, entry: &str, tag: &str, raw: &str, formula_cells: &mut u64) -> Result<()> {
    // The value as errors show it: control characters escaped, cut short.
    let cut: String = raw.chars().take(24).collect();
    let shown =
        sakip::textsafe::table_cell(&cut).into_owned() + if raw.chars().count() > 24 { "…" } else { "" };
    let value = shown.as_str();
    let unreadable = || {
        Error::Input(format!(
            "{file}: the worksheet {entry} names the cell or range {value}, which no worksheet can have: not a workbook a spreadsheet program wrote"
        ))
    };
    // A cell's or row's own position: within the format's bounds, or the
    // reader would compute past them (found by fuzzing: an overflow).
    match tag {
        "row" => {
            return match raw.parse::<u64>() {
                Ok(row) if (1..=FORMAT_MAX_ROW).contains(&row) => Ok(()),
                _ => Err(unreadable()),
            }
        }
        "c" => {
            return match cell_at(raw) {
                Some((row, col)) if row <= FORMAT_MAX_ROW && col <= FORMAT_MAX_COLUMN => Ok(()),
                _ => Err(unreadable()),
            }
        }
        _ => {}
    }
    let (rows, cols) = match range_size(raw) {
        None => return Err(unreadable()),
        Some(None) => {
            return Err(Error::Input(format!(
                "{file}: the worksheet {entry} declares the range {value}, which ends before it starts: not a workbook a spreadsheet program wrote"
            )))
        }
        Some(Some(size)) => size,
    };
    match tag {
        "dimension" if rows > u64::from(MAX_SHEET_ROWS) || cols > u64::from(MAX_SHEET_COLUMNS) => {
            Err(Error::Input(format!(
                "{file}: the worksheet {entry} declares the range {value}, more than the {MAX_SHEET_ROWS} rows and {MAX_SHEET_COLUMNS} columns a workbook may use; delete what lies beyond the entries (or split the workbook)"
            )))
        }
        "f" => {
            *formula_cells = formula_cells.saturating_add(rows.saturating_mul(cols));
            if *formula_cells > MAX_SHEET_CELLS {
                return Err(Error::Input(format!(
                    "{file}: the shared formulas of {entry} cover more than the {MAX_SHEET_CELLS} cells a worksheet may hold (the last over {value})"
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &[u8]) -> Result<()> {
        let mut total = 0;
        let mut bytes = xml;
        scan_sheet(
            "f.xlsx",
            "xl/worksheets/sheet1.xml",
            &mut Counted {
                inner: &mut bytes,
                total: &mut total,
            },
        )
    }

    #[test]
    fn checks_the_ranges_and_positions_a_sheet_declares() {
        let good = br#"<?xml version="1.0"?><x:worksheet><x:dimension ref="A1:J12"/><sheetData><row r="1"><c r="A1"><f t="shared" si="0" ref="A1:B3">1+1</f></c></row></sheetData><hyperlink ref="whatever"/></x:worksheet>"#;
        assert!(scan(good).is_ok());
        let too_wide = br#"<worksheet><dimension ref="A1:XFD1048576"/></worksheet>"#;
        assert!(scan(too_wide)
            .unwrap_err()
            .to_string()
            .contains("declares the range A1:XFD1048576"));
        // The shape the fuzzer found: junk before the dimension that a
        // byte scanner took for an open attribute, while the parser read
        // on and found `ref="A1:…XFD1048576"` with lower-case letters in
        // its column (an overflow in the reader).
        let junk = b"<?xml version=\"1.0\"?><worksheet x=\"y\"><dimension\xc3\xc3\x00<?xml version=\"1.0\"?><worksheet a='b\"><dimension ref=\"A1:\x00\x00></workshee\xc3></worksheetXFD1048576\"/></worksheet>";
        assert!(scan(junk).is_err());
        assert_eq!(range_size("A1:XFD1048576"), Some(Some((1_048_576, 16_384))));
        assert_eq!(range_size("$B$2"), Some(Some((1, 1))));
        assert_eq!(range_size("nonsense"), None);
        // Ends before it starts: found by fuzzing, where the reader
        // subtracted and overflowed.
        assert_eq!(range_size("AA1:J65"), Some(None));
        assert_eq!(range_size("A9:B1"), Some(None));
        // Rows past the format's: the reader's arithmetic overflowed.
        assert_eq!(range_size("A1:XFD10485048576"), None);
        assert_eq!(cell_at("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_at("A0"), None);
        let mut n = 0;
        assert!(check_ref("f.xlsx", "s", "c", "A99999999999", &mut n).is_err());
        assert!(check_ref("f.xlsx", "s", "row", "1048577", &mut n).is_err());
        assert!(check_ref("f.xlsx", "s", "row", "12", &mut n).is_ok());
        assert!(check_ref("f.xlsx", "s", "dimension", "A1:XFD10485048576", &mut n).is_err());
    }
}

// ---------------------------------------------------------------- reading

pub use sakip::limits::MAX_XLSX_BYTES;

/// Realisations from a workbook (a `sakip template realisasi` or any
/// workbook with the documented columns), checked exactly as the CSV is;
/// errors name the cell (`file.xlsx!Realisasi!E12`). The notes say where a
/// formula's cached value was used.
pub fn realisasi_xlsx(file: &str, bytes: &[u8], r: &dyn IndexRead) -> Result<(Labelled, Vec<String>)> {
    let (rows, notes) = xlsx_rows(file, bytes, REALISASI_REQUIRED, REALISASI_OPTIONAL)?;
    Ok((realisasi_rows(rows, r)?, notes))
}

/// Budget lines from a workbook, as [`anggaran`] reads them from CSV.
pub fn anggaran_xlsx(
    file: &str,
    bytes: &[u8],
    r: &dyn IndexRead,
    stage: Stage,
) -> Result<(Labelled, Vec<String>)> {
    let (rows, notes) = xlsx_rows(file, bytes, ANGGARAN_REQUIRED, ANGGARAN_OPTIONAL)?;
    Ok((anggaran_rows(rows, r, stage)?, notes))
}

/// Whether `bytes` look like a workbook (a zip container).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Column letters: 0 -> A, 25 -> Z, 26 -> AA.
fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell's value as the CSV parser reads it: text as typed, a number in
/// Indonesian format (`20,4`, `4500`).
/// Why a worksheet cell cannot be read as an entry.
#[derive(Debug)]
struct BadCell(String);

fn cell_text(d: &calamine::Data) -> std::result::Result<String, BadCell> {
    use calamine::Data;
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.is_finite() => {
            let shown = format!("{f}");
            let plain = if shown.contains('e') {
                rust_decimal::Decimal::from_f64_retain(*f)
                    .map(|d| d.normalize().to_string())
                    .unwrap_or(shown)
            } else {
                shown
            };
            plain.replace('.', ",")
        }
        Data::Float(_) => return Err(BadCell("is not a finite number".into())),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(t) => t.to_string(),
        Data::Error(e) => return Err(BadCell(format!("holds the error value {e}"))),
    })
}

/// The cells of one worksheet that hold something, by row and column
/// (0-based), read as a stream: a cell far away costs one entry, not the
/// rows and columns up to it.
struct SheetCells {
    rows: BTreeMap<u32, BTreeMap<u32, calamine::Data>>,
    formulas: HashMap<(u32, u32), String>,
}

/// Read `sheet` cell by cell, refusing a cell outside the bounds a
/// workbook may span ([`limits::MAX_SHEET_ROWS`], [`limits::MAX_SHEET_COLUMNS`])
/// or more cells than [`limits::MAX_SHEET_CELLS`].
fn sheet_cells<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<RS>,
    file: &str,
    sheet: &str,
) -> Result<SheetCells> {
    let unreadable = |e: calamine::XlsxError| Error::Input(format!("{file}!{sheet}: cannot be read ({e})"));
    let outside = |(row, col): (u32, u32)| {
        Error::Input(format!(
            "{file}!{sheet}: the cell {}{} lies outside the {} rows and {} columns a workbook may use; delete what lies beyond the entries (or split the workbook)",
            column_letters(col),
            u64::from(row) + 1,
            limits::MAX_SHEET_ROWS,
            limits::MAX_SHEET_COLUMNS
        ))
    };
    let too_many = || {
        Error::Input(format!(
            "{file}!{sheet}: more than {} cells; split the workbook",
            limits::MAX_SHEET_CELLS
        ))
    };
    let in_bounds = |(row, col): (u32, u32)| row < limits::MAX_SHEET_ROWS && col < limits::MAX_SHEET_COLUMNS;
    let mut rows: BTreeMap<u32, BTreeMap<u32, calamine::Data>> = BTreeMap::new();
    let mut seen = 0u64;
    {
        let mut cells = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            seen += 1;
            if seen > limits::MAX_SHEET_CELLS {
                return Err(too_many());
            }
            let pos = cell.get_position();
            let value: calamine::Data = cell.get_value().clone().into();
            if matches!(value, calamine::Data::Empty) {
                continue;
            }
            if !in_bounds(pos) {
                return Err(outside(pos));
            }
            rows.entry(pos.0).or_default().insert(pos.1, value);
        }
    }
    let mut formulas = HashMap::new();
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut seen = 0u64;
    while let Some(cell) = cells.next_formula().map_err(unreadable)? {
        seen += 1;
        if seen > limits::MAX_SHEET_CELLS {
            return Err(too_many());
        }
        if cell.get_value().is_empty() {
            continue;
        }
        let pos = cell.get_position();
        if !in_bounds(pos) {
            return Err(outside(pos));
        }
        formulas.insert(pos, cell.get_value().clone());
    }
    Ok(SheetCells { rows, formulas })
}

/// The rows of the first worksheet that has a header row with the
/// required columns (a template has its title and instructions above it);
/// columns other than the documented ones are the template's reference
/// columns and are ignored. The container is checked first
/// ([`workbook_bounds`]), and the sheets are read as streams of cells.
fn xlsx_rows(
    file: &str,
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
) -> Result<(Vec<Row>, Vec<String>)> {
    use calamine::Reader;
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(Error::Input(format!(
            "{file}: {} bytes, more than the {MAX_XLSX_BYTES} a workbook may have; split it",
            bytes.len()
        )));
    }
    workbook_bounds(file, bytes)?;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| Error::Input(format!("{file}: not a readable xlsx workbook ({e})")))?;
    for sheet in wb.sheet_names() {
        let cells = sheet_cells(&mut wb, file, &sheet)?;
        let heading = |d: &calamine::Data| cell_text(d).unwrap_or_default().to_ascii_lowercase();
        let Some((&header_row, header)) = cells.rows.iter().find(|(_, row)| {
            let names: Vec<String> = row.values().map(heading).collect();
            required.iter().all(|need| names.iter().any(|n| n == need))
        }) else {
            continue;
        };
        let mut columns = Vec::new();
        let mut letters = HashMap::new();
        for (&c, d) in header {
            let name = heading(d);
            if required.contains(&name.as_str()) || optional.contains(&name.as_str()) {
                letters.insert(name.clone(), column_letters(c));
                columns.push((c, name));
            }
        }
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        let empty = BTreeMap::new();
        // Every row below the header, also one that holds only a formula
        // without a computed value (it has no cell of its own).
        let mut below: Vec<u32> = cells
            .rows
            .range(header_row + 1..)
            .map(|(r, _)| *r)
            .chain(cells.formulas.keys().map(|(r, _)| *r).filter(|r| *r > header_row))
            .collect();
        below.sort_unstable();
        below.dedup();
        for r in below {
            let row = cells.rows.get(&r).unwrap_or(&empty);
            let excel_row = r + 1;
            let place = Place::Cell {
                file: file.to_string(),
                sheet: sheet.clone(),
                row: excel_row,
                letters: letters.clone(),
            };
            let mut values = HashMap::new();
            for (c, name) in &columns {
                let data = row.get(c).cloned().unwrap_or(calamine::Data::Empty);
                let text = cell_text(&data).map_err(|BadCell(why)| {
                    Error::Input(format!("{}: column '{name}': the cell {why}", place.cell(name)))
                })?;
                if let Some(f) = cells.formulas.get(&(r, *c)) {
                    if text.is_empty() {
                        return Err(Error::Input(format!(
                            "{}: column '{name}': the formula ={f} has no computed value; open and save the workbook in Excel first",
                            place.cell(name)
                        )));
                    }
                    notes.push(format!(
                        "{}: the formula ={f} is read as the value Excel last computed for it: {text}",
                        place.cell(name)
                    ));
                }
                values.insert(name.clone(), text);
            }
            // A template row comes with its code, period and jenis filled
            // in; without anything else it was left blank on purpose.
            let prefilled = ["indicator", "account", "period", "jenis"];
            if values
                .iter()
                .all(|(k, v)| v.is_empty() || prefilled.contains(&k.as_str()))
            {
                continue;
            }
            rows.push(Row { place, cells: values });
            if rows.len() > limits::MAX_IMPORT_ROWS {
                return Err(Error::Input(format!(
                    "{file}!{sheet}: more than {} rows; split the workbook",
                    limits::MAX_IMPORT_ROWS
                )));
            }
        }
        return Ok((rows, notes));
    }
    Err(Error::Input(format!(
        "{file}: no worksheet has a header row with the columns {} (the template's sheet, or any sheet with these column names)",
        required.join(", ")
    )))
}

/// Parse an import file's bytes (`sakip import`, the upload endpoint): a workbook (`.xlsx`, recognised by its zip
/// signature; realisasi and anggaran only) or text (CSV, TOML). The notes
/// say where a workbook's formula values were used.
pub fn read_bytes(
    ledger: &sakip::Ledger,
    kind: sakip::service::imports::ImportKind,
    name: &str,
    bytes: &[u8],
) -> Result<(Labelled, Vec<String>)> {
    if is_xlsx(bytes) {
        let index = ledger.index();
        return match kind {
            sakip::service::imports::ImportKind::Realisasi => realisasi_xlsx(name, bytes, &index),
            sakip::service::imports::ImportKind::Anggaran(stage) => anggaran_xlsx(name, bytes, &index, stage),
            sakip::service::imports::ImportKind::Plan(_) => Err(sakip::Error::Input(format!(
                "{name}: the plan is imported from TOML (schema/plan.schema.json), not a workbook"
            ))),
        };
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| sakip::Error::Input(format!("{name}: neither UTF-8 text nor an xlsx workbook")))?;
    Ok((sakip::service::imports::read(ledger, kind, name, text)?, vec![]))
}

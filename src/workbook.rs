//! What a workbook's zip container declares, checked before the workbook
//! is read: the number of entries, their decompressed size (counted while
//! inflating, not trusted from the header), and the ranges its worksheets
//! declare (`<dimension ref>`, a shared formula's `ref`), which a reader
//! would otherwise allocate rows × columns for.

use crate::limits::{
    MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_XLSX_ENTRIES, MAX_XLSX_UNZIPPED,
};
use crate::{Error, Result};
use std::io::Read;

/// Refuse a workbook whose container or worksheets pass the bounds of
/// [`crate::limits`]. Reads each entry once through a counting inflater
/// with a small buffer; nothing is held.
pub(crate) fn workbook_bounds(file: &str, bytes: &[u8]) -> Result<()> {
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
        let mut scan = RefScan::default();
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| bad(format!("{name}: cannot be inflated ({e})")))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_XLSX_UNZIPPED {
                return Err(unzipped_too_large(file));
            }
            if sheet {
                for &b in &buf[..n] {
                    if let Some((tag, value)) = scan.push(b) {
                        check_ref(file, &name, &tag, &value, &mut scan.formula_cells)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn unzipped_too_large(file: &str) -> Error {
    Error::Input(format!(
        "{file}: the workbook inflates to more than the {MAX_XLSX_UNZIPPED} bytes a workbook may have (a compressed bomb, or a workbook to split)"
    ))
}

/// A range's size as (rows, columns), from `A1` or `A1:XFD1048576`;
/// `Some(None)` for a range that ends before it starts (`AA1:J65`), which
/// the workbook reader would compute a size of by subtracting.
fn range_size(value: &str) -> Option<Option<(u64, u64)>> {
    let cell = |c: &str| -> Option<(u64, u64)> {
        let c = c.trim_start_matches('$');
        let letters: String = c.chars().take_while(|ch| ch.is_ascii_alphabetic()).collect();
        let digits = c[letters.len()..].trim_start_matches('$');
        if letters.is_empty() || letters.len() > 3 || digits.is_empty() || digits.len() > 7 {
            return None;
        }
        let col = letters.bytes().fold(0u64, |acc, b| {
            acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
        });
        let row: u64 = digits.parse().ok()?;
        Some((row, col))
    };
    let (a, b) = value.split_once(':').unwrap_or((value, value));
    let (r1, c1) = cell(a)?;
    let (r2, c2) = cell(b)?;
    if r2 < r1 || c2 < c1 {
        return Some(None);
    }
    Some(Some((r2 - r1 + 1, c2 - c1 + 1)))
}

fn check_ref(file: &str, entry: &str, tag: &str, value: &str, formula_cells: &mut u64) -> Result<()> {
    let (rows, cols) = match range_size(value) {
        None => return Ok(()),
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

/// A byte-at-a-time scanner of XML for the `ref` attribute of `dimension`
/// and `f` elements (with or without a namespace prefix). It keeps a tag's
/// local name and the attribute being read, both bounded, so a tag split
/// across reads or padded with attributes is still seen.
#[derive(Default)]
struct RefScan {
    state: ScanState,
    tag: String,
    attr: String,
    value: String,
    quote: u8,
    formula_cells: u64,
}

#[derive(Default, PartialEq)]
enum ScanState {
    #[default]
    Text,
    TagName,
    Attrs,
    Value,
}

const MAX_NAME: usize = 64;
const MAX_VALUE: usize = 64;

impl RefScan {
    /// Feed one byte; returns (tag, value) when a `ref` attribute of a
    /// watched tag ends.
    fn push(&mut self, b: u8) -> Option<(String, String)> {
        match self.state {
            ScanState::Text => {
                if b == b'<' {
                    self.state = ScanState::TagName;
                    self.tag.clear();
                }
            }
            ScanState::TagName => match b {
                b'>' => self.state = ScanState::Text,
                b' ' | b'\t' | b'\r' | b'\n' | b'/' => {
                    self.state = ScanState::Attrs;
                    self.attr.clear();
                }
                _ => {
                    if b == b':' {
                        self.tag.clear();
                    } else if self.tag.len() < MAX_NAME {
                        self.tag.push(b as char);
                    }
                }
            },
            ScanState::Attrs => match b {
                b'>' => self.state = ScanState::Text,
                b'"' | b'\'' => {
                    self.state = ScanState::Value;
                    self.quote = b;
                    self.value.clear();
                }
                b'=' => {}
                b' ' | b'\t' | b'\r' | b'\n' | b'/' => self.attr.clear(),
                _ => {
                    if self.attr.len() < MAX_NAME {
                        self.attr.push(b as char);
                    }
                }
            },
            ScanState::Value => {
                if b == self.quote {
                    self.state = ScanState::Attrs;
                    let watched = self.attr == "ref" && (self.tag == "dimension" || self.tag == "f");
                    self.attr.clear();
                    if watched {
                        return Some((self.tag.clone(), std::mem::take(&mut self.value)));
                    }
                } else if self.value.len() < MAX_VALUE {
                    self.value.push(b as char);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(xml: &str) -> Vec<(String, String)> {
        let mut s = RefScan::default();
        xml.bytes().filter_map(|b| s.push(b)).collect()
    }

    #[test]
    fn finds_the_ranges_a_sheet_declares() {
        let xml = r#"<?xml version="1.0"?><x:worksheet><x:dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><f t="shared" si="0" ref="A1:B3">1+1</f></c></row></sheetData><hyperlink ref="A1"/></x:worksheet>"#;
        assert_eq!(
            refs(xml),
            vec![
                ("dimension".into(), "A1:XFD1048576".into()),
                ("f".into(), "A1:B3".into())
            ]
        );
        assert_eq!(range_size("A1:XFD1048576"), Some(Some((1_048_576, 16_384))));
        assert_eq!(range_size("$B$2"), Some(Some((1, 1))));
        assert_eq!(range_size("nonsense"), None);
        // Ends before it starts: found by fuzzing, where the reader
        // subtracted and overflowed.
        assert_eq!(range_size("AA1:J65"), Some(None));
        assert_eq!(range_size("A9:B1"), Some(None));
    }
}

//! The bounds every reader of outside input holds to, the same for the
//! command line and the web application (`docs/security.md`, "Limits").
//!
//! A reader refuses by what a file declares (its length, a workbook's
//! dimensions and its entries' sizes) before it allocates for it, and
//! counts rows as it streams them, so a small crafted file cannot make the
//! process allocate what its content claims.

use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The most bytes an imported CSV, TOML or Markdown file may have.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 << 20;

/// The most bytes a key file (`.key` or `.pub`) may have.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// The most bytes an imported workbook may have as a file.
pub const MAX_XLSX_BYTES: usize = 32 << 20;

/// The most bytes a workbook's entries may have once decompressed, all
/// together (a 2.000-row template is under 1 MiB).
pub const MAX_XLSX_UNZIPPED: u64 = 128 << 20;

/// The most entries a workbook's zip container may have.
pub const MAX_XLSX_ENTRIES: usize = 1_000;

/// The most rows of entries one imported file may hold.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// The rows a worksheet may span: the entries, plus a template's title,
/// instructions and header above them.
pub const MAX_SHEET_ROWS: u32 = MAX_IMPORT_ROWS as u32 + 1_000;

/// The columns a worksheet may span (a template uses under twenty).
pub const MAX_SHEET_COLUMNS: u32 = 256;

/// The most cells a worksheet may hold or a shared formula may cover.
pub const MAX_SHEET_CELLS: u64 = 4_000_000;

/// Read the regular file at `path` whole, refusing a file of more than
/// `max` bytes before reading it, and anything that is not a regular file
/// (a FIFO or a device would block or never end).
pub fn read_file(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::Input(format!(
            "{}: not a regular file; {what} must be a file",
            path.display()
        )));
    }
    if meta.len() > max {
        return Err(Error::Input(format!(
            "{}: {} bytes, more than the {max} {what} may have",
            path.display(),
            meta.len()
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(path, e))?;
    if out.len() as u64 > max {
        return Err(Error::Input(format!(
            "{}: more than the {max} bytes {what} may have",
            path.display()
        )));
    }
    Ok(out)
}

/// [`read_file`] as UTF-8 text.
pub fn read_text(path: &Path, max: u64, what: &str) -> Result<String> {
    String::from_utf8(read_file(path, max, what)?)
        .map_err(|_| Error::Input(format!("{}: not UTF-8 text", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_or_too_long() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_file(dir.path(), 10, "a key").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let f = dir.path().join("f");
        std::fs::write(&f, b"0123456789A").unwrap();
        let e = read_file(&f, 10, "a key").unwrap_err();
        assert!(e.to_string().contains("11 bytes, more than the 10"), "{e}");
        assert_eq!(read_file(&f, 11, "a key").unwrap(), b"0123456789A");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read_file(&fifo, 10, "a key").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }
}

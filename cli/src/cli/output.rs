//! Output: aligned tables, CSV, JSON lists and lines, author labels, and
//! the terminal-safe writer every human format goes through.

use super::{CliError, CmdResult, Format};
use sakip::ledger::Ledger;
use std::io::{self, Write};

/// Render rows as an aligned text table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    // Every cell on its own row: a newline in a reason is shown, not obeyed.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| sakip::textsafe::table_cell(c).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.chars().count())));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(|c| c.as_str()).collect()));
        out.push('\n');
    }
    out
}

/// Write rows as CSV with a header.
pub fn write_csv(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> CmdResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(csv_err)?;
    for row in rows {
        w.write_record(row.iter().map(|c| sakip::textsafe::csv_cell(c).into_owned()))
            .map_err(csv_err)?;
    }
    w.flush()?;
    Ok(())
}

fn csv_err(e: csv::Error) -> CliError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => CliError::Output(io::Error::other(format!("{other:?}"))),
    }
}

/// A listing in JSON: one array (`--format json`), written as it goes, or
/// one object per line (`--format jsonl`).
pub struct JsonList {
    lines: bool,
    count: usize,
}

impl JsonList {
    pub fn new(format: Format) -> JsonList {
        JsonList {
            lines: format == Format::Jsonl,
            count: 0,
        }
    }

    /// Write the next item.
    pub fn push(&mut self, out: &mut dyn Write, value: &serde_json::Value) -> CmdResult {
        if !self.lines {
            out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        }
        serde_json::to_writer(&mut *out, value).map_err(|e| CliError::Output(e.into()))?;
        if self.lines {
            out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Close the array.
    pub fn finish(self, out: &mut dyn Write) -> CmdResult {
        if !self.lines {
            out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    }
}

/// Whether a format is JSON (`json` or `jsonl`).
pub fn is_json(format: Format) -> bool {
    matches!(format, Format::Json | Format::Jsonl)
}

/// Write one JSON value on its own line.
pub fn write_json_line(out: &mut dyn Write, value: &serde_json::Value) -> CmdResult {
    serde_json::to_writer(&mut *out, value).map_err(|e| CliError::Output(e.into()))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// "name (key id)" for an author, from the ledger's registry.
pub fn author_label(ledger: &Ledger, key: &sakip::event::PublicKey) -> String {
    ledger.author_name(key)
}

/// A line-buffered writer that writes unsafe characters of every line as
/// visible escapes (`sakip::textsafe::terminal`). With colour on, the only
/// escape sequences let through are the colours `Ctx::paint` writes.
pub struct TerminalSafe<'a> {
    inner: &'a mut dyn Write,
    color: bool,
    line: Vec<u8>,
}

impl<'a> TerminalSafe<'a> {
    pub fn new(inner: &'a mut dyn Write, color: bool) -> TerminalSafe<'a> {
        TerminalSafe {
            inner,
            color,
            line: Vec::new(),
        }
    }

    fn emit(&mut self) -> io::Result<()> {
        const COLOURS: [&str; 4] = ["\x1b[0m", "\x1b[32m", "\x1b[33m", "\x1b[36m"];
        let text = String::from_utf8_lossy(&self.line);
        if !text.chars().any(sakip::textsafe::is_unsafe_char) {
            self.inner.write_all(text.as_bytes())?;
            self.line.clear();
            return Ok(());
        }
        let mut out = String::with_capacity(text.len());
        let mut rest: &str = &text;
        while !rest.is_empty() {
            if self.color {
                if let Some(c) = COLOURS.iter().find(|c| rest.starts_with(*c)) {
                    out.push_str(c);
                    rest = &rest[c.len()..];
                    continue;
                }
            }
            let ch = rest.chars().next().expect("not empty");
            out.push_str(&sakip::textsafe::terminal(ch.encode_utf8(&mut [0u8; 4])));
            rest = &rest[ch.len_utf8()..];
        }
        self.inner.write_all(out.as_bytes())?;
        self.line.clear();
        Ok(())
    }
}

impl Write for TerminalSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for chunk in buf.split_inclusive(|b| *b == b'\n') {
            self.line.extend_from_slice(chunk);
            if chunk.ends_with(b"\n") {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit()?;
        }
        self.inner.flush()
    }
}

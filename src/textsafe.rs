//! Text from the ledger made safe for where it is shown. Names, reasons,
//! comments and narratives are typed by people and signed as they are; the
//! ledger keeps them unchanged, and only their display is neutralised:
//!
//! - a CSV cell that a spreadsheet would run as a formula (starting with
//!   `=`, `+`, `-`, `@`, tab or CR, as OWASP lists them) gets a leading `'`,
//!   unless it is a number (`-10,47` stays a number);
//! - a line that must stay one line (a CSV comment, a Markdown cell) has its
//!   control characters turned into spaces;
//! - terminal output shows control characters and bidirectional overrides
//!   as visible escapes (`\u{1b}`), so a reason cannot erase lines or
//!   reorder text on an inspector's screen.
//!
//! JSON output needs none of this: its encoder escapes control characters.

use std::borrow::Cow;

/// Whether a character could change how a terminal or an editor shows the
/// text around it: C0 and C1 controls (newline and tab aside) and the
/// Unicode bidirectional embedding, override and isolate marks.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Whether a cell is a plain number as sakip writes numbers: an optional
/// sign, digits with `.` or `,` separators, an optional `%`.
fn is_number(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let body = body.strip_suffix('%').unwrap_or(body);
    !body.is_empty()
        && body.chars().any(|c| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// A CSV cell a spreadsheet will not evaluate.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    // A lone dash is the "no figure" placeholder, not a formula.
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text != "-";
    if risky && !is_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text on one line: control characters (newlines included) become
/// spaces.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if text.chars().any(|c| c.is_control() || is_unsafe_char(c)) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() || is_unsafe_char(c) {
                        ' '
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// A Markdown table cell or inline text: `|` escaped, `<` and `>` as HTML
/// entities (no raw HTML reaches a renderer), on one line.
pub fn markdown(text: &str) -> String {
    one_line(text)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for a terminal: every unsafe character written as a visible escape.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe_char) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if is_unsafe_char(c) {
                        c.escape_unicode().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell of a terminal table: as [`terminal`], and newlines, tabs and
/// carriage returns written as visible escapes too, so that a reason or a
/// name cannot start a row of its own (one that looks like a real event).
pub fn table_cell(text: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| c.is_control() || is_unsafe_char(c);
    if text.chars().any(unsafe_here) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if unsafe_here(c) {
                        c.escape_unicode().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_cell_stays_on_its_row() {
        assert_eq!(
            table_cell("Data final\n368  approved  Kepala"),
            "Data final\\u{a}368  approved  Kepala"
        );
        assert_eq!(table_cell("biasa"), "biasa");
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for hostile in [
            "=HYPERLINK(\"http://x\",\"klik\")",
            "+cmd|' /C calc'!A0",
            "@SUM(A1:A9)",
            "-2+3+cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ] {
            assert!(csv_cell(hostile).starts_with('\''), "{hostile}");
        }
        for number in ["-10,47", "98,92%", "+5", "1.268.161.850", "-0,5"] {
            assert_eq!(csv_cell(number), number);
        }
        assert_eq!(csv_cell("IKU-1.1"), "IKU-1.1");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(terminal("ok\u{1b}[2Kx"), "ok\\u{1b}[2Kx");
        assert_eq!(terminal("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(terminal("dua\nbaris\tdan tab"), "dua\nbaris\tdan tab");
        assert_eq!(one_line("Dinas\nX"), "Dinas X");
        assert_eq!(markdown("a|b<script>\r"), "a\\|b&lt;script&gt; ");
    }
}

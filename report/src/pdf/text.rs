//! Text in the standard fonts: glyph widths of Helvetica and its bold,
//! Symbol for what WinAnsi lacks, measuring, fitting and wrapping, and
//! string literals escaped for a content stream.

/// The fonts, by their resource names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Font {
    Regular,
    Bold,
    Italic,
    Symbol,
}

impl Font {
    pub(super) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Italic => "F3",
            Font::Symbol => "F4",
        }
    }
}

/// Helvetica advance widths (1/1000 em) of the characters 32-126, from the
/// standard font metrics; Helvetica-Oblique has the same.
pub(super) const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // digits
    278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, // A..Z
    278, 278, 278, 469, 556, 333, // '['..'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556,
    500, 722, 500, 500, 500, // a..z
    334, 260, 334, 584, // '{'..'~'
];

/// Helvetica-Bold advance widths of the characters 32-126.
pub(super) const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // digits
    333, 333, 584, 584, 584, 611, 975, // ':'..'@'
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, // A..Z
    333, 278, 333, 584, 556, 333, // '['..'`'
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611,
    556, 778, 556, 556, 500, // a..z
    389, 280, 389, 584, // '{'..'~'
];

/// A character in the font that prints it, as one byte of its encoding
/// (WinAnsi for Helvetica, the Symbol font's own for √ ≤ ≥ and the like),
/// with its width in 1/1000 em.
pub(super) fn glyph(c: char, font: Font) -> (Font, u8, u16) {
    let table = if font == Font::Bold {
        &HELVETICA_BOLD
    } else {
        &HELVETICA
    };
    let c = match c {
        '\t' | '\u{a0}' => ' ',
        c => c,
    };
    if (' '..='~').contains(&c) {
        return (font, c as u8, table[c as usize - 32]);
    }
    let win = |b: u8, w: u16| (font, b, w);
    match c {
        '‘' => win(0x91, 222),
        '’' => win(0x92, 222),
        '“' => win(0x93, 333),
        '”' => win(0x94, 333),
        '•' => win(0x95, 350),
        '–' => win(0x96, 556),
        '—' => win(0x97, 1000),
        '…' => win(0x85, 1000),
        '·' => win(0xb7, 278),
        '√' => (Font::Symbol, 0xd6, 549),
        '≤' => (Font::Symbol, 0xa3, 549),
        '≥' => (Font::Symbol, 0xb3, 549),
        '×' => win(0xd7, 584),
        c if (c as u32) >= 0xa1 && (c as u32) <= 0xff => win(c as u32 as u8, 556),
        _ => win(b'?', table[b'?' as usize - 32]),
    }
}

pub(super) fn text_width(text: &str, font: Font, size: f64) -> f64 {
    text.chars().map(|c| f64::from(glyph(c, font).2)).sum::<f64>() * size / 1000.0
}

/// `text` cut to `width`, ending in "…" when it was cut.
pub(super) fn fit(text: &str, font: Font, size: f64, width: f64) -> String {
    if text_width(text, font, size) <= width {
        return text.to_string();
    }
    let mut cut: String = text.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), font, size) > width {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// A PDF literal string of encoded bytes.
pub(super) fn literal(bytes: &[u8]) -> String {
    let mut s = String::from("(");
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\{b:03o}")),
        }
    }
    s.push(')');
    s
}

/// Wrap text into lines no wider than `width`; a word wider than the line
/// is broken.
pub(super) fn wrap(text: &str, font: Font, size: f64, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= width
                || line.is_empty() && text_width(word, font, size) <= width
            {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // Break a long word.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, font, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

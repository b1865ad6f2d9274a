//! A report as PDF, written directly: A4 pages, the standard Helvetica and
//! Symbol fonts (every PDF reader has them, so nothing is embedded and the
//! bytes depend only on the report), uncompressed content streams, no dates
//! and no random document ID. The same report gives the same bytes, so an
//! issued PDF re-renders byte for byte (`report verify`).
//!
//! Every page's footer names the agency, the seq the figures are known at
//! and the ledger hash at that seq, so a printed page leads back to its
//! data; the document information's Subject carries the parameter line.
//! A report with chapters (the whole LKjIP) gets a cover and a table of
//! contents with page numbers; tables repeat their heading row across pages.

use super::*;
use rust_decimal::prelude::ToPrimitive;

const PAGE_W: f64 = 595.28;
const PAGE_H: f64 = 841.89;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 62.0;
const BOTTOM: f64 = 70.0;
const WIDTH: f64 = PAGE_W - LEFT - RIGHT;

/// The fonts, by their resource names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Font {
    Regular,
    Bold,
    Italic,
    Symbol,
}

impl Font {
    fn resource(self) -> &'static str {
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
const HELVETICA: [u16; 95] = [
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
const HELVETICA_BOLD: [u16; 95] = [
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
fn glyph(c: char, font: Font) -> (Font, u8, u16) {
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

fn text_width(text: &str, font: Font, size: f64) -> f64 {
    text.chars().map(|c| f64::from(glyph(c, font).2)).sum::<f64>() * size / 1000.0
}

/// `text` cut to `width`, ending in "…" when it was cut.
fn fit(text: &str, font: Font, size: f64, width: f64) -> String {
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
fn literal(bytes: &[u8]) -> String {
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
fn wrap(text: &str, font: Font, size: f64, width: f64) -> Vec<String> {
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

/// One page being drawn: its content stream.
#[derive(Default)]
struct Page {
    ops: String,
}

impl Page {
    fn text(&mut self, x: f64, y: f64, text: &str, font: Font, size: f64) {
        // Runs of one font each.
        let mut runs: Vec<(Font, Vec<u8>)> = Vec::new();
        for c in text.chars() {
            let (f, b, _) = glyph(c, font);
            match runs.last_mut() {
                Some((lf, bytes)) if *lf == f => bytes.push(b),
                _ => runs.push((f, vec![b])),
            }
        }
        self.ops.push_str(&format!("BT {x:.2} {y:.2} Td "));
        for (f, bytes) in runs {
            self.ops
                .push_str(&format!("/{} {size:.1} Tf {} Tj ", f.resource(), literal(&bytes)));
        }
        self.ops.push_str("ET\n");
    }

    fn fill(&mut self, rgb: (f64, f64, f64)) {
        self.ops
            .push_str(&format!("{:.3} {:.3} {:.3} rg\n", rgb.0, rgb.1, rgb.2));
    }

    fn stroke(&mut self, rgb: (f64, f64, f64), width: f64, dash: bool) {
        self.ops.push_str(&format!(
            "{:.3} {:.3} {:.3} RG {width:.2} w {} d\n",
            rgb.0,
            rgb.1,
            rgb.2,
            if dash { "[3 2] 0" } else { "[] 0" }
        ));
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: bool) {
        self.ops.push_str(&format!(
            "{x:.2} {y:.2} {w:.2} {h:.2} re {}\n",
            if fill { "f" } else { "S" }
        ));
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64) {
        self.ops
            .push_str(&format!("{x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S\n"));
    }
}

const BLACK: (f64, f64, f64) = (0.07, 0.07, 0.07);
const GREY: (f64, f64, f64) = (0.45, 0.45, 0.45);
const RULE: (f64, f64, f64) = (0.47, 0.47, 0.47);
const HEAD_FILL: (f64, f64, f64) = (0.91, 0.93, 0.96);
const FOOT_FILL: (f64, f64, f64) = (0.96, 0.96, 0.96);
const MISSING_FILL: (f64, f64, f64) = (1.0, 0.96, 0.80);

fn class_colour(class: &str) -> (f64, f64, f64) {
    let hex = match class {
        "sangat-tinggi" => 0x1a7f37,
        "tinggi" => 0x6cb33f,
        "sedang" => 0xe3b505,
        "rendah" => 0xe07b00,
        "sangat-rendah" => 0xc62828,
        "serapan" => 0x2f6db5,
        _ => 0x999999,
    };
    (
        f64::from((hex >> 16) & 0xff) / 255.0,
        f64::from((hex >> 8) & 0xff) / 255.0,
        f64::from(hex & 0xff) / 255.0,
    )
}

/// The pages as they are laid out, top to bottom.
struct Layout {
    pages: Vec<Page>,
    /// The y of the next line's top on the current page.
    y: f64,
    /// (level, text, page index) of chapters and headings, for the contents.
    outline: Vec<(u8, String, usize)>,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Page::default()],
            y: PAGE_H - TOP,
            outline: Vec::new(),
        }
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("there is always a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = PAGE_H - TOP;
    }

    /// Start a new page unless `height` fits below the current line.
    fn need(&mut self, height: f64) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn at_top(&self) -> bool {
        self.y >= PAGE_H - TOP - 0.5
    }

    fn lines(&mut self, lines: &[String], font: Font, size: f64, x: f64, leading: f64) {
        for line in lines {
            self.need(leading);
            let y = self.y - size;
            self.page().text(x, y, line, font, size);
            self.y -= leading;
        }
    }

    fn paragraph(&mut self, text: &str, font: Font, size: f64) {
        let leading = size * 1.38;
        let (indent, hang) = if is_list_item(text) {
            let marker: String = text
                .trim_start()
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            (14.0, text_width(&format!("{marker} "), font, size))
        } else {
            (0.0, 0.0)
        };
        let text = text.replace('\t', "  ");
        let first = wrap(&text, font, size, WIDTH - indent);
        // Lines after the first hang under the text, past the list marker.
        let mut lines = vec![];
        if let Some((head, rest)) = first.split_first() {
            lines.push((indent, head.clone()));
            let rest = rest.join(" ");
            if !rest.is_empty() {
                for l in wrap(&rest, font, size, WIDTH - indent - hang) {
                    lines.push((indent + hang, l));
                }
            }
        }
        for (x, line) in lines {
            self.need(leading);
            let y = self.y - size;
            self.page().text(LEFT + x, y, &line, font, size);
            self.y -= leading;
        }
        self.y -= size * 0.5;
    }

    fn heading(&mut self, text: &str) {
        let size = 11.5;
        if !self.at_top() {
            self.y -= 8.0;
        }
        // Keep a heading with at least three lines of what follows.
        self.need(size * 1.4 + 45.0);
        self.outline.push((2, text.to_string(), self.pages.len() - 1));
        let lines = wrap(text, Font::Bold, size, WIDTH);
        self.lines(&lines, Font::Bold, size, LEFT, size * 1.35);
        self.y -= 4.0;
    }

    fn chapter(&mut self, text: &str) {
        if !self.at_top() {
            self.new_page();
        }
        let size = 14.0;
        self.outline.push((1, text.to_string(), self.pages.len() - 1));
        for line in wrap(text, Font::Bold, size, WIDTH) {
            let w = text_width(&line, Font::Bold, size);
            let y = self.y - size;
            self.page()
                .text(LEFT + (WIDTH - w) / 2.0, y, &line, Font::Bold, size);
            self.y -= size * 1.4;
        }
        self.y -= 12.0;
    }

    fn missing(&mut self, text: &str) {
        let size = 9.5;
        let leading = size * 1.35;
        let lines = wrap(
            &format!("[Belum dicatat] {text}"),
            Font::Italic,
            size,
            WIDTH - 16.0,
        );
        let h = lines.len() as f64 * leading + 10.0;
        self.need(h);
        let top = self.y;
        let page = self.page();
        page.fill(MISSING_FILL);
        page.rect(LEFT, top - h, WIDTH, h, true);
        page.stroke((0.8, 0.6, 0.1), 0.6, true);
        page.rect(LEFT, top - h, WIDTH, h, false);
        page.fill(BLACK);
        self.y -= 5.0;
        self.lines(&lines, Font::Italic, size, LEFT + 8.0, leading);
        self.y = top - h - 8.0;
    }

    fn signature(&mut self, sig: &SignatureBlock) {
        let size = 10.5;
        let x = LEFT + WIDTH * 0.52;
        let w = WIDTH * 0.48;
        let mut lines: Vec<(Font, String)> = Vec::new();
        for line in sig.lines() {
            if line.is_empty() {
                // Room for the signature and the stamp.
                lines.extend((0..3).map(|_| (Font::Regular, String::new())));
                continue;
            }
            let font = if line == sig.name {
                Font::Bold
            } else {
                Font::Regular
            };
            for l in wrap(line, font, size, w) {
                lines.push((font, l));
            }
        }
        let leading = size * 1.4;
        self.y -= 10.0;
        self.need(lines.len() as f64 * leading);
        for (font, line) in lines {
            let y = self.y - size;
            if !line.is_empty() {
                self.page().text(x, y, &line, font, size);
            }
            self.y -= leading;
        }
        self.y -= 8.0;
    }

    fn table(&mut self, t: &Table) {
        let ncols = t.columns.len().max(1);
        let size = if ncols > 8 { 6.5 } else { 8.0 };
        let leading = size * 1.25;
        let pad = 2.5;
        // Column widths: each column's longest word and its content, shared out.
        let numeric: Vec<bool> = (0..ncols)
            .map(|c| t.rows.iter().any(|r| r.get(c).is_some_and(|x| x.value.is_some())))
            .collect();
        let mut min = vec![0.0_f64; ncols];
        let mut want = vec![0.0_f64; ncols];
        let all_rows = t.rows.iter().chain(t.footer.iter());
        let mut consider = |c: usize, text: &str, font: Font| {
            let longest = text
                .split([' ', '\n'])
                .map(|w| text_width(w, font, size))
                .fold(0.0, f64::max);
            min[c] = min[c].max(longest + 2.0 * pad);
            want[c] = want[c].max(text_width(text, font, size) + 2.0 * pad);
        };
        for (c, h) in t.columns.iter().enumerate() {
            consider(c, h, Font::Bold);
        }
        for row in all_rows {
            for (c, cell) in row.iter().enumerate().take(ncols) {
                consider(c, &cell.text, Font::Regular);
            }
        }
        let widths = share(&min, &want, WIDTH);
        let title_lines = wrap(&t.title, Font::Bold, 9.5, WIDTH);
        let cells = |row: &[Cell], font: Font| -> (Vec<Vec<String>>, f64) {
            let wrapped: Vec<Vec<String>> = (0..ncols)
                .map(|c| {
                    let text = row.get(c).map(|x| x.text.as_str()).unwrap_or("");
                    wrap(text, font, size, widths[c] - 2.0 * pad)
                })
                .collect();
            let h = wrapped.iter().map(|l| l.len()).max().unwrap_or(1) as f64 * leading + 2.0 * pad;
            (wrapped, h)
        };
        let header: Vec<Cell> = t.columns.iter().map(Cell::text).collect();
        let (head_cells, head_h) = cells(&header, Font::Bold);
        let first_row_h = t.rows.first().map(|r| cells(r, Font::Regular).1).unwrap_or(0.0);
        self.y -= 4.0;
        self.need(title_lines.len() as f64 * 12.0 + head_h + first_row_h);
        self.lines(&title_lines, Font::Bold, 9.5, LEFT, 12.0);
        self.y -= 2.0;
        let draw_row =
            |me: &mut Layout, wrapped: &[Vec<String>], h: f64, font: Font, fill: Option<(f64, f64, f64)>| {
                let top = me.y;
                let page = me.page();
                if let Some(f) = fill {
                    page.fill(f);
                    page.rect(LEFT, top - h, widths.iter().sum(), h, true);
                    page.fill(BLACK);
                }
                page.stroke(RULE, 0.5, false);
                let mut x = LEFT;
                for (c, lines) in wrapped.iter().enumerate() {
                    page.rect(x, top - h, widths[c], h, false);
                    for (i, line) in lines.iter().enumerate() {
                        let y = top - pad - size - i as f64 * leading + 1.0;
                        let tx = if numeric[c] && fill.is_none_or(|f| f != HEAD_FILL) {
                            x + widths[c] - pad - text_width(line, font, size)
                        } else {
                            x + pad
                        };
                        page.text(tx, y, line, font, size);
                    }
                    x += widths[c];
                }
                me.y -= h;
            };
        draw_row(self, &head_cells, head_h, Font::Bold, Some(HEAD_FILL));
        let body = t
            .rows
            .iter()
            .map(|r| (r, Font::Regular, None))
            .chain(t.footer.iter().map(|r| (r, Font::Bold, Some(FOOT_FILL))));
        for (row, font, fill) in body {
            let (wrapped, h) = cells(row, font);
            if self.y - h < BOTTOM {
                self.new_page();
                draw_row(self, &head_cells, head_h, Font::Bold, Some(HEAD_FILL));
            }
            draw_row(self, &wrapped, h, font, fill);
        }
        self.y -= 10.0;
    }

    fn chart(&mut self, chart: &Chart) {
        match chart {
            Chart::Bars { title, bars } if !bars.is_empty() => {
                let row_h = 15.0;
                let label_w = WIDTH * 0.36;
                let plot_w = WIDTH - label_w - 52.0;
                let h = bars.len() as f64 * row_h + 30.0;
                self.need(h + 16.0);
                self.lines(&wrap(title, Font::Bold, 9.5, WIDTH), Font::Bold, 9.5, LEFT, 12.0);
                let max = bars
                    .iter()
                    .map(|b| b.value.to_f64().unwrap_or(0.0))
                    .fold(100.0_f64, f64::max)
                    * 1.1;
                let scale = |v: f64| v.max(0.0) / max * plot_w;
                let top = self.y - 4.0;
                let page = self.page();
                for (i, b) in bars.iter().enumerate() {
                    let y = top - (i as f64 + 1.0) * row_h;
                    let label = fit(&b.label, Font::Regular, 7.5, label_w - 6.0);
                    let lw = text_width(&label, Font::Regular, 7.5);
                    page.fill(BLACK);
                    page.text(LEFT + label_w - 6.0 - lw, y + 3.5, &label, Font::Regular, 7.5);
                    let v = b.value.to_f64().unwrap_or(0.0);
                    page.fill(class_colour(&b.class));
                    page.rect(LEFT + label_w, y + 1.0, scale(v), row_h - 4.0, true);
                    page.fill(BLACK);
                    page.text(
                        LEFT + label_w + scale(v) + 3.0,
                        y + 3.5,
                        &sakip::numfmt::percent(b.value),
                        Font::Regular,
                        7.5,
                    );
                }
                let x100 = LEFT + label_w + scale(100.0);
                let bottom = top - bars.len() as f64 * row_h - 4.0;
                page.stroke(BLACK, 0.6, true);
                page.line(x100, top, x100, bottom);
                let w = text_width("100%", Font::Regular, 7.0);
                page.text(x100 - w / 2.0, bottom - 9.0, "100%", Font::Regular, 7.0);
                page.stroke(RULE, 0.5, false);
                self.y = bottom - 18.0;
            }
            Chart::Trends { title, series } if !series.is_empty() => {
                let (box_w, box_h) = ((WIDTH - 12.0) / 2.0, 96.0);
                self.need(16.0 + box_h);
                self.lines(&wrap(title, Font::Bold, 9.5, WIDTH), Font::Bold, 9.5, LEFT, 12.0);
                for pair in series.chunks(2) {
                    self.need(box_h + 6.0);
                    let top = self.y;
                    for (i, s) in pair.iter().enumerate() {
                        let x0 = LEFT + i as f64 * (box_w + 12.0);
                        trend(self.page(), s, x0, top, box_w, box_h);
                    }
                    self.y = top - box_h - 6.0;
                }
                let y = self.y - 8.0;
                let page = self.page();
                page.fill(GREY);
                page.text(
                    LEFT,
                    y,
                    "garis putus-putus: target; garis biru: realisasi (TW I-IV)",
                    Font::Regular,
                    7.0,
                );
                page.fill(BLACK);
                self.y -= 16.0;
            }
            _ => {}
        }
    }
}

/// One series over TW I-IV in a box.
fn trend(page: &mut Page, s: &Series, x0: f64, top: f64, w: f64, h: f64) {
    let values: Vec<f64> = s
        .target
        .iter()
        .chain(s.realisasi.iter())
        .flatten()
        .map(|v| v.to_f64().unwrap_or(0.0))
        .collect();
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if max > min {
        (min - (max - min) * 0.2, max + (max - min) * 0.2)
    } else {
        (min - 1.0, max + 1.0)
    };
    let (left, plot_top, plot_w, plot_h) = (x0 + 8.0, top - 22.0, w - 16.0, h - 36.0);
    let px = |q: usize| left + plot_w * q as f64 / 3.0;
    let py = |v: f64| plot_top - plot_h + (v - lo) / (hi - lo) * plot_h;
    page.stroke(RULE, 0.5, false);
    page.rect(x0, top - h, w, h, false);
    let label = fit(&s.label, Font::Regular, 7.0, w - 10.0);
    page.fill(BLACK);
    page.text(x0 + 5.0, top - 11.0, &label, Font::Regular, 7.0);
    page.line(left, plot_top - plot_h, left + plot_w, plot_top - plot_h);
    for (q, roman) in ["I", "II", "III", "IV"].iter().enumerate() {
        page.text(px(q) - 2.0, top - h + 4.0, roman, Font::Regular, 6.5);
    }
    let mut path = |vals: &[Option<Decimal>], colour: (f64, f64, f64), dash: bool| {
        let pts: Vec<(f64, f64)> = vals
            .iter()
            .enumerate()
            .filter_map(|(q, v)| v.map(|v| (px(q), py(v.to_f64().unwrap_or(0.0)))))
            .collect();
        page.stroke(colour, if dash { 0.8 } else { 1.5 }, dash);
        for pair in pts.windows(2) {
            page.line(pair[0].0, pair[0].1, pair[1].0, pair[1].1);
        }
        if !dash {
            page.fill(colour);
            for (x, y) in &pts {
                page.rect(x - 1.5, y - 1.5, 3.0, 3.0, true);
            }
            page.fill(BLACK);
        }
    };
    path(&s.target, (0.53, 0.53, 0.53), true);
    path(&s.realisasi, (0.18, 0.43, 0.71), false);
    page.stroke(RULE, 0.5, false);
}

/// Column widths: every column gets its minimum (its longest word), the
/// rest of `total` goes to the columns in proportion to what more they want;
/// when the minimums alone are too wide, they are scaled down.
pub(super) fn share(min: &[f64], want: &[f64], total: f64) -> Vec<f64> {
    let base: f64 = min.iter().sum();
    if base >= total {
        return min.iter().map(|m| m * total / base).collect();
    }
    let extra: Vec<f64> = want.iter().zip(min).map(|(w, m)| (w - m).max(0.0)).collect();
    let more: f64 = extra.iter().sum();
    if more <= total - base {
        // Everything fits on one line: spread the rest evenly.
        let spare = (total - base - more) / min.len() as f64;
        return min.iter().zip(&extra).map(|(m, e)| m + e + spare).collect();
    }
    min.iter()
        .zip(&extra)
        .map(|(m, e)| m + e * (total - base) / more)
        .collect()
}

/// The report as PDF bytes.
pub fn render(r: &Report) -> Vec<u8> {
    let chapters = r.blocks.iter().any(|b| matches!(b, Block::Chapter(_)));
    let mut l = Layout::new();
    if chapters {
        cover(&mut l, r);
        // The contents page is drawn after the layout, when pages are known.
        l.new_page();
        l.new_page();
    } else {
        header(&mut l, r);
    }
    let contents_page = 1;
    for block in &r.blocks {
        match block {
            Block::Heading(h) => l.heading(h),
            Block::Paragraph(p) => l.paragraph(p, Font::Regular, 10.0),
            Block::Table(t) => l.table(t),
            Block::Chart(c) => l.chart(c),
            Block::Chapter(c) => l.chapter(c),
            Block::Missing(m) => l.missing(m),
            Block::Signature(s) => l.signature(s),
        }
    }
    if chapters {
        contents(&mut l, contents_page);
    }
    finish(r, l.pages)
}

fn cover(l: &mut Layout, r: &Report) {
    let m = &r.meta;
    let page = l.page();
    let centre = |page: &mut Page, y: f64, text: &str, font: Font, size: f64| {
        for (i, line) in wrap(text, font, size, WIDTH).iter().enumerate() {
            let w = text_width(line, font, size);
            page.text(
                LEFT + (WIDTH - w) / 2.0,
                y - i as f64 * size * 1.3,
                line,
                font,
                size,
            );
        }
    };
    centre(page, PAGE_H - 190.0, "LAPORAN KINERJA", Font::Bold, 26.0);
    centre(page, PAGE_H - 222.0, "INSTANSI PEMERINTAH", Font::Bold, 26.0);
    centre(page, PAGE_H - 256.0, "(LKjIP)", Font::Regular, 16.0);
    centre(
        page,
        PAGE_H - 300.0,
        &format!("TAHUN {}", m.params.year),
        Font::Bold,
        20.0,
    );
    page.fill(class_colour("serapan"));
    page.rect(LEFT + WIDTH / 2.0 - 60.0, PAGE_H - 340.0, 120.0, 3.0, true);
    page.fill(BLACK);
    centre(
        page,
        PAGE_H - 400.0,
        &m.agency_name.to_uppercase(),
        Font::Bold,
        15.0,
    );
    let lines = [
        format!(
            "Tahun anggaran {}, posisi s.d. Triwulan {}",
            m.params.year,
            sakip::period::roman(m.params.as_of)
        ),
        format!("Data per seq {} (dicatat {})", m.params.known_seq, m.known_at),
        if m.params.approved_only {
            "Hanya entri yang telah disetujui".to_string()
        } else {
            "Termasuk entri yang belum disetujui".to_string()
        },
    ];
    let mut y = 190.0;
    for line in lines {
        centre(page, y, &line, Font::Regular, 9.0);
        y -= 13.0;
    }
    centre(
        page,
        y,
        &format!("Hash ledger {}", m.head.to_hex()),
        Font::Regular,
        7.5,
    );
}

fn header(l: &mut Layout, r: &Report) {
    let title = wrap(&r.title, Font::Bold, 15.0, WIDTH);
    l.lines(&title, Font::Bold, 15.0, LEFT, 19.0);
    l.y -= 4.0;
    for (label, value) in render::meta_lines(&r.meta) {
        let text = format!("{label}: {value}");
        let lines = wrap(&text, Font::Regular, 8.5, WIDTH);
        l.lines(&lines, Font::Regular, 8.5, LEFT, 11.0);
    }
    l.y -= 8.0;
}

fn contents(l: &mut Layout, page_index: usize) {
    let entries = l.outline.clone();
    let page = &mut l.pages[page_index];
    let mut y = PAGE_H - TOP - 14.0;
    let w = text_width("DAFTAR ISI", Font::Bold, 14.0);
    page.text(LEFT + (WIDTH - w) / 2.0, y, "DAFTAR ISI", Font::Bold, 14.0);
    y -= 30.0;
    for (level, text, at) in entries {
        let (font, size, x) = if level == 1 {
            (Font::Bold, 10.0, LEFT)
        } else {
            (Font::Regular, 9.5, LEFT + 16.0)
        };
        if level == 1 {
            y -= 4.0;
        }
        if y < BOTTOM {
            break;
        }
        let number = (at + 1).to_string();
        let nw = text_width(&number, Font::Regular, size);
        let title = fit(&text, font, size, WIDTH - (x - LEFT) - 40.0);
        page.text(x, y, &title, font, size);
        // Dot leaders between the title and the page number.
        let start = x + text_width(&title, font, size) + 4.0;
        let end = LEFT + WIDTH - nw - 4.0;
        let dot = text_width(".", Font::Regular, size);
        if end > start {
            let dots = ".".repeat(((end - start) / dot).floor() as usize);
            page.fill(GREY);
            page.text(
                end - text_width(&dots, Font::Regular, size),
                y,
                &dots,
                Font::Regular,
                size,
            );
            page.fill(BLACK);
        }
        page.text(LEFT + WIDTH - nw, y, &number, Font::Regular, size);
        y -= size * 1.6;
    }
}

/// Footers, page objects, fonts, the information dictionary and the
/// cross-reference table.
fn finish(r: &Report, mut pages: Vec<Page>) -> Vec<u8> {
    let m = &r.meta;
    let count = pages.len();
    let trace = fit(&m.trace(), Font::Regular, 6.5, WIDTH - 70.0);
    let title = fit(&r.title, Font::Regular, 7.0, WIDTH);
    for (i, page) in pages.iter_mut().enumerate() {
        page.fill(GREY);
        page.stroke(RULE, 0.4, false);
        page.line(LEFT, BOTTOM - 22.0, LEFT + WIDTH, BOTTOM - 22.0);
        page.text(LEFT, BOTTOM - 33.0, &trace, Font::Regular, 6.5);
        let number = format!("Halaman {} dari {count}", i + 1);
        let w = text_width(&number, Font::Regular, 7.5);
        page.text(LEFT + WIDTH - w, BOTTOM - 33.0, &number, Font::Regular, 7.5);
        if i > 0 {
            page.text(LEFT, PAGE_H - TOP + 22.0, &title, Font::Regular, 7.0);
        }
        page.fill(BLACK);
    }

    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    let mut object = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    // 1 catalog, 2 pages, 3-6 fonts, 7 info, then page and content pairs.
    let first_page = 8;
    let kids: Vec<String> = (0..count)
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    object(&mut out, b"<< /Type /Catalog /Pages 2 0 R /Lang (id-ID) >>");
    object(
        &mut out,
        format!("<< /Type /Pages /Kids [{}] /Count {count} >>", kids.join(" ")).as_bytes(),
    );
    for base in ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique"] {
        object(
            &mut out,
            format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
                .as_bytes(),
        );
    }
    object(&mut out, b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>");
    let info_text = |s: &str| -> String {
        let bytes: Vec<u8> = s.chars().map(|c| glyph(c, Font::Regular).1).collect();
        literal(&bytes)
    };
    object(
        &mut out,
        format!(
            "<< /Title {} /Author {} /Subject {} /Creator (sakip) /Producer (sakip) >>",
            info_text(&r.title),
            info_text(&m.agency_name),
            info_text(&m.params.line())
        )
        .as_bytes(),
    );
    for (i, page) in pages.iter().enumerate() {
        object(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R /F4 6 0 R >> >> /Contents {} 0 R >>",
                first_page + 2 * i + 1
            )
            .as_bytes(),
        );
        let mut body = format!("<< /Length {} >>\nstream\n", page.ops.len()).into_bytes();
        body.extend_from_slice(page.ops.as_bytes());
        body.extend_from_slice(b"endstream");
        object(&mut out, &body);
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for off in &offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let text = "Laporan Kinerja Badan Kepegawaian dan Pengembangan Sumber Daya Manusia (BKPSDM) Kota Kediri ini merupakan perwujudan pertanggungjawaban";
        let lines = wrap(text, Font::Regular, 10.0, 200.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, Font::Regular, 10.0) <= 200.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        // A word longer than the line is broken, not lost.
        let long = "x".repeat(80);
        assert_eq!(wrap(&long, Font::Regular, 10.0, 100.0).concat(), long);
    }

    #[test]
    fn strings_are_escaped_and_encoded() {
        let bytes: Vec<u8> = "(a) \\ “b” √"
            .chars()
            .map(|c| glyph(c, Font::Regular).1)
            .collect();
        assert_eq!(literal(&bytes), "(\\(a\\) \\\\ \\223b\\224 \\326)");
        assert_eq!(glyph('√', Font::Regular).0, Font::Symbol);
    }

    #[test]
    fn a_cut_text_fits_and_says_it_was_cut() {
        assert_eq!(fit("IKU-1.1", Font::Regular, 7.5, 100.0), "IKU-1.1");
        let long = "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota";
        let cut = fit(long, Font::Regular, 7.5, 80.0);
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        assert!(text_width(&cut, Font::Regular, 7.5) <= 80.0);
    }

    #[test]
    fn columns_share_the_width() {
        let w = share(&[20.0, 30.0], &[50.0, 200.0], 150.0);
        assert!((w.iter().sum::<f64>() - 150.0).abs() < 1e-9);
        assert!(w[0] >= 20.0 && w[1] >= 30.0);
    }
}

//! Laying a report out on pages: a page's content stream, the colours,
//! blocks flowed down the page with tables that repeat their heading row,
//! and the trend charts.

use super::*;

/// One page being drawn: its content stream.
#[derive(Default)]
pub(super) struct Page {
    pub(super) ops: String,
}

impl Page {
    pub(super) fn text(&mut self, x: f64, y: f64, text: &str, font: Font, size: f64) {
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

    pub(super) fn fill(&mut self, rgb: (f64, f64, f64)) {
        self.ops
            .push_str(&format!("{:.3} {:.3} {:.3} rg\n", rgb.0, rgb.1, rgb.2));
    }

    pub(super) fn stroke(&mut self, rgb: (f64, f64, f64), width: f64, dash: bool) {
        self.ops.push_str(&format!(
            "{:.3} {:.3} {:.3} RG {width:.2} w {} d\n",
            rgb.0,
            rgb.1,
            rgb.2,
            if dash { "[3 2] 0" } else { "[] 0" }
        ));
    }

    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: bool) {
        self.ops.push_str(&format!(
            "{x:.2} {y:.2} {w:.2} {h:.2} re {}\n",
            if fill { "f" } else { "S" }
        ));
    }

    pub(super) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64) {
        self.ops
            .push_str(&format!("{x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S\n"));
    }
}

pub(super) const BLACK: (f64, f64, f64) = (0.07, 0.07, 0.07);

pub(super) const GREY: (f64, f64, f64) = (0.45, 0.45, 0.45);

pub(super) const RULE: (f64, f64, f64) = (0.47, 0.47, 0.47);

pub(super) const HEAD_FILL: (f64, f64, f64) = (0.91, 0.93, 0.96);

pub(super) const FOOT_FILL: (f64, f64, f64) = (0.96, 0.96, 0.96);

pub(super) const MISSING_FILL: (f64, f64, f64) = (1.0, 0.96, 0.80);

pub(super) fn class_colour(class: &str) -> (f64, f64, f64) {
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
pub(super) struct Layout {
    pub(super) pages: Vec<Page>,
    /// The y of the next line's top on the current page.
    pub(super) y: f64,
    /// (level, text, page index) of chapters and headings, for the contents.
    pub(super) outline: Vec<(u8, String, usize)>,
}

impl Layout {
    pub(super) fn new() -> Layout {
        Layout {
            pages: vec![Page::default()],
            y: PAGE_H - TOP,
            outline: Vec::new(),
        }
    }

    pub(super) fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("there is always a page")
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = PAGE_H - TOP;
    }

    /// Start a new page unless `height` fits below the current line.
    pub(super) fn need(&mut self, height: f64) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    pub(super) fn at_top(&self) -> bool {
        self.y >= PAGE_H - TOP - 0.5
    }

    pub(super) fn lines(&mut self, lines: &[String], font: Font, size: f64, x: f64, leading: f64) {
        for line in lines {
            self.need(leading);
            let y = self.y - size;
            self.page().text(x, y, line, font, size);
            self.y -= leading;
        }
    }

    pub(super) fn paragraph(&mut self, text: &str, font: Font, size: f64) {
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

    pub(super) fn heading(&mut self, text: &str) {
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

    pub(super) fn chapter(&mut self, text: &str) {
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

    pub(super) fn missing(&mut self, text: &str) {
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

    pub(super) fn signature(&mut self, sig: &SignatureBlock) {
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

    pub(super) fn table(&mut self, t: &Table) {
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

    pub(super) fn chart(&mut self, chart: &Chart) {
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
pub(super) fn trend(page: &mut Page, s: &Series, x0: f64, top: f64, w: f64, h: f64) {
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
pub(crate) fn share(min: &[f64], want: &[f64], total: f64) -> Vec<f64> {
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

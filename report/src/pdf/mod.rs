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

mod layout;
mod text;

pub(crate) use layout::share;
use layout::*;
use text::*;

const PAGE_W: f64 = 595.28;

const PAGE_H: f64 = 841.89;

const LEFT: f64 = 62.0;

const RIGHT: f64 = 56.0;

const TOP: f64 = 62.0;

const BOTTOM: f64 = 70.0;

const WIDTH: f64 = PAGE_W - LEFT - RIGHT;

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

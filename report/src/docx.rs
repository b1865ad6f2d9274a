//! A report as a Word document (Office Open XML), written directly: a zip
//! of a few XML parts in a fixed order, every entry dated 1980-01-01, no
//! creation time, no revision IDs. The same report gives the same bytes, so
//! an issued DOCX re-renders byte for byte (`report verify`).
//!
//! Styles carry the look (headings, table captions, the placeholder of
//! unrecorded text), so an agency can restyle the document in Word. Chapters
//! start on a new page; a report with chapters gets a cover and a table of
//! contents field (Word fills in its page numbers when the document is
//! opened, LibreOffice on update); the footer names the agency, the seq and
//! the ledger hash, with "Halaman X dari Y". Charts are bars of shaded
//! characters in a borderless table, so they stay text a reader can search.

use super::*;
use std::io::Write;

/// Text width in twips (A4, 2 cm margins left and right).
const TEXT_TWIPS: u32 = 11906 - 2 * 1134;

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A run of text with optional properties (`<w:rPr>` content).
fn run(text: &str, props: &str) -> String {
    let props = if props.is_empty() {
        String::new()
    } else {
        format!("<w:rPr>{props}</w:rPr>")
    };
    format!(
        "<w:r>{props}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(text)
    )
}

/// A paragraph with a style and optional extra paragraph properties.
fn para(style: &str, ppr: &str, runs: &str) -> String {
    let style = if style.is_empty() {
        String::new()
    } else {
        format!("<w:pStyle w:val=\"{style}\"/>")
    };
    format!("<w:p><w:pPr>{style}{ppr}</w:pPr>{runs}</w:p>")
}

fn colour(class: &str) -> &'static str {
    match class {
        "sangat-tinggi" => "1A7F37",
        "tinggi" => "6CB33F",
        "sedang" => "E3B505",
        "rendah" => "E07B00",
        "sangat-rendah" => "C62828",
        "serapan" => "2F6DB5",
        _ => "999999",
    }
}

fn cell(width: u32, content: &str, props: &str) -> String {
    format!("<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>{props}</w:tcPr>{content}</w:tc>")
}

fn table(t: &Table) -> String {
    let ncols = t.columns.len().max(1);
    let wide = ncols > 8;
    let size: u32 = if wide { 13 } else { 16 }; // half-points
    let numeric: Vec<bool> = (0..ncols)
        .map(|c| t.rows.iter().any(|r| r.get(c).is_some_and(|x| x.value.is_some())))
        .collect();
    // Widths: every column at least its longest word (numbers whole), the
    // rest shared in proportion to what more each column's text wants.
    let per_char = f64::from(size) * 10.0 * 0.56;
    let mut min = vec![0.0_f64; ncols];
    let mut want = vec![0.0_f64; ncols];
    for (row_index, row) in std::iter::once(&t.columns.iter().map(Cell::text).collect::<Vec<_>>())
        .chain(t.rows.iter())
        .chain(t.footer.iter())
        .enumerate()
    {
        for (c, x) in row.iter().enumerate().take(ncols) {
            let chars = |n: usize| n as f64 * per_char + 140.0;
            let longest = x.text.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
            let whole = x.text.chars().count();
            let floor = if numeric[c] && row_index > 0 {
                whole
            } else {
                longest
            };
            min[c] = min[c].max(chars(floor));
            want[c] = want[c].max(chars(whole));
        }
    }
    let widths: Vec<u32> = super::pdf::share(&min, &want, f64::from(TEXT_TWIPS))
        .into_iter()
        .map(|w| w.floor() as u32)
        .collect();
    let mut out = para("Keterangan", "", &run(&t.title, ""));
    out.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"TabelSakip\"/>");
    out.push_str(&format!(
        "<w:tblW w:w=\"{TEXT_TWIPS}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
    ));
    for w in &widths {
        out.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    out.push_str("</w:tblGrid>");
    let text_props = |bold: bool| {
        format!(
            "{}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/>",
            if bold { "<w:b/>" } else { "" }
        )
    };
    // Heading row, repeated on every page.
    out.push_str("<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
    for (c, h) in t.columns.iter().enumerate() {
        out.push_str(&cell(
            widths[c],
            &para("TabelIsi", "", &run(h, &text_props(true))),
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E8EEF5\"/>",
        ));
    }
    out.push_str("</w:tr>");
    let rows = t
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(t.footer.iter().map(|r| (r, true)));
    for (row, footer) in rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for c in 0..ncols {
            let text = row.get(c).map(|x| x.text.as_str()).unwrap_or("");
            let align = if numeric[c] { "<w:jc w:val=\"right\"/>" } else { "" };
            let shade = if footer {
                "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F4F4F4\"/>"
            } else {
                ""
            };
            out.push_str(&cell(
                widths[c],
                &para("TabelIsi", align, &run(text, &text_props(footer))),
                shade,
            ));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out.push_str(&para("", "", ""));
    out
}

/// Bars as shaded runs of fixed-width spaces in a borderless table: label,
/// bar and value per row, with 100% marked in the caption's note.
fn bars(title: &str, bars: &[Bar]) -> String {
    use rust_decimal::prelude::ToPrimitive;
    if bars.is_empty() {
        return String::new();
    }
    let max = bars
        .iter()
        .map(|b| b.value.to_f64().unwrap_or(0.0))
        .fold(100.0_f64, f64::max)
        * 1.1;
    let cells_per_bar = 44.0;
    let mut out = para("Keterangan", "", &run(title, ""));
    let widths = [
        TEXT_TWIPS * 34 / 100,
        TEXT_TWIPS * 54 / 100,
        TEXT_TWIPS * 12 / 100,
    ];
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_TWIPS}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
    ));
    for w in widths {
        out.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    out.push_str("</w:tblGrid>");
    let small = "<w:sz w:val=\"15\"/><w:szCs w:val=\"15\"/>";
    for b in bars {
        let v = b.value.to_f64().unwrap_or(0.0).max(0.0);
        let n = ((v / max) * cells_per_bar).round() as usize;
        let bar = run(
            &"\u{a0}".repeat(n.max(1)),
            &format!(
                "<w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\"/><w:sz w:val=\"15\"/><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{}\"/>",
                colour(&b.class)
            ),
        );
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        out.push_str(&cell(
            widths[0],
            &para("TabelIsi", "<w:jc w:val=\"right\"/>", &run(&b.label, small)),
            "",
        ));
        out.push_str(&cell(widths[1], &para("TabelIsi", "", &bar), ""));
        out.push_str(&cell(
            widths[2],
            &para("TabelIsi", "", &run(&sakip::numfmt::percent(b.value), small)),
            "",
        ));
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    let hundred = ((100.0 / max) * cells_per_bar).round() as usize;
    out.push_str(&para(
        "Catatan",
        "",
        &run(
            &format!("Panjang batang sebanding dengan nilainya; 100% = {hundred} satuan batang."),
            "",
        ),
    ));
    out
}

fn trends(title: &str, series: &[Series]) -> String {
    if series.is_empty() {
        return String::new();
    }
    let show = |v: &Option<Decimal>| {
        v.map(|v| sakip::numfmt::format(v, 2))
            .unwrap_or_else(|| "-".into())
    };
    let mut rows = Vec::new();
    for s in series {
        for (what, vals) in [("Target", &s.target), ("Realisasi", &s.realisasi)] {
            let mut row = vec![Cell::text(format!("{} ({what})", s.label))];
            row.extend(vals.iter().map(|v| match v {
                Some(d) => Cell::num(show(v), *d),
                None => Cell::text("-"),
            }));
            rows.push(row);
        }
    }
    table(&Table {
        title: title.to_string(),
        columns: ["Indikator", "TW I", "TW II", "TW III", "TW IV"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        footer: vec![],
    })
}

fn body(r: &Report) -> String {
    let m = &r.meta;
    let chapters: Vec<&str> = r
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chapter(c) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    if chapters.is_empty() {
        out.push_str(&para("Judul", "", &run(&r.title, "")));
        for (label, value) in render::meta_lines(m) {
            out.push_str(&para("Catatan", "", &run(&format!("{label}: {value}"), "")));
        }
    } else {
        // Cover.
        let big = |text: &str, size: u32, bold: bool| {
            para(
                "Sampul",
                "",
                &run(
                    text,
                    &format!(
                        "{}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/>",
                        if bold { "<w:b/>" } else { "" }
                    ),
                ),
            )
        };
        out.push_str(&para("Sampul", "<w:spacing w:before=\"2400\"/>", ""));
        out.push_str(&big("LAPORAN KINERJA", 52, true));
        out.push_str(&big("INSTANSI PEMERINTAH", 52, true));
        out.push_str(&big("(LKjIP)", 32, false));
        out.push_str(&big(&format!("TAHUN {}", m.params.year), 40, true));
        out.push_str(&para("Sampul", "<w:spacing w:before=\"1200\"/>", ""));
        out.push_str(&big(&m.agency_name.to_uppercase(), 30, true));
        out.push_str(&para("Sampul", "<w:spacing w:before=\"3000\"/>", ""));
        for (label, value) in render::meta_lines(m) {
            out.push_str(&big(&format!("{label}: {value}"), 16, false));
        }
        // Contents: a TOC field; its cached text lists the chapters until
        // the field is updated with page numbers.
        out.push_str(&para("JudulBab", "<w:pageBreakBefore/>", &run("DAFTAR ISI", "")));
        let begin = "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\"/></w:r>\
                     <w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-2\" \\h \\z \\u </w:instrText></w:r>\
                     <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>";
        for (i, c) in chapters.iter().enumerate() {
            let mut runs = String::new();
            if i == 0 {
                runs.push_str(begin);
            }
            runs.push_str(&run(c, ""));
            if i + 1 == chapters.len() {
                runs.push_str("<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>");
            }
            out.push_str(&para("Daftar1", "", &runs));
        }
    }
    let mut first_chapter = true;
    for block in &r.blocks {
        match block {
            Block::Chapter(c) => {
                let ppr = if first_chapter && chapters.is_empty() {
                    ""
                } else {
                    "<w:pageBreakBefore/>"
                };
                first_chapter = false;
                out.push_str(&para("Heading1", ppr, &run(c, "")));
            }
            Block::Heading(h) => out.push_str(&para("Heading2", "", &run(h, ""))),
            Block::Paragraph(p) => {
                let ppr = if is_list_item(p) {
                    "<w:ind w:left=\"720\" w:hanging=\"360\"/>"
                } else {
                    ""
                };
                out.push_str(&para("", ppr, &run(p, "")));
            }
            Block::Table(t) => out.push_str(&table(t)),
            Block::Chart(Chart::Bars { title, bars: b }) => out.push_str(&bars(title, b)),
            Block::Chart(Chart::Trends { title, series }) => out.push_str(&trends(title, series)),
            Block::Missing(text) => out.push_str(&para(
                "BelumDicatat",
                "",
                &format!("{}{}", run("[Belum dicatat] ", "<w:b/>"), run(text, "")),
            )),
            Block::Signature(sig) => {
                out.push_str(&para("Tandatangan", "<w:spacing w:before=\"360\"/>", ""));
                for line in sig.lines() {
                    if line.is_empty() {
                        for _ in 0..3 {
                            out.push_str(&para("Tandatangan", "", ""));
                        }
                        continue;
                    }
                    let props = if line == sig.name {
                        "<w:b/><w:u w:val=\"single\"/>"
                    } else {
                        ""
                    };
                    out.push_str(&para("Tandatangan", "", &run(line, props)));
                }
            }
        }
    }
    out
}

const NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
                  xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

fn document(r: &Report) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {NS}><w:body>{}\
         <w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId3\"/><w:footerReference w:type=\"default\" r:id=\"rId4\"/>\
         <w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"1247\" w:right=\"1134\" w:bottom=\"1247\" w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>\
         </w:sectPr></w:body></w:document>\n",
        body(r)
    )
}

fn footer(r: &Report) -> String {
    let trace = r.meta.trace();
    let field = |name: &str| {
        format!(
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> {name} </w:instrText></w:r>\
             <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:ftr {NS}>{}{}</w:ftr>\n",
        para("Kaki", "", &run(&trace, "")),
        para(
            "Kaki",
            "<w:jc w:val=\"right\"/>",
            &format!(
                "{}{}{}{}",
                run("Halaman ", ""),
                field("PAGE"),
                run(" dari ", ""),
                field("NUMPAGES")
            )
        )
    )
}

fn header(r: &Report) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:hdr {NS}>{}</w:hdr>\n",
        para("Kaki", "", &run(&r.title, ""))
    )
}

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="id-ID"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="360"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:jc w:val="left"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="23"/><w:szCs w:val="23"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Judul"><w:name w:val="Judul Laporan"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="left"/></w:pPr><w:rPr><w:b/><w:sz w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="JudulBab"><w:name w:val="Judul Daftar Isi"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="360"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Daftar1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:jc w:val="left"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Sampul"><w:name w:val="Sampul"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="120"/><w:jc w:val="center"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Keterangan"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/><w:jc w:val="left"/></w:pPr><w:rPr><w:b/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TabelIsi"><w:name w:val="Isi Tabel"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Catatan"><w:name w:val="Catatan"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="left"/></w:pPr><w:rPr><w:color w:val="555555"/><w:sz w:val="16"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Kaki"><w:name w:val="Kaki Halaman"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0"/><w:jc w:val="left"/></w:pPr><w:rPr><w:color w:val="555555"/><w:sz w:val="13"/><w:szCs w:val="13"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="BelumDicatat"><w:name w:val="Belum Dicatat"/><w:basedOn w:val="Normal"/><w:pPr><w:pBdr><w:top w:val="dashed" w:sz="6" w:space="4" w:color="CC9900"/><w:left w:val="dashed" w:sz="6" w:space="4" w:color="CC9900"/><w:bottom w:val="dashed" w:sz="6" w:space="4" w:color="CC9900"/><w:right w:val="dashed" w:sz="6" w:space="4" w:color="CC9900"/></w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="FFF4CC"/><w:jc w:val="left"/></w:pPr><w:rPr><w:i/><w:sz w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Tandatangan"><w:name w:val="Tanda Tangan"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:after="0"/><w:ind w:left="5000"/><w:jc w:val="left"/></w:pPr></w:style>
<w:style w:type="table" w:styleId="TabelSakip"><w:name w:val="Tabel sakip"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="777777"/><w:left w:val="single" w:sz="4" w:space="0" w:color="777777"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="777777"/><w:right w:val="single" w:sz="4" w:space="0" w:color="777777"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="777777"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="777777"/></w:tblBorders><w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>
"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:updateFields w:val="true"/><w:defaultTabStop w:val="720"/><w:themeFontLang w:val="id-ID"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>
"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>
"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>
"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>
"#;

/// Document properties: title, agency and, as the description, the
/// parameter line (stored uncompressed, so `report verify` finds it).
fn core(r: &Report) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator>\
         <dc:description>{}</dc:description><dc:language>id-ID</dc:language></cp:coreProperties>\n",
        esc(&r.title),
        esc(&r.meta.agency_name),
        esc(&r.meta.params.line())
    )
}

/// The report as DOCX bytes.
pub fn render(r: &Report) -> Vec<u8> {
    let parts: [(&str, String, bool); 9] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string(), true),
        ("_rels/.rels", RELS.to_string(), true),
        ("docProps/core.xml", core(r), false),
        ("word/document.xml", document(r), true),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string(), true),
        ("word/styles.xml", STYLES.to_string(), true),
        ("word/settings.xml", SETTINGS.to_string(), true),
        ("word/header1.xml", header(r), true),
        ("word/footer1.xml", footer(r), true),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text, deflate) in parts {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(if deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            })
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        // Writing into memory cannot fail but for a part over 4 GiB.
        zip.start_file(name, options)
            .expect("a zip entry starts in memory");
        zip.write_all(text.as_bytes())
            .expect("a zip entry is written in memory");
    }
    zip.finish().expect("a zip in memory finishes").into_inner()
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(super::esc("a<b & \"c\"\u{7}\td"), "a&lt;b &amp; &quot;c&quot; d");
    }
}

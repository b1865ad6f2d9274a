//! Rendering a [`Report`] to bytes. Deterministic: no clock, no randomness,
//! maps in sorted order; the same report gives the same bytes.

use super::*;
use sakip::numfmt;
use serde_json::{json, Map, Value as Json};

/// Render a report in its format.
pub fn render(report: &Report) -> Vec<u8> {
    match report.meta.params.format {
        ReportFormat::Md => markdown(report).into_bytes(),
        ReportFormat::Csv => csv(report).into_bytes(),
        ReportFormat::Json => json(report).into_bytes(),
        ReportFormat::Html => html(report).into_bytes(),
        ReportFormat::Xlsx => super::xlsx::render(report),
        ReportFormat::Docx => super::docx::render(report),
        ReportFormat::Pdf => super::pdf::render(report),
    }
}

/// The header lines, label and value, in Indonesian.
pub(super) fn meta_lines(m: &Meta) -> Vec<(&'static str, String)> {
    let p = &m.params;
    vec![
        ("Instansi", format!("{} ({})", m.agency_name, m.agency_code)),
        (
            "Tahun anggaran",
            format!(
                "{}, posisi s.d. Triwulan {}",
                p.year,
                sakip::period::roman(p.as_of)
            ),
        ),
        (
            "Data per",
            format!("seq {} (dicatat {})", p.known_seq, m.known_at),
        ),
        ("Hash ledger", m.head.to_hex()),
        (
            "Entri",
            if p.approved_only {
                "hanya entri yang telah disetujui".into()
            } else {
                "termasuk entri yang belum disetujui".into()
            },
        ),
    ]
}

fn md_escape(text: &str) -> String {
    sakip::textsafe::markdown(text)
}

/// Paragraph text: no control characters but line breaks, and no raw HTML
/// (a `<` that could open a tag, as CommonMark reads one, is an entity).
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                out.push_str("&lt;")
            }
            c if sakip::textsafe::is_unsafe_char(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn markdown(r: &Report) -> String {
    let mut out = format!(
        "# {}\n\n<!-- {} -->\n\n",
        md_escape(&r.title),
        r.meta.params.line()
    );
    for (label, value) in meta_lines(&r.meta) {
        out.push_str(&format!("- **{label}**: {}\n", md_escape(&value)));
    }
    for block in r.blocks.iter().filter(|b| !matches!(b, Block::Chart(_))) {
        out.push('\n');
        match block {
            Block::Heading(h) => out.push_str(&format!("## {}\n", md_escape(h))),
            Block::Paragraph(p) => out.push_str(&format!("{}\n", md_text(p))),
            Block::Table(t) => {
                out.push_str(&format!("### {}\n\n", md_escape(&t.title)));
                out.push_str(&format!(
                    "| {} |\n",
                    t.columns
                        .iter()
                        .map(|c| md_escape(c))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
                out.push_str(&format!("|{}\n", "---|".repeat(t.columns.len())));
                for row in t.rows.iter().chain(t.footer.iter()) {
                    out.push_str(&format!(
                        "| {} |\n",
                        row.iter()
                            .map(|c| md_escape(&c.text))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ));
                }
            }
            Block::Chart(_) => {}
            Block::Chapter(c) => out.push_str(&format!("# {}\n", md_escape(c))),
            Block::Missing(m) => out.push_str(&format!("> **[Belum dicatat]** {}\n", md_escape(m))),
            Block::Signature(sig) => {
                for line in sig.lines() {
                    out.push_str(&format!("{}  \n", md_escape(line)));
                }
            }
        }
    }
    out
}

fn csv_field(text: &str, sep: char) -> String {
    let text = sakip::textsafe::csv_cell(text);
    if text.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn csv_line(cells: impl IntoIterator<Item = String>, sep: char) -> String {
    let fields: Vec<String> = cells.into_iter().map(|c| csv_field(&c, sep)).collect();
    format!("{}\n", fields.join(&sep.to_string()))
}

/// CSV: each table as its own block, introduced by `#` comment lines and
/// separated by a blank line; numbers in Indonesian format, quoted.
fn csv(r: &Report) -> String {
    csv_with(r, ',', None)
}

/// [`csv`] with another separator (`;` for Excel in an Indonesian locale,
/// where `,` is the decimal comma) and, with `table`, only that table (its
/// number among the report's tables, from 1).
pub(super) fn csv_with(r: &Report, sep: char, table: Option<usize>) -> String {
    use sakip::textsafe::one_line;
    let mut out = format!("# {}\n# {}\n", one_line(&r.title), r.meta.params.line());
    for (label, value) in meta_lines(&r.meta) {
        out.push_str(&format!("# {label}: {}\n", one_line(&value)));
    }
    let tables = r.blocks.iter().filter_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    for (n, t) in tables.enumerate() {
        if table.is_some_and(|want| want != n + 1) {
            continue;
        }
        out.push_str(&format!("\n# {}\n", one_line(&t.title)));
        out.push_str(&csv_line(t.columns.iter().cloned(), sep));
        for row in t.rows.iter().chain(t.footer.iter()) {
            out.push_str(&csv_line(row.iter().map(|c| c.text.clone()), sep));
        }
    }
    out
}

fn cell_json(c: &Cell) -> Json {
    match c.value {
        Some(v) => json!({"text": c.text, "value": v.to_string()}),
        None => Json::String(c.text.clone()),
    }
}

fn json(r: &Report) -> String {
    let mut meta = Map::new();
    for (label, value) in meta_lines(&r.meta) {
        meta.insert(label.to_lowercase().replace(' ', "_"), Json::String(value));
    }
    let p = &r.meta.params;
    let blocks: Vec<Json> = r
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading(h) => json!({"type": "heading", "text": h}),
            Block::Paragraph(t) => json!({"type": "paragraph", "text": t}),
            Block::Table(t) => json!({
                "type": "table",
                "title": t.title,
                "columns": t.columns,
                "rows": t.rows.iter().map(|r| r.iter().map(cell_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "footer": t.footer.iter().map(|r| r.iter().map(cell_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
            }),
            Block::Chart(Chart::Bars { title, bars }) => json!({
                "type": "bar_chart",
                "title": title,
                "bars": bars.iter().map(|b| json!({"label": b.label, "value": numfmt::machine(b.value, 2), "class": b.class})).collect::<Vec<_>>(),
            }),
            Block::Chart(Chart::Trends { title, series }) => json!({
                "type": "trend_chart",
                "title": title,
                "series": series.iter().map(|s| json!({
                    "label": s.label,
                    "unit": s.unit,
                    "target": s.target.iter().map(|v| v.map(|v| numfmt::machine(v, 2))).collect::<Vec<_>>(),
                    "realisasi": s.realisasi.iter().map(|v| v.map(|v| numfmt::machine(v, 2))).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }),
            Block::Chapter(c) => json!({"type": "chapter", "text": c}),
            Block::Missing(m) => json!({"type": "missing", "text": m}),
            Block::Signature(sig) => json!({
                "type": "signature",
                "place_date": sig.place_date,
                "position": sig.position,
                "name": sig.name,
                "rank": sig.rank,
                "nip": sig.nip,
            }),
        })
        .collect();
    let doc = json!({
        "report": p.line(),
        "kind": p.kind.name(),
        "year": p.year,
        "as_of": format!("{}-Q{}", p.year, p.as_of),
        "known_at_seq": p.known_seq,
        "known_at": r.meta.known_at,
        "head": r.meta.head.to_hex(),
        "approved_only": p.approved_only,
        "title": r.title,
        "meta": meta,
        "blocks": blocks,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "@page{size:A4;margin:14mm}\
body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;color:#111;margin:0 auto;max-width:190mm}\
h1{font-size:15pt;margin:0 0 6pt}h2{font-size:12.5pt;margin:16pt 0 6pt;border-bottom:1px solid #999}\
h3{font-size:10.5pt;margin:12pt 0 4pt}dl.meta{display:grid;grid-template-columns:max-content auto;gap:1pt 10pt;margin:0 0 8pt;font-size:9pt}\
dl.meta dt{font-weight:bold}dl.meta dd{margin:0;word-break:break-all}\
table{border-collapse:collapse;width:100%;margin:4pt 0 10pt;font-size:8.5pt;page-break-inside:auto}\
th,td{border:1px solid #777;padding:2pt 4pt;vertical-align:top;overflow-wrap:break-word}\
table.wide{font-size:7pt}table.wide th,table.wide td{padding:1pt 2pt}th{background:#e8eef5}\
td.num{text-align:right;white-space:nowrap}tr{page-break-inside:avoid}tfoot td{font-weight:bold;background:#f4f4f4}\
figure{margin:6pt 0 12pt;page-break-inside:avoid}figcaption{font-weight:bold;font-size:9.5pt;margin-bottom:3pt}\
svg text{font-family:'DejaVu Sans',Arial,sans-serif;font-size:9px}\
.sangat-tinggi{fill:#1a7f37}.tinggi{fill:#6cb33f}.sedang{fill:#e3b505}.rendah{fill:#e07b00}.sangat-rendah{fill:#c62828}\
.serapan{fill:#2f6db5}.none{fill:#999}.target{stroke:#888;stroke-dasharray:3 2;fill:none}.real{stroke:#2f6db5;fill:none;stroke-width:2}\
.dot{fill:#2f6db5}.ref{stroke:#111;stroke-dasharray:2 2}.axis{stroke:#555}\
@media print{h2{page-break-after:avoid}}";

fn html(r: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta name=\"generator\" content=\"{}\">\n",
        html_escape(&r.meta.params.line())
    ));
    out.push_str(&format!(
        "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        html_escape(&r.title)
    ));
    out.push_str(&format!(
        "<!-- {} -->\n<h1>{}</h1>\n<dl class=\"meta\">\n",
        r.meta.params.line(),
        html_escape(&r.title)
    ));
    for (label, value) in meta_lines(&r.meta) {
        out.push_str(&format!("<dt>{label}</dt><dd>{}</dd>\n", html_escape(&value)));
    }
    out.push_str("</dl>\n");
    for block in &r.blocks {
        match block {
            Block::Heading(h) => out.push_str(&format!("<h2>{}</h2>\n", html_escape(h))),
            Block::Paragraph(p) => out.push_str(&format!("<p>{}</p>\n", html_escape(p))),
            Block::Table(t) => {
                let class = if t.columns.len() > 8 {
                    " class=\"wide\""
                } else {
                    ""
                };
                out.push_str(&format!(
                    "<h3>{}</h3>\n<table{class}>\n<thead><tr>",
                    html_escape(&t.title)
                ));
                for c in &t.columns {
                    out.push_str(&format!("<th>{}</th>", html_escape(c)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                let row_html = |row: &Vec<Cell>| -> String {
                    let cells: String = row
                        .iter()
                        .map(|c| {
                            let class = if c.value.is_some() { " class=\"num\"" } else { "" };
                            format!("<td{class}>{}</td>", html_escape(&c.text))
                        })
                        .collect();
                    format!("<tr>{cells}</tr>\n")
                };
                for row in &t.rows {
                    out.push_str(&row_html(row));
                }
                out.push_str("</tbody>\n");
                if !t.footer.is_empty() {
                    out.push_str("<tfoot>\n");
                    for row in &t.footer {
                        out.push_str(&row_html(row));
                    }
                    out.push_str("</tfoot>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Chart(chart) => out.push_str(&super::svg::figure(chart)),
            Block::Chapter(c) => out.push_str(&format!("<h2 class=\"bab\">{}</h2>\n", html_escape(c))),
            Block::Missing(m) => out.push_str(&format!(
                "<p class=\"missing\"><strong>[Belum dicatat]</strong> {}</p>\n",
                html_escape(m)
            )),
            Block::Signature(sig) => {
                let lines: Vec<String> = sig.lines().iter().map(|l| html_escape(l)).collect();
                out.push_str(&format!("<p class=\"ttd\">{}</p>\n", lines.join("<br>")));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

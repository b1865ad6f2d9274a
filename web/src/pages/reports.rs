//! Reports (`/laporan`) and their downloads.

use super::*;

/// A report block as the page shows it.
pub enum PageBlock {
    /// A heading.
    Heading(String),
    /// A paragraph.
    Paragraph(String),
    /// A table: title, columns, rows and footer of (text, numeric).
    Table(PageTable),
    /// A bar chart: title and (label, value, text) bars, drawn with
    /// `<meter>` (no inline style under the page's policy).
    Bars(String, Vec<(String, String, String)>),
    /// A trend chart, shown in the HTML download.
    Trends(String),
}

/// A table of a report.
pub struct PageTable {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<(String, bool)>>,
    footer: Vec<Vec<(String, bool)>>,
}

#[derive(Template)]
#[template(path = "laporan.html")]
struct ReportPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    year: u16,
    as_of: u8,
    quarters: Vec<(u8, &'static str)>,
    known_at: String,
    formats: Vec<&'static str>,
    title: String,
    subtitle: String,
    blocks: Vec<PageBlock>,
    /// The viewer may issue (seal) reports: the Kepala.
    can_issue: bool,
}

/// The report's query.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    pub(crate) jenis: Option<String>,
    pub(crate) tahun: Option<u16>,
    pub(crate) tw: Option<u8>,
    pub(crate) diketahui: Option<String>,
    /// Known at exactly this seq (a sealed report's own point).
    #[serde(default)]
    pub(crate) seq: Option<u64>,
    pub(crate) format: Option<String>,
}

pub(crate) fn report_params(
    ledger: &sakip::Ledger,
    q: &ReportQuery,
    format: sakip_report::ReportFormat,
) -> Result<sakip_report::Params, WebError> {
    let kind = sakip_report::service::kind_named(q.jenis.as_deref().unwrap_or("capaian"))?;
    let year = match q.tahun {
        Some(y) => y,
        None => entries::default_year(ledger)?,
    };
    let as_of = q.tw.and_then(Quarter::new).unwrap_or(Quarter::LAST);
    let mut point = time_point(year, as_of, q.diketahui.as_deref(), false);
    if let Some(seq) = q.seq {
        point.known_at = KnownAt::Seq(seq);
    }
    Ok(sakip_report::service::params(ledger, kind, &point, format)?)
}

fn cells(row: &[sakip_report::Cell]) -> Vec<(String, bool)> {
    row.iter().map(|c| (c.text.clone(), c.value.is_some())).collect()
}

/// `GET /laporan`: every report kind rendered in the page, at a quarter
/// and a known-at date, with downloads in every format.
pub async fn reports(State(app): State<Arc<App>>, v: Viewer, Query(q): Query<ReportQuery>) -> Response {
    use sakip_report::{Block, Chart, ReportFormat, ReportKind};
    let ledger = app.ledger();
    let built = report_params(&ledger, &q, ReportFormat::Md)
        .and_then(|p| Ok((p, sakip_report::service::render(&ledger, p)?.0)));
    let (params, report) = match built {
        Ok(b) => b,
        Err(e) => return failed(&v, e),
    };
    let blocks = report
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading(h) => PageBlock::Heading(h.clone()),
            Block::Paragraph(p) => PageBlock::Paragraph(p.clone()),
            Block::Table(t) => PageBlock::Table(PageTable {
                title: t.title.clone(),
                columns: t.columns.clone(),
                rows: t.rows.iter().map(|r| cells(r)).collect(),
                footer: t.footer.iter().map(|r| cells(r)).collect(),
            }),
            Block::Chart(Chart::Bars { title, bars }) => PageBlock::Bars(
                title.clone(),
                bars.iter()
                    .map(|b| {
                        (
                            b.label.clone(),
                            b.value.round_dp(2).to_string(),
                            numfmt::percent(b.value),
                        )
                    })
                    .collect(),
            ),
            Block::Chart(Chart::Trends { title, .. }) => PageBlock::Trends(title.clone()),
            Block::Chapter(c) => PageBlock::Heading(c.clone()),
            Block::Missing(m) => PageBlock::Paragraph(format!("[Belum dicatat] {m}")),
            Block::Signature(sig) => PageBlock::Paragraph(
                sig.lines()
                    .into_iter()
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
            ),
        })
        .collect();
    render(ReportPage {
        layout: v.layout,
        kinds: ReportKind::ALL.iter().map(|k| (k.name(), k.title())).collect(),
        kind: params.kind.name().into(),
        year: params.year,
        as_of: params.as_of,
        quarters: Quarter::ALL.iter().map(|q| (q.number(), q.roman())).collect(),
        known_at: q.diketahui.clone().unwrap_or_default(),
        formats: ReportFormat::ALL.iter().map(|f| f.name()).collect(),
        title: report.title.clone(),
        subtitle: format!(
            "{} · s.d. TW {} · diketahui {} (seq {})",
            report.meta.agency_name,
            Quarter::new(params.as_of).map_or("IV", |q| q.roman()),
            report.meta.known_at,
            params.known_seq
        ),
        blocks,
        can_issue: v.roles.contains(&Role::Approver),
    })
}

/// `GET /laporan/unduh`: a report as a file, byte-identical to what
/// `sakip report` writes with the same parameters.
pub async fn report_download(
    State(app): State<Arc<App>>,
    v: Viewer,
    Query(q): Query<ReportQuery>,
) -> Response {
    use axum::http::header;
    use sakip_report::ReportFormat;
    let Some(format) = ReportFormat::from_name(q.format.as_deref().unwrap_or("html")) else {
        return failed(&v, WebError::new(StatusCode::BAD_REQUEST, "format tidak dikenal"));
    };
    let ledger = app.ledger();
    let built = report_params(&ledger, &q, format)
        .and_then(|p| Ok((p, sakip_report::service::render(&ledger, p)?.1)));
    let (params, bytes) = match built {
        Ok(b) => b,
        Err(e) => return failed(&v, e),
    };
    let name = sakip_report::service::default_file_name(&params);
    let kind = match format {
        ReportFormat::Md => "text/markdown; charset=utf-8",
        ReportFormat::Csv => "text/csv; charset=utf-8",
        ReportFormat::Json => "application/json",
        ReportFormat::Html => "text/html; charset=utf-8",
        ReportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ReportFormat::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ReportFormat::Pdf => "application/pdf",
    };
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", name.display()),
            ),
        ],
        bytes,
    )
        .into_response()
}

// ---------------------------------------------------------------- diff

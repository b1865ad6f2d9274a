//! The pages, in Indonesian: compiled askama templates (auto-escaped) fed
//! from `sakip::service`.

use crate::app::{App, WebError};
use crate::auth::session;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sakip::event::{Role, ValueKind};
use sakip::period::Quarter;
use sakip::scoring::Predikat;
use sakip::service::{approvals, entries, history, status, time::KnownAt, time::TimePoint};
use sakip::{numfmt, show::show_value};
use serde::Deserialize;
use std::sync::Arc;

/// What every page's layout shows.
pub struct Layout {
    /// Where this ledger's pages live (`""`, or `/opd/NAME` under a root).
    pub base: String,
    /// The pemda page (its own navigation).
    pub pemda: bool,
    /// The agency's name.
    pub agency: String,
    /// Whether someone is signed in.
    pub signed_in: bool,
    /// Their name.
    pub user: String,
    /// The session's CSRF token (in a meta tag, for the script).
    pub csrf: String,
    /// Their roles, for the navigation.
    pub admin: bool,
    /// May enter realisations.
    pub operator: bool,
    /// May approve.
    pub approver: bool,
}

/// The point a page's year, triwulan and "diketahui per" date name (an
/// empty date is now).
pub(crate) fn time_point(
    year: u16,
    as_of: Quarter,
    known_at: Option<&str>,
    approved_only: bool,
) -> TimePoint {
    TimePoint {
        known_at: match known_at.map(str::trim) {
            None | Some("") => KnownAt::Head,
            Some(t) => KnownAt::Time(t.to_string()),
        },
        approved_only,
        ..TimePoint::quarter(year, as_of)
    }
}

/// The signed-in user of a page request, or a redirect to `/masuk`.
pub(crate) struct Viewer {
    layout: Layout,
    roles: Vec<Role>,
    key: sakip::PublicKey,
}

/// The signed-in user a page is for, taken from the request: a page asked
/// for without a session redirects to the sign-in page instead.
impl axum::extract::FromRequestParts<Arc<App>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Viewer, Response> {
        viewer(app, &parts.headers).map_err(|r| *r)
    }
}

fn viewer(app: &App, headers: &HeaderMap) -> Result<Viewer, Box<Response>> {
    let Some((_, s)) = session(app, headers) else {
        return Err(Box::new(
            Redirect::to(&format!("{}/masuk", app.config.base)).into_response(),
        ));
    };
    let roles = app.roles(&s.key).unwrap_or_default();
    Ok(Viewer {
        layout: Layout {
            base: app.config.base.clone(),
            pemda: false,
            agency: app.agency.clone(),
            signed_in: true,
            user: app.holder(&s.key),
            csrf: s.csrf,
            admin: roles.contains(&Role::Admin),
            operator: roles.contains(&Role::Operator),
            approver: roles.contains(&Role::Approver),
        },
        roles,
        key: s.key,
    })
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "galat.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

fn error_page(layout: Layout, status: StatusCode, title: &str, message: String) -> Response {
    let mut r = render(ErrorPage {
        layout,
        title: title.into(),
        message,
    });
    *r.status_mut() = status;
    r
}

fn need(v: &Viewer, role: Role, what: &str) -> Result<(), Box<Response>> {
    if v.roles.contains(&role) {
        return Ok(());
    }
    Err(Box::new(error_page(
        clone_layout(&v.layout),
        StatusCode::FORBIDDEN,
        "Tidak berwenang",
        format!("Halaman {what} memerlukan peran {}.", role.name()),
    )))
}

fn clone_layout(l: &Layout) -> Layout {
    Layout {
        base: l.base.clone(),
        pemda: l.pemda,
        agency: l.agency.clone(),
        signed_in: l.signed_in,
        user: l.user.clone(),
        csrf: l.csrf.clone(),
        admin: l.admin,
        operator: l.operator,
        approver: l.approver,
    }
}

fn failed(v: &Viewer, e: impl Into<WebError>) -> Response {
    let e = e.into();
    error_page(
        clone_layout(&v.layout),
        e.status,
        "Tidak dapat ditampilkan",
        e.message,
    )
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "masuk.html")]
struct SignInPage {
    layout: Layout,
    origin: String,
}

/// `GET /masuk`: the key in this browser and sign-in.
pub async fn sign_in(State(app): State<Arc<App>>) -> Response {
    render(SignInPage {
        layout: Layout {
            base: app.config.base.clone(),
            pemda: false,
            agency: app.agency.clone(),
            signed_in: false,
            user: String::new(),
            csrf: String::new(),
            admin: false,
            operator: false,
            approver: false,
        },
        origin: app.origin.clone(),
    })
}

// ---------------------------------------------------------------- dashboard

/// One row of the dashboard.
pub struct Row {
    code: String,
    level: String,
    name: String,
    target: String,
    realisasi: String,
    capaian: String,
    /// The capaian for the bar (`<meter>`, 0-150), empty without one.
    bar: String,
    predikat: String,
    class: String,
    approved: String,
}

#[derive(Template)]
#[template(path = "dasbor.html")]
struct Dashboard {
    layout: Layout,
    year: u16,
    as_of: u8,
    as_of_roman: String,
    quarters: Vec<(u8, &'static str)>,
    known_at_input: String,
    known_at_text: String,
    /// What a known-at date rests on (signers' recorded times), when one
    /// is given.
    known_at_basis: String,
    approved_only: bool,
    rows: Vec<Row>,
    means: Vec<String>,
    budget: Option<String>,
}

/// The dashboard's query: year, quarter, known-at date.
#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    tahun: Option<u16>,
    tw: Option<u8>,
    diketahui: Option<String>,
    disetujui: Option<String>,
}

pub(crate) fn predikat_class(p: Option<Predikat>) -> &'static str {
    match p {
        Some(Predikat::SangatTinggi) => "p-sangat-tinggi",
        Some(Predikat::Tinggi) => "p-tinggi",
        Some(Predikat::Sedang) => "p-sedang",
        Some(Predikat::Rendah) => "p-rendah",
        Some(Predikat::SangatRendah) => "p-sangat-rendah",
        None => "",
    }
}

/// `GET /`: the status table at a quarter, as known at a date.
pub async fn dashboard(State(app): State<Arc<App>>, v: Viewer, Query(q): Query<DashboardQuery>) -> Response {
    let ledger = app.ledger();
    let year = match q.tahun {
        Some(y) => y,
        None => match entries::default_year(&ledger) {
            Ok(y) => y,
            Err(e) => return failed(&v, e),
        },
    };
    let as_of = q.tw.and_then(Quarter::new).unwrap_or(Quarter::LAST);
    let known_at_input = q.diketahui.clone().unwrap_or_default();
    let point = time_point(year, as_of, Some(&known_at_input), q.disetujui.is_some());
    let view = match status::status(&ledger, &point, false) {
        Ok(view) => view,
        Err(e) => return failed(&v, e),
    };
    let rows = view
        .states
        .iter()
        .map(|s| Row {
            code: s.indicator.code.clone(),
            level: s.item.level.label().into(),
            name: s.indicator.name.clone(),
            target: s
                .target
                .as_ref()
                .map(|(_, t)| show_value(&s.indicator, &t.value))
                .unwrap_or_else(|| "-".into()),
            realisasi: s
                .realisasi
                .as_ref()
                .map(|r| show_value(&s.indicator, r))
                .unwrap_or_else(|| "belum ada data".into()),
            capaian: match s.capaian.score() {
                Some(c) if status::against_annual(s, as_of) => format!("{}*", numfmt::percent(c)),
                Some(c) => numfmt::percent(c),
                None => s.capaian.note().unwrap_or_default(),
            },
            bar: s
                .capaian
                .score()
                .map(|c| c.round_dp(2).to_string())
                .unwrap_or_default(),
            predikat: s.predikat.map(|p| p.label().to_string()).unwrap_or_default(),
            class: predikat_class(s.predikat).into(),
            approved: match (s.realisasi.is_some(), s.approved) {
                (false, _) => "-",
                (true, true) => "ya",
                (true, false) => "belum",
            }
            .into(),
        })
        .collect();
    let mut means: Vec<String> = view
        .sasaran_means
        .iter()
        .map(|m| {
            format!(
                "Rata-rata {} {}: {} ({})",
                m.code,
                m.name,
                numfmt::percent(m.mean),
                m.predikat.label()
            )
        })
        .collect();
    if let Some(m) = &view.iku_mean {
        means.push(format!(
            "Rata-rata capaian IKU: {} ({})",
            numfmt::percent(m.mean),
            m.predikat.label()
        ));
    }
    let budget = view.budget.as_ref().map(|b| {
        format!(
            "Realisasi anggaran s.d. TW {}: {} dari pagu {} ({})",
            as_of.roman(),
            numfmt::rupiah(b.spent),
            numfmt::rupiah(b.pagu),
            sakip::scoring::serapan(b.spent, b.pagu)
                .map(numfmt::percent)
                .unwrap_or_else(|| "-".into())
        )
    });
    render(Dashboard {
        layout: v.layout,
        year,
        as_of: as_of.number(),
        as_of_roman: as_of.roman().into(),
        quarters: Quarter::ALL.iter().map(|q| (q.number(), q.roman())).collect(),
        known_at_input,
        known_at_text: view.at.known_at_text.clone(),
        known_at_basis: sakip::service::time::known_at_basis(&point)
            .unwrap_or_default()
            .to_string(),
        approved_only: view.at.query.approved_only,
        rows,
        means,
        budget,
    })
}

// ---------------------------------------------------------------- entry

/// An indicator in the entry form.
pub struct IndicatorOption {
    code: String,
    name: String,
    unit: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "entri.html")]
struct EntryPage {
    layout: Layout,
    year: u16,
    indicators: Vec<IndicatorOption>,
}

/// `GET /entri`: the operator's forms (realisation, correction).
pub async fn entry(State(app): State<Arc<App>>, v: Viewer) -> Response {
    if let Err(r) = need(&v, Role::Operator, "entri realisasi") {
        return *r;
    }
    let ledger = app.ledger();
    let year = entries::default_year(&ledger).unwrap_or_default();
    let indicators = match entries::indicators(&ledger, year) {
        Ok(list) => list
            .into_iter()
            .filter(|i| !matches!(i.aggregation, sakip::event::Aggregation::Components(_)))
            .map(|i| IndicatorOption {
                kind: match i.value_kind {
                    ValueKind::Number => "angka",
                    ValueKind::Ratio => "rasio: pembilang dan penyebut",
                    ValueKind::Grade => "nilai huruf",
                    ValueKind::Text => "teks",
                },
                code: i.code,
                name: i.name,
                unit: i.unit,
            })
            .collect(),
        Err(e) => return failed(&v, e),
    };
    render(EntryPage {
        layout: v.layout,
        year,
        indicators,
    })
}

// ---------------------------------------------------------------- approvals

/// A pending entry in the queue.
pub struct PendingRow {
    seq: u64,
    when: String,
    who: String,
    what: String,
}

#[derive(Template)]
#[template(path = "persetujuan.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<PendingRow>,
    own: usize,
}

/// `GET /persetujuan`: the approver's queue, with before -> after.
pub async fn queue(State(app): State<Arc<App>>, v: Viewer) -> Response {
    if let Err(r) = need(&v, Role::Approver, "persetujuan") {
        return *r;
    }
    let ledger = app.ledger();
    let q = match approvals::queue(&ledger, &v.key) {
        Ok(q) => q,
        Err(e) => return failed(&v, e),
    };
    let zone = ledger.time_zone_at(ledger.head().count - 1).unwrap_or_default();
    let rows = q
        .entries
        .iter()
        .map(|p| PendingRow {
            seq: p.event.event.seq,
            when: sakip::clock::format_local(p.event.event.recorded_at, zone),
            who: ledger.author_name(&p.event.event.author),
            what: sakip::service::signing::describe(&ledger, &p.event.event.payload)
                .unwrap_or_else(|_| p.what.clone()),
        })
        .collect();
    render(QueuePage {
        layout: v.layout,
        rows,
        own: q.own,
    })
}

// ---------------------------------------------------------------- history

/// One event in a history.
pub struct HistoryRow {
    seq: u64,
    when: String,
    who: String,
    what: String,
    value: String,
    why: String,
    approval: String,
}

#[derive(Template)]
#[template(path = "riwayat.html")]
struct HistoryPage {
    layout: Layout,
    code: String,
    rows: Vec<HistoryRow>,
}

/// The history's query.
#[derive(Deserialize)]
pub struct HistoryQuery {
    indikator: String,
    tahun: Option<u16>,
}

/// `GET /riwayat?indikator=CODE`: who entered, corrected and approved a
/// figure, and when.
pub async fn history(State(app): State<Arc<App>>, v: Viewer, Query(q): Query<HistoryQuery>) -> Response {
    let ledger = app.ledger();
    let rows = match history::history(&ledger, &q.indikator, q.tahun) {
        Ok(rows) => rows,
        Err(e) => return failed(&v, e),
    };
    let zone = ledger.time_zone_at(ledger.head().count - 1).unwrap_or_default();
    let rows = rows
        .into_iter()
        .map(|r| HistoryRow {
            seq: r.event.event.seq,
            when: sakip::clock::format_local(r.event.event.recorded_at, zone),
            who: ledger.author_name(&r.event.event.author),
            what: r.what,
            value: r.value,
            why: r.why,
            approval: r.approval,
        })
        .collect();
    render(HistoryPage {
        layout: v.layout,
        code: q.indikator,
        rows,
    })
}

// ---------------------------------------------------------------- keys

/// A key in the admin's list.
pub struct KeyRow {
    id: String,
    holder: String,
    roles: String,
    added: u64,
    status: String,
}

#[derive(Template)]
#[template(path = "kunci.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyRow>,
}

/// `GET /kunci`: the keys of the ledger and the form to register one.
pub async fn keys(State(app): State<Arc<App>>, v: Viewer) -> Response {
    if let Err(r) = need(&v, Role::Admin, "kunci dan pengguna") {
        return *r;
    }
    let ledger = app.ledger();
    let mut keys: Vec<KeyRow> = ledger
        .registry()
        .iter()
        .map(|(k, s)| KeyRow {
            id: k.key_id(),
            holder: s.holder.name.clone(),
            roles: sakip::authz::roles_text(&s.roles),
            added: s.added_seq,
            status: match s.revoked_seq {
                Some(at) => format!("dicabut (seq {at})"),
                None => "aktif".into(),
            },
        })
        .collect();
    keys.sort_by_key(|k| k.added);
    render(KeysPage {
        layout: v.layout,
        keys,
    })
}

// ---------------------------------------------------------------- audit

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    origin: String,
    events: u64,
    head: String,
    checkpoint: String,
    year: u16,
    findings: Vec<(&'static str, &'static str, String, String)>,
    kinds: Vec<&'static str>,
    kind: String,
    from: u64,
    limit: usize,
    events_shown: Vec<(u64, String, &'static str, String, String)>,
    /// Every key of the ledger: (id, holder and id), for the author filter.
    authors: Vec<(String, String)>,
    from_given: String,
    author: String,
    period: String,
    since: String,
    until: String,
}

/// The audit page's query: the log's filter.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    jenis: Option<String>,
    dari: Option<u64>,
    oleh: Option<String>,
    periode: Option<String>,
    sejak: Option<String>,
    sampai: Option<String>,
}

/// Events shown per page of the log.
const LOG_PAGE: usize = 100;

/// `GET /audit`: the ledger's size and head, signing a checkpoint, the
/// year's audit findings, and the event log with a kind filter.
pub async fn audit(State(app): State<Arc<App>>, v: Viewer, Query(q): Query<AuditQuery>) -> Response {
    use sakip::service::{audit, events};
    let ledger = app.ledger();
    let head = ledger.head();
    let year = entries::default_year(&ledger).unwrap_or_default();
    let findings = match audit::check(&ledger, Some(year)) {
        Ok(list) => list
            .into_iter()
            .map(|f| {
                (
                    match f.severity {
                        audit::Severity::Warning => "peringatan",
                        audit::Severity::Info => "info",
                    },
                    f.check,
                    f.message,
                    sakip::event::seq_list(&f.events),
                )
            })
            .collect(),
        Err(e) => return failed(&v, e),
    };
    let given = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
    let kind = given(&q.jenis);
    let (author, period, since, until) = (
        given(&q.oleh),
        given(&q.periode),
        given(&q.sejak),
        given(&q.sampai),
    );
    let narrowed = author.is_some() || period.is_some() || since.is_some() || until.is_some();
    let built = (|| -> sakip::Result<events::Filter> {
        Ok(events::Filter {
            // The latest page, or with a search, from the start.
            from: q.dari.unwrap_or(if narrowed {
                0
            } else {
                head.count.saturating_sub(LOG_PAGE as u64)
            }),
            kind: kind.as_deref().map(events::kind_named).transpose()?,
            limit: Some(LOG_PAGE),
            author: author
                .as_deref()
                .map(|a| events::author_named(&ledger, a))
                .transpose()?,
            period: period.as_deref().map(events::period_named).transpose()?,
            since: since
                .as_deref()
                .map(|t| events::time_bound(&ledger, t, false))
                .transpose()?,
            until: until
                .as_deref()
                .map(|t| events::time_bound(&ledger, t, true))
                .transpose()?,
        })
    })();
    let filter = match built {
        Ok(f) => f,
        Err(e) => return failed(&v, e),
    };
    let mut authors: Vec<(u64, String, String)> = ledger
        .registry()
        .iter()
        .map(|(k, s)| {
            (
                s.added_seq,
                k.key_id(),
                format!("{} ({})", s.holder.name, k.key_id()),
            )
        })
        .collect();
    authors.sort();
    let zone = ledger.time_zone_at(head.count - 1).unwrap_or_default();
    let mut shown = Vec::new();
    for e in events::list(&ledger, &filter) {
        match e {
            Ok(e) => shown.push((
                e.event.seq,
                sakip::clock::format_local(e.event.recorded_at, zone),
                e.event.payload.kind().name(),
                ledger.author_name(&e.event.author),
                e.event.payload.summary(),
            )),
            Err(e) => return failed(&v, e),
        }
    }
    render(AuditPage {
        layout: v.layout,
        origin: app.origin.clone(),
        events: head.count,
        head: hex::encode(head.hash.0),
        checkpoint: String::new(),
        year,
        findings,
        kinds: sakip::Kind::ALL.iter().map(|k| k.name()).collect(),
        kind: kind.unwrap_or_default(),
        from: filter.from,
        limit: LOG_PAGE,
        events_shown: shown,
        authors: authors.into_iter().map(|(_, id, label)| (id, label)).collect(),
        from_given: q.dari.map(|d| d.to_string()).unwrap_or_default(),
        author: author.unwrap_or_default(),
        period: period.unwrap_or_default(),
        since: since.unwrap_or_default(),
        until: until.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------- reports

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

/// One indicator that changed between two dates.
pub struct ChangeRow {
    code: String,
    name: String,
    before: String,
    after: String,
    events: Vec<String>,
}

#[derive(Template)]
#[template(path = "beda.html")]
struct DiffPage {
    layout: Layout,
    year: u16,
    as_of: u8,
    quarters: Vec<(u8, &'static str)>,
    a: String,
    b: String,
    a_text: String,
    b_text: String,
    message: String,
    changes: Vec<ChangeRow>,
}

/// The diff's query.
#[derive(Deserialize, Default)]
pub struct DiffQuery {
    tahun: Option<u16>,
    tw: Option<u8>,
    a: Option<String>,
    b: Option<String>,
}

/// `GET /beda?a=DATE&b=DATE`: every indicator whose figures differ between
/// what the ledger knew at two dates, with the events in between.
pub async fn diff(State(app): State<Arc<App>>, v: Viewer, Query(q): Query<DiffQuery>) -> Response {
    let ledger = app.ledger();
    let year = q
        .tahun
        .or_else(|| entries::default_year(&ledger).ok())
        .unwrap_or_default();
    let (a, b) = (q.a.clone().unwrap_or_default(), q.b.clone().unwrap_or_default());
    let as_of = q.tw.and_then(Quarter::new).unwrap_or(Quarter::LAST);
    let mut page = DiffPage {
        layout: clone_layout(&v.layout),
        year,
        as_of: as_of.number(),
        quarters: Quarter::ALL.iter().map(|q| (q.number(), q.roman())).collect(),
        a: a.clone(),
        b: b.clone(),
        a_text: String::new(),
        b_text: String::new(),
        message: String::new(),
        changes: Vec::new(),
    };
    if a.trim().is_empty() || b.trim().is_empty() {
        page.message = "Isi dua tanggal untuk dibandingkan.".into();
        return render(page);
    }
    let as_of_text = format!("{year}-Q{}", as_of.number());
    let d = match history::diff(&ledger, year, Some(&as_of_text), &a, &b) {
        Ok(d) => d,
        Err(e) => return failed(&v, e),
    };
    let zone = ledger.time_zone_at(ledger.head().count - 1).unwrap_or_default();
    page.a_text = d.a.known_at_text.clone();
    page.b_text = d.b.known_at_text.clone();
    if d.changes.is_empty() {
        page.message = format!(
            "Tidak ada indikator yang berbeda antara {} dan {}.",
            page.a_text, page.b_text
        );
    }
    page.changes = d
        .changes
        .iter()
        .map(|c| ChangeRow {
            code: c.b.indicator.code.clone(),
            name: c.b.indicator.name.clone(),
            before: history::brief(c.a.as_ref()),
            after: history::brief(Some(&c.b)),
            events: c
                .events
                .iter()
                .map(|e| {
                    format!(
                        "seq {} {} {}: {}",
                        e.event.seq,
                        sakip::clock::format_local(e.event.recorded_at, zone),
                        ledger.author_name(&e.event.author),
                        sakip::service::signing::describe(&ledger, &e.event.payload)
                            .unwrap_or_else(|_| e.event.payload.summary())
                    )
                })
                .collect(),
        })
        .collect();
    render(page)
}

// ---------------------------------------------------------------- bundle

/// Largest bundle served as a download; a larger ledger is exported with
/// `sakip export` on the server.
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;

/// `GET /audit/bundel`: the audit bundle (`sakip export`: the signed
/// events, their readable form, the registry, the kept checkpoint and the
/// manifest) as one tar file, for an auditor to check away from the server
/// with `sakip verify-bundle` or `tools/verify_bundle.py`.
pub async fn bundle_download(State(app): State<Arc<App>>, v: Viewer) -> Response {
    use axum::http::header;
    let built = (|| -> sakip::Result<(String, Vec<u8>)> {
        let tmp = tempfile::tempdir().map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?;
        let (name, dir) = {
            let ledger = app.ledger();
            let name = format!(
                "sakip-bundel-{}-{}",
                ledger
                    .genesis()?
                    .agency_code
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
                ledger.head().count
            );
            let dir = tmp.path().join(&name);
            sakip::service::audit::export(&ledger, &dir)?;
            (name, dir)
        };
        let size: u64 = std::fs::read_dir(&dir)
            .map_err(|e| sakip::Error::io(&dir, e))?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        if size > MAX_BUNDLE_BYTES {
            return Err(sakip::Error::Refused(format!(
                "the bundle is {size} bytes, more than a download carries here; export it on the server with `sakip export --out DIR`"
            )));
        }
        let mut tar = tar::Builder::new(Vec::new());
        tar.mode(tar::HeaderMode::Deterministic);
        tar.append_dir_all(&name, &dir)
            .and_then(|_| tar.finish())
            .map_err(|e| sakip::Error::io(&dir, e))?;
        let bytes = tar.into_inner().map_err(|e| sakip::Error::io(&dir, e))?;
        Ok((name, bytes))
    })();
    let (name, bytes) = match built {
        Ok(b) => b,
        Err(e) => return failed(&v, e),
    };
    (
        [
            (header::CONTENT_TYPE, "application/x-tar".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.tar\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

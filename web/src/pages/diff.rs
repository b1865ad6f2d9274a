//! What changed between two moments of knowledge (`/beda`).

use super::*;

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

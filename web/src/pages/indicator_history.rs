//! An indicator's history (`/riwayat`).

use super::*;

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

//! The approval queue (`/persetujuan`).

use super::*;

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

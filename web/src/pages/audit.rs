//! The audit page (`/audit`): verification, checkpoints, the log.

use super::*;

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

//! The entry forms (`/entri`).

use super::*;

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

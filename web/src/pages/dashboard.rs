//! The dashboard (`/`): capaian per indicator and the budget.

use super::*;

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

//! `sakip status`: every indicator's target, realisasi, capaian and
//! predikat at a point on both time axes.

use super::query::QueryArgs;
use super::{table, write_csv, CmdResult, Ctx, Format};
use sakip::event::{Level, Polarity, Value};
use sakip::numfmt;
use sakip::period::roman;
use sakip::projection::{self, IndicatorState};
use sakip::report::show_value;
use sakip::scoring;
use serde_json::json;
use std::io::Write;

/// Show the state of every indicator as of a quarter, as known at a time.
///
/// Example: sakip status --year 2021 --as-of 2021-Q3 --known-at 2022-01-10
///
/// --format json prints one object per line per indicator: code, name,
/// level, target, realisasi, capaian, predikat, approved, as_of,
/// known_at_seq (decimal strings with a dot; null where there is no data).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Only the tujuan indicators and the IKU (the capaian table of the LKjIP).
    #[arg(long)]
    pub iku: bool,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let ledger = ctx.open_ledger()?;
    render(ctx, &ledger, args, out)
}

/// The status of an open ledger.
pub fn render(ctx: &Ctx, ledger: &sakip::ledger::Ledger, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format(
        "status",
        &[Format::Table, Format::Json, Format::Jsonl, Format::Csv],
    )?;
    let resolved = args.query.resolve(ledger)?;
    let q = resolved.query;
    let mut states = projection::state(&ledger.index(), &q)?;
    states.sort_by(|a, b| (a.item.level, &a.indicator.code).cmp(&(b.item.level, &b.indicator.code)));
    if args.iku {
        states.retain(|s| s.indicator.iku || (s.item.level == Level::Tujuan && s.target.is_some()));
    }
    match format {
        Format::Json | Format::Jsonl => {
            let mut list = super::JsonList::new(format);
            for s in &states {
                list.push(out, &state_json(s, &q))?;
            }
            list.finish(out)?;
            Ok(())
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = states.iter().map(|s| machine_row(s, &q)).collect();
            write_csv(
                out,
                &[
                    "code",
                    "level",
                    "name",
                    "target",
                    "realisasi",
                    "capaian",
                    "predikat",
                    "approved",
                    "as_of",
                    "known_at_seq",
                ],
                &rows,
            )
        }
        _ => {
            let genesis = ledger.genesis()?;
            writeln!(
                out,
                "{} — status {} s.d. TW {}, diketahui: {}{}",
                genesis.agency_name,
                q.year,
                roman(q.as_of),
                resolved.known_at_text,
                if q.approved_only {
                    ", hanya entri yang disetujui"
                } else {
                    ""
                }
            )?;
            let rows: Vec<Vec<String>> = states.iter().map(|s| display_row(s, q.as_of)).collect();
            out.write_all(
                table(
                    &[
                        "Kode",
                        "Tingkat",
                        "Indikator",
                        "Target",
                        "Realisasi",
                        "Capaian",
                        "Predikat",
                        "Disetujui",
                    ],
                    &rows,
                )
                .as_bytes(),
            )?;
            if states.iter().any(|s| against_annual(s, q.as_of)) {
                writeln!(
                    out,
                    "* diukur terhadap target tahunan: indikator ini tidak punya target TW {}",
                    roman(q.as_of)
                )?;
            }
            write_means(out, &states)?;
            write_budget(out, &ledger.index(), &q)?;
            Ok(())
        }
    }
}

/// The budget as of the quarter, rolled up the plan (`sakip::budget`): the
/// total, then each program.
fn write_budget(
    out: &mut dyn Write,
    r: &dyn sakip::projection::IndexRead,
    q: &projection::Query,
) -> CmdResult {
    let items: Vec<_> = projection::active_items(r, q.year, q.known)?
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    let budget = sakip::budget::Budget::load(r, &items, q)?;
    let (pagu, spent) = budget.total()?;
    if pagu.is_zero() && spent.is_zero() {
        return Ok(());
    }
    writeln!(
        out,
        "Realisasi anggaran s.d. TW {}: {} dari pagu {} ({})",
        roman(q.as_of),
        numfmt::rupiah(spent),
        numfmt::rupiah(pagu),
        scoring::serapan(spent, pagu)
            .map(numfmt::percent)
            .unwrap_or_else(|| "-".into())
    )?;
    for item in items.iter().filter(|i| i.level == Level::Program) {
        let Some(a) = budget.get(&item.code) else { continue };
        let Some(p) = a.pagu else { continue };
        let spent = budget.spent(&item.code).unwrap_or_default();
        writeln!(
            out,
            "  {} {}: {} dari {} ({}; pagu {})",
            item.code,
            clip(&item.name, 50),
            numfmt::rupiah(spent),
            numfmt::rupiah(p.amount),
            scoring::serapan(spent, p.amount)
                .map(numfmt::percent)
                .unwrap_or_else(|| "-".into()),
            p.source.label(Some(Level::Program))
        )?;
    }
    Ok(())
}

/// Mean capaian per sasaran (of its IKU) and overall (of all IKU).
fn write_means(out: &mut dyn Write, states: &[IndicatorState]) -> CmdResult {
    let mut sasaran: Vec<(&str, &str)> = Vec::new();
    for s in states
        .iter()
        .filter(|s| s.indicator.iku && s.item.level == Level::Sasaran)
    {
        if !sasaran.iter().any(|(code, _)| *code == s.item.code) {
            sasaran.push((&s.item.code, &s.item.name));
        }
    }
    for (code, name) in sasaran {
        let scores: Vec<_> = states
            .iter()
            .filter(|s| s.indicator.iku && s.item.code == code)
            .filter_map(|s| s.capaian.score())
            .collect();
        if let Some(mean) = scoring::mean(&scores) {
            writeln!(
                out,
                "Rata-rata {code} {name}: {} ({})",
                numfmt::percent(mean),
                scoring::predikat(mean).label()
            )?;
        }
    }
    let iku: Vec<_> = states
        .iter()
        .filter(|s| s.indicator.iku)
        .filter_map(|s| s.capaian.score())
        .collect();
    if let Some(mean) = scoring::mean(&iku) {
        writeln!(
            out,
            "Rata-rata capaian IKU: {} ({})",
            numfmt::percent(mean),
            scoring::predikat(mean).label()
        )?;
    }
    Ok(())
}

/// Shorten long text for terminal tables.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// Whether a mid-year capaian is measured against the annual target (the
/// quarter has no phasing target): the table marks it.
fn against_annual(s: &IndicatorState, as_of: u8) -> bool {
    as_of < 4 && s.capaian.score().is_some() && matches!(s.target, Some((sakip::event::TargetScope::Year, _)))
}

fn display_row(s: &IndicatorState, as_of: u8) -> Vec<String> {
    let capaian = match s.capaian.score() {
        Some(c) if against_annual(s, as_of) => format!("{}*", numfmt::percent(c)),
        Some(c) => numfmt::percent(c),
        None => s.capaian.note().unwrap_or_default(),
    };
    vec![
        s.indicator.code.clone(),
        s.item.level.label().into(),
        clip(&s.indicator.name, 60),
        s.target
            .as_ref()
            .map(|(_, v)| clip(&show_value(&s.indicator, &v.value), 30))
            .unwrap_or_else(|| "-".into()),
        s.realisasi
            .as_ref()
            .map(|v| clip(&show_value(&s.indicator, v), 30))
            .unwrap_or_else(|| "belum ada data".into()),
        capaian,
        s.predikat.map(|p| p.label().to_string()).unwrap_or_default(),
        if s.approved { "ya" } else { "belum" }.into(),
    ]
}

/// A value for JSON and CSV: decimal strings with a dot; ratios as their
/// percentage with two places.
fn machine_value(v: &Value) -> Option<String> {
    match v {
        Value::Number(d) => Some(d.0.to_string()),
        Value::Ratio {
            numerator,
            denominator,
        } => scoring::ratio_percent(numerator.0, denominator.0).map(|p| numfmt::machine(p, 2)),
        Value::Grade(g) => Some(g.name().into()),
        Value::Text(t) => Some(t.clone()),
    }
}

fn machine_row(s: &IndicatorState, q: &projection::Query) -> Vec<String> {
    vec![
        s.indicator.code.clone(),
        s.item.level.name().into(),
        s.indicator.name.clone(),
        s.target
            .as_ref()
            .and_then(|(_, v)| machine_value(&v.value))
            .unwrap_or_default(),
        s.realisasi.as_ref().and_then(machine_value).unwrap_or_default(),
        s.capaian
            .score()
            .map(|c| numfmt::machine(c, 2))
            .unwrap_or_default(),
        s.predikat.map(|p| p.label().to_string()).unwrap_or_default(),
        s.approved.to_string(),
        format!("{}-Q{}", q.year, q.as_of),
        q.known.to_string(),
    ]
}

fn state_json(s: &IndicatorState, q: &projection::Query) -> serde_json::Value {
    let (numerator, denominator) = match &s.realisasi {
        Some(Value::Ratio {
            numerator,
            denominator,
        }) => (
            Some(numerator.0.normalize().to_string()),
            Some(denominator.0.normalize().to_string()),
        ),
        _ => (None, None),
    };
    let quarters: Vec<serde_json::Value> = s
        .quarters
        .iter()
        .map(|v| match v {
            Some(v) => json!({"value": machine_value(&v.value), "seq": v.seq, "approved": v.approved, "replaced": v.replaced}),
            None => serde_json::Value::Null,
        })
        .collect();
    json!({
        "code": s.indicator.code,
        "name": s.indicator.name,
        "level": s.item.level.name(),
        "item": s.item.code,
        "unit": s.indicator.unit,
        "iku": s.indicator.iku,
        "polarity": match s.indicator.polarity {
            Polarity::HigherIsBetter => "higher",
            Polarity::LowerIsBetter => "lower",
            Polarity::Grade => "grade",
        },
        "target": s.target.as_ref().and_then(|(_, v)| machine_value(&v.value)),
        "target_scope": s.target.as_ref().map(|(scope, _)| scope.to_string()),
        "target_seq": s.target.as_ref().map(|(_, v)| v.seq),
        "realisasi": s.realisasi.as_ref().and_then(machine_value),
        "numerator": numerator,
        "denominator": denominator,
        "annual": s.annual.as_ref().map(|v| json!({"value": machine_value(&v.value), "seq": v.seq, "approved": v.approved, "replaced": v.replaced})),
        "quarters": quarters,
        "capaian": s.capaian.score().map(|c| numfmt::machine(c, 2)),
        "capaian_note": s.capaian.note(),
        "predikat": s.predikat.map(|p| p.label()),
        "approved": s.approved,
        "as_of": format!("{}-Q{}", q.year, q.as_of),
        "known_at_seq": q.known,
        "approved_only": q.approved_only,
    })
}

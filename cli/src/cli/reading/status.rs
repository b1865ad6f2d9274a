//! `sakip status`: every indicator's target, realisasi, capaian and
//! predikat at a point on both time axes.

use crate::cli::query::QueryArgs;
use crate::cli::{table, write_csv, CmdResult, Ctx, Format};
use sakip::numfmt;
use sakip::scoring;
use sakip::service::status::IndicatorState;
use sakip::service::status::{self, against_annual, StatusView};
use sakip::show::show_value;
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
    let ledger = ctx.open_reader()?;
    let done = render(ctx, &ledger, args, out);
    ctx.leave(ledger);
    done
}

/// The status of an open ledger.
pub fn render(ctx: &Ctx, ledger: &sakip::ledger::Ledger, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format(
        "status",
        &[Format::Table, Format::Json, Format::Jsonl, Format::Csv],
    )?;
    let view = status::status(ledger, &args.query.point(), args.iku)?;
    let q = view.at.query;
    match format {
        Format::Json | Format::Jsonl => {
            let mut list = crate::cli::JsonList::new(format);
            for s in &view.states {
                list.push(out, &status::state_json(s, &q))?;
            }
            list.finish(out)?;
            Ok(())
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = view.states.iter().map(|s| status::machine_row(s, &q)).collect();
            write_csv(out, &status::CSV_HEADER, &rows)
        }
        _ => {
            write_table(&view, out)?;
            if let Some(basis) = sakip::service::time::known_at_basis(&args.query.point()) {
                writeln!(out, "Catatan: {basis}")?;
            }
            Ok(())
        }
    }
}

fn write_table(view: &StatusView, out: &mut dyn Write) -> CmdResult {
    let q = view.at.query;
    writeln!(
        out,
        "{} — status {} s.d. TW {}, diketahui: {}{}",
        view.agency_name,
        q.year,
        q.as_of.roman(),
        view.at.known_at_text,
        if q.approved_only {
            ", hanya entri yang disetujui"
        } else {
            ""
        }
    )?;
    let rows: Vec<Vec<String>> = view.states.iter().map(|s| display_row(s, q.as_of)).collect();
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
    if view.states.iter().any(|s| against_annual(s, q.as_of)) {
        writeln!(
            out,
            "* diukur terhadap target tahunan: indikator ini tidak punya target TW {}",
            q.as_of.roman()
        )?;
    }
    for m in &view.sasaran_means {
        writeln!(
            out,
            "Rata-rata {} {}: {} ({})",
            m.code,
            m.name,
            numfmt::percent(m.mean),
            m.predikat.label()
        )?;
    }
    if let Some(m) = &view.iku_mean {
        writeln!(
            out,
            "Rata-rata capaian IKU: {} ({})",
            numfmt::percent(m.mean),
            m.predikat.label()
        )?;
    }
    let Some(b) = &view.budget else { return Ok(()) };
    let serapan = |spent, pagu| {
        scoring::serapan(spent, pagu)
            .map(numfmt::percent)
            .unwrap_or_else(|| "-".into())
    };
    writeln!(
        out,
        "Realisasi anggaran s.d. TW {}: {} dari pagu {} ({})",
        q.as_of.roman(),
        numfmt::rupiah(b.spent),
        numfmt::rupiah(b.pagu),
        serapan(b.spent, b.pagu)
    )?;
    for p in &b.programs {
        writeln!(
            out,
            "  {} {}: {} dari {} ({}; pagu {})",
            p.code,
            clip(&p.name, 50),
            numfmt::rupiah(p.spent),
            numfmt::rupiah(p.pagu),
            serapan(p.spent, p.pagu),
            p.source
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

fn display_row(s: &IndicatorState, as_of: sakip::period::Quarter) -> Vec<String> {
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

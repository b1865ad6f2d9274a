//! `sakip rollup --root DIR`: every OPD of a pemda, summed up.

use super::query::QueryArgs;
use crate::cli::{table, write_csv, CmdResult, Ctx, Format};
use sakip::numfmt;
use sakip::service::rollup;
use std::io::Write;
use std::path::PathBuf;

/// The cross-agency questions, for every OPD ledger under --root (one
/// subdirectory each, as `sakip serve --root` serves them), at an as-of
/// quarter and a known-at time: per OPD its IKU capaian mean and predikat,
/// the IKU per predikat, pagu, spending and serapan, pending approvals and
/// late changes (`audit check`); for the pemda the number of OPDs, the
/// mean, lowest, median and highest IKU mean, OPDs and IKU per predikat,
/// and the serapan of the totals. Each ledger is read as `status` reads it
/// (commands take turns with a running server).
///
/// Example: sakip rollup --root /srv/sakip/kediri --year 2021 --known-at 2022-01-10
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pemda's directory of OPD ledgers.
    #[arg(long)]
    pub root: PathBuf,
    #[command(flatten)]
    pub query: QueryArgs,
}

fn pct(d: Option<sakip::Decimal>) -> String {
    d.map(numfmt::percent).unwrap_or_else(|| "-".into())
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let format = ctx.require_format("rollup", &[Format::Table, Format::Json, Format::Csv])?;
    let point = args.query.point();
    let mut rows = Vec::new();
    for (slug, dir) in crate::cli::opd_ledgers(&args.root)? {
        let ledger = ctx.open_ledger_at(&dir)?;
        rows.push(rollup::agency(&slug, &ledger, &point));
    }
    let r = rollup::rollup(rows);
    if format == Format::Json {
        crate::cli::write_json_line(
            out,
            &serde_json::to_value(&r).map_err(|e| sakip::Error::Internal(e.to_string()))?,
        )?;
        return Ok(());
    }
    let header = [
        "OPD",
        "Nama",
        "Peristiwa",
        "IKU rata-rata",
        "Predikat",
        "IKU ST/T/S/R/SR",
        "Pagu",
        "Realisasi",
        "Serapan",
        "Belum disetujui",
        "Perubahan terlambat",
    ];
    let body: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|a| match &a.error {
            Some(e) => vec![
                a.slug.clone(),
                a.name.clone(),
                a.events.to_string(),
                format!("galat: {e}"),
            ],
            None => vec![
                a.slug.clone(),
                a.name.clone(),
                a.events.to_string(),
                pct(a.iku_mean),
                a.predikat.unwrap_or("-").to_string(),
                a.iku_predikat
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                numfmt::rupiah(a.pagu),
                numfmt::rupiah(a.spent),
                pct(a.serapan),
                a.pending.to_string(),
                a.late_changes.to_string(),
            ],
        })
        .collect();
    if format == Format::Csv {
        return write_csv(out, &header, &body);
    }
    out.write_all(table(&header, &body).as_bytes())?;
    writeln!(
        out,
        "Pemda: {} OPD ({} dengan IKU); rata-rata capaian IKU {} ({}), terendah {}, median {}, tertinggi {}",
        r.agencies,
        r.with_iku,
        pct(r.iku_mean),
        r.predikat.unwrap_or("-"),
        pct(r.iku_min),
        pct(r.iku_median),
        pct(r.iku_max)
    )?;
    writeln!(
        out,
        "OPD per predikat ST/T/S/R/SR: {}; IKU per predikat: {}",
        r.agency_predikat
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("/"),
        r.iku_predikat
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("/")
    )?;
    writeln!(
        out,
        "Anggaran: pagu {}, realisasi {}, serapan {}; belum disetujui {}, perubahan terlambat {}",
        numfmt::rupiah(r.pagu),
        numfmt::rupiah(r.spent),
        pct(r.serapan),
        r.pending,
        r.late_changes
    )?;
    Ok(())
}

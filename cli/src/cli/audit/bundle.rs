//! `sakip export` and `sakip verify-bundle`.

use crate::cli::{CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Export the ledger as a self-describing bundle directory (--out): raw
/// events, decoded JSON lines, the latest checkpoint, a manifest and the
/// format specification. An auditor verifies it with `sakip verify-bundle`
/// or, without this program, with tools/verify_bundle.py.
///
/// Or, with --parquet DIR, export for analytics engines (DuckDB,
/// DataFusion, Trino, Spark): the events, and every indicator's state and
/// the budget of --year at each triwulan, as known now and at each
/// --known-at, partitioned by year, pemda and agency (schema/parquet.md);
/// --root exports every OPD ledger of a pemda. Queries for them are in
/// docs/sql/.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The bundle directory to create.
    #[arg(long, required_unless_present = "parquet", conflicts_with = "parquet")]
    pub out: Option<PathBuf>,
    /// Write Parquet files under DIR instead of a bundle.
    #[arg(long, value_name = "DIR", requires = "year")]
    pub parquet: Option<PathBuf>,
    /// The fiscal year of the states and budget (with --parquet).
    #[arg(long)]
    pub year: Option<u16>,
    /// Export every OPD ledger under DIR (one subdirectory each), instead of
    /// --ledger (with --parquet).
    #[arg(long, value_name = "DIR", requires = "parquet")]
    pub root: Option<PathBuf>,
    /// The pemda partition name (default: the --root directory's name, or
    /// "pemda").
    #[arg(long, requires = "parquet")]
    pub pemda: Option<String>,
    /// Also export the states as known at this date or time (repeatable).
    #[arg(long, requires = "parquet")]
    pub known_at: Vec<String>,
}

fn parquet(ctx: &Ctx, args: &ExportArgs, dir: &std::path::Path, year: u16, out: &mut dyn Write) -> CmdResult {
    let mut ledgers: Vec<(String, PathBuf)> = Vec::new();
    match &args.root {
        Some(root) => ledgers = crate::cli::opd_ledgers(root)?,
        None => {
            let slug = ctx
                .global
                .ledger
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "opd".into());
            ledgers.push((slug, ctx.global.ledger.clone()));
        }
    }
    let pemda = match (&args.pemda, &args.root) {
        (Some(p), _) => p.clone(),
        (None, Some(root)) => root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "pemda".into()),
        (None, None) => "pemda".into(),
    };
    let (mut events, mut states, mut files) = (0, 0, 0);
    for (slug, path) in &ledgers {
        let ledger = ctx.open_ledger_at(path)?;
        let done = sakip_report::analytics::export(&ledger, dir, &pemda, slug, year, &args.known_at)?;
        events += done.events;
        states += done.states;
        files += done.files;
    }
    writeln!(
        out,
        "exported {} of pemda {pemda} to {}: {events} events, {states} indicator states, {files} Parquet files (layout v{})",
        sakip::event::count(ledgers.len(), "agency", "agencies"),
        dir.display(),
        sakip_report::analytics::LAYOUT_VERSION
    )?;
    Ok(())
}

/// Verify an exported bundle offline, without opening any store: every
/// hash, link, signature and rule, the Merkle root and the checkpoint.
#[derive(clap::Args, Debug)]
pub struct VerifyBundleArgs {
    pub bundle: PathBuf,
    /// Require the bundle's checkpoint to be signed by this key (a `.pub`
    /// file; repeat for several, any one suffices). Without it, any active
    /// inspector key of the ledger is accepted.
    #[arg(long, value_name = "FILE.pub")]
    pub trusted_key: Vec<PathBuf>,
    /// A witness whose cosignatures on the bundle's checkpoint are
    /// reported with their times: NAME=FILE.pub (repeatable).
    #[arg(long, value_name = "NAME=FILE.pub")]
    pub witness: Vec<String>,
    /// Require cosignatures by at least N of the --witness keys.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub witness_quorum: usize,
    /// What to check. full: everything `sakip verify` checks of the
    /// events (signatures, chain, time, keys and roles, and the plan rules
    /// of every domain event), and the files, manifest and checkpoint.
    /// chain: the same without the plan rules, which is exactly what
    /// tools/verify_bundle.py checks; use it to compare the two verifiers.
    #[arg(long, value_enum, default_value_t = ScopeArg::Full)]
    pub scope: ScopeArg,
}

/// `verify-bundle --scope`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeArg {
    /// Every check, the plan rules included.
    Full,
    /// The checks of tools/verify_bundle.py: no plan rules.
    Chain,
}

pub fn export(ctx: &Ctx, args: ExportArgs, out: &mut dyn Write) -> CmdResult {
    if let (Some(dir), Some(year)) = (&args.parquet, args.year) {
        return parquet(ctx, &args, dir, year, out);
    }
    let Some(target) = args.out.clone() else {
        return Err(crate::cli::CliError::Usage(
            "export needs --out DIR or --parquet DIR".into(),
        ));
    };
    let ledger = ctx.open_ledger()?;
    let done = sakip::service::audit::export(&ledger, &target)?;
    writeln!(
        out,
        "exported {} events to {}{}",
        done.events,
        target.display(),
        if done.checkpoint {
            " with the latest checkpoint"
        } else {
            " (no checkpoint yet: run `sakip checkpoint`)"
        }
    )?;
    Ok(())
}

pub fn verify_bundle(ctx: &Ctx, args: VerifyBundleArgs, out: &mut dyn Write) -> CmdResult {
    let trusted = crate::cli::audit::files::trusted_keys(&args.trusted_key)?;
    let witnesses = crate::cli::audit::files::witness_keys(&args.witness)?;
    use sakip::service::audit::BundleScope;
    let scope = match args.scope {
        ScopeArg::Full => BundleScope::Full,
        ScopeArg::Chain => BundleScope::Chain,
    };
    let b = sakip::service::audit::verify_bundle_scoped(&args.bundle, &trusted, scope)?;
    let cosigned = crate::cli::witness::cosigned(
        b.checkpoint_note.as_ref(),
        &witnesses,
        args.witness_quorum,
        "the bundle's checkpoint",
    )?;
    writeln!(
        out,
        "{}: bundle of {} ({} events, head {})",
        ctx.paint("intact", "32"),
        b.origin,
        b.verified.events,
        b.verified.head
    )?;
    for note in &b.notes {
        writeln!(out, "note: {note}")?;
    }
    if scope == BundleScope::Chain {
        writeln!(
            out,
            "not checked (--scope chain): the plan rules of domain events; run without --scope for them"
        )?;
    }
    if let Some((size, signers)) = b.checkpoint {
        writeln!(
            out,
            "its checkpoint of {size} events is signed by {} and matches the events",
            signers.join(", ")
        )?;
    }
    crate::cli::witness::print_cosigners(out, &cosigned)?;
    Ok(())
}

/// Rebuild a ledger from an exported bundle, into --ledger DIR (which must
/// not exist yet): the way back from a damaged store. The bundle is verified
/// first; the restored ledger is verified before it is put in place.
#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    pub bundle: PathBuf,
}

pub fn restore(ctx: &Ctx, args: RestoreArgs, out: &mut dyn Write) -> CmdResult {
    let v = sakip::service::audit::restore(&args.bundle, &ctx.global.ledger)?;
    writeln!(
        out,
        "restored {} events from {} into {} (head {}), verified",
        v.events,
        args.bundle.display(),
        ctx.global.ledger.display(),
        v.head
    )?;
    Ok(())
}

//! `sakip demo`: build the reference ledger, verify it, print the 2021
//! capaian table.

use super::query::QueryArgs;
use super::{status, CmdResult, Ctx};
use std::io::Write;
use std::path::PathBuf;

/// Build the reference ledger (BKPSDM Kota Kediri, 2021) in a fresh
/// directory through the public import and record paths, verify it, and
/// print the 2021 status as of TW IV.
///
/// The example keys are written to DIR/keys (mode 0600) so you can act on the
/// demo ledger; they are derived from public seeds and must never sign a
/// real ledger.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to build (default: a new temporary directory, kept afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> CmdResult {
    let dir = match args.dir {
        Some(d) => d,
        None => tempfile::Builder::new()
            .prefix("sakip-demo-")
            .tempdir()
            .map_err(|e| sakip::Error::io(std::env::temp_dir(), e))?
            .keep(),
    };
    if dir.join("ledger").exists() {
        return Err(sakip::Error::Input(format!(
            "{} already holds a demo ledger; remove it or pass another --dir",
            dir.display()
        ))
        .into());
    }
    let built = sakip::example::build(&dir)?;
    let verified = sakip::service::audit::verify(&built.ledger, None)?.verified;
    writeln!(
        out,
        "Reference ledger: {} ({} events; example keys in {})",
        built.ledger_dir.display(),
        built.events,
        built.keys_dir.display()
    )?;
    writeln!(
        out,
        "{}: {} events, head {}\n",
        ctx.paint("intact", "32"),
        verified.events,
        verified.head
    )?;
    let demo_ctx = Ctx {
        global: super::GlobalArgs {
            ledger: built.ledger_dir.clone(),
            format: super::Format::Table,
            ..ctx.global.clone()
        },
        clock: ctx.clock.clone(),
        color: ctx.color,
    };
    status::render(
        &demo_ctx,
        &built.ledger,
        status::Args {
            query: QueryArgs {
                year: 2021,
                as_of: Some("2021-Q4".into()),
                known_at: None,
                known_at_seq: None,
                approved_only: false,
            },
            iku: true,
        },
        out,
    )?;
    writeln!(
        out,
        "\nTry: export SAKIP_LEDGER={}\n     sakip status --year 2021 --known-at 2022-01-10\n     sakip log --kind realisation_corrected",
        built.ledger_dir.display()
    )?;
    Ok(())
}

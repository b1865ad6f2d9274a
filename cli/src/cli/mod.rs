//! The command line: argument parsing, the shared context, output helpers
//! and the mapping of library errors to exit codes. One module per
//! subcommand, grouped by family (`admin/`, `entries/`, `reading/`,
//! `audit/`, `report`, `bench`, `demo`), each a `clap::Args` struct whose
//! doc comment is its help and a `run` function that parses, calls
//! `sakip::service` and renders.

mod admin;
mod args;
mod audit;
mod bench;
mod bench_web;
mod ctx;
mod demo;
mod entries;
mod error;
mod output;
mod reading;
mod report;
mod serve;

use admin::{init, key, rebuild, settings};
use audit::{bundle, checkpoint, tiles, verify, witness};
use entries::{approve, import, record, retire, template};
use reading::{log, query, rollup, show, status};

pub use args::{Cli, ColorChoice, Command, Format, GlobalArgs};
pub use ctx::Ctx;
use ctx::{clock_from_env, use_color};
pub use error::{exit_code, CliError, CmdResult, EXIT_INTEGRITY, EXIT_INTERNAL, EXIT_USAGE};
pub use output::{author_label, is_json, table, write_csv, write_json_line, JsonList, TerminalSafe};

use clap::Parser;
use std::io::{self, Write};
use std::path::PathBuf;

/// Parse, run, and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    install_panic_hook();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        clock_from_env().and_then(|clock| {
            let ctx = Ctx {
                color: use_color(cli.global.color),
                global: cli.global.clone(),
                clock,
            };
            run(&ctx, cli.command)
        })
    }));
    let result = match result {
        Ok(r) => r,
        Err(_) => return panic_exit(),
    };
    let _ = io::stdout().flush();
    match result {
        Ok(()) | Err(CliError::BrokenPipe) => 0,
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}");
            EXIT_USAGE
        }
        Err(CliError::Output(e)) => {
            eprintln!("error: cannot write output: {e}");
            EXIT_INTERNAL
        }
        Err(CliError::Lib(e)) => {
            eprintln!("error: {e}");
            exit_code(&e)
        }
    }
}

/// Where the last panic happened, and whether inside the storage engine.
static PANIC_AT: std::sync::Mutex<Option<(String, bool)>> = std::sync::Mutex::new(None);

/// Record where a panic happened instead of printing a backtrace banner.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        sakip::store::poison();
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let in_engine = info
            .location()
            .is_some_and(|l| sakip::store::is_engine_panic(l.file()));
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut slot) = PANIC_AT.lock() {
            *slot = Some((format!("{msg} at {at}"), in_engine));
        }
    }));
}

/// A panic inside the storage engine means it met bytes it cannot read: an
/// integrity failure (exit 3). Anywhere else it is a bug (exit 4).
fn panic_exit() -> i32 {
    let (what, in_engine) = PANIC_AT.lock().ok().and_then(|s| s.clone()).unwrap_or_default();
    if in_engine {
        eprintln!("error: integrity failure: the store is damaged (the storage engine failed: {what})");
        EXIT_INTEGRITY
    } else {
        eprintln!("error: internal error: {what}; please report it with the command that caused it");
        EXIT_INTERNAL
    }
}

fn run(ctx: &Ctx, command: Command) -> CmdResult {
    let stdout = io::stdout();
    let mut plain = stdout.lock();
    // Human formats go through a filter that shows control characters from
    // ledger text as escapes; JSON escapes them itself, CSV is for files.
    let mut filtered;
    let out: &mut dyn Write = match ctx.global.format {
        Format::Table | Format::Md => {
            filtered = TerminalSafe::new(&mut plain, ctx.color);
            &mut filtered
        }
        _ => &mut plain,
    };
    let result = run_command(ctx, command, out);
    out.flush()?;
    result
}

fn run_command(ctx: &Ctx, command: Command, mut out: &mut dyn Write) -> CmdResult {
    match command {
        Command::Demo(a) => demo::run(ctx, a, &mut out),
        Command::Init(a) => init::run(ctx, a, &mut out),
        Command::Key(a) => key::run(ctx, a, &mut out),
        Command::Import(a) => import::run(ctx, a, &mut out),
        Command::Template(a) => template::run(ctx, a, &mut out),
        Command::Record(a) => record::run(ctx, a, &mut out),
        Command::Correct(a) => record::correct(ctx, a, &mut out),
        Command::Retire(a) => retire::run(ctx, a, &mut out),
        Command::Approve(a) => approve::run(ctx, a, &mut out),
        Command::Status(a) => status::run(ctx, a, &mut out),
        Command::Report(a) => report::run(ctx, a, &mut out),
        Command::Rebuild(a) => rebuild::run(ctx, a, &mut out),
        Command::Checkpoint(a) => checkpoint::checkpoint(ctx, a, &mut out),
        Command::Prove(a) => checkpoint::prove(ctx, a, &mut out),
        Command::VerifyProof(a) => checkpoint::verify_proof(ctx, a, &mut out),
        Command::Witness(a) => witness::run(ctx, a, &mut out),
        Command::Publish(a) => tiles::publish(ctx, a, &mut out),
        Command::Rollup(a) => rollup::run(ctx, a, &mut out),
        Command::Mirror(a) => tiles::mirror(ctx, a, &mut out),
        Command::Export(a) => bundle::export(ctx, a, &mut out),
        Command::VerifyBundle(a) => bundle::verify_bundle(ctx, a, &mut out),
        Command::Restore(a) => bundle::restore(ctx, a, &mut out),
        Command::Log(a) => log::run(ctx, a, &mut out),
        Command::History(a) => audit::inspect::history(ctx, a, &mut out),
        Command::Diff(a) => audit::inspect::diff(ctx, a, &mut out),
        Command::Audit(a) => audit::inspect::run(ctx, a, &mut out),
        Command::Show(a) => show::run(ctx, a, &mut out),
        Command::Settings(a) => settings::run(ctx, a, &mut out),
        Command::Verify(a) => verify::run(ctx, a, &mut out),
        Command::Bench(a) => bench::run(ctx, a, &mut out),
        Command::Serve(a) => serve::run(ctx, a, &mut out),
    }
}

/// What `--force` means for a file a command writes.
pub fn existing(force: bool) -> sakip::fsutil::Existing {
    if force {
        sakip::fsutil::Existing::Replace
    } else {
        sakip::fsutil::Existing::Refuse
    }
}

/// The OPD ledgers of a pemda root, in name order: every subdirectory that
/// holds a ledger, with its name. Refused when there is none.
pub fn opd_ledgers(root: &std::path::Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| sakip::Error::io(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("store").is_dir())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(sakip::Error::Input(format!(
            "{} holds no ledger (a subdirectory per OPD, each made by `sakip init`)",
            root.display()
        ))
        .into());
    }
    dirs.into_iter()
        .map(|d| {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !sakip_web::pemda::is_safe_slug(&name) {
                return Err(sakip::Error::Input(format!(
                    "{}: an OPD directory's name becomes its address (/opd/NAME/) and must be 1 to 64 of A-Z, a-z, 0-9, '-', '_' and '.', not starting with '.'; rename the directory",
                    d.display()
                ))
                .into());
            }
            Ok((name, d))
        })
        .collect()
}

//! The command line: argument parsing, the shared context, output helpers
//! and the mapping of library errors to exit codes. One module per
//! subcommand, grouped by family (`admin/`, `entries/`, `reading/`,
//! `audit/`, `report`, `bench`, `demo`), each a `clap::Args` struct whose
//! doc comment is its help and a `run` function that parses, calls
//! `sakip::service` and renders.

mod admin;
mod audit;
mod bench;
mod bench_web;
mod demo;
mod entries;
mod reading;
mod report;
mod serve;

use admin::{init, key, rebuild, settings};
use audit::{bundle, checkpoint, tiles, verify, witness};
use entries::{approve, import, record, retire, template};
use reading::{log, query, rollup, show, status};

use clap::{Parser, Subcommand, ValueEnum};
use sakip::clock::{Clock, SteppingClock, SystemClock};
use sakip::keys::{self, KeyPair};
use sakip::ledger::Ledger;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Exit code: bad command-line usage (clap's).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the ledger failed an integrity check.
pub const EXIT_INTEGRITY: i32 = sakip::ErrorClass::Integrity.exit_code();
/// Exit code: an internal error.
pub const EXIT_INTERNAL: i32 = sakip::ErrorClass::Internal.exit_code();

/// sakip: a signed, hash-chained, bitemporal ledger for SAKIP performance
/// accountability (Perjanjian Kinerja, realisasi, anggaran, LKjIP).
///
/// Every entry is an Ed25519-signed event chained by SHA-256 into an
/// append-only store; nothing is overwritten. Exit codes: 0 ok, 1 user error
/// or refused event, 2 usage, 3 integrity failure, 4 internal error.
#[derive(Parser, Debug)]
#[command(name = "sakip", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Ledger directory.
    #[arg(long, global = true, env = "SAKIP_LEDGER", default_value = "./sakip-ledger")]
    pub ledger: PathBuf,
    /// Private key file (PKCS#8 PEM, mode 0600) that signs what this command appends.
    #[arg(long, global = true, env = "SAKIP_KEY")]
    pub key: Option<PathBuf>,
    /// Name of an environment variable holding the passphrase of a protected
    /// --key (without it, sakip asks on the terminal).
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Output format (each command lists the formats it supports).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Colour in terminal output; `auto` honours NO_COLOR and whether stdout is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Read from an exported bundle instead of a ledger: it is verified
    /// (as `verify-bundle`) and loaded in memory, and the commands that
    /// only read (status, log, show, history, diff, audit check, audit
    /// replay, report rendering and report verify) answer from it. Commands
    /// that write refuse it.
    #[arg(long, global = true, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
}

/// Output formats. For commands that list things (status, log, key list,
/// history, diff, audit check), `json` is one JSON array and `jsonl` one
/// object per line (JSON Lines); a single result (show, verify, a report)
/// is one JSON document.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    Md,
    Html,
    /// An Excel workbook (reports, with --out).
    Xlsx,
    /// A Word document (reports, with --out).
    Docx,
    /// A PDF document (reports, with --out).
    Pdf,
}

/// When to colour output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Demo(demo::Args),
    Init(init::Args),
    #[command(subcommand)]
    Key(key::KeyCommand),
    #[command(subcommand)]
    Import(import::ImportCommand),
    #[command(subcommand)]
    Template(template::TemplateCommand),
    #[command(subcommand)]
    Record(record::RecordCommand),
    Correct(record::CorrectArgs),
    #[command(subcommand)]
    Retire(retire::RetireCommand),
    Approve(approve::Args),
    Status(status::Args),
    #[command(subcommand)]
    Report(report::ReportCommand),
    Log(log::Args),
    History(audit::inspect::HistoryArgs),
    Diff(audit::inspect::DiffArgs),
    #[command(subcommand)]
    Audit(audit::inspect::AuditCommand),
    Show(show::Args),
    Settings(settings::Args),
    Verify(verify::Args),
    Checkpoint(checkpoint::CheckpointArgs),
    Prove(checkpoint::ProveArgs),
    Export(bundle::ExportArgs),
    #[command(name = "verify-bundle")]
    VerifyBundle(bundle::VerifyBundleArgs),
    Restore(bundle::RestoreArgs),
    #[command(name = "verify-proof")]
    VerifyProof(checkpoint::VerifyProofArgs),
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
    Publish(tiles::PublishArgs),
    Rollup(rollup::Args),
    Mirror(tiles::MirrorArgs),
    Rebuild(rebuild::Args),
    Bench(bench::Args),
    Serve(serve::Args),
}

/// An error at the command layer.
#[derive(Debug)]
pub enum CliError {
    Lib(sakip::Error),
    /// Bad combination of arguments (exit 2).
    Usage(String),
    /// stdout was closed by the reader (exit 0, like ripgrep).
    BrokenPipe,
    /// Any other I/O error on stdout.
    Output(io::Error),
}

impl From<sakip::Error> for CliError {
    fn from(e: sakip::Error) -> Self {
        CliError::Lib(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Output(e)
        }
    }
}

pub type CmdResult = Result<(), CliError>;

/// What every command gets: global flags, the clock and stdout.
pub struct Ctx {
    pub global: GlobalArgs,
    pub clock: Arc<dyn Clock>,
    pub color: bool,
}

impl Ctx {
    /// Open the ledger named by `--ledger`, waiting while another process
    /// has it open. Refused with `--bundle`: a bundle is read-only.
    pub fn open_ledger(&self) -> Result<Ledger, CliError> {
        if self.global.bundle.is_some() {
            return Err(CliError::Usage(
                "--bundle is read-only: it answers status, log, show, history, diff, audit check, audit replay and report rendering; this command needs a ledger (restore the bundle with `sakip restore`)".into(),
            ));
        }
        self.open_ledger_as(false)
    }

    /// The ledger to read from: the verified bundle given by `--bundle`,
    /// loaded in memory, or the ledger named by `--ledger`.
    pub fn open_reader(&self) -> Result<Ledger, CliError> {
        match &self.global.bundle {
            Some(dir) => Ok(sakip::service::audit::open_bundle(dir, &[])?.0),
            None => self.open_ledger_as(false),
        }
    }

    /// Leave a ledger that a read-only command has finished with to the
    /// process's exit instead of closing it: the command has written its
    /// output, nothing was appended, and closing sled frees its page table
    /// entry by entry (about 25 ms at a million events), which the exit
    /// does at once. The OS releases the ledger's lock with the process.
    pub fn leave(&self, ledger: Ledger) {
        std::mem::forget(ledger);
    }

    /// Open the ledger even if a projection rebuild was interrupted.
    pub fn open_ledger_for_rebuild(&self) -> Result<Ledger, CliError> {
        self.open_ledger_as(true)
    }

    /// Open the ledger in `dir` (not --ledger), waiting or taking turns as
    /// `open_ledger` does.
    pub fn open_ledger_at(&self, dir: &std::path::Path) -> Result<Ledger, CliError> {
        self.open_dir(dir, false)
    }

    fn open_ledger_as(&self, rebuilding: bool) -> Result<Ledger, CliError> {
        self.open_dir(&self.global.ledger, rebuilding)
    }

    fn open_dir(&self, dir: &std::path::Path, rebuilding: bool) -> Result<Ledger, CliError> {
        let timeout = lock_wait()?;
        let notify = |dir: &std::path::Path| {
            eprintln!(
                "sakip: {} is open in another sakip process; waiting up to {} s (SAKIP_LOCK_WAIT)",
                dir.display(),
                timeout.as_secs()
            )
        };
        let wait = sakip::store::Wait {
            timeout,
            notify: &notify,
            ask_holder: true,
        };
        Ok(Ledger::open_waiting(dir, self.clock.clone(), wait, rebuilding)?)
    }

    /// The passphrase from `--passphrase-env`, or asked on the terminal.
    pub fn passphrase(&self, prompt: &str) -> Result<String, CliError> {
        if let Some(var) = &self.global.passphrase_env {
            return std::env::var(var).map_err(|_| {
                CliError::Lib(sakip::Error::Input(format!(
                    "--passphrase-env {var}: the variable is not set"
                )))
            });
        }
        if !io::stdin().is_terminal() {
            return Err(CliError::Lib(sakip::Error::Input(
                "a passphrase is needed: give it with --passphrase-env VAR (no terminal to ask on)".into(),
            )));
        }
        rpassword::prompt_password(prompt).map_err(CliError::Output)
    }

    /// The signing key named by `--key`.
    pub fn signer(&self) -> Result<KeyPair, CliError> {
        match &self.global.key {
            Some(path) if keys::is_protected(path).unwrap_or(false) => {
                if self.global.passphrase_env.is_none() && !io::stdin().is_terminal() {
                    // Nobody to ask: the library's error names the file and the way out.
                    return Ok(keys::read_private_with(path, None)?);
                }
                let passphrase = self.passphrase(&format!("Passphrase for {}: ", path.display()))?;
                Ok(keys::read_private_with(path, Some(&passphrase))?)
            }
            Some(path) => Ok(keys::read_private(path)?),
            None => Err(CliError::Lib(sakip::Error::Input(
                "this command signs an event: pass --key FILE (or set SAKIP_KEY)".into(),
            ))),
        }
    }

    /// Refuse a `--format` this command does not support.
    pub fn require_format(&self, command: &str, allowed: &[Format]) -> Result<Format, CliError> {
        let f = self.global.format;
        if allowed.contains(&f) {
            Ok(f)
        } else {
            let names: Vec<_> = allowed
                .iter()
                .map(|a| {
                    a.to_possible_value()
                        .map(|v| v.get_name().to_string())
                        .unwrap_or_default()
                })
                .collect();
            Err(CliError::Usage(format!(
                "`{command}` supports --format {}",
                names.join("|")
            )))
        }
    }

    /// Wrap text in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The clock: the system clock, or a fixed start when `SAKIP_NOW` is set
/// (for reproducible builds and tests, like SOURCE_DATE_EPOCH).
fn clock_from_env() -> Result<Arc<dyn Clock>, CliError> {
    match std::env::var("SAKIP_NOW") {
        Ok(text) => {
            let start = sakip::clock::parse_time(&text).ok_or_else(|| {
                CliError::Usage(format!(
                    "SAKIP_NOW={text} is not a time (use RFC 3339, e.g. 2022-01-10T09:00:00+07:00)"
                ))
            })?;
            Ok(Arc::new(SteppingClock::new(start, chrono::TimeDelta::zero())))
        }
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

/// How long a command waits for a ledger another process has open:
/// `SAKIP_LOCK_WAIT` seconds (default 60; 0 fails at once).
fn lock_wait() -> Result<std::time::Duration, CliError> {
    match std::env::var("SAKIP_LOCK_WAIT") {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map(std::time::Duration::from_secs)
            .map_err(|_| CliError::Usage(format!("SAKIP_LOCK_WAIT={text} is not a number of seconds"))),
        Err(_) => Ok(std::time::Duration::from_secs(60)),
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

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

/// The exit code of a library error.
pub fn exit_code(e: &sakip::Error) -> i32 {
    e.class().exit_code()
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

/// Render rows as an aligned text table with a header.
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

pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    // Every cell on its own row: a newline in a reason is shown, not obeyed.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| sakip::textsafe::table_cell(c).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.chars().count())));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(|c| c.as_str()).collect()));
        out.push('\n');
    }
    out
}

/// Write rows as CSV with a header.
pub fn write_csv(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> CmdResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(csv_err)?;
    for row in rows {
        w.write_record(row.iter().map(|c| sakip::textsafe::csv_cell(c).into_owned()))
            .map_err(csv_err)?;
    }
    w.flush()?;
    Ok(())
}

fn csv_err(e: csv::Error) -> CliError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => CliError::Output(io::Error::other(format!("{other:?}"))),
    }
}

/// A listing in JSON: one array (`--format json`), written as it goes, or
/// one object per line (`--format jsonl`).
pub struct JsonList {
    lines: bool,
    count: usize,
}

impl JsonList {
    pub fn new(format: Format) -> JsonList {
        JsonList {
            lines: format == Format::Jsonl,
            count: 0,
        }
    }

    /// Write the next item.
    pub fn push(&mut self, out: &mut dyn Write, value: &serde_json::Value) -> CmdResult {
        if !self.lines {
            out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        }
        serde_json::to_writer(&mut *out, value).map_err(|e| CliError::Output(e.into()))?;
        if self.lines {
            out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Close the array.
    pub fn finish(self, out: &mut dyn Write) -> CmdResult {
        if !self.lines {
            out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    }
}

/// Whether a format is JSON (`json` or `jsonl`).
pub fn is_json(format: Format) -> bool {
    matches!(format, Format::Json | Format::Jsonl)
}

/// Write one JSON value on its own line.
pub fn write_json_line(out: &mut dyn Write, value: &serde_json::Value) -> CmdResult {
    serde_json::to_writer(&mut *out, value).map_err(|e| CliError::Output(e.into()))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// "name (key id)" for an author, from the ledger's registry.
pub fn author_label(ledger: &Ledger, key: &sakip::event::PublicKey) -> String {
    ledger.author_name(key)
}

/// A line-buffered writer that writes unsafe characters of every line as
/// visible escapes (`sakip::textsafe::terminal`). With colour on, the only
/// escape sequences let through are the colours `Ctx::paint` writes.
pub struct TerminalSafe<'a> {
    inner: &'a mut dyn Write,
    color: bool,
    line: Vec<u8>,
}

impl<'a> TerminalSafe<'a> {
    pub fn new(inner: &'a mut dyn Write, color: bool) -> TerminalSafe<'a> {
        TerminalSafe {
            inner,
            color,
            line: Vec::new(),
        }
    }

    fn emit(&mut self) -> io::Result<()> {
        const COLOURS: [&str; 4] = ["\x1b[0m", "\x1b[32m", "\x1b[33m", "\x1b[36m"];
        let text = String::from_utf8_lossy(&self.line);
        if !text.chars().any(sakip::textsafe::is_unsafe_char) {
            self.inner.write_all(text.as_bytes())?;
            self.line.clear();
            return Ok(());
        }
        let mut out = String::with_capacity(text.len());
        let mut rest: &str = &text;
        while !rest.is_empty() {
            if self.color {
                if let Some(c) = COLOURS.iter().find(|c| rest.starts_with(*c)) {
                    out.push_str(c);
                    rest = &rest[c.len()..];
                    continue;
                }
            }
            let ch = rest.chars().next().expect("not empty");
            out.push_str(&sakip::textsafe::terminal(ch.encode_utf8(&mut [0u8; 4])));
            rest = &rest[ch.len_utf8()..];
        }
        self.inner.write_all(out.as_bytes())?;
        self.line.clear();
        Ok(())
    }
}

impl Write for TerminalSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for chunk in buf.split_inclusive(|b| *b == b'\n') {
            self.line.extend_from_slice(chunk);
            if chunk.ends_with(b"\n") {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit()?;
        }
        self.inner.flush()
    }
}

//! What every command gets: the global flags, the clock, whether to colour,
//! and how to open the ledger, read the signing key and ask a passphrase.

use super::{CliError, ColorChoice, Format, GlobalArgs};
use clap::ValueEnum;
use sakip::clock::{Clock, SteppingClock, SystemClock};
use sakip::keys::{self, KeyPair};
use sakip::ledger::Ledger;
use std::io::{self, IsTerminal};
use std::sync::Arc;

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
pub(super) fn clock_from_env() -> Result<Arc<dyn Clock>, CliError> {
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
pub(super) fn lock_wait() -> Result<std::time::Duration, CliError> {
    match std::env::var("SAKIP_LOCK_WAIT") {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map(std::time::Duration::from_secs)
            .map_err(|_| CliError::Usage(format!("SAKIP_LOCK_WAIT={text} is not a number of seconds"))),
        Err(_) => Ok(std::time::Duration::from_secs(60)),
    }
}

pub(super) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

//! Errors at the command layer and the exit codes they end in.

use std::io;

/// Exit code: bad command-line usage (clap's).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the ledger failed an integrity check.
pub const EXIT_INTEGRITY: i32 = sakip::ErrorClass::Integrity.exit_code();
/// Exit code: an internal error.
pub const EXIT_INTERNAL: i32 = sakip::ErrorClass::Internal.exit_code();

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

/// The exit code of a library error.
pub fn exit_code(e: &sakip::Error) -> i32 {
    e.class().exit_code()
}

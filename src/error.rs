//! The library's error type. Every error a user can cause names what was
//! wrong and where (file, line, field or seq); the binary maps the families
//! to exit codes (user error 1, integrity failure 3, internal 4).

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user: a value, a file, a flag combination.
    #[error("{0}")]
    Input(String),

    /// An event that the ledger's rules forbid (role, revoked key, reference
    /// to a missing event). Nothing was appended.
    #[error("refused: {0}")]
    Refused(String),

    /// The stored ledger is not what was written: a hash, link, signature or
    /// authorization check failed. `seq` is the first bad event when known.
    #[error("integrity failure{}: {reason}", seq.map(|s| format!(" at seq {s}")).unwrap_or_default())]
    Integrity {
        /// The first bad event, when known.
        seq: Option<u64>,
        /// What is wrong.
        reason: String,
    },

    /// The signer may not append this event: an unregistered or revoked
    /// key, a missing role, a decision on its own entry. Nothing was
    /// appended.
    #[error("refused: {0}")]
    Unauthorized(String),

    /// Something asked for by name or number does not exist (a key id, an
    /// event, an indicator).
    #[error("{0}")]
    NotFound(String),

    /// Another process holds the ledger open.
    #[error("ledger in use: {} is open in another process (only one process may open a ledger at a time)", path.display())]
    InUse {
        /// The ledger directory.
        path: PathBuf,
    },

    /// A key file that cannot be used.
    #[error("key file {}: {reason}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// An I/O error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// An error from the embedded store that is not a detected corruption.
    #[error("store error: {0}")]
    Store(String),

    /// A bug: something the code should never meet (a value that does not
    /// encode, an invariant broken in memory).
    #[error("internal error: {0}")]
    Internal(String),

    /// A prepared event was submitted after the ledger moved on: it was
    /// prepared as event `prepared`, the ledger now holds `head` events.
    /// Nothing was appended; prepare it again (and show it again before it
    /// is signed).
    #[error("the ledger moved on: the event was prepared as seq {prepared}, and the ledger now holds {head} events; prepare it again")]
    Conflict {
        /// The seq the event was prepared as.
        prepared: u64,
        /// The number of events the ledger now holds.
        head: u64,
    },
}

/// The family of an error: what a front end does about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad input: fix it and try again.
    Input,
    /// Something named does not exist.
    NotFound,
    /// A domain rule refuses the event.
    Refused,
    /// The signer may not do this.
    Unauthorized,
    /// The ledger moved on since the event was prepared: prepare again.
    Conflict,
    /// Another process has the ledger open: wait and try again.
    Busy,
    /// The stored ledger is not what was written.
    Integrity,
    /// A bug or a failure of the machine (disk, store).
    Internal,
}

impl ErrorClass {
    /// The `sakip` command's exit code for this class: 1 for anything the
    /// user can fix, 3 for an integrity failure, 4 for an internal error.
    /// (2, bad usage, is clap's.)
    pub const fn exit_code(self) -> i32 {
        match self {
            ErrorClass::Input
            | ErrorClass::NotFound
            | ErrorClass::Refused
            | ErrorClass::Unauthorized
            | ErrorClass::Conflict
            | ErrorClass::Busy => 1,
            ErrorClass::Integrity => 3,
            ErrorClass::Internal => 4,
        }
    }

    /// The HTTP status a server answers with for this class.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorClass::Input => 400,
            ErrorClass::Unauthorized => 403,
            ErrorClass::NotFound => 404,
            ErrorClass::Conflict => 409,
            ErrorClass::Refused => 422,
            ErrorClass::Busy => 503,
            ErrorClass::Integrity | ErrorClass::Internal => 500,
        }
    }
}

impl Error {
    /// This error's family.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Input(_) | Error::KeyFile { .. } | Error::Io { .. } => ErrorClass::Input,
            Error::NotFound(_) => ErrorClass::NotFound,
            Error::Refused(_) => ErrorClass::Refused,
            Error::Unauthorized(_) => ErrorClass::Unauthorized,
            Error::Conflict { .. } => ErrorClass::Conflict,
            Error::InUse { .. } => ErrorClass::Busy,
            Error::Integrity { .. } => ErrorClass::Integrity,
            Error::Store(_) | Error::Internal(_) => ErrorClass::Internal,
        }
    }

    /// Shorthand for an integrity failure at a known seq.
    pub fn integrity(seq: u64, reason: impl std::fmt::Display) -> Self {
        Error::Integrity {
            seq: Some(seq),
            reason: reason.to_string(),
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<crate::period::PeriodError> for Error {
    fn from(e: crate::period::PeriodError) -> Self {
        Error::Input(e.to_string())
    }
}

impl From<crate::numfmt::NumberError> for Error {
    fn from(e: crate::numfmt::NumberError) -> Self {
        Error::Input(e.to_string())
    }
}

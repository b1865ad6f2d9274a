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
    Integrity { seq: Option<u64>, reason: String },

    /// Another process holds the ledger open.
    #[error("ledger in use: {} is open in another process (only one process may open a ledger at a time)", path.display())]
    InUse { path: PathBuf },

    /// A key file that cannot be used.
    #[error("key file {}: {reason}", path.display())]
    KeyFile { path: PathBuf, reason: String },

    /// An I/O error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
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
    Conflict { prepared: u64, head: u64 },
}

impl Error {
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

//! The state of the background verification (`verifikasi.rs` runs it, the
//! application holds it, the audit page shows it).

use serde::Serialize;

/// The state of the last verification, as the page shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Run {
    /// Whether one is running.
    pub berjalan: bool,
    /// Events checked so far.
    pub diperiksa: u64,
    /// Events in the ledger when the last run was read.
    pub jumlah: u64,
    /// Who started it.
    pub oleh: String,
    /// When it started (UTC).
    pub mulai: String,
    /// When it finished (UTC).
    pub selesai: String,
    /// What it found: the ledger is intact, with the figures.
    pub hasil: Option<String>,
    /// What it found: the first integrity failure.
    pub galat: Option<String>,
}

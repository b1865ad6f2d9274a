//! The two time axes on the command line, shared by `status` and reports:
//! `--as-of` (valid time) and `--known-at` / `--known-at-seq` (recorded time).

use sakip::service::time::{KnownAt, TimePoint};

/// Which state to show.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// Fiscal year (tahun anggaran).
    #[arg(long)]
    pub year: u16,
    /// The quarter the figures are about: 2021-Q3, 2021-TW3 or "TW III 2021" (default: TW IV).
    #[arg(long)]
    pub as_of: Option<String>,
    /// What the ledger knew at this time: 2022-01-10 (the end of that day in the agency's time zone) or RFC 3339 (default: now).
    #[arg(long, conflicts_with = "known_at_seq")]
    pub known_at: Option<String>,
    /// What the ledger knew after this seq.
    #[arg(long)]
    pub known_at_seq: Option<u64>,
    /// Count only entries an approver has approved.
    #[arg(long)]
    pub approved_only: bool,
}

impl QueryArgs {
    /// The time point these flags name.
    pub fn point(&self) -> TimePoint {
        TimePoint {
            year: self.year,
            as_of: self.as_of.clone(),
            known_at: match (&self.known_at, self.known_at_seq) {
                (Some(text), _) => KnownAt::Time(text.clone()),
                (None, Some(seq)) => KnownAt::Seq(seq),
                (None, None) => KnownAt::Head,
            },
            approved_only: self.approved_only,
        }
    }
}

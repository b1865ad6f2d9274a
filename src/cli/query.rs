//! The two time axes on the command line, shared by `status` and reports:
//! `--as-of` (valid time) and `--known-at` / `--known-at-seq` (recorded time).

use super::CliError;
use sakip::clock::{format_local, parse_time_in};
use sakip::ledger::Ledger;
use sakip::projection::Query;

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

/// A resolved query with a description of its recorded-time point.
pub struct Resolved {
    pub query: Query,
    pub known_at_text: String,
}

impl QueryArgs {
    /// Resolve against a ledger.
    pub fn resolve(&self, ledger: &Ledger) -> Result<Resolved, CliError> {
        let as_of = match &self.as_of {
            None => 4,
            Some(text) => {
                // A value that does not parse is bad input (exit 1), as a bad
                // period in `record` or an import is; exit 2 is for the
                // command line's shape.
                let p = sakip::period::parse_quarter(text)
                    .map_err(|e| sakip::Error::Input(format!("--as-of: {e}")))?;
                if p.year != self.year {
                    return Err(sakip::Error::Input(format!(
                        "--as-of {text} is not in --year {}",
                        self.year
                    ))
                    .into());
                }
                p.quarter
            }
        };
        let head = ledger.head();
        let zone = ledger.time_zone_at(head.count - 1)?;
        let (known, known_at_text) = match (&self.known_at, self.known_at_seq) {
            (Some(text), _) => {
                let t = parse_time_in(text, zone.offset_secs()).ok_or_else(|| {
                    sakip::Error::Input(format!(
                        "--known-at '{text}' is not a date or time (e.g. 2022-01-10)"
                    ))
                })?;
                let seq = ledger.seq_at_time(t.timestamp_micros())?.ok_or_else(|| {
                    sakip::Error::Input(format!("nothing was recorded in this ledger by {text}"))
                })?;
                (
                    seq,
                    format!("{} (seq {seq})", format_local(t.timestamp_micros(), zone)),
                )
            }
            (None, Some(seq)) => {
                if seq >= head.count {
                    return Err(sakip::Error::Input(format!(
                        "--known-at-seq {seq}: the ledger has events 0..{}",
                        head.count - 1
                    ))
                    .into());
                }
                (seq, format!("seq {seq}"))
            }
            (None, None) => (head.count - 1, format!("sekarang (seq {})", head.count - 1)),
        };
        Ok(Resolved {
            query: Query {
                year: self.year,
                as_of,
                known,
                approved_only: self.approved_only,
            },
            known_at_text,
        })
    }
}

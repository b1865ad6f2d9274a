//! The two time axes as a front end receives them: a year, an as-of
//! quarter (valid time) and a known-at point (recorded time), resolved
//! against a ledger into a [`Query`].

use crate::clock::{format_local, parse_time_in};
use crate::ledger::Ledger;
use crate::period::Quarter;
use crate::projection::Query;
use crate::{Error, Result};

/// Recorded time: what the ledger knew.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum KnownAt {
    /// Everything recorded so far.
    #[default]
    Head,
    /// Everything up to and including this seq.
    Seq(u64),
    /// Everything recorded by this time: a date (the end of that day in
    /// the agency's time zone) or an RFC 3339 time, as typed.
    Time(String),
}

/// A point on both time axes, as typed by a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimePoint {
    /// Fiscal year.
    pub year: u16,
    /// The quarter the figures are about, as typed (`2021-Q3`, `TW III
    /// 2021`); `None` for TW IV.
    pub as_of: Option<String>,
    /// What the ledger knew.
    pub known_at: KnownAt,
    /// Count only approved entries.
    pub approved_only: bool,
}

/// A resolved point, with its recorded-time point in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The query the projection answers.
    pub query: Query,
    /// "2022-01-10 23:59:59 WIB (seq 254)", "seq 254", "sekarang (seq 311)".
    pub known_at_text: String,
}

impl TimePoint {
    /// The year as known now, TW IV.
    pub fn year(year: u16) -> TimePoint {
        TimePoint {
            year,
            as_of: None,
            known_at: KnownAt::Head,
            approved_only: false,
        }
    }

    /// The year as of triwulan `quarter`, as known now.
    pub fn quarter(year: u16, quarter: crate::period::Quarter) -> TimePoint {
        TimePoint {
            as_of: Some(format!("{year}-Q{}", quarter.number())),
            ..TimePoint::year(year)
        }
    }

    /// Resolve against a ledger: parse the quarter, find the seq of a
    /// known-at time in the agency's time zone.
    pub fn resolve(&self, ledger: &Ledger) -> Result<Resolved> {
        let as_of = match &self.as_of {
            None => Quarter::LAST,
            Some(text) => {
                let p =
                    crate::period::parse_quarter(text).map_err(|e| Error::Input(format!("--as-of: {e}")))?;
                if p.year != self.year {
                    return Err(Error::Input(format!(
                        "--as-of {text} is not in --year {}",
                        self.year
                    )));
                }
                p.quarter().unwrap_or(Quarter::LAST)
            }
        };
        let head = ledger.head();
        let last = head.count - 1;
        let zone = ledger.time_zone_at(last)?;
        let (known, known_at_text) = match &self.known_at {
            KnownAt::Time(text) => {
                let t = parse_time_in(text, zone.offset_secs()).ok_or_else(|| {
                    Error::Input(format!(
                        "--known-at '{text}' is not a date or time (e.g. 2022-01-10)"
                    ))
                })?;
                let seq = ledger
                    .seq_at_time(t.timestamp_micros())?
                    .ok_or_else(|| Error::Input(format!("nothing was recorded in this ledger by {text}")))?;
                // A moment that has not come yet is answered as now, and
                // said so: it is not a past state of knowledge, and the
                // answer will change as events are appended.
                let text = if t > ledger.wall() {
                    format!(
                        "sekarang (seq {seq}; {} belum tiba)",
                        format_local(t.timestamp_micros(), zone)
                    )
                } else {
                    format!("{} (seq {seq})", format_local(t.timestamp_micros(), zone))
                };
                (seq, text)
            }
            KnownAt::Seq(seq) => {
                if *seq > last {
                    return Err(Error::Input(format!(
                        "--known-at-seq {seq}: the ledger has events 0..{last}"
                    )));
                }
                (*seq, format!("seq {seq}"))
            }
            KnownAt::Head => (last, format!("sekarang (seq {last})")),
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

/// What a known-at answer rests on, said where it is shown: a date or time
/// selects the events by the times their signers recorded, which are the
/// signers' claims; only a checkpoint cosigned by a witness bounds them from
/// outside (`sakip audit check --checkpoint FILE --witness NAME=FILE.pub`
/// reports events backdated before one). `None` for an answer at the head
/// or at a seq, which rest on the chain alone.
pub fn known_at_basis(point: &TimePoint) -> Option<&'static str> {
    match point.known_at {
        KnownAt::Time(_) => Some(
            "batas \"diketahui\" memakai waktu pencatatan yang dinyatakan penanda tangan; checkpoint bersaksi membatasinya dari luar (sakip audit check --checkpoint BERKAS --witness NAMA=BERKAS.pub)",
        ),
        KnownAt::Seq(_) | KnownAt::Head => None,
    }
}

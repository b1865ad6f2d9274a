//! The events themselves: listing with filters, and the JSON shape of one
//! event, which `log --format json`, `show` and a bundle's `events.jsonl`
//! share (schema/bundle.md).

use crate::event::{Kind, PeriodRef, PublicKey};
use crate::ledger::{Ledger, StoredEvent};
use crate::{Error, Result};

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// First seq.
    pub from: u64,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// At most this many.
    pub limit: Option<usize>,
    /// Only events signed by this key.
    pub author: Option<PublicKey>,
    /// Only events about this period: a quarter exactly, or with a year
    /// (quarter 0) every event about that year.
    pub period: Option<PeriodRef>,
    /// Only events recorded at or after this time (µs since the epoch).
    pub since: Option<i64>,
    /// Only events recorded at or before this time (µs since the epoch).
    pub until: Option<i64>,
}

impl Filter {
    /// Whether `e` passes every condition but `from`, `kind` and `limit`.
    pub fn matches(&self, e: &StoredEvent) -> bool {
        let ev = &e.event;
        self.author.is_none_or(|a| a == ev.author)
            && self.since.is_none_or(|t| ev.recorded_at >= t)
            && self.until.is_none_or(|t| ev.recorded_at <= t)
            && self.period.is_none_or(|want| {
                ev.payload
                    .period()
                    .is_some_and(|p| p.year == want.year && (want.quarter == 0 || p.quarter == want.quarter))
            })
    }
}

/// A key by its id (at least 8 hex digits) or its 64-hex-digit public key,
/// among the ledger's keys.
pub fn author_named(ledger: &Ledger, text: &str) -> Result<PublicKey> {
    let text = text.trim();
    if let Some(k) = hex::decode(text).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) {
        return Ok(PublicKey(k));
    }
    ledger.registry().find(text)
}

/// A period as a user types it (`2022-Q1`, `TW I 2022`, `2022`).
pub fn period_named(text: &str) -> Result<PeriodRef> {
    crate::period::parse(text).map_err(|e| Error::Input(e.to_string()))
}

/// A bound of a date filter as a user types it: a date (`2022-01-10`) is
/// the start of that day for `since` and its end for `until`, in the
/// ledger's zone; a time as [`crate::clock::parse_time_in`] reads it.
pub fn time_bound(ledger: &Ledger, text: &str, until: bool) -> Result<i64> {
    let zone = ledger.time_zone_at(ledger.head().count.saturating_sub(1))?;
    let text = text.trim();
    let bad = || {
        Error::Input(format!(
            "'{text}' is not a date or time (e.g. 2022-01-10 or 2022-01-10T09:00)"
        ))
    };
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let offset = chrono::FixedOffset::east_opt(zone.offset_secs()).ok_or_else(bad)?;
        let start = day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .ok_or_else(bad)?
            .timestamp_micros();
        return Ok(if until { start + 86_400_000_000 - 1 } else { start });
    }
    crate::clock::parse_time_in(text, zone.offset_secs())
        .map(|t| t.timestamp_micros())
        .ok_or_else(bad)
}

/// A kind by its name, or an input error that lists the names.
pub fn kind_named(name: &str) -> Result<Kind> {
    Kind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        Error::Input(format!(
            "unknown event kind '{name}' (one of: {})",
            names.join(", ")
        ))
    })
}

/// The events `filter` selects, in seq order.
pub fn list<'a>(ledger: &'a Ledger, filter: &Filter) -> Box<dyn Iterator<Item = Result<StoredEvent>> + 'a> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    let all: Box<dyn Iterator<Item = Result<StoredEvent>> + 'a> = match filter.kind {
        Some(k) => Box::new(ledger.events_of_kind(k, filter.from)),
        None => Box::new(ledger.events_from(filter.from)),
    };
    let f = filter.clone();
    Box::new(
        all.filter(move |e| e.as_ref().map_or(true, |e| f.matches(e)))
            .take(limit),
    )
}

/// One event by its seq or its 64-hex-digit hash.
pub fn find(ledger: &Ledger, id: &str) -> Result<StoredEvent> {
    let found = match id.parse::<u64>() {
        Ok(seq) => ledger.event(seq)?,
        Err(_) => {
            let bytes = hex::decode(id)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| Error::Input(format!("'{id}' is neither a seq nor a 64-digit event hash")))?;
            ledger.event_by_hash(&crate::event::EventHash(bytes))?
        }
    };
    found.ok_or_else(|| Error::NotFound(format!("no event {id} in this ledger")))
}

pub use crate::bundle::event_json;

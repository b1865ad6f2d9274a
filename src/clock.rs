//! The injected clock. Transaction time (`recorded_at`) comes only from a
//! [`Clock`], so tests and reproducible builds fix it.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Mutex;

/// How far a recorded time may lie ahead of this machine's clock: enough
/// for two machines whose clocks drift apart a little, far too little to
/// stamp an event tomorrow.
pub const FUTURE_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The time an event appended now records.
    fn now(&self) -> DateTime<Utc>;

    /// This machine's own clock, against which recorded times are bounded
    /// (no event may be recorded later than `wall() + FUTURE_MARGIN`). A
    /// clock fixed for reproducible builds still answers the real time here.
    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a fixed time and advances by a fixed step on every
/// reading; deterministic, for tests and for building reference ledgers.
#[derive(Debug)]
pub struct SteppingClock {
    next: Mutex<DateTime<Utc>>,
    step: TimeDelta,
    wall: Option<DateTime<Utc>>,
}

impl SteppingClock {
    /// A clock whose first reading is `start`, then `start + step`, ...
    pub fn new(start: DateTime<Utc>, step: TimeDelta) -> Self {
        SteppingClock {
            next: Mutex::new(start),
            step,
            wall: None,
        }
    }

    /// The same clock, with this machine's clock fixed at `wall` too (tests
    /// of the future-time rule).
    pub fn with_wall(mut self, wall: DateTime<Utc>) -> Self {
        self.wall = Some(wall);
        self
    }

    /// Move the clock to `at` (the next reading returns `at`).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.next.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let now = *next;
        *next = now + self.step;
        now
    }

    fn wall(&self) -> DateTime<Utc> {
        self.wall.unwrap_or_else(Utc::now)
    }
}

/// Render microseconds since the epoch as RFC 3339 UTC.
pub fn format_micros(micros: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(micros) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => format!("{micros}µs"),
    }
}

/// A stored time as people read it in the agency's zone:
/// `25/02/2022 14.30 WIB`.
pub fn format_local(micros: i64, zone: crate::event::TimeZone) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_micros(micros) else {
        return format!("{micros}µs");
    };
    match chrono::FixedOffset::east_opt(zone.offset_secs()) {
        Some(offset) => format!(
            "{} {}",
            t.with_timezone(&offset).format("%d/%m/%Y %H.%M"),
            zone.name()
        ),
        None => format_micros(micros),
    }
}

/// The UTC offset of WIB (Waktu Indonesia Barat), used for date-only input.
pub const WIB_OFFSET_SECS: i32 = 7 * 3600;

/// Parse a point in time given by a user: RFC 3339 (`2022-01-10T09:00:00+07:00`),
/// a local date-time without offset (taken as WIB, UTC+7), or a date
/// (`2022-01-10`, taken as the end of that day in WIB, so "known at 10
/// January" includes everything recorded that day).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    parse_time_in(text, WIB_OFFSET_SECS)
}

/// [`parse_time`] with a local time or date read at `offset_secs` east of
/// UTC (the agency's zone: WIB, WITA or WIT).
pub fn parse_time_in(text: &str, offset_secs: i32) -> Option<DateTime<Utc>> {
    use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let wib = FixedOffset::east_opt(offset_secs)?;
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return wib
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let end = date.and_hms_micro_opt(23, 59, 59, 999_999)?;
    wib.from_local_datetime(&end)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_only_means_end_of_day_in_wib() {
        let t = parse_time("2022-01-10").unwrap();
        assert_eq!(t.to_rfc3339(), "2022-01-10T16:59:59.999999+00:00");
        let t = parse_time("2022-01-10T09:00:00+07:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2022-01-10T02:00:00+00:00");
        let t = parse_time("2022-01-10 09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2022-01-10T02:00:00+00:00");
        assert!(parse_time("10/01/2022").is_none());
    }

    #[test]
    fn local_times_in_the_agency_zone() {
        use crate::event::TimeZone;
        let t = parse_time("2022-02-25T07:30:00Z").unwrap().timestamp_micros();
        assert_eq!(format_local(t, TimeZone::Wib), "25/02/2022 14.30 WIB");
        assert_eq!(format_local(t, TimeZone::Wita), "25/02/2022 15.30 WITA");
        assert_eq!(format_local(t, TimeZone::Wit), "25/02/2022 16.30 WIT");
        // A date alone is the end of that day in the zone given.
        let wita = parse_time_in("2022-01-10", TimeZone::Wita.offset_secs()).unwrap();
        assert_eq!(wita.to_rfc3339(), "2022-01-10T15:59:59.999999+00:00");
    }

    #[test]
    fn stepping_clock_advances() {
        let c = SteppingClock::new(parse_time("2021-01-04T08:00:00Z").unwrap(), TimeDelta::seconds(1));
        let a = c.now();
        let b = c.now();
        assert_eq!((b - a).num_seconds(), 1);
    }
}

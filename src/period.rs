//! Periods: fiscal years (calendar years) and triwulan (quarters).
//!
//! Accepted spellings: `2021-Q3`, `2021-TW3`, `TW III 2021`, `TW3 2021`,
//! `Q3 2021`, and a bare year `2021` for an annual figure.

use bincode::{Decode, Encode};
use serde::Serialize;
use std::fmt;

/// The period a realisation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode, Serialize)]
pub struct PeriodRef {
    /// The fiscal year.
    pub year: u16,
    /// 1-4 for a triwulan; 0 for the whole year (an annual figure).
    pub quarter: u8,
}

impl fmt::Display for PeriodRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quarter == 0 {
            write!(f, "{}", self.year)
        } else {
            write!(f, "{}-Q{}", self.year, self.quarter)
        }
    }
}

impl PeriodRef {
    /// The quarter, or `None` for an annual figure.
    pub fn quarter(self) -> Option<Quarter> {
        Quarter::new(self.quarter)
    }
}

/// A triwulan: 1 to 4. The only way to make one is [`Quarter::new`] (or
/// [`Quarter::ALL`]), so a `Quarter` is always a quarter that exists. It
/// has no `Display`: say which form is meant, [`Quarter::number`] (`Q3`
/// in machine output) or [`Quarter::roman`] (`TW III` in Indonesian text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter(u8);

impl Quarter {
    /// TW I to TW IV, in order.
    pub const ALL: [Quarter; 4] = [Quarter(1), Quarter(2), Quarter(3), Quarter(4)];
    /// TW IV, when annual figures are due.
    pub const LAST: Quarter = Quarter(4);

    /// The quarter numbered `n`, if 1-4.
    pub fn new(n: u8) -> Option<Quarter> {
        (1..=4).contains(&n).then_some(Quarter(n))
    }

    /// Its number, 1-4.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Its Roman numeral, as in "TW III".
    pub fn roman(self) -> &'static str {
        roman(self.0)
    }

    /// The quarters up to and including this one.
    pub fn through(self) -> impl Iterator<Item = Quarter> {
        Quarter::ALL.into_iter().take(self.0 as usize)
    }
}

/// Why a text is not a period.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not any accepted spelling of a period.
    #[error(
        "'{0}' is not a period (expected e.g. 2021-Q3, 2021-TW3, TW III 2021, or 2021 for the whole year)"
    )]
    NotAPeriod(String),
    /// A quarter number outside 1-4.
    #[error("'{text}': quarter '{number}' does not exist (a year has triwulan I-IV, quarters 1-4)")]
    NoSuchQuarter {
        /// The text given.
        text: String,
        /// The quarter as written.
        number: String,
    },
    /// A year where a quarter was needed.
    #[error("'{text}' is a year; give a quarter such as {year}-Q4")]
    YearNotQuarter {
        /// The text given.
        text: String,
        /// The year it names.
        year: u16,
    },
}

/// Parse a quarter or year. Returns `None` when the text is not a period.
pub fn parse(text: &str) -> Result<PeriodRef, PeriodError> {
    let t = text.trim().to_ascii_uppercase().replace(['_', '/'], "-");
    let bad = || PeriodError::NotAPeriod(text.to_string());
    if let Ok(year) = t.parse::<u16>() {
        return check_year(year)
            .map(|year| PeriodRef { year, quarter: 0 })
            .ok_or_else(bad);
    }
    let (year_part, quarter_part) = if let Some((y, q)) = t.split_once('-') {
        (y.trim().to_string(), q.trim().to_string())
    } else {
        let words: Vec<&str> = t.split_whitespace().collect();
        match words.as_slice() {
            [q, y] => (y.to_string(), q.to_string()),
            [tw, q, y] if *tw == "TW" || *tw == "TRIWULAN" => (y.to_string(), format!("TW{q}")),
            _ => return Err(bad()),
        }
    };
    let year = year_part
        .parse::<u16>()
        .ok()
        .and_then(check_year)
        .ok_or_else(bad)?;
    let number = quarter_part
        .strip_prefix("TW")
        .or_else(|| quarter_part.strip_prefix('Q'))
        .ok_or_else(bad)?
        .trim();
    let quarter = match number {
        "1" | "I" => 1,
        "2" | "II" => 2,
        "3" | "III" => 3,
        "4" | "IV" => 4,
        _ => {
            return Err(PeriodError::NoSuchQuarter {
                text: text.to_string(),
                number: number.to_string(),
            })
        }
    };
    Ok(PeriodRef { year, quarter })
}

/// Parse a quarter only (no bare year).
pub fn parse_quarter(text: &str) -> Result<PeriodRef, PeriodError> {
    let p = parse(text)?;
    if p.quarter == 0 {
        return Err(PeriodError::YearNotQuarter {
            text: text.to_string(),
            year: p.year,
        });
    }
    Ok(p)
}

fn check_year(year: u16) -> Option<u16> {
    (1990..=2200).contains(&year).then_some(year)
}

/// Roman numeral of a quarter, as in "TW III".
pub fn roman(quarter: u8) -> &'static str {
    match quarter {
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_spellings() {
        for text in [
            "2021-Q3",
            "2021-TW3",
            "TW III 2021",
            "tw iii 2021",
            "Q3 2021",
            "2021-tw3",
        ] {
            assert_eq!(
                parse(text).unwrap(),
                PeriodRef {
                    year: 2021,
                    quarter: 3
                },
                "{text}"
            );
        }
        assert_eq!(
            parse("2021").unwrap(),
            PeriodRef {
                year: 2021,
                quarter: 0
            }
        );
    }

    #[test]
    fn refuses_quarter_five_and_junk() {
        assert!(parse("2021-Q5")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
        assert!(parse("TW V 2021").is_err());
        assert!(parse("kemarin").is_err());
        assert!(parse("21-Q1").is_err());
        assert!(parse_quarter("2021").is_err());
    }
}

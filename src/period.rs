//! Periods: fiscal years (calendar years) and triwulan (quarters).
//!
//! Accepted spellings: `2021-Q3`, `2021-TW3`, `TW III 2021`, `TW3 2021`,
//! `Q3 2021`, and a bare year `2021` for an annual figure.

use crate::event::PeriodRef;

/// Parse a quarter or year. Returns `None` when the text is not a period.
pub fn parse(text: &str) -> Result<PeriodRef, String> {
    let t = text.trim().to_ascii_uppercase().replace(['_', '/'], "-");
    let bad = || {
        format!("'{text}' is not a period (expected e.g. 2021-Q3, 2021-TW3, TW III 2021, or 2021 for the whole year)")
    };
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
            return Err(format!(
                "'{text}': quarter '{number}' does not exist (a year has triwulan I-IV, quarters 1-4)"
            ))
        }
    };
    Ok(PeriodRef { year, quarter })
}

/// Parse a quarter only (no bare year).
pub fn parse_quarter(text: &str) -> Result<PeriodRef, String> {
    let p = parse(text)?;
    if p.quarter == 0 {
        return Err(format!(
            "'{text}' is a year; give a quarter such as {}-Q4",
            p.year
        ));
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
        assert!(parse("2021-Q5").unwrap_err().contains("does not exist"));
        assert!(parse("TW V 2021").is_err());
        assert!(parse("kemarin").is_err());
        assert!(parse("21-Q1").is_err());
        assert!(parse_quarter("2021").is_err());
    }
}

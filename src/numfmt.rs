//! Indonesian number formats: parsing what users type and formatting what
//! reports print. Dots group thousands, a comma starts the decimals:
//! `1.268.161.850`, `98,63`, `14.667.701.489,89`. Exact `Decimal` throughout;
//! rounding happens only here, for display (half up, away from zero).

use rust_decimal::{Decimal, RoundingStrategy};

/// Parse an Indonesian-format number. A trailing `%` is allowed and ignored.
/// Plain integers are accepted; a dot followed by other than groups of three
/// digits is refused as ambiguous, since `3.36` could be 3,36 or 336.
pub fn parse(text: &str) -> Result<Decimal, NumberError> {
    let raw = text.trim();
    let t = raw.strip_suffix('%').unwrap_or(raw).trim();
    let expected = "expected a number such as 98,63 or 1.268.161.850";
    if t.is_empty() {
        return Err(NumberError(format!("empty value ({expected})")));
    }
    let (sign, body) = match t.strip_prefix('-').or_else(|| t.strip_prefix('\u{2212}')) {
        Some(rest) => ("-", rest.trim()),
        None => ("", t),
    };
    let (int_part, frac_part) = match body.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int_part.split('.').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits(g)) {
        return Err(NumberError(format!("'{raw}' is not a number ({expected})")));
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(NumberError(format!(
            "'{raw}' is ambiguous: in Indonesian format dots group thousands and a comma starts the decimals (write 3,36 for three point three six)"
        )));
    }
    if let Some(f) = frac_part {
        if !digits(f) {
            return Err(NumberError(format!("'{raw}' is not a number ({expected})")));
        }
    }
    let canonical = format!(
        "{sign}{}{}",
        groups.concat(),
        frac_part.map(|f| format!(".{f}")).unwrap_or_default()
    );
    if canonical.len() > 40 {
        return Err(NumberError(format!("'{raw}' is too long for a number")));
    }
    canonical
        .parse::<Decimal>()
        .map_err(|_| NumberError(format!("'{raw}' is out of range")))
}

/// Parse a Rupiah amount: at most two decimals, not negative. `Rp` is allowed.
pub fn parse_money(text: &str) -> Result<Decimal, NumberError> {
    let t = text.trim();
    let t = t
        .strip_prefix("Rp.")
        .or_else(|| t.strip_prefix("Rp"))
        .unwrap_or(t)
        .trim();
    let value = parse(t)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(NumberError(format!(
            "'{text}' is negative; an amount of money must be 0 or more"
        )));
    }
    if value.scale() > 2 {
        return Err(NumberError(format!(
            "'{text}' has more than two decimals (Rupiah has sen, two places)"
        )));
    }
    Ok(value)
}

/// Why a text is not a number (or not an amount of money), in words a
/// user can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NumberError(String);

/// Round half up (away from zero) to `places` decimals.
pub fn round(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// Format with exactly `places` decimals, Indonesian separators: `1.234,50`.
pub fn format(value: Decimal, places: u32) -> String {
    let rounded = round(value, places);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match frac_part {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Format a measured value with the decimals it was entered with:
/// `20,40`, `98,63`, `4.328`.
pub fn format_plain(value: Decimal) -> String {
    format(value, value.scale())
}

/// A percentage for reports: `98,92%`.
pub fn percent(value: Decimal) -> String {
    format!("{}%", format(value, 2))
}

/// Rupiah for reports: `Rp 1.268.161.850`, or with sen when there are any:
/// `Rp 14.667.701.489,89`.
pub fn rupiah(value: Decimal) -> String {
    let places = if round(value, 2).fract().is_zero() { 0 } else { 2 };
    format!("Rp {}", format(value, places))
}

/// A decimal string with a dot separator and exactly `places` decimals, for
/// JSON and CSV machine output.
pub fn machine(value: Decimal, places: u32) -> String {
    format!("{:.*}", places as usize, round(value, places))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($s:expr) => {
                $s.parse::<rust_decimal::Decimal>().unwrap()
            };
        }
        pub(crate) use dec;
    }

    #[test]
    fn parses_indonesian_formats() {
        assert_eq!(parse("98,63").unwrap(), dec!("98.63"));
        assert_eq!(parse("1.268.161.850").unwrap(), dec!("1268161850"));
        assert_eq!(parse("14.667.701.489,89").unwrap(), dec!("14667701489.89"));
        assert_eq!(parse("99,71%").unwrap(), dec!("99.71"));
        assert_eq!(parse("4328").unwrap(), dec!("4328"));
        assert_eq!(parse("-10,47").unwrap(), dec!("-10.47"));
    }

    #[test]
    fn refuses_ambiguous_and_junk() {
        assert!(parse("3.36").unwrap_err().to_string().contains("ambiguous"));
        assert!(parse("12a").is_err());
        assert!(parse("").is_err());
        assert!(parse("NaN").is_err());
        assert!(parse("1,2,3").is_err());
        assert!(parse("1000000000000000000000000000000").is_err());
        assert!(parse_money("-5").is_err());
        assert!(parse_money("1,234").is_err());
        assert_eq!(parse_money("Rp 1.268.161.850").unwrap(), dec!("1268161850"));
    }

    #[test]
    fn formats_for_reports() {
        assert_eq!(percent(dec!("98.9168")), "98,92%");
        assert_eq!(percent(dec!("-10.465")), "-10,47%");
        assert_eq!(rupiah(dec!("1268161850")), "Rp 1.268.161.850");
        assert_eq!(rupiah(dec!("14667701489.89")), "Rp 14.667.701.489,89");
        assert_eq!(format_plain(dec!("4328")), "4.328");
        assert_eq!(format_plain(dec!("20.40")), "20,40");
        assert_eq!(machine(dec!("98.9168"), 2), "98.92");
        assert_eq!(format(dec!("0.005"), 2), "0,01");
    }
}

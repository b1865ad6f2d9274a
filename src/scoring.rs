//! Scoring: capaian (achievement), predikat, means, serapan, efisiensi and
//! tingkat kemajuan. Pure functions on exact `Decimal`; nothing is rounded
//! here. Every rule and its source is in `docs/scoring.md`.

use crate::event::{Grade, IndicatorDefined, LowerRule, Polarity, Value};
use rust_decimal::Decimal;
use serde::Serialize;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The result of a capaian computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capaian {
    /// A percentage (exact).
    Score(Decimal),
    /// "Belum ada data": the target or realisation is missing. Never zero.
    NoData,
    /// The figures exist but the rule gives no number; the text says why.
    Undefined(String),
}

impl Capaian {
    /// The score, when there is one.
    pub fn score(&self) -> Option<Decimal> {
        match self {
            Capaian::Score(d) => Some(*d),
            _ => None,
        }
    }

    /// Why there is no score, in Indonesian for reports.
    pub fn note(&self) -> Option<String> {
        match self {
            Capaian::Score(_) => None,
            Capaian::NoData => Some("belum ada data".into()),
            Capaian::Undefined(why) => Some(why.clone()),
        }
    }
}

/// Predikat (performance category) from capaian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Predikat {
    /// Sangat tinggi (capaian 91 and above).
    SangatTinggi,
    /// Tinggi (76-90).
    Tinggi,
    /// Sedang (66-75).
    Sedang,
    /// Rendah (51-65).
    Rendah,
    /// Sangat rendah (50 and below).
    SangatRendah,
}

impl Predikat {
    /// Every value, in order.
    pub const ALL: [Predikat; 5] = [
        Predikat::SangatTinggi,
        Predikat::Tinggi,
        Predikat::Sedang,
        Predikat::Rendah,
        Predikat::SangatRendah,
    ];

    /// The Indonesian label.
    pub fn label(self) -> &'static str {
        match self {
            Predikat::SangatTinggi => "Sangat Tinggi",
            Predikat::Tinggi => "Tinggi",
            Predikat::Sedang => "Sedang",
            Predikat::Rendah => "Rendah",
            Predikat::SangatRendah => "Sangat Rendah",
        }
    }
}

/// Half-open bands: at least 91 is Sangat Tinggi, at least 76 Tinggi, at
/// least 66 Sedang, at least 51 Rendah, below that Sangat Rendah. So 90,5
/// is Tinggi and anything from 91 up, 100 and over included, Sangat Tinggi.
pub fn predikat(capaian: Decimal) -> Predikat {
    if capaian >= Decimal::from(91) {
        Predikat::SangatTinggi
    } else if capaian >= Decimal::from(76) {
        Predikat::Tinggi
    } else if capaian >= Decimal::from(66) {
        Predikat::Sedang
    } else if capaian >= Decimal::from(51) {
        Predikat::Rendah
    } else {
        Predikat::SangatRendah
    }
}

/// The score of a SAKIP grade, the upper bound of its band in PermenPANRB
/// 12/2015 (AA > 90-100, A > 80-90, BB > 70-80, B > 60-70, CC > 50-60,
/// C > 30-50, D 0-30).
pub fn grade_score(grade: Grade) -> Decimal {
    Decimal::from(match grade {
        Grade::AA => 100,
        Grade::A => 90,
        Grade::BB => 80,
        Grade::B => 70,
        Grade::CC => 60,
        Grade::C => 50,
        Grade::D => 30,
    })
}

/// A value as a number: numbers as they are, ratios as their percentage,
/// grades as their score, text by its leading quantity ("8 peserta" is 8).
pub fn numeric(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(d) => Some(d.0),
        Value::Ratio {
            numerator,
            denominator,
        } => ratio_percent(numerator.0, denominator.0),
        Value::Grade(g) => Some(grade_score(*g)),
        Value::Text(t) => leading_quantity(t).map(|(n, _)| n),
    }
}

/// numerator / denominator x 100, none for a zero denominator.
pub fn ratio_percent(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_mul(HUNDRED)?.checked_div(denominator)
    }
}

/// "220 SK Pensiun" -> (220, "sk pensiun").
fn leading_quantity(text: &str) -> Option<(Decimal, String)> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    if end == 0 {
        return None;
    }
    let n = crate::numfmt::parse(&t[..end]).ok()?;
    Some((n, t[end..].trim().to_lowercase()))
}

/// Capaian of one indicator from its target and realisation.
pub fn capaian(indicator: &IndicatorDefined, target: Option<&Value>, realisasi: Option<&Value>) -> Capaian {
    let (Some(target), Some(real)) = (target, realisasi) else {
        return Capaian::NoData;
    };
    let raw = match (target, real) {
        (Value::Text(t), Value::Text(r)) => text_capaian(t, r),
        _ => match (numeric(target), numeric(real)) {
            (Some(t), Some(r)) => by_polarity(indicator, t, r),
            _ => Capaian::Undefined("nilai tidak dapat dibandingkan".into()),
        },
    };
    match (raw, indicator.cap) {
        (Capaian::Score(s), Some(cap)) if s > cap.0 => Capaian::Score(cap.0),
        (Capaian::Undefined(_), Some(cap)) if is_unbounded(indicator, real) => Capaian::Score(cap.0),
        (other, _) => other,
    }
}

fn is_unbounded(indicator: &IndicatorDefined, real: &Value) -> bool {
    indicator.polarity == Polarity::LowerIsBetter
        && indicator.lower_rule == LowerRule::Inverse
        && numeric(real).is_some_and(|r| r.is_zero())
}

fn by_polarity(indicator: &IndicatorDefined, t: Decimal, r: Decimal) -> Capaian {
    let div = |a: Decimal, b: Decimal| {
        if b.is_zero() {
            return Capaian::Undefined("target 0: capaian tidak terdefinisi".into());
        }
        match a.checked_mul(HUNDRED).and_then(|x| x.checked_div(b)) {
            Some(v) => Capaian::Score(v),
            None => Capaian::Undefined("nilai di luar batas: capaian tidak dapat dihitung".into()),
        }
    };
    match indicator.polarity {
        Polarity::HigherIsBetter | Polarity::Grade => div(r, t),
        Polarity::LowerIsBetter => match indicator.lower_rule {
            LowerRule::Inverse if r.is_zero() => Capaian::Undefined(
                "realisasi 0 pada indikator semakin kecil semakin baik: target/realisasi tidak terdefinisi"
                    .into(),
            ),
            LowerRule::Inverse => div(t, r),
            LowerRule::TwiceTargetMinus => match t.checked_add(t).and_then(|x| x.checked_sub(r)) {
                Some(x) => div(x, t),
                None => Capaian::Undefined("nilai di luar batas".into()),
            },
        },
    }
}

/// Text milestones: the same text is 100%; the same unit with different
/// quantities ("8 peserta" of "6 peserta") is their ratio; anything else
/// needs an assessor.
fn text_capaian(target: &str, real: &str) -> Capaian {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if norm(target) == norm(real) {
        return Capaian::Score(HUNDRED);
    }
    match (leading_quantity(target), leading_quantity(real)) {
        (Some((t, tu)), Some((r, ru))) if tu == ru && !t.is_zero() => {
            match r.checked_mul(HUNDRED).and_then(|x| x.checked_div(t)) {
                Some(score) => Capaian::Score(score),
                None => Capaian::Undefined("capaian tonggak teks perlu dinilai".into()),
            }
        }
        _ => Capaian::Undefined("capaian tonggak teks perlu dinilai".into()),
    }
}

/// Arithmetic mean of the scores that exist; none when there are none (or,
/// beyond the bounds validation keeps, when their sum cannot be held).
pub fn mean(scores: &[Decimal]) -> Option<Decimal> {
    if scores.is_empty() {
        return None;
    }
    let sum = scores
        .iter()
        .try_fold(Decimal::ZERO, |acc, s| acc.checked_add(*s))?;
    sum.checked_div(Decimal::from(scores.len()))
}

/// `acc + x` for a total of recorded figures. Validation bounds every
/// amount and measure (`rules::MAX_AMOUNT`, `MAX_MEASURE`) so that no
/// ledger it accepts can overflow a total; a ledger written before those
/// bounds, or forged, gets an integrity failure here rather than a panic.
pub fn add(acc: Decimal, x: Decimal) -> crate::Result<Decimal> {
    acc.checked_add(x).ok_or_else(|| crate::Error::Integrity {
        seq: None,
        reason: format!(
            "a total of recorded figures ({acc} + {x}) is beyond what validation allows; `sakip verify` names the event that holds the out-of-bounds figure"
        ),
    })
}

/// Serapan anggaran: realisasi / pagu x 100.
pub fn serapan(spent: Decimal, pagu: Decimal) -> Option<Decimal> {
    ratio_percent(spent, pagu)
}

/// Efisiensi: capaian kinerja minus serapan anggaran (the seed's "9 = (5-8)").
pub fn efisiensi(capaian: Decimal, serapan: Decimal) -> Decimal {
    // Both are percentages of bounded figures: far inside Decimal's range.
    capaian.saturating_sub(serapan)
}

/// Tingkat kemajuan: realisasi / end-of-period Renstra target x 100.
pub fn kemajuan(indicator: &IndicatorDefined, realisasi: &Value, renstra_end: &Value) -> Capaian {
    capaian(indicator, Some(renstra_end), Some(realisasi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Aggregation, Dec, ValueKind};

    fn d(s: &str) -> Decimal {
        crate::numfmt::parse(s).unwrap()
    }

    fn ind(polarity: Polarity, rule: LowerRule, cap: Option<&str>) -> IndicatorDefined {
        IndicatorDefined {
            code: "X".into(),
            name: "x".into(),
            item: "S".into(),
            unit: "%".into(),
            polarity,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::LastQuarter,
            lower_rule: rule,
            cap: cap.map(|c| Dec(d(c))),
            iku: true,
            formula: None,
            source: None,
        }
    }

    fn num(s: &str) -> Value {
        Value::Number(Dec(d(s)))
    }

    fn shown(c: Capaian) -> String {
        crate::numfmt::percent(c.score().unwrap())
    }

    #[test]
    fn seed_figures() {
        let hi = ind(Polarity::HigherIsBetter, LowerRule::Inverse, None);
        assert_eq!(
            shown(capaian(&hi, Some(&num("99,71")), Some(&num("98,63")))),
            "98,92%"
        );
        assert_eq!(shown(capaian(&hi, Some(&num("75")), Some(&num("89")))), "118,67%");
        assert_eq!(
            shown(capaian(&hi, Some(&num("3,36")), Some(&num("3,26")))),
            "97,02%"
        );
        assert_eq!(
            shown(capaian(&hi, Some(&num("29")), Some(&num("20,40")))),
            "70,34%"
        );
        assert_eq!(
            shown(capaian(&hi, Some(&num("73")), Some(&num("72,74")))),
            "99,64%"
        );
        let lo = ind(Polarity::LowerIsBetter, LowerRule::Inverse, None);
        assert_eq!(shown(capaian(&lo, Some(&num("10")), Some(&num("7")))), "142,86%");
        let lo2 = ind(Polarity::LowerIsBetter, LowerRule::TwiceTargetMinus, None);
        assert_eq!(shown(capaian(&lo2, Some(&num("10")), Some(&num("7")))), "130,00%");
        let ratio = Value::Ratio {
            numerator: Dec(d("4.383")),
            denominator: Dec(d("4.765")),
        };
        assert_eq!(crate::numfmt::percent(numeric(&ratio).unwrap()), "91,98%");
        let grade = ind(Polarity::Grade, LowerRule::Inverse, None);
        assert_eq!(
            shown(capaian(
                &grade,
                Some(&Value::Grade(Grade::A)),
                Some(&Value::Grade(Grade::A))
            )),
            "100,00%"
        );
        assert_eq!(
            crate::numfmt::percent(serapan(d("1.024.833.162"), d("1.268.161.850")).unwrap()),
            "80,81%"
        );
        assert_eq!(
            crate::numfmt::percent(serapan(d("10.408.125.557"), d("15.193.709.205")).unwrap()),
            "68,50%"
        );
        let e = efisiensi(
            d("20,40") * HUNDRED / d("29"),
            serapan(d("1.024.833.162"), d("1.268.161.850")).unwrap(),
        );
        assert_eq!(crate::numfmt::format(e, 2), "-10,47");
    }

    #[test]
    fn zero_and_missing_are_defined() {
        let lo = ind(Polarity::LowerIsBetter, LowerRule::Inverse, None);
        assert!(matches!(
            capaian(&lo, Some(&num("10")), Some(&num("0"))),
            Capaian::Undefined(_)
        ));
        let capped = ind(Polarity::LowerIsBetter, LowerRule::Inverse, Some("150"));
        assert_eq!(
            capaian(&capped, Some(&num("10")), Some(&num("0"))),
            Capaian::Score(d("150"))
        );
        let lo2 = ind(Polarity::LowerIsBetter, LowerRule::TwiceTargetMinus, None);
        assert_eq!(
            capaian(&lo2, Some(&num("10")), Some(&num("0"))),
            Capaian::Score(d("200"))
        );
        let hi = ind(Polarity::HigherIsBetter, LowerRule::Inverse, None);
        assert_eq!(capaian(&hi, Some(&num("10")), None), Capaian::NoData);
        assert_eq!(capaian(&hi, None, Some(&num("1"))), Capaian::NoData);
        assert!(matches!(
            capaian(&hi, Some(&num("0")), Some(&num("1"))),
            Capaian::Undefined(_)
        ));
    }

    #[test]
    fn cap_and_bands() {
        let capped = ind(Polarity::HigherIsBetter, LowerRule::Inverse, Some("100"));
        assert_eq!(
            capaian(&capped, Some(&num("75")), Some(&num("89"))),
            Capaian::Score(d("100"))
        );
        assert_eq!(predikat(d("91")), Predikat::SangatTinggi);
        assert_eq!(predikat(d("90,5")), Predikat::Tinggi);
        assert_eq!(predikat(d("76")), Predikat::Tinggi);
        assert_eq!(predikat(d("75,99")), Predikat::Sedang);
        assert_eq!(predikat(d("66")), Predikat::Sedang);
        assert_eq!(predikat(d("51")), Predikat::Rendah);
        assert_eq!(predikat(d("50,99")), Predikat::SangatRendah);
        assert_eq!(predikat(d("-5")), Predikat::SangatRendah);
    }

    #[test]
    fn text_milestones() {
        let t = ind(Polarity::HigherIsBetter, LowerRule::Inverse, None);
        let txt = |s: &str| Value::Text(s.into());
        assert_eq!(
            shown(capaian(
                &t,
                Some(&txt("200 SK Pensiun")),
                Some(&txt("220 SK Pensiun"))
            )),
            "110,00%"
        );
        assert_eq!(
            shown(capaian(&t, Some(&txt("6 peserta")), Some(&txt("8 peserta")))),
            "133,33%"
        );
        assert_eq!(
            shown(capaian(&t, Some(&txt("1 Tahun")), Some(&txt("1 tahun")))),
            "100,00%"
        );
        assert!(matches!(
            capaian(&t, Some(&txt("1 kali")), Some(&txt("selesai"))),
            Capaian::Undefined(_)
        ));
    }
}

//! Arithmetic at the bounds: every amount and measure validation accepts,
//! at its extremes, can be summed, divided and reported without overflow;
//! anything beyond the bounds is refused at append with nothing appended.

use proptest::prelude::*;
use rust_decimal::Decimal;
use sakip::clock::{parse_time, SteppingClock};
use sakip::event::*;
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use sakip::rules::{MAX_AMOUNT, MAX_MEASURE};
use sakip_report::{ReportFormat, ReportKind};
use std::sync::Arc;

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

fn item(code: &str, level: Level, parent: Option<&str>) -> Payload {
    Payload::PlanItemDefined(PlanItemDefined {
        code: code.into(),
        level,
        name: code.into(),
        parent: parent.map(Into::into),
    })
}

fn indicator(code: &str, kind: ValueKind, agg: Aggregation, polarity: Polarity, rule: LowerRule) -> Payload {
    Payload::IndicatorDefined(IndicatorDefined {
        code: code.into(),
        name: code.into(),
        item: "S".into(),
        unit: "x".into(),
        polarity,
        value_kind: kind,
        aggregation: agg,
        lower_rule: rule,
        cap: None,
        iku: true,
        formula: None,
        source: None,
    })
}

/// The extremes a measure may take.
fn measure() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(MAX_MEASURE),
        Just(-MAX_MEASURE),
        Just(Decimal::new(1, 6)),
        Just(Decimal::new(-1, 6)),
        Just(Decimal::ZERO),
        Just(Decimal::ONE),
    ]
}

fn positive() -> impl Strategy<Value = Decimal> {
    prop_oneof![Just(MAX_MEASURE), Just(Decimal::new(1, 6)), Just(Decimal::ONE)]
}

struct Agency {
    ledger: Ledger,
    admin: KeyPair,
    op: KeyPair,
}

fn agency() -> Agency {
    let admin = KeyPair::from_seed([61; 32]);
    let op = KeyPair::from_seed([62; 32]);
    let clock = Arc::new(SteppingClock::new(
        parse_time("2022-01-03T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: "9.99".into(),
        agency_name: "Dinas Batas".into(),
        admin: holder("admin"),
        nonce: Some([14; 32]),
    };
    let mut ledger = Ledger::init_in_memory(clock, &admin, genesis).unwrap();
    ledger
        .append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: op.public(),
                holder: holder("op"),
                roles: vec![Role::Operator],
            }),
        )
        .unwrap();
    let plan = vec![
        item("T", Level::Tujuan, None),
        item("S", Level::Sasaran, Some("T")),
        item("P", Level::Program, Some("S")),
        item("K", Level::Kegiatan, Some("P")),
        item("SK", Level::SubKegiatan, Some("K")),
        indicator(
            "N",
            ValueKind::Number,
            Aggregation::Sum,
            Polarity::HigherIsBetter,
            LowerRule::Inverse,
        ),
        indicator(
            "R",
            ValueKind::Ratio,
            Aggregation::RatioOfSums,
            Polarity::HigherIsBetter,
            LowerRule::Inverse,
        ),
        indicator(
            "L",
            ValueKind::Number,
            Aggregation::LastQuarter,
            Polarity::LowerIsBetter,
            LowerRule::TwiceTargetMinus,
        ),
        indicator(
            "I",
            ValueKind::Number,
            Aggregation::Sum,
            Polarity::LowerIsBetter,
            LowerRule::Inverse,
        ),
        indicator(
            "C",
            ValueKind::Number,
            Aggregation::Components(vec!["N".into(), "L".into()]),
            Polarity::HigherIsBetter,
            LowerRule::Inverse,
        ),
    ];
    ledger
        .append_all(plan.into_iter().map(|p| (&admin, p)).collect())
        .unwrap();
    Agency { ledger, admin, op }
}

fn every_view_answers(l: &Ledger) {
    let known = l.head().count - 1;
    for as_of in 1..=4 {
        let q = sakip::projection::Query {
            year: 2022,
            as_of: sakip::period::Quarter::new(as_of).unwrap(),
            known,
            approved_only: false,
        };
        sakip::projection::state(&l.index(), &q).unwrap();
        let formats: &[ReportFormat] = if as_of == 4 {
            &ReportFormat::ALL
        } else {
            &[ReportFormat::Md]
        };
        for kind in ReportKind::ALL {
            for &format in formats {
                let params = sakip_report::Params {
                    kind,
                    year: 2022,
                    as_of,
                    known_seq: known,
                    approved_only: false,
                    format,
                };
                sakip_report::produce(l, params).unwrap();
            }
        }
    }
    sakip::audit::check(l, Some(2022)).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn figures_at_the_bounds_never_overflow(
        targets in proptest::collection::vec(positive(), 4),
        values in proptest::collection::vec(measure(), 16),
    ) {
        let Agency { mut ledger, admin, op } = agency();
        let mut batch: Vec<(&KeyPair, Payload)> = Vec::new();
        for (code, t) in ["N", "R", "L", "I"].iter().zip(&targets) {
            batch.push((&admin, Payload::TargetSet(TargetSet {
                indicator: code.to_string(),
                year: 2022,
                scope: TargetScope::Year,
                value: Value::Number(Dec(*t)),
                stage: Stage::Murni,
            })));
        }
        for account in ["P", "K", "SK", "N"] {
            batch.push((&admin, Payload::BudgetSet(BudgetSet { account: account.into(), year: 2022, pagu: Dec(MAX_AMOUNT) })));
        }
        ledger.append_all(batch).unwrap();
        let mut entries: Vec<(&KeyPair, Payload)> = Vec::new();
        for quarter in 1..=4u8 {
            let v = |i: usize| values[(quarter as usize - 1) * 4 + i];
            let period = PeriodRef { year: 2022, quarter };
            for (code, value) in [
                ("N", Value::Number(Dec(v(0)))),
                ("L", Value::Number(Dec(v(1)))),
                ("I", Value::Number(Dec(v(2).abs()))),
                ("R", Value::Ratio { numerator: Dec(v(3).abs()), denominator: Dec(MAX_MEASURE) }),
            ] {
                entries.push((&op, Payload::RealisationRecorded(RealisationRecorded {
                    indicator: code.into(), period, value, note: None,
                })));
            }
            // Many entries at the largest amount in one account and quarter.
            for account in ["P", "SK", "N"] {
                for _ in 0..100 {
                    entries.push((&op, Payload::SpendingRecorded(SpendingRecorded {
                        account: account.into(), period, amount: Dec(MAX_AMOUNT), note: None,
                    })));
                }
            }
        }
        ledger.append_all(entries).unwrap();
        every_view_answers(&ledger);
    }
}

#[test]
fn amounts_and_measures_beyond_the_bounds_are_refused() {
    let Agency {
        mut ledger,
        admin,
        op,
        ..
    } = agency();
    let before = ledger.head();
    let cent = Decimal::new(1, 2);
    let refused = ledger.append(
        &admin,
        Payload::BudgetSet(BudgetSet {
            account: "P".into(),
            year: 2022,
            pagu: Dec(MAX_AMOUNT + cent),
        }),
    );
    assert!(
        matches!(refused, Err(sakip::Error::Refused(ref m)) if m.contains("largest amount")),
        "{refused:?}"
    );
    let huge = Decimal::from_parts(0, 0, 1 << 30, false, 0);
    for value in [
        Value::Number(Dec(MAX_MEASURE * Decimal::TEN)),
        Value::Number(Dec(-huge)),
        Value::Number(Dec(Decimal::new(1, 7))),
        Value::Ratio {
            numerator: Dec(huge),
            denominator: Dec(Decimal::ONE),
        },
    ] {
        let code = if matches!(value, Value::Ratio { .. }) {
            "R"
        } else {
            "N"
        };
        let refused = ledger.append(
            &op,
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: code.into(),
                period: PeriodRef {
                    year: 2022,
                    quarter: 1,
                },
                value,
                note: None,
            }),
        );
        assert!(
            matches!(
                refused,
                Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_))
            ),
            "{refused:?}"
        );
    }
    assert_eq!(ledger.head(), before, "nothing was appended");
}

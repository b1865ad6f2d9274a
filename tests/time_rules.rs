//! Recorded time is a signer's claim, bounded by the machine's own clock: a
//! ledger written on a PC whose clock ran years ahead is flagged by
//! `verify`, and a later append says why it is refused.

use sakip::clock::{parse_time, SteppingClock};
use sakip::event::{Genesis, Holder, Level, Payload, PlanItemDefined};
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use std::sync::Arc;

#[test]
fn an_event_from_a_clock_running_ahead_is_flagged_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let admin = KeyPair::from_seed([41; 32]);
    let holder = Holder {
        name: "Admin".into(),
        nip: None,
        jabatan: None,
    };
    let genesis = Genesis {
        agency_code: "1.01".into(),
        agency_name: "Dinas Uji".into(),
        admin: holder,
        nonce: Some([12; 32]),
    };
    // The PC's clock (and so its idea of "now") is in 2099.
    let wrong = Arc::new(
        SteppingClock::new(
            parse_time("2099-01-01T00:00:00Z").unwrap(),
            chrono::TimeDelta::seconds(1),
        )
        .with_wall(parse_time("2099-01-01T00:00:00Z").unwrap()),
    );
    let ledger = Ledger::init(dir.path(), wrong, &admin, genesis).unwrap();
    let err = sakip::verify::verify_store(ledger.store())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("at seq 0") && err.contains("in the future of this machine's clock"),
        "{err}"
    );
    // The clock is fixed: the next append explains why it cannot go on yet.
    let right = Arc::new(SteppingClock::new(
        parse_time("2026-01-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let item = Payload::PlanItemDefined(PlanItemDefined {
        code: "T1".into(),
        name: "Tujuan".into(),
        level: Level::Tujuan,
        parent: None,
    });
    drop(ledger);
    let mut ledger = {
        let start = std::time::Instant::now();
        loop {
            match Ledger::open(dir.path(), right.clone()) {
                Ok(l) => break l,
                Err(_) if start.elapsed().as_secs() < 10 => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
    };
    let err = ledger.append(&admin, item).unwrap_err().to_string();
    assert!(
        err.contains("stamped in the future of this machine's clock"),
        "{err}"
    );
    assert_eq!(ledger.head().count, 1);
}

/// With no year asked for, pages show the latest year the plan sets
/// targets for, and before any target the year it is now: an agency that
/// starts in 2027 does not land on 2021.
#[test]
fn the_default_year_follows_the_plan_and_then_the_clock() {
    use sakip::event::{IndicatorDefined, TargetScope, TargetSet};
    let admin = KeyPair::from_seed([42; 32]);
    let genesis = Genesis {
        agency_code: "1.02".into(),
        agency_name: "Dinas Baru".into(),
        admin: Holder {
            name: "Admin".into(),
            nip: None,
            jabatan: None,
        },
        nonce: Some([13; 32]),
    };
    // 31 December 2026, 20.00 UTC: already 2027 in WIB (UTC+7).
    let at = parse_time("2026-12-31T20:00:00Z").unwrap();
    let clock = Arc::new(SteppingClock::new(at, chrono::TimeDelta::seconds(1)).with_wall(at));
    let mut ledger = Ledger::init_in_memory(clock, &admin, genesis).unwrap();
    assert_eq!(sakip::service::entries::default_year(&ledger).unwrap(), 2027);
    let plan = [
        Payload::PlanItemDefined(PlanItemDefined {
            code: "T1".into(),
            level: Level::Tujuan,
            name: "Tujuan".into(),
            parent: None,
        }),
        Payload::IndicatorDefined(IndicatorDefined {
            code: "IKU-1".into(),
            name: "Indikator".into(),
            item: "T1".into(),
            unit: "%".into(),
            polarity: sakip::event::Polarity::HigherIsBetter,
            value_kind: sakip::event::ValueKind::Number,
            aggregation: sakip::event::Aggregation::LastQuarter,
            lower_rule: sakip::event::LowerRule::Inverse,
            cap: None,
            iku: true,
            formula: None,
            source: None,
        }),
        Payload::TargetSet(TargetSet {
            indicator: "IKU-1".into(),
            year: 2028,
            scope: TargetScope::Year,
            stage: sakip::event::Stage::Murni,
            value: sakip::event::Value::Number(sakip::event::Dec(sakip::Decimal::from(90))),
        }),
    ];
    for p in plan {
        ledger.append(&admin, p).unwrap();
    }
    assert_eq!(sakip::service::entries::default_year(&ledger).unwrap(), 2028);
}

//! Prepare -> sign -> submit: an event prepared by the ledger, signed by a
//! key the ledger never sees, and submitted; a submission against a head
//! that moved is a typed conflict; a signature over other bytes is refused.
//! Nothing is appended by a refusal.

use rust_decimal::Decimal;
use sakip::clock::{parse_time, SteppingClock};
use sakip::event::*;
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use std::sync::Arc;

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

fn realisation(quarter: u8, v: i64) -> Payload {
    Payload::RealisationRecorded(RealisationRecorded {
        indicator: "I".into(),
        period: PeriodRef { year: 2022, quarter },
        value: Value::Number(Dec(Decimal::from(v))),
        note: None,
    })
}

fn setup(dir: &std::path::Path) -> (Ledger, KeyPair) {
    let admin = KeyPair::from_seed([51; 32]);
    let clock = Arc::new(SteppingClock::new(
        parse_time("2022-01-03T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: "3.01".into(),
        agency_name: "Dinas Uji".into(),
        admin: holder("admin"),
        nonce: Some([52; 32]),
    };
    let mut l = Ledger::init(dir, clock, &admin, genesis).unwrap();
    let plan = setup_plan();
    l.append_all(plan.into_iter().map(|p| (&admin, p)).collect())
        .unwrap();
    (l, admin)
}

/// The plan of the test agency: one tujuan, one number indicator.
fn setup_plan() -> Vec<Payload> {
    let plan = vec![
        Payload::PlanItemDefined(PlanItemDefined {
            code: "T".into(),
            level: Level::Tujuan,
            name: "t".into(),
            parent: None,
        }),
        Payload::IndicatorDefined(IndicatorDefined {
            code: "I".into(),
            name: "i".into(),
            item: "T".into(),
            unit: "%".into(),
            polarity: Polarity::HigherIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::LastQuarter,
            lower_rule: LowerRule::Inverse,
            cap: None,
            iku: true,
            formula: None,
            source: None,
        }),
    ];
    plan
}

#[test]
fn a_prepared_event_signed_elsewhere_is_appended_and_a_stale_one_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, admin) = setup(dir.path());
    // The operator's key lives elsewhere (a browser): the ledger only ever
    // sees its public key, registered by the admin.
    let operator_public = KeyPair::from_seed([53; 32]).public();
    ledger
        .append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: operator_public,
                holder: holder("operator"),
                roles: vec![Role::Operator],
            }),
        )
        .unwrap();

    let first = ledger.prepare(operator_public, realisation(1, 70)).unwrap();
    let second = ledger.prepare(operator_public, realisation(2, 75)).unwrap();
    assert_eq!(first.seq, ledger.head().count);
    assert_eq!(first.seq, second.seq, "both prepared against the same head");

    // Signed outside the ledger, with a key object the ledger never holds.
    let elsewhere = KeyPair::from_seed([53; 32]);
    let signature = elsewhere.sign(&first.signing_message());
    let done = ledger.submit(&first, signature).unwrap();
    assert_eq!(done.seq, first.seq);
    let stored = ledger.event(done.seq).unwrap().unwrap();
    assert_eq!(stored.event.author, operator_public);
    assert_eq!(stored.event.payload, realisation(1, 70));

    // The second was prepared against the old head: a typed conflict.
    let before = ledger.head();
    let stale = ledger.submit(&second, elsewhere.sign(&second.signing_message()));
    assert!(
        matches!(stale, Err(sakip::Error::Conflict { prepared, head }) if prepared == first.seq && head == before.count),
        "{stale:?}"
    );
    assert_eq!(ledger.head(), before);

    // Prepared again, it goes through.
    let again = ledger.prepare(operator_public, realisation(2, 75)).unwrap();
    ledger
        .submit(&again, elsewhere.sign(&again.signing_message()))
        .unwrap();

    // A signature over other bytes, a forged one, or another key's: refused.
    let third = ledger.prepare(operator_public, realisation(3, 80)).unwrap();
    let before = ledger.head();
    let other = ledger.prepare(operator_public, realisation(3, 99)).unwrap();
    for bad in [
        elsewhere.sign(&other.signing_message()),
        [7u8; 64],
        admin.sign(&third.signing_message()),
    ] {
        let refused = ledger.submit(&third, bad);
        assert!(
            matches!(
                refused,
                Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_))
            ),
            "{refused:?}"
        );
        assert_eq!(ledger.head(), before, "nothing appended");
    }
    // A prepared body altered after preparing is not what was signed.
    let mut altered = third.clone();
    altered.payload = realisation(3, 99);
    let refused = ledger.submit(&altered, elsewhere.sign(&third.signing_message()));
    assert!(
        matches!(
            refused,
            Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_))
        ),
        "{refused:?}"
    );
    assert_eq!(ledger.head(), before);

    // Preparing is refused as an append would be: a key without the role.
    let refused = ledger.prepare(KeyPair::from_seed([54; 32]).public(), realisation(4, 1));
    assert!(
        matches!(
            refused,
            Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_))
        ),
        "{refused:?}"
    );
    sakip::verify::verify_store(ledger.store()).unwrap();
}

/// The whole path through the service, on a ledger in memory: the entry
/// is built by `service::entries` from what a form holds, prepared by
/// `service::signing`, signed by a key object that never meets the ledger,
/// and submitted; a second one prepared against the same head conflicts.
#[test]
fn the_service_prepares_an_entry_that_is_signed_elsewhere() {
    use sakip::service::{entries, signing};
    let admin = KeyPair::from_seed([61; 32]);
    let clock = Arc::new(SteppingClock::new(
        parse_time("2022-01-03T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let genesis = Genesis {
        agency_code: "3.02".into(),
        agency_name: "Dinas Memori".into(),
        admin: holder("admin"),
        nonce: Some([62; 32]),
    };
    let mut ledger = Ledger::init_in_memory(clock, &admin, genesis).unwrap();
    let plan_ledger = setup_plan();
    for p in plan_ledger {
        ledger.append(&admin, p).unwrap();
    }
    let operator = KeyPair::from_seed([63; 32]).public();
    ledger
        .append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: operator,
                holder: holder("operator"),
                roles: vec![Role::Operator],
            }),
        )
        .unwrap();
    let form = |period: &str, value: &str| entries::RealisasiEntry {
        indicator: "I".into(),
        period: period.into(),
        value: Some(value.into()),
        ..Default::default()
    };
    let payload = entries::realisasi(&ledger, form("2022-Q1", "70,5")).unwrap();
    let first = signing::prepare(&ledger, operator, payload).unwrap();
    let payload = entries::realisasi(&ledger, form("TW II 2022", "75")).unwrap();
    let second = signing::prepare(&ledger, operator, payload).unwrap();
    assert!(first.what.contains("TW I 2022"), "{}", first.what);

    let elsewhere = KeyPair::from_seed([63; 32]);
    let done = signing::submit(&mut ledger, &first.prepared, elsewhere.sign(&first.message)).unwrap();
    let stored = ledger.event(done.seq).unwrap().unwrap();
    assert_eq!(stored.event.author, operator);
    assert_eq!(stored.event.payload, realisation_dec(1, Decimal::new(705, 1)));

    let before = ledger.head();
    let stale = signing::submit(&mut ledger, &second.prepared, elsewhere.sign(&second.message));
    assert!(
        matches!(stale, Err(sakip::Error::Conflict { prepared, head }) if prepared == done.seq && head == before.count),
        "{stale:?}"
    );
    assert_eq!(stale.unwrap_err().class(), sakip::ErrorClass::Conflict);
    assert_eq!(ledger.head(), before, "nothing appended");
    sakip::service::audit::verify(&ledger, None).unwrap();
}

fn realisation_dec(quarter: u8, v: Decimal) -> Payload {
    Payload::RealisationRecorded(RealisationRecorded {
        indicator: "I".into(),
        period: PeriodRef { year: 2022, quarter },
        value: Value::Number(Dec(v)),
        note: None,
    })
}

/// A batch (the rows of an uploaded file) signed elsewhere event by event
/// is appended as one atomic commit, byte for byte what a direct import
/// signed by the same key appends; a bad signature in the middle, an
/// incomplete batch and a moved head append nothing.
#[test]
fn a_batch_signed_elsewhere_is_the_same_as_an_import() {
    use sakip::service::signing;
    let ledger_with_operator = || {
        let admin = KeyPair::from_seed([71; 32]);
        let clock = Arc::new(SteppingClock::new(
            parse_time("2022-01-03T00:00:00Z").unwrap(),
            chrono::TimeDelta::seconds(1),
        ));
        let genesis = Genesis {
            agency_code: "3.03".into(),
            agency_name: "Dinas Batch".into(),
            admin: holder("admin"),
            nonce: Some([72; 32]),
        };
        let mut l = Ledger::init_in_memory(clock, &admin, genesis).unwrap();
        let mut plan = setup_plan();
        plan.push(Payload::KeyAdded(KeyAdded {
            key: KeyPair::from_seed([73; 32]).public(),
            holder: holder("operator"),
            roles: vec![Role::Operator],
        }));
        for p in plan {
            l.append(&admin, p).unwrap();
        }
        l
    };
    let operator = KeyPair::from_seed([73; 32]);
    let rows = || -> sakip::import::Labelled {
        (1..=3)
            .map(|q| (realisation(q, 60 + q as i64), format!("tw.csv:{}", q + 1)))
            .collect()
    };

    // The reference: the same rows imported with the key at hand.
    let mut direct = ledger_with_operator();
    let imported = direct
        .append_labelled(rows().into_iter().map(|(p, l)| (&operator, p, l)).collect())
        .unwrap();

    let mut ledger = ledger_with_operator();
    let before = ledger.head();
    let mut to_sign = signing::prepare_batch(&ledger, operator.public(), rows()).unwrap();
    assert_eq!(to_sign.what.len(), 3);
    assert!(to_sign.what[0].contains("TW I 2022"), "{:?}", to_sign.what);

    // Not yet signed: refused, nothing appended.
    assert!(ledger.submit_batch(&to_sign.batch).is_err());
    assert_eq!(ledger.head(), before);

    // A bad signature for the second event is refused and not taken.
    let first = to_sign.batch.next().unwrap().unwrap();
    to_sign
        .batch
        .sign_next(operator.sign(&first.signing_message()))
        .unwrap();
    let second = to_sign.batch.next().unwrap().unwrap();
    assert_eq!(second.seq, first.seq + 1);
    assert_ne!(second.prev, first.prev, "chained to the signed first event");
    let refused = to_sign.batch.sign_next(operator.sign(&first.signing_message()));
    assert!(matches!(refused, Err(sakip::Error::Refused(_))), "{refused:?}");
    assert_eq!(to_sign.batch.signed(), 1);
    while let Some(p) = to_sign.batch.next().unwrap() {
        to_sign
            .batch
            .sign_next(operator.sign(&p.signing_message()))
            .unwrap();
    }
    assert!(to_sign.batch.is_complete());

    // A moved head: a typed conflict, nothing appended by the batch.
    let mut moved = ledger_with_operator();
    moved.append(&operator, realisation(4, 1)).unwrap();
    let head = moved.head();
    let stale = signing::submit_batch(&mut moved, &to_sign.batch);
    assert!(matches!(stale, Err(sakip::Error::Conflict { .. })), "{stale:?}");
    assert_eq!(moved.head(), head);

    let appended = signing::submit_batch(&mut ledger, &to_sign.batch).unwrap();
    assert_eq!(appended.len(), 3);
    // Same clock, same key, deterministic signatures: the same bytes.
    assert_eq!(
        appended.iter().map(|a| a.hash).collect::<Vec<_>>(),
        imported.iter().map(|a| a.hash).collect::<Vec<_>>()
    );
    assert_eq!(ledger.head(), direct.head());
    sakip::service::audit::verify(&ledger, None).unwrap();

    // A batch that breaks a rule is refused when prepared, naming its row.
    let mut bad = rows();
    bad[1].0 = Payload::RealisationRecorded(RealisationRecorded {
        indicator: "TIDAK-ADA".into(),
        period: PeriodRef {
            year: 2022,
            quarter: 2,
        },
        value: Value::Number(Dec(Decimal::ONE)),
        note: None,
    });
    let refused = signing::prepare_batch(&ledger_with_operator(), operator.public(), bad).unwrap_err();
    assert!(refused.to_string().contains("tw.csv:3"), "{refused}");
}

/// Verification in steps (how the server verifies while users append)
/// reaches the same result as the whole-ledger check, also when events are
/// appended between its runs.
#[test]
fn a_stepwise_verification_equals_the_whole_check() {
    use sakip::service::audit;
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, admin) = setup(dir.path());
    let operator = KeyPair::from_seed([81; 32]);
    ledger
        .append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: operator.public(),
                holder: holder("operator"),
                roles: vec![Role::Operator],
            }),
        )
        .unwrap();
    let mut stepwise = audit::Stepwise::new(ledger.store().layout());
    let run = audit::read_events(&ledger, stepwise.checked(), 3).unwrap();
    assert_eq!(run.len(), 3);
    stepwise.check(&run).unwrap();
    assert_eq!(stepwise.checked(), 3);
    ledger.append(&operator, realisation(1, 70)).unwrap();
    ledger.append(&operator, realisation(2, 72)).unwrap();
    let stepped = audit::finish_stepwise(&ledger, stepwise).unwrap();
    let whole = audit::verify(&ledger, None).unwrap();
    assert_eq!(stepped.verified.events, ledger.head().count);
    assert_eq!(stepped.verified.events, whole.verified.events);
    assert_eq!(stepped.verified.head, whole.verified.head);
    assert_eq!(stepped.verified.root, whole.verified.root);
    // A run checked out of order is refused, not skipped.
    let mut stepwise = audit::Stepwise::new(ledger.store().layout());
    let later = audit::read_events(&ledger, 2, 2).unwrap();
    assert!(stepwise.check(&later).is_err());
}

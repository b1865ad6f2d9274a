//! The authorization matrix of `docs/authorization.md`, walked: every event
//! kind appended by every kind of key, accepted or refused exactly as
//! documented, with nothing appended on refusal.

use rust_decimal::Decimal;
use sakip::clock::SteppingClock;
use sakip::event::*;
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Admin,
    Operator,
    Approver,
    Inspector,
    Unknown,
    Revoked,
    /// A key that will be added later, used before its key_added event.
    NotYetAdded,
}

const ACTORS: [Actor; 7] = [
    Actor::Admin,
    Actor::Operator,
    Actor::Approver,
    Actor::Inspector,
    Actor::Unknown,
    Actor::Revoked,
    Actor::NotYetAdded,
];

/// The documented role of each kind; genesis is never accepted after seq 0.
fn allowed(kind: Kind, actor: Actor) -> bool {
    let role = match actor {
        Actor::Admin => Role::Admin,
        Actor::Operator => Role::Operator,
        Actor::Approver => Role::Approver,
        Actor::Inspector => Role::Inspector,
        Actor::Unknown | Actor::Revoked | Actor::NotYetAdded => return false,
    };
    match kind {
        Kind::Genesis => false,
        Kind::KeyAdded | Kind::KeyRevoked => role == Role::Admin,
        Kind::PlanItemDefined | Kind::IndicatorDefined | Kind::TargetSet | Kind::TargetRevised => {
            role == Role::Admin
        }
        Kind::BudgetSet | Kind::BudgetRevised => role == Role::Admin,
        Kind::PlanItemRetired | Kind::IndicatorRetired | Kind::AgencySettings => role == Role::Admin,
        Kind::SignatoryRecorded => role == Role::Admin,
        Kind::RealisationRecorded
        | Kind::RealisationCorrected
        | Kind::SpendingRecorded
        | Kind::NarrativeRecorded
        | Kind::DocumentTextRecorded => role == Role::Operator,
        Kind::Approval | Kind::ReportIssued => role == Role::Approver,
    }
}

fn holder(n: &str) -> Holder {
    Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    }
}

fn num(n: i64) -> Value {
    Value::Number(Dec(Decimal::from(n)))
}

struct Setup {
    ledger: Ledger,
    keys: Vec<(Actor, KeyPair)>,
    target_seq: u64,
    entry_seq: u64,
    pagu_seq: u64,
    spare: PublicKey,
}

fn setup() -> Setup {
    let key = |seed: u8| KeyPair::from_seed([seed; 32]);
    let admin = key(1);
    let clock = Arc::new(SteppingClock::new(
        chrono::DateTime::UNIX_EPOCH,
        chrono::TimeDelta::seconds(1),
    ));
    let mut l = Ledger::init_in_memory(
        clock,
        &admin,
        Genesis {
            agency_code: "X".into(),
            agency_name: "X".into(),
            admin: holder("admin"),
            nonce: Some([11; 32]),
        },
    )
    .unwrap();
    let add = |l: &mut Ledger, k: &KeyPair, role: Role| {
        l.append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: k.public(),
                holder: holder("p"),
                roles: vec![role],
            }),
        )
        .unwrap()
    };
    let (op, ap, insp, revoked, spare) = (key(2), key(3), key(4), key(5), key(6));
    add(&mut l, &op, Role::Operator);
    add(&mut l, &ap, Role::Approver);
    add(&mut l, &insp, Role::Inspector);
    add(&mut l, &revoked, Role::Admin);
    add(&mut l, &spare, Role::Inspector);
    l.append(
        &admin,
        Payload::KeyRevoked(KeyRevoked {
            key: revoked.public(),
            reason: "mutasi".into(),
        }),
    )
    .unwrap();
    l.append(
        &admin,
        Payload::PlanItemDefined(PlanItemDefined {
            code: "T".into(),
            level: Level::Tujuan,
            name: "t".into(),
            parent: None,
        }),
    )
    .unwrap();
    l.append(
        &admin,
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
    )
    .unwrap();
    let target_seq = l
        .append(
            &admin,
            Payload::TargetSet(TargetSet {
                indicator: "I".into(),
                year: 2021,
                scope: TargetScope::Year,
                value: num(90),
                stage: Stage::Murni,
            }),
        )
        .unwrap()
        .seq;
    let pagu_seq = l
        .append(
            &admin,
            Payload::BudgetSet(BudgetSet {
                account: "T".into(),
                year: 2021,
                pagu: Dec(Decimal::from(1000)),
            }),
        )
        .unwrap()
        .seq;
    let entry_seq = l
        .append(
            &op,
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: "I".into(),
                period: PeriodRef {
                    year: 2021,
                    quarter: 1,
                },
                value: num(80),
                note: None,
            }),
        )
        .unwrap()
        .seq;
    Setup {
        ledger: l,
        keys: vec![
            (Actor::Admin, admin),
            (Actor::Operator, op),
            (Actor::Approver, ap),
            (Actor::Inspector, insp),
            (Actor::Unknown, key(7)),
            (Actor::Revoked, revoked),
            (Actor::NotYetAdded, key(8)),
        ],
        target_seq,
        entry_seq,
        pagu_seq,
        spare: spare.public(),
    }
}

/// A payload of `kind` that is valid for the setup ledger.
fn payload(kind: Kind, s: &Setup) -> Payload {
    let p2 = PeriodRef {
        year: 2021,
        quarter: 2,
    };
    match kind {
        Kind::Genesis => Payload::Genesis(Genesis {
            agency_code: "Y".into(),
            agency_name: "Y".into(),
            admin: holder("a"),
            nonce: Some([16; 32]),
        }),
        Kind::KeyAdded => Payload::KeyAdded(KeyAdded {
            key: KeyPair::from_seed([9; 32]).public(),
            holder: holder("n"),
            roles: vec![Role::Operator],
        }),
        Kind::KeyRevoked => Payload::KeyRevoked(KeyRevoked {
            key: s.spare,
            reason: "pensiun".into(),
        }),
        Kind::Approval => Payload::Approval(Approval {
            decision: Decision::Approve,
            covers: vec![s.entry_seq],
            comment: None,
        }),
        Kind::PlanItemDefined => Payload::PlanItemDefined(PlanItemDefined {
            code: "S".into(),
            level: Level::Sasaran,
            name: "s".into(),
            parent: Some("T".into()),
        }),
        Kind::IndicatorDefined => Payload::IndicatorDefined(IndicatorDefined {
            code: "J".into(),
            name: "j".into(),
            item: "T".into(),
            unit: "%".into(),
            polarity: Polarity::LowerIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::Sum,
            lower_rule: LowerRule::Inverse,
            cap: None,
            iku: false,
            formula: None,
            source: None,
        }),
        Kind::TargetSet => Payload::TargetSet(TargetSet {
            indicator: "I".into(),
            year: 2022,
            scope: TargetScope::Year,
            value: num(95),
            stage: Stage::Murni,
        }),
        Kind::TargetRevised => Payload::TargetRevised(TargetRevised {
            indicator: "I".into(),
            year: 2021,
            scope: TargetScope::Year,
            value: num(85),
            stage: Stage::Perubahan,
            reason: "refocusing".into(),
            basis: "DPA Perubahan".into(),
            revises: s.target_seq,
        }),
        Kind::RealisationRecorded => Payload::RealisationRecorded(RealisationRecorded {
            indicator: "I".into(),
            period: p2,
            value: num(81),
            note: None,
        }),
        Kind::RealisationCorrected => Payload::RealisationCorrected(RealisationCorrected {
            indicator: "I".into(),
            period: PeriodRef {
                year: 2021,
                quarter: 1,
            },
            value: num(82),
            supersedes: s.entry_seq,
            reason: "salah ketik".into(),
        }),
        Kind::BudgetSet => Payload::BudgetSet(BudgetSet {
            account: "T".into(),
            year: 2022,
            pagu: Dec(Decimal::from(500)),
        }),
        Kind::BudgetRevised => Payload::BudgetRevised(BudgetRevised {
            account: "T".into(),
            year: 2021,
            pagu: Dec(Decimal::from(900)),
            stage: Stage::Perubahan,
            reason: "r".into(),
            basis: "b".into(),
            revises: s.pagu_seq,
        }),
        Kind::SpendingRecorded => Payload::SpendingRecorded(SpendingRecorded {
            account: "T".into(),
            period: p2,
            amount: Dec(Decimal::from(10)),
            note: None,
        }),
        Kind::NarrativeRecorded => Payload::NarrativeRecorded(NarrativeRecorded {
            indicator: "I".into(),
            year: 2021,
            faktor_pendorong: "p".into(),
            hambatan: "h".into(),
            strategi_pemecahan: "s".into(),
        }),
        Kind::DocumentTextRecorded => Payload::DocumentTextRecorded(DocumentText {
            year: 2021,
            section: "penutup".into(),
            text: "Demikian laporan ini.".into(),
        }),
        Kind::SignatoryRecorded => Payload::SignatoryRecorded(Signatory {
            year: 2021,
            name: "Kepala".into(),
            nip: "19670506 199202 1 003".into(),
            position: "Kepala Badan".into(),
            rank: String::new(),
            place: "Kediri".into(),
            date: "2022-02-25".into(),
        }),
        Kind::PlanItemRetired => Payload::PlanItemRetired(Retired {
            code: "T".into(),
            year: 2022,
            reason: "salah input".into(),
        }),
        Kind::AgencySettings => Payload::AgencySettings(AgencySettings {
            time_zone: TimeZone::Wit,
        }),
        Kind::IndicatorRetired => Payload::IndicatorRetired(Retired {
            code: "I".into(),
            year: 2022,
            reason: "salah input".into(),
        }),
        Kind::ReportIssued => Payload::ReportIssued(ReportIssued {
            kind: "capaian".into(),
            format: "md".into(),
            year: 2021,
            as_of: 4,
            known_seq: s.entry_seq,
            approved_only: false,
            sha256: [1; 32],
            size: 1,
            title: "t".into(),
            figures: vec![],
        }),
    }
}

#[test]
fn every_kind_by_every_key_is_accepted_or_refused_as_documented() {
    let mut checked = 0;
    for kind in Kind::ALL {
        for actor in ACTORS {
            let mut s = setup();
            let p = payload(kind, &s);
            assert_eq!(p.kind(), kind);
            let key = s.keys.iter().find(|(a, _)| *a == actor).unwrap().1.clone();
            let before = s.ledger.head();
            let result = s.ledger.append(&key, p.clone());
            if allowed(kind, actor) {
                assert!(
                    result.is_ok(),
                    "{kind:?} by {actor:?} should be accepted: {result:?}"
                );
            } else {
                match &result {
                    Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_)) => {}
                    other => panic!("{kind:?} by {actor:?} should be refused, got {other:?}"),
                }
                assert_eq!(s.ledger.head(), before, "{kind:?} by {actor:?} changed the head");
            }
            if actor == Actor::NotYetAdded {
                // Once added with the right role, the same key may act.
                let admin = s.keys[0].1.clone();
                let role = [Role::Admin, Role::Operator, Role::Approver]
                    .into_iter()
                    .find(|r| {
                        matches!(
                            (kind, r),
                            (
                                Kind::KeyAdded
                                    | Kind::KeyRevoked
                                    | Kind::PlanItemDefined
                                    | Kind::IndicatorDefined
                                    | Kind::TargetSet
                                    | Kind::TargetRevised
                                    | Kind::BudgetSet
                                    | Kind::BudgetRevised
                                    | Kind::PlanItemRetired
                                    | Kind::IndicatorRetired
                                    | Kind::AgencySettings
                                    | Kind::SignatoryRecorded,
                                Role::Admin
                            ) | (
                                Kind::RealisationRecorded
                                    | Kind::RealisationCorrected
                                    | Kind::SpendingRecorded
                                    | Kind::NarrativeRecorded
                                    | Kind::DocumentTextRecorded,
                                Role::Operator
                            ) | (Kind::Approval | Kind::ReportIssued, Role::Approver)
                        )
                    });
                if let Some(role) = role {
                    s.ledger
                        .append(
                            &admin,
                            Payload::KeyAdded(KeyAdded {
                                key: key.public(),
                                holder: holder("baru"),
                                roles: vec![role],
                            }),
                        )
                        .unwrap();
                    let p = payload(kind, &s);
                    assert!(
                        s.ledger.append(&key, p).is_ok(),
                        "{kind:?} by the key once added as {role}"
                    );
                }
            }
            sakip::verify::verify_store(s.ledger.store()).unwrap();
            checked += 1;
        }
    }
    assert_eq!(checked, Kind::ALL.len() * ACTORS.len());
}

/// Segregation of duties: a key holding both operator and approver roles
/// may approve others' entries, never its own; the refusal appends nothing
/// and the ledger still verifies. The same rule in `verify` flags a stored
/// self-approval (`Registry::check` runs in both).
#[test]
fn no_key_approves_its_own_entry() {
    let mut s = setup();
    let admin = s.keys[0].1.clone();
    let dual = KeyPair::from_seed([9; 32]);
    s.ledger
        .append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: dual.public(),
                holder: holder("kasubag"),
                roles: vec![Role::Operator, Role::Approver],
            }),
        )
        .unwrap();
    let own = s
        .ledger
        .append(
            &dual,
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: "I".into(),
                period: PeriodRef {
                    year: 2021,
                    quarter: 2,
                },
                value: num(85),
                note: None,
            }),
        )
        .unwrap()
        .seq;
    let before = s.ledger.head();
    for covers in [vec![own], vec![s.entry_seq, own]] {
        let refused = s.ledger.append(
            &dual,
            Payload::Approval(Approval {
                decision: Decision::Approve,
                covers,
                comment: None,
            }),
        );
        assert!(
            matches!(&refused, Err(sakip::Error::Unauthorized(m)) if m.contains("segregation of duties")),
            "{refused:?}"
        );
        assert_eq!(s.ledger.head(), before);
    }
    // Another's entry is fine; so is another approver on this one.
    s.ledger
        .append(
            &dual,
            Payload::Approval(Approval {
                decision: Decision::Approve,
                covers: vec![s.entry_seq],
                comment: None,
            }),
        )
        .unwrap();
    let approver = s.keys[2].1.clone();
    s.ledger
        .append(
            &approver,
            Payload::Approval(Approval {
                decision: Decision::Return,
                covers: vec![own],
                comment: Some("lengkapi bukti dukung".into()),
            }),
        )
        .unwrap();
    sakip::verify::verify_store(s.ledger.store()).unwrap();

    // A self-approval written past the append check (by another tool) is
    // flagged by verification, at its seq.
    let mut v = sakip::verify::Verifier::new();
    let mut prev = EventHash::ZERO;
    let mut last_time = 0;
    for e in s.ledger.store().events_from(0) {
        let (seq, bytes) = e.unwrap();
        v.push(seq, &bytes).unwrap();
        prev = sakip::codec::hash_stored(&bytes);
        last_time = sakip::codec::Frame::parse(&bytes).unwrap().recorded_at();
    }
    let seq = s.ledger.head().count;
    let payload = Payload::Approval(Approval {
        decision: Decision::Approve,
        covers: vec![own],
        comment: None,
    });
    let body = sakip::codec::encode_body(&sakip::codec::Unsigned {
        seq,
        prev,
        recorded_at: last_time + 1,
        author: dual.public(),
        payload: &payload,
    })
    .unwrap();
    let bytes = [
        body.clone(),
        dual.sign(&sakip::codec::signing_message(&body)).to_vec(),
    ]
    .concat();
    let err = v.push(seq, &bytes).unwrap_err().to_string();
    assert!(
        err.contains(&format!("at seq {seq}")) && err.contains("segregation of duties"),
        "{err}"
    );
}

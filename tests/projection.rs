//! Properties: for random event sequences, the incrementally maintained
//! projection, the projection after `rebuild`, and an independent replay of
//! the event prefix agree at every known-at seq, every as-of quarter, with
//! and without approved-only; and the same model holds through key
//! revocations and closing and reopening the ledger.

use proptest::prelude::*;
use rust_decimal::Decimal;
use sakip::clock::SteppingClock;
use sakip::event::*;
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use sakip::projection::{self, Query};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Code, value kind, and how to make its aggregation.
type IndicatorSpec = (&'static str, ValueKind, fn() -> Aggregation);

const INDICATORS: [IndicatorSpec; 3] = [
    ("N-LAST", ValueKind::Number, || Aggregation::LastQuarter),
    ("N-SUM", ValueKind::Number, || Aggregation::Sum),
    ("R-SUMS", ValueKind::Ratio, || Aggregation::RatioOfSums),
];

#[derive(Clone, Debug)]
enum Op {
    Record {
        ind: usize,
        quarter: u8,
        a: u16,
        b: u16,
    },
    Correct {
        ind: usize,
        quarter: u8,
        a: u16,
        b: u16,
    },
    Target {
        ind: usize,
        scope: u8,
        a: u16,
    },
    Approve {
        back: u8,
        decision: u8,
    },
    /// Set or revise the pagu of a budget account.
    Pagu {
        account: usize,
        a: u16,
    },
    /// Spending on a budget account in a quarter.
    Spend {
        account: usize,
        quarter: u8,
        a: u16,
    },
}

/// The budget accounts of the plan: a program and a kegiatan under it.
const ACCOUNTS: [&str; 2] = ["P", "K"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..5u8, 0..500u16, 1..500u16).prop_map(|(ind, quarter, a, b)| Op::Record { ind, quarter, a, b }),
        2 => (0..3usize, 0..5u8, 0..500u16, 1..500u16).prop_map(|(ind, quarter, a, b)| Op::Correct { ind, quarter, a, b }),
        1 => (0..3usize, 0..5u8, 1..500u16).prop_map(|(ind, scope, a)| Op::Target { ind, scope, a }),
        2 => (1..6u8, 0..3u8).prop_map(|(back, decision)| Op::Approve { back, decision }),
        1 => (0..2usize, 1..500u16).prop_map(|(account, a)| Op::Pagu { account, a }),
        2 => (0..2usize, 1..5u8, 1..500u16).prop_map(|(account, quarter, a)| Op::Spend { account, quarter, a }),
    ]
}

fn value(kind: ValueKind, a: u16, b: u16) -> Value {
    match kind {
        ValueKind::Ratio => Value::Ratio {
            numerator: Dec(Decimal::from(a)),
            denominator: Dec(Decimal::from(b)),
        },
        _ => Value::Number(Dec(Decimal::new(a as i64, 1))),
    }
}

fn period(quarter: u8) -> PeriodRef {
    PeriodRef { year: 2021, quarter }
}

/// A ledger with the plan; on disk in `dir`, or in memory.
fn setup(dir: Option<&std::path::Path>) -> (Ledger, KeyPair, KeyPair, KeyPair) {
    let admin = KeyPair::from_seed([1; 32]);
    let op = KeyPair::from_seed([2; 32]);
    let head = KeyPair::from_seed([3; 32]);
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2021-01-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::minutes(1),
    ));
    let holder = |n: &str| Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    };
    let genesis = Genesis {
        agency_code: "X".into(),
        agency_name: "X".into(),
        admin: holder("admin"),
        nonce: Some([13; 32]),
    };
    let mut l = match dir {
        Some(dir) => Ledger::init(dir, clock, &admin, genesis),
        None => Ledger::init_in_memory(clock, &admin, genesis),
    }
    .unwrap();
    for (k, r) in [(&op, Role::Operator), (&head, Role::Approver)] {
        l.append(
            &admin,
            Payload::KeyAdded(KeyAdded {
                key: k.public(),
                holder: holder("p"),
                roles: vec![r],
            }),
        )
        .unwrap();
    }
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
    for (code, level, parent) in [("P", Level::Program, "T"), ("K", Level::Kegiatan, "P")] {
        l.append(
            &admin,
            Payload::PlanItemDefined(PlanItemDefined {
                code: code.into(),
                level,
                name: code.into(),
                parent: Some(parent.into()),
            }),
        )
        .unwrap();
    }
    for (code, kind, agg) in INDICATORS {
        l.append(
            &admin,
            Payload::IndicatorDefined(IndicatorDefined {
                code: code.into(),
                name: code.into(),
                item: "T".into(),
                unit: "x".into(),
                polarity: Polarity::HigherIsBetter,
                value_kind: kind,
                aggregation: agg(),
                lower_rule: LowerRule::Inverse,
                cap: None,
                iku: true,
                formula: None,
                source: None,
            }),
        )
        .unwrap();
    }
    (l, admin, op, head)
}

/// Apply an op; refusals (duplicates, nothing to correct) are skipped, as a
/// user would see them refused.
fn apply(l: &mut Ledger, admin: &KeyPair, op_key: &KeyPair, head: &KeyPair, op: &Op) {
    let current = |l: &Ledger, ind: usize, quarter: u8| {
        let q = Query {
            year: 2021,
            as_of: sakip::period::Quarter::LAST,
            known: u64::MAX,
            approved_only: false,
        };
        projection::realisation(l.store(), INDICATORS[ind].0, period(quarter), &q)
            .unwrap()
            .map(|v| v.seq)
    };
    let (signer, payload) = match *op {
        Op::Record { ind, quarter, a, b } => (
            op_key,
            Payload::RealisationRecorded(RealisationRecorded {
                indicator: INDICATORS[ind].0.into(),
                period: period(quarter),
                value: value(INDICATORS[ind].1, a, b),
                note: None,
            }),
        ),
        Op::Correct { ind, quarter, a, b } => match current(l, ind, quarter) {
            Some(seq) => (
                op_key,
                Payload::RealisationCorrected(RealisationCorrected {
                    indicator: INDICATORS[ind].0.into(),
                    period: period(quarter),
                    value: value(INDICATORS[ind].1, a, b),
                    supersedes: seq,
                    reason: "koreksi".into(),
                }),
            ),
            None => return,
        },
        Op::Target { ind, scope, a } => {
            let scope = if scope == 0 {
                TargetScope::Year
            } else {
                TargetScope::Quarter(scope)
            };
            let v = Value::Number(Dec(Decimal::from(a)));
            let versions =
                projection::target_versions(l.store(), INDICATORS[ind].0, 2021, scope, u64::MAX).unwrap();
            let payload = match versions.last() {
                None => Payload::TargetSet(TargetSet {
                    indicator: INDICATORS[ind].0.into(),
                    year: 2021,
                    scope,
                    value: v,
                    stage: Stage::Murni,
                }),
                Some(&revises) => Payload::TargetRevised(TargetRevised {
                    indicator: INDICATORS[ind].0.into(),
                    year: 2021,
                    scope,
                    value: v,
                    stage: Stage::Perubahan,
                    reason: "r".into(),
                    basis: "b".into(),
                    revises,
                }),
            };
            (admin, payload)
        }
        Op::Pagu { account, a } => {
            let q = Query {
                year: 2021,
                as_of: sakip::period::Quarter::LAST,
                known: u64::MAX,
                approved_only: false,
            };
            let pagu = Dec(Decimal::from(a) * Decimal::from(1_000_000));
            let payload = match projection::pagu(l.store(), ACCOUNTS[account], 2021, &q).unwrap() {
                None => Payload::BudgetSet(BudgetSet {
                    account: ACCOUNTS[account].into(),
                    year: 2021,
                    pagu,
                }),
                Some(v) => Payload::BudgetRevised(BudgetRevised {
                    account: ACCOUNTS[account].into(),
                    year: 2021,
                    pagu,
                    stage: Stage::Perubahan,
                    reason: "r".into(),
                    basis: "b".into(),
                    revises: v.seq,
                }),
            };
            (admin, payload)
        }
        Op::Spend { account, quarter, a } => (
            op_key,
            Payload::SpendingRecorded(SpendingRecorded {
                account: ACCOUNTS[account].into(),
                period: period(quarter),
                amount: Dec(Decimal::from(a) * Decimal::from(1_000)),
                note: None,
            }),
        ),
        Op::Approve { back, decision } => {
            let count = l.head().count;
            let seq = count.saturating_sub(back as u64);
            let decision = [Decision::Approve, Decision::Reject, Decision::Return][decision as usize];
            (
                head,
                Payload::Approval(Approval {
                    decision,
                    covers: vec![seq],
                    comment: None,
                }),
            )
        }
    };
    let _ = l.append(signer, payload);
}

/// The independent replay: fold the event prefix into plain maps.
#[derive(Default)]
struct Replay {
    entries: BTreeMap<(String, u8), Vec<(u64, Value)>>,
    targets: BTreeMap<(String, u8), Vec<(u64, Value)>>,
    decisions: BTreeMap<u64, Vec<(u64, Decision)>>,
}

impl Replay {
    fn fold(events: &[Event]) -> Replay {
        let mut r = Replay::default();
        for e in events {
            match &e.payload {
                Payload::RealisationRecorded(x) => r
                    .entries
                    .entry((x.indicator.clone(), x.period.quarter))
                    .or_default()
                    .push((e.seq, x.value.clone())),
                Payload::RealisationCorrected(x) => r
                    .entries
                    .entry((x.indicator.clone(), x.period.quarter))
                    .or_default()
                    .push((e.seq, x.value.clone())),
                Payload::TargetSet(t) => r
                    .targets
                    .entry((t.indicator.clone(), scope_n(t.scope)))
                    .or_default()
                    .push((e.seq, t.value.clone())),
                Payload::TargetRevised(t) => r
                    .targets
                    .entry((t.indicator.clone(), scope_n(t.scope)))
                    .or_default()
                    .push((e.seq, t.value.clone())),
                Payload::Approval(a) => {
                    for &c in &a.covers {
                        r.decisions.entry(c).or_default().push((e.seq, a.decision));
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn approved(&self, seq: u64) -> bool {
        matches!(
            self.decisions.get(&seq).and_then(|d| d.last()),
            Some((_, Decision::Approve))
        )
    }

    fn current<'a>(
        &self,
        list: Option<&'a Vec<(u64, Value)>>,
        approved_only: bool,
    ) -> Option<&'a (u64, Value)> {
        list?
            .iter()
            .rev()
            .find(|(s, _)| !approved_only || self.approved(*s))
    }

    /// (target, realisasi) of an indicator at as-of quarter `q`.
    fn state(&self, ind: usize, q: u8, approved_only: bool) -> (Option<Value>, Option<Value>) {
        let code = INDICATORS[ind].0.to_string();
        // At TW IV the annual PK target comes first, before it the phasing.
        let (first, second) = if q == 4 { (0, 4) } else { (q, 0) };
        let target = self
            .current(self.targets.get(&(code.clone(), first)), approved_only)
            .or_else(|| self.current(self.targets.get(&(code.clone(), second)), approved_only))
            .map(|(_, v)| v.clone());
        if q == 4 {
            if let Some((_, v)) = self.current(self.entries.get(&(code.clone(), 0)), approved_only) {
                return (target, Some(v.clone()));
            }
        }
        let values: Vec<Value> = (1..=q)
            .filter_map(|quarter| self.current(self.entries.get(&(code.clone(), quarter)), approved_only))
            .map(|(_, v)| v.clone())
            .collect();
        if values.is_empty() {
            return (target, None);
        }
        let real = match ind {
            0 => values.last().cloned(),
            1 => Some(Value::Number(Dec(values
                .iter()
                .map(|v| match v {
                    Value::Number(d) => d.0,
                    _ => Decimal::ZERO,
                })
                .sum()))),
            _ => {
                let (mut n, mut d) = (Decimal::ZERO, Decimal::ZERO);
                for v in &values {
                    if let Value::Ratio {
                        numerator,
                        denominator,
                    } = v
                    {
                        n += numerator.0;
                        d += denominator.0;
                    }
                }
                Some(Value::Ratio {
                    numerator: Dec(n),
                    denominator: Dec(d),
                })
            }
        };
        (target, real)
    }
}

fn scope_n(scope: TargetScope) -> u8 {
    match scope {
        TargetScope::Year => 0,
        TargetScope::Quarter(q) => q,
        TargetScope::Renstra => 5,
    }
}

type Snapshot = Vec<(
    u64,
    u8,
    bool,
    Vec<projection::IndicatorState>,
    sakip::budget::Budget,
)>;

fn snapshot(l: &Ledger, from: u64) -> Snapshot {
    states_at(l.store(), from..l.head().count)
}

/// The 2021 states and budget at each recorded time in `known`, every
/// as-of quarter, with and without approved-only, through `read`.
fn states_at(read: &dyn projection::IndexRead, known: impl IntoIterator<Item = u64>) -> Snapshot {
    let mut out = Vec::new();
    for known in known {
        let items = projection::active_items(read, 2021, known).unwrap();
        for as_of in 1..=4 {
            for approved_only in [false, true] {
                let q = Query {
                    year: 2021,
                    as_of: sakip::period::Quarter::new(as_of).unwrap(),
                    known,
                    approved_only,
                };
                let budget = sakip::budget::Budget::load(read, items.iter().map(|(_, i)| i), &q).unwrap();
                out.push((
                    known,
                    as_of,
                    approved_only,
                    projection::state(read, &q).unwrap(),
                    budget,
                ));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_rebuild_equals_replay(ops in proptest::collection::vec(op(), 1..30)) {
        let (mut l, admin, op_key, head) = setup(None);
        let plan_end = l.head().count;
        for op in &ops {
            apply(&mut l, &admin, &op_key, &head, op);
        }
        let incremental = snapshot(&l, plan_end - 1);
        let index_before = l.store().projection_entries().unwrap();
        l.rebuild().unwrap();
        prop_assert_eq!(l.store().projection_entries().unwrap(), index_before);
        let rebuilt = snapshot(&l, plan_end - 1);
        prop_assert_eq!(&incremental, &rebuilt);

        let events: Vec<Event> = l.events_from(0).map(|e| e.unwrap().event).collect();
        for (known, as_of, approved_only, states, _) in &incremental {
            let replay = Replay::fold(&events[..=*known as usize]);
            for (ind, (code, _, _)) in INDICATORS.iter().enumerate() {
                let state = states.iter().find(|s| s.indicator.code == *code).unwrap();
                let (target, real) = replay.state(ind, *as_of, *approved_only);
                prop_assert_eq!(state.target.as_ref().map(|(_, v)| v.value.clone()), target, "target {} at {} Q{}", code, known, as_of);
                prop_assert_eq!(&state.realisasi, &real, "realisasi {} at {} Q{} approved_only {}", code, known, as_of, approved_only);
            }
        }
    }
}

/// The 2021 states at the head and two earlier recorded times, through `read`.
fn states_through(l: &Ledger, read: &dyn projection::IndexRead) -> Snapshot {
    let head = l.head().count;
    states_at(read, [head - 1, head / 2, head.saturating_sub(4)])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A ledger keeps the year figures its queries read for the life of the
    /// process and takes its own appends into them: after every append, a
    /// query through `Ledger::index` answers exactly what the stored index
    /// read afresh answers, at the head and at earlier recorded times.
    #[test]
    fn kept_year_figures_follow_every_append(ops in proptest::collection::vec(op(), 1..30)) {
        let (mut l, admin, op_key, head) = setup(None);
        prop_assert_eq!(states_through(&l, &l.index()), states_through(&l, l.store()));
        for op in &ops {
            apply(&mut l, &admin, &op_key, &head, op);
            prop_assert_eq!(states_through(&l, &l.index()), states_through(&l, l.store()));
        }
        // A definition and a retirement after the kept entries were read.
        l.append(&admin, Payload::IndicatorDefined(IndicatorDefined {
            code: "N-NEW".into(),
            name: "N-NEW".into(),
            item: "T".into(),
            unit: "x".into(),
            polarity: Polarity::HigherIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::LastQuarter,
            lower_rule: LowerRule::Inverse,
            cap: None,
            iku: false,
            formula: None,
            source: None,
        })).unwrap();
        prop_assert_eq!(states_through(&l, &l.index()), states_through(&l, l.store()));
        l.append(&admin, Payload::IndicatorRetired(Retired {
            code: "N-SUM".into(),
            year: 2021,
            reason: "diganti".into(),
        })).unwrap();
        let kept = states_through(&l, &l.index());
        prop_assert_eq!(&kept, &states_through(&l, l.store()));
        prop_assert!(kept[0].3.iter().all(|s| s.indicator.code != "N-SUM"));
        prop_assert!(kept[0].3.iter().any(|s| s.indicator.code == "N-NEW"));
    }
}

#[derive(Clone, Debug)]
enum LifeOp {
    Domain(Op),
    /// Revoke the operator's key and register a new one.
    RotateOperator,
    /// Close the ledger and open it again from its directory.
    Reopen,
}

fn life_op() -> impl Strategy<Value = LifeOp> {
    prop_oneof![
        6 => op().prop_map(LifeOp::Domain),
        1 => Just(LifeOp::RotateOperator),
        1 => Just(LifeOp::Reopen),
    ]
}

/// Open a ledger just closed in this process: sled releases the old lock
/// from a background thread, so retry while it is still held.
fn reopen(dir: &std::path::Path, clock: &Arc<SteppingClock>) -> Ledger {
    let start = std::time::Instant::now();
    loop {
        match Ledger::open(dir, clock.clone()) {
            Ok(l) => return l,
            Err(e) if start.elapsed() < std::time::Duration::from_secs(10) => {
                let _ = e;
                std::thread::yield_now();
            }
            Err(e) => panic!("reopen: {e}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Model-based: appends, corrections, revisions, approvals, key
    /// rotations and reopening, checked against the independent replay and
    /// the expected key states after every step that matters.
    #[test]
    fn revocations_and_reopening_keep_the_model(ops in proptest::collection::vec(life_op(), 1..30)) {
        let dir = tempfile::tempdir().unwrap();
        let (mut l, admin, first_op, head) = setup(Some(dir.path()));
        let mut operator = first_op;
        let mut revoked: Vec<KeyPair> = Vec::new();
        let mut seed = 100u8;
        // One clock for every reopening, so recorded time keeps moving forward.
        let clock = Arc::new(SteppingClock::new(
            sakip::clock::parse_time("2024-01-01T00:00:00Z").unwrap(),
            chrono::TimeDelta::minutes(1),
        ));
        for op in &ops {
            match op {
                LifeOp::Domain(op) => apply(&mut l, &admin, &operator, &head, op),
                LifeOp::RotateOperator => {
                    let old = operator.clone();
                    seed += 1;
                    operator = KeyPair::from_seed([seed; 32]);
                    l.append(&admin, Payload::KeyRevoked(KeyRevoked { key: old.public(), reason: "mutasi".into() })).unwrap();
                    l.append(&admin, Payload::KeyAdded(KeyAdded {
                        key: operator.public(),
                        holder: Holder { name: format!("operator {seed}"), nip: None, jabatan: None },
                        roles: vec![Role::Operator],
                    })).unwrap();
                    revoked.push(old);
                }
                LifeOp::Reopen => {
                    drop(l);
                    l = reopen(dir.path(), &clock);
                }
            }
            // A revoked operator is refused, and nothing is appended.
            if let Some(old) = revoked.last() {
                let before = l.head();
                let refused = l.append(old, Payload::NarrativeRecorded(NarrativeRecorded {
                    indicator: INDICATORS[0].0.into(),
                    year: 2021,
                    faktor_pendorong: "x".into(),
                    hambatan: String::new(),
                    strategi_pemecahan: String::new(),
                }));
                prop_assert!(matches!(refused, Err(sakip::Error::Refused(_) | sakip::Error::Unauthorized(_))));
                prop_assert_eq!(l.head(), before);
            }
        }
        sakip::verify::verify_store(l.store()).unwrap();
        for old in &revoked {
            prop_assert!(l.registry().get(&old.public()).unwrap().revoked_seq.is_some());
        }
        let events: Vec<Event> = l.events_from(0).map(|e| e.unwrap().event).collect();
        let replay = Replay::fold(&events);
        for as_of in 1..=4u8 {
            for approved_only in [false, true] {
                let q = Query { year: 2021, as_of: sakip::period::Quarter::new(as_of).unwrap(), known: l.head().count - 1, approved_only };
                let states = projection::state(l.store(), &q).unwrap();
                for (ind, (code, _, _)) in INDICATORS.iter().enumerate() {
                    let state = states.iter().find(|s| s.indicator.code == *code).unwrap();
                    let (target, real) = replay.state(ind, as_of, approved_only);
                    prop_assert_eq!(state.target.as_ref().map(|(_, v)| v.value.clone()), target);
                    prop_assert_eq!(&state.realisasi, &real);
                }
            }
        }
    }
}

//! Criterion micro-benchmarks of the per-event paths, each beside the raw
//! operation it is built on. `cargo bench` runs them; `sakip bench` measures
//! the whole system (docs/performance.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sakip::codec::{self, Unsigned};
use sakip::event::{Dec, EventHash, Payload, PeriodRef, RealisationRecorded, Value};
use sakip::keys::KeyPair;
use sakip::projection::{self, Query};
use sakip_bench::synth::{Generator, Spec};

fn realisation() -> Payload {
    Payload::RealisationRecorded(RealisationRecorded {
        indicator: "IKU-01".into(),
        period: PeriodRef {
            year: 2021,
            quarter: 3,
        },
        value: Value::Number(Dec(rust_decimal::Decimal::new(9892, 2))),
        note: Some("data dari SIMPEG".into()),
    })
}

fn event_paths(c: &mut Criterion) {
    let key = KeyPair::from_seed([7; 32]);
    let payload = realisation();
    let unsigned = Unsigned {
        seq: 1234,
        prev: EventHash([1; 32]),
        recorded_at: 1_640_000_000_000_000,
        author: key.public(),
        payload: &payload,
    };
    let body = codec::encode_body(&unsigned).unwrap();
    let message = codec::signing_message(&body);
    let signature = key.sign(&message);
    let mut stored = body.clone();
    stored.extend_from_slice(&signature);

    c.bench_function("raw Ed25519 sign", |b| b.iter(|| key.sign(black_box(&message))));
    c.bench_function("encode, sign and hash one event", |b| {
        b.iter(|| {
            let body = codec::encode_body(black_box(&unsigned)).unwrap();
            let signature = key.sign(&codec::signing_message(&body));
            let mut bytes = body;
            bytes.extend_from_slice(&signature);
            codec::hash_stored(&bytes)
        })
    });
    c.bench_function("raw Ed25519 verify_strict", |b| {
        b.iter(|| sakip::keys::verify_strict(&key.public(), black_box(&message), &signature))
    });
    c.bench_function("decode one stored event", |b| {
        b.iter(|| codec::decode(black_box(&stored)))
    });
    c.bench_function("index entries of one event", |b| {
        b.iter(|| projection::index_entries(1234, 0, black_box(&payload)))
    });
}

fn query(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::default();
    let mut g = Generator::create(&dir.path().join("ledger"), "OPD-00000", &spec, 1).unwrap();
    g.year(2021).unwrap();
    let q = Query {
        year: 2021,
        as_of: sakip::period::Quarter::LAST,
        known: g.ledger.head().count - 1,
        approved_only: false,
    };
    c.bench_function("as-of status of one agency-year", |b| {
        b.iter(|| projection::state(g.ledger.store(), black_box(&q)).unwrap())
    });
}

criterion_group!(benches, event_paths, query);
criterion_main!(benches);

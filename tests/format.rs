//! The byte format: golden bytes and digests for every event kind, and
//! encode/decode round trips. A change that breaks a golden value is a
//! format break: bump `FORMAT_VERSION` and document it in `schema/`.

use proptest::prelude::*;
use sakip::codec::{self, Frame, Unsigned};
use sakip::event::*;
use sakip::keys::KeyPair;

fn holder(name: &str) -> Holder {
    Holder {
        name: name.into(),
        nip: Some("197001012000031001".into()),
        jabatan: Some("Kepala Badan".into()),
    }
}

/// One event of each kind, built from fixed keys and a fixed time.
fn samples() -> Vec<Payload> {
    let other = KeyPair::from_seed([2; 32]).public();
    vec![
        // A genesis written before the nonce existed: its bytes must never change.
        Payload::Genesis(Genesis {
            agency_code: "4.01.03".into(),
            agency_name: "BKPSDM Kota Kediri".into(),
            admin: holder("Admin"),
            nonce: None,
        }),
        Payload::KeyAdded(KeyAdded {
            key: other,
            holder: holder("Kepala"),
            roles: vec![Role::Approver, Role::Inspector],
        }),
        Payload::KeyRevoked(KeyRevoked {
            key: other,
            reason: "pensiun".into(),
        }),
        Payload::Approval(Approval {
            decision: Decision::Return,
            covers: vec![1, 2],
            comment: None,
        }),
    ]
}

fn dec(s: &str) -> Dec {
    Dec(s.parse().unwrap())
}

/// One event of each domain kind (kinds 4-14).
fn domain_samples() -> Vec<Payload> {
    let period = PeriodRef {
        year: 2021,
        quarter: 4,
    };
    vec![
        Payload::PlanItemDefined(PlanItemDefined {
            code: "S1".into(),
            level: Level::Sasaran,
            name: "Meningkatkan Kompetensi dan Kinerja ASN".into(),
            parent: Some("T1".into()),
        }),
        Payload::IndicatorDefined(IndicatorDefined {
            code: "IT-1".into(),
            name: "Indeks Profesionalisme ASN".into(),
            item: "T1".into(),
            unit: "indeks".into(),
            polarity: Polarity::HigherIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::Components(vec!["IT-1a".into(), "IT-1b".into()]),
            lower_rule: LowerRule::Inverse,
            cap: Some(dec("100")),
            iku: false,
            formula: Some("a + b".into()),
            source: None,
        }),
        Payload::TargetSet(TargetSet {
            indicator: "IKU-1.2".into(),
            year: 2021,
            scope: TargetScope::Quarter(2),
            value: Value::Number(dec("99.71")),
            stage: Stage::Murni,
        }),
        Payload::TargetRevised(TargetRevised {
            indicator: "IO-P3.1.1".into(),
            year: 2021,
            scope: TargetScope::Year,
            value: Value::Text("6 peserta".into()),
            stage: Stage::Perubahan,
            reason: "refocusing".into(),
            basis: "DPA Perubahan".into(),
            revises: 99,
        }),
        Payload::RealisationRecorded(RealisationRecorded {
            indicator: "IP-2.2".into(),
            period,
            value: Value::Ratio {
                numerator: dec("2682"),
                denominator: dec("2778"),
            },
            note: None,
        }),
        Payload::RealisationCorrected(RealisationCorrected {
            indicator: "IKU-3.1".into(),
            period: PeriodRef {
                year: 2021,
                quarter: 0,
            },
            value: Value::Grade(Grade::A),
            supersedes: 7,
            reason: "r".into(),
        }),
        Payload::BudgetSet(BudgetSet {
            account: "P3".into(),
            year: 2021,
            pagu: dec("1268161850"),
        }),
        Payload::BudgetRevised(BudgetRevised {
            account: "P3".into(),
            year: 2021,
            pagu: dec("14667701489.89"),
            stage: Stage::Murni,
            reason: "r".into(),
            basis: "b".into(),
            revises: 8,
        }),
        Payload::SpendingRecorded(SpendingRecorded {
            account: "P3".into(),
            period,
            amount: dec("1024833162"),
            note: None,
        }),
        Payload::NarrativeRecorded(NarrativeRecorded {
            indicator: "IKU-1.1".into(),
            year: 2021,
            faktor_pendorong: "p".into(),
            hambatan: "h".into(),
            strategi_pemecahan: "s".into(),
        }),
        Payload::ReportIssued(ReportIssued {
            kind: "capaian".into(),
            format: "html".into(),
            year: 2021,
            as_of: 4,
            known_seq: 325,
            approved_only: false,
            sha256: [0x11; 32],
            size: 4096,
            title: "Capaian Kinerja Tahun 2021".into(),
            figures: vec![ReportedFigure {
                subject: "IKU-2.2".into(),
                measure: Measure::Capaian,
                value: Value::Number(dec("91.43")),
            }],
        }),
        Payload::PlanItemRetired(Retired {
            code: "S9".into(),
            year: 2022,
            reason: "salah input".into(),
        }),
        Payload::IndicatorRetired(Retired {
            code: "IKU-9".into(),
            year: 2022,
            reason: "bukan IKU PK 2022".into(),
        }),
        Payload::AgencySettings(AgencySettings {
            time_zone: TimeZone::Wita,
        }),
        Payload::DocumentTextRecorded(DocumentText {
            year: 2021,
            section: "penutup".into(),
            text: "Demikian.".into(),
        }),
        Payload::SignatoryRecorded(Signatory {
            year: 2021,
            name: "Ir. UN ACHMAD NURDIN, MM".into(),
            nip: "19670506 199202 1 003".into(),
            position: "Kepala".into(),
            rank: "Pembina Utama Muda".into(),
            place: "Kediri".into(),
            date: "2022-02-25".into(),
        }),
    ]
}

/// Golden digests of the domain samples, sealed at seqs 4..=19.
const GOLDEN_DOMAIN_DIGESTS: [&str; 16] = [
    "7ea9b9103ec89b7564ef1680bcecf99940d0dd81d5867ee29be01a65cc0e7d66",
    "6db940aa69aa959764a3ab40d53ec987d0fc38c365df85d6ce9bc9f649d2fb26",
    "6020d7696ac24945561f83630dd664eb4098fa5e79957edb783ed36b070afeaa",
    "e302bd335de1f813e0b7fe1a38d5d546d511093314a823ef50596a9218ac3441",
    "2a20321ec75e27a2232bdcc58bcbc8aafca9698c27ebe5d4f2ec44a2d4e1a2c5",
    "5e80f23175c485387e01f2ca2ba6b5a0ac21bc76cec0e55b59c2167e2744d5a0",
    "5002e69e98d90e0d99e2317b83cbdf442796ca0ae37bcecab40ff2daffe3938a",
    "ea2dbb8e3df8f7afc44f90b630746df18abe9f75262240316f2afdbcbba9a7fe",
    "7288b503bfc552a71b03c0fdc0e9f46436d7f5baf008873a44351aee5a104c85",
    "1c23718aa8471feec4959a8f03bf27d0b1faf57a5356ffc87670f13742539597",
    "6432a9e0d12b854566d3aa06d9e8c08bd4b20cde02914ae3ba8aeba2eab47e6e",
    "abbaa5284086501f26b8ceb38de791ff8e7026dfc6a19abb93d2d77d2b04ef76",
    "3db7007e68f0fce60236a24a9eaade2de5fd7f9ca16a7d519595a356d71519fe",
    "430a23dd3a193c6407617ab99ef9d227d03823a762ccf3d28cbe2fb8cf4d6d0c",
    "d0af098764ddec1d582eb1fabc3c2d7ad020dc7d1412dc0fdf5ab699bd17d281",
    "b32ebc6c32af2bbc182a11c8955d6c92b179c21cd5429c03392846add06d8ab3",
];

#[test]
fn golden_bytes_of_a_document_text_and_a_signatory() {
    // Appended kinds 18 and 19: strings are a u64 length then UTF-8 bytes.
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    let mut expect = Vec::new();
    expect.extend_from_slice(&18u32.to_le_bytes());
    expect.extend_from_slice(&2021u16.to_le_bytes());
    string(&mut expect, "penutup");
    string(&mut expect, "Demikian.");
    assert_eq!(
        hex::encode(codec::to_bytes(&domain_samples()[14]).unwrap()),
        hex::encode(&expect)
    );
    let mut expect = Vec::new();
    expect.extend_from_slice(&19u32.to_le_bytes());
    expect.extend_from_slice(&2021u16.to_le_bytes());
    for s in [
        "Ir. UN ACHMAD NURDIN, MM",
        "19670506 199202 1 003",
        "Kepala",
        "Pembina Utama Muda",
        "Kediri",
        "2022-02-25",
    ] {
        string(&mut expect, s);
    }
    assert_eq!(
        hex::encode(codec::to_bytes(&domain_samples()[15]).unwrap()),
        hex::encode(&expect)
    );
}

#[test]
fn golden_bytes_of_agency_settings() {
    // kind 17, time zone WITA (variant 1)
    let bytes = codec::to_bytes(&domain_samples()[13]).unwrap();
    assert_eq!(hex::encode(bytes), "1100000001000000");
}

#[test]
fn golden_bytes_of_a_retirement() {
    let bytes = codec::to_bytes(&domain_samples()[12]).unwrap();
    let mut expect = Vec::new();
    expect.extend_from_slice(&16u32.to_le_bytes()); // kind 16, indicator_retired
    expect.extend_from_slice(&5u64.to_le_bytes());
    expect.extend_from_slice(b"IKU-9");
    expect.extend_from_slice(&2022u16.to_le_bytes());
    expect.extend_from_slice(&17u64.to_le_bytes());
    expect.extend_from_slice(b"bukan IKU PK 2022");
    assert_eq!(hex::encode(bytes), hex::encode(expect));
}

#[test]
fn golden_digests_of_every_domain_kind() {
    let got: Vec<String> = domain_samples()
        .iter()
        .enumerate()
        .map(|(i, p)| codec::hash_stored(&seal(i as u64 + 4, p)).to_hex())
        .collect();
    assert_eq!(
        got, GOLDEN_DOMAIN_DIGESTS,
        "event digests changed: this is a format break"
    );
}

#[test]
fn kind_numbers_are_the_documented_ones() {
    let names: Vec<(u32, &str)> = samples()
        .iter()
        .chain(domain_samples().iter())
        .map(|p| (p.kind().number(), p.kind().name()))
        .collect();
    let expected: Vec<(u32, &str)> = Kind::ALL.iter().map(|k| (k.number(), k.name())).collect();
    assert_eq!(names, expected);
    for (i, p) in samples().iter().chain(domain_samples().iter()).enumerate() {
        assert_eq!(
            codec::to_bytes(p).unwrap()[..4],
            (i as u32).to_le_bytes(),
            "{}",
            p.kind().name()
        );
        // The explicit discriminant is the number bincode writes.
        assert_eq!(p.kind().number(), i as u32, "{}", p.kind().name());
        assert_eq!(Kind::from_number(i as u32), Some(p.kind()));
    }
}

#[test]
fn golden_bytes_of_a_decimal_and_a_ratio() {
    let payload = &domain_samples()[4];
    let bytes = codec::to_bytes(payload).unwrap();
    let mut expect = Vec::new();
    expect.extend_from_slice(&8u32.to_le_bytes()); // kind 8
    expect.extend_from_slice(&6u64.to_le_bytes());
    expect.extend_from_slice(b"IP-2.2");
    expect.extend_from_slice(&2021u16.to_le_bytes()); // period.year
    expect.push(4); // period.quarter
    expect.extend_from_slice(&1u32.to_le_bytes()); // Value::Ratio
    expect.extend_from_slice(&2682i128.to_le_bytes());
    expect.push(0); // scale
    expect.extend_from_slice(&2778i128.to_le_bytes());
    expect.push(0);
    expect.push(0); // note: None
    assert_eq!(hex::encode(bytes), hex::encode(expect));
    // 99.71 is mantissa 9971, scale 2.
    let t = codec::to_bytes(&Value::Number(dec("99.71"))).unwrap();
    assert_eq!(
        hex::encode(t),
        format!("00000000{}02", hex::encode(9971i128.to_le_bytes()))
    );
}

fn seal(seq: u64, payload: &Payload) -> Vec<u8> {
    let key = KeyPair::from_seed([1; 32]);
    let body = codec::encode_body(&Unsigned {
        seq,
        prev: EventHash([0xab; 32]),
        recorded_at: 1_609_459_200_000_000, // 2021-01-01T00:00:00Z
        author: key.public(),
        payload,
    })
    .unwrap();
    let sig = key.sign(&codec::signing_message(&body));
    [body, sig.to_vec()].concat()
}

/// Golden SHA-256 digests (with the hash domain tag) of the sample events.
const GOLDEN_DIGESTS: [&str; 4] = [
    "d7e42fd96f2710cfa47bb9d5cc7ab59d5b7f6397c9de4f061bf171526df7f892",
    "49026218830f254c4c783943bc243e3abb5b22d43e54376231e5ea3eb4faa27f",
    "ee13510583544dba5cdb6287c087eaff28eb63a95cbd1b05479bc27cc778a018",
    "2255a267406c3e94ebe6426a92ddc0febc3cf1751fa0cb9bafe1a60e20f17902",
];

#[test]
fn golden_digests_of_every_kind() {
    let got: Vec<String> = samples()
        .iter()
        .enumerate()
        .map(|(i, p)| codec::hash_stored(&seal(i as u64, p)).to_hex())
        .collect();
    assert_eq!(
        got, GOLDEN_DIGESTS,
        "event digests changed: this is a format break"
    );
}

#[test]
fn golden_bytes_of_an_approval() {
    let bytes = seal(3, &samples()[3]);
    let payload = &bytes[codec::HEADER_LEN..bytes.len() - codec::SIGNATURE_LEN];
    // kind 3 (u32 LE), decision 2 (u32 LE), covers: len 2 (u64 LE), 1, 2 (u64 LE), comment: None (u8 0)
    assert_eq!(
        hex::encode(payload),
        concat!(
            "03000000",
            "02000000",
            "0200000000000000",
            "0100000000000000",
            "0200000000000000",
            "00"
        )
    );
    assert_eq!(bytes[0], 1, "format version");
    assert_eq!(&bytes[1..9], &3u64.to_le_bytes(), "seq");
    assert_eq!(&bytes[9..41], &[0xab; 32], "prev");
    assert_eq!(
        &bytes[41..49],
        &1_609_459_200_000_000i64.to_le_bytes(),
        "recorded_at"
    );
    assert_eq!(&bytes[49..81], &KeyPair::from_seed([1; 32]).public().0, "author");
}

#[test]
fn golden_bytes_of_a_genesis_payload() {
    let bytes = seal(0, &samples()[0]);
    let payload = &bytes[codec::HEADER_LEN..bytes.len() - codec::SIGNATURE_LEN];
    let mut expect = Vec::new();
    expect.extend_from_slice(&0u32.to_le_bytes());
    for s in ["4.01.03", "BKPSDM Kota Kediri", "Admin"] {
        expect.extend_from_slice(&(s.len() as u64).to_le_bytes());
        expect.extend_from_slice(s.as_bytes());
    }
    for s in ["197001012000031001", "Kepala Badan"] {
        expect.push(1);
        expect.extend_from_slice(&(s.len() as u64).to_le_bytes());
        expect.extend_from_slice(s.as_bytes());
    }
    assert_eq!(payload, expect.as_slice());
}

/// A genesis with its nonce: the legacy payload followed by the 32 bytes.
fn genesis_with_nonce() -> Payload {
    let Payload::Genesis(mut g) = samples()[0].clone() else {
        unreachable!("sample 0 is the genesis")
    };
    g.nonce = Some([0x5a; 32]);
    Payload::Genesis(g)
}

#[test]
fn golden_bytes_and_digest_of_a_genesis_with_its_nonce() {
    let legacy = seal(0, &samples()[0]);
    let bytes = seal(0, &genesis_with_nonce());
    let payload = |b: &[u8]| b[codec::HEADER_LEN..b.len() - codec::SIGNATURE_LEN].to_vec();
    let mut expect = payload(&legacy);
    expect.extend_from_slice(&[0x5a; 32]);
    assert_eq!(payload(&bytes), expect);
    assert_eq!(
        codec::hash_stored(&bytes).to_hex(),
        "60022b91f2bcbd93719d7a2d436c28f61f0921c815e99e2825bc1ff35880822c",
        "event digests changed: this is a format break"
    );
    assert_eq!(codec::decode(&bytes).unwrap().payload, genesis_with_nonce());
    assert_eq!(codec::decode(&legacy).unwrap().payload, samples()[0]);
}

#[test]
fn a_genesis_with_a_cut_or_padded_nonce_does_not_decode() {
    for extra in [1usize, 31, 33] {
        let mut unsigned = codec::encode_body(&Unsigned {
            seq: 0,
            prev: EventHash::ZERO,
            recorded_at: 0,
            author: KeyPair::from_seed([1; 32]).public(),
            payload: &samples()[0],
        })
        .unwrap();
        unsigned.extend(std::iter::repeat_n(7u8, extra));
        let key = KeyPair::from_seed([1; 32]);
        let stored = [
            unsigned.clone(),
            key.sign(&codec::signing_message(&unsigned)).to_vec(),
        ]
        .concat();
        assert!(codec::decode(&stored).is_err(), "{extra} extra bytes");
    }
}

#[test]
fn signature_covers_the_domain_tagged_body() {
    let bytes = seal(1, &samples()[1]);
    let frame = Frame::parse(&bytes).unwrap();
    let msg = codec::signing_message(frame.body());
    assert!(msg.starts_with(b"sakip/event-signature/v1\0"));
    sakip::keys::verify_strict(&frame.author(), &msg, &frame.signature()).unwrap();
    let mut flipped = bytes.clone();
    flipped[codec::HEADER_LEN + 5] ^= 1;
    let frame = Frame::parse(&flipped).unwrap();
    assert!(sakip::keys::verify_strict(
        &frame.author(),
        &codec::signing_message(frame.body()),
        &frame.signature()
    )
    .is_err());
}

#[test]
fn decoder_rejects_trailing_bytes_unknown_kinds_and_versions() {
    let bytes = seal(3, &samples()[3]);
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert!(codec::decode(&v2).unwrap_err().to_string().contains("version"));
    let payload: Vec<u8> = [&99u32.to_le_bytes()[..]].concat();
    assert!(codec::from_bytes::<Payload>(&payload).is_err());
    let approval = codec::to_bytes(&samples()[3]).unwrap();
    let mut trailing = approval.clone();
    trailing.push(0);
    assert!(codec::from_bytes::<Payload>(&trailing)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
    assert!(codec::decode(&bytes[..50]).is_err());
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,'/()-]{0,40}"
}

fn holder_strategy() -> impl Strategy<Value = Holder> {
    (text(), proptest::option::of(text()), proptest::option::of(text()))
        .prop_map(|(name, nip, jabatan)| Holder { name, nip, jabatan })
}

fn key_strategy() -> impl Strategy<Value = PublicKey> {
    any::<[u8; 32]>().prop_map(PublicKey)
}

fn role_strategy() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Admin),
        Just(Role::Operator),
        Just(Role::Approver),
        Just(Role::Inspector)
    ]
}

fn payload_strategy() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (
            text(),
            text(),
            holder_strategy(),
            proptest::option::of(any::<[u8; 32]>())
        )
            .prop_map(
                |(agency_code, agency_name, admin, nonce)| Payload::Genesis(Genesis {
                    agency_code,
                    agency_name,
                    admin,
                    nonce
                })
            ),
        (
            key_strategy(),
            holder_strategy(),
            proptest::collection::vec(role_strategy(), 0..4)
        )
            .prop_map(|(key, holder, roles)| Payload::KeyAdded(KeyAdded { key, holder, roles })),
        (key_strategy(), text()).prop_map(|(key, reason)| Payload::KeyRevoked(KeyRevoked { key, reason })),
        (
            prop_oneof![
                Just(Decision::Approve),
                Just(Decision::Reject),
                Just(Decision::Return)
            ],
            proptest::collection::vec(any::<u64>(), 0..8),
            proptest::option::of(text())
        )
            .prop_map(|(decision, covers, comment)| Payload::Approval(Approval {
                decision,
                covers,
                comment
            })),
    ]
}

fn dec_strategy() -> impl Strategy<Value = Dec> {
    (any::<i64>(), 0..=10u32).prop_map(|(m, s)| Dec(rust_decimal::Decimal::new(m, s)))
}

fn value_strategy() -> impl Strategy<Value = Value> {
    prop_oneof![
        dec_strategy().prop_map(Value::Number),
        (dec_strategy(), dec_strategy()).prop_map(|(numerator, denominator)| Value::Ratio {
            numerator,
            denominator
        }),
        (0..7usize).prop_map(|i| Value::Grade(Grade::ALL[i])),
        text().prop_map(Value::Text),
    ]
}

fn period_strategy() -> impl Strategy<Value = PeriodRef> {
    (any::<u16>(), 0..=4u8).prop_map(|(year, quarter)| PeriodRef { year, quarter })
}

fn scope_strategy() -> impl Strategy<Value = TargetScope> {
    prop_oneof![
        Just(TargetScope::Year),
        (1..=4u8).prop_map(TargetScope::Quarter),
        Just(TargetScope::Renstra)
    ]
}

fn domain_strategy() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (text(), 0..5usize, text(), proptest::option::of(text())).prop_map(|(code, l, name, parent)| {
            Payload::PlanItemDefined(PlanItemDefined {
                code,
                level: Level::ALL[l],
                name,
                parent,
            })
        }),
        (
            text(),
            text(),
            proptest::collection::vec(text(), 0..3),
            proptest::option::of(dec_strategy()),
            any::<bool>()
        )
            .prop_map(
                |(code, unit, parts, cap, iku)| Payload::IndicatorDefined(IndicatorDefined {
                    code,
                    name: "n".into(),
                    item: "i".into(),
                    unit,
                    polarity: if iku {
                        Polarity::LowerIsBetter
                    } else {
                        Polarity::Grade
                    },
                    value_kind: if iku { ValueKind::Ratio } else { ValueKind::Text },
                    aggregation: if parts.is_empty() {
                        Aggregation::RatioOfSums
                    } else {
                        Aggregation::Components(parts)
                    },
                    lower_rule: if iku {
                        LowerRule::TwiceTargetMinus
                    } else {
                        LowerRule::Inverse
                    },
                    cap,
                    iku,
                    formula: None,
                    source: Some("s".into()),
                })
            ),
        (text(), any::<u16>(), scope_strategy(), value_strategy()).prop_map(
            |(indicator, year, scope, value)| Payload::TargetSet(TargetSet {
                indicator,
                year,
                scope,
                value,
                stage: Stage::Perubahan
            })
        ),
        (text(), scope_strategy(), value_strategy(), text(), any::<u64>()).prop_map(
            |(indicator, scope, value, reason, revises)| {
                Payload::TargetRevised(TargetRevised {
                    indicator,
                    year: 2021,
                    scope,
                    value,
                    stage: Stage::Perubahan,
                    reason,
                    basis: "b".into(),
                    revises,
                })
            }
        ),
        (
            text(),
            period_strategy(),
            value_strategy(),
            proptest::option::of(text())
        )
            .prop_map(|(indicator, period, value, note)| {
                Payload::RealisationRecorded(RealisationRecorded {
                    indicator,
                    period,
                    value,
                    note,
                })
            }),
        (text(), period_strategy(), value_strategy(), any::<u64>(), text()).prop_map(
            |(indicator, period, value, supersedes, reason)| {
                Payload::RealisationCorrected(RealisationCorrected {
                    indicator,
                    period,
                    value,
                    supersedes,
                    reason,
                })
            }
        ),
        (text(), any::<u16>(), dec_strategy())
            .prop_map(|(account, year, pagu)| Payload::BudgetSet(BudgetSet { account, year, pagu })),
        (text(), dec_strategy(), any::<u64>()).prop_map(|(account, pagu, revises)| Payload::BudgetRevised(
            BudgetRevised {
                account,
                year: 2021,
                pagu,
                stage: Stage::Murni,
                reason: "r".into(),
                basis: "b".into(),
                revises
            }
        )),
        (
            text(),
            period_strategy(),
            dec_strategy(),
            proptest::option::of(text())
        )
            .prop_map(|(account, period, amount, note)| {
                Payload::SpendingRecorded(SpendingRecorded {
                    account,
                    period,
                    amount,
                    note,
                })
            }),
        (text(), any::<u16>(), text(), text(), text()).prop_map(|(indicator, year, a, b, c)| {
            Payload::NarrativeRecorded(NarrativeRecorded {
                indicator,
                year,
                faktor_pendorong: a,
                hambatan: b,
                strategi_pemecahan: c,
            })
        }),
        (any::<u16>(), text(), text()).prop_map(|(year, section, text)| Payload::DocumentTextRecorded(
            DocumentText { year, section, text }
        )),
        (any::<u16>(), text(), text(), text(), text(), text(), text()).prop_map(
            |(year, name, nip, position, rank, place, date)| {
                Payload::SignatoryRecorded(Signatory {
                    year,
                    name,
                    nip,
                    position,
                    rank,
                    place,
                    date,
                })
            }
        ),
    ]
}

proptest! {
    #[test]
    fn every_domain_kind_round_trips(payload in domain_strategy()) {
        let bytes = codec::to_bytes(&payload).unwrap();
        let back: Payload = codec::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &payload);
        prop_assert_eq!(codec::to_bytes(&back).unwrap(), bytes);
    }

    #[test]
    fn every_kind_round_trips(payload in payload_strategy(), seq in any::<u64>(), at in any::<i64>(), prev in any::<[u8; 32]>()) {
        let key = KeyPair::from_seed([3; 32]);
        let body = codec::encode_body(&Unsigned { seq, prev: EventHash(prev), recorded_at: at, author: key.public(), payload: &payload }).unwrap();
        let sig = key.sign(&codec::signing_message(&body));
        let stored = [body, sig.to_vec()].concat();
        let event = codec::decode(&stored).unwrap();
        prop_assert_eq!(event.seq, seq);
        prop_assert_eq!(event.prev, EventHash(prev));
        prop_assert_eq!(event.recorded_at, at);
        prop_assert_eq!(event.author, key.public());
        prop_assert_eq!(event.signature, sig);
        prop_assert_eq!(&event.payload, &payload);
        // Re-encoding the decoded payload gives the same bytes (canonical).
        prop_assert_eq!(codec::to_bytes(&event.payload).unwrap(), codec::to_bytes(&payload).unwrap());
    }

    #[test]
    fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = codec::decode(&bytes);
    }
}

#[test]
fn the_appended_measures_have_the_documented_numbers() {
    for (measure, n) in [
        (Measure::Realisasi, 0u32),
        (Measure::Capaian, 1),
        (Measure::Pagu, 2),
        (Measure::Spending, 3),
        (Measure::Serapan, 4),
        (Measure::Target, 5),
    ] {
        assert_eq!(codec::to_bytes(&measure).unwrap(), n.to_le_bytes(), "{measure:?}");
    }
}

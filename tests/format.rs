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
        Payload::Genesis(Genesis {
            agency_code: "4.01.03".into(),
            agency_name: "BKPSDM Kota Kediri".into(),
            admin: holder("Admin"),
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
    assert!(codec::decode(&v2).unwrap_err().contains("version"));
    let payload: Vec<u8> = [&99u32.to_le_bytes()[..]].concat();
    assert!(codec::from_bytes::<Payload>(&payload).is_err());
    let approval = codec::to_bytes(&samples()[3]).unwrap();
    let mut trailing = approval.clone();
    trailing.push(0);
    assert!(codec::from_bytes::<Payload>(&trailing)
        .unwrap_err()
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
        (text(), text(), holder_strategy()).prop_map(|(agency_code, agency_name, admin)| Payload::Genesis(
            Genesis {
                agency_code,
                agency_name,
                admin
            }
        )),
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

proptest! {
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

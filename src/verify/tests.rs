//! Tests of `src/verify.rs`.

use super::*;
use crate::keys::KeyPair;

/// The stored events of a ledger of 300 events (more than one thread's
/// share of signatures).
fn stored() -> Vec<(u64, Vec<u8>)> {
    let (ledger, _) = crate::store::tests::ledger(300);
    ledger.store().events_from(0).collect::<Result<_>>().unwrap()
}

/// Event `seq` of `events` signed again by `key`, unchanged otherwise.
fn signed_by(events: &[(u64, Vec<u8>)], seq: usize, key: &KeyPair) -> Vec<u8> {
    let event = codec::decode(&events[seq].1).unwrap();
    let mut body = codec::encode_body(&codec::Unsigned {
        seq: event.seq,
        prev: event.prev,
        recorded_at: event.recorded_at,
        author: key.public(),
        payload: &event.payload,
    })
    .unwrap();
    let signature = key.sign(&codec::signing_message(&body));
    body.extend_from_slice(&signature);
    body
}

fn one_by_one(events: &[(u64, Vec<u8>)]) -> std::result::Result<u64, String> {
    let mut v = Verifier::new();
    for (seq, bytes) in events {
        v.push(*seq, bytes).map_err(|e| e.to_string())?;
    }
    v.finish().map(|d| d.events).map_err(|e| e.to_string())
}

fn together(events: &[(u64, Vec<u8>)]) -> std::result::Result<u64, String> {
    let mut v = Verifier::new();
    let run: Vec<(u64, &[u8])> = events.iter().map(|(s, b)| (*s, b.as_slice())).collect();
    v.push_many(&run).map_err(|e| e.to_string())?;
    v.finish().map(|d| d.events).map_err(|e| e.to_string())
}

/// Signatures are checked beside the ordered checks, yet the error is
/// the one the checks in order give: the first bad event, and for that
/// event the first check it fails.
#[test]
fn checking_together_reports_what_checking_in_order_reports() {
    let clean = stored();
    let stranger = KeyPair::from_seed([9; 32]);
    let bad_signature = |e: &mut Vec<(u64, Vec<u8>)>, seq: usize| {
        let last = e[seq].1.len() - 1;
        e[seq].1[last] ^= 1;
    };
    let bad_prev = |e: &mut Vec<(u64, Vec<u8>)>, seq: usize| e[seq].1[10] ^= 1;
    let unauthorized = |e: &mut Vec<(u64, Vec<u8>)>, seq: usize| e[seq].1 = signed_by(&clean, seq, &stranger);
    type Damage<'a> = &'a dyn Fn(&mut Vec<(u64, Vec<u8>)>, usize);
    let cases: Vec<(Vec<(Damage, usize)>, &str)> = vec![
        (vec![], ""),
        (vec![(&bad_signature, 150)], "signature does not verify"),
        (vec![(&bad_signature, 200), (&bad_prev, 150)], "prev link"),
        (
            vec![(&bad_prev, 200), (&bad_signature, 150)],
            "signature does not verify",
        ),
        (
            vec![(&bad_signature, 250), (&bad_signature, 100)],
            "signature does not verify",
        ),
        // One event failing two checks: the chain's comes first.
        (vec![(&bad_signature, 120), (&bad_prev, 120)], "prev link"),
        // A well-signed event by a key never registered: found after
        // its signature, before the broken link of the event after it.
        (vec![(&unauthorized, 140)], "unauthorized event"),
        (
            vec![(&unauthorized, 140), (&bad_signature, 130)],
            "signature does not verify",
        ),
        // Its signature is checked before its author's authorization.
        (
            vec![(&unauthorized, 140), (&bad_signature, 140)],
            "signature does not verify",
        ),
        (
            vec![(&unauthorized, 140), (&bad_signature, 290)],
            "unauthorized event",
        ),
    ];
    for (damages, reason) in cases {
        let mut events = clean.clone();
        for (damage, seq) in &damages {
            damage(&mut events, *seq);
        }
        let first = damages.iter().map(|(_, seq)| *seq).min();
        let expected = one_by_one(&events);
        match first {
            None => assert_eq!(expected, Ok(300)),
            Some(seq) => {
                let message = expected.clone().unwrap_err();
                assert!(message.contains(&format!("at seq {seq}:")), "{message}");
                assert!(message.contains(reason), "{message}");
            }
        }
        assert_eq!(
            together(&events),
            expected,
            "{damages:?}",
            damages = damages.iter().map(|d| d.1).collect::<Vec<_>>()
        );
    }
    // A missing event is named, however the runs are cut.
    let mut events = clean.clone();
    events.remove(180);
    bad_signature(&mut events, 200);
    let expected = one_by_one(&events).unwrap_err();
    assert!(expected.contains("event 180 is missing"), "{expected}");
    assert_eq!(together(&events), Err(expected.clone()));
    let mut v = Verifier::new();
    let runs: Vec<Vec<(u64, &[u8])>> = events
        .chunks(70)
        .map(|c| c.iter().map(|(s, b)| (*s, b.as_slice())).collect())
        .collect();
    let error = runs.iter().try_for_each(|run| v.push_many(run)).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

//! A `report_issued` event names a report kind and format this build
//! knows (or `external` for a document issued outside sakip): anything else
//! is refused at append, so every issued report can be parsed back into
//! the parameters that re-render it.

use sakip::clock::{parse_time, SteppingClock};
use sakip::event::*;
use sakip::{KeyPair, Ledger};
use std::sync::Arc;

fn issued(kind: &str, format: &str) -> Payload {
    Payload::ReportIssued(ReportIssued {
        kind: kind.into(),
        format: format.into(),
        year: 2022,
        as_of: 4,
        known_seq: 1,
        approved_only: false,
        sha256: [9; 32],
        size: 10,
        title: "Laporan".into(),
        figures: vec![],
    })
}

#[test]
fn unknown_report_kinds_and_formats_are_refused() {
    let admin = KeyPair::from_seed([71; 32]);
    let head = KeyPair::from_seed([72; 32]);
    let clock = Arc::new(SteppingClock::new(
        parse_time("2023-01-02T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    let holder = |n: &str| Holder {
        name: n.into(),
        nip: None,
        jabatan: None,
    };
    let genesis = Genesis {
        agency_code: "3.03".into(),
        agency_name: "Dinas Laporan".into(),
        admin: holder("admin"),
        nonce: Some([73; 32]),
    };
    let mut l = Ledger::init_in_memory(clock, &admin, genesis).unwrap();
    l.append(
        &admin,
        Payload::KeyAdded(KeyAdded {
            key: head.public(),
            holder: holder("kepala"),
            roles: vec![Role::Approver],
        }),
    )
    .unwrap();
    for (kind, format) in [("laporan-bebas", "md"), ("capaian", "odt"), ("", "html")] {
        let before = l.head();
        let refused = l.append(&head, issued(kind, format));
        assert!(
            matches!(refused, Err(sakip::Error::Refused(_))),
            "{kind} {format}: {refused:?}"
        );
        assert_eq!(l.head(), before);
    }
    l.append(&head, issued("capaian", "html")).unwrap();
    l.append(&head, issued("evaluasi", EXTERNAL_FORMAT)).unwrap();
}

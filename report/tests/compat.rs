//! Backward compatibility: a ledger written by format version 1 (the
//! reference ledger as `sakip demo` built it, committed under
//! `tests/fixtures/v1/`) must open, verify and answer queries identically
//! in every later build. The expected answers in `expected.json` were
//! written once, by the build that made the fixture; a build that changes
//! them breaks the ledgers agencies already hold.

use sakip::service::{self, time::KnownAt, time::TimePoint};
use sakip::{Ledger, SteppingClock};
use sakip_report::{ReportFormat, ReportKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Everything the fixture is asked, as one JSON value.
fn answers(ledger: &Ledger) -> Value {
    let v = service::audit::verify(ledger, None).unwrap().verified;
    let mut events = Sha256::new();
    for e in ledger.stored_bytes_from(0) {
        let (_, bytes) = e.unwrap();
        events.update((bytes.len() as u32).to_le_bytes());
        events.update(&bytes);
    }
    let status = |as_of: Option<&str>, known_at: KnownAt, approved_only: bool| {
        let point = TimePoint {
            year: 2021,
            as_of: as_of.map(str::to_string),
            known_at,
            approved_only,
        };
        let view = service::status::status(ledger, &point, false).unwrap();
        let q = view.at.query;
        Value::Array(
            view.states
                .iter()
                .map(|s| service::status::state_json(s, &q))
                .collect(),
        )
    };
    let mut reports = serde_json::Map::new();
    // The kinds of v1; its `lkjip` was chapter III alone, which a later
    // build keeps as the layout an LKjIP issued then re-renders in.
    for kind in ReportKind::ALL
        .into_iter()
        .filter(|k| *k != ReportKind::LkjipBab3)
    {
        let params =
            sakip_report::service::params(ledger, kind, &TimePoint::year(2021), ReportFormat::Md).unwrap();
        let (_, bytes) = if kind == ReportKind::Lkjip {
            sakip_report::produce_chapter_three_layout(ledger, params).unwrap()
        } else {
            sakip_report::service::render(ledger, params).unwrap()
        };
        reports.insert(kind.name().into(), json!(hex::encode(Sha256::digest(&bytes))));
    }
    json!({
        "events": v.events,
        "head": v.head,
        "root": hex::encode(v.root),
        "events_bin_sha256": hex::encode(events.finalize()),
        "status_tw4_now": status(None, KnownAt::Head, false),
        "status_tw2_now": status(Some("2021-Q2"), KnownAt::Head, false),
        "status_tw4_known_at_2022_01_10": status(None, KnownAt::Time("2022-01-10".into()), false),
        "status_tw4_approved_only": status(None, KnownAt::Head, true),
        "audit_findings": service::audit::check(ledger, Some(2021)).unwrap().len(),
        "reports_md_sha256": reports,
    })
}

/// The v1 fixture's directory, a copy of its ledger to work on, and the
/// clock both tests append with.
fn v1_copy() -> (std::path::PathBuf, tempfile::TempDir, Arc<SteppingClock>) {
    fixture_copy("v1")
}

/// A copy of the ledger of fixture `name`, and a clock after its events.
fn fixture_copy(name: &str) -> (std::path::PathBuf, tempfile::TempDir, Arc<SteppingClock>) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture.join("ledger"), dir.path());
    let clock = Arc::new(SteppingClock::new(
        sakip::clock::parse_time("2026-01-01T00:00:00Z").unwrap(),
        chrono::TimeDelta::seconds(1),
    ));
    (fixture, dir, clock)
}

#[test]
fn a_v1_ledger_opens_verifies_and_answers_as_it_did() {
    let (fixture, dir, clock) = v1_copy();
    let ledger = Ledger::open(dir.path(), clock).unwrap();
    let got = answers(&ledger);
    let expected_path = fixture.join("expected.json");
    if std::env::var_os("SAKIP_WRITE_FIXTURE").is_some() && !expected_path.exists() {
        // Only ever once: when a new format version's fixture is made.
        std::fs::write(&expected_path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
    for (key, want) in expected.as_object().unwrap() {
        assert_eq!(&got[key], want, "the v1 fixture answers {key} differently");
    }
    assert_eq!(
        got.as_object().unwrap().len(),
        expected.as_object().unwrap().len()
    );

    // An LKjIP issued by the v1 build (chapter III) still verifies as
    // reproducible, and the whole document of today is another report.
    let mut ledger = ledger;
    let params = sakip_report::service::params(
        &ledger,
        ReportKind::Lkjip,
        &TimePoint::year(2021),
        ReportFormat::Md,
    )
    .unwrap();
    let (report, old) = sakip_report::produce_chapter_three_layout(&ledger, params).unwrap();
    let kepala = sakip::example::example_key("kepala-approver");
    ledger
        .append(
            &kepala,
            sakip::event::Payload::ReportIssued(sakip::event::ReportIssued {
                kind: "lkjip".into(),
                format: "md".into(),
                year: 2021,
                as_of: 4,
                known_seq: params.known_seq,
                approved_only: false,
                sha256: sakip::document::digest(&old),
                size: old.len() as u64,
                title: report.title.clone(),
                figures: report.figures.clone(),
            }),
        )
        .unwrap();
    match sakip_report::verify_bytes(&ledger, &old).unwrap() {
        sakip_report::Verdict::Issued { reproducible, .. } => assert!(reproducible),
        other => panic!("{other:?}"),
    }
    let (_, whole) = sakip_report::service::render(&ledger, params).unwrap();
    assert_ne!(whole, old);
    assert!(String::from_utf8_lossy(&whole).contains("# BAB III AKUNTABILITAS KINERJA"));
}

/// Open a copy of fixture `name`, whose look-ups have `layout`: it is
/// read, appended to, verified and searched by hash as such; `rebuild`
/// then rewrites it in the current layout, and the events, the root and
/// every answer stay as they were. Returns the answers after the append.
fn keeps_its_layout_until_rebuild(name: &str, layout: sakip::store::Layout) -> Value {
    use sakip::store::{EventKeys, Layout};
    let (_, dir, clock) = fixture_copy(name);
    let mut ledger = Ledger::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(ledger.store().layout(), layout);
    assert_eq!(ledger.store().event_keys(), EventKeys::PerEvent);
    let before_append = answers(&ledger);
    let admin = sakip::example::example_key("sekretaris-admin");
    let appended = ledger
        .append(
            &admin,
            sakip::event::Payload::PlanItemDefined(sakip::event::PlanItemDefined {
                code: "X.9".into(),
                level: sakip::event::Level::Tujuan,
                name: "Tujuan uji".into(),
                parent: None,
            }),
        )
        .unwrap();
    assert_eq!(ledger.store().layout(), layout);
    sakip::verify::verify_store(ledger.store()).unwrap();
    let found = ledger.event_by_hash(&appended.hash).unwrap().unwrap();
    assert_eq!((found.event.seq, found.hash), (appended.seq, appended.hash));
    let root_before = ledger.merkle_root(ledger.head().count).unwrap();
    let before = answers(&ledger);
    for key in ["events_bin_sha256", "head", "root"] {
        assert_ne!(
            before[key], before_append[key],
            "{key} takes in the appended event"
        );
    }
    assert_eq!(
        before["events"],
        json!(before_append["events"].as_u64().unwrap() + 1)
    );

    ledger.rebuild_all().unwrap();
    assert_eq!(ledger.store().layout(), Layout::CURRENT);
    drop(ledger);
    let ledger = Ledger::open(dir.path(), clock.clone()).unwrap();
    assert_eq!(ledger.store().layout(), Layout::CURRENT);
    assert_eq!(
        ledger.store().event_keys(),
        EventKeys::PerEvent,
        "a rebuild leaves the events where they are"
    );
    sakip::verify::verify_store(ledger.store()).unwrap();
    assert_eq!(ledger.merkle_root(ledger.head().count).unwrap(), root_before);
    for seq in [0, 1, appended.seq / 2, appended.seq] {
        let e = ledger.event(seq).unwrap().unwrap();
        let found = ledger.event_by_hash(&e.hash).unwrap().unwrap();
        assert_eq!(found.event.seq, seq);
    }
    assert_eq!(
        answers(&ledger),
        before,
        "every answer is the same after the rebuild"
    );
    // Exported and restored, the events are kept in runs, and every answer
    // is still the same.
    let out = tempfile::tempdir().unwrap();
    sakip::bundle::export(&ledger, &out.path().join("bundle")).unwrap();
    sakip::bundle::restore(&out.path().join("bundle"), &out.path().join("restored")).unwrap();
    let restored = Ledger::open(&out.path().join("restored"), clock).unwrap();
    assert_eq!(restored.store().event_keys(), EventKeys::CURRENT);
    assert_eq!(
        answers(&restored),
        before,
        "every answer is the same after a restore"
    );
    before
}

#[test]
fn a_v1_store_keeps_its_look_up_layout_until_rebuild_rewrites_it_and_answers_the_same() {
    let (fixture, _, _) = v1_copy();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("expected.json")).unwrap()).unwrap();
    let after = keeps_its_layout_until_rebuild("v1", sakip::store::Layout::V1);
    assert_eq!(after["events"], json!(expected["events"].as_u64().unwrap() + 1));
    assert_eq!(
        after["status_tw4_known_at_2022_01_10"],
        expected["status_tw4_known_at_2022_01_10"]
    );
}

#[test]
fn a_layout_two_store_keeps_its_layout_until_rebuild_rewrites_it_and_answers_the_same() {
    // `tests/fixtures/layout2/`: the reference ledger as the last build
    // that wrote store layout 2 built it.
    keeps_its_layout_until_rebuild("layout2", sakip::store::Layout::V2);
}

#[test]
fn the_current_layout_finds_every_kind_with_or_without_the_kind_index() {
    use sakip::event::Kind;
    use sakip::store::Layout;
    use sakip::store::Tree;
    let dir = tempfile::tempdir().unwrap();
    let built = sakip::example::build(dir.path()).unwrap();
    let store = built.ledger.store();
    assert_eq!(store.layout(), Layout::CURRENT);
    let kinds: Vec<(u64, Kind)> = store
        .events_from(0)
        .map(|r| {
            let (seq, bytes) = r.unwrap();
            (seq, sakip::codec::Frame::parse(&bytes).unwrap().kind().unwrap())
        })
        .collect();
    let indexed: Vec<Vec<u8>> = store
        .derived_entries(Tree::ByKind)
        .map(|r| r.unwrap().0)
        .collect();
    let mut unindexed = 0;
    for kind in Kind::ALL {
        for from in [0, 200] {
            let want: Vec<u64> = kinds
                .iter()
                .filter(|(s, k)| *k == kind && *s >= from)
                .map(|(s, _)| *s)
                .collect();
            let got: Vec<u64> = store.seqs_of_kind(kind, from).map(|r| r.unwrap()).collect();
            assert_eq!(got, want, "{kind:?} from {from}");
        }
        let in_index = indexed
            .iter()
            .filter(|k| k[..4] == kind.number().to_be_bytes())
            .count();
        let stored = kinds.iter().filter(|(_, k)| *k == kind).count();
        if Layout::CURRENT.indexes_kind(kind) {
            assert_eq!(in_index, stored, "{kind:?}");
        } else {
            assert_eq!(in_index, 0, "{kind:?} is read from the events");
            unindexed += stored;
        }
    }
    assert!(
        unindexed > 100,
        "the reference ledger's realisations and approvals: {unindexed}"
    );
    sakip::verify::verify_store(store).unwrap();
}

//! `sakip bench generate` and the projection layout check.

use crate::support::*;
use sakip::event::EventHash;
use std::path::Path;

fn head_of(ledger: &Path) -> (u64, EventHash) {
    let db = open_sled(&ledger.join("store"));
    let meta = db.open_tree("meta").unwrap();
    let b = meta.get("head").unwrap().unwrap();
    let count = u64::from_be_bytes(b[..8].try_into().unwrap());
    (count, EventHash(b[8..40].try_into().unwrap()))
}

fn generate(env: &Env, out: &Path, agencies: &str, seed: &str) -> (i32, String, String) {
    env.run(&[
        "bench",
        "generate",
        "--agencies",
        agencies,
        "--years",
        "1",
        "--seed",
        seed,
        "--out",
        s(out),
    ])
}

#[test]
fn generated_agencies_are_reproducible_plausible_and_verify() {
    let env = Env::new();
    let (a, b, c) = (env.path("a"), env.path("b"), env.path("c"));
    let (code, out, err) = generate(&env, &a, "2", "7");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 agencies, 1 year each"), "{out}");
    assert_eq!(generate(&env, &b, "2", "7").0, 0);
    assert_eq!(generate(&env, &c, "1", "8").0, 0);
    for agency in ["OPD-00000", "OPD-00001"] {
        assert_eq!(
            head_of(&a.join(agency)),
            head_of(&b.join(agency)),
            "same seed, same ledger"
        );
        let verified = env.ok(&["--ledger", s(&a.join(agency)), "verify"]);
        assert!(verified.contains("intact"), "{verified}");
    }
    assert_ne!(head_of(&a.join("OPD-00000")).1, head_of(&a.join("OPD-00001")).1);
    assert_ne!(head_of(&a.join("OPD-00000")).1, head_of(&c.join("OPD-00000")).1);

    // A year of one agency: every indicator has a target, four approved
    // quarters and a capaian; some were corrected or revised.
    let (events, _) = head_of(&a.join("OPD-00000"));
    assert!((300..1_000).contains(&events), "{events} events");
    let status = env.ok(&[
        "--ledger",
        s(&a.join("OPD-00000")),
        "--format",
        "jsonl",
        "status",
        "--year",
        "2021",
    ]);
    let rows: Vec<serde_json::Value> = status.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows.iter().filter(|r| r["iku"] == true).count(), 8);
    let mut replaced = 0;
    for r in &rows {
        assert!(r["target"].is_string(), "{r}");
        assert!(r["capaian"].is_string() || r["capaian_note"].is_string(), "{r}");
        assert_eq!(r["approved"], true, "{r}");
        let quarters = r["quarters"].as_array().unwrap();
        assert_eq!(quarters.len(), 4);
        replaced += quarters
            .iter()
            .filter(|q| !q["replaced"].as_array().unwrap().is_empty())
            .count();
    }
    assert!(replaced > 0, "some entries are corrections");

    // Generating over existing ledgers is refused and changes nothing.
    let before = head_of(&a.join("OPD-00000"));
    let (code, _, err) = generate(&env, &a, "1", "7");
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(head_of(&a.join("OPD-00000")), before);
}

#[test]
fn an_index_of_another_layout_is_refused_until_rebuilt() {
    let env = Env::new();
    let out = env.path("gen");
    assert_eq!(generate(&env, &out, "1", "3").0, 0);
    let ledger = out.join("OPD-00000");
    let status = |env: &Env| env.run(&["--ledger", s(&ledger), "status", "--year", "2021"]);
    let (code, expected, _) = status(&env);
    assert_eq!(code, 0);
    {
        let db = open_sled(&ledger.join("store"));
        let meta = db.open_tree("meta").unwrap();
        meta.insert("projection", &[1u8][..]).unwrap();
        db.flush().unwrap();
    }
    let (code, _, err) = status(&env);
    assert_eq!(code, 1);
    assert!(err.contains("run `sakip rebuild`"), "{err}");
    env.ok(&["--ledger", s(&ledger), "rebuild"]);
    let (code, again, err) = status(&env);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, expected);
}

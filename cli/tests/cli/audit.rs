//! Checkpoints, proofs and bundles through the binary: what an inspector
//! does at each review, and what an attacker with the files cannot hide.

use crate::support::{s, Env};
use sakip::codec::{self, Unsigned};
use sakip::keys::KeyPair;
use std::collections::HashMap;

/// A ledger of `n` events: init, two keys, approvals.
fn ledger(n: u64) -> (Env, crate::support::Keys) {
    let env = Env::new();
    let keys = env.standard();
    // The inspectorate's key: only an inspector signs checkpoints.
    let inspector = env.key("inspector.key", 4, "Inspektur");
    env.ok(&[
        "--key",
        s(&keys.admin),
        "key",
        "add",
        "--public",
        &format!("{}.pub", s(&inspector)),
        "--role",
        "inspector",
    ]);
    while env.head().0 < n {
        env.ok(&[
            "--key",
            s(&keys.kepala),
            // The operator's registration (seq 1 registered the kepala's
            // own key, which it may not approve).
            "approve",
            "2",
            "--comment",
            &format!("review {}", env.head().0),
        ]);
    }
    (env, keys)
}

fn checkpoint(env: &Env, keys: &crate::support::Keys, name: &str) -> String {
    let path = env.path(name);
    let _ = keys;
    let inspector = env.path("inspector.key");
    env.ok(&["--key", s(&inspector), "checkpoint", "--out", s(&path)]);
    s(&path).to_string()
}

/// Rewrite the store from `from` on: `edit` changes event `from`'s payload,
/// every later event is re-chained and re-signed by its own author, the
/// head is updated, and the derived indexes rebuilt: a forgery that passes
/// a plain `verify`.
fn forge(env: &Env, from: u64, edit: impl Fn(&mut sakip::event::Payload)) {
    let keys: HashMap<[u8; 32], KeyPair> = (1..=3u8)
        .map(|seed| KeyPair::from_seed([seed; 32]))
        .map(|k| (k.public().0, k))
        .collect();
    rewrite(env, from, |seq, e| {
        if seq == from {
            edit(&mut e.payload);
        }
        keys[&e.author.0].clone()
    });
    env.ok(&["rebuild"]);
}

/// Rewrite the stored events from `from` on: `change` may alter each one
/// (its payload, its author) and returns the key that signs it again; every
/// event is re-chained, the head record follows, and the kept checkpoint
/// (which no longer fits) is dropped. The derived indexes are left for the
/// caller to rebuild.
fn rewrite(env: &Env, from: u64, change: impl Fn(u64, &mut sakip::event::Event) -> KeyPair) {
    let (db, events) = env.raw_events();
    let meta = db.open_tree("meta").unwrap();
    let mut prev = sakip::event::EventHash::ZERO;
    let mut seq = 0u64;
    while let Some(bytes) = events.get(seq.to_be_bytes()).unwrap() {
        if seq >= from {
            let mut e = codec::decode(&bytes).unwrap();
            let key = change(seq, &mut e);
            let body = codec::encode_body(&Unsigned {
                seq,
                prev,
                recorded_at: e.recorded_at,
                author: e.author,
                payload: &e.payload,
            })
            .unwrap();
            let stored = [body.clone(), key.sign(&codec::signing_message(&body)).to_vec()].concat();
            prev = codec::hash_stored(&stored);
            events.insert(seq.to_be_bytes(), stored).unwrap();
        } else {
            prev = codec::hash_stored(&bytes);
        }
        seq += 1;
    }
    let mut head = meta.get("head").unwrap().unwrap().to_vec();
    head[8..40].copy_from_slice(&prev.0);
    meta.insert("head", head).unwrap();
    meta.remove("checkpoint").unwrap();
    db.flush().unwrap();
}

#[test]
fn a_ledger_that_only_grew_extends_its_checkpoint() {
    let (env, keys) = ledger(8);
    let cp = checkpoint(&env, &keys, "review-1.checkpoint");
    let text = std::fs::read_to_string(&cp).unwrap();
    assert!(
        text.starts_with("sakip/4.01.03/") && text.contains("\n8\n"),
        "{text}"
    );
    for _ in 0..5 {
        env.ok(&["--key", s(&keys.kepala), "approve", "2"]);
    }
    let out = env.ok(&["verify", "--checkpoint", &cp]);
    assert!(
        out.contains("intact: 13 events") && out.contains("extends the checkpoint of 8 events"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["verify", "--checkpoint", &cp, "--format", "json"])).unwrap();
    assert_eq!(json["checkpoint"]["consistent"], true);
}

#[test]
fn truncation_below_the_checkpoint_is_detected() {
    let (env, keys) = ledger(10);
    let cp = checkpoint(&env, &keys, "cp");
    {
        let (db, events) = env.raw_events();
        let meta = db.open_tree("meta").unwrap();
        for seq in 7..10u64 {
            events.remove(seq.to_be_bytes()).unwrap();
        }
        // Make the head agree and drop the checkpoint the ledger keeps, as a
        // careful attacker would.
        meta.remove("checkpoint").unwrap();
        let last = events.get(6u64.to_be_bytes()).unwrap().unwrap();
        let mut head = meta.get("head").unwrap().unwrap().to_vec();
        head[..8].copy_from_slice(&7u64.to_be_bytes());
        head[8..40].copy_from_slice(&codec::hash_stored(&last).0);
        meta.insert("head", head).unwrap();
        db.flush().unwrap();
    }
    env.ok(&["rebuild"]);
    env.ok(&["verify"]);
    let (code, _, err) = env.run(&["verify", "--checkpoint", &cp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_rewrite_before_the_checkpoint_is_detected_even_when_resigned() {
    let (env, keys) = ledger(10);
    let cp = checkpoint(&env, &keys, "cp");
    forge(&env, 4, |p| {
        if let sakip::event::Payload::Approval(a) = p {
            a.comment = Some("diubah".into());
        }
    });
    // Every signature is valid and every link holds: plain verify passes...
    env.ok(&["verify"]);
    // ...but the ledger no longer extends the inspector's checkpoint.
    let (code, _, err) = env.run(&["verify", "--checkpoint", &cp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no longer hash to the checkpoint's root"), "{err}");
}

#[test]
fn swapped_events_fail_verify_against_a_checkpoint() {
    let (env, keys) = ledger(10);
    let cp = checkpoint(&env, &keys, "cp");
    {
        let (db, events) = env.raw_events();
        let a = events.get(5u64.to_be_bytes()).unwrap().unwrap();
        let b = events.get(6u64.to_be_bytes()).unwrap().unwrap();
        events.insert(5u64.to_be_bytes(), b).unwrap();
        events.insert(6u64.to_be_bytes(), a).unwrap();
        db.flush().unwrap();
    }
    let (code, _, err) = env.run(&["verify", "--checkpoint", &cp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("at seq 5"), "{err}");
}

#[test]
fn a_checkpoint_of_another_ledger_or_forged_is_refused() {
    let (env, keys) = ledger(6);
    let cp = checkpoint(&env, &keys, "cp");
    let forged = std::fs::read_to_string(&cp).unwrap().replace("\n6\n", "\n5\n");
    let forged_path = env.write("forged", &forged);
    let (code, _, err) = env.run(&["verify", "--checkpoint", &forged_path]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no signature on the checkpoint verifies"), "{err}");
    let (other, other_keys) = ledger(0);
    let other_cp = checkpoint(&other, &other_keys, "cp");
    let text = std::fs::read_to_string(other_cp).unwrap();
    let foreign = env.write("foreign", &text.replacen("4.01.03", "9.99", 1));
    let (code, _, err) = env.run(&["verify", "--checkpoint", &foreign]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is for ledger"), "{err}");
}

fn python(args: &[&str]) -> (i32, String, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/verify_bundle.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inclusion_proofs_are_accepted_by_sakip_and_python_and_altered_ones_by_neither() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    let cp = env.path("cp");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&cp)]);
    let bundle = env.path("bundle");
    env.ok(&["export", "--out", s(&bundle)]);
    for seq in ["0", "17", "254", "300"] {
        let proof = env.path(&format!("proof-{seq}"));
        env.ok(&["prove", seq, "--checkpoint", s(&cp), "--out", s(&proof)]);
        let out = env.ok(&["verify-proof", s(&proof), "--checkpoint", s(&cp)]);
        assert!(out.starts_with("included:"), "{out}");
        let (code, out, err) = python(&[s(&bundle), "--proof", s(&proof)]);
        assert_eq!(code, 0, "python: {out}{err}");

        // Alter one hash of the path: its first base64 character.
        let text = std::fs::read_to_string(&proof).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let last = lines.len() - 1;
        let swap = if lines[last].starts_with('A') { "B" } else { "A" };
        lines[last].replace_range(..1, swap);
        let altered = env.write(&format!("altered-{seq}"), &(lines.join("\n") + "\n"));
        let (code, _, err) = env.run(&["verify-proof", &altered, "--checkpoint", s(&cp)]);
        assert_eq!(code, 3, "sakip accepted an altered proof: {err}");
        let (code, _, err) = python(&[s(&bundle), "--proof", &altered]);
        assert_eq!(code, 3, "python accepted an altered proof: {err}");
    }
}

#[test]
fn a_bundle_verifies_offline_and_a_damaged_one_does_not() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&env.path("cp"))]);
    let bundle = env.path("bundle");
    let out = env.ok(&["export", "--out", s(&bundle)]);
    assert!(out.contains("with the latest checkpoint"), "{out}");
    // verify-bundle never opens the store: move the ledger away first.
    std::fs::rename(env.ledger(), env.path("elsewhere")).unwrap();
    let out = env.ok(&["verify-bundle", s(&bundle)]);
    assert!(
        out.starts_with("intact: bundle of sakip/bkpsdm-kota-kediri/"),
        "{out}"
    );
    let (code, out, err) = python(&[s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("intact:"));

    // One flipped byte in an event, with the manifest digest updated to match.
    let bin = bundle.join("events.bin");
    let mut bytes = std::fs::read(&bin).unwrap();
    bytes[300] ^= 0x01;
    std::fs::write(&bin, &bytes).unwrap();
    let manifest_path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    use sha2::Digest;
    manifest["files"]["events.bin"] = hex::encode(sha2::Sha256::digest(&bytes)).into();
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let (code, _, err) = env.run(&["verify-bundle", s(&bundle)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("at seq"), "{err}");
    let (code, _, err) = python(&[s(&bundle)]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn audit_check_surfaces_the_seeds_contradictions_and_nothing_else() {
    let env = crate::support::demo();
    let out = env.ok(&["audit", "check", "--format", "jsonl"]);
    let findings: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected: [(&str, &str); 12] = [
        ("report-outdated", "Berita Acara Evaluasi Internal Triwulan IV Tahun 2021 (seq 353) prints IKU-1.1 realisasi = 29,76; the ledger now gives 20,40"),
        ("report-outdated", "prints IKU-1.1 capaian = 102,62%; the ledger now gives 70,34%"),
        ("late-change", "IKU-1.1: 1 entry recorded after Berita Acara"),
        ("report-disagrees", "prints IKU-2.2 capaian = 91,43%, but the ledger when it was issued gives 97,02%"),
        ("report-disagrees", "Laporan Kinerja Instansi Pemerintah Tahun 2021 (seq 366) prints IKU-1.2 realisasi = 98,37, but the ledger when it was issued gives 98,63"),
        ("report-disagrees", "prints IKU-1.2 capaian = 98,65%, but the ledger when it was issued gives 98,92%"),
        ("report-disagrees", "prints the program total pagu = Rp 14.667.701.489,89, but the ledger when it was issued gives Rp 15.193.709.205"),
        ("report-disagrees", "Perjanjian Kinerja Tahun 2021 (seq 236) prints IKU-1.2 pagu = Rp 919.986.100, but the ledger when it was issued gives Rp 924.986.100"),
        ("totals-disagree", "the IKU budget allocations total Rp 8.500.000.000, the program pagu total Rp 15.193.709.205"),
        ("totals-disagree", "IP-2.2 2021: the annual figure 2.682/2.778 (96,54%) differs from its quarters, which add up to 2.677/2.778 (96,36%)"),
        ("pagu-incomplete", "P1 2021: only 2 of 17 sub kegiatan have a pagu"),
        ("pagu-incomplete", "P2 2021: only 4 of 13 sub kegiatan have a pagu"),
    ];
    for (check, text) in expected {
        assert!(
            findings
                .iter()
                .any(|f| f["check"] == check && f["message"].as_str().unwrap().contains(text)),
            "missing finding [{check}] {text}\n{out}"
        );
    }
    assert_eq!(findings.len(), expected.len(), "unexpected findings:\n{out}");
    // The correction is named among the events of the outdated finding.
    let outdated = findings.iter().find(|f| f["check"] == "report-outdated").unwrap();
    let correction = env.ok(&["log", "--kind", "realisation_corrected", "--format", "jsonl"]);
    let last: serde_json::Value = serde_json::from_str(correction.lines().last().unwrap()).unwrap();
    assert!(outdated["events"].as_array().unwrap().contains(&last["seq"]));
}

#[test]
fn audit_check_flags_ratios_over_100_and_overspending() {
    let env = crate::support::demo();
    let op = env.demo_key("kabid-mutasi-operator");
    env.ok(&[
        "--key",
        &op,
        "record",
        "realisasi",
        "--indicator",
        "IP-2.2",
        "--period",
        "2022-Q1",
        "--numerator",
        "12",
        "--denominator",
        "10",
    ]);
    let admin = env.demo_key("sekretaris-admin");
    env.ok(&[
        "--key",
        &admin,
        "record",
        "target",
        "--indicator",
        "IP-2.2",
        "--year",
        "2022",
        "--value",
        "95",
    ]);
    let budget = env.write("b.csv", "account,period,jenis,amount\nP3,2022,pagu,100.000\n");
    env.ok(&["--key", &admin, "import", "anggaran", &budget]);
    env.ok(&[
        "--key",
        &op,
        "record",
        "spending",
        "--account",
        "P3",
        "--period",
        "2022-Q2",
        "--amount",
        "150.000",
    ]);
    let out = env.ok(&["audit", "check", "--year", "2022"]);
    assert!(
        out.contains("[ratio-over-100] IP-2.2: numerator 12 exceeds denominator 10"),
        "{out}"
    );
    assert!(
        out.contains("[spending-over-pagu] P3 2022: spending Rp 150.000 exceeds its pagu Rp 100.000"),
        "{out}"
    );
}

#[test]
fn history_diff_and_replay_tell_the_story_of_a_correction() {
    let env = crate::support::demo();
    let history = env.ok(&["history", "IKU-1.1", "--year", "2021"]);
    assert!(
        history.contains("koreksi realisasi 2021") && history.contains("20,40"),
        "{history}"
    );
    assert!(
        history.contains("KRIS WAHYUDI") && history.contains("Nilai dimensi kompetensi final"),
        "{history}"
    );
    assert!(
        history.contains("realisasi 2021") && history.contains("29,76"),
        "{history}"
    );
    assert!(
        history.contains("approve (seq"),
        "approval state is shown: {history}"
    );

    let diff = env.ok(&[
        "diff",
        "--known-at",
        "2022-01-10",
        "--known-at",
        "2022-02-25",
        "--year",
        "2021",
    ]);
    assert!(
        diff.starts_with("IKU-1.1 Indeks Profesionalisme ASN Dimensi Kompetensi\n"),
        "{diff}"
    );
    assert!(
        diff.contains("29,76, capaian 102,62%") && diff.contains("20,40, capaian 70,34%"),
        "{diff}"
    );
    assert!(diff.contains("corrected to 20,40"), "{diff}");
    assert_eq!(
        diff.lines().filter(|l| !l.starts_with(' ')).count(),
        1,
        "only IKU-1.1 differs: {diff}"
    );

    let replay = env.ok(&["audit", "replay", "--from", "354", "--to", "354"]);
    assert!(
        replay.contains("(operator)")
            && replay.contains("IKU-1.1 2021: 29,76, capaian 102,62% -> 20,40, capaian 70,34%"),
        "{replay}"
    );
}

/// `log` narrowed the way an auditor asks: by signer, by period, by the
/// day it was recorded; a bad filter is an input error.
#[test]
fn log_filters_by_author_period_and_date() {
    let env = crate::support::demo();
    let all: Vec<serde_json::Value> = env
        .ok(&["log", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kepala = all.iter().find(|e| e["kind"] == "approval").unwrap()["author"]
        .as_str()
        .unwrap()
        .to_string();
    let lines = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut a = vec!["log", "--format", "jsonl"];
        a.extend_from_slice(args);
        env.ok(&a)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let by_kepala = lines(&["--author", &kepala[..16]]);
    assert_eq!(
        by_kepala.len(),
        all.iter().filter(|e| e["author"] == kepala.as_str()).count()
    );
    assert!(!by_kepala.is_empty() && by_kepala.iter().all(|e| e["author"] == kepala.as_str()));

    let tw3 = lines(&["--period", "TW III 2021", "--kind", "realisation_recorded"]);
    assert!(!tw3.is_empty());
    assert!(
        tw3.iter()
            .all(|e| e["payload"]["period"] == serde_json::json!({"year": 2021, "quarter": 3})),
        "{tw3:?}"
    );

    // One day, in the agency's zone: what was recorded that day only.
    let day = "2022-01-10";
    let that_day = lines(&["--since", day, "--until", day]);
    assert!(!that_day.is_empty());
    let before = lines(&["--until", "2022-01-09"]);
    let after = lines(&["--since", "2022-01-11"]);
    assert_eq!(before.len() + that_day.len() + after.len(), all.len());

    let (code, _, err) = env.run(&["log", "--period", "TW V 2021"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("quarter 'V' does not exist"), "{err}");
    let (code, _, err) = env.run(&["log", "--since", "kemarin"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("'kemarin' is not a date"), "{err}");
}

/// Only an inspector active at the checkpoint's size signs a checkpoint:
/// the admin may not make one; an admin-signed, an unsigned and a revoked
/// key's checkpoint are refused by `verify --checkpoint`, `verify-proof`
/// (with the ledger) and `verify-bundle`; `--trusted-key` names exactly
/// whose signature is required; `verify-proof` with neither says what it
/// could not check.
#[test]
fn only_an_active_inspector_signs_a_checkpoint() {
    use sakip::checkpoint::Checkpoint;
    let (env, keys) = ledger(6);
    let cp = checkpoint(&env, &keys, "cp");
    let (code, _, err) = env.run(&["--key", s(&keys.admin), "checkpoint", "--out", s(&env.path("x"))]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("may not sign a checkpoint") && err.contains("admin"),
        "{err}"
    );

    let good = Checkpoint::parse(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    let by = |seed: u8| {
        Checkpoint::signed(
            good.origin.clone(),
            good.size,
            good.root,
            &KeyPair::from_seed([seed; 32]),
        )
        .to_text()
    };
    let admin_cp = env.write("admin-cp", &by(1));
    let unsigned_cp = env.write("unsigned-cp", &format!("{}\n", good.body()));
    for (file, expect) in [
        (&admin_cp, "holds role(s) admin, not inspector"),
        (&unsigned_cp, "the checkpoint has no signature"),
    ] {
        let (code, _, err) = env.run(&["verify", "--checkpoint", file]);
        assert_eq!(code, 3, "{file}: {err}");
        assert!(err.contains(expect), "{file}: {err}");
    }

    // --trusted-key: exactly whose signature counts.
    let inspector_pub = format!("{}.pub", s(&env.path("inspector.key")));
    let admin_pub = format!("{}.pub", s(&keys.admin));
    env.ok(&["verify", "--checkpoint", &cp, "--trusted-key", &inspector_pub]);
    let (code, _, err) = env.run(&["verify", "--checkpoint", &cp, "--trusted-key", &admin_pub]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not signed by a trusted key"), "{err}");

    // verify-proof: with a trusted key, with the ledger, with neither.
    let proof = env.path("proof");
    env.ok(&["prove", "2", "--checkpoint", &cp, "--out", s(&proof)]);
    let out = env.ok(&[
        "verify-proof",
        s(&proof),
        "--checkpoint",
        &cp,
        "--trusted-key",
        &inspector_pub,
    ]);
    assert!(out.contains("signed by trusted key"), "{out}");
    let out = env.ok(&["verify-proof", s(&proof), "--checkpoint", &cp]);
    assert!(out.contains("Inspektur, inspector of the ledger"), "{out}");
    let out = env.ok(&[
        "--ledger",
        s(&env.path("none")),
        "verify-proof",
        s(&proof),
        "--checkpoint",
        &cp,
    ]);
    assert!(out.contains("NOT CHECKED: who signed the checkpoint"), "{out}");
    for bad in [&admin_cp, &unsigned_cp] {
        let (code, _, err) = env.run(&["verify-proof", s(&proof), "--checkpoint", bad]);
        assert_eq!(code, 3, "{bad}: {err}");
    }

    // A key revoked after the checkpoint still vouches for it; a checkpoint
    // it signs after its revocation does not.
    env.ok(&[
        "--key",
        s(&keys.admin),
        "key",
        "revoke",
        &KeyPair::from_seed([4; 32]).public().key_id(),
        "--reason",
        "pindah tugas",
    ]);
    env.ok(&["verify", "--checkpoint", &cp]);
    let bundle_dir = env.path("bundle");
    env.ok(&["export", "--out", s(&bundle_dir)]);
    env.ok(&["verify-bundle", s(&bundle_dir)]);
    let head = env.head().0;
    let root_at_head = sakip::service::audit::verify_bundle(&bundle_dir)
        .unwrap()
        .verified
        .root;
    let late = Checkpoint::signed(
        good.origin.clone(),
        head,
        root_at_head,
        &KeyPair::from_seed([4; 32]),
    );
    let late_cp = env.write("late-cp", &late.to_text());
    let (code, _, err) = env.run(&["verify", "--checkpoint", &late_cp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was revoked at seq"), "{err}");
    let (code, _, err) = env.run(&["prove", "2", "--checkpoint", &late_cp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was revoked at seq"), "{err}");
    // In a bundle, for both verifiers.
    refit(&bundle_dir, "checkpoint", late.to_text().as_bytes());
    let (code, _, err) = env.run(&["verify-bundle", s(&bundle_dir)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was revoked at seq"), "{err}");
    let (code, _, err) = python(&[s(&bundle_dir)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was revoked at seq"), "{err}");

    // The bundle's checkpoint replaced by the admin's, digest fixed.
    std::fs::write(bundle_dir.join("checkpoint"), by(1)).unwrap();
    let manifest_path = bundle_dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    use sha2::Digest;
    manifest["files"]["checkpoint"] = hex::encode(sha2::Sha256::digest(by(1).as_bytes())).into();
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let (code, _, err) = env.run(&["verify-bundle", s(&bundle_dir)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("holds role(s) admin"), "{err}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Rewrite a bundle's manifest after changing `name` to `bytes`, digest
/// fixed, in the exporter's exact layout: only the content is a lie.
fn refit(bundle: &std::path::Path, name: &str, bytes: &[u8]) {
    use sha2::Digest;
    std::fs::write(bundle.join(name), bytes).unwrap();
    let path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    manifest["files"][name] = hex::encode(sha2::Sha256::digest(bytes)).into();
    std::fs::write(
        &path,
        format!("{}\n", serde_json::to_string_pretty(&manifest).unwrap()),
    )
    .unwrap();
}

/// A bundle whose readable parts disagree with its signed events, or whose
/// manifest points at what is no file of a bundle, is refused promptly
/// (exit 3), naming the file and line; nothing is read beyond its bounds.
#[test]
fn a_bundle_whose_readable_files_lie_is_refused() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&env.path("cp"))]);
    let good = env.path("bundle");
    env.ok(&["export", "--out", s(&good)]);
    let case = |name: &str| {
        let dir = env.path(name);
        copy_dir(&good, &dir);
        dir
    };

    // events.jsonl: the corrected IKU-1.1 figure 20,40 shown as 35,00.
    let lied = case("jsonl");
    let text = std::fs::read_to_string(lied.join("events.jsonl")).unwrap();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("realisation_corrected") && l.contains("IKU-1.1") && l.contains("\"20.4"))
        .unwrap();
    let forged = text.replacen(line, &line.replacen("\"20.4", "\"35.0", 1), 1);
    refit(&lied, "events.jsonl", forged.as_bytes());
    let (code, _, err) = env.run(&["verify-bundle", s(&lied)]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!("events.jsonl line {} does not match event {n}", n + 1)),
        "{err}"
    );

    // A line dropped at the end.
    let short = case("short");
    let cut: String = text
        .lines()
        .take(text.lines().count() - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    refit(&short, "events.jsonl", cut.as_bytes());
    let (code, _, err) = env.run(&["verify-bundle", s(&short)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("is missing"), "{err}");

    // A manifest with a field of its own.
    let extra = case("extra");
    let path = extra.join("manifest.json");
    let m = std::fs::read_to_string(&path).unwrap().replacen(
        "{\n",
        "{\n  \"approved_by\": \"Inspektorat\",\n",
        1,
    );
    std::fs::write(&path, m).unwrap();
    let (code, _, err) = env.run(&["verify-bundle", s(&extra)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("manifest.json is not exactly"), "{err}");

    // Names that are no file of a bundle: outside paths, devices.
    for hostile in ["../cp", "/dev/zero", "events.bin/../../cp"] {
        let dir = case(&format!("name-{}", hostile.len()));
        let path = dir.join("manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        manifest["files"][hostile] = "00".into();
        std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
        let (code, _, err) = env.run(&["verify-bundle", s(&dir)]);
        assert_eq!(code, 3, "{hostile}: {err}");
        assert!(err.contains("is not a file of a bundle"), "{hostile}: {err}");
    }

    // events.bin as a link to a device, and as a FIFO: refused, not read.
    let linked = case("linked");
    std::fs::remove_file(linked.join("events.bin")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", linked.join("events.bin")).unwrap();
    let fifo = case("fifo");
    std::fs::remove_file(fifo.join("events.bin")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fifo.join("events.bin"))
        .status()
        .unwrap();
    assert!(made.success());
    for dir in [&linked, &fifo] {
        let (code, _, err) = env.run(&["verify-bundle", s(dir)]);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("events.bin is not a regular file"), "{err}");
    }

    // A specification grown past its bound.
    let huge = case("huge");
    refit(&huge, "FORMAT.md", &vec![b'x'; (1 << 20) + 1]);
    let (code, _, err) = env.run(&["verify-bundle", s(&huge)]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("FORMAT.md has 1048577 bytes"), "{err}");

    // The same bundle untouched is intact.
    let out = env.ok(&["verify-bundle", s(&good)]);
    assert!(out.starts_with("intact"), "{out}");
    assert!(!out.contains("note:"), "{out}");
}

/// The shared corpus: good and hostile bundles, each through both
/// verifiers (`sakip verify-bundle` and `tools/verify_bundle.py`), which
/// must reach the same verdict — intact (0) or refused (3) — promptly.
#[test]
fn both_verifiers_agree_on_a_corpus_of_good_and_hostile_bundles() {
    use sakip::checkpoint::Checkpoint;
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&env.path("cp"))]);
    let good = env.path("good");
    env.ok(&["export", "--out", s(&good)]);
    let mut corpus: Vec<(String, std::path::PathBuf, i32)> = vec![("good".into(), good.clone(), 0)];
    let mut case = |name: &str, expect: i32, change: &dyn Fn(&std::path::Path)| {
        let dir = env.path(&format!("corpus-{name}"));
        copy_dir(&good, &dir);
        change(&dir);
        corpus.push((name.into(), dir, expect));
    };
    let jsonl = std::fs::read_to_string(good.join("events.jsonl")).unwrap();
    case("jsonl-figure-changed", 3, &|d| {
        refit(
            d,
            "events.jsonl",
            jsonl
                .replacen("\"number\":\"20.4", "\"number\":\"35.0", 1)
                .as_bytes(),
        )
    });
    case("jsonl-line-dropped", 3, &|d| {
        let cut: String = jsonl.lines().skip(1).map(|l| format!("{l}\n")).collect();
        refit(d, "events.jsonl", cut.as_bytes())
    });
    case("jsonl-author-renamed", 3, &|d| {
        refit(
            d,
            "events.jsonl",
            jsonl.replacen("KRIS WAHYUDI", "KRIS WAHYUDl", 1).as_bytes(),
        )
    });
    case("manifest-extra-field", 3, &|d| {
        let p = d.join("manifest.json");
        let m = std::fs::read_to_string(&p)
            .unwrap()
            .replacen("{\n", "{\n  \"note\": \"ok\",\n", 1);
        std::fs::write(p, m).unwrap();
    });
    for (i, name) in ["../cp", "/dev/zero", "events.bin/../../cp"]
        .into_iter()
        .enumerate()
    {
        case(&format!("manifest-names-{i}"), 3, &|d| {
            let p = d.join("manifest.json");
            let mut m: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            m["files"][name] = "00".into();
            std::fs::write(p, format!("{}\n", serde_json::to_string_pretty(&m).unwrap())).unwrap();
        });
    }
    case("events-bin-links-to-dev-zero", 3, &|d| {
        std::fs::remove_file(d.join("events.bin")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.join("events.bin")).unwrap();
    });
    case("events-bin-is-a-fifo", 3, &|d| {
        std::fs::remove_file(d.join("events.bin")).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(d.join("events.bin"))
            .status()
            .unwrap()
            .success());
    });
    case("format-md-huge", 3, &|d| {
        refit(d, "FORMAT.md", &vec![b'x'; (1 << 20) + 1])
    });
    case("events-bin-byte-flipped", 3, &|d| {
        let mut bytes = std::fs::read(d.join("events.bin")).unwrap();
        bytes[300] ^= 1;
        refit(d, "events.bin", &bytes);
    });
    let cp = Checkpoint::parse(&std::fs::read_to_string(good.join("checkpoint")).unwrap()).unwrap();
    let signed_by = |seed: [u8; 32]| {
        Checkpoint::signed(cp.origin.clone(), cp.size, cp.root, &KeyPair::from_seed(seed)).to_text()
    };
    let admin = sakip::keys::example_key("sekretaris-admin");
    let admin_cp = Checkpoint::signed(cp.origin.clone(), cp.size, cp.root, &admin).to_text();
    case("checkpoint-by-the-admin", 3, &|d| {
        refit(d, "checkpoint", admin_cp.as_bytes())
    });
    let operator_cp = Checkpoint::signed(
        cp.origin.clone(),
        cp.size,
        cp.root,
        &sakip::keys::example_key("kabid-mutasi-operator"),
    )
    .to_text();
    case("checkpoint-by-an-operator", 3, &|d| {
        refit(d, "checkpoint", operator_cp.as_bytes())
    });
    case("checkpoint-unsigned", 3, &|d| {
        refit(d, "checkpoint", format!("{}\n", cp.body()).as_bytes())
    });
    case("checkpoint-by-a-stranger", 3, &|d| {
        refit(d, "checkpoint", signed_by([99; 32]).as_bytes())
    });
    case("checkpoint-garbage-signature", 3, &|d| {
        let text = format!(
            "{}\n\u{2014} sakip-0011223344556677 {}\n",
            cp.body(),
            "A".repeat(92)
        );
        refit(d, "checkpoint", text.as_bytes())
    });

    case("checkpoint-listed-but-missing", 3, &|d| {
        std::fs::remove_file(d.join("checkpoint")).unwrap()
    });
    case("events-jsonl-listed-but-missing", 3, &|d| {
        std::fs::remove_file(d.join("events.jsonl")).unwrap()
    });
    case("no-manifest", 1, &|d| {
        std::fs::remove_file(d.join("manifest.json")).unwrap()
    });

    // A history re-signed from seq 300 on by a key never registered, with
    // a checkpoint of its own, exported by sakip itself.
    let forger = KeyPair::from_seed([98; 32]);
    rewrite(&env, 300, |_, e| {
        e.author = forger.public();
        forger.clone()
    });
    let forged = env.path("corpus-resigned-by-a-stranger");
    env.ok(&["export", "--out", s(&forged)]);
    let (root, size) = {
        let bin = std::fs::read(forged.join("events.bin")).unwrap();
        let mut frontier = sakip::merkle::Frontier::default();
        let (mut at, mut n) = (0usize, 0u64);
        while at < bin.len() {
            let len = u32::from_le_bytes(bin[at..at + 4].try_into().unwrap()) as usize;
            frontier.push(&codec::hash_stored(&bin[at + 4..at + 4 + len]).0);
            at += 4 + len;
            n += 1;
        }
        (frontier.root(), n)
    };
    let own = Checkpoint::signed(cp.origin.clone(), size, root, &forger).to_text();
    refit(&forged, "checkpoint", own.as_bytes());
    corpus.push(("resigned-by-a-stranger".into(), forged, 3));

    // Events re-signed by the keys that signed them (the example keys'
    // seeds are public): one stamped in 2100, and realisations the plan
    // forbids. Both verifiers refuse the time; only `sakip verify-bundle`
    // applies the plan rules, and `--scope chain` is exactly the Python
    // verifier's scope.
    let signer_of = |e: &sakip::event::Event| {
        sakip::keys::EXAMPLE_KEY_NAMES
            .iter()
            .map(|n| sakip::keys::example_key(n))
            .find(|k| k.public() == e.author)
            .expect("a demo event signed by an example key")
    };
    // Change the last event `pick` chooses, and re-sign from there on.
    let resigned =
        |name: &str, pick: &dyn Fn(&serde_json::Value) -> bool, change: &dyn Fn(&mut sakip::event::Event)| {
            let env = crate::support::demo();
            let target = env
                .ok(&["log", "--format", "jsonl"])
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .filter(|e| pick(e))
                .map(|e| e["seq"].as_u64().unwrap())
                .last()
                .expect("an event to change");
            rewrite(&env, target, |seq, e| {
                if seq == target {
                    change(e);
                }
                signer_of(e)
            });
            let dir = env.path(&format!("corpus-{name}"));
            env.ok(&["export", "--out", s(&dir)]);
            (env, dir)
        };
    let (_keep_future, future) = resigned("stamped-in-2100", &|_| true, &|e| {
        e.recorded_at = 4_102_444_800_000_000; // 2100-01-01T00:00:00Z
    });
    corpus.push(("stamped-in-2100".into(), future, 3));
    let realisation = |e: &serde_json::Value| e["kind"] == "realisation_recorded";
    let mut plan_cases = Vec::new();
    type Change<'a> = &'a dyn Fn(&mut sakip::event::RealisationRecorded);
    let changes: [(&str, Change); 2] = [
        ("undefined-indicator", &|r| r.indicator = "IKU-99.9".into()),
        ("quarter-7", &|r| r.period.quarter = 7),
    ];
    for (name, change) in changes {
        let (keep, dir) = resigned(name, &realisation, &|e| {
            if let sakip::event::Payload::RealisationRecorded(r) = &mut e.payload {
                change(r)
            }
        });
        plan_cases.push((name, dir, keep));
    }

    let mut disagreements = Vec::new();
    for (name, dir, _) in &plan_cases {
        let (full, _, full_err) = env.run(&["verify-bundle", s(dir)]);
        let (chain, chain_out, chain_err) = env.run(&["verify-bundle", "--scope", "chain", s(dir)]);
        let (py, _, py_err) = python(&[s(dir)]);
        eprintln!("{name}: sakip {full} | sakip --scope chain {chain} | python {py}");
        if full != 3 || !full_err.contains("invalid event") || chain != 0 || py != 0 {
            disagreements.push(format!(
                "{name}: sakip {full} ({}), --scope chain {chain} ({}), python {py} ({})",
                full_err.trim(),
                chain_err.trim(),
                py_err.trim()
            ));
        }
        assert!(chain_out.contains("not checked (--scope chain)"), "{chain_out}");
    }
    for (name, dir, expect) in &corpus {
        let started = std::time::Instant::now();
        let (rust, _, rust_err) = env.run(&["verify-bundle", s(dir)]);
        let (py, _, py_err) = python(&[s(dir)]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{name}: not prompt"
        );
        eprintln!(
            "{name}: sakip {rust} {} | python {py} {}",
            rust_err.trim(),
            py_err.trim()
        );
        // The new cases also name the same reason in both verifiers.
        let reason = match name.as_str() {
            "stamped-in-2100" => Some("in the future of this machine's clock"),
            "checkpoint-listed-but-missing" => Some("checkpoint is missing"),
            "events-jsonl-listed-but-missing" => Some("events.jsonl is missing"),
            "no-manifest" => Some("no manifest.json, so not a bundle"),
            _ => None,
        };
        if reason.is_some_and(|r| !rust_err.contains(r) || !py_err.contains(r)) {
            disagreements.push(format!(
                "{name}: not the reason {reason:?}: sakip {}, python {}",
                rust_err.trim(),
                py_err.trim()
            ));
        }
        if rust != *expect || py != *expect {
            disagreements.push(format!(
                "{name}: expected {expect}, sakip {rust} ({}), python {py} ({})",
                rust_err.trim(),
                py_err.trim()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// An auditor with only a bundle gets the same answers as from the ledger:
/// status as known at a date, audit check, history and diff, read from the
/// verified bundle in memory; a writer is refused, a tampered bundle too.
#[test]
fn the_audit_answers_from_a_bundle_equal_the_ledgers() {
    let env = crate::support::demo();
    let bundle = env.path("bundle");
    env.ok(&["export", "--out", s(&bundle)]);
    let questions: [&[&str]; 5] = [
        &[
            "status",
            "--year",
            "2021",
            "--known-at",
            "2022-01-10",
            "--format",
            "json",
        ],
        &["audit", "check", "--format", "jsonl"],
        &["history", "IKU-1.1", "--year", "2021"],
        &[
            "diff",
            "--known-at",
            "2022-01-10",
            "--known-at",
            "2022-03-01",
            "--year",
            "2021",
        ],
        &["log", "--author", "dfa7451bfbc05a7c", "--format", "csv"],
    ];
    let from_ledger: Vec<String> = questions.iter().map(|q| env.ok(q)).collect();
    std::fs::rename(env.ledger(), env.path("elsewhere")).unwrap();
    for (q, expected) in questions.iter().zip(&from_ledger) {
        let mut args = vec!["--bundle", s(&bundle)];
        args.extend_from_slice(q);
        assert_eq!(&env.ok(&args), expected, "{q:?}");
    }
    let operator = env.demo_key("kabid-mutasi-operator");
    let (code, _, err) = env.run(&[
        "--bundle",
        s(&bundle),
        "--key",
        &operator,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--bundle is read-only"), "{err}");
    let jsonl = std::fs::read_to_string(bundle.join("events.jsonl")).unwrap();
    refit(
        &bundle,
        "events.jsonl",
        jsonl.replacen("\"20.4", "\"35.0", 1).as_bytes(),
    );
    let (code, _, err) = env.run(&["--bundle", s(&bundle), "audit", "check"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("events.jsonl line"), "{err}");
}

/// A witness over HTTP: the checkpoint at size N is cosigned with a time;
/// the ledger grows; the checkpoint at N+k is cosigned with a consistency
/// proof from N; a ledger rewritten before N (a fork) is refused by the
/// witness; a correction recorded after the second cosigned checkpoint but
/// claiming an earlier time is reported by `audit check` as backdated.
#[test]
fn a_witness_cosigns_a_growing_ledger_and_refuses_a_fork() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    let operator = env.demo_key("kabid-mutasi-operator");
    let witness_key = env.path("saksi.key");
    env.ok(&[
        "key",
        "new",
        "--out",
        s(&witness_key),
        "--name",
        "Saksi Inspektorat Provinsi",
    ]);
    let witness_pub = format!("{}.pub", s(&witness_key));
    let witness = format!("saksi.jatimprov.test/w1={witness_pub}");
    let cp0 = env.path("cp0");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&cp0)]);
    let origin = std::fs::read_to_string(&cp0)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();

    let (_server, port) = witness_server(&env, &witness_key, &origin, &inspector);
    let url = format!("http://127.0.0.1:{port}");
    let cosigned_checkpoint = |name: &str| {
        let path = env.path(name);
        let out = env.ok(&[
            "--key",
            &inspector,
            "checkpoint",
            "--out",
            s(&path),
            "--witness-url",
            &url,
            "--witness",
            &witness,
        ]);
        (path, out)
    };

    // Size N, cosigned with a time; verify reports it and can require it.
    let (cp1, out) = cosigned_checkpoint("cp1");
    assert!(out.contains("1 cosignature(s) added"), "{out}");
    let out = env.ok(&[
        "verify",
        "--checkpoint",
        s(&cp1),
        "--witness",
        &witness,
        "--witness-quorum",
        "1",
    ]);
    assert!(
        out.contains("cosigned by witness saksi.jatimprov.test/w1 at 20"),
        "{out}"
    );
    let (code, _, err) = env.run(&[
        "verify",
        "--checkpoint",
        s(&cp0),
        "--witness",
        &witness,
        "--witness-quorum",
        "1",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cosigned by 0 of the 1 witnesses"), "{err}");

    // The ledger grows; N+k is cosigned with a consistency proof from N.
    env.ok(&[
        "--key",
        &operator,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    let (cp2, out) = cosigned_checkpoint("cp2");
    assert!(out.contains("1 cosignature(s) added"), "{out}");
    env.ok(&[
        "verify",
        "--checkpoint",
        s(&cp2),
        "--witness",
        &witness,
        "--witness-quorum",
        "1",
    ]);
    // The bundle carries the cosigned checkpoint; both verifiers report it.
    let bundle = env.path("cosigned-bundle");
    env.ok(&["export", "--out", s(&bundle)]);
    let out = env.ok(&[
        "verify-bundle",
        s(&bundle),
        "--witness",
        &witness,
        "--witness-quorum",
        "1",
    ]);
    assert!(
        out.contains("cosigned by witness saksi.jatimprov.test/w1 at 20"),
        "{out}"
    );
    let (code, out, err) = python(&[s(&bundle), "--witness", &witness, "--witness-quorum", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("cosigned by witness saksi.jatimprov.test/w1 at 20"),
        "{out}"
    );
    let stranger = format!("saksi.lain.test/w9={witness_pub}");
    let (code, _, _) = env.run(&[
        "verify-bundle",
        s(&bundle),
        "--witness",
        &stranger,
        "--witness-quorum",
        "1",
    ]);
    let (py, _, _) = python(&[s(&bundle), "--witness", &stranger, "--witness-quorum", "1"]);
    assert_eq!(
        (code, py),
        (3, 3),
        "a cosignature under another witness name does not count"
    );

    // A correction recorded now that claims a 2022 time: before the witness
    // saw the ledger at N+k without it.
    let size2: u64 = std::fs::read_to_string(&cp2)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    env.ok(&[
        "--key",
        &operator,
        "correct",
        &(size2 - 1).to_string(),
        "--value",
        "22",
        "--reason",
        "salah ketik",
    ]);
    let out = env.ok(&[
        "audit",
        "check",
        "--checkpoint",
        s(&cp2),
        "--witness",
        &witness,
        "--format",
        "jsonl",
    ]);
    let backdated: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| f["check"] == "backdated")
        .collect();
    assert_eq!(backdated.len(), 1, "{out}");
    assert_eq!(backdated[0]["events"], serde_json::json!([size2]), "{out}");

    // A fork: event 300 rewritten and everything after it re-signed by its
    // own (published) keys; the rewritten ledger verifies on its own, but
    // the witness refuses its checkpoint.
    let keys: HashMap<[u8; 32], KeyPair> = sakip::keys::EXAMPLE_KEY_NAMES
        .iter()
        .map(|n| sakip::keys::example_key(n))
        .map(|k| (k.public().0, k))
        .collect();
    rewrite(&env, 300, |seq, e| {
        if seq == 300 {
            if let sakip::event::Payload::RealisationRecorded(r) = &mut e.payload {
                r.note = Some("diubah".into());
            }
        }
        keys[&e.author.0].clone()
    });
    env.ok(&["rebuild"]);
    // This user's sakip verified the ledger before: it sees the fork.
    let (code, _, err) = env.run(&["verify"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("rewritten or forked"), "{err}");
    // A verifier that never saw the ledger: it verifies on its own.
    let fresh = env
        .process()
        .env("SAKIP_STATE_DIR", env.path("fresh-state"))
        .arg("verify")
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let (_, out) = cosigned_checkpoint("cp-fork");
    assert!(
        out.contains("no cosignature: 422") && out.contains("a fork"),
        "{out}"
    );
    // The same through files: `witness request` then `witness cosign`.
    let req = env.path("fork.req");
    env.ok(&[
        "witness",
        "request",
        "--checkpoint",
        s(&env.path("cp-fork")),
        "--old",
        &size2.to_string(),
        "--out",
        s(&req),
    ]);
    let (code, _, err) = env.run(&[
        "--key",
        s(&witness_key),
        "witness",
        "cosign",
        "--state",
        s(&env.path("saksi-state")),
        "--name",
        "saksi.jatimprov.test/w1",
        "--log",
        &format!("{origin}={inspector}.pub"),
        s(&req),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("witness refuses (422)"), "{err}");
}

/// A process that is killed when dropped.
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sakip witness serve` on a free port of 127.0.0.1 with `witness_key`,
/// accepting checkpoints of `origin` signed by `inspector`: the process and
/// its port, once it listens.
fn witness_server(env: &Env, witness_key: &std::path::Path, origin: &str, inspector: &str) -> (Stop, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_sakip"))
        .args([
            "--key",
            s(witness_key),
            "witness",
            "serve",
            "--state",
            s(&env.path("saksi-state")),
        ])
        .args(["--name", "saksi.jatimprov.test/w1", "--log"])
        .arg(format!("{origin}={inspector}.pub"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Stop(server);
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the witness never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (server, port)
}

/// The server signs checkpoints on a schedule when the ledger grew and a
/// witness cosigns them, so a cut or fork is caught against an outsider's
/// cosignature without an inspector at hand.
#[test]
fn the_server_signs_checkpoints_on_a_schedule_and_a_witness_cosigns_them() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    let witness_key = env.path("saksi.key");
    env.ok(&[
        "key",
        "new",
        "--out",
        s(&witness_key),
        "--name",
        "Saksi Inspektorat Provinsi",
    ]);
    let witness = format!("saksi.jatimprov.test/w1={}.pub", s(&witness_key));
    let cp0 = env.path("cp0");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&cp0)]);
    let origin = std::fs::read_to_string(&cp0)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let (_witness, port) = witness_server(&env, &witness_key, &origin, &inspector);
    // The ledger grows past the last checkpoint, then the server starts.
    env.ok(&[
        "--key",
        &env.demo_key("kabid-mutasi-operator"),
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    let (size, _) = env.head();
    let web = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _serve = Stop(
        env.process()
            .args([
                "--key",
                &inspector,
                "serve",
                "--listen",
                &format!("127.0.0.1:{web}"),
            ])
            .args([
                "--checkpoint-every",
                "1s",
                "--witness-url",
                &format!("http://127.0.0.1:{port}"),
            ])
            .args(["--witness", &witness])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let file = env
        .ledger()
        .join("checkpoints")
        .join(format!("{size}.checkpoint"));
    let started = std::time::Instant::now();
    while !file.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no scheduled checkpoint of {size} events"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Written whole (a new file renamed into place), cosigned, and one this
    // ledger extends (verify takes its turn beside the server).
    let out = env.ok(&[
        "verify",
        "--checkpoint",
        s(&file),
        "--witness",
        &witness,
        "--witness-quorum",
        "1",
    ]);
    assert!(
        out.contains(&format!("extends the checkpoint of {size} events")),
        "{out}"
    );
    assert!(
        out.contains("cosigned by witness saksi.jatimprov.test/w1"),
        "{out}"
    );
}

/// Serve the files of `root` over HTTP on 127.0.0.1 (GET only), in a
/// thread; returns the URL prefix.
fn static_server(root: std::path::PathBuf) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            let file = root.join(&path);
            let response = match (path.contains(".."), std::fs::read(&file)) {
                (false, Ok(body)) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// The ledger published as static tlog tiles, served over HTTP, mirrored;
/// the ledger grows, is published again incrementally, and the mirror
/// advances with a consistency check; a rewritten tile, a checkpoint over
/// another tree and a rolled-back checkpoint are refused, the local copy
/// untouched.
#[test]
fn a_published_ledger_is_mirrored_and_a_rewritten_tile_is_refused() {
    let env = crate::support::demo();
    let inspector = env.demo_key("inspektorat-inspector");
    let inspector_pub = format!("{inspector}.pub");
    let operator = env.demo_key("kabid-mutasi-operator");
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&env.path("cp1"))]);
    let published = env.path("published");
    let out = env.ok(&["publish", "--out", s(&published)]);
    assert!(out.contains("published the checkpoint of 367 events"), "{out}");
    assert!(published.join("tile/0/000").is_file() && published.join("tile/0/001.p/111").is_file());
    assert!(
        published.join("tile/entries/000").is_file()
            && published.join("tile/sakip-events/001.p/111").is_file()
    );
    let url = static_server(published.clone());
    let mirror = env.path("mirror");
    let out = env.ok(&[
        "mirror",
        &url,
        "--out",
        s(&mirror),
        "--trusted-key",
        &inspector_pub,
    ]);
    assert!(out.contains("mirrored 367 events (from 0)"), "{out}");

    // The ledger grows; published again, only what is new is written.
    env.ok(&[
        "--key",
        &operator,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    env.ok(&["--key", &inspector, "checkpoint", "--out", s(&env.path("cp2"))]);
    let out = env.ok(&["publish", "--out", s(&published)]);
    assert!(out.contains("published the checkpoint of 368 events"), "{out}");
    assert!(
        out.contains("3 files written, 4 unchanged"),
        "only the new partial tiles and bundles: {out}"
    );
    let out = env.ok(&[
        "mirror",
        &url,
        "--out",
        s(&mirror),
        "--trusted-key",
        &inspector_pub,
    ]);
    assert!(out.contains("mirrored 368 events (from 367)"), "{out}");

    // A rewritten full tile: refused, by the mirror and by the next publish.
    let tile = published.join("tile/0/000");
    let original = std::fs::read(&tile).unwrap();
    let mut bytes = original.clone();
    bytes[100] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let (code, _, err) = env.run(&[
        "mirror",
        &url,
        "--out",
        s(&mirror),
        "--trusted-key",
        &inspector_pub,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("tile/0/000 is not what the published entries hash to"),
        "{err}"
    );
    let (code, _, err) = env.run(&["publish", "--out", s(&published)]);
    assert_eq!(code, 3, "{err}");
    std::fs::write(&tile, &original).unwrap();

    // A checkpoint over another tree, signed by the right key; and one
    // rolled back to fewer events.
    let good = std::fs::read_to_string(published.join("checkpoint")).unwrap();
    let c = sakip::checkpoint::Checkpoint::parse(&good).unwrap();
    let key = sakip::keys::example_key("inspektorat-inspector");
    for (forged, expect) in [
        (
            sakip::checkpoint::Checkpoint::signed(c.origin.clone(), c.size, [7; 32], &key),
            "do not hash to the checkpoint's root",
        ),
        (
            sakip::checkpoint::Checkpoint::signed(c.origin.clone(), 300, [7; 32], &key),
            "fewer than the 368 already mirrored",
        ),
    ] {
        std::fs::write(published.join("checkpoint"), forged.to_text()).unwrap();
        let (code, _, err) = env.run(&[
            "mirror",
            &url,
            "--out",
            s(&mirror),
            "--trusted-key",
            &inspector_pub,
        ]);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains(expect), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(mirror.join("checkpoint")).unwrap(),
        good,
        "the mirror is untouched"
    );
    // A key that did not sign it is not trusted.
    std::fs::write(published.join("checkpoint"), &good).unwrap();
    let (code, _, err) = env.run(&[
        "mirror",
        s(&published),
        "--out",
        s(&env.path("m2")),
        "--trusted-key",
        &format!("{operator}.pub"),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not signed by a trusted key"), "{err}");
}

/// The roll-up over a pemda root: the reference agency beside a generated
/// one, each read as `status` reads it; the totals are the sums of the
/// rows; known at 10 January 2022 the reference agency's IKU mean is the
/// one before its late correction.
#[test]
fn the_rollup_sums_every_opd_of_a_root() {
    let env = crate::support::demo();
    let root = env.path("pemda");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(env.ledger(), root.join("bkpsdm")).unwrap();
    env.ok(&["bench", "generate", "--agencies", "1", "--out", s(&root)]);
    let json = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["rollup", "--root", s(&root), "--year", "2021", "--format", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&env.ok(&a)).unwrap()
    };
    let now = json(&[]);
    assert_eq!(now["agencies"], 2, "{now}");
    let rows = now["rows"].as_array().unwrap();
    let bkpsdm = rows.iter().find(|r| r["slug"] == "bkpsdm").unwrap();
    assert_eq!(
        bkpsdm["serapan"].as_str().map(|s| s.starts_with("68.50")),
        Some(true),
        "{bkpsdm}"
    );
    assert_eq!(bkpsdm["late_changes"], 1);
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let pagu: f64 = rows.iter().map(|r| dec(&r["pagu"])).sum();
    assert!((pagu - dec(&now["pagu"])).abs() < 0.5, "{now}");
    let then = json(&["--known-at", "2022-01-10"]);
    let then_bkpsdm = then["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == "bkpsdm")
        .unwrap()
        .clone();
    assert_ne!(
        then_bkpsdm["iku_mean"], bkpsdm["iku_mean"],
        "the late correction moved the mean"
    );
    let table = env.ok(&["rollup", "--root", s(&root), "--year", "2021"]);
    assert!(
        table.contains("Pemda: 2 OPD") && table.contains("serapan"),
        "{table}"
    );
}

/// Generated agencies exported to Parquet and read back by DuckDB (the
/// Python package; `.ci/run` installs it) running the shipped
/// `docs/sql/*.sql`: each agency's IKU mean equals its own `sakip status`,
/// and the pemda's mean and serapan equal `sakip rollup`'s.
#[test]
fn parquet_export_answers_the_rollup_in_duckdb() {
    let duckdb = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    if !duckdb {
        eprintln!(
            "the duckdb Python package is not installed: the Parquet check did not run (.ci/run installs it)"
        );
        return;
    }
    let env = Env::new();
    let root = env.path("kediri");
    env.ok(&["bench", "generate", "--agencies", "3", "--out", s(&root)]);
    let work = env.path("analysis");
    std::fs::create_dir_all(&work).unwrap();
    let out = env.ok(&[
        "export",
        "--parquet",
        s(&work.join("parquet")),
        "--root",
        s(&root),
        "--year",
        "2021",
    ]);
    assert!(out.contains("exported 3 agencies of pemda kediri"), "{out}");
    let sql = |name: &str| -> Vec<serde_json::Value> {
        let file = format!("{}/../docs/sql/{name}.sql", env!("CARGO_MANIFEST_DIR"));
        let script = format!(
            "import duckdb, json\nc = duckdb.connect()\nrows = c.execute(open({file:?}).read()).fetchall()\nprint(json.dumps([list(r) for r in rows]))"
        );
        let o = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .current_dir(&work)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let close = |a: f64, b: f64| (a - b).abs() < 0.006;
    let agencies = sql("agency_iku");
    assert_eq!(agencies.len(), 3, "{agencies:?}");
    for row in &agencies {
        let agency = row[2].as_str().unwrap();
        let status = env.ok(&[
            "--ledger",
            s(&root.join(agency)),
            "status",
            "--year",
            "2021",
            "--iku",
        ]);
        let line = status
            .lines()
            .find(|l| l.starts_with("Rata-rata capaian IKU: "))
            .unwrap();
        let shown: f64 = line["Rata-rata capaian IKU: ".len()..]
            .split('%')
            .next()
            .unwrap()
            .replace('.', "")
            .replace(',', ".")
            .parse()
            .unwrap();
        assert!(
            close(row[3].as_f64().unwrap(), shown),
            "{agency}: duckdb {} vs status {shown}",
            row[3]
        );
    }
    let rollup: serde_json::Value =
        serde_json::from_str(&env.ok(&["rollup", "--root", s(&root), "--year", "2021", "--format", "json"]))
            .unwrap();
    let pemda = &sql("pemda_rollup")[0];
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    assert_eq!(pemda[2].as_u64(), rollup["with_iku"].as_u64());
    assert!(
        close(
            pemda[3].as_f64().unwrap(),
            (dec(&rollup["iku_mean"]) * 100.0).round() / 100.0
        ),
        "{pemda:?} {rollup}"
    );
    assert!(
        close(
            pemda[6].as_f64().unwrap(),
            (dec(&rollup["serapan"]) * 100.0).round() / 100.0
        ),
        "{pemda:?} {rollup}"
    );
}

/// A known-at answer by date says it rests on the signers' recorded times
/// (and how a cosigned checkpoint bounds them); at the head it does not.
#[test]
fn a_known_at_answer_says_what_its_time_rests_on() {
    let env = crate::support::demo();
    let dated = env.ok(&["status", "--year", "2021", "--known-at", "2022-01-10"]);
    assert!(
        dated
            .contains("Catatan: batas \"diketahui\" memakai waktu pencatatan yang dinyatakan penanda tangan"),
        "{dated}"
    );
    let now = env.ok(&["status", "--year", "2021"]);
    assert!(!now.contains("Catatan: batas"), "{now}");
}

/// `--trusted-key` vouches only through a checkpoint that key signed: a
/// bundle without one (its checkpoint and the events after it dropped, the
/// manifest rebuilt) is refused by both verifiers, exit 3, where before
/// both accepted it without a word about the key.
#[test]
fn a_trusted_key_without_its_checkpoint_is_refused_by_both_verifiers() {
    let env = crate::support::demo();
    let inspector_pub = format!("{}.pub", env.demo_key("inspektorat-inspector"));
    let bundle = env.path("no-checkpoint");
    env.ok(&["export", "--out", s(&bundle)]);
    assert!(
        !bundle.join("checkpoint").exists(),
        "the demo ledger has no checkpoint"
    );
    env.ok(&["verify-bundle", s(&bundle)]);
    let (code, _, err) = env.run(&["verify-bundle", s(&bundle), "--trusted-key", &inspector_pub]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("holds no checkpoint"), "{err}");
    let (code, out, err) = python(&[s(&bundle), "--trusted-key", &inspector_pub]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("holds no checkpoint"),
        "{out}{err}"
    );
}

//! Derived state is never trusted: forged entries written with sled's own
//! API into each derived tree of a copy of the demo ledger are caught by
//! `verify` (exit 3, naming the tree), never shown by `status` or `report`,
//! and repaired by `rebuild`.

use crate::support::{demo, open_sled, Env};
use rust_decimal::Decimal;
use sakip::event::{Dec, Value};
use std::str::FromStr;

/// The stored projection entry of IKU-1.1's latest annual realisation.
fn latest_iku_1_1(db: &sled::Db) -> (Vec<u8>, Vec<u8>) {
    let proj = db.open_tree("proj").unwrap();
    let mut prefix = vec![b'R'];
    prefix.extend_from_slice(&2021u16.to_be_bytes());
    prefix.extend_from_slice(b"IKU-1.1\0");
    proj.scan_prefix(&prefix)
        .map(|r| r.unwrap())
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .filter(|(k, v)| {
            k.len() == prefix.len() + 9
                && sakip::codec::from_bytes::<Value>(v).unwrap()
                    == Value::Number(Dec(Decimal::from_str("20.40").unwrap()))
        })
        .last()
        .expect("the demo has IKU-1.1 = 20,40")
}

fn assert_verify_names(env: &Env, what: &str) {
    let (code, _, err) = env.run(&["verify"]);
    assert_eq!(code, 3, "verify must fail: {err}");
    assert!(err.contains(what), "verify should name {what}: {err}");
}

fn assert_repaired(env: &Env) {
    env.ok(&["rebuild"]);
    let out = env.ok(&["verify"]);
    assert!(out.starts_with("intact"), "{out}");
    let s = env.status(&[]);
    assert_eq!(s["IKU-1.1"]["realisasi"], "20.40");
    assert_eq!(s["IKU-1.1"]["capaian"], "70.34");
}

#[test]
fn a_forged_projection_value_is_never_shown_and_verify_names_the_tree() {
    let env = demo();
    {
        let db = open_sled(&env.ledger().join("store"));
        let (k, _) = latest_iku_1_1(&db);
        let forged =
            sakip::codec::to_bytes(&Value::Number(Dec(Decimal::from_str("35.00").unwrap()))).unwrap();
        db.open_tree("proj").unwrap().insert(k, forged).unwrap();
        db.flush().unwrap();
    }
    for args in [
        vec!["status", "--year", "2021"],
        vec!["status", "--year", "2021", "--format", "json"],
        vec!["report", "capaian", "--year", "2021"],
        vec!["report", "lkjip", "--year", "2021", "--format", "csv"],
        vec!["audit", "check"],
    ] {
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 3, "{args:?} must refuse the forged index: {out}{err}");
        assert!(
            !out.contains("35,00") && !out.contains("35.00"),
            "{args:?} printed the forged figure: {out}"
        );
        assert!(err.contains("does not match the signed event"), "{err}");
    }
    let kepala = env.demo_key("kepala-approver");
    let (code, _, err) = env.run(&[
        "--key",
        &kepala,
        "report",
        "issue",
        "capaian",
        "--year",
        "2021",
        "--out",
        "forged.md",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(!env.path("forged.md").exists());
    assert_verify_names(&env, "proj (the projection index)");
    assert_repaired(&env);
}

#[test]
fn a_hidden_index_entry_is_caught_by_verify() {
    let env = demo();
    {
        let db = open_sled(&env.ledger().join("store"));
        let (k, _) = latest_iku_1_1(&db);
        // Hiding the correction: the earlier 29,76 becomes the latest version.
        db.open_tree("proj").unwrap().remove(k).unwrap();
        db.flush().unwrap();
    }
    assert_verify_names(&env, "proj (the projection index)");
    assert_repaired(&env);
}

#[test]
fn a_key_written_into_the_registry_tree_authorizes_nothing() {
    let env = demo();
    let intruder = env.key("intruder.key", 99, "Penyusup");
    {
        let db = open_sled(&env.ledger().join("store"));
        let state = sakip::authz::KeyState {
            holder: sakip::event::Holder {
                name: "Penyusup".into(),
                nip: None,
                jabatan: None,
            },
            roles: vec![sakip::event::Role::Admin, sakip::event::Role::Operator],
            added_seq: 1,
            revoked_seq: None,
            revoke_reason: None,
        };
        let public = sakip::keys::KeyPair::from_seed([99; 32]).public();
        db.open_tree("keys")
            .unwrap()
            .insert(public.0, sakip::codec::to_bytes(&state).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    let (count_before, _) = env.head();
    let (code, _, err) = env.run(&[
        "--key",
        intruder.to_str().unwrap(),
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "1",
    ]);
    assert_ne!(code, 0, "the intruder's key must not be able to append");
    assert!(err.contains("keys (the key registry)"), "{err}");
    assert_eq!(env.head().0, count_before, "nothing was appended");
    assert_verify_names(&env, "keys (the key registry)");
    assert_repaired(&env);
}

#[test]
fn a_zeroed_merkle_node_is_named_and_repaired() {
    let env = demo();
    let inspector = env.demo_key("inspektorat-inspector");
    let cp = env.path("review.cp").to_str().unwrap().to_string();
    env.ok(&["--key", &inspector, "checkpoint", "--out", &cp]);
    {
        let db = open_sled(&env.ledger().join("store"));
        // Level 4 (16 leaves): the lowest level the current layout keeps.
        let mut key = [0u8; 9];
        key[0] = sakip::store::Layout::CURRENT.first_stored_level();
        key[1..].copy_from_slice(&3u64.to_be_bytes());
        let merkle = db.open_tree("merkle").unwrap();
        assert!(merkle.get(key).unwrap().is_some());
        merkle.insert(key, vec![0u8; 32]).unwrap();
        db.flush().unwrap();
    }
    assert_verify_names(&env, "merkle (the Merkle tree nodes)");
    // Against a checkpoint, the damaged cache is named, not history blamed.
    let (code, _, err) = env.run(&["verify", "--checkpoint", &cp]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("merkle (the Merkle tree nodes)") && !err.contains("rewritten"),
        "{err}"
    );
    assert_repaired(&env);
    env.ok(&["verify", "--checkpoint", &cp]);
}

#[test]
fn amounts_that_could_overflow_a_total_are_refused() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let (count, _) = env.head();
    for amount in ["50000000000000000000000000000", "1000000000000000,01"] {
        let (code, _, err) = env.run(&[
            "--key",
            &op,
            "record",
            "spending",
            "--account",
            "P1.1.1",
            "--period",
            "2021-Q4",
            "--amount",
            amount,
        ]);
        assert_eq!(code, 1, "{amount}: {err}");
    }
    assert_eq!(env.head().0, count, "nothing was appended");
    for args in [
        vec!["status", "--year", "2021"],
        vec!["report", "anggaran", "--year", "2021"],
        vec!["audit", "check"],
    ] {
        env.ok(&args);
    }
}

#[test]
fn a_forged_head_record_and_look_ups_are_named_and_repaired() {
    let env = demo();
    {
        let db = open_sled(&env.ledger().join("store"));
        let meta = db.open_tree("meta").unwrap();
        let mut head = meta.get("head").unwrap().unwrap().to_vec();
        head[40..48].copy_from_slice(&i64::MAX.to_be_bytes());
        meta.insert("head", head).unwrap();
        db.flush().unwrap();
    }
    assert_verify_names(&env, "head record");
    assert_repaired(&env);
    {
        let db = open_sled(&env.ledger().join("store"));
        let by_hash = db.open_tree("by_hash").unwrap();
        let (k, _) = by_hash.iter().next().unwrap().unwrap();
        by_hash.insert(k, &7u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    assert_verify_names(&env, "by_hash (the hash look-up)");
    assert_repaired(&env);
}

#[test]
fn rebuild_refuses_when_the_events_themselves_are_damaged() {
    let env = demo();
    {
        let (db, events) = env.raw_events();
        let mut bytes = events.get(40u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let n = bytes.len();
        bytes[n - 70] ^= 1;
        events.insert(40u64.to_be_bytes(), bytes).unwrap();
        db.flush().unwrap();
    }
    let (code, _, err) = env.run(&["rebuild"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("at seq 40"), "{err}");
}

#[test]
fn a_key_never_approves_its_own_entry() {
    let env = demo();
    let admin = env.demo_key("sekretaris-admin");
    let both = env.key("dual.key", 77, "Kasubag Merangkap");
    env.ok(&[
        "--key",
        &admin,
        "key",
        "add",
        "--public",
        &format!("{}.pub", both.display()),
        "--role",
        "operator,approver",
    ]);
    let out = env.ok(&[
        "--key",
        both.to_str().unwrap(),
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    let (count, _) = env.head();
    let seq = (count - 1).to_string();
    assert!(out.contains(&seq), "{out}");
    let (code, _, err) = env.run(&["--key", both.to_str().unwrap(), "approve", &seq]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("segregation of duties"), "{err}");
    assert_eq!(env.head().0, count, "nothing was appended");
    // The head of the agency, another key, may approve it.
    env.ok(&["--key", &env.demo_key("kepala-approver"), "approve", &seq]);
}

/// A key with the approver role once approved the event that registered
/// it; an admin's registration is decided by someone else.
#[test]
fn a_key_never_approves_its_own_registration() {
    let env = demo();
    let admin = env.demo_key("sekretaris-admin");
    let both = env.key("dual.key", 78, "Kasubag Merangkap");
    env.ok(&[
        "--key",
        &admin,
        "key",
        "add",
        "--public",
        &format!("{}.pub", both.display()),
        "--role",
        "operator,approver",
    ]);
    let (count, _) = env.head();
    let registration = (count - 1).to_string();
    let (code, _, err) = env.run(&["--key", both.to_str().unwrap(), "approve", &registration]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("its own registration"), "{err}");
    assert_eq!(env.head().0, count, "nothing was appended");
    env.ok(&[
        "--key",
        &env.demo_key("kepala-approver"),
        "approve",
        &registration,
    ]);
}

#[test]
fn an_event_stamped_in_the_future_is_refused_and_the_ledger_stays_usable() {
    let mut env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let (count, _) = env.head();
    env.now = "9999-12-31T23:59:59Z";
    let (code, _, err) = env.run(&[
        "--key",
        &op,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("later than this machine's clock"), "{err}");
    assert_eq!(env.head().0, count, "nothing was appended");
    env.now = "2022-03-01T09:00:00+07:00";
    env.ok(&[
        "--key",
        &op,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
}

/// A known-at moment that has not come yet is the state of knowledge now,
/// and is labelled so, not as a past moment.
#[test]
fn a_known_at_in_the_future_is_labelled_as_now() {
    let env = demo();
    let out = env.ok(&["status", "--year", "2021", "--known-at", "9999-12-31"]);
    assert!(out.contains("sekarang") && out.contains("belum tiba"), "{out}");
    let past = env.ok(&["status", "--year", "2021", "--known-at", "2022-01-10"]);
    assert!(!past.contains("sekarang"), "{past}");
}

/// An operator whose clock runs four minutes fast (inside the margin) once
/// blocked every other append until the others' clocks caught up. Now the
/// next event takes the head's time: nothing is refused, and recorded time
/// still never goes backwards.
#[test]
fn a_signer_whose_clock_runs_ahead_does_not_block_the_others() {
    let mut env = demo();
    let fast = env.demo_key("kabid-mutasi-operator");
    let other = env.demo_key("kabid-pengembangan-operator");
    env.now = "2022-03-01T09:04:00+07:00";
    env.ok(&[
        "--key",
        &fast,
        "record",
        "realisasi",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "21",
    ]);
    env.now = "2022-03-01T09:00:00+07:00";
    let (count, _) = env.head();
    let (code, _, err) = env.run(&[
        "--key",
        &other,
        "record",
        "realisasi",
        "--indicator",
        "IKU-2.1",
        "--period",
        "2022-Q1",
        "--value",
        "30",
    ]);
    assert_eq!(code, 0, "the slower clock was blocked: {err}");
    assert_eq!(env.head().0, count + 1);
    let log = env.ok(&["log", "--format", "jsonl"]);
    let times: Vec<String> = log
        .lines()
        .rev()
        .take(2)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["recorded_at"].to_string())
        .collect();
    assert_eq!(
        times[0], times[1],
        "the later event takes the head's time: {times:?}"
    );
    assert!(times[0].contains("02:04:00"), "{times:?}");
}

#[test]
fn hostile_text_is_neutralised_in_csv_markdown_and_on_the_terminal() {
    let env = Env::new();
    let admin = env.key("admin.key", 1, "Admin");
    env.ok(&[
        "init",
        "--agency-code",
        "9.01",
        "--agency-name",
        "Dinas Uji\n=1+1,baris baru",
        "--key",
        admin.to_str().unwrap(),
    ]);
    // Each hostile-named admin signs the next event, so its name is an
    // author cell of the log.
    let mut signer = admin.clone();
    for (seed, name) in [
        (5u8, "=HYPERLINK(\"http://x\",\"klik\")"),
        (6, "+cmd|' /C calc'!A0"),
        (7, "@SUM(A1:A9)"),
    ] {
        let key = env.key(&format!("hostile-{seed}.key"), seed, name);
        env.ok(&[
            "--key",
            signer.to_str().unwrap(),
            "key",
            "add",
            "--public",
            &format!("{}.pub", key.display()),
            "--role",
            "admin",
            "--name",
            name,
        ]);
        signer = key;
    }
    let id = sakip::keys::KeyPair::from_seed([5; 32]).public().key_id();
    env.ok(&[
        "--key",
        signer.to_str().unwrap(),
        "key",
        "revoke",
        &id,
        "--reason",
        "hapus\u{1b}[2K\u{1b}[1A baris",
    ]);
    let csv = env.ok(&["log", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '@', '-']), "a live formula: {cell}");
        }
    }
    for name in ["'=HYPERLINK", "'+cmd", "'@SUM"] {
        assert!(
            csv.contains(&format!(",{name}")) || csv.contains(&format!(",\"{name}")),
            "{csv}"
        );
    }
    let table = env.ok(&["log"]);
    assert!(
        !table.contains('\u{1b}'),
        "a raw escape reached the terminal: {table:?}"
    );
    assert!(table.contains("\\u{1b}[2K"), "{table}");
    let json = env.ok(&["log", "--format", "json"]);
    assert!(
        json.contains("\\u001b[2K"),
        "JSON keeps the text, escaped: {json}"
    );
    let report = env.ok(&["report", "capaian", "--year", "2022", "--format", "csv"]);
    for line in report.lines() {
        assert!(
            line.is_empty() || line.starts_with('#') || !line.starts_with("=1+1"),
            "{report}"
        );
    }
    assert!(
        report.contains("# Instansi: Dinas Uji =1+1,baris baru"),
        "{report}"
    );
}

#[test]
fn every_writer_refuses_to_overwrite_or_follow_a_symlink() {
    let env = demo();
    let kepala = env.demo_key("kepala-approver");
    let op = env.demo_key("kabid-mutasi-operator");
    let victim = env.write("victim.txt", "jangan diubah");
    let existing = env.write("ada.md", "laporan lama");
    let (count, _) = env.head();

    // report --out onto an existing file, or a symlink to another file.
    let (code, _, err) = env.run(&["report", "capaian", "--year", "2021", "--out", &existing]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    // A symlink placed where an older sakip put its temporary file is ignored.
    std::os::unix::fs::symlink(&victim, env.path("baru.sakip-tmp")).unwrap();
    env.ok(&[
        "report",
        "capaian",
        "--year",
        "2021",
        "--out",
        env.path("baru.md").to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "jangan diubah");
    let link = env.path("link.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let (code, _, _) = env.run(&[
        "report",
        "capaian",
        "--year",
        "2021",
        "--out",
        link.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    env.ok(&[
        "report",
        "capaian",
        "--year",
        "2021",
        "--out",
        link.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "jangan diubah");
    assert!(!link.symlink_metadata().unwrap().file_type().is_symlink());

    // A refused `report issue` (an operator may not issue) leaves the file.
    let (code, _, err) = env.run(&[
        "--key", &op, "report", "issue", "capaian", "--year", "2021", "--out", &existing, "--force",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "laporan lama");
    let (code, _, err) = env.run(&[
        "--key", &kepala, "report", "issue", "capaian", "--year", "2021", "--out", &existing,
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "laporan lama");
    assert_eq!(env.head().0, count, "nothing was appended");

    // checkpoint, prove and key files.
    let inspector = env.demo_key("inspektorat-inspector");
    let (code, _, err) = env.run(&["--key", &inspector, "checkpoint", "--out", &victim]);
    assert_eq!(code, 1, "{err}");
    let cp = env.path("cp").to_str().unwrap().to_string();
    env.ok(&["--key", &inspector, "checkpoint", "--out", &cp]);
    let (code, _, err) = env.run(&["prove", "3", "--checkpoint", &cp, "--out", &victim]);
    assert_eq!(code, 1, "{err}");
    let taken = env.write("baru.key.pub", "milik orang lain");
    let (code, _, err) = env.run(&[
        "key",
        "new",
        "--out",
        env.path("baru.key").to_str().unwrap(),
        "--name",
        "X",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        !env.path("baru.key").exists(),
        "no private key was left without its .pub"
    );
    assert_eq!(std::fs::read_to_string(taken).unwrap(), "milik orang lain");
    let bundle = env.path("bundel");
    std::fs::create_dir(&bundle).unwrap();
    let (code, _, err) = env.run(&["export", "--out", bundle.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "jangan diubah");
}

#[test]
fn small_order_and_published_example_keys_are_refused() {
    use base64::Engine;
    let env = Env::new();
    let keys = env.standard();
    let (count, _) = env.head();
    // The identity point, in a well-formed public key file.
    let mut der = hex::decode("302a300506032b6570032100").unwrap();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    der.extend_from_slice(&identity);
    let pem = format!(
        "Holder: Nol\n-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    let identity_pub = env.write("nol.pub", &pem);
    let (code, _, err) = env.run(&[
        "--key",
        keys.admin.to_str().unwrap(),
        "key",
        "add",
        "--public",
        &identity_pub,
        "--role",
        "admin",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("small-order"), "{err}");

    // The example keys ship with the repository: a real ledger refuses them.
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kediri-bkpsdm-2021/keys");
    let (code, _, err) = env.run(&[
        "--key",
        keys.admin.to_str().unwrap(),
        "key",
        "add",
        "--public",
        &format!("{examples}/kepala-approver.key.pub"),
        "--role",
        "approver",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("published example key"), "{err}");
    assert_eq!(env.head().0, count, "nothing was appended");
    let other = Env::new();
    let example_admin = other.path("admin.key");
    std::fs::copy(format!("{examples}/sekretaris-admin.key"), &example_admin).unwrap();
    std::fs::set_permissions(
        &example_admin,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let (code, _, err) = other.run(&[
        "init",
        "--agency-code",
        "1.02",
        "--agency-name",
        "Dinas Nyata",
        "--key",
        example_admin.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("published example key"), "{err}");
    assert!(!other.ledger().join("store").exists(), "no ledger was created");
}

#[test]
fn twenty_readers_beside_an_import_all_succeed_with_consistent_answers() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let mut csv = String::from("indicator;period;value;numerator;denominator;note\n");
    csv.push_str("IKU-1.1;2022-Q1;21,5;;;\nIKU-1.1;2022-Q2;22,5;;;\n");
    let file = env.write("realisasi-2022.csv", &csv);
    let status = |out: &[u8]| String::from_utf8_lossy(out).into_owned();
    let before = env.ok(&["status", "--year", "2022", "--format", "json"]);
    let mut writer = env
        .process()
        .args(["--key", &op, "import", "realisasi", &file])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let readers: Vec<_> = (0..20)
        .map(|_| {
            let mut c = env.process();
            c.args(["status", "--year", "2022", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<_> = readers
        .into_iter()
        .map(|r| r.wait_with_output().unwrap())
        .collect();
    assert!(writer.wait().unwrap().success(), "the import succeeds");
    let after = env.ok(&["status", "--year", "2022", "--format", "json"]);
    assert_ne!(before, after);
    for out in outputs {
        assert!(
            out.status.success(),
            "a reader failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = status(&out.stdout);
        assert!(
            text == before || text == after,
            "an answer neither before nor after the import: {text}"
        );
    }
}

#[test]
fn a_forged_approval_decision_is_never_shown() {
    let env = demo();
    {
        let db = open_sled(&env.ledger().join("store"));
        let (k, _) = latest_iku_1_1(&db);
        let covered = &k[k.len() - 8..];
        let proj = db.open_tree("proj").unwrap();
        let mut prefix = vec![b'A'];
        prefix.extend_from_slice(covered);
        let (ak, av) = proj
            .scan_prefix(&prefix)
            .last()
            .expect("the demo approves IKU-1.1")
            .unwrap();
        assert_eq!(av.as_ref(), &[0u8], "an approval");
        proj.insert(ak, vec![1u8]).unwrap();
        db.flush().unwrap();
    }
    for args in [
        vec!["status", "--year", "2021", "--format", "json"],
        vec!["status", "--year", "2021", "--approved-only"],
    ] {
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 3, "{args:?}: {out}{err}");
        assert!(err.contains("does not match the signed event"), "{err}");
    }
    assert_verify_names(&env, "proj (the projection index)");
    assert_repaired(&env);
}

#[test]
fn two_ledgers_of_one_key_agency_and_clock_are_two_ledgers() {
    let a = Env::new();
    let b = Env::new();
    let mut heads = Vec::new();
    for env in [&a, &b] {
        let admin = env.key("admin.key", 1, "Admin");
        env.ok(&[
            "init",
            "--agency-code",
            "4.01.03",
            "--agency-name",
            "BKPSDM Kota Kediri",
            "--key",
            admin.to_str().unwrap(),
        ]);
        heads.push(env.head());
    }
    assert_eq!(a.now, b.now, "the same clock");
    assert_ne!(heads[0].1, heads[1].1, "the genesis carries 32 random bytes");
    let genesis = a.ok(&["show", "0", "--format", "json"]);
    assert!(genesis.contains("\"nonce\""), "{genesis}");
}

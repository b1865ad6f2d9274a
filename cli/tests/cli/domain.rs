//! The kinerja domain through the binary, on the reference ledger.

use crate::support::demo;

#[test]
fn year_end_capaian_matches_the_seed() {
    let env = demo();
    let s = env.status(&["--as-of", "2021-Q4"]);
    let expect = [
        ("IKU-1.1", "20.40", "70.34", "Sedang"),
        ("IKU-1.2", "98.63", "98.92", "Sangat Tinggi"),
        ("IKU-2.1", "89", "118.67", "Sangat Tinggi"),
        ("IKU-2.2", "3.26", "97.02", "Sangat Tinggi"),
        ("IKU-3.1", "A", "100.00", "Sangat Tinggi"),
        ("IKU-3.2", "7", "142.86", "Sangat Tinggi"),
        ("IT-1", "72.74", "99.64", "Sangat Tinggi"),
        ("IP-2.2", "96.54", "100.05", "Sangat Tinggi"),
        ("IP-2.3", "99.93", "109.81", "Sangat Tinggi"),
    ];
    for (code, realisasi, capaian, predikat) in expect {
        let v = &s[code];
        assert_eq!(v["realisasi"], realisasi, "{code}: {v}");
        assert_eq!(v["capaian"], capaian, "{code}: {v}");
        assert_eq!(v["predikat"], predikat, "{code}: {v}");
        assert_eq!(v["as_of"], "2021-Q4");
        assert_eq!(v["approved"], true, "{code}");
    }
    assert_eq!(s["IKU-1.1"]["level"], "sasaran");
    assert_eq!(s["IT-1"]["level"], "tujuan");
    assert_eq!(s["IP-2.2"]["numerator"], "2682");
    assert_eq!(s["IP-2.2"]["denominator"], "2778");
    // A sub kegiatan revised at the perubahan: 40 -> 6 peserta, 8 realised.
    assert_eq!(s["IO-P3.1.1"]["target"], "6 peserta");
    assert_eq!(s["IO-P3.1.1"]["capaian"], "133.33");
    // No realisation: "belum ada data", never zero.
    assert_eq!(s["IO-P2.3.2"]["realisasi"], serde_json::Value::Null);
    assert_eq!(s["IO-P2.3.2"]["capaian"], serde_json::Value::Null);
    assert_eq!(s["IO-P2.3.2"]["capaian_note"], "belum ada data");
}

#[test]
fn known_at_the_berita_acara_gives_the_earlier_figures() {
    let env = demo();
    let ba = env.status(&["--known-at", "2022-01-10"]);
    assert_eq!(ba["IKU-1.1"]["realisasi"], "29.76");
    assert_eq!(ba["IKU-1.1"]["capaian"], "102.62");
    assert_eq!(ba["IKU-1.2"]["realisasi"], "98.63");
    let lkjip = env.status(&["--known-at", "2022-02-25"]);
    assert_eq!(lkjip["IKU-1.1"]["realisasi"], "20.40");
    assert_eq!(lkjip["IKU-1.1"]["capaian"], "70.34");
    // Before the kinerja correction of 8 January, 98,37 was on record.
    let early = env.status(&["--known-at", "2022-01-07"]);
    assert_eq!(early["IKU-1.2"]["realisasi"], "98.37");
    // The same point by seq.
    let seq = ba["IKU-1.1"]["known_at_seq"].as_u64().unwrap().to_string();
    let by_seq = env.status(&["--known-at-seq", &seq]);
    assert_eq!(by_seq["IKU-1.1"]["realisasi"], "29.76");
}

#[test]
fn as_of_a_quarter_gives_that_quarters_figures() {
    let env = demo();
    let q2 = env.status(&["--as-of", "2021-Q2"]);
    assert_eq!(q2["IP-2.1"]["realisasi"], "91.98");
    assert_eq!(q2["IP-2.1"]["target"], "87", "the TW II phasing target");
    assert_eq!(q2["IP-2.2"]["realisasi"], "93.12", "ratio of sums over TW I-II");
    assert_eq!(
        q2["IKU-1.1"]["realisasi"],
        serde_json::Value::Null,
        "annual figures count only at TW IV"
    );
    for spelling in ["2021-TW2", "TW II 2021"] {
        assert_eq!(env.status(&["--as-of", spelling])["IP-2.1"]["realisasi"], "91.98");
    }
    let q1 = env.status(&["--as-of", "2021-Q1"]);
    assert_eq!(q1["IP-2.1"]["realisasi"], "94.44");
}

#[test]
fn approved_only_leaves_out_unapproved_entries() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let csv = env.write(
        "r.csv",
        "indicator;period;value;numerator;denominator;note\nIP-2.1;2022-Q1;;4.400;4.765;\n",
    );
    env.ok(&["--key", &op, "import", "realisasi", &csv]);
    let all = env.ok(&[
        "status", "--year", "2022", "--as-of", "2022-Q1", "--format", "jsonl",
    ]);
    let line = all.lines().find(|l| l.contains("\"IP-2.1\"")).unwrap();
    assert!(
        line.contains("\"realisasi\":\"92.34\"") && line.contains("\"approved\":false"),
        "{line}"
    );
    let approved = env.ok(&[
        "status",
        "--year",
        "2022",
        "--as-of",
        "2022-Q1",
        "--approved-only",
        "--format",
        "jsonl",
    ]);
    let line = approved.lines().find(|l| l.contains("\"IP-2.1\"")).unwrap();
    assert!(line.contains("\"realisasi\":null"), "{line}");
    env.ok(&[
        "--key",
        &env.demo_key("kepala-approver"),
        "approve",
        "--pending",
        "--yes",
    ]);
    let approved = env.ok(&[
        "status",
        "--year",
        "2022",
        "--as-of",
        "2022-Q1",
        "--approved-only",
        "--format",
        "jsonl",
    ]);
    assert!(approved.contains("\"realisasi\":\"92.34\""));
}

/// Expect exit 1, a message containing `needle`, and the head unchanged.
fn refused(env: &crate::support::Env, args: &[&str], needle: &str) {
    let before = env.head();
    let (code, _, err) = env.run(args);
    assert_eq!(code, 1, "{args:?} should be refused: {err}");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
    assert_eq!(env.head(), before, "{args:?} changed the head");
}

#[test]
fn bad_realisation_files_are_refused_whole() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let h = "indicator;period;value;numerator;denominator;note\n";
    let ok_row = "IP-2.1;2022-Q1;;4.400;4.765;\n";
    let cases = [
        (
            "malformed.csv",
            format!("{h}{ok_row}IP-2.2;2022-Q1;;1\n"),
            "malformed.csv:3",
        ),
        (
            "unknown.csv",
            format!("{h}{ok_row}IP-9.9;2022-Q1;5;;;\n"),
            "unknown.csv:3: column 'indicator': unknown indicator 'IP-9.9'",
        ),
        (
            "q5.csv",
            format!("{h}{ok_row}IP-2.2;2022-Q5;;1;2;\n"),
            "q5.csv:3: column 'period'",
        ),
        (
            "nan.csv",
            format!("{h}{ok_row}IP-2.2;2022-Q1;;satu;2;\n"),
            "nan.csv:3: column 'numerator'",
        ),
        (
            "dup.csv",
            format!("{h}{ok_row}{ok_row}"),
            "dup.csv:3: realisasi of IP-2.1 for 2022-Q1 appears twice in this import",
        ),
        (
            "exists.csv",
            format!("{h}IP-2.1;2021-Q2;;1;2;\n"),
            "already recorded (seq",
        ),
        (
            "zero.csv",
            format!("{h}IP-2.1;2022-Q2;;1;0;\n"),
            "denominator must be more than 0",
        ),
        (
            "header.csv",
            "indikator;periode\nx;y\n".to_string(),
            "header.csv:1",
        ),
    ];
    for (name, text, needle) in cases {
        let path = env.write(name, &text);
        refused(&env, &["--key", &op, "import", "realisasi", &path], needle);
    }
}

#[test]
fn bad_budget_and_plan_files_are_refused() {
    let env = demo();
    let op = env.demo_key("sekretaris-operator");
    let admin = env.demo_key("sekretaris-admin");
    let money = env.write(
        "money.csv",
        "account,period,jenis,amount\nP1,2022-Q1,realisasi,1.000\nP1,2022-Q1,realisasi,seribu\n",
    );
    refused(
        &env,
        &["--key", &op, "import", "anggaran", &money],
        "money.csv:3: column 'amount'",
    );
    let neg = env.write(
        "neg.csv",
        "account,period,jenis,amount\nP1,2022-Q1,realisasi,-5\n",
    );
    refused(&env, &["--key", &op, "import", "anggaran", &neg], "negative");
    let repagu = env.write(
        "pagu.csv",
        "account,period,jenis,amount\nP1,2021,pagu,8.000.000.000\n",
    );
    refused(
        &env,
        &["--key", &admin, "import", "anggaran", &repagu],
        "column 'reason'",
    );
    let plan = env.write(
        "plan.toml",
        "[[target]]\nindicator = \"IKU-1.1\"\nyear = 2021\nvalue = \"30\"\n",
    );
    refused(&env, &["--key", &admin, "import", "plan", &plan], "already set");
    let plan = env.write(
        "bad.toml",
        "[[target]]\nindicator = \"IKU-1.1\"\nyear = 2022\nvalue = \"tiga puluh\"\n",
    );
    refused(
        &env,
        &["--key", &admin, "import", "plan", &plan],
        "bad.toml: [[target]] #1",
    );
    let plan = env.write("syntax.toml", "[[item]\ncode = 1\n");
    refused(&env, &["--key", &admin, "import", "plan", &plan], "syntax.toml");
    // An operator may not import a plan.
    let plan = env.write(
        "ok.toml",
        "[[target]]\nindicator = \"IKU-1.1\"\nyear = 2022\nvalue = \"30\"\n",
    );
    refused(&env, &["--key", &op, "import", "plan", &plan], "needs role admin");
}

#[test]
fn corrections_need_an_existing_latest_realisation() {
    let env = demo();
    let op = env.demo_key("kabid-pengembangan-operator");
    refused(
        &env,
        &["--key", &op, "correct", "99999", "--value", "1", "--reason", "x"],
        "seq 99999 does not exist",
    );
    refused(
        &env,
        &["--key", &op, "correct", "0", "--value", "1", "--reason", "x"],
        "only realisations",
    );
    // The first IKU-1.1 entry was superseded; correcting it again is refused.
    let history = env.ok(&["log", "--kind", "realisation_corrected", "--format", "jsonl"]);
    let last: serde_json::Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    let superseded = last["payload"]["supersedes"].as_u64().unwrap().to_string();
    refused(
        &env,
        &[
            "--key",
            &op,
            "correct",
            &superseded,
            "--value",
            "1",
            "--reason",
            "x",
        ],
        "is not the latest",
    );
    // Correcting the latest works and shows in the state.
    let latest = last["seq"].as_u64().unwrap().to_string();
    env.ok(&[
        "--key",
        &op,
        "correct",
        &latest,
        "--value",
        "21,00",
        "--reason",
        "Data BKN revisi",
    ]);
    assert_eq!(env.status(&[])["IKU-1.1"]["realisasi"], "21.00");
    env.ok(&["verify"]);
}

#[test]
fn single_records_and_target_revisions() {
    let env = demo();
    let admin = env.demo_key("sekretaris-admin");
    let op = env.demo_key("kabid-mutasi-operator");
    env.ok(&[
        "--key",
        &admin,
        "record",
        "target",
        "--indicator",
        "IKU-2.1",
        "--year",
        "2022",
        "--value",
        "78",
    ]);
    refused(
        &env,
        &[
            "--key",
            &admin,
            "record",
            "target",
            "--indicator",
            "IKU-2.1",
            "--year",
            "2022",
            "--value",
            "80",
        ],
        "already set",
    );
    env.ok(&[
        "--key",
        &admin,
        "record",
        "target",
        "--indicator",
        "IKU-2.1",
        "--year",
        "2022",
        "--value",
        "80",
        "--reason",
        "Penyesuaian RKT",
        "--basis",
        "DPA Perubahan 2022",
    ]);
    env.ok(&[
        "--key",
        &op,
        "record",
        "realisasi",
        "--indicator",
        "IKU-2.1",
        "--period",
        "2022",
        "--value",
        "84",
    ]);
    let s = env.ok(&["status", "--year", "2022", "--format", "jsonl"]);
    let line = s.lines().find(|l| l.contains("\"IKU-2.1\"")).unwrap();
    assert!(
        line.contains("\"target\":\"80\"") && line.contains("\"capaian\":\"105.00\""),
        "{line}"
    );
    refused(
        &env,
        &[
            "--key",
            &op,
            "record",
            "realisasi",
            "--indicator",
            "IKU-3.1",
            "--period",
            "2022",
            "--value",
            "Z",
        ],
        "not a SAKIP grade",
    );
    refused(
        &env,
        &[
            "--key",
            &op,
            "record",
            "spending",
            "--account",
            "P1",
            "--period",
            "2022-Q5",
            "--amount",
            "5",
        ],
        "does not exist",
    );
    env.ok(&[
        "--key",
        &op,
        "record",
        "spending",
        "--account",
        "P1",
        "--period",
        "2022-Q1",
        "--amount",
        "1.500.000,50",
    ]);
    env.ok(&[
        "--key",
        &op,
        "record",
        "narrative",
        "--indicator",
        "IKU-2.1",
        "--year",
        "2022",
        "--hambatan",
        "Pandemi",
    ]);
    env.ok(&["verify"]);
}

#[test]
fn rebuild_gives_the_same_state() {
    let env = demo();
    let before = env.ok(&["status", "--year", "2021", "--format", "json"]);
    let out = env.ok(&["rebuild"]);
    assert!(
        out.starts_with(
            "rebuilt the projections, the Merkle tree, the look-ups, the key registry and the head from"
        ),
        "{out}"
    );
    assert_eq!(env.ok(&["status", "--year", "2021", "--format", "json"]), before);
}

#[test]
fn committed_example_keys_are_the_derived_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/kediri-bkpsdm-2021/keys");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("pub") {
            continue;
        }
        let name = path
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches(".key")
            .to_string();
        let (key, _) = sakip::keys::read_public(&path).unwrap();
        assert_eq!(key, sakip::example::example_key(&name).public(), "{name}");
        let private = std::fs::read_to_string(dir.join(format!("{name}.key"))).unwrap();
        assert_eq!(
            private,
            sakip::example::example_key(&name).to_pem().unwrap(),
            "{name}"
        );
        n += 1;
    }
    assert_eq!(n, 6);
}

#[test]
fn listings_are_one_json_array_or_json_lines() {
    let env = demo();
    for cmd in [
        vec!["status", "--year", "2021"],
        vec!["log"],
        vec!["key", "list"],
        vec!["audit", "check"],
    ] {
        let mut json = cmd.clone();
        json.extend(["--format", "json"]);
        let array: serde_json::Value = serde_json::from_str(&env.ok(&json)).unwrap();
        let mut jsonl = cmd.clone();
        jsonl.extend(["--format", "jsonl"]);
        let lines: Vec<serde_json::Value> = env
            .ok(&jsonl)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!lines.is_empty(), "{cmd:?}");
        assert_eq!(array.as_array().unwrap(), &lines, "{cmd:?}");
    }
    let (code, _, err) = env.run(&["report", "capaian", "--year", "2021", "--format", "jsonl"]);
    assert_eq!(code, 2, "{err}");
}

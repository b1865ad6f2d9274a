//! A corpus of hand-made bad inputs: each is refused with exit 1, a clear
//! message naming the file (and line or entry where there is one), and the
//! head unchanged. Well-formed files with a BOM or CRLF line ends are
//! accepted.

use crate::support::demo;

const HEADER: &str = "indicator;period;value;numerator;denominator;note\n";

fn refused(env: &crate::support::Env, key: &str, what: &str, name: &str, bytes: &[u8], needle: &str) {
    let path = env.path(name);
    std::fs::write(&path, bytes).unwrap();
    let before = env.head();
    let (code, _, err) = env.run(&["--key", key, "import", what, path.to_str().unwrap()]);
    assert_eq!(code, 1, "{name} should be refused: {err}");
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{name}: one clear line: {err}"
    );
    assert!(err.contains(name), "{name}: the message names the file: {err}");
    assert!(err.contains(needle), "{name}: expected '{needle}' in {err}");
    assert_eq!(env.head(), before, "{name} changed the head");
}

#[test]
fn bad_realisation_files() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let huge = "x".repeat(5000);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.csv",
            format!("{HEADER}IP-2.1;2022-Q1;;4.400;4.765;\nIP-2.2;2022-Q").into_bytes(),
            "truncated.csv:3",
        ),
        (
            "latin1.csv",
            [HEADER.as_bytes(), b"IP-2.1;2022-Q1;;1;2;caf\xe9\n"].concat(),
            "UTF-8",
        ),
        (
            "huge.csv",
            format!("{HEADER}IP-2.1;2022-Q1;;1;2;{huge}\n").into_bytes(),
            "more than the limit of 4096",
        ),
        (
            "big-number.csv",
            format!("{HEADER}IP-2.1;2022-Q1;;1000000000000000000000000000000;2;\n").into_bytes(),
            "out of range",
        ),
        (
            "nan.csv",
            format!("{HEADER}IKU-2.1;2022;NaN;;;\n").into_bytes(),
            "nan.csv:2: column 'value': 'NaN' is not a number",
        ),
        (
            "inf.csv",
            format!("{HEADER}IKU-2.1;2022;inf;;;\n").into_bytes(),
            "is not a number",
        ),
        (
            "q0.csv",
            format!("{HEADER}IKU-2.1;2022-Q0;5;;;\n").into_bytes(),
            "column 'period'",
        ),
        (
            "month.csv",
            format!("{HEADER}IKU-2.1;2022-13;5;;;\n").into_bytes(),
            "column 'period'",
        ),
        (
            "dot-decimal.csv",
            format!("{HEADER}IKU-2.2;2022;3.36;;;\n").into_bytes(),
            "ambiguous",
        ),
        ("empty.csv", b"".to_vec(), "lacks column 'indicator'"),
        (
            "ratio-as-number.csv",
            format!("{HEADER}IP-2.1;2022-Q1;91,5;;;\n").into_bytes(),
            "give numerator and denominator",
        ),
        (
            "extra-column.csv",
            format!("{HEADER}IP-2.1;2022-Q1;;1;2;x;y\n").into_bytes(),
            "extra-column.csv:2",
        ),
    ];
    for (name, bytes, needle) in cases {
        refused(&env, &op, "realisasi", name, &bytes, needle);
    }
}

#[test]
fn bad_budget_and_plan_files() {
    let env = demo();
    let op = env.demo_key("sekretaris-operator");
    let admin = env.demo_key("sekretaris-admin");
    refused(
        &env,
        &op,
        "anggaran",
        "negative.csv",
        b"account,period,jenis,amount\nP1,2022-Q1,realisasi,-1.000\n",
        "negative",
    );
    refused(
        &env,
        &op,
        "anggaran",
        "sen.csv",
        b"account,period,jenis,amount\nP1,2022-Q1,realisasi,\"1.000,555\"\n",
        "two decimals",
    );
    refused(
        &env,
        &op,
        "anggaran",
        "jenis.csv",
        b"account,period,jenis,amount\nP1,2022-Q1,belanja,1.000\n",
        "column 'jenis'",
    );
    refused(
        &env,
        &admin,
        "plan",
        "dup-key.toml",
        b"[[item]]\ncode = \"A\"\ncode = \"B\"\nlevel = \"tujuan\"\nname = \"x\"\n",
        "dup-key.toml",
    );
    refused(
        &env,
        &admin,
        "plan",
        "truncated.toml",
        b"[[item]]\ncode = \"A\"\nlevel = \"tuj",
        "truncated.toml",
    );
    refused(
        &env,
        &admin,
        "plan",
        "unknown-field.toml",
        b"[[item]]\ncode = \"A\"\nlevel = \"tujuan\"\nname = \"x\"\nwarna = \"merah\"\n",
        "warna",
    );
    refused(
        &env,
        &admin,
        "plan",
        "level.toml",
        b"[[item]]\ncode = \"A\"\nlevel = \"dinas\"\nname = \"x\"\n",
        "field 'level'",
    );
    refused(
        &env,
        &admin,
        "plan",
        "orphan.toml",
        b"[[item]]\ncode = \"A\"\nlevel = \"program\"\nname = \"x\"\nparent = \"ZZ\"\n",
        "unknown plan item 'ZZ'",
    );
    let long_name = format!(
        "[[item]]\ncode = \"A\"\nlevel = \"tujuan\"\nname = \"{}\"\n",
        "n".repeat(5000)
    );
    refused(
        &env,
        &admin,
        "plan",
        "long.toml",
        long_name.as_bytes(),
        "limit of 4096",
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let text = "\u{feff}indicator;period;value;numerator;denominator;note\r\nIP-2.1;2022-Q1;;4.400;4.765;dengan BOM dan CRLF\r\n";
    let path = env.write("bom-crlf.csv", text);
    let out = env.ok(&["--key", &op, "import", "realisasi", &path]);
    assert!(out.starts_with("imported 1 event from"), "{out}");
    let status = env.ok(&[
        "status", "--year", "2022", "--as-of", "2022-Q1", "--format", "jsonl",
    ]);
    assert!(
        status.contains("\"code\":\"IP-2.1\"") && status.contains("\"realisasi\":\"92.34\""),
        "{status}"
    );
}

#[test]
fn crlf_errors_name_the_line_a_spreadsheet_shows() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    refused(
        &env,
        &op,
        "realisasi",
        "crlf.csv",
        b"indicator;period;value;numerator;denominator;note\r\nIKU-1.1;2023-Q1;1;;;\r\nIKU-1.1;2023-Q5;1;;;\r\n",
        "crlf.csv:3: column 'period'",
    );
}

#[test]
fn a_bad_period_is_bad_input_everywhere_and_realisasi_has_no_stage() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    for args in [
        vec!["status", "--year", "2021", "--as-of", "2021-Q5"],
        vec!["report", "capaian", "--year", "2021", "--as-of", "2021-Q5"],
        vec![
            "--key",
            &op,
            "record",
            "realisasi",
            "--indicator",
            "IKU-1.1",
            "--period",
            "2021-Q5",
            "--value",
            "1",
        ],
        vec!["status", "--year", "2021", "--known-at", "kemarin"],
    ] {
        let (code, _, err) = env.run(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
    }
    let file = env.write("r.csv", HEADER);
    let (code, _, _) = env.run(&["--key", &op, "import", "realisasi", &file, "--stage", "murni"]);
    assert_eq!(code, 2, "import realisasi has no --stage");
}

#[test]
fn a_pagu_revision_in_a_budget_file_is_perubahan_by_default() {
    let env = demo();
    let admin = env.demo_key("sekretaris-admin");
    let file = env.write(
        "pagu.csv",
        "account;period;jenis;amount;reason;basis\nP3;2021;pagu;1.300.000.000;Tambahan;DPPA 2021\n",
    );
    let out = env.ok(&["--key", &admin, "import", "anggaran", &file]);
    assert!(out.contains("imported 1 event from"), "{out}");
    let (count, _) = env.head();
    let event = env.ok(&["show", &(count - 1).to_string(), "--format", "json"]);
    assert!(
        event.contains("\"stage\": \"perubahan\"") || event.contains("\"stage\":\"perubahan\""),
        "{event}"
    );
}

#[test]
fn per_transaction_keeps_the_transactions_before_a_refused_row() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    // Lines 2 and 3 are one transaction, lines 4 and 5 the next; line 5
    // records 2022-Q1 a second time.
    let text = format!(
        "{HEADER}IP-2.1;2022-Q1;;4.400;4.765;\nIP-2.1;2022-Q2;;4.500;4.765;\nIP-2.1;2022-Q3;;4.600;4.765;\nIP-2.1;2022-Q1;;4.700;4.765;\n"
    );
    let path = env.write("history.csv", &text);
    let import = |extra: &[&str]| {
        let mut args = vec!["--key", op.as_str(), "import", "realisasi", path.as_str()];
        args.extend(extra);
        env.run(&args)
    };
    let (before, _) = env.head();
    let (code, _, err) = import(&["--per-transaction", "2"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("history.csv:5: "), "{err}");
    assert!(err.contains("appears twice in this import"), "{err}");
    assert!(
        err.contains(
            "nothing of its transaction was appended; the 2 events of the transactions before it were"
        ),
        "{err}"
    );
    assert_eq!(env.head().0, before + 2);
    env.ok(&["verify"]);
    // The whole file in one transaction: all or nothing.
    let (code, _, err) = import(&[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("history.csv:2: ") && err.contains("nothing was appended"),
        "{err}"
    );
    assert_eq!(env.head().0, before + 2);
    let (code, _, err) = import(&["--per-transaction", "0"]);
    assert_eq!(code, 2, "{err}");
}

/// A workbook with cells `cells`, as Excel would save it.
fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (row, col, text) in cells {
        sheet.write_string(*row, *col, *text).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// `bytes` (a workbook) with the entry `name` replaced by `content`.
fn with_entry(bytes: &[u8], name: &str, content: &mut dyn FnMut(&mut dyn std::io::Write)) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut old = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..old.len() {
        let mut entry = old.by_index(i).unwrap();
        let entry_name = entry.name().to_string();
        out.start_file(entry_name.as_str(), options).unwrap();
        if entry_name == name {
            content(&mut out);
        } else {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            out.write_all(&data).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// Workbooks crafted to make a reader allocate what they declare, not
/// what they hold: each is refused at once with a message, in a process
/// that stays small (the first one took 512 GiB and killed the process).
#[test]
fn hostile_workbooks_are_refused_before_they_are_read() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let huge_dim = workbook(&[(0, 0, "indicator"), (1_048_575, 16_383, "x")]);
    assert!(huge_dim.len() < 8_000, "a small file: {} bytes", huge_dim.len());
    // The same two cells with a dimension that claims one cell: the
    // reader must look at where the cells are, not only at the claim.
    let sheet = {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&huge_dim[..])).unwrap();
        let mut xml = String::new();
        z.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    assert!(sheet.contains(r#"<dimension ref="A1:XFD1048576"/>"#), "{sheet}");
    let lying = with_entry(&huge_dim, "xl/worksheets/sheet1.xml", &mut |w| {
        w.write_all(sheet.replace("A1:XFD1048576", "A1").as_bytes())
            .unwrap()
    });
    let mid_dim = workbook(&[(0, 0, "indicator"), (999_999, 99, "x")]);
    // 200 MiB of one byte in the shared strings: a few hundred KiB zipped.
    let bomb = with_entry(
        &workbook(&[(0, 0, "indicator")]),
        "xl/sharedStrings.xml",
        &mut |w| {
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..200 {
                w.write_all(&chunk).unwrap();
            }
        },
    );
    assert!(bomb.len() < 1 << 20, "the bomb is small: {} bytes", bomb.len());
    let shared = with_entry(
        &workbook(&[(0, 0, "indicator")]),
        "xl/worksheets/sheet1.xml",
        &mut |w| {
            w.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData><row r="1"><c r="A1"><f t="shared" si="0" ref="A1:CV1000000">1</f><v>1</v></c></row></sheetData></worksheet>"#,
        )
        .unwrap()
        },
    );
    // Found by the workbook fuzz target: a range that ends before it
    // starts made the reader subtract past zero (a panic, or a size
    // near 2^32 without overflow checks).
    let reversed = with_entry(&huge_dim, "xl/worksheets/sheet1.xml", &mut |w| {
        w.write_all(sheet.replace("A1:XFD1048576", "AA1:J65").as_bytes())
            .unwrap()
    });
    // Also found by it: a row number past the format's overflowed the
    // reader's arithmetic, in a range or in a cell's own position.
    let long_row = with_entry(&huge_dim, "xl/worksheets/sheet1.xml", &mut |w| {
        w.write_all(sheet.replace("A1:XFD1048576", "A1:XFD10485048576").as_bytes())
            .unwrap()
    });
    let long_cell = with_entry(&huge_dim, "xl/worksheets/sheet1.xml", &mut |w| {
        w.write_all(
            sheet
                .replace("A1:XFD1048576", "A1")
                .replace("r=\"XFD1048576\"", "r=\"B99999999999\"")
                .as_bytes(),
        )
        .unwrap()
    });
    for (name, bytes, needle) in [
        (
            "long-row.xlsx",
            long_row,
            "A1:XFD10485048576, which no worksheet can have",
        ),
        (
            "long-cell.xlsx",
            long_cell,
            "B99999999999, which no worksheet can have",
        ),
        (
            "reversed-dim.xlsx",
            reversed,
            "AA1:J65, which ends before it starts",
        ),
        ("huge-dim.xlsx", huge_dim, "declares the range A1:XFD1048576"),
        ("lying-dim.xlsx", lying, "the cell XFD1048576 lies outside"),
        ("mid-dim.xlsx", mid_dim, "declares the range A1:CV1000000"),
        ("bomb.xlsx", bomb, "inflates to more than"),
        ("shared-formula.xlsx", shared, "shared formulas"),
    ] {
        refused(&env, &op, "realisasi", name, &bytes, needle);
        let path = env.path(name);
        let (code, _, err) = env.run(&[
            "--key",
            &op,
            "import",
            "realisasi",
            path.to_str().unwrap(),
            "--dry-run",
        ]);
        assert_eq!(code, 1, "{name} --dry-run: {err}");
    }
}

/// A CSV of more rows than an import may hold is refused as it streams,
/// naming the line where the limit passed.
#[test]
fn a_million_rows_are_refused_at_the_limit() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let mut csv = String::from(HEADER);
    for _ in 0..100_001 {
        csv.push_str("IKU-2.1;2022;5;;;\n");
    }
    refused(
        &env,
        &op,
        "realisasi",
        "rows.csv",
        csv.as_bytes(),
        "rows.csv:100002: more than 100000 rows",
    );
}

/// A newline in a reason is shown as an escape in a terminal table, never
/// as a row of its own that looks like another event.
#[test]
fn a_newline_in_a_reason_cannot_forge_a_row_of_the_log() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
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
    let forged = "Data final\n999  approval_recorded  Kepala BKPSDM  approved";
    let (code, _, err) = env.run(&[
        "--key",
        &op,
        "correct",
        "--indicator",
        "IKU-1.1",
        "--period",
        "2022-Q1",
        "--value",
        "22",
        "--reason",
        forged,
    ]);
    assert_eq!(code, 0, "{err}");
    let log = env.ok(&["log", "--kind", "realisation_corrected"]);
    assert!(!log.lines().any(|l| l.starts_with("999")), "a forged row: {log}");
    assert!(log.contains("Data final\\u{a}999"), "the newline is shown: {log}");
}

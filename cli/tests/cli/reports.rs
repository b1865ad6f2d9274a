//! Reports from the reference ledger: snapshots of every kind and format,
//! the seed's figures, the two time axes, and issue / verify.
//!
//! Snapshots live in `tests/reports/`; after a deliberate change to a report,
//! regenerate them with `SAKIP_UPDATE_SNAPSHOTS=1 cargo test --test cli reports`
//! and review the diff.

use crate::support::demo;
use std::path::PathBuf;

const KINDS: [&str; 9] = [
    "pk",
    "capaian",
    "anggaran",
    "efisiensi",
    "rencana-aksi",
    "evaluasi",
    "renstra",
    "lkjip",
    "lkjip-bab3",
];
const FORMATS: [&str; 4] = ["md", "csv", "json", "html"];

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reports")
}

#[test]
fn every_kind_and_format_matches_its_snapshot() {
    let env = demo();
    let update = std::env::var_os("SAKIP_UPDATE_SNAPSHOTS").is_some();
    let mut mismatched = Vec::new();
    for kind in KINDS {
        for format in FORMATS {
            let out = env.ok(&["report", kind, "--year", "2021", "--format", format]);
            // Deterministic: the same inputs give byte-identical output.
            assert_eq!(
                out,
                env.ok(&["report", kind, "--year", "2021", "--format", format]),
                "{kind} {format}"
            );
            let path = snapshot_dir().join(format!("{kind}.{format}"));
            if update {
                std::fs::create_dir_all(snapshot_dir()).unwrap();
                std::fs::write(&path, &out).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(out.as_str()) {
                mismatched.push(path.display().to_string());
            }
        }
    }
    assert!(
        mismatched.is_empty(),
        "reports differ from their snapshots: {mismatched:?}"
    );
}

#[test]
fn capaian_csv_has_the_seeds_figures() {
    let env = demo();
    let csv = env.ok(&["report", "capaian", "--year", "2021", "--format", "csv"]);
    for figure in [
        "\"98,92%\"",
        "\"118,67%\"",
        "\"97,02%\"",
        "\"70,34%\"",
        "\"142,86%\"",
        "\"99,64%\"",
        "\"100,00%\"",
    ] {
        assert!(csv.contains(figure), "capaian csv lacks {figure}");
    }
    // SAKIP A against A.
    assert!(
        csv.contains("Nilai SAKIP BKPPD Kota Kediri,A,A,\"100,00%\",Sangat Tinggi"),
        "{csv}"
    );
    // Means per sasaran and overall.
    for mean in [
        "Rata-rata capaian sasaran 1,,,,\"84,63%\",Tinggi",
        "\"107,85%\"",
        "\"121,43%\"",
        "Rata-rata capaian seluruh IKU,,,,\"104,63%\"",
    ] {
        assert!(csv.contains(mean), "capaian csv lacks {mean}");
    }
}

#[test]
fn anggaran_efisiensi_and_evaluasi_have_the_seeds_figures() {
    let env = demo();
    let anggaran = env.ok(&["report", "anggaran", "--year", "2021", "--format", "csv"]);
    assert!(
        anggaran.contains("Program Pengembangan Sumber Daya Manusia,1.268.161.850,1.024.833.162,\"80,81%\""),
        "{anggaran}"
    );
    assert!(
        anggaran.contains("Jumlah,,15.193.709.205,10.408.125.557,\"68,50%\""),
        "{anggaran}"
    );
    let efisiensi = env.ok(&["report", "efisiensi", "--year", "2021", "--format", "csv"]);
    assert!(efisiensi.contains("Indeks Profesionalisme ASN Dimensi Kompetensi,29,\"20,40\",\"70,34%\",1.268.161.850,1.024.833.162,\"80,81%\",\"-10,47\""), "{efisiensi}");
    let evaluasi = env.ok(&["report", "evaluasi", "--year", "2021", "--format", "csv"]);
    let row = evaluasi.lines().find(|l| l.starts_with("P3.1.1,")).unwrap();
    assert!(
        row.contains(",40 peserta,6 peserta,8 peserta,\"133,33%\""),
        "{row}"
    );
    let row = evaluasi.lines().find(|l| l.starts_with("P2.2.3,")).unwrap();
    assert!(
        row.contains("Selter 9 JPT") && row.contains("Selter 4 JPT"),
        "{row}"
    );
    let row = evaluasi.lines().find(|l| l.starts_with("P1.4.1,")).unwrap();
    assert!(
        row.contains(",-,\"1 rol kabel cam"),
        "a target first set at the perubahan has no 'sebelum': {row}"
    );
    let renstra = env.ok(&["report", "renstra", "--year", "2021", "--format", "csv"]);
    assert!(
        renstra.contains("\"89,80%\"") && renstra.contains("\"114,29%\""),
        "{renstra}"
    );
}

#[test]
fn reports_differ_between_known_at_dates_exactly_where_corrected() {
    let env = demo();
    let at = |date: &str| {
        env.ok(&[
            "report",
            "capaian",
            "--year",
            "2021",
            "--known-at",
            date,
            "--format",
            "csv",
        ])
    };
    let ba = at("2022-01-10");
    let lkjip = at("2022-02-25");
    assert!(ba.contains("\"29,76\",\"102,62%\"") && lkjip.contains("\"20,40\",\"70,34%\""));
    let differing: Vec<(&str, &str)> = ba.lines().zip(lkjip.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(ba.lines().count(), lkjip.lines().count());
    for (a, b) in &differing {
        let explained = a.starts_with("# sakip-report")
            || a.starts_with("# Data per")
            || a.starts_with("# Hash ledger")
            || a.contains("Dimensi Kompetensi")
            || a.contains("Rata-rata capaian sasaran 1")
            || a.contains("Rata-rata capaian seluruh IKU");
        assert!(explained, "unexpected difference:\n  {a}\n  {b}");
    }
    // The kompetensi row (capaian and comparison) and the two means changed.
    assert!(differing.len() >= 5, "{differing:?}");
}

#[test]
fn issue_then_verify_round_trips_and_one_changed_byte_fails() {
    let env = demo();
    let kepala = env.demo_key("kepala-approver");
    let file = env.path("lkjip-2021.html");
    let out = env.ok(&[
        "--key",
        &kepala,
        "report",
        "issue",
        "lkjip",
        "--year",
        "2021",
        "--format",
        "html",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.starts_with("issued Laporan Kinerja"), "{out}");
    let verified = env.ok(&["report", "verify", file.to_str().unwrap()]);
    assert!(
        verified.contains("issued: ") && verified.contains("by Ir. UN ACHMAD NURDIN, MM"),
        "{verified}"
    );
    assert!(
        verified.contains("reproducible: re-rendered at known seq"),
        "{verified}"
    );
    // The issued report is in the log with its hash.
    let log = env.ok(&["log", "--kind", "report_issued", "--format", "json"]);
    let sha = sakip::document::digest(&std::fs::read(&file).unwrap());
    assert!(log.contains(&hex::encode(sha)));

    let mut bytes = std::fs::read(&file).unwrap();
    let at = String::from_utf8_lossy(&bytes).find("70,34%").unwrap();
    bytes[at + 1] = b'1';
    let changed = env.path("changed.html");
    std::fs::write(&changed, &bytes).unwrap();
    let (code, _, err) = env.run(&["report", "verify", changed.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("was not issued") && err.contains("differs from report seq") && err.contains("71,34%"),
        "{err}"
    );

    // A file that never was a report.
    let other = env.write("other.md", "# hello\n");
    let (code, _, err) = env.run(&["report", "verify", &other]);
    assert_eq!(code, 3);
    assert!(err.contains("carries no sakip report parameters"), "{err}");
}

#[test]
fn only_an_approver_issues_reports() {
    let env = demo();
    let op = env.demo_key("kabid-mutasi-operator");
    let file = env.path("pk.md");
    let before = env.head();
    let (code, _, err) = env.run(&[
        "--key",
        &op,
        "report",
        "issue",
        "pk",
        "--year",
        "2021",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("needs role approver"), "{err}");
    assert!(!file.exists(), "a refused issue leaves no file");
    assert_eq!(env.head(), before);
}

#[test]
fn html_is_self_contained_with_its_charts() {
    let env = demo();
    let html = env.ok(&["report", "lkjip", "--year", "2021", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@page{size:A4"));
    assert_eq!(html.matches("<svg").count(), 2, "capaian and serapan charts");
    let ra = env.ok(&["report", "rencana-aksi", "--year", "2021", "--format", "html"]);
    assert!(
        ra.matches("<polyline class=\"real\"").count() >= 5,
        "quarterly trends per program indicator"
    );
    for forbidden in ["<script", "src=\"http", "href=\"http", "<link", "url("] {
        assert!(
            !html.contains(forbidden) && !ra.contains(forbidden),
            "external or active content: {forbidden}"
        );
    }
}

/// An Excel workbook is issued and sealed like any other format, and
/// verifies as issued and reproducible; CSV for a spreadsheet takes `;` and
/// one table, while the canonical CSV is unchanged; xlsx needs --out.
#[test]
fn an_excel_report_is_issued_and_verified_and_csv_fits_a_spreadsheet() {
    let env = demo();
    let kepala = env.demo_key("kepala-approver");
    let file = env.path("capaian-2021.xlsx");
    let out = env.ok(&[
        "--key",
        &kepala,
        "report",
        "issue",
        "capaian",
        "--year",
        "2021",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.starts_with("issued Capaian Kinerja"), "{out}");
    let verified = env.ok(&["report", "verify", file.to_str().unwrap()]);
    assert!(
        verified.contains("reproducible: re-rendered at known seq"),
        "{verified}"
    );
    let (code, _, err) = env.run(&["--format", "xlsx", "report", "capaian", "--year", "2021"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out FILE.xlsx"), "{err}");

    let canonical = env.ok(&["--format", "csv", "report", "capaian", "--year", "2021"]);
    let excel = env.ok(&[
        "--format",
        "csv",
        "report",
        "capaian",
        "--year",
        "2021",
        "--csv-sep",
        ";",
        "--table",
        "2",
    ]);
    assert!(
        excel.contains("No;Sasaran Strategis;Indikator Kinerja;Target;Realisasi;Capaian;Predikat"),
        "{excel}"
    );
    assert!(excel.contains(";20,40;70,34%;Sedang"), "{excel}");
    assert!(
        !excel.contains("Capaian Indikator Tujuan"),
        "one table only: {excel}"
    );
    assert!(canonical.contains(",\"20,40\",\"70,34%\",Sedang"), "{canonical}");
    let (code, _, err) = env.run(&[
        "--format", "csv", "report", "capaian", "--year", "2021", "--table", "9",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("2: Capaian Indikator Kinerja Utama Tahun 2021"),
        "{err}"
    );
}

/// A program from the machine's packages, or `None` (a failure under CI,
/// where `.ci/run` installs it).
fn tool(name: &str) -> Option<String> {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is missing: .ci/run installs it (poppler-utils, libreoffice-writer-nogui)"
        );
        eprintln!("skipped: {name} is not installed");
    }
    found
}

fn pdf_text(pdftotext: &str, pdf: &std::path::Path) -> String {
    let out = std::process::Command::new(pdftotext)
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// What every rendering of the demo's LKjIP must say.
fn assert_whole_lkjip(text: &str, head: &str, what: &str) {
    for heading in [
        "KATA PENGANTAR",
        "IKHTISAR EKSEKUTIF",
        "BAB I PENDAHULUAN",
        "BAB II PERENCANAAN KINERJA",
        "BAB III AKUNTABILITAS KINERJA",
        "BAB IV PENUTUP",
        "LAMPIRAN",
        "Tabel 2.1",
        "Tabel 2.2",
        "Tabel 3.1",
        "Tabel 3.9",
        "Grafik 3.1",
        "Tabel L.1",
        "NIP. 19670506 199202 1 003",
        "Belum dicatat",
        // The seed's figures: capaian IKU-1.2, IKU-2.1, IKU-2.2, IKU-1.1,
        // IKU-3.2 and the serapan of the whole budget.
        "98,92%",
        "118,67%",
        "97,02%",
        "70,34%",
        "142,86%",
        "68,50%",
        head,
    ] {
        assert!(text.contains(heading), "{what} lacks {heading}");
    }
}

#[test]
fn the_whole_lkjip_is_issued_as_pdf_docx_and_xlsx_verified_and_read_back() {
    let env = demo();
    let kepala = env.demo_key("kepala-approver");
    let mut files = Vec::new();
    let mut heads = Vec::new();
    for format in ["pdf", "docx", "xlsx"] {
        // Each is issued at the head of its time, after the one before.
        let json: serde_json::Value =
            serde_json::from_str(&env.ok(&["--format", "json", "report", "lkjip", "--year", "2021"]))
                .unwrap();
        heads.push(json["head"].as_str().unwrap().to_string());
        let file = env.path(&format!("lkjip-2021.{format}"));
        let out = env.ok(&[
            "--key",
            &kepala,
            "report",
            "issue",
            "lkjip",
            "--year",
            "2021",
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.starts_with("issued Laporan Kinerja Instansi Pemerintah Tahun 2021"),
            "{out}"
        );
        let verified = env.ok(&["report", "verify", file.to_str().unwrap()]);
        assert!(
            verified.contains("reproducible: re-rendered at known seq"),
            "{format}: {verified}"
        );
        // One changed byte in the middle is refused.
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        let changed = env.path(&format!("changed.{format}"));
        std::fs::write(&changed, &bytes).unwrap();
        let (code, _, err) = env.run(&["report", "verify", changed.to_str().unwrap()]);
        assert_eq!(code, 3, "{format}: {err}");
        assert!(err.contains("was not issued"), "{format}: {err}");
        files.push(file);
    }
    // Without --out a binary format is refused.
    let (code, _, err) = env.run(&["--format", "pdf", "report", "lkjip", "--year", "2021"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out FILE.pdf"), "{err}");

    let Some(pdftotext) = tool("pdftotext") else {
        return;
    };
    let text = pdf_text(&pdftotext, &files[0]);
    assert_whole_lkjip(&text, &heads[0], "the PDF");
    // Every page's footer traces it to the ledger.
    let pages = text.matches("Halaman ").count();
    assert!(pages >= 10, "{pages} pages");
    assert_eq!(
        text.matches(&heads[0]).count(),
        pages + 1,
        "a footer per page and the cover"
    );

    // Word's format opens in LibreOffice and converts.
    let Some(soffice) = tool("soffice") else { return };
    let outdir = env.path("converted");
    let profile = env.path("lo-profile");
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&outdir)
        .arg(&files[1])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = pdf_text(&pdftotext, &outdir.join("lkjip-2021.pdf"));
    assert_whole_lkjip(&text, &heads[1], "the DOCX in LibreOffice");
}

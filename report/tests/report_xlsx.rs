//! Reports as Excel workbooks: the same report gives the same bytes (so it
//! can be sealed), every table is a sheet under the report's header block,
//! and figures are real numbers with the report's formats (a percent as a
//! fraction with a percent format), exactly the figures of the CSV.

use calamine::{Data, Reader, Xlsx};
use sakip::service::time::TimePoint;
use sakip_report::service as reports;
use sakip_report::ReportFormat;

fn workbook(bytes: &[u8]) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap()
}

#[test]
fn a_report_as_a_workbook_holds_the_same_figures_as_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let built = sakip::example::build(&dir.path().join("demo")).unwrap();
    let ledger = built.ledger;
    let point = TimePoint::year(2021);
    let kind = reports::kind_named("capaian").unwrap();
    let params = reports::params(&ledger, kind, &point, ReportFormat::Xlsx).unwrap();
    let (report, bytes) = reports::render(&ledger, params).unwrap();
    let (_, again) = reports::render(&ledger, params).unwrap();
    assert_eq!(bytes, again, "deterministic: the same report, the same bytes");
    assert!(bytes.starts_with(b"PK"), "a zip container");

    let mut wb = workbook(&bytes);
    let titles = sakip_report::table_titles(&report);
    let expected: Vec<String> = std::iter::once("Laporan".to_string())
        .chain((1..=titles.len()).map(|n| format!("Tabel {n}")))
        .collect();
    assert_eq!(wb.sheet_names(), expected);

    let iku = wb.worksheet_range("Tabel 2").unwrap();
    let text = |r: u32, c: u32| iku.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
    assert_eq!(text(0, 0), "Capaian Kinerja Tahun 2021");
    assert_eq!(text(4, 0), "Hash ledger");
    assert_eq!(text(4, 1), report.meta.head.to_hex());
    // The IKU-1.1 row: realisasi 20,40 and capaian 70,34% as numbers.
    let row = (0..iku.height() as u32)
        .find(|r| text(*r, 2) == "Indeks Profesionalisme ASN Dimensi Kompetensi")
        .expect("the IKU-1.1 row");
    assert_eq!(iku.get_value((row, 4)), Some(&Data::Float(20.4)));
    assert_eq!(iku.get_value((row, 5)), Some(&Data::Float(0.7034)));
    assert_eq!(text(row, 6), "Sedang");

    // Every kind: every figure of every table is a numeric cell equal to
    // the report's exact value (a percent as its fraction), where the
    // report's own tables put it.
    for kind in sakip_report::ReportKind::ALL {
        let params = reports::params(&ledger, kind, &point, ReportFormat::Xlsx).unwrap();
        let (report, bytes) = reports::render(&ledger, params).unwrap();
        let mut wb = workbook(&bytes);
        let mut checked = 0;
        for (n, block) in report
            .blocks
            .iter()
            .filter_map(|b| match b {
                sakip_report::Block::Table(t) => Some(t),
                _ => None,
            })
            .enumerate()
        {
            let sheet = wb.worksheet_range(&format!("Tabel {}", n + 1)).unwrap();
            let head = (0..sheet.height() as u32)
                .find(|r| {
                    sheet.get_value((*r, 0)).map(|d| d.to_string()).as_deref()
                        == Some(block.columns[0].as_str())
                })
                .expect("the heading row");
            for (i, row) in block.rows.iter().chain(block.footer.iter()).enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let Some(value) = cell.value else { continue };
                    if cell.text.trim().is_empty() {
                        continue;
                    }
                    let expected = if cell.text.trim().ends_with('%') {
                        value / rust_decimal::Decimal::ONE_HUNDRED
                    } else {
                        value
                    };
                    let got = sheet.get_value((head + 1 + i as u32, c as u32));
                    let Some(Data::Float(f)) = got else {
                        panic!(
                            "{}: {} {:?} is not a number but {got:?}",
                            kind.name(),
                            block.title,
                            cell.text
                        );
                    };
                    let expected: f64 = rust_decimal::prelude::ToPrimitive::to_f64(&expected).unwrap();
                    assert!(
                        (f - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                        "{}: {} {}",
                        kind.name(),
                        cell.text,
                        f
                    );
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 0 || kind.name() == "renstra",
            "{}: no figure checked",
            kind.name()
        );
    }

    // Every figure of the CSV is in the workbook, as a number or as text.
    let csv = sakip_report::csv_for_spreadsheet(&report, ';', Some(2)).unwrap();
    let numbers: Vec<f64> = iku
        .cells()
        .filter_map(|(_, _, d)| match d {
            Data::Float(f) => Some(*f),
            _ => None,
        })
        .collect();
    for line in csv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .skip(1)
    {
        for field in line.split(';').filter(|f| f.ends_with('%')) {
            let percent: f64 = field
                .trim_end_matches('%')
                .replace('.', "")
                .replace(',', ".")
                .parse()
                .unwrap();
            assert!(
                numbers.iter().any(|n| (n * 100.0 - percent).abs() < 1e-9),
                "{field} of the CSV is not in the workbook"
            );
        }
    }
}

/// A realisasi template lists the plan's indicators with their kinds; a
/// filled workbook (numbers typed as numbers, as Indonesian text, a ratio,
/// a formula with its cached value) is read through the same checks as
/// CSV and appended; a bad cell is named by its address.
#[test]
fn a_filled_template_is_imported_and_a_bad_cell_is_named() {
    use rust_xlsxwriter::{Formula, Workbook};
    use sakip::event::{Payload, Value};
    use sakip::service::imports::{self, ImportKind};
    let dir = tempfile::tempdir().unwrap();
    let built = sakip::example::build(&dir.path().join("demo")).unwrap();
    let mut ledger = built.ledger;
    let quarter = sakip::period::Quarter::new(1).unwrap();
    let template = sakip_report::template::realisasi(&ledger, 2022, quarter).unwrap();
    let mut wb = workbook(&template);
    assert_eq!(wb.sheet_names(), ["Realisasi", "Petunjuk"]);
    let sheet = wb.worksheet_range("Realisasi").unwrap();
    let header: Vec<String> = (0..10)
        .map(|c| sheet.get_value((5, c)).unwrap().to_string())
        .collect();
    assert_eq!(&header[..2], ["indicator", "nama indikator"]);
    assert_eq!(
        &header[5..],
        ["period", "value", "numerator", "denominator", "note"]
    );
    let ratio_row = (6..sheet.height() as u32)
        .find(|r| sheet.get_value((*r, 0)).map(|d| d.to_string()).as_deref() == Some("IP-2.1"))
        .unwrap();
    assert_eq!(
        sheet.get_value((ratio_row, 3)).unwrap().to_string(),
        "rasio (pembilang/penyebut)"
    );

    // A filled copy, as staff would return it.
    let filled = |iku_12: &str| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Realisasi").unwrap();
        ws.write_string(0, 0, "Realisasi Triwulan I Tahun 2022").unwrap();
        for (c, h) in [
            "indicator",
            "nama indikator",
            "period",
            "value",
            "numerator",
            "denominator",
            "note",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(5, c as u16, *h).unwrap();
        }
        ws.write_string(6, 0, "IKU-1.1").unwrap();
        ws.write_string(6, 2, "2022-Q1").unwrap();
        ws.write_number(6, 3, 21.5).unwrap();
        ws.write_string(7, 0, "IKU-1.2").unwrap();
        ws.write_string(7, 2, "2022-Q1").unwrap();
        ws.write_string(7, 3, iku_12).unwrap();
        ws.write_string(8, 0, "IP-2.1").unwrap();
        ws.write_string(8, 2, "2022-Q1").unwrap();
        ws.write_number(8, 4, 4500).unwrap();
        ws.write_formula(8, 5, Formula::new("=4700+65").set_result("4765"))
            .unwrap();
        ws.write_string(8, 6, "PNS dan PPPK").unwrap();
        ws.write_string(9, 0, "IT-1a").unwrap(); // no value: skipped
        ws.write_string(9, 2, "2022-Q1").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let name = "realisasi-tw1.xlsx";
    let (rows, notes) =
        sakip_report::workbook::read_bytes(&ledger, ImportKind::Realisasi, name, &filled("98,5")).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0].1, "realisasi-tw1.xlsx!Realisasi!A7");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("realisasi-tw1.xlsx!Realisasi!F9: the formula =4700+65"),
        "{notes:?}"
    );
    let number = |p: &Payload| match p {
        Payload::RealisationRecorded(r) => r.value.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(number(&rows[0].0).to_string(), "21,5");
    assert_eq!(number(&rows[1].0).to_string(), "98,5");
    assert!(matches!(number(&rows[2].0), Value::Ratio { .. }));
    assert_eq!(number(&rows[2].0).to_string(), "4.500/4.765");

    // The same entries as the equivalent CSV, event for event.
    let csv = "indicator;period;value;numerator;denominator;note\nIKU-1.1;2022-Q1;21,5;;;\nIKU-1.2;2022-Q1;98,5;;;\nIP-2.1;2022-Q1;;4.500;4.765;PNS dan PPPK\n";
    let from_csv = imports::read(&ledger, ImportKind::Realisasi, "tw1.csv", csv).unwrap();
    assert_eq!(
        rows.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        from_csv.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );

    // A value that is no number: refused, naming the cell; nothing read.
    let err = sakip_report::workbook::read_bytes(&ledger, ImportKind::Realisasi, name, &filled("dua puluh"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("realisasi-tw1.xlsx!Realisasi!D8: column 'value'"),
        "{err}"
    );

    // Appended as one batch by the operator.
    let operator = sakip::keys::example_key("kabid-mutasi-operator");
    let before = ledger.head().count;
    let done = imports::append(&mut ledger, &operator, rows).unwrap();
    assert_eq!(done.len(), 3);
    assert_eq!(ledger.head().count, before + 3);
}

/// A filled anggaran workbook: spending per plan item for the quarter,
/// rows without an amount skipped, a bad amount named by its cell.
#[test]
fn a_filled_anggaran_workbook_is_read_like_its_csv() {
    use rust_xlsxwriter::Workbook;
    use sakip::event::{Payload, Stage};
    use sakip::service::imports::ImportKind;
    let dir = tempfile::tempdir().unwrap();
    let ledger = sakip::example::build(&dir.path().join("demo")).unwrap().ledger;
    let template =
        sakip_report::template::anggaran(&ledger, 2022, sakip::period::Quarter::new(1).unwrap()).unwrap();
    assert_eq!(workbook(&template).sheet_names(), ["Anggaran", "Petunjuk"]);
    let filled = |amount: &str| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Anggaran").unwrap();
        for (c, h) in ["account", "nama", "period", "jenis", "amount", "note"]
            .iter()
            .enumerate()
        {
            ws.write_string(3, c as u16, *h).unwrap();
        }
        for (r, (code, amt)) in [("P1.1.1", amount), ("P1.1.2", "")].iter().enumerate() {
            let row = 4 + r as u32;
            ws.write_string(row, 0, *code).unwrap();
            ws.write_string(row, 2, "2022-Q1").unwrap();
            ws.write_string(row, 3, "realisasi").unwrap();
            ws.write_string(row, 4, *amt).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let kind = ImportKind::Anggaran(Stage::Perubahan);
    let (rows, _) =
        sakip_report::workbook::read_bytes(&ledger, kind, "belanja.xlsx", &filled("1.024.833.162")).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        matches!(&rows[0].0, Payload::SpendingRecorded(s) if s.account == "P1.1.1" && s.amount.0.to_string() == "1024833162")
    );
    let err = sakip_report::workbook::read_bytes(&ledger, kind, "belanja.xlsx", &filled("-5")).unwrap_err();
    assert!(
        err.to_string()
            .contains("belanja.xlsx!Anggaran!E5: column 'amount'"),
        "{err}"
    );
}

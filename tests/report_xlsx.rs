//! Reports as Excel workbooks: the same report gives the same bytes (so it
//! can be sealed), every table is a sheet under the report's header block,
//! and figures are real numbers with the report's formats (a percent as a
//! fraction with a percent format), exactly the figures of the CSV.

use calamine::{Data, Reader, Xlsx};
use sakip::report::ReportFormat;
use sakip::service::{reports, time::TimePoint};

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
    let titles = sakip::report::table_titles(&report);
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

    // Every figure of the CSV is in the workbook, as a number or as text.
    let csv = sakip::report::csv_for_spreadsheet(&report, ';', Some(2)).unwrap();
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

//! The workbook importers (`import realisasi|anggaran x.xlsx` and the
//! upload endpoint). Two shapes of input: the bytes as a whole file, and
//! the bytes as the sheet XML of an otherwise well-formed workbook, so
//! the fuzzer reaches the cell reader instead of stopping at zip CRCs.
//! The property is the one the server depends on: a refusal or a result,
//! never a panic or an allocation the input's size does not justify.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;
use sakip::event::*;

fn index() -> sakip::projection::MemIndex {
    let mut idx = sakip::projection::MemIndex::default();
    idx.add(1, 0, &Payload::PlanItemDefined(PlanItemDefined { code: "P1".into(), level: Level::Tujuan, name: "p".into(), parent: None }));
    idx.add(
        2,
        0,
        &Payload::IndicatorDefined(IndicatorDefined {
            code: "N".into(),
            name: "N".into(),
            item: "P1".into(),
            unit: "%".into(),
            polarity: Polarity::HigherIsBetter,
            value_kind: ValueKind::Number,
            aggregation: Aggregation::LastQuarter,
            lower_rule: LowerRule::Inverse,
            cap: None,
            iku: true,
            formula: None,
            source: None,
        }),
    );
    idx
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Realisasi" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// A workbook whose one sheet is `sheet`.
fn wrap(sheet: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ] {
        zip.start_file(name, opts).expect("zip entry");
        zip.write_all(body).expect("zip body");
    }
    zip.finish().expect("zip end");
    out.into_inner()
}

fuzz_target!(|data: &[u8]| {
    let idx = index();
    let bytes = match data.split_first() {
        Some((0, sheet)) => wrap(sheet),
        _ => data.to_vec(),
    };
    let _ = sakip_report::workbook::realisasi_xlsx("fuzz.xlsx", &bytes, &idx);
    let _ = sakip_report::workbook::anggaran_xlsx("fuzz.xlsx", &bytes, &idx, Stage::Murni);
});

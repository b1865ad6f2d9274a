//! The realisation and budget CSV importers against a small plan.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sakip::event::*;

fn index() -> sakip::projection::MemIndex {
    let mut idx = sakip::projection::MemIndex::default();
    idx.add(1, 0, &Payload::PlanItemDefined(PlanItemDefined { code: "P1".into(), level: Level::Tujuan, name: "p".into(), parent: None }));
    for (seq, code, kind) in [(2, "N", ValueKind::Number), (3, "R", ValueKind::Ratio), (4, "G", ValueKind::Grade), (5, "T", ValueKind::Text)] {
        idx.add(
            seq,
            0,
            &Payload::IndicatorDefined(IndicatorDefined {
                code: code.into(),
                name: code.into(),
                item: "P1".into(),
                unit: "%".into(),
                polarity: if kind == ValueKind::Grade { Polarity::Grade } else { Polarity::HigherIsBetter },
                value_kind: kind,
                aggregation: Aggregation::LastQuarter,
                lower_rule: LowerRule::Inverse,
                cap: None,
                iku: true,
                formula: None,
                source: None,
            }),
        );
    }
    idx
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let idx = index();
        let _ = sakip::import::realisasi("fuzz.csv", text, &idx);
        let _ = sakip::import::anggaran("fuzz.csv", text, &idx, Stage::Murni);
        let _ = sakip::numfmt::parse(text);
        let _ = sakip::period::parse(text);
    }
});

//! The plan importer on arbitrary text: an error or payloads, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let index = sakip::projection::MemIndex::default();
        let _ = sakip::import::plan("fuzz.toml", text, &index, sakip::event::Stage::Murni);
        let _ = sakip::import::document("fuzz.toml", data, &index, 0);
    }
});

//! Stored event bytes: parsing, decoding and signature checks never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = sakip::codec::Frame::parse(data) {
        let _ = frame.decode();
        let _ = sakip::keys::verify_strict(&frame.author(), &sakip::codec::signing_message(frame.body()), &frame.signature());
    }
    let _ = sakip::codec::from_bytes::<sakip::event::Payload>(data);
});

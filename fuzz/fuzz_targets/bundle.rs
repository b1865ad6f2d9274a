//! A bundle's events.bin: length framing and full verification.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sakip::bundle::verify_events_bin(data);
});

//! Checkpoint notes and inclusion proofs: parse, and verify what parses.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = sakip::checkpoint::Checkpoint::parse(text) {
            let key = sakip::keys::KeyPair::from_seed([7; 32]).public();
            let _ = c.signers([key].iter());
        }
        if let Ok(p) = sakip::checkpoint::InclusionProof::parse(text) {
            let _ = p.verify();
        }
    }
});

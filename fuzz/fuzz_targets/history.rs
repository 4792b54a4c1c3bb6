//! A secret's earlier versions: the history hash and each version opened
//! (stored blobs, or plaintexts sealed with the fixed data key first).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::history(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

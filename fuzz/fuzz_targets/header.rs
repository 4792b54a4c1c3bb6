//! A secret's signed header: decoded, re-encoded to the same bytes, and
//! checked against a fixed directory (the rules on who may write it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::header(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

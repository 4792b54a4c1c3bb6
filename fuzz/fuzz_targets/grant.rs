//! Scope-key grants (HPKE auth mode, and format 1's base mode): opened
//! with fixed keys, the key checked against the directory's commitment.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::grant(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

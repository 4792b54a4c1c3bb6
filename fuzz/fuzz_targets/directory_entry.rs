//! Signed directory entries: stored entries, and bodies signed with the
//! fixture's keys, checked against the fixed directory before them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::directory_entry(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

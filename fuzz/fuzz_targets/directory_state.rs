//! The directory a device remembers (its checkpoint): decoded, written
//! out again stably, and used to replay the fixed directory's entries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::directory_state(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

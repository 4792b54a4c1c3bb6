//! Text formats from outside the signed vault: prefs.json, a device
//! credential from the OS keyring, a format-1 usage's JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::local_text(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

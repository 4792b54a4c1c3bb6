//! The import parsers (`.env`, KeePassXC and Bitwarden CSV, Bitwarden and
//! secrets.json JSON) on any bytes: no panic, no unbounded work, and what
//! parses writes out as secrets.json that reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::import(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

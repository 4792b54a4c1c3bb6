//! The codec's plaintexts (metadata, fields, usage labels): one encoding
//! per value, so whatever decodes re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::codec(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

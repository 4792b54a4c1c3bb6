//! Sealed columns (metadata, fields, usages, wrapped data keys, device
//! bundles): arbitrary blobs opened with fixed keys, and arbitrary
//! plaintexts sealed with them first, so decoding past the tag is reached.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = coffer_core::fuzzing::sealed(data) {
        assert!(d.round_trips(), "{d:?}");
    }
});

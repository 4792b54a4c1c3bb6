//! Password hashing costs as the signed configuration carries them: a cost
//! that passes the checks a sign-in runs must stay within the ceiling
//! (storage must not make a sign-in allocate or run without bound).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((params, d)) = coffer_core::fuzzing::kdf_params(data) {
        assert!(params.within_ceiling(), "accepted {params:?}");
        assert!(d.round_trips(), "{d:?}");
    }
});

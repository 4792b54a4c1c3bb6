//! Password-based key derivation with Argon2id.
//!
//! Costs follow RFC 9106 and SPEC §7.4: calibrated at vault creation so that
//! unlocking takes 0.5 to 1 s, and never below m = 64 MiB, t = 3, p = 4.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::SymKey;

pub(crate) const SALT_LEN: usize = 16;

/// Argon2id cost parameters, stored per user beside the salt and bound into
/// the associated data of the key bundle they unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended option: the floor for real vaults.
    pub const FLOOR: Self = Self {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };
    /// Upper bound on what calibration may choose (1 GiB).
    const CEILING_M_KIB: u32 = 1024 * 1024;
    /// Deliberately cheap parameters, only for vaults created with the
    /// explicit insecure test profile. The vault records the profile and
    /// every front end flags it.
    pub const INSECURE_TEST: Self = Self {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    /// The most a stored cost may ask for: calibration's memory ceiling,
    /// with passes and lanes well above what Coffer ever chooses (t = 3,
    /// p = 4). Costs are read from storage that others can write, and
    /// Argon2 itself accepts up to 4 TiB and 2^32 passes: without a bound,
    /// one edited row would make a sign-in allocate until the process is
    /// killed, or never finish.
    pub const CEILING: Self = Self {
        m_kib: Self::CEILING_M_KIB,
        t: 10,
        p: 16,
    };

    /// Whether these parameters meet the floor for real vaults.
    pub fn meets_floor(&self) -> bool {
        self.m_kib >= Self::FLOOR.m_kib && self.t >= Self::FLOOR.t && self.p >= Self::FLOOR.p
    }

    /// Whether these parameters stay within [`KdfParams::CEILING`].
    pub fn within_ceiling(&self) -> bool {
        self.m_kib <= Self::CEILING.m_kib && self.t <= Self::CEILING.t && self.p <= Self::CEILING.p
    }

    fn argon2(&self) -> Result<Argon2<'static>, argon2::Error> {
        // Argon2 has no error for too many passes: too much memory is the
        // nearest (both are a cost above the ceiling).
        if self.p > Self::CEILING.p {
            return Err(argon2::Error::ThreadsTooMany);
        }
        if !self.within_ceiling() {
            return Err(argon2::Error::MemoryTooMuch);
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Canonical bytes for associated data.
    pub(crate) fn encode(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.m_kib.to_le_bytes());
        out[4..8].copy_from_slice(&self.t.to_le_bytes());
        out[8..].copy_from_slice(&self.p.to_le_bytes());
        out
    }

    /// Chooses the memory cost on this machine: start at the floor and
    /// double memory while a derivation takes under 0.5 s and the doubled
    /// cost (time grows about linearly with memory) stays under 1 s. The
    /// result unlocks in 0.5 to 1 s, or at the floor on slow machines.
    pub fn calibrate() -> Self {
        let target = Duration::from_millis(500);
        let ceiling = Duration::from_millis(1000);
        let mut params = Self::FLOOR;
        let mut elapsed = time_one(&params);
        while elapsed < target
            && elapsed * 2 <= ceiling
            && params.m_kib.saturating_mul(2) <= Self::CEILING_M_KIB
        {
            params.m_kib *= 2;
            elapsed = time_one(&params);
        }
        params
    }
}

fn time_one(params: &KdfParams) -> Duration {
    let start = Instant::now();
    let _ = derive_password_key(b"calibration", &[0u8; SALT_LEN], params);
    start.elapsed()
}

/// Derives the key that wraps a user's key bundle from their password.
pub(crate) fn derive_password_key(
    password: &[u8],
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<SymKey, argon2::Error> {
    let mut out = Zeroizing::new([0u8; 32]);
    params
        .argon2()?
        .hash_password_into(password, salt, out.as_mut())?;
    Ok(SymKey::from_bytes(*out))
}

/// Derives a 32-byte seed from a password: an enrollment signing key is
/// made from the initial password this way, so the password itself never
/// seals anything.
pub(crate) fn derive_seed(
    password: &[u8],
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>, argon2::Error> {
    // Domain-separated from the password key, which uses the same salt
    // only in vaults of format 1 (never for the same account state).
    let input = Zeroizing::new([b"coffer/enroll-seed/v1:".as_slice(), password].concat());
    let mut out = Zeroizing::new([0u8; 32]);
    params
        .argon2()?
        .hash_password_into(&input, salt, out.as_mut())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_depends_on_password_salt_and_params() {
        let p = KdfParams::INSECURE_TEST;
        let a = derive_password_key(b"pw", &[1; SALT_LEN], &p).expect("kdf");
        let b = derive_password_key(b"pw", &[1; SALT_LEN], &p).expect("kdf");
        let c = derive_password_key(b"pw2", &[1; SALT_LEN], &p).expect("kdf");
        let d = derive_password_key(b"pw", &[2; SALT_LEN], &p).expect("kdf");
        let e = derive_password_key(b"pw", &[1; SALT_LEN], &KdfParams { t: 2, ..p }).expect("kdf");
        assert_eq!(a.expose_bytes(), b.expose_bytes());
        for other in [&c, &d, &e] {
            assert_ne!(a.expose_bytes(), other.expose_bytes());
        }
    }

    #[test]
    fn floor_is_rfc_9106() {
        assert!(KdfParams::FLOOR.meets_floor());
        assert!(!KdfParams::INSECURE_TEST.meets_floor());
        assert!(
            KdfParams {
                m_kib: 256 * 1024,
                ..KdfParams::FLOOR
            }
            .meets_floor()
        );
    }

    #[test]
    fn bad_params_are_an_error_not_a_panic() {
        let bad = KdfParams {
            m_kib: 1,
            t: 0,
            p: 0,
        };
        assert!(derive_password_key(b"pw", &[0; SALT_LEN], &bad).is_err());
    }

    #[test]
    fn costs_above_the_ceiling_are_refused_before_any_work() {
        // Seen while writing the `kdf_params` fuzz target: a stored cost of 4 TiB or
        // 2^32 passes went straight to Argon2 (an allocation that fails or
        // gets the process killed; a derivation that never ends).
        for huge in [
            KdfParams {
                m_kib: u32::MAX,
                ..KdfParams::FLOOR
            },
            KdfParams {
                t: u32::MAX,
                ..KdfParams::FLOOR
            },
            KdfParams {
                p: 0xFF_FFFF,
                m_kib: u32::MAX,
                ..KdfParams::FLOOR
            },
            KdfParams {
                m_kib: KdfParams::CEILING.m_kib + 1,
                ..KdfParams::FLOOR
            },
        ] {
            assert!(!huge.within_ceiling());
            let started = Instant::now();
            assert!(derive_password_key(b"pw", &[0; SALT_LEN], &huge).is_err());
            assert!(derive_seed(b"pw", &[0; SALT_LEN], &huge).is_err());
            assert!(started.elapsed() < Duration::from_secs(1));
        }
        assert!(KdfParams::CEILING.within_ceiling());
        assert!(KdfParams::FLOOR.within_ceiling());
        assert!(KdfParams::INSECURE_TEST.within_ceiling());
    }
}

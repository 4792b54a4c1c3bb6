//! The hazmat corner: every raw AEAD, HPKE, KDF and MAC call in Coffer lives
//! in this module and nowhere else.
//!
//! The rest of the crate sees only the envelope types defined here
//! ([`SymKey`], [`KeyPair`], [`IndexKey`], [`Aad`]), whose constructors and
//! methods make the dangerous choices (nonces, format bytes, domain
//! separation) once, so callers cannot get them wrong. Nothing here derives
//! `Debug`, `Clone` or `Serialize`, and every type that holds key material
//! wipes it on drop.

mod aead;
mod hpke_wrap;
mod index;
mod kdf;
mod sign;

pub(crate) use aead::{Aad, SymKey};
pub(crate) use hpke_wrap::{KeyPair, Opener, PUBLIC_KEY_LEN, SealingContext};
pub use index::Fingerprint;
pub(crate) use index::{BlindIndex, IndexKey, key_commitment};
pub use kdf::KdfParams;
pub(crate) use kdf::{SALT_LEN, derive_password_key, derive_seed};
pub(crate) use sign::{SIGNATURE_LEN, SignKey, SignPublic, Signature, verify};

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// A SHA-256 digest.
pub(crate) type Hash = [u8; 32];

/// SHA-256 over a domain and length-prefixed parts, so no two different
/// lists of parts hash alike and no two purposes share a hash.
pub(crate) fn digest(domain: &str, parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Format byte at the start of every blob Coffer writes. Old versions keep
/// decrypting after a format change; unknown ones are refused.
pub(crate) const BLOB_V1: u8 = 0x01;

/// A key is retired (rotated) after this many encryptions with random
/// 96-bit nonces, far below the 2^32 bound of NIST SP 800-38D §8.3.
pub(crate) const MAX_KEY_USES: i64 = 1 << 30;

/// Why a decryption failed. Deliberately vague: the caller turns this into
/// an integrity error naming the row, never the contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CryptoError {
    /// The blob is shorter than its fixed overhead.
    Truncated,
    /// The first byte names a format this build does not know.
    UnknownFormat(u8),
    /// Authentication failed: wrong key, moved or altered ciphertext.
    Unauthentic,
}

/// Plaintext recovered from a blob; wiped when dropped.
pub(crate) type Plaintext = Zeroizing<Vec<u8>>;

/// Fills a fresh array from the operating system's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // The OS RNG failing leaves no safe way to continue: refusing to make
    // keys is the only correct outcome, and getrandom documents this as
    // unreachable on supported platforms.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut out).expect("the operating system's random number generator failed");
    out
}

//! Keyed hashes: the blind index that finds secrets by key without storing
//! the key, and the MAC that makes directory rows tamper-evident.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::SymKey;

/// An HMAC-SHA-256 key for blind indexes and record MACs. Derived, never
/// used for encryption, so it needs no use counter.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct IndexKey([u8; 32]);

/// The keyed hash of a secret's key: equal keys give equal indexes under the
/// same index key, and nothing else can be learned without that key.
pub(crate) type BlindIndex = [u8; 32];

impl IndexKey {
    /// Derives a purpose-bound key from `root`; `purpose` separates domains.
    pub(crate) fn derive(root: &SymKey, purpose: &str) -> Self {
        let hk = Hkdf::<Sha256>::new(None, root.expose_bytes());
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA-256's 8160-byte output limit.
        #[allow(clippy::expect_used)]
        hk.expand(purpose.as_bytes(), &mut out)
            .expect("HKDF output length is valid");
        Self(out)
    }

    /// The blind index of a secret key. Keys are matched exactly, as
    /// scripts and environment variables treat them.
    pub(crate) fn blind(&self, secret_key: &str) -> BlindIndex {
        self.mac(&[b"secret-key", secret_key.as_bytes()])
    }

    /// A MAC over length-prefixed parts.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        for part in parts {
            m.update(&(part.len() as u64).to_le_bytes());
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }

    /// Checks a MAC made by [`IndexKey::mac`] in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        self.mac(parts).ct_eq(tag).into()
    }
}

/// A public commitment to a scope key: the HMAC of its context under the
/// key itself. Signed into the directory, it lets a holder check that a key
/// sealed to them is the one an authorised admin made, so a key planted by
/// whoever writes the storage is refused. It reveals nothing about the key.
pub(crate) fn key_commitment(key: &SymKey, context: &[&[u8]]) -> [u8; 32] {
    let mut parts: Vec<&[u8]> = vec![b"coffer/key-commitment/v1"];
    parts.extend_from_slice(context);
    IndexKey(*key.expose_bytes()).mac(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_bind_key_and_context() {
        let (a, b) = (SymKey::generate(), SymKey::generate());
        assert_eq!(
            key_commitment(&a, &[b"v", b"1"]),
            key_commitment(&a, &[b"v", b"1"])
        );
        assert_ne!(
            key_commitment(&a, &[b"v", b"1"]),
            key_commitment(&b, &[b"v", b"1"])
        );
        assert_ne!(
            key_commitment(&a, &[b"v", b"1"]),
            key_commitment(&a, &[b"v", b"2"])
        );
    }

    #[test]
    fn blind_index_is_keyed_and_exact() {
        let root = SymKey::generate();
        let a = IndexKey::derive(&root, "index");
        let b = IndexKey::derive(&root, "other purpose");
        assert_eq!(a.blind("DB_PASSWORD"), a.blind("DB_PASSWORD"));
        assert_ne!(a.blind("DB_PASSWORD"), a.blind("db_password"));
        assert_ne!(a.blind("DB_PASSWORD"), b.blind("DB_PASSWORD"));
    }

    #[test]
    fn mac_parts_are_unambiguous() {
        let key = IndexKey::derive(&SymKey::generate(), "mac");
        assert_ne!(key.mac(&[b"ab", b"c"]), key.mac(&[b"a", b"bc"]));
        let tag = key.mac(&[b"x"]);
        assert!(key.verify(&[b"x"], &tag));
        assert!(!key.verify(&[b"y"], &tag));
    }
}

/// A keyed fingerprint of a value, for checking later whether something
/// (the clipboard) still holds it without keeping the value in memory. The
/// key is random per process, so fingerprints are useless elsewhere.
pub struct Fingerprint([u8; 32]);

fn process_key() -> &'static IndexKey {
    static KEY: std::sync::OnceLock<IndexKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| IndexKey(super::random_bytes()))
}

impl Fingerprint {
    pub fn of(value: &str) -> Self {
        Self(process_key().mac(&[b"fingerprint", value.as_bytes()]))
    }

    /// Whether `candidate` is the fingerprinted value (constant time).
    pub fn matches(&self, candidate: &str) -> bool {
        process_key().verify(&[b"fingerprint", candidate.as_bytes()], &self.0)
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::Fingerprint;

    #[test]
    fn matches_only_the_value() {
        let f = Fingerprint::of("s3cret");
        assert!(f.matches("s3cret"));
        assert!(!f.matches("s3cret "));
        assert!(!f.matches(""));
    }
}

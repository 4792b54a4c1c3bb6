//! Ed25519 identity keys: every user signs what they write, so a reader can
//! tell who wrote a record and check that they were allowed to.
//!
//! Signatures are always over a domain-separated message
//! (`coffer/sign/v1`, the purpose, then the body, each length-prefixed), so
//! a signature made for one purpose never verifies for another. Verification
//! is strict (RFC 8032 with the small-order and canonical-encoding checks),
//! so signatures are not malleable.

use ed25519_dalek::{Signature as DalekSignature, Signer as _, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::{CryptoError, random_bytes};

pub(crate) const SIGN_PUBLIC_LEN: usize = 32;
pub(crate) const SIGNATURE_LEN: usize = 64;

/// A user's Ed25519 public key.
pub(crate) type SignPublic = [u8; SIGN_PUBLIC_LEN];
/// A detached Ed25519 signature.
pub(crate) type Signature = [u8; SIGNATURE_LEN];

/// An Ed25519 signing key: a user's identity, or a one-time enrollment key.
/// Wiped on drop (dalek zeroizes it); never printed or copied.
pub(crate) struct SignKey(SigningKey);

fn message(purpose: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(40 + purpose.len() + body.len());
    for part in [b"coffer/sign/v1".as_slice(), purpose.as_bytes(), body] {
        m.extend_from_slice(&(part.len() as u64).to_le_bytes());
        m.extend_from_slice(part);
    }
    m
}

impl SignKey {
    pub(crate) fn generate() -> Self {
        Self::from_seed(&Zeroizing::new(random_bytes()))
    }

    /// The key whose 32-byte seed is `seed` (an enrollment key derived from
    /// an initial password, or a stored identity key).
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    pub(crate) fn from_slice(seed: &[u8]) -> Result<Self, CryptoError> {
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(seed.try_into().map_err(|_| CryptoError::Unauthentic)?);
        Ok(Self::from_seed(&seed))
    }

    /// The seed, for sealing into the user's key bundle.
    pub(crate) fn expose_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub(crate) fn public(&self) -> SignPublic {
        self.0.verifying_key().to_bytes()
    }

    pub(crate) fn sign(&self, purpose: &str, body: &[u8]) -> Signature {
        self.0.sign(&message(purpose, body)).to_bytes()
    }
}

/// Checks a signature made by [`SignKey::sign`] for `purpose`.
pub(crate) fn verify(
    public: &[u8],
    purpose: &str,
    body: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let public: &SignPublic = public.try_into().map_err(|_| CryptoError::Unauthentic)?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| CryptoError::Unauthentic)?;
    let sig: &Signature = signature.try_into().map_err(|_| CryptoError::Unauthentic)?;
    key.verify_strict(&message(purpose, body), &DalekSignature::from_bytes(sig))
        .map_err(|_| CryptoError::Unauthentic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_for_one_purpose_only() {
        let key = SignKey::generate();
        let sig = key.sign("directory", b"body");
        assert!(verify(&key.public(), "directory", b"body", &sig).is_ok());
        assert!(verify(&key.public(), "header", b"body", &sig).is_err());
        assert!(verify(&key.public(), "directory", b"body!", &sig).is_err());
        assert!(verify(&SignKey::generate().public(), "directory", b"body", &sig).is_err());
        assert!(verify(&key.public(), "directory", b"body", &sig[..63]).is_err());
        let mut flipped = sig;
        flipped[10] ^= 1;
        assert!(verify(&key.public(), "directory", b"body", &flipped).is_err());
    }

    #[test]
    fn seeds_round_trip() {
        let key = SignKey::generate();
        let again = SignKey::from_slice(key.expose_seed().as_slice()).expect("seed");
        assert_eq!(key.public(), again.public());
        assert!(SignKey::from_slice(&[0; 31]).is_err());
    }
}

//! Public-key wrapping with HPKE (RFC 9180),
//! DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 + AES-256-GCM.
//!
//! This is how department keys and the all-users key reach a user without
//! anyone knowing that user's password: a holder seals the key to the
//! user's public key. Grants use auth mode (format 2): only the holder of
//! the sender's private key can make a blob that opens against the sender's
//! public key, so the recipient knows who sealed it. Base mode (format 1,
//! anyone can seal) is read only for grants made by vaults of format 1.
//! Blob layout: `format (1) || enc (32) || ct || tag`.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use zeroize::{Zeroize, Zeroizing};

use super::{Aad, BLOB_V1, CryptoError, Plaintext};

/// Format byte of an auth-mode blob (the sender is authenticated).
const BLOB_AUTH: u8 = 0x02;

type Kem = X25519HkdfSha256;
type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type PublicKey = <Kem as hpke::Kem>::PublicKey;
type EncappedKey = <Kem as hpke::Kem>::EncappedKey;

pub(crate) const PUBLIC_KEY_LEN: usize = 32;
const ENC_LEN: usize = 32;
const INFO: &[u8] = b"coffer/hpke-wrap/v1";

/// A user's X25519 key pair. The private half is wiped on drop (the
/// underlying dalek secret zeroizes itself) and never printed.
pub(crate) struct KeyPair {
    private: PrivateKey,
    public: [u8; PUBLIC_KEY_LEN],
}

impl KeyPair {
    pub(crate) fn generate() -> Self {
        let (private, public) = Kem::gen_keypair();
        Self {
            private,
            public: public_bytes(&public),
        }
    }

    /// Rebuilds a key pair from its serialized private key.
    pub(crate) fn from_private_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let private = PrivateKey::from_bytes(bytes).map_err(|_| CryptoError::Unauthentic)?;
        let public = public_bytes(&Kem::sk_to_pk(&private));
        Ok(Self { private, public })
    }

    /// The serialized private key, for sealing into the user's key bundle.
    pub(crate) fn expose_private_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut bytes = self.private.to_bytes();
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&bytes);
        bytes.as_mut_slice().zeroize();
        out
    }

    pub(crate) fn public_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.public
    }

    /// Opens a blob that [`seal_to`] sealed to this key pair's public key
    /// (base mode: the sender is not authenticated).
    pub(crate) fn open(&self, aad: &Aad, blob: &[u8]) -> Result<Plaintext, CryptoError> {
        self.open_as(aad, blob, BLOB_V1, &OpModeR::Base)
    }

    /// Opens a blob that [`KeyPair::seal_from`] sealed to this key pair,
    /// failing unless the holder of `sender_public` sealed it.
    pub(crate) fn open_from(
        &self,
        sender_public: &[u8],
        aad: &Aad,
        blob: &[u8],
    ) -> Result<Plaintext, CryptoError> {
        let sender = PublicKey::from_bytes(sender_public).map_err(|_| CryptoError::Unauthentic)?;
        self.open_as(aad, blob, BLOB_AUTH, &OpModeR::Auth(sender))
    }

    fn open_as(
        &self,
        aad: &Aad,
        blob: &[u8],
        expected: u8,
        mode: &OpModeR<Kem>,
    ) -> Result<Plaintext, CryptoError> {
        let (&format, rest) = blob.split_first().ok_or(CryptoError::Truncated)?;
        if format != expected {
            return Err(CryptoError::UnknownFormat(format));
        }
        if rest.len() < ENC_LEN + 16 {
            return Err(CryptoError::Truncated);
        }
        let (enc, ct) = rest.split_at(ENC_LEN);
        let enc = EncappedKey::from_bytes(enc).map_err(|_| CryptoError::Unauthentic)?;
        hpke::single_shot_open::<AesGcm256, HkdfSha256, Kem>(
            mode,
            &self.private,
            &enc,
            INFO,
            ct,
            &aad.encode(format),
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Unauthentic)
    }

    /// Seals `plaintext` to the holder of `public_key`, authenticated as
    /// coming from this key pair (HPKE auth mode).
    pub(crate) fn seal_from(
        &self,
        public_key: &[u8],
        aad: &Aad,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let me = KeyPair::from_private_bytes(self.expose_private_bytes().as_slice())?;
        let sender = PublicKey::from_bytes(&self.public).map_err(|_| CryptoError::Unauthentic)?;
        seal_as(
            public_key,
            aad,
            plaintext,
            BLOB_AUTH,
            &OpModeS::Auth((me.private, sender)),
        )
    }
}

/// Seals `plaintext` to the holder of `public_key`, bound to `aad` (base
/// mode: anyone could have sealed it). Coffer no longer makes these; tests
/// do, to show they are refused.
#[cfg(test)]
pub(crate) fn seal_to(
    public_key: &[u8],
    aad: &Aad,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal_as(public_key, aad, plaintext, BLOB_V1, &OpModeS::Base)
}

fn seal_as(
    public_key: &[u8],
    aad: &Aad,
    plaintext: &[u8],
    format: u8,
    mode: &OpModeS<Kem>,
) -> Result<Vec<u8>, CryptoError> {
    let pk = PublicKey::from_bytes(public_key).map_err(|_| CryptoError::Unauthentic)?;
    let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, Kem>(
        mode,
        &pk,
        INFO,
        plaintext,
        &aad.encode(format),
    )
    .map_err(|_| CryptoError::Unauthentic)?;
    let mut out = Vec::with_capacity(1 + ENC_LEN + ct.len());
    out.push(format);
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ct);
    Ok(out)
}

fn public_bytes(pk: &PublicKey) -> [u8; PUBLIC_KEY_LEN] {
    let mut out = [0u8; PUBLIC_KEY_LEN];
    out.copy_from_slice(&pk.to_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let pair = KeyPair::generate();
        let aad = Aad::new("key_grants", 3, "sealed", 1);
        let blob = seal_to(pair.public_bytes(), &aad, b"department key").expect("seal");
        assert_eq!(blob[0], BLOB_V1);
        let opened = pair.open(&aad, &blob).expect("open");
        assert_eq!(opened.as_slice(), b"department key");
    }

    #[test]
    fn auth_mode_names_the_sender() {
        let (alice, bob, mallory) = (
            KeyPair::generate(),
            KeyPair::generate(),
            KeyPair::generate(),
        );
        let aad = Aad::new("key_grants", 3, "sealed", 1);
        let blob = alice
            .seal_from(bob.public_bytes(), &aad, b"k")
            .expect("seal");
        assert_eq!(blob[0], BLOB_AUTH);
        let opened = bob
            .open_from(alice.public_bytes(), &aad, &blob)
            .expect("open");
        assert_eq!(opened.as_slice(), b"k");
        // Another claimed sender, or a base-mode reader, fails.
        assert!(bob.open_from(mallory.public_bytes(), &aad, &blob).is_err());
        assert!(bob.open(&aad, &blob).is_err());
        // A base-mode blob is not accepted as authenticated.
        let base = seal_to(bob.public_bytes(), &aad, b"k").expect("seal");
        assert!(bob.open_from(alice.public_bytes(), &aad, &base).is_err());
    }

    #[test]
    fn private_key_round_trips() {
        let pair = KeyPair::generate();
        let again =
            KeyPair::from_private_bytes(pair.expose_private_bytes().as_slice()).expect("parse");
        assert_eq!(pair.public_bytes(), again.public_bytes());
    }

    #[test]
    fn other_recipient_or_context_fails() {
        let pair = KeyPair::generate();
        let aad = Aad::new("key_grants", 3, "sealed", 1);
        let blob = seal_to(pair.public_bytes(), &aad, b"k").expect("seal");
        assert_eq!(
            KeyPair::generate().open(&aad, &blob).err(),
            Some(CryptoError::Unauthentic)
        );
        let moved = Aad::new("key_grants", 4, "sealed", 1);
        assert_eq!(
            pair.open(&moved, &blob).err(),
            Some(CryptoError::Unauthentic)
        );
        assert_eq!(
            pair.open(&aad, &blob[..20]).err(),
            Some(CryptoError::Truncated)
        );
    }
}

//! AES-256-GCM with random 96-bit nonces and context-binding associated data.
//!
//! Blob layout: `format (1) || nonce (12) || ciphertext || tag (16)`. The
//! format byte is itself part of the associated data, so a blob cannot be
//! relabelled as another format version.

use aes_gcm::aead::{Aead as _, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use std::sync::OnceLock;

use zeroize::{Zeroize, Zeroizing};

use super::{BLOB_V1, CryptoError, Plaintext, random_bytes};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// A 256-bit symmetric key: a data key, a department key, the all-users key,
/// a personal key or a password-derived key. Wiped on drop (the expanded
/// cipher too: aes-gcm is built with `zeroize`); never printed.
pub(crate) struct SymKey(Zeroizing<[u8; 32]>, OnceLock<Aes256Gcm>);

impl SymKey {
    pub(crate) fn generate() -> Self {
        Self::from_bytes(random_bytes())
    }

    /// Takes ownership of raw key bytes (from a KDF or an unwrapped blob).
    pub(crate) fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = Self(Zeroizing::new(bytes), OnceLock::new());
        bytes.zeroize();
        key
    }

    /// Rebuilds a key from an unwrapped plaintext of exactly 32 bytes.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Unauthentic)?;
        Ok(Self::from_bytes(arr))
    }

    /// The raw key bytes, for wrapping this key under another one or for
    /// storing a device key in the OS keyring. Every caller is a place where
    /// key material leaves this type on purpose.
    pub(crate) fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encrypts `plaintext` under this key, bound to `aad`.
    pub(crate) fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Vec<u8> {
        let cipher = self.cipher();
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes();
        let nonce = Nonce::from(nonce_bytes);
        let ad = aad.encode(BLOB_V1);
        // Encryption only fails for plaintexts over 64 GiB, which no caller
        // can produce (inputs are validated far below that).
        #[allow(clippy::expect_used)]
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &ad,
                },
            )
            .expect("AES-GCM encryption of a bounded plaintext cannot fail");
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.push(BLOB_V1);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts a blob made by [`SymKey::seal`] with the same `aad`.
    pub(crate) fn open(&self, aad: &Aad, blob: &[u8]) -> Result<Plaintext, CryptoError> {
        let (&format, rest) = blob.split_first().ok_or(CryptoError::Truncated)?;
        if format != BLOB_V1 {
            return Err(CryptoError::UnknownFormat(format));
        }
        if blob.len() < OVERHEAD {
            return Err(CryptoError::Truncated);
        }
        let (nonce_bytes, ct) = rest.split_at(NONCE_LEN);
        let nonce_arr: [u8; NONCE_LEN] =
            nonce_bytes.try_into().map_err(|_| CryptoError::Truncated)?;
        let ad = aad.encode(format);
        self.cipher()
            .decrypt(&Nonce::from(nonce_arr), Payload { msg: ct, aad: &ad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unauthentic)
    }

    /// The expanded cipher, made once per key: a scope key opens thousands
    /// of wraps when the table loads.
    fn cipher(&self) -> &Aes256Gcm {
        // A 32-byte slice is always a valid AES-256 key.
        #[allow(clippy::expect_used)]
        self.1
            .get_or_init(|| Aes256Gcm::new_from_slice(self.0.as_slice()).expect("32-byte key"))
    }
}

/// Associated data: where a ciphertext lives and which version it belongs
/// to, plus any plaintext row fields it vouches for. A blob copied to another
/// table, row, column or version, or whose vouched-for fields were edited,
/// fails to decrypt.
pub(crate) struct Aad<'a> {
    table: &'static str,
    row: i64,
    column: &'a str,
    version: i64,
    extra: &'a [u8],
}

impl<'a> Aad<'a> {
    pub(crate) fn new(table: &'static str, row: i64, column: &'a str, version: i64) -> Self {
        Self {
            table,
            row,
            column,
            version,
            extra: &[],
        }
    }

    /// Binds further context (a canonical encoding of plaintext row fields).
    pub(crate) fn with_extra(mut self, extra: &'a [u8]) -> Self {
        self.extra = extra;
        self
    }

    /// Length-prefixed encoding, so no two distinct contexts collide.
    pub(crate) fn encode(&self, format: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.extra.len());
        out.extend_from_slice(b"coffer/aad");
        out.push(format);
        for part in [self.table.as_bytes(), self.column.as_bytes(), self.extra] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.row.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad() -> Aad<'static> {
        Aad::new("secrets", 7, "fields", 3)
    }

    #[test]
    fn round_trip() {
        let key = SymKey::generate();
        let blob = key.seal(&aad(), b"hunter2");
        assert_eq!(blob[0], BLOB_V1);
        assert_eq!(blob.len(), OVERHEAD + 7);
        assert_eq!(
            key.open(&aad(), &blob).as_deref().map(|v| v.as_slice()),
            Ok(&b"hunter2"[..])
        );
    }

    #[test]
    fn nonces_are_fresh() {
        let key = SymKey::generate();
        assert_ne!(key.seal(&aad(), b"x"), key.seal(&aad(), b"x"));
    }

    #[test]
    fn any_context_change_fails() {
        let key = SymKey::generate();
        let blob = key.seal(&aad(), b"v");
        for other in [
            Aad::new("secret_versions", 7, "fields", 3),
            Aad::new("secrets", 8, "fields", 3),
            Aad::new("secrets", 7, "meta", 3),
            Aad::new("secrets", 7, "fields", 4),
            Aad::new("secrets", 7, "fields", 3).with_extra(b"active=0"),
        ] {
            assert_eq!(
                key.open(&other, &blob).err(),
                Some(CryptoError::Unauthentic)
            );
        }
    }

    #[test]
    fn wrong_key_truncation_and_format_are_refused() {
        let key = SymKey::generate();
        let blob = key.seal(&aad(), b"v");
        assert_eq!(
            SymKey::generate().open(&aad(), &blob).err(),
            Some(CryptoError::Unauthentic)
        );
        assert_eq!(
            key.open(&aad(), &blob[..10]).err(),
            Some(CryptoError::Truncated)
        );
        assert_eq!(key.open(&aad(), &[]).err(), Some(CryptoError::Truncated));
        let mut relabelled = blob.clone();
        relabelled[0] = 0x02;
        assert_eq!(
            key.open(&aad(), &relabelled).err(),
            Some(CryptoError::UnknownFormat(2))
        );
        let mut flipped = blob;
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            key.open(&aad(), &flipped).err(),
            Some(CryptoError::Unauthentic)
        );
    }
}

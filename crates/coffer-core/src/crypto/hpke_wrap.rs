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
//!
//! A [`SealingContext`] seals many small messages to one recipient with one
//! encapsulation (format 3): an import writes thousands of audit entries,
//! and a fresh encapsulation for each (two X25519 multiplications and a key
//! generation per entry and reader) was most of its time. It is the same
//! auth-mode setup, used in export-only mode (RFC 9180 §5.3): each message
//! gets its own AES-256-GCM key exported under its associated data, and a
//! fresh random nonce. Blob layout: `format (1) || enc (32) || an
//! AES-GCM blob (format 1)` under the exported key. The recipient learns
//! which messages were sealed in the same context (the same `enc`), which
//! for the audit log is one transaction by one actor: its columns say so.

use std::collections::HashMap;

use hpke::aead::{AesGcm256, ExportOnlyAead};
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use zeroize::{Zeroize, Zeroizing};

use super::{Aad, BLOB_V1, CryptoError, Plaintext, SymKey};

/// Format byte of an auth-mode blob (the sender is authenticated).
const BLOB_AUTH: u8 = 0x02;
/// Format byte of a blob sealed through a [`SealingContext`] (auth mode,
/// the key exported per message).
const BLOB_AUTH_CONTEXT: u8 = 0x03;

type Kem = X25519HkdfSha256;
type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type PublicKey = <Kem as hpke::Kem>::PublicKey;
type EncappedKey = <Kem as hpke::Kem>::EncappedKey;
type ExportCtxS = hpke::aead::AeadCtxS<ExportOnlyAead, HkdfSha256, Kem>;
type ExportCtxR = hpke::aead::AeadCtxR<ExportOnlyAead, HkdfSha256, Kem>;

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
        let sender = PublicKey::from_bytes(&self.public).map_err(|_| CryptoError::Unauthentic)?;
        seal_as(
            public_key,
            aad,
            plaintext,
            BLOB_AUTH,
            &OpModeS::Auth((self.private.clone(), sender)),
        )
    }

    /// One auth-mode encapsulation to the holder of `public_key`, for
    /// sealing many messages to them (see [`SealingContext`]).
    pub(crate) fn sealing_context_to(
        &self,
        public_key: &[u8],
    ) -> Result<SealingContext, CryptoError> {
        let pk = PublicKey::from_bytes(public_key).map_err(|_| CryptoError::Unauthentic)?;
        let sender = PublicKey::from_bytes(&self.public).map_err(|_| CryptoError::Unauthentic)?;
        let mode = OpModeS::Auth((self.private.clone(), sender));
        let (enc, ctx) = hpke::setup_sender::<ExportOnlyAead, HkdfSha256, Kem>(&mode, &pk, INFO)
            .map_err(|_| CryptoError::Unauthentic)?;
        let mut enc_bytes = [0u8; ENC_LEN];
        enc_bytes.copy_from_slice(&enc.to_bytes());
        Ok(SealingContext {
            enc: enc_bytes,
            ctx,
        })
    }
}

/// The AES-256-GCM key of one message of a sealing context: exported
/// under the message's associated data, so no two messages share a key.
fn message_key(
    export: impl FnOnce(&[u8], &mut [u8]) -> Result<(), hpke::HpkeError>,
    aad: &Aad,
) -> Result<SymKey, CryptoError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    export(&aad.encode(BLOB_AUTH_CONTEXT), bytes.as_mut_slice())
        .map_err(|_| CryptoError::Unauthentic)?;
    Ok(SymKey::from_bytes(*bytes))
}

/// Seals many messages from one sender to one recipient with a single
/// encapsulation (module docs). The context's secrets are wiped on drop
/// (hpke zeroizes them); never printed.
pub(crate) struct SealingContext {
    enc: [u8; ENC_LEN],
    ctx: ExportCtxS,
}

impl SealingContext {
    /// Seals `plaintext` bound to `aad`, which must differ for every
    /// message of this context (it names the message's row and recipient).
    pub(crate) fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = message_key(|ctx, out| self.ctx.export(ctx, out), aad)?;
        let inner = key.seal(aad, plaintext);
        let mut out = Vec::with_capacity(1 + ENC_LEN + inner.len());
        out.push(BLOB_AUTH_CONTEXT);
        out.extend_from_slice(&self.enc);
        out.extend_from_slice(&inner);
        Ok(out)
    }
}

/// Opens auth-mode blobs sealed to one key pair, one at a time
/// ([`KeyPair::seal_from`]) or through a sealing context, remembering each
/// context it set up, so a run of messages from one context costs one
/// decapsulation.
pub(crate) struct Opener<'k> {
    me: &'k KeyPair,
    contexts: HashMap<([u8; PUBLIC_KEY_LEN], [u8; ENC_LEN]), ExportCtxR>,
}

impl<'k> Opener<'k> {
    pub(crate) fn new(me: &'k KeyPair) -> Self {
        Self {
            me,
            contexts: HashMap::new(),
        }
    }

    /// Opens a blob sealed to this key pair, failing unless the holder of
    /// `sender_public` sealed it.
    pub(crate) fn open_from(
        &mut self,
        sender_public: &[u8],
        aad: &Aad,
        blob: &[u8],
    ) -> Result<Plaintext, CryptoError> {
        let (&format, rest) = blob.split_first().ok_or(CryptoError::Truncated)?;
        if format != BLOB_AUTH_CONTEXT {
            return self.me.open_from(sender_public, aad, blob);
        }
        if rest.len() < ENC_LEN {
            return Err(CryptoError::Truncated);
        }
        let (enc, inner) = rest.split_at(ENC_LEN);
        let sender: [u8; PUBLIC_KEY_LEN] = sender_public
            .try_into()
            .map_err(|_| CryptoError::Unauthentic)?;
        let enc: [u8; ENC_LEN] = enc.try_into().map_err(|_| CryptoError::Truncated)?;
        let ctx = match self.contexts.entry((sender, enc)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let pk = PublicKey::from_bytes(&sender).map_err(|_| CryptoError::Unauthentic)?;
                let encapped =
                    EncappedKey::from_bytes(&enc).map_err(|_| CryptoError::Unauthentic)?;
                let ctx = hpke::setup_receiver::<ExportOnlyAead, HkdfSha256, Kem>(
                    &OpModeR::Auth(pk),
                    &self.me.private,
                    &encapped,
                    INFO,
                )
                .map_err(|_| CryptoError::Unauthentic)?;
                e.insert(ctx)
            }
        };
        let key = message_key(|c, out| ctx.export(c, out), aad)?;
        key.open(aad, inner)
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
    fn a_sealing_context_seals_many_messages_each_bound_to_its_place() {
        let (alice, bob, mallory) = (
            KeyPair::generate(),
            KeyPair::generate(),
            KeyPair::generate(),
        );
        let ctx = alice
            .sealing_context_to(bob.public_bytes())
            .expect("context");
        let aads: Vec<Aad> = (1..=3)
            .map(|i| Aad::new("audit_log", i, "detail", 2))
            .collect();
        let blobs: Vec<Vec<u8>> = aads
            .iter()
            .map(|aad| ctx.seal(aad, b"KEY_NAME").expect("seal"))
            .collect();
        assert!(blobs.iter().all(|b| b[0] == BLOB_AUTH_CONTEXT));
        // One encapsulation for all of them, yet each message its own key
        // and nonce.
        assert_eq!(blobs[0][1..33], blobs[1][1..33]);
        assert_ne!(blobs[0][33..], blobs[1][33..]);
        let mut opener = Opener::new(&bob);
        for (aad, blob) in aads.iter().zip(&blobs) {
            let opened = opener
                .open_from(alice.public_bytes(), aad, blob)
                .expect("open");
            assert_eq!(opened.as_slice(), b"KEY_NAME");
        }
        assert_eq!(opener.contexts.len(), 1, "one decapsulation for the run");
        // Moved to another message's place, claimed by another sender,
        // opened by another recipient, altered or cut: refused.
        assert_eq!(
            opener
                .open_from(alice.public_bytes(), &aads[1], &blobs[0])
                .err(),
            Some(CryptoError::Unauthentic)
        );
        assert!(
            Opener::new(&bob)
                .open_from(mallory.public_bytes(), &aads[0], &blobs[0])
                .is_err()
        );
        assert!(
            Opener::new(&mallory)
                .open_from(alice.public_bytes(), &aads[0], &blobs[0])
                .is_err()
        );
        let mut flipped = blobs[0].clone();
        flipped[40] ^= 1;
        assert!(
            opener
                .open_from(alice.public_bytes(), &aads[0], &flipped)
                .is_err()
        );
        let mut other_enc = blobs[0].clone();
        other_enc[5] ^= 1;
        assert!(
            Opener::new(&bob)
                .open_from(alice.public_bytes(), &aads[0], &other_enc)
                .is_err()
        );
        assert_eq!(
            opener
                .open_from(alice.public_bytes(), &aads[0], &blobs[0][..20])
                .err(),
            Some(CryptoError::Truncated)
        );
        // The one-at-a-time format still opens through the opener; grants
        // (`open_from` on the key pair) take only that format.
        let single = alice
            .seal_from(bob.public_bytes(), &aads[0], b"k")
            .expect("seal");
        assert_eq!(
            opener
                .open_from(alice.public_bytes(), &aads[0], &single)
                .expect("open")
                .as_slice(),
            b"k"
        );
        assert_eq!(
            bob.open_from(alice.public_bytes(), &aads[0], &blobs[0])
                .err(),
            Some(CryptoError::UnknownFormat(BLOB_AUTH_CONTEXT))
        );
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

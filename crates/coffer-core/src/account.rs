//! A user's key bundle and the locks on it.
//!
//! A user's long-term secrets are their identity (Ed25519) key and their
//! X25519 key, made on their own device when they first sign in. They are
//! stored sealed under a key derived from the password (Argon2id; salt,
//! cost and both public keys bound into the associated data) and, for each
//! remembered device, under a random device key kept in the OS keyring.
//! Every scope key reaches the user as a grant to the X25519 key.
//!
//! Before that first sign-in an account holds nothing but a salt: the
//! initial password derives a one-time enrollment key whose public half the
//! admin signed into the directory. The initial password seals nothing, so
//! whoever knows it (the admin who set it) cannot read what the user later
//! keeps.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::api::KdfProfile;
use crate::crypto::{
    Aad, KdfParams, KeyPair, SALT_LEN, SignKey, SymKey, derive_password_key, derive_seed,
    random_bytes,
};
use crate::error::{Error, Result};
use crate::keys::Identity;
use crate::store::Store;
use crate::trust::state::{Config, PastKeys, State, UserEntry};

/// Password hashing parameters as stored for a user: refused below the
/// floor unless the (signed) vault configuration says it is a test vault,
/// so lowering them in the storage gains an attacker nothing.
///
/// Refused above the ceiling too, whatever the profile: the storage must
/// not be able to make a sign-in allocate or run without bound.
pub(crate) fn check_floor(params: &KdfParams, config: &Config) -> Result<()> {
    if !params.within_ceiling() {
        return Err(Error::Integrity(
            "the stored password hashing parameters (above the maximum cost)".into(),
        ));
    }
    if config.kdf_profile == KdfProfile::InsecureTest || params.meets_floor() {
        Ok(())
    } else {
        Err(Error::Integrity(
            "the stored password hashing parameters (below the minimum cost)".into(),
        ))
    }
}

/// The cost for a new password: the vault's signed setting, never below the
/// floor for a standard vault.
pub(crate) fn new_password_params(config: &Config) -> KdfParams {
    match config.kdf_profile {
        KdfProfile::InsecureTest => config.kdf,
        KdfProfile::Standard => KdfParams {
            m_kib: config.kdf.m_kib.max(KdfParams::FLOOR.m_kib),
            t: config.kdf.t.max(KdfParams::FLOOR.t),
            p: config.kdf.p.max(KdfParams::FLOOR.p),
        },
    }
}

fn kdf_error(_: argon2::Error) -> Error {
    Error::Integrity("the password hashing parameters".into())
}

/// A password-derived key with the salt and cost that made it.
pub(crate) struct PasswordLock {
    salt: [u8; SALT_LEN],
    params: KdfParams,
    kek: SymKey,
}

/// The associated data of a bundle: whose it is, the salt and cost that
/// lock it, and the public keys it must open to.
fn bundle_extra(
    salt: &[u8],
    params: &KdfParams,
    identity_public: &[u8],
    enc_public: &[u8],
) -> Vec<u8> {
    let mut extra = Vec::with_capacity(SALT_LEN + 12 + 64);
    extra.extend_from_slice(salt);
    extra.extend_from_slice(&params.encode());
    extra.extend_from_slice(identity_public);
    extra.extend_from_slice(enc_public);
    extra
}

/// The private keys as sealed: sign seed, then X25519 private key, then
/// each replaced X25519 private key, oldest first (32 bytes each).
pub(crate) fn identity_bytes(identity: &Identity) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(64 + 32 * identity.past.len()));
    out.extend_from_slice(identity.sign.expose_seed().as_slice());
    out.extend_from_slice(identity.enc.expose_private_bytes().as_slice());
    for k in &identity.past {
        out.extend_from_slice(k.expose_private_bytes().as_slice());
    }
    out
}

/// Rebuilds the keys and checks them against the directory's public keys
/// (`past`: the user's replaced ones).
fn identity_from(bytes: &[u8], user: &UserEntry, past: &[PastKeys]) -> Result<Identity> {
    let bad = || Error::Integrity("your key bundle".into());
    if bytes.len() != 64 + 32 * past.len() {
        return Err(bad());
    }
    let sign = SignKey::from_slice(&bytes[..32]).map_err(|_| bad())?;
    let enc = KeyPair::from_private_bytes(&bytes[32..64]).map_err(|_| bad())?;
    if Some(&sign.public()) != user.sign_key() || Some(enc.public_bytes()) != user.enc_key() {
        return Err(Error::Integrity(
            "your keys (they differ from the directory's)".into(),
        ));
    }
    let past = bytes[64..]
        .chunks_exact(32)
        .zip(past)
        .map(|(k, p)| {
            let pair = KeyPair::from_private_bytes(k).map_err(|_| bad())?;
            if *pair.public_bytes() == p.enc {
                Ok(pair)
            } else {
                Err(bad())
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Identity { sign, enc, past })
}

impl PasswordLock {
    /// Derives a new lock (fresh salt) from a password. Slow by design: run
    /// it outside write transactions.
    pub(crate) fn new(password: &SecretString, params: KdfParams) -> Result<Self> {
        let salt = random_bytes();
        let kek = derive_password_key(password.expose_secret().as_bytes(), &salt, &params)
            .map_err(kdf_error)?;
        Ok(Self { salt, params, kek })
    }

    fn seal(&self, user_id: i64, identity: &Identity) -> Vec<u8> {
        let extra = bundle_extra(
            &self.salt,
            &self.params,
            &identity.sign.public(),
            identity.enc.public_bytes(),
        );
        let aad = Aad::new("users", user_id, "password_bundle", 2).with_extra(&extra);
        self.kek.seal(&aad, &identity_bytes(identity))
    }

    /// Stores this lock and the bundle it seals on a user's row.
    pub(crate) fn store(&self, db: &dyn Store, user_id: i64, identity: &Identity) -> Result<()> {
        db.set_bundle(
            user_id,
            &self.salt,
            self.params,
            &self.seal(user_id, identity),
            identity.enc.public_bytes(),
        )
    }
}

/// A new account's enrollment key, derived from its initial password:
/// (salt, cost, the key). The admin stores the salt and cost and signs the
/// public key into the directory.
pub(crate) fn enrollment_key(
    password: &SecretString,
    params: KdfParams,
) -> Result<([u8; SALT_LEN], KdfParams, SignKey)> {
    let salt = random_bytes();
    let seed =
        derive_seed(password.expose_secret().as_bytes(), &salt, &params).map_err(kdf_error)?;
    Ok((salt, params, SignKey::from_seed(&seed)))
}

/// What is stored to check a password.
pub(crate) struct StoredLock {
    pub salt: Vec<u8>,
    pub params: KdfParams,
    pub bundle: Vec<u8>,
    /// For an account of format 1 being upgraded: its enrollment seed,
    /// sealed by the owner to its old key.
    pub enroll_seal: Option<Vec<u8>>,
}

pub(crate) fn stored_lock(db: &dyn Store, user_id: i64) -> Result<Option<StoredLock>> {
    let Some(row) = db.password_lock(user_id)? else {
        return Ok(None);
    };
    // A damaged row is that account's problem alone, reported when used.
    let (Some(salt), Some(params), Some(bundle)) = (row.salt, row.params, row.bundle) else {
        return Err(Error::Integrity(
            "your account's stored password data".into(),
        ));
    };
    Ok(Some(StoredLock {
        salt,
        params,
        bundle,
        enroll_seal: row.enroll_seal,
    }))
}

fn salt_of(lock: &StoredLock) -> Result<[u8; SALT_LEN]> {
    lock.salt
        .as_slice()
        .try_into()
        .map_err(|_| Error::Integrity("the password salt".into()))
}

/// Opens an enrolled user's bundle with their password (the directory as
/// `dir`). `None` for a wrong password. A bundle that opens only as sealed
/// to keys the user had before (`State::past_keys`) means the directory
/// names keys this account did not make: someone holding the old ones (a
/// stolen device, an old password with an old copy) replaced them.
pub(crate) fn open_with_password(
    dir: &State,
    user: &UserEntry,
    lock: &StoredLock,
    password: &SecretString,
) -> Result<Option<Identity>> {
    check_floor(&lock.params, &dir.config)?;
    let salt = salt_of(lock)?;
    let (Some(sign), Some(enc)) = (user.sign_key(), user.enc_key()) else {
        return Ok(None);
    };
    let kek = derive_password_key(password.expose_secret().as_bytes(), &salt, &lock.params)
        .map_err(kdf_error)?;
    let opens = |sign: &[u8], enc: &[u8]| {
        let extra = bundle_extra(&salt, &lock.params, sign, enc);
        let aad = Aad::new("users", user.id, "password_bundle", 2).with_extra(&extra);
        kek.open(&aad, &lock.bundle).ok()
    };
    if let Some(plain) = opens(sign, enc) {
        return identity_from(&plain, user, dir.past_keys(user.id)).map(Some);
    }
    if dir
        .past_keys(user.id)
        .iter()
        .any(|p| opens(&p.sign, &p.enc).is_some())
    {
        return Err(Error::Integrity(
            "your keys: the directory names keys you did not make (someone holding your old \
             ones, from a lost device or an old password, replaced them): tell an admin at \
             once, who disables the account"
                .into(),
        ));
    }
    Ok(None)
}

/// The enrollment key a new account's initial password derives. `None`
/// when the password does not match the key the admin signed.
pub(crate) fn open_enrollment(
    enroll_public: &[u8],
    lock: &StoredLock,
    password: &SecretString,
    config: &Config,
) -> Result<Option<SignKey>> {
    check_floor(&lock.params, config)?;
    let salt = salt_of(lock)?;
    let seed =
        derive_seed(password.expose_secret().as_bytes(), &salt, &lock.params).map_err(kdf_error)?;
    let key = SignKey::from_seed(&seed);
    Ok((key.public().as_slice() == enroll_public).then_some(key))
}

/// Runs the KDF for a name that does not exist, so a wrong username takes
/// as long as a wrong password and reveals nothing.
pub(crate) fn burn_time(params: &KdfParams) {
    let _ = derive_password_key(b"no such user", &[0; SALT_LEN], params);
}

fn device_extra(user: &UserEntry) -> Vec<u8> {
    let mut extra = user.id.to_le_bytes().to_vec();
    extra.extend_from_slice(user.sign_key().map_or(&[][..], |k| k.as_slice()));
    extra.extend_from_slice(user.enc_key().map_or(&[][..], |k| k.as_slice()));
    extra
}

/// Seals a bundle under a device key, for a remembered device.
pub(crate) fn seal_for_device(
    device_key: &SymKey,
    device_id: i64,
    user: &UserEntry,
    identity: &Identity,
) -> Vec<u8> {
    seal_bytes_for_device(device_key, device_id, user, &identity_bytes(identity))
}

/// Seals a bundle's plaintext (sign seed, then X25519 private key) under a
/// device key.
pub(crate) fn seal_bytes_for_device(
    device_key: &SymKey,
    device_id: i64,
    user: &UserEntry,
    plain: &[u8],
) -> Vec<u8> {
    device_key.seal(
        &Aad::new("devices", device_id, "bundle", 2).with_extra(&device_extra(user)),
        plain,
    )
}

/// Opens a remembered device's bundle (`past`: the user's replaced keys,
/// as the directory lists them). `None` when it does not open.
pub(crate) fn open_for_device(
    device_key: &SymKey,
    device_id: i64,
    user: &UserEntry,
    past: &[PastKeys],
    bundle: &[u8],
) -> Option<Identity> {
    let plain = device_key
        .open(
            &Aad::new("devices", device_id, "bundle", 2).with_extra(&device_extra(user)),
            bundle,
        )
        .ok()?;
    identity_from(&plain, user, past).ok()
}

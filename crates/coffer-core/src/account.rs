//! A user's key bundle and the locks on it.
//!
//! A user's only long-term secret is their X25519 private key. It is stored
//! sealed under a key derived from their password (Argon2id, salt and cost
//! bound into the associated data) and, for each remembered device, under a
//! random device key kept in the OS keyring. Every other key the user holds
//! reaches them as an HPKE grant to the matching public key.

use rusqlite::{Connection, params};
use secrecy::{ExposeSecret, SecretString};

use crate::crypto::{Aad, KdfParams, KeyPair, SALT_LEN, SymKey, derive_password_key, random_bytes};
use crate::error::{Error, Result};
use crate::model::{Role, Timestamp};

/// A password-derived key with the salt and cost that made it.
pub(crate) struct PasswordLock {
    salt: [u8; SALT_LEN],
    params: KdfParams,
    kek: SymKey,
}

fn password_aad_extra(salt: &[u8], params: &KdfParams, public_key: &[u8]) -> Vec<u8> {
    let mut extra = Vec::with_capacity(SALT_LEN + 12 + public_key.len());
    extra.extend_from_slice(salt);
    extra.extend_from_slice(&params.encode());
    extra.extend_from_slice(public_key);
    extra
}

fn kdf_error(_: argon2::Error) -> Error {
    Error::Integrity("the password hashing parameters".into())
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

    pub(crate) fn seal_bundle(&self, user_id: i64, pair: &KeyPair) -> Vec<u8> {
        let extra = password_aad_extra(&self.salt, &self.params, pair.public_bytes());
        let aad = Aad::new("users", user_id, "password_bundle", 1).with_extra(&extra);
        self.kek.seal(&aad, pair.expose_private_bytes().as_slice())
    }

    /// Stores this lock and the bundle it seals on a user's row.
    pub(crate) fn store(&self, conn: &Connection, user_id: i64, pair: &KeyPair) -> Result<()> {
        conn.execute(
            "UPDATE users SET kdf_salt = ?2, kdf_m = ?3, kdf_t = ?4, kdf_p = ?5, password_bundle = ?6 WHERE id = ?1",
            params![
                user_id,
                self.salt.to_vec(),
                self.params.m_kib,
                self.params.t,
                self.params.p,
                self.seal_bundle(user_id, pair)
            ],
        )?;
        Ok(())
    }
}

/// What is stored to check a password.
pub(crate) struct StoredLock {
    pub salt: Vec<u8>,
    pub params: KdfParams,
    pub bundle: Vec<u8>,
    pub public_key: Vec<u8>,
}

pub(crate) fn stored_lock(conn: &Connection, user_id: i64) -> Result<StoredLock> {
    Ok(conn.query_row(
        "SELECT kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, public_key FROM users WHERE id = ?1",
        [user_id],
        |r| {
            Ok(StoredLock {
                salt: r.get(0)?,
                params: KdfParams { m_kib: r.get(1)?, t: r.get(2)?, p: r.get(3)? },
                bundle: r.get(4)?,
                public_key: r.get(5)?,
            })
        },
    )?)
}

/// Opens a user's bundle with their password. `None` for a wrong password.
pub(crate) fn open_with_password(
    user_id: i64,
    lock: &StoredLock,
    password: &SecretString,
) -> Result<Option<KeyPair>> {
    let salt: [u8; SALT_LEN] = lock
        .salt
        .as_slice()
        .try_into()
        .map_err(|_| Error::Integrity("the password salt".into()))?;
    let kek = derive_password_key(password.expose_secret().as_bytes(), &salt, &lock.params)
        .map_err(kdf_error)?;
    let extra = password_aad_extra(&salt, &lock.params, &lock.public_key);
    let aad = Aad::new("users", user_id, "password_bundle", 1).with_extra(&extra);
    let Ok(private) = kek.open(&aad, &lock.bundle) else {
        return Ok(None);
    };
    checked_pair(&private, &lock.public_key).map(Some)
}

/// Rebuilds the key pair and checks it matches the stored public key.
pub(crate) fn checked_pair(private: &[u8], public_key: &[u8]) -> Result<KeyPair> {
    let pair = KeyPair::from_private_bytes(private)
        .map_err(|_| Error::Integrity("your key bundle".into()))?;
    if pair.public_bytes().as_slice() != public_key {
        return Err(Error::Integrity("your public key".into()));
    }
    Ok(pair)
}

/// Runs the KDF for a name that does not exist, so a wrong username takes
/// as long as a wrong password and reveals nothing.
pub(crate) fn burn_time(params: &KdfParams) {
    let _ = derive_password_key(b"no such user", &[0; SALT_LEN], params);
}

/// Seals a bundle under a device key, for a remembered device.
pub(crate) fn seal_for_device(
    device_key: &SymKey,
    device_id: i64,
    user_id: i64,
    pair: &KeyPair,
) -> Vec<u8> {
    let extra = device_aad_extra(user_id, pair.public_bytes());
    device_key.seal(
        &Aad::new("devices", device_id, "bundle", 1).with_extra(&extra),
        pair.expose_private_bytes().as_slice(),
    )
}

pub(crate) fn open_for_device(
    device_key: &SymKey,
    device_id: i64,
    user_id: i64,
    public_key: &[u8],
    bundle: &[u8],
) -> Option<Zeroizing32> {
    let extra = device_aad_extra(user_id, public_key);
    device_key
        .open(
            &Aad::new("devices", device_id, "bundle", 1).with_extra(&extra),
            bundle,
        )
        .ok()
}

type Zeroizing32 = zeroize::Zeroizing<Vec<u8>>;

fn device_aad_extra(user_id: i64, public_key: &[u8]) -> Vec<u8> {
    let mut extra = user_id.to_le_bytes().to_vec();
    extra.extend_from_slice(public_key);
    extra
}

/// A new user row with a fresh key pair; memberships, grants and the record
/// MAC are the caller's to add.
pub(crate) struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub primary: Option<i64>,
    pub must_change_password: bool,
}

pub(crate) fn insert(
    conn: &Connection,
    acct: &NewAccount,
    lock: &PasswordLock,
    now: Timestamp,
) -> Result<(i64, KeyPair)> {
    let pair = KeyPair::generate();
    conn.execute(
        "INSERT INTO users (username, display_name, role, primary_dept_id, must_change_password, public_key,
                            kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, created_at, record_mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', 0, 0, 0, x'', ?7, x'')",
        params![
            acct.username,
            acct.display_name,
            acct.role.as_str(),
            acct.primary,
            acct.must_change_password,
            pair.public_bytes().to_vec(),
            now
        ],
    )
    .map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            Error::Conflict("a user with this username already exists".into())
        } else {
            e.into()
        }
    })?;
    let id = conn.last_insert_rowid();
    lock.store(conn, id, &pair)?;
    Ok((id, pair))
}

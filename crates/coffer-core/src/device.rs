//! "Remember this device": unlocking without a password through the OS
//! keyring (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows).
//!
//! Remembering a device makes a random device key, seals the user's key
//! bundle under it in the vault (`devices`), and stores the key only in the
//! OS keyring. The vault file alone therefore never unlocks anything, and
//! forgetting the device deletes both halves. Unlocking this way runs no
//! KDF, which keeps `coffer get` fast for scripts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::account;
use crate::api::DeviceInfo;
use crate::crypto::SymKey;
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::keys::Identity;
use crate::store::Store;
use crate::trust::state::{State, UserEntry};

/// Where device keys are kept. [`OsKeyring`] in the product; tests may use
/// their own.
pub trait CredentialStore {
    fn load(&self, account: &str) -> Result<Option<SecretString>>;
    fn save(&self, account: &str, secret: &SecretString) -> Result<()>;
    /// Returns whether there was an entry to delete.
    fn delete(&self, account: &str) -> Result<bool>;
}

/// A keyring in memory, for tests and benchmarks that must not touch the
/// OS keyring. Clones share their entries (one "machine" seen by several
/// handles, or an app started again); values are wiped when dropped.
#[derive(Default, Clone)]
pub struct MemoryStore(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, zeroize::Zeroizing<String>>>>,
);

impl MemoryStore {
    fn entries(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, zeroize::Zeroizing<String>>>
    {
        // A panic elsewhere while holding the lock leaves a usable map.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self, account: &str) -> Result<Option<SecretString>> {
        Ok(self
            .entries()
            .get(account)
            .map(|s| SecretString::from(s.as_str())))
    }

    fn save(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.entries().insert(
            account.into(),
            zeroize::Zeroizing::new(secret.expose_secret().to_owned()),
        );
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<bool> {
        Ok(self.entries().remove(account).is_some())
    }
}

/// The operating system's keyring, through the `keyring` crate.
pub struct OsKeyring;

const SERVICE: &str = "coffer";

fn keyring_error(e: keyring::Error) -> Error {
    let why = match &e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            inner.to_string()
        }
        // BadEncoding carries the stored bytes: never print them.
        keyring::Error::BadEncoding(_) => "an entry has an unexpected format".into(),
        other => other.to_string(),
    };
    let why: String = why.chars().take(160).collect();
    Error::KeyringUnavailable(format!(
        "the OS keyring is not available ({why}): sign in with your password instead"
    ))
}

/// A read of the keyring whose service fails (a daemon still starting on
/// D-Bus activation, or one too busy to answer in time) is tried once more
/// after this wait. Only reads: a machine with no keyring at all pays it
/// only where no password was given (before the prompt or the error).
const KEYRING_TRIES: [std::time::Duration; 2] = [
    std::time::Duration::from_millis(150),
    std::time::Duration::ZERO,
];

impl CredentialStore for OsKeyring {
    fn load(&self, account: &str) -> Result<Option<SecretString>> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(keyring_error)?;
        let mut tries = KEYRING_TRIES.iter().peekable();
        loop {
            let wait = tries.next().copied().unwrap_or_default();
            match entry.get_password() {
                Ok(s) => return Ok(Some(SecretString::from(s))),
                // A locked keyring, or one without a default collection,
                // holds nothing this process can use: sign in with the
                // password. (Saving still reports the problem.)
                Err(keyring::Error::NoEntry | keyring::Error::NoStorageAccess(_)) => {
                    return Ok(None);
                }
                // The service failed to answer: reading changes nothing,
                // so it is asked again before the failure is reported.
                Err(keyring::Error::PlatformFailure(_)) if tries.peek().is_some() => {
                    std::thread::sleep(wait);
                }
                Err(e) => return Err(keyring_error(e)),
            }
        }
    }

    fn save(&self, account: &str, secret: &SecretString) -> Result<()> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(keyring_error)?;
        entry
            .set_password(secret.expose_secret())
            .map_err(keyring_error)
    }

    fn delete(&self, account: &str) -> Result<bool> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(keyring_error)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// The keyring account for a user of a vault.
fn account_name(vault_id: &str, username: &str) -> String {
    format!("{vault_id}/{}", username.to_lowercase())
}

/// A stored device credential: `v1:<device id>:<key, base64url>`.
struct DeviceCredential {
    device_id: i64,
    key: SymKey,
}

impl DeviceCredential {
    fn encode(&self) -> SecretString {
        let key = Zeroizing::new(URL_SAFE_NO_PAD.encode(self.key.expose_bytes()));
        SecretString::from(format!("v1:{}:{}", self.device_id, key.as_str()))
    }

    fn decode(s: &SecretString) -> Option<Self> {
        let mut parts = s.expose_secret().splitn(3, ':');
        if parts.next()? != "v1" {
            return None;
        }
        let device_id = parts.next()?.parse().ok()?;
        let raw = Zeroizing::new(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?);
        let key = SymKey::from_slice(&raw).ok()?;
        Some(Self { device_id, key })
    }
}

/// Reads a stored device credential and writes it back out, for the fuzz
/// targets: `None` when it does not read.
#[cfg(feature = "fuzzing")]
pub(crate) fn credential_round_trip(stored: &str) -> Option<String> {
    let cred = DeviceCredential::decode(&SecretString::from(stored))?;
    Some(cred.encode().expose_secret().to_string())
}

/// The id of the device remembered for `username` in `store`, if any.
pub(crate) fn remembered_device_id(
    store: &dyn CredentialStore,
    vault_id: &str,
    username: &str,
) -> Option<i64> {
    store
        .load(&account_name(vault_id, username))
        .ok()
        .flatten()
        .as_ref()
        .and_then(DeviceCredential::decode)
        .map(|c| c.device_id)
}

/// Remembers this device for the signed-in user, replacing any earlier
/// remembered key for them on this device.
pub(crate) fn remember(cx: &mut Cx, store: &dyn CredentialStore, label: &str) -> Result<()> {
    let label: String = label
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let db = cx.db();
    let account = account_name(cx.vault_id(), &cx.actor().username);
    if let Some(old) = store
        .load(&account)?
        .as_ref()
        .and_then(DeviceCredential::decode)
    {
        db.delete_device(old.device_id, Some(cx.actor().id))?;
    }
    let cred = DeviceCredential {
        device_id: db.insert_device(cx.actor().id, &label, cx.now())?,
        key: SymKey::generate(),
    };
    let me = cx
        .dir()
        .user(cx.actor().id)
        .cloned()
        .ok_or_else(|| Error::AuthFailed("your account is not in the directory".into()))?;
    let bundle = account::seal_for_device(&cred.key, cred.device_id, &me, cx.identity()?);
    db.set_device_bundle(cred.device_id, &bundle)?;
    store.save(&account, &cred.encode())
}

/// What a remembered device opened: the user, their keys, the device id.
pub(crate) struct Opened {
    pub user: UserEntry,
    pub identity: Identity,
    pub device_id: i64,
}

/// Opens the keys this device remembers for `username`. `Ok(None)` when
/// none are remembered; an error when they are but no longer work (the
/// keyring entry is then forgotten, so the next attempt asks for the
/// password).
pub(crate) fn open_remembered(
    db: &dyn Store,
    dir: &State,
    store: &dyn CredentialStore,
    username: &str,
) -> Result<Option<Opened>> {
    let account = account_name(&dir.config.vault_id, username);
    let Some(stored) = store.load(&account)? else {
        return Ok(None);
    };
    let opened = (|| {
        let cred = DeviceCredential::decode(&stored)?;
        let user = dir.user_named(username)?.clone();
        let bundle = db.device_bundle(cred.device_id, user.id).ok()??;
        let identity = account::open_for_device(
            &cred.key,
            cred.device_id,
            &user,
            dir.past_keys(user.id),
            &bundle,
        )?;
        Some(Opened {
            user,
            identity,
            device_id: cred.device_id,
        })
    })();
    match opened {
        Some(o) => Ok(Some(o)),
        None => {
            let _ = store.delete(&account);
            Err(Error::AuthFailed(
                "this device's remembered key no longer works: sign in with your password (and remember the device again)"
                    .into(),
            ))
        }
    }
}

/// Forgets this device for a user: deletes the keyring entry and the
/// bundle it opened. Returns whether anything was remembered.
pub(crate) fn forget(
    db: &dyn Store,
    store: &dyn CredentialStore,
    vault_id: &str,
    username: &str,
) -> Result<bool> {
    let account = account_name(vault_id, username);
    let Some(stored) = store.load(&account)? else {
        return Ok(false);
    };
    if let Some(cred) = DeviceCredential::decode(&stored) {
        db.delete_device(cred.device_id, None)?;
    }
    store.delete(&account)
}

/// Whether a device key is remembered for this user (without using it).
pub(crate) fn remembered(
    store: &dyn CredentialStore,
    vault_id: &str,
    username: &str,
) -> Result<bool> {
    Ok(store.load(&account_name(vault_id, username))?.is_some())
}

/// The signed-in user's remembered devices (`current`: the one this
/// session was unlocked with).
pub(crate) fn list(cx: &Cx, current: Option<i64>) -> Result<Vec<DeviceInfo>> {
    Ok(cx
        .db()
        .devices(cx.actor().id)?
        .into_iter()
        .map(|d| DeviceInfo {
            id: d.id,
            label: d.label,
            created_at: d.created_at,
            current: Some(d.id) == current,
        })
        .collect())
}

/// Signs a remembered device of the signed-in user out, from any machine:
/// its sealed keys are deleted, so its keyring entry opens nothing. (A
/// device that was stolen with its keyring may have copied the keys
/// already: change the password too, and see docs/SECURITY.md.)
pub(crate) fn revoke(cx: &Cx, device_id: i64) -> Result<()> {
    if cx.db().delete_device(device_id, Some(cx.actor().id))? == 0 {
        return Err(Error::not_found(
            "you have no remembered device with that id: see `coffer device list`",
        ));
    }
    Ok(())
}

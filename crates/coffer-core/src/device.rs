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
use rusqlite::{OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::account;
use crate::crypto::SymKey;
use crate::error::{Error, Result};
use crate::model::SessionInfo;
use crate::vault::Vault;

/// Where device keys are kept. [`OsKeyring`] in the product; tests may use
/// their own.
pub trait CredentialStore {
    fn load(&self, account: &str) -> Result<Option<SecretString>>;
    fn save(&self, account: &str, secret: &SecretString) -> Result<()>;
    /// Returns whether there was an entry to delete.
    fn delete(&self, account: &str) -> Result<bool>;
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

impl CredentialStore for OsKeyring {
    fn load(&self, account: &str) -> Result<Option<SecretString>> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(keyring_error)?;
        match entry.get_password() {
            Ok(s) => Ok(Some(SecretString::from(s))),
            // A locked keyring, or one without a default collection, holds
            // nothing this process can use: sign in with the password.
            // (Saving still reports the problem.)
            Err(keyring::Error::NoEntry | keyring::Error::NoStorageAccess(_)) => Ok(None),
            Err(e) => Err(keyring_error(e)),
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

/// A remembered device of the signed-in user, as `coffer device list`
/// and the app's settings show it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DeviceInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub label: String,
    #[ts(type = "number")]
    pub created_at: crate::model::Timestamp,
    /// This is the device the session was unlocked with.
    pub current: bool,
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

impl Vault {
    /// Remembers this device for the signed-in user, replacing any earlier
    /// remembered key for them on this device.
    pub fn remember_device(&mut self, store: &dyn CredentialStore, label: &str) -> Result<()> {
        let label: String = label
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        let vault_id = self.id().to_string();
        self.write(|cx| {
            let account = account_name(&vault_id, &cx.actor.username);
            if let Some(old) = store
                .load(&account)?
                .as_ref()
                .and_then(DeviceCredential::decode)
            {
                cx.conn.execute(
                    "DELETE FROM devices WHERE id = ?1 AND user_id = ?2",
                    params![old.device_id, cx.actor.id],
                )?;
            }
            cx.conn.execute(
                "INSERT INTO devices (user_id, label, created_at, bundle) VALUES (?1, ?2, ?3, x'')",
                params![cx.actor.id, label, cx.now],
            )?;
            let cred = DeviceCredential {
                device_id: cx.conn.last_insert_rowid(),
                key: SymKey::generate(),
            };
            let me =
                cx.dir().user(cx.actor.id).cloned().ok_or_else(|| {
                    Error::AuthFailed("your account is not in the directory".into())
                })?;
            let bundle =
                account::seal_for_device(&cred.key, cred.device_id, &me, cx.keys.identity()?);
            cx.conn.execute(
                "UPDATE devices SET bundle = ?2 WHERE id = ?1",
                params![cred.device_id, bundle],
            )?;
            store.save(&account, &cred.encode())
        })
    }

    /// Signs in with this device's remembered key. `Ok(None)` when none is
    /// remembered for this user; an error when one is but no longer works
    /// (it is then forgotten, so the next attempt asks for the password).
    pub fn unlock_with_device(
        &mut self,
        store: &dyn CredentialStore,
        username: &str,
    ) -> Result<Option<SessionInfo>> {
        self.lock();
        let account = account_name(self.id(), username);
        let Some(stored) = store.load(&account)? else {
            return Ok(None);
        };
        let stale = || {
            Error::AuthFailed(
                "this device's remembered key no longer works: sign in with your password (and remember the device again)"
                    .into(),
            )
        };
        let Some(dir) = self.directory()? else {
            return Err(Error::AuthFailed(
                "this vault is being upgraded to a new format: sign in with your password".into(),
            ));
        };
        let opened = (|| {
            let cred = DeviceCredential::decode(&stored)?;
            let user = dir.user_named(username)?.clone();
            let bundle: Vec<u8> = self
                .conn()
                .query_row(
                    "SELECT bundle FROM devices WHERE id = ?1 AND user_id = ?2",
                    params![cred.device_id, user.id],
                    |r| r.get(0),
                )
                .optional()
                .ok()??;
            let identity = account::open_for_device(&cred.key, cred.device_id, &user, &bundle)?;
            Some((user, identity, cred.device_id))
        })();
        let Some((user, identity, device_id)) = opened else {
            let _ = store.delete(&account);
            return Err(stale());
        };
        self.start_session(&user, Some(identity), Some(device_id))
            .map(Some)
    }

    /// Forgets this device for a user: deletes the keyring entry and the
    /// bundle it opened. Needs no sign-in. Returns whether anything was
    /// remembered.
    pub fn forget_device(&mut self, store: &dyn CredentialStore, username: &str) -> Result<bool> {
        let account = account_name(self.id(), username);
        let Some(stored) = store.load(&account)? else {
            return Ok(false);
        };
        if let Some(cred) = DeviceCredential::decode(&stored) {
            self.conn()
                .execute("DELETE FROM devices WHERE id = ?1", [cred.device_id])?;
        }
        store.delete(&account)
    }

    /// Whether a device key is remembered for this user (without using it).
    pub fn device_remembered(&self, store: &dyn CredentialStore, username: &str) -> Result<bool> {
        Ok(store.load(&account_name(self.id(), username))?.is_some())
    }

    /// The signed-in user's remembered devices.
    pub fn devices(&mut self) -> Result<Vec<DeviceInfo>> {
        let current = self.session_device();
        self.read(|cx| {
            let mut stmt = cx.conn.prepare(
                "SELECT id, label, created_at FROM devices WHERE user_id = ?1 ORDER BY id",
            )?;
            let list = stmt
                .query_map([cx.actor.id], |r| {
                    let id: i64 = r.get(0)?;
                    Ok(DeviceInfo {
                        id,
                        label: r.get_ref(1)?.as_str().unwrap_or("").to_string(),
                        created_at: r.get_ref(2)?.as_i64().unwrap_or(0),
                        current: Some(id) == current,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(list)
        })
    }

    /// Signs a remembered device of the signed-in user out, from any
    /// machine: its sealed keys are deleted, so its keyring entry opens
    /// nothing. (A device that was stolen with its keyring may have copied
    /// the keys already: change the password too, and see docs/SECURITY.md.)
    pub fn revoke_device(&mut self, device_id: i64) -> Result<()> {
        self.write(|cx| {
            let n = cx.conn.execute(
                "DELETE FROM devices WHERE id = ?1 AND user_id = ?2",
                params![device_id, cx.actor.id],
            )?;
            if n == 0 {
                return Err(Error::not_found(
                    "you have no remembered device with that id: see `coffer device list`",
                ));
            }
            Ok(())
        })
    }
}

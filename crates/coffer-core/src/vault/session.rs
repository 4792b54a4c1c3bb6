//! Signing in and out: by password (with growing delays after failures),
//! by a remembered device, and changing the password (which is when a new
//! account makes its own keys).

use std::sync::Arc;

use secrecy::SecretString;

use super::{Session, Vault, not_signed_in};
use crate::account::{self, PasswordLock};
use crate::api::{SessionInfo, Timestamp};
use crate::cx::Cx;
use crate::device::{self, CredentialStore};
use crate::error::{Error, ErrorCode, Result};
use crate::keys::{Identity, KeyCache};
use crate::listing::ListCache;
use crate::time::now_ms;
use crate::trust::fingerprint;
use crate::trust::state::{Identity as DirIdentity, State, UserEntry};
use crate::validate;

/// Sign-in attempts allowed before delays start.
const FREE_ATTEMPTS: i64 = 3;
/// Longest wait between attempts.
const MAX_DELAY_SECS: i64 = 300;

/// The wait before the next sign-in after `failures` consecutive failures:
/// none for the first three, then 2, 4, 8, ... seconds up to five minutes.
pub fn sign_in_delay_secs(failures: i64) -> i64 {
    if failures <= FREE_ATTEMPTS {
        0
    } else {
        let exp = (failures - FREE_ATTEMPTS).min(20) as u32;
        (1i64 << exp).min(MAX_DELAY_SECS)
    }
}

/// What a password opened.
pub(crate) enum Unlocked {
    /// An enrolled user's keys.
    Keys(Box<Identity>),
    /// A new account's enrollment key opened (the user must now set a
    /// password, which is when they make their keys).
    Enroll,
    /// A format-1 account that has just made its keys.
    Upgraded,
}

impl Vault {
    pub(super) fn sign_in_with_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<SessionInfo> {
        self.lock();
        let Some(dir) = self.directory()? else {
            return super::upgrade::sign_in_unsigned(self, username, password);
        };
        let Some(user) = dir.user_named(username).cloned() else {
            account::burn_time(&dir.config.kdf);
            self.record_failed_sign_in(&dir, 0, ErrorCode::AuthFailed)?;
            return Err(Error::WrongPassword {
                retry_after_secs: 0,
            });
        };
        let (failures, last_failed) = self.failures(&dir, user.id)?;
        let now = now_ms();
        let wait_until = last_failed.unwrap_or(0) + sign_in_delay_secs(failures) * 1000;
        if failures > FREE_ATTEMPTS && now < wait_until {
            self.record_failed_sign_in(&dir, user.id, ErrorCode::Locked)?;
            return Err(Error::Locked {
                retry_after_secs: ((wait_until - now) as u64).div_ceil(1000),
            });
        }
        let lock = account::stored_lock(self.store(), user.id)?
            .ok_or_else(|| Error::Integrity("your account's stored password data".into()))?;
        let opened = match &user.identity {
            DirIdentity::Active { .. } => {
                account::open_with_password(&dir, &user, &lock, password)?
                    .map(|i| Unlocked::Keys(Box::new(i)))
            }
            DirIdentity::Pending { .. } if lock.enroll_seal.is_some() => {
                super::upgrade::open_format1_account(self, &dir, &user, &lock, password)?
            }
            DirIdentity::Pending { enroll } => {
                account::open_enrollment(enroll, &lock, password, &dir.config)?
                    .map(|_| Unlocked::Enroll)
            }
        };
        let Some(opened) = opened else {
            self.record_failure(&dir, user.id, now_ms())?;
            self.record_failed_sign_in(&dir, user.id, ErrorCode::AuthFailed)?;
            // Say now how long the next attempt must wait, so a person sees
            // the delay grow instead of meeting it on their next try.
            return Err(Error::WrongPassword {
                retry_after_secs: sign_in_delay_secs(failures + 1) as u64,
            });
        };
        if failures > 0 {
            self.clear_failures(&dir, user.id)?;
        }
        match opened {
            Unlocked::Keys(identity) => self.start_session(&user, Some(*identity), None),
            Unlocked::Enroll => self.start_session(&user, None, None),
            Unlocked::Upgraded => {
                // A format-1 account just made its keys: sign in afresh.
                self.sign_in_with_password(username, password)
            }
        }
    }

    pub(super) fn sign_in_with_device(
        &mut self,
        store: &dyn CredentialStore,
        username: &str,
    ) -> Result<Option<SessionInfo>> {
        self.lock();
        let Some(dir) = self.directory()? else {
            // Nothing is remembered for a vault without a directory yet.
            return if device::remembered(store, &self.meta_id, username)? {
                Err(Error::AuthFailed(
                    "this vault is being upgraded to a new format: sign in with your password"
                        .into(),
                ))
            } else {
                Ok(None)
            };
        };
        let Some(opened) = device::open_remembered(self.store(), &dir, store, username)? else {
            return Ok(None);
        };
        self.start_session(&opened.user, Some(opened.identity), Some(opened.device_id))
            .map(Some)
    }

    /// Checks the signed-in user's password again (an export asks for it
    /// even when a device key unlocked the session), under the same count
    /// of wrong attempts and growing delays as signing in.
    pub(super) fn confirm_password(&mut self, password: &SecretString) -> Result<()> {
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.keys.user_id())
            .ok_or_else(not_signed_in)?;
        let dir: Arc<State> = self.signed_directory()?;
        let user = dir.user(user_id).cloned().ok_or_else(not_signed_in)?;
        let (failures, last_failed) = self.failures(&dir, user_id)?;
        let now = now_ms();
        let wait_until = last_failed.unwrap_or(0) + sign_in_delay_secs(failures) * 1000;
        if failures > FREE_ATTEMPTS && now < wait_until {
            return Err(Error::Locked {
                retry_after_secs: ((wait_until - now) as u64).div_ceil(1000),
            });
        }
        let lock = account::stored_lock(self.store(), user_id)?
            .ok_or_else(|| Error::Integrity("your account's stored password data".into()))?;
        if account::open_with_password(&dir, &user, &lock, password)?.is_none() {
            self.record_failure(&dir, user_id, now_ms())?;
            return Err(Error::WrongPassword {
                retry_after_secs: sign_in_delay_secs(failures + 1) as u64,
            });
        }
        if failures > 0 {
            self.clear_failures(&dir, user_id)?;
        }
        Ok(())
    }

    fn failures(&self, dir: &State, user_id: i64) -> Result<(i64, Option<Timestamp>)> {
        let (vault_count, vault_last) = self.store().failures(user_id)?;
        let (device_count, device_last) = self.device.failures(&dir.config.vault_id, user_id)?;
        Ok((vault_count.max(device_count), vault_last.max(device_last)))
    }

    fn record_failure(&self, dir: &State, user_id: i64, at: Timestamp) -> Result<()> {
        self.store().record_failure(user_id, at)?;
        self.device
            .record_failure(&dir.config.vault_id, user_id, at)
    }

    fn clear_failures(&self, dir: &State, user_id: i64) -> Result<()> {
        self.store().clear_failures(user_id)?;
        self.device.clear_failures(&dir.config.vault_id, user_id)
    }

    /// Installs a session for a user whose keys (or enrollment key) were
    /// just opened, then shares keys with anyone entitled to them who lacks
    /// them (new members whose keys nobody has granted yet).
    pub(crate) fn start_session(
        &mut self,
        user: &UserEntry,
        identity: Option<Identity>,
        device_id: Option<i64>,
    ) -> Result<SessionInfo> {
        if user.disabled {
            return Err(Error::AuthFailed(
                "this account is disabled: ask an admin".into(),
            ));
        }
        let active = identity.is_some();
        self.session = Some(Session {
            keys: KeyCache::new(user.id, identity),
            listing: ListCache::default(),
            device_id,
            sign_in_pending: false,
        });
        // One read says who signed in, checks that the audit log still
        // holds what this device wrote to it, and looks for keys to share.
        // The sign-in (by someone who has keys, so may sign it) goes into
        // the log with the session's first transaction: a write, which a
        // share of keys found missing is, right away.
        let vault_id = self
            .dir
            .as_ref()
            .map_or_else(|| self.meta_id.clone(), |d| d.config.vault_id.clone());
        // Read before the transaction's snapshot (see `audit::check_head`).
        let seen = self.device.audit_head(&vault_id);
        let first = seen.and_then(|seen| {
            self.read_during_password_change(|cx| {
                let info = session_info(cx)?;
                crate::audit::check_head(cx.db(), seen)?;
                let ready = active && !info.user.must_change_password;
                let share = ready
                    && (crate::rekey::grants_missing(cx)? || crate::rekey::exposed_pending(cx)?);
                Ok((info, share))
            })
        });
        if let (Ok(_), Some(s)) = (&first, self.session.as_mut()) {
            s.sign_in_pending = active;
        }
        let info = first.and_then(|(info, share)| {
            if share {
                self.write(|_| Ok(()))?;
            }
            Ok(info)
        });
        if info.is_err() {
            self.lock();
        }
        info
    }

    /// Who is signed in, and how the vault is set up.
    pub(super) fn info(&mut self) -> Result<SessionInfo> {
        self.read_during_password_change(session_info)
    }

    /// The remembered device this session was unlocked with.
    pub(crate) fn session_device(&self) -> Option<i64> {
        self.session.as_ref().and_then(|s| s.device_id)
    }

    pub(super) fn change_password_as(
        &mut self,
        current: &SecretString,
        new: &SecretString,
        sign_out_other_devices: bool,
        this_device: Option<&dyn CredentialStore>,
    ) -> Result<()> {
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.keys.user_id())
            .ok_or_else(not_signed_in)?;
        let dir: Arc<State> = self.directory()?.ok_or_else(not_signed_in)?;
        let user = dir.user(user_id).cloned().ok_or_else(not_signed_in)?;
        validate::new_password(new, &[&user.username, &user.display_name])?;
        let lock = account::stored_lock(self.store(), user_id)?
            .ok_or_else(|| Error::Integrity("your account's stored password data".into()))?;
        if current.expose_secret_eq(new) {
            return Err(Error::invalid(
                "the new password must differ from the current one",
            ));
        }
        match &user.identity {
            DirIdentity::Pending { enroll } => {
                let wrong = || Error::AuthFailed("the current password is wrong".into());
                let (key, format1) = if lock.enroll_seal.is_some() {
                    // An upgraded account: its current password opens its
                    // format-1 bundle, whose key opens its enrollment key.
                    let legacy_db = self.store().format1().ok_or_else(wrong)?;
                    let (pair, _) =
                        crate::legacy::open_password_bundle(legacy_db, user_id, current)?
                            .ok_or_else(wrong)?;
                    (
                        super::upgrade::open_enroll_seal(&dir, &user, &lock, &pair)?,
                        Some(pair),
                    )
                } else {
                    (
                        account::open_enrollment(enroll, &lock, current, &dir.config)?
                            .ok_or_else(wrong)?,
                        None,
                    )
                };
                super::enroll::enroll(self, &user, &key, new, format1)?;
                let dir = self.directory()?.ok_or_else(not_signed_in)?;
                let user = dir.user(user_id).cloned().ok_or_else(not_signed_in)?;
                let identity = self
                    .session
                    .as_mut()
                    .and_then(|s| s.keys.take_identity())
                    .ok_or_else(not_signed_in)?;
                self.start_session(&user, Some(identity), None)?;
                Ok(())
            }
            DirIdentity::Active { .. } => {
                if account::open_with_password(&dir, &user, &lock, current)?.is_none() {
                    return Err(Error::AuthFailed("the current password is wrong".into()));
                }
                let new_lock = PasswordLock::new(new, account::new_password_params(&dir.config))?;
                let keep = self.session_device().or_else(|| {
                    this_device.and_then(|store| {
                        device::remembered_device_id(store, &dir.config.vault_id, &user.username)
                    })
                });
                let out = self.write_during_password_change(|cx| {
                    let me = cx.actor().id;
                    let mut label = None;
                    if sign_out_other_devices {
                        // A device that may be lost, or an old password that
                        // may be known, gave away the keys themselves:
                        // they are replaced, and every device signed out
                        // (this one is remembered again under the new keys).
                        label = keep.and_then(|id| {
                            cx.db().devices(me).ok()?.into_iter().find(|d| d.id == id)
                        });
                        crate::rekey::replace_identity(cx)?;
                        cx.db().delete_devices_of(me, None)?;
                    }
                    let db = cx.db();
                    new_lock.store(db, me, cx.identity()?)?;
                    db.set_must_change_password(me, false)?;
                    if let (Some(d), Some(store)) = (&label, this_device) {
                        device::remember(cx, store, &d.label)?;
                    }
                    Ok(label.map(|d| d.id))
                });
                // This session goes on with the new keys; a device
                // remembered again has a new id.
                if let (true, Ok(_), Some(s)) =
                    (sign_out_other_devices, &out, self.session.as_mut())
                {
                    s.device_id = this_device.and_then(|store| {
                        device::remembered_device_id(store, &dir.config.vault_id, &user.username)
                    });
                }
                out.map(|_| ())
            }
        }
    }
}

/// Compares two secrets without exposing them at the call site.
trait ExposeSecretEq {
    fn expose_secret_eq(&self, other: &Self) -> bool;
}

impl ExposeSecretEq for SecretString {
    fn expose_secret_eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        self.expose_secret()
            .as_bytes()
            .ct_eq(other.expose_secret().as_bytes())
            .into()
    }
}

/// Who is signed in, and how the vault is set up, as `cx` sees it.
fn session_info(cx: &mut Cx) -> Result<SessionInfo> {
    let dir = cx.dir_arc();
    let user = dir
        .user(cx.actor().id)
        .ok_or_else(|| Error::AuthFailed("your account is not in the directory".into()))?;
    Ok(SessionInfo {
        user: crate::access::user_info(&dir, user),
        vault_id: dir.config.vault_id.clone(),
        kdf_profile: dir.config.kdf_profile,
        kdf: dir.config.kdf,
        fingerprint: fingerprint(&dir),
        keys_pending: crate::rekey::keys_pending(cx)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let delays: Vec<i64> = (0..=12).map(sign_in_delay_secs).collect();
        assert_eq!(&delays[..7], &[0, 0, 0, 0, 2, 4, 8]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(sign_in_delay_secs(1000), MAX_DELAY_SECS);
    }
}

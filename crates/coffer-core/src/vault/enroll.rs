//! Enrollment: a user makes their own keys, on their own device.
//!
//! An admin creates an account with an initial password and signs into the
//! directory only the public half of a one-time enrollment key that the
//! password derives. At first sign-in the user proves they know it, chooses
//! their own password, and makes their identity key, their X25519 key and
//! their personal key. The directory entry that records the new keys is
//! signed by the enrollment key (so it is the account the admin meant) and
//! by the new identity key (so its holder made it). The initial password
//! seals nothing: whoever else knows it cannot read what the user keeps.
//! Shared keys reach the user afterwards, from any holder's next session.

use std::cell::RefCell;

use secrecy::SecretString;

use crate::account::{PasswordLock, new_password_params};
use crate::crypto::{KeyPair, SignKey, SymKey};
use crate::error::{Error, Result};
use crate::keys::{self, Identity};
use crate::time::now_ms;
use crate::trust;
use crate::trust::log::{Change, Entry, apply};
use crate::trust::state::{Identity as DirIdentity, KeyRef, Scope, UserEntry};
use crate::vault::Vault;

/// Enrolls `user` (whose enrollment key is `enroll`) with a new password,
/// leaving them signed in with their new keys. `format1` is the key pair of
/// an account made by format 1, whose grants and private secrets are
/// carried over in the same transaction.
pub(crate) fn enroll(
    vault: &mut Vault,
    user: &UserEntry,
    enroll: &SignKey,
    password: &SecretString,
    format1: Option<KeyPair>,
) -> Result<()> {
    let config = vault.signed_directory()?.config.clone();
    // The slow part runs before taking the write lock.
    let lock = PasswordLock::new(password, new_password_params(&config))?;
    let enroll_public = enroll.public();
    let made: RefCell<Option<(KeyRef, SymKey)>> = RefCell::new(None);
    vault.bootstrap(
        user.id,
        Identity::generate(),
        |db, dir, cache| {
            let dir = dir.ok_or_else(|| Error::AuthFailed("this vault must be upgraded by its owner first".into()))?;
            let me = dir.user(user.id).ok_or_else(|| Error::not_found("no such user"))?;
            match &me.identity {
                DirIdentity::Pending { enroll } if *enroll == enroll_public => {}
                _ => {
                    return Err(Error::Conflict(
                        "this account has already made its keys: if that was not you, tell an admin at once".into(),
                    ));
                }
            }
            let identity = cache.identity()?;
            let now = now_ms();
            let generation = me.personal.map_or(1, |p| p.generation + 1);
            // An account of format 1 may still have a personal key row
            // marked current; the new one replaces it.
            db.retire_personal_keys(user.id)?;
            let (kref, key) = keys::new_key(db, &dir.config.vault_id, Scope::Personal(user.id), generation, now)?;
            db.mark_current_key(None, kref.id)?;
            let entry = Entry {
                vault_id: dir.config.vault_id.clone(),
                epoch: dir.epoch + 1,
                prev: dir.head,
                signer: user.id,
                at: now,
                changes: vec![
                    Change::Enroll {
                        user: user.id,
                        sign: identity.sign.public(),
                        enc: *identity.enc.public_bytes(),
                    },
                    Change::PersonalKey(user.id, kref),
                ],
            };
            let signed = entry.sign(&identity.sign, Some(enroll));
            let stored = trust::append(db, &signed)?;
            apply(Some(dir), &signed, &stored)
                .map_err(|why| Error::Integrity(format!("your enrollment ({})", why.0)))?;
            *made.borrow_mut() = Some((kref, key));
            Ok(())
        },
        |cx| {
            let (kref, key) = made
                .borrow_mut()
                .take()
                .ok_or_else(|| Error::Integrity("your enrollment".into()))?;
            let dir = cx.dir_arc();
            let me = dir.user(cx.actor().id).cloned().ok_or_else(|| Error::not_found("no such user"))?;
            let scope = Scope::Personal(me.id);
            keys::grant(cx.db(), &dir, cx.sender()?, scope, &kref, &key, &me)?;
            cx.keep_key(kref.id, key);
            lock.store(cx.db(), me.id, cx.identity()?)?;
            cx.db().set_must_change_password(me.id, false)?;
            if let Some(pair) = &format1 {
                super::upgrade::carry_over(cx, pair)?;
            }
            Ok(())
        },
    )
}

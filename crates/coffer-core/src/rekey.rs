//! Re-keying: replacing scope keys when someone must lose access (a member
//! leaves a department, a user is disabled, an admin is demoted) or when a
//! key has reached its encryption budget; and re-signing what someone
//! losing their rights had signed.
//!
//! A new key becomes current in the directory (signed, with a commitment)
//! and is granted to the scope's holders under the directory as this
//! transaction leaves it. Every secret wrapped under the old key gets a
//! fresh data key too, with all its content re-encrypted and its header
//! re-signed, so a former holder who kept old keys cannot read anything
//! written from now on. Secrets are checked against the directory as it was
//! before the change, so a former holder's valid writes are carried over,
//! not lost.

use std::collections::BTreeSet;

use rusqlite::params;

use crate::error::{ErrorCode, Result};
use crate::keys;
use crate::record;
use crate::trust::log::Change;
use crate::trust::state::Scope;
use crate::vault::Cx;

/// Replaces the current keys of `scopes` (the caller must hold them).
pub(crate) fn rotate(cx: &mut Cx, scopes: &[Scope]) -> Result<()> {
    let mut old_ids = Vec::new();
    for &scope in scopes {
        let dir = cx.dir_arc();
        let Some(old) = dir.current_key(scope) else {
            continue;
        };
        // Opened (and checked) before anything changes: re-keying a scope
        // whose key the user does not hold would lose its secrets.
        cx.keys.current(cx.conn, &dir, scope)?;
        let (kref, key) = keys::new_key(cx.conn, cx.vault_id(), scope, old.generation + 1, cx.now)?;
        cx.change(match scope {
            Scope::Personal(u) => Change::PersonalKey(u, kref),
            shared => Change::SharedKey(shared, kref),
        })?;
        keys::mark_current(cx.conn, Some(old.id), kref.id)?;
        let dir = cx.dir_arc();
        let sender = cx.keys.identity()?;
        for user in dir.users.values() {
            if user.is_active() && dir.entitled(user, scope) {
                keys::grant(
                    cx.conn,
                    &dir,
                    keys::Sender {
                        id: cx.actor.id,
                        identity: sender,
                    },
                    scope,
                    &kref,
                    &key,
                    user,
                )?;
            }
        }
        cx.keys.insert(kref.id, key);
        old_ids.push(old.id);
    }
    let mut affected = BTreeSet::new();
    for &id in &old_ids {
        let ids: Vec<i64> = cx
            .conn
            .prepare_cached("SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        affected.extend(ids);
    }
    for id in affected {
        match rotate_secret(cx, id, &old_ids) {
            Ok(()) => {}
            // A damaged secret stays damaged; it must not block re-keying
            // the rest. Its wraps under the old key go with the old key.
            Err(e) if matches!(e.code(), ErrorCode::Integrity | ErrorCode::Rollback) => {}
            Err(e) => return Err(e),
        }
    }
    for &id in &old_ids {
        cx.conn
            .execute("DELETE FROM secret_wraps WHERE key_id = ?1", [id])?;
        cx.conn
            .execute("DELETE FROM key_grants WHERE key_id = ?1", [id])?;
        cx.conn
            .execute("DELETE FROM scope_keys WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Gives one secret a fresh data key, having checked it against the
/// directory as it was before this transaction. The old keys are still in
/// this session's cache, so the old wraps open.
fn rotate_secret(cx: &mut Cx, id: i64, old_ids: &[i64]) -> Result<()> {
    let Some(stored) = record::load(cx.conn, id)? else {
        return Ok(());
    };
    let before = std::sync::Arc::new(cx.before().clone());
    let secret = record::verify(&before, &stored)?;
    cx.fresh(id, secret.header.revision)?;
    let mut dek = None;
    for &key_id in &secret.header.wraps {
        let key = match cx.keys.loaded(key_id) {
            Some(k) if old_ids.contains(&key_id) || before.scope_of_key(key_id).is_some() => k,
            _ => continue,
        };
        let wrapped: Option<Vec<u8>> = cx
            .conn
            .query_row(
                "SELECT wrapped FROM secret_wraps WHERE secret_id = ?1 AND key_id = ?2",
                params![id, key_id],
                |r| r.get(0),
            )
            .ok();
        if let Some(w) = wrapped {
            dek = Some(record::unwrap_dek(key, &secret.header, key_id, &w)?);
            break;
        }
    }
    let Some(dek) = dek else {
        return Ok(());
    };
    record::rotate_dek(cx, &secret, &dek)?;
    Ok(())
}

/// Worn-out keys the signed-in user may rotate now: shared keys for
/// admins, their own personal key for everyone. (A member's writes keep
/// using a worn shared key until an admin writes; the budget leaves room
/// for that, far below AES-GCM's 2^32.)
pub(crate) fn rotate_worn(cx: &mut Cx) -> Result<()> {
    let dir = cx.dir_arc();
    let mut mine: Vec<(Scope, i64)> = Vec::new();
    if cx.actor.is_admin() {
        mine.extend(dir.shared.iter().map(|(s, k)| (*s, k.id)));
    }
    if let Some(k) = dir.current_key(Scope::Personal(cx.actor.id)) {
        mine.push((Scope::Personal(cx.actor.id), k.id));
    }
    let ids: Vec<i64> = mine.iter().map(|m| m.1).collect();
    let worn = keys::worn(cx.conn, &ids)?;
    let scopes: Vec<Scope> = mine
        .into_iter()
        .filter(|(_, id)| worn.contains(id))
        .map(|(s, _)| s)
        .collect();
    if scopes.is_empty() {
        Ok(())
    } else {
        rotate(cx, &scopes)
    }
}

/// Re-signs, as the signed-in admin, every shared secret whose current
/// revision `user` signed, after checking each against the directory as it
/// was before this transaction (while `user` still had their rights). Run
/// when a user loses rights their signatures relied on (demotion,
/// disabling): their valid writes stay valid.
pub(crate) fn reattest(cx: &mut Cx, user: i64) -> Result<()> {
    let ids: Vec<i64> = cx
        .conn
        .prepare_cached("SELECT id FROM secrets WHERE signer_id = ?1 AND header IS NOT NULL")?
        .query_map([user], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let before = std::sync::Arc::new(cx.before().clone());
    for id in ids {
        let Some(stored) = record::load(cx.conn, id)? else {
            continue;
        };
        let Ok(secret) = record::verify(&before, &stored) else {
            continue;
        };
        if secret.header.private || secret.header.signer != user {
            continue;
        }
        cx.fresh(id, secret.header.revision)?;
        record::resign(cx, &secret.header)?;
    }
    crate::usages::reattest(cx, user)
}

//! Who holds which scope key, kept right as the directory changes.
//!
//! Sharing: a user entitled to a shared key who lacks a grant of it (a new
//! member, or everyone after a format upgrade) receives it from the next
//! holder who writes; admins share a new department's key at once.
//!
//! Re-keying: scope keys are replaced when someone must lose access (a
//! member leaves a department, a user is disabled, an admin is demoted) or
//! when a key has reached its encryption budget; and what someone losing
//! their rights had signed is re-signed.
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

use crate::api::AuditAction;
use crate::audit::Event;
use crate::crypto::SymKey;
use crate::cx::Cx;
use crate::error::{ErrorCode, Result};
use crate::keys;
use crate::record;
use crate::seal;
use crate::trust::log::Change;
use crate::trust::state::{KeyRef, Scope};

// ---------------------------------------------------------------- sharing

/// Grants `key` (of `scope`, `kref`) to every active user the directory
/// (as this transaction leaves it) entitles to it, or only to `only`.
fn grant_to_entitled(
    cx: &mut Cx,
    scope: Scope,
    kref: &KeyRef,
    key: &SymKey,
    only: Option<i64>,
) -> Result<()> {
    let dir = cx.dir_arc();
    let sender = cx.sender()?;
    for user in dir.users.values() {
        if only.is_some_and(|id| id != user.id) || !user.is_active() || !dir.entitled(user, scope) {
            continue;
        }
        keys::grant(cx.db(), &dir, sender, scope, kref, key, user)?;
    }
    Ok(())
}

/// A new key for `scope` (the first of a new department, or the next
/// generation of an existing one): made, recorded in the directory as
/// current, granted to the scope's holders, and kept for this session.
pub(crate) fn new_scope_key(cx: &mut Cx, scope: Scope, old: Option<KeyRef>) -> Result<KeyRef> {
    let generation = old.map_or(1, |k| k.generation + 1);
    let (kref, key) = keys::new_key(cx.db(), cx.vault_id(), scope, generation, cx.now())?;
    cx.change(Change::key(scope, kref))?;
    cx.db().mark_current_key(old.map(|k| k.id), kref.id)?;
    grant_to_entitled(cx, scope, &kref, &key, None)?;
    cx.keep_key(kref.id, key);
    Ok(kref)
}

/// Users entitled to a shared key the signed-in user holds, who have keys
/// of their own but no grant of it yet: (scope, user id).
fn missing(cx: &mut Cx) -> Result<Vec<(Scope, i64)>> {
    let dir = cx.dir_arc();
    let held: Vec<(Scope, i64)> = dir.shared.iter().map(|(s, k)| (*s, k.id)).collect();
    let ids: Vec<i64> = held.iter().map(|h| h.1).collect();
    let holders = keys::holders_of(cx.db(), &ids)?;
    let mut out = Vec::new();
    for (scope, key_id) in held {
        let have = holders.get(&key_id).cloned().unwrap_or_default();
        let lacking: Vec<i64> = dir
            .users
            .values()
            .filter(|u| u.is_active() && dir.entitled(u, scope) && !have.contains(&u.id))
            .map(|u| u.id)
            .collect();
        if lacking.is_empty() || cx.key(key_id)?.is_none() {
            continue;
        }
        out.extend(lacking.into_iter().map(|u| (scope, u)));
    }
    Ok(out)
}

/// Whether the signed-in user is entitled to a shared key nobody has
/// shared with them yet.
pub(crate) fn keys_pending(cx: &mut Cx) -> Result<bool> {
    let dir = cx.dir_arc();
    let Some(me) = dir.user(cx.actor().id) else {
        return Ok(false);
    };
    if !me.is_active() {
        return Ok(false);
    }
    let wanted: Vec<i64> = dir
        .shared
        .iter()
        .filter(|(s, _)| dir.entitled(me, **s))
        .map(|(_, k)| k.id)
        .collect();
    let holders = keys::holders_of(cx.db(), &wanted)?;
    Ok(wanted
        .iter()
        .any(|id| !holders.get(id).is_some_and(|h| h.contains(&me.id))))
}

/// Whether the signed-in user could share keys someone is still missing.
pub(crate) fn grants_missing(cx: &mut Cx) -> Result<bool> {
    Ok(!missing(cx)?.is_empty())
}

/// The current key of a scope, if the signed-in user holds it: a copy,
/// so it can be granted while the transaction goes on.
fn held(cx: &mut Cx, scope: Scope) -> Result<Option<(KeyRef, SymKey)>> {
    let Some(kref) = cx.dir().current_key(scope) else {
        return Ok(None);
    };
    Ok(cx
        .key(kref.id)?
        .map(|k| (kref, SymKey::from_bytes(*k.expose_bytes()))))
}

/// Shares every shared key the signed-in user holds with the users
/// entitled to it who lack it. Runs after every write, and at sign-in when
/// something is missing: this is how a new member receives their keys once
/// they have made their own (which the admin who created them could not).
pub(crate) fn grant_missing(cx: &mut Cx) -> Result<()> {
    for (scope, user_id) in missing(cx)? {
        if let Some((kref, key)) = held(cx, scope)? {
            grant_to_entitled(cx, scope, &kref, &key, Some(user_id))?;
        }
    }
    Ok(())
}

/// Grants a user every shared key their entry now entitles them to (that
/// the signed-in user holds).
pub(crate) fn grant_entitled(cx: &mut Cx, user_id: i64) -> Result<()> {
    let scopes: Vec<Scope> = cx.dir().shared.keys().copied().collect();
    for scope in scopes {
        if let Some((kref, key)) = held(cx, scope)? {
            grant_to_entitled(cx, scope, &kref, &key, Some(user_id))?;
        }
    }
    Ok(())
}

// --------------------------------------------------------------- re-keying

/// Replaces the current keys of `scopes` (the caller must hold them).
pub(crate) fn rotate(cx: &mut Cx, scopes: &[Scope]) -> Result<()> {
    let mut old_ids = Vec::new();
    for &scope in scopes {
        let Some(old) = cx.dir().current_key(scope) else {
            continue;
        };
        // Opened (and checked) before anything changes: re-keying a scope
        // whose key the user does not hold would lose its secrets.
        cx.current_key(scope)?;
        new_scope_key(cx, scope, Some(old))?;
        old_ids.push(old.id);
    }
    let db = cx.db();
    let mut affected = BTreeSet::new();
    for &id in &old_ids {
        affected.extend(db.secrets_wrapped_under(id)?);
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
        db.delete_key(id)?;
    }
    Ok(())
}

/// Gives one secret a fresh data key, having checked it against the
/// directory as it was before this transaction. The old keys are still in
/// this session's cache, so the old wraps open.
fn rotate_secret(cx: &mut Cx, id: i64, old_ids: &[i64]) -> Result<()> {
    let db = cx.db();
    let Some(row) = db.secret(id)? else {
        return Ok(());
    };
    let before = cx.before();
    // Checked against the directory before this transaction; a header this
    // transaction already re-signed (after a change of keys) checks out
    // against the directory as it is now.
    let secret = record::verify(&before, &row).or_else(|_| record::verify(cx.dir(), &row))?;
    cx.fresh(&secret.header)?;
    let mut dek = None;
    for &key_id in &secret.header.wraps {
        let key = match cx.loaded_key(key_id) {
            Some(k) if old_ids.contains(&key_id) || before.scope_of_key(key_id).is_some() => k,
            _ => continue,
        };
        if let Some(w) = db.wrap(id, key_id)? {
            dek = Some(seal::unwrap_dek(key, &secret.header, key_id, &w)?);
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
    let me = cx.actor().id;
    let mut mine: Vec<(Scope, i64)> = Vec::new();
    if cx.actor().is_admin() {
        mine.extend(dir.shared.iter().map(|(s, k)| (*s, k.id)));
    }
    if let Some(k) = dir.current_key(Scope::Personal(me)) {
        mine.push((Scope::Personal(me), k.id));
    }
    let ids: Vec<i64> = mine.iter().map(|m| m.1).collect();
    let worn = keys::worn(cx.db(), &ids)?;
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

/// Current keys that someone holds who replaced their keys (see
/// `Change::Rotate`), which the signed-in user may replace now and holds:
/// shared keys for admins, their own personal key for everyone.
fn exposed(cx: &mut Cx) -> Result<Vec<Scope>> {
    let dir = cx.dir_arc();
    if dir.exposed.is_empty() {
        return Ok(Vec::new());
    }
    let me = cx.actor().id;
    let admin = cx.actor().is_admin();
    let mut out = Vec::new();
    let candidates = dir
        .shared
        .iter()
        .filter(|_| admin)
        .map(|(s, k)| (*s, *k))
        .chain(
            dir.current_key(Scope::Personal(me))
                .map(|k| (Scope::Personal(me), k)),
        );
    for (scope, k) in candidates {
        // A key this user cannot open (not shared with them yet, or
        // damaged) is left for a holder: it must not block their work.
        if dir.exposed.contains(&k.id) && matches!(cx.key(k.id), Ok(Some(_))) {
            out.push(scope);
        }
    }
    Ok(out)
}

/// Whether the signed-in user would replace exposed keys on their next
/// write (checked at sign-in, so an admin replaces them at once).
pub(crate) fn exposed_pending(cx: &mut Cx) -> Result<bool> {
    Ok(!exposed(cx)?.is_empty())
}

/// Replaces the exposed keys the signed-in user may replace. Runs after
/// every write (with [`rotate_worn`]).
pub(crate) fn rotate_exposed(cx: &mut Cx) -> Result<()> {
    let scopes = exposed(cx)?;
    if scopes.is_empty() {
        Ok(())
    } else {
        rotate(cx, &scopes)
    }
}

/// Replaces the signed-in user's keys with new ones (a password change): the
/// keys a stolen device or an old copy of the vault with the old password
/// gave away stop opening anything new.
///
/// In one transaction: every current key sealed to the old keys is opened
/// and sealed again to the new ones; the directory entry naming the new
/// keys is signed with both; the user's personal key (and, for an admin,
/// every shared key they held) is replaced, with every secret under it
/// given a fresh data key; and what the user signed with the old key and
/// still stands (secret headers, usages) is signed again with the new one.
/// Shared keys a member held stay marked exposed in the directory until an
/// admin's next session replaces them (only admins make shared keys).
pub(crate) fn replace_identity(cx: &mut Cx) -> Result<()> {
    let new = cx.identity()?.successor()?;
    let me = cx.actor().id;
    let dir = cx.dir_arc();
    let user = dir.user(me).cloned().ok_or_else(|| {
        crate::error::Error::AuthFailed("your account is not in the directory".into())
    })?;
    // Opened while the old keys are still the ones in use.
    let mut held = Vec::new();
    let mine = dir
        .shared
        .iter()
        .filter(|(s, _)| dir.entitled(&user, **s))
        .map(|(s, k)| (*s, *k))
        .chain(user.personal.map(|k| (Scope::Personal(me), k)));
    for (scope, kref) in mine.collect::<Vec<_>>() {
        if let Some(key) = cx.key(kref.id)? {
            held.push((scope, kref, SymKey::from_bytes(*key.expose_bytes())));
        }
    }
    // The log's own check switches to the new keys at this entry.
    cx.record(Event::new(AuditAction::KeysReplaced));
    cx.replace_identity(new)?;
    let dir = cx.dir_arc();
    let now_me = dir.user(me).cloned().ok_or_else(|| {
        crate::error::Error::AuthFailed("your account is not in the directory".into())
    })?;
    for (scope, kref, key) in &held {
        keys::grant(cx.db(), &dir, cx.sender()?, *scope, kref, key, &now_me)?;
    }
    rotate_exposed(cx)?;
    // What the user signed with the old key, checked against the directory
    // before this transaction (in which the old key is theirs).
    resign_signed_by(cx, me, true)
}

/// Re-signs, as the signed-in admin, every shared secret whose current
/// revision `user` signed, after checking each against the directory as it
/// was before this transaction (while `user` still had their rights), and
/// the usages they signed. Run when a user loses rights their signatures
/// relied on (demotion, disabling): their valid writes stay valid.
pub(crate) fn reattest(cx: &mut Cx, user: i64) -> Result<()> {
    resign_signed_by(cx, user, false)
}

/// Re-signs, as the signed-in user, every secret whose current revision
/// `user` signed and that checks out against the directory before this
/// transaction (private ones only with `private`: nobody else could sign
/// them), and the usages `user` signed of secrets that check out now.
fn resign_signed_by(cx: &mut Cx, user: i64, private: bool) -> Result<()> {
    let db = cx.db();
    let before = cx.before();
    for id in db.secrets_signed_by(user)? {
        let Some(row) = db.secret(id)? else {
            continue;
        };
        let Ok(secret) = record::verify(&before, &row) else {
            continue;
        };
        if (secret.header.private && !private) || secret.header.signer != user {
            continue;
        }
        cx.fresh(&secret.header)?;
        record::resign(cx, &secret.header)?;
    }
    for usage in db.usages_signed_by(user)? {
        let Some(row) = db.secret(usage.secret_id)? else {
            continue;
        };
        let Ok(secret) = record::verify(cx.dir(), &row) else {
            continue;
        };
        record::usages::resign(cx, &usage, secret.header.dek_gen)?;
    }
    Ok(())
}

//! Re-keying: replacing scope keys when someone must lose access (a member
//! leaves a department, a user is disabled, an admin is demoted) or when a
//! key has reached its encryption budget.
//!
//! A new key replaces the old one and is granted to the scope's current
//! holders. Every secret wrapped under the old key gets a fresh data key
//! too, with all its content re-encrypted, so a former holder who kept old
//! keys cannot read anything written from now on. Rotating the index key
//! also recomputes every blind index and re-MACs every user record.

use std::collections::BTreeSet;

use crate::directory;
use crate::error::{ErrorCode, Result};
use crate::keys::{self, KeyKind};
use crate::record;
use crate::vault::Cx;

/// Rotates several scope keys at once, re-encrypting each affected secret
/// only once. The caller must hold every key being rotated.
pub(crate) fn rotate_many(cx: &mut Cx, key_ids: &[i64]) -> Result<()> {
    let mut kinds = Vec::with_capacity(key_ids.len());
    let mut holders = Vec::with_capacity(key_ids.len());
    for &id in key_ids {
        cx.keys.require(cx.conn, id)?;
        let kind = keys::key_kind(cx.conn, id)?;
        // Computed (and every holder's record verified) before anything
        // changes, with the current directory key.
        holders.push(directory::holders(cx.conn, cx.keys, kind)?);
        kinds.push(kind);
    }
    for (&id, (kind, holders)) in key_ids.iter().zip(kinds.iter().zip(&holders)) {
        cx.conn
            .execute("UPDATE scope_keys SET retired = 1 WHERE id = ?1", [id])?;
        keys::create(cx.conn, cx.keys, *kind, holders, cx.now)?;
    }
    let mut affected = BTreeSet::new();
    for (&id, kind) in key_ids.iter().zip(&kinds) {
        if *kind == KeyKind::Index {
            // Records were verified above under the old directory key.
            let users: Vec<i64> = cx
                .conn
                .prepare("SELECT id FROM users")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for user in users {
                directory::seal_record(cx.conn, cx.keys, user)?;
            }
            let shared: Vec<i64> = cx
                .conn
                .prepare("SELECT id FROM secrets WHERE private = 0")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            affected.extend(shared);
        } else {
            let wrapped: Vec<i64> = cx
                .conn
                .prepare("SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            affected.extend(wrapped);
        }
    }
    for secret in affected {
        match record::rotate_dek(cx.conn, cx.keys, secret) {
            Ok(()) => {}
            // A damaged secret stays damaged; it must not block re-keying
            // the rest. Its wraps under the old key go with the old key.
            Err(e) if e.code() == ErrorCode::Integrity => {}
            Err(e) => return Err(e),
        }
    }
    for &id in key_ids {
        cx.conn
            .execute("DELETE FROM secret_wraps WHERE key_id = ?1", [id])?;
        cx.conn
            .execute("DELETE FROM key_grants WHERE key_id = ?1", [id])?;
        cx.conn
            .execute("DELETE FROM scope_keys WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Worn-out keys the signed-in user can rotate now (others are rotated by
/// the next holder who writes).
pub(crate) fn rotate_worn(cx: &mut Cx) -> Result<()> {
    let mut mine = Vec::new();
    for id in keys::worn_keys(cx.conn)? {
        if cx.keys.get(cx.conn, id)?.is_some() {
            mine.push(id);
        }
    }
    if mine.is_empty() {
        Ok(())
    } else {
        rotate_many(cx, &mine)
    }
}

//! Scope keys and who holds them.
//!
//! A scope key is a random AES-256 key for one scope: all users, one
//! department, one user's private secrets, or the blind index. It is stored
//! only as HPKE grants, each sealed to one holder's public key, so granting
//! it to a new member needs the granter's session, not anyone's password.
//!
//! [`KeyCache`] holds the signed-in user's private key and the scope keys
//! they have opened. Keys are cached by id; ids are never reused
//! (AUTOINCREMENT), and keys made inside a transaction that rolls back are
//! dropped from the cache with it.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::crypto::{Aad, IndexKey, KeyPair, MAX_KEY_USES, SymKey, seal_to};
use crate::error::{Error, Result};
use crate::model::Timestamp;

/// Which scope a key serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    All,
    Dept(i64),
    Personal(i64),
    Index,
}

impl KeyKind {
    fn columns(self) -> (&'static str, Option<i64>, Option<i64>) {
        match self {
            Self::All => ("all", None, None),
            Self::Dept(d) => ("dept", Some(d), None),
            Self::Personal(u) => ("personal", None, Some(u)),
            Self::Index => ("index", None, None),
        }
    }

    fn from_columns(kind: &str, dept: Option<i64>, owner: Option<i64>) -> Result<Self> {
        match (kind, dept, owner) {
            ("all", None, None) => Ok(Self::All),
            ("dept", Some(d), None) => Ok(Self::Dept(d)),
            ("personal", None, Some(u)) => Ok(Self::Personal(u)),
            ("index", None, None) => Ok(Self::Index),
            _ => Err(Error::Integrity("a scope key record".into())),
        }
    }

    /// Canonical bytes for associated data.
    fn encode(self) -> Vec<u8> {
        let (kind, dept, owner) = self.columns();
        format!("{kind}:{}:{}", dept.unwrap_or(0), owner.unwrap_or(0)).into_bytes()
    }
}

/// Purposes of keys derived from the index key and personal keys.
const BLIND_INDEX: &str = "coffer/blind-index/v1";
const PERSONAL_BLIND_INDEX: &str = "coffer/personal-blind-index/v1";
const DIRECTORY_MAC: &str = "coffer/directory-mac/v1";

/// The signed-in user's key material. Wiped on drop (each member zeroizes
/// itself).
pub(crate) struct KeyCache {
    user_id: i64,
    pair: KeyPair,
    keys: HashMap<i64, SymKey>,
    /// Keys cached since the current transaction began.
    pending: Vec<i64>,
}

/// A grant joined with its key's kind: (kind, dept_id, owner_id, sealed).
type GrantRow = (String, Option<i64>, Option<i64>, Vec<u8>);

fn grant_aad(key_id: i64, kind: KeyKind, user_id: i64, extra: &mut Vec<u8>) -> Aad<'_> {
    *extra = kind.encode();
    extra.extend_from_slice(&user_id.to_le_bytes());
    Aad::new("key_grants", key_id, "sealed", 1).with_extra(extra)
}

impl KeyCache {
    pub(crate) fn new(user_id: i64, pair: KeyPair) -> Self {
        Self {
            user_id,
            pair,
            keys: HashMap::new(),
            pending: Vec::new(),
        }
    }

    pub(crate) fn user_id(&self) -> i64 {
        self.user_id
    }

    pub(crate) fn pair(&self) -> &KeyPair {
        &self.pair
    }

    /// Marks the end of a committed transaction.
    pub(crate) fn commit(&mut self) {
        self.pending.clear();
    }

    /// Forgets keys cached during a transaction that rolled back.
    pub(crate) fn rollback(&mut self) {
        for id in self.pending.drain(..) {
            self.keys.remove(&id);
        }
    }

    fn insert(&mut self, key_id: i64, key: SymKey) {
        self.keys.insert(key_id, key);
        self.pending.push(key_id);
    }

    /// The key with this id, if the user holds a grant for it.
    pub(crate) fn get(&mut self, conn: &Connection, key_id: i64) -> Result<Option<&SymKey>> {
        if !self.keys.contains_key(&key_id) {
            let row: Option<GrantRow> = conn
                .query_row(
                    "SELECT k.kind, k.dept_id, k.owner_id, g.sealed
                       FROM key_grants g JOIN scope_keys k ON k.id = g.key_id
                      WHERE g.key_id = ?1 AND g.user_id = ?2",
                    params![key_id, self.user_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((kind, dept, owner, sealed)) = row else {
                return Ok(None);
            };
            let kind = KeyKind::from_columns(&kind, dept, owner)?;
            let mut extra = Vec::new();
            let aad = grant_aad(key_id, kind, self.user_id, &mut extra);
            let plain = self
                .pair
                .open(&aad, &sealed)
                .map_err(|_| Error::Integrity(format!("your grant of scope key {key_id}")))?;
            let key = SymKey::from_slice(&plain)
                .map_err(|_| Error::Integrity(format!("scope key {key_id}")))?;
            self.insert(key_id, key);
        }
        Ok(self.keys.get(&key_id))
    }

    /// A key already opened by [`KeyCache::get`], without touching the vault
    /// (for work spread across threads).
    pub(crate) fn loaded(&self, key_id: i64) -> Option<&SymKey> {
        self.keys.get(&key_id)
    }

    /// Like [`KeyCache::get`], for keys policy says the user must hold.
    pub(crate) fn require(&mut self, conn: &Connection, key_id: i64) -> Result<&SymKey> {
        self.get(conn, key_id)?.ok_or_else(|| {
            Error::Integrity(format!(
                "your access to scope key {key_id} (the grant is missing)"
            ))
        })
    }

    /// The current key of a scope, which the user must hold.
    pub(crate) fn current(&mut self, conn: &Connection, kind: KeyKind) -> Result<(i64, &SymKey)> {
        let id = current_key_id(conn, kind)?;
        Ok((id, self.require(conn, id)?))
    }

    /// Blind index key for shared secrets.
    pub(crate) fn shared_blind_key(&mut self, conn: &Connection) -> Result<IndexKey> {
        let (_, root) = self.current(conn, KeyKind::Index)?;
        Ok(IndexKey::derive(root, BLIND_INDEX))
    }

    /// Blind index key for a user's private secrets (only that user has it).
    pub(crate) fn personal_blind_key(&mut self, conn: &Connection, owner: i64) -> Result<IndexKey> {
        let (_, root) = self.current(conn, KeyKind::Personal(owner))?;
        Ok(IndexKey::derive(root, PERSONAL_BLIND_INDEX))
    }

    /// MAC key for directory records (users, memberships).
    pub(crate) fn directory_key(&mut self, conn: &Connection) -> Result<IndexKey> {
        let (_, root) = self.current(conn, KeyKind::Index)?;
        Ok(IndexKey::derive(root, DIRECTORY_MAC))
    }
}

/// The id of a scope's current key.
pub(crate) fn current_key_id(conn: &Connection, kind: KeyKind) -> Result<i64> {
    let (k, dept, owner) = kind.columns();
    conn.query_row(
        "SELECT id FROM scope_keys
          WHERE kind = ?1 AND ifnull(dept_id, 0) = ifnull(?2, 0) AND ifnull(owner_id, 0) = ifnull(?3, 0)
            AND retired = 0",
        params![k, dept, owner],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::Integrity("the vault's key table (a scope key is missing)".into()))
}

pub(crate) fn key_kind(conn: &Connection, key_id: i64) -> Result<KeyKind> {
    let (kind, dept, owner): (String, Option<i64>, Option<i64>) = conn.query_row(
        "SELECT kind, dept_id, owner_id FROM scope_keys WHERE id = ?1",
        [key_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    KeyKind::from_columns(&kind, dept, owner)
}

/// Seals a scope key to one holder.
pub(crate) fn grant(
    conn: &Connection,
    key_id: i64,
    kind: KeyKind,
    key: &SymKey,
    user_id: i64,
    public_key: &[u8],
) -> Result<()> {
    let mut extra = Vec::new();
    let aad = grant_aad(key_id, kind, user_id, &mut extra);
    let sealed = seal_to(public_key, &aad, key.expose_bytes())
        .map_err(|_| Error::Integrity(format!("the public key of user {user_id}")))?;
    conn.execute(
        "INSERT INTO key_grants (key_id, user_id, sealed) VALUES (?1, ?2, ?3)
         ON CONFLICT (key_id, user_id) DO UPDATE SET sealed = excluded.sealed",
        params![key_id, user_id, sealed],
    )?;
    Ok(())
}

/// Grants the current key of `kind`, which the granter holds, to a user.
pub(crate) fn grant_current(
    conn: &Connection,
    cache: &mut KeyCache,
    kind: KeyKind,
    user_id: i64,
    public_key: &[u8],
) -> Result<()> {
    let (id, key) = cache.current(conn, kind)?;
    grant(conn, id, kind, key, user_id, public_key)
}

pub(crate) fn revoke(conn: &Connection, key_id: i64, user_id: i64) -> Result<()> {
    conn.execute(
        "DELETE FROM key_grants WHERE key_id = ?1 AND user_id = ?2",
        params![key_id, user_id],
    )?;
    Ok(())
}

/// Creates a new current key for a scope and grants it to `holders`
/// (user id and public key). An existing current key must be retired first.
pub(crate) fn create(
    conn: &Connection,
    cache: &mut KeyCache,
    kind: KeyKind,
    holders: &[(i64, Vec<u8>)],
    now: Timestamp,
) -> Result<i64> {
    let (k, dept, owner) = kind.columns();
    conn.execute(
        "INSERT INTO scope_keys (kind, dept_id, owner_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![k, dept, owner, now],
    )?;
    let id = conn.last_insert_rowid();
    let key = SymKey::generate();
    for (user_id, pk) in holders {
        grant(conn, id, kind, &key, *user_id, pk)?;
    }
    cache.insert(id, key);
    Ok(id)
}

/// Counts `n` encryptions made with a scope key.
pub(crate) fn count_uses(conn: &Connection, key_id: i64, n: i64) -> Result<()> {
    conn.execute(
        "UPDATE scope_keys SET uses = uses + ?2 WHERE id = ?1",
        params![key_id, n],
    )?;
    Ok(())
}

/// Current keys that have reached their encryption budget.
pub(crate) fn worn_keys(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM scope_keys WHERE retired = 0 AND uses >= ?1")?;
    let ids = stmt
        .query_map([MAX_KEY_USES], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

//! Reading vaults of format 1, only to upgrade them (see `upgrade`).
//!
//! Format 1 authenticated the directory with an HMAC under a key every user
//! held, and secrets with associated data over their plaintext columns. The
//! upgrade trusts what it finds here once (trust on first use, documented
//! in docs/SECURITY.md), checks every MAC and tag it can, and re-signs it
//! all in format 2. Nothing else reads these formats.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};

use crate::codec;
use crate::crypto::{Aad, IndexKey, KdfParams, KeyPair, SALT_LEN, SymKey, derive_password_key};
use crate::error::{Error, Result};
use crate::model::{Reveal, Role, Timestamp};
use crate::record::{Fields, Meta};

/// A format-1 user row.
pub(crate) struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub primary: Option<i64>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub public_key: Vec<u8>,
    pub created_at: Timestamp,
    pub record_mac: Vec<u8>,
    pub depts: BTreeSet<i64>,
}

impl User {
    fn mac_input(&self) -> Vec<Vec<u8>> {
        let mut parts = vec![
            b"user/v1".to_vec(),
            self.id.to_le_bytes().to_vec(),
            self.username.to_lowercase().into_bytes(),
            self.display_name.as_bytes().to_vec(),
            self.role.as_str().as_bytes().to_vec(),
            self.public_key.clone(),
            vec![u8::from(self.disabled), u8::from(self.must_change_password)],
            self.primary.unwrap_or(0).to_le_bytes().to_vec(),
        ];
        parts.extend(self.depts.iter().map(|d| d.to_le_bytes().to_vec()));
        parts
    }
}

const USER_COLUMNS: &str = "id, username, display_name, role, primary_dept_id, disabled, \
                            must_change_password, public_key, created_at, record_mac";

fn user_from(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        primary: r.get(4)?,
        disabled: r.get(5)?,
        must_change_password: r.get(6)?,
        public_key: r.get(7)?,
        created_at: r.get(8)?,
        record_mac: r.get(9)?,
        depts: BTreeSet::new(),
    })
}

fn damaged_users() -> Error {
    Error::Integrity("the vault's users table (format 1)".into())
}

pub(crate) fn find_user(conn: &Connection, username: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    let user = conn
        .query_row(&sql, [username], user_from)
        .optional()
        .map_err(|_| damaged_users())?;
    user.map(|mut u| {
        u.depts = memberships(conn, u.id)?;
        Ok(u)
    })
    .transpose()
}

fn memberships(conn: &Connection, user_id: i64) -> Result<BTreeSet<i64>> {
    let mut stmt = conn.prepare("SELECT dept_id FROM memberships WHERE user_id = ?1")?;
    let depts = stmt
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|_| damaged_users())?;
    Ok(depts)
}

/// Every user, each checked against the format-1 directory MAC.
pub(crate) fn users(conn: &Connection, directory_mac: &IndexKey) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    let users = stmt
        .query_map([], user_from)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|_| damaged_users())?;
    users
        .into_iter()
        .map(|mut u| {
            u.depts = memberships(conn, u.id)?;
            let input = u.mac_input();
            let refs: Vec<&[u8]> = input.iter().map(Vec::as_slice).collect();
            if directory_mac.verify(&refs, &u.record_mac) {
                Ok(u)
            } else {
                Err(Error::Integrity(format!(
                    "the format-1 record of user {}",
                    u.id
                )))
            }
        })
        .collect()
}

/// Departments as stored: (id, code, name, created_at).
pub(crate) fn departments(conn: &Connection) -> Result<Vec<(i64, String, String, Timestamp)>> {
    let mut stmt =
        conn.prepare("SELECT id, code, name, created_at FROM departments ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Opens a format-1 password bundle: the user's X25519 key pair, and the
/// parameters that locked it. `None` for a wrong password.
pub(crate) fn open_password_bundle(
    conn: &Connection,
    user_id: i64,
    password: &SecretString,
) -> Result<Option<(KeyPair, KdfParams)>> {
    let (salt, m, t, p, bundle, public_key): (Vec<u8>, u32, u32, u32, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, public_key FROM users WHERE id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .map_err(|_| Error::Integrity("your account's stored password data".into()))?;
    let params = KdfParams { m_kib: m, t, p };
    let salt: [u8; SALT_LEN] = salt
        .as_slice()
        .try_into()
        .map_err(|_| Error::Integrity("the password salt".into()))?;
    let kek = derive_password_key(password.expose_secret().as_bytes(), &salt, &params)
        .map_err(|_| Error::Integrity("the password hashing parameters".into()))?;
    let mut extra = Vec::new();
    extra.extend_from_slice(&salt);
    extra.extend_from_slice(&params.encode());
    extra.extend_from_slice(&public_key);
    let aad = Aad::new("users", user_id, "password_bundle", 1).with_extra(&extra);
    let Ok(private) = kek.open(&aad, &bundle) else {
        return Ok(None);
    };
    let pair = KeyPair::from_private_bytes(&private)
        .map_err(|_| Error::Integrity("your key bundle".into()))?;
    if pair.public_bytes().as_slice() != public_key {
        return Err(Error::Integrity("your public key".into()));
    }
    Ok(Some((pair, params)))
}

/// A format-1 scope key row's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    All,
    Dept(i64),
    Personal(i64),
    Index,
}

impl Kind {
    fn encode(self) -> Vec<u8> {
        let (kind, dept, owner) = match self {
            Self::All => ("all", 0, 0),
            Self::Dept(d) => ("dept", d, 0),
            Self::Personal(u) => ("personal", 0, u),
            Self::Index => ("index", 0, 0),
        };
        format!("{kind}:{dept}:{owner}").into_bytes()
    }
}

/// Every format-1 grant to `user_id` that opens with `pair`:
/// (key id, kind, whether the key row is current, key).
pub(crate) fn open_grants(
    conn: &Connection,
    user_id: i64,
    pair: &KeyPair,
) -> Result<Vec<(i64, Kind, bool, SymKey)>> {
    let mut stmt = conn.prepare(
        "SELECT k.id, k.kind, k.dept_id, k.owner_id, k.retired, g.sealed
           FROM key_grants g JOIN scope_keys k ON k.id = g.key_id
          WHERE g.user_id = ?1 AND g.sender_id IS NULL",
    )?;
    let rows = stmt
        .query_map([user_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, Vec<u8>>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|_| Error::Integrity("the format-1 key table".into()))?;
    let mut out = Vec::new();
    for (id, kind, dept, owner, retired, sealed) in rows {
        let kind = match (kind.as_str(), dept, owner) {
            ("all", None, None) => Kind::All,
            ("dept", Some(d), None) => Kind::Dept(d),
            ("personal", None, Some(u)) => Kind::Personal(u),
            ("index", None, None) => Kind::Index,
            _ => continue,
        };
        let mut extra = kind.encode();
        extra.extend_from_slice(&user_id.to_le_bytes());
        let aad = Aad::new("key_grants", id, "sealed", 1).with_extra(&extra);
        let Ok(plain) = pair.open(&aad, &sealed) else {
            continue;
        };
        if let Ok(key) = SymKey::from_slice(&plain) {
            out.push((id, kind, !retired, key));
        }
    }
    Ok(out)
}

/// The format-1 directory MAC key, derived from the index key.
pub(crate) fn directory_mac(index: &SymKey) -> IndexKey {
    IndexKey::derive(index, "coffer/directory-mac/v1")
}

/// A format-1 secret's plaintext columns.
pub(crate) struct Row {
    pub id: i64,
    pub key_index: Vec<u8>,
    pub all_depts: bool,
    pub private: bool,
    pub creator_id: i64,
    pub active: bool,
    pub reveal: Reveal,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub version: i64,
    pub dek_gen: i64,
    pub meta: Vec<u8>,
    pub fields: Vec<u8>,
    pub depts: Vec<i64>,
}

impl Row {
    fn header(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(160);
        h.extend_from_slice(b"secret-header/v1");
        h.extend_from_slice(&(self.key_index.len() as u32).to_le_bytes());
        h.extend_from_slice(&self.key_index);
        h.push(u8::from(self.all_depts));
        h.push(u8::from(self.private));
        h.push(u8::from(self.active));
        h.push(u8::from(self.reveal == Reveal::Never));
        for n in [
            self.creator_id,
            self.expires_at.unwrap_or(i64::MIN),
            self.created_at,
            self.updated_at,
            self.updated_by,
            self.dek_gen,
            self.depts.len() as i64,
        ] {
            h.extend_from_slice(&n.to_le_bytes());
        }
        for d in &self.depts {
            h.extend_from_slice(&d.to_le_bytes());
        }
        h
    }
}

/// Ids of format-1 secrets (no signed header yet); with `creator`, only
/// that user's private ones.
pub(crate) fn secret_ids(conn: &Connection, private_of: Option<i64>) -> Result<Vec<i64>> {
    let ids = match private_of {
        Some(u) => conn
            .prepare("SELECT id FROM secrets WHERE header IS NULL AND private = 1 AND creator_id = ?1 ORDER BY id")?
            .query_map([u], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?,
        None => conn
            .prepare("SELECT id FROM secrets WHERE header IS NULL ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?,
    };
    Ok(ids)
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Row>> {
    let row = conn
        .query_row(
            "SELECT id, key_index, all_depts, private, creator_id, active, reveal, expires_at, created_at,
                    updated_at, updated_by, version, dek_gen, meta, fields
               FROM secrets WHERE id = ?1",
            [id],
            |r| {
                Ok(Row {
                    id: r.get(0)?,
                    key_index: r.get(1)?,
                    all_depts: r.get(2)?,
                    private: r.get(3)?,
                    creator_id: r.get(4)?,
                    active: r.get(5)?,
                    reveal: if r.get::<_, String>(6)? == "allowed" {
                        Reveal::Allowed
                    } else {
                        Reveal::Never
                    },
                    expires_at: r.get(7)?,
                    created_at: r.get(8)?,
                    updated_at: r.get(9)?,
                    updated_by: r.get(10)?,
                    version: r.get(11)?,
                    dek_gen: r.get(12)?,
                    meta: r.get(13)?,
                    fields: r.get(14)?,
                    depts: Vec::new(),
                })
            },
        )
        .optional()
        .ok()
        .flatten();
    let Some(mut row) = row else {
        return Ok(None);
    };
    row.depts = conn
        .prepare("SELECT dept_id FROM secret_departments WHERE secret_id = ?1 ORDER BY dept_id")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(row))
}

/// The data key of a format-1 secret, with any of `keys` (by key id).
pub(crate) fn dek(
    conn: &Connection,
    row: &Row,
    keys: &HashMap<i64, SymKey>,
) -> Result<Option<SymKey>> {
    let mut stmt = conn.prepare("SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1")?;
    let wraps = stmt
        .query_map([row.id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (key_id, wrapped) in wraps {
        let Some(key) = keys.get(&key_id) else {
            continue;
        };
        let extra = key_id.to_le_bytes();
        let aad = Aad::new("secret_wraps", row.id, "dek", row.dek_gen).with_extra(&extra);
        let plain = key
            .open(&aad, &wrapped)
            .map_err(|_| Error::secret_integrity(row.id))?;
        return SymKey::from_slice(&plain)
            .map(Some)
            .map_err(|_| Error::secret_integrity(row.id));
    }
    Ok(None)
}

pub(crate) fn open_meta(dek: &SymKey, row: &Row) -> Result<Meta> {
    let header = row.header();
    let aad = Aad::new("secrets", row.id, "meta", row.version).with_extra(&header);
    let plain = dek
        .open(&aad, &row.meta)
        .map_err(|_| Error::secret_integrity(row.id))?;
    codec::decode_meta(&plain).ok_or_else(|| Error::secret_integrity(row.id))
}

pub(crate) fn open_fields(dek: &SymKey, row: &Row) -> Result<Fields> {
    let header = row.header();
    let aad = Aad::new("secrets", row.id, "fields", row.version).with_extra(&header);
    let plain = dek
        .open(&aad, &row.fields)
        .map_err(|_| Error::secret_integrity(row.id))?;
    codec::decode_fields(&plain).ok_or_else(|| Error::secret_integrity(row.id))
}

/// A format-1 usage: (id, name, kind, field, created_by, created_at).
pub(crate) type Usage = (i64, String, String, Option<String>, i64, Timestamp);

/// A format-1 secret's usages (JSON sealed under the data key).
pub(crate) fn usages(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<Usage>> {
    #[derive(serde::Deserialize)]
    struct Sealed {
        name: String,
        kind: String,
        field: Option<String>,
    }
    let mut stmt = conn.prepare(
        "SELECT id, sealed, created_by, created_at FROM usages WHERE secret_id = ?1 ORDER BY id",
    )?;
    let raw = stmt
        .query_map([row.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(id, blob, by, at)| {
            let extra = row.id.to_le_bytes();
            let aad = Aad::new("usages", id, "sealed", row.dek_gen).with_extra(&extra);
            let plain = dek
                .open(&aad, &blob)
                .map_err(|_| Error::secret_integrity(row.id))?;
            let s: Sealed =
                serde_json::from_slice(&plain).map_err(|_| Error::secret_integrity(row.id))?;
            Ok((id, s.name, s.kind, s.field, by, at))
        })
        .collect()
}

/// A format-1 history row: (version, updated_at, updated_by, meta, fields).
pub(crate) type Version = (i64, Timestamp, i64, Meta, Fields);

/// Format-1 history rows, oldest first.
pub(crate) fn history(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare(
        "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions WHERE secret_id = ?1 ORDER BY version",
    )?;
    let raw = stmt
        .query_map([row.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(version, at, by, m, f)| {
            let extra: Vec<u8> = [row.dek_gen, at, by]
                .iter()
                .flat_map(|n| n.to_le_bytes())
                .collect();
            let bad = || Error::secret_integrity(row.id);
            let meta = dek
                .open(
                    &Aad::new("secret_versions", row.id, "meta", version).with_extra(&extra),
                    &m,
                )
                .map_err(|_| bad())?;
            let fields = dek
                .open(
                    &Aad::new("secret_versions", row.id, "fields", version).with_extra(&extra),
                    &f,
                )
                .map_err(|_| bad())?;
            Ok((
                version,
                at,
                by,
                codec::decode_meta(&meta).ok_or_else(bad)?,
                codec::decode_fields(&fields).ok_or_else(bad)?,
            ))
        })
        .collect()
}

/// Grants and key rows of format 1 that nothing needs any more.
pub(crate) fn drop_grants_of(conn: &Connection, user_id: i64) -> Result<()> {
    conn.execute(
        "DELETE FROM key_grants WHERE user_id = ?1 AND sender_id IS NULL",
        params![user_id],
    )?;
    Ok(())
}

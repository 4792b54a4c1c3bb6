//! Reading the rows of a vault of format 1 (always a SQLite file), for its
//! upgrade. Rows only: the `legacy` module checks them.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, Row};

use crate::api::{Reveal, Role, Timestamp};
use crate::error::{Error, Result};

/// A format-1 user row.
pub(crate) struct UserRow {
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

const USER_COLUMNS: &str = "id, username, display_name, role, primary_dept_id, disabled, \
                            must_change_password, public_key, created_at, record_mac";

fn user_from(r: &Row) -> rusqlite::Result<UserRow> {
    let role: String = r.get(3)?;
    Ok(UserRow {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: match role.to_ascii_lowercase().as_str() {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::Member,
        },
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

fn memberships(conn: &Connection, user_id: i64) -> Result<BTreeSet<i64>> {
    let mut stmt = conn.prepare("SELECT dept_id FROM memberships WHERE user_id = ?1")?;
    let depts = stmt
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|_| damaged_users())?;
    Ok(depts)
}

pub(crate) fn find_user(conn: &Connection, username: &str) -> Result<Option<UserRow>> {
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

pub(crate) fn users(conn: &Connection) -> Result<Vec<UserRow>> {
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
            Ok(u)
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

/// A format-1 password bundle: (salt, m, t, p, bundle, public key).
pub(crate) type PasswordRow = (Vec<u8>, u32, u32, u32, Vec<u8>, Vec<u8>);

pub(crate) fn password_row(conn: &Connection, user_id: i64) -> Result<PasswordRow> {
    conn.query_row(
        "SELECT kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, public_key FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )
    .map_err(|_| Error::Integrity("your account's stored password data".into()))
}

/// A format-1 grant: (key id, kind, dept id, owner id, retired, sealed).
pub(crate) type GrantRow = (i64, String, Option<i64>, Option<i64>, bool, Vec<u8>);

pub(crate) fn grants(conn: &Connection, user_id: i64) -> Result<Vec<GrantRow>> {
    let mut stmt = conn.prepare(
        "SELECT k.id, k.kind, k.dept_id, k.owner_id, k.retired, g.sealed
           FROM key_grants g JOIN scope_keys k ON k.id = g.key_id
          WHERE g.user_id = ?1 AND g.sender_id IS NULL",
    )?;
    let rows = stmt
        .query_map([user_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|_| Error::Integrity("the format-1 key table".into()))?;
    Ok(rows)
}

/// A format-1 secret's columns.
pub(crate) struct SecretRow {
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

/// Ids of format-1 secrets (no signed header yet); with `private_of`, only
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

/// A format-1 secret, or `None` if it is missing or unreadable.
pub(crate) fn secret(conn: &Connection, id: i64) -> Result<Option<SecretRow>> {
    let row = conn
        .query_row(
            "SELECT id, key_index, all_depts, private, creator_id, active, reveal, expires_at, created_at,
                    updated_at, updated_by, version, dek_gen, meta, fields
               FROM secrets WHERE id = ?1",
            [id],
            |r| {
                Ok(SecretRow {
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

/// A format-1 secret's wraps: (key id, wrapped key).
pub(crate) fn wraps(conn: &Connection, secret: i64) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut stmt = conn.prepare("SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1")?;
    let wraps = stmt
        .query_map([secret], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(wraps)
}

/// A format-1 usage: (id, sealed JSON, created_by, created_at).
pub(crate) type UsageRow = (i64, Vec<u8>, i64, Timestamp);

/// A format-1 history row: (version, updated_at, updated_by, meta, fields).
pub(crate) type VersionRow = (i64, Timestamp, i64, Vec<u8>, Vec<u8>);

/// A format-1 secret's usages.
pub(crate) fn usages(conn: &Connection, secret: i64) -> Result<Vec<UsageRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, sealed, created_by, created_at FROM usages WHERE secret_id = ?1 ORDER BY id",
    )?;
    let raw = stmt
        .query_map([secret], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(raw)
}

/// A format-1 secret's history, oldest first.
pub(crate) fn versions(conn: &Connection, secret: i64) -> Result<Vec<VersionRow>> {
    let mut stmt = conn.prepare(
        "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions WHERE secret_id = ?1 ORDER BY version",
    )?;
    let raw = stmt
        .query_map([secret], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(raw)
}

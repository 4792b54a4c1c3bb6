//! Users, departments and memberships as stored, with their integrity MAC.
//!
//! A user's identity, role, state, public key and memberships are plaintext
//! (policy needs them before anything is decrypted), so each user row
//! carries an HMAC over them under a key only vault users hold. Someone who
//! can write the file but is not a user cannot promote an account, add it
//! to a department, or swap in their own public key to receive key grants:
//! the MAC check fails and the row is reported as tampered.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::crypto::IndexKey;
use crate::error::{Error, Result};
use crate::keys::{KeyCache, KeyKind};
use crate::model::{Role, Timestamp, UserInfo};
use crate::policy::Actor;

/// One `users` row with its memberships.
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

fn user_from_row(r: &Row) -> rusqlite::Result<UserRow> {
    let role: String = r.get(3)?;
    Ok(UserRow {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        // An unknown role string cannot pass the MAC check; treat it as the
        // least privileged until then.
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

impl UserRow {
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

    fn verify(&self, key: &IndexKey) -> Result<()> {
        let input = self.mac_input();
        let refs: Vec<&[u8]> = input.iter().map(Vec::as_slice).collect();
        if key.verify(&refs, &self.record_mac) {
            Ok(())
        } else {
            Err(Error::Integrity(format!(
                "the record of user {}",
                self.username
            )))
        }
    }

    pub(crate) fn info(&self, codes: &HashMap<i64, String>) -> UserInfo {
        let code = |d: &i64| codes.get(d).cloned().unwrap_or_else(|| format!("#{d}"));
        UserInfo {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            departments: self.depts.iter().map(code).collect(),
            primary_department: self.primary.as_ref().map(code),
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            created_at: self.created_at,
        }
    }

    pub(crate) fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            username: self.username.clone(),
            role: self.role,
            depts: self.depts.clone(),
            primary: self.primary,
            must_change_password: self.must_change_password,
        }
    }
}

fn with_depts(conn: &Connection, mut user: UserRow) -> Result<UserRow> {
    let mut stmt = conn.prepare_cached("SELECT dept_id FROM memberships WHERE user_id = ?1")?;
    user.depts = stmt
        .query_map([user.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(user)
}

/// Loads a user without checking the MAC (sign-in, before keys are open).
pub(crate) fn load_unverified(conn: &Connection, id: i64) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    let user = conn.query_row(&sql, [id], user_from_row).optional()?;
    user.map(|u| with_depts(conn, u)).transpose()
}

pub(crate) fn find_unverified(conn: &Connection, username: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    let user = conn.query_row(&sql, [username], user_from_row).optional()?;
    user.map(|u| with_depts(conn, u)).transpose()
}

/// Loads and verifies a user.
pub(crate) fn load(conn: &Connection, cache: &mut KeyCache, id: i64) -> Result<UserRow> {
    let user = load_unverified(conn, id)?.ok_or_else(|| Error::not_found("no such user"))?;
    user.verify(&cache.directory_key(conn)?)?;
    Ok(user)
}

pub(crate) fn find(conn: &Connection, cache: &mut KeyCache, username: &str) -> Result<UserRow> {
    let user = find_unverified(conn, username)?
        .ok_or_else(|| Error::not_found(format!("no user named {username}")))?;
    user.verify(&cache.directory_key(conn)?)?;
    Ok(user)
}

/// Every user, verified.
pub(crate) fn load_all(conn: &Connection, cache: &mut KeyCache) -> Result<Vec<UserRow>> {
    let key = cache.directory_key(conn)?;
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE NOCASE");
    let mut stmt = conn.prepare(&sql)?;
    let users = stmt
        .query_map([], user_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut members: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT user_id, dept_id FROM memberships")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (u, d) = row?;
        members.entry(u).or_default().insert(d);
    }
    users
        .into_iter()
        .map(|mut u| {
            u.depts = members.remove(&u.id).unwrap_or_default();
            u.verify(&key)?;
            Ok(u)
        })
        .collect()
}

/// The signed-in user as policy sees them, verified.
pub(crate) fn actor(conn: &Connection, cache: &mut KeyCache) -> Result<Actor> {
    let user = load(conn, cache, cache.user_id())?;
    if user.disabled {
        return Err(Error::AuthFailed(
            "this account is disabled: ask an admin".into(),
        ));
    }
    Ok(user.actor())
}

/// Recomputes and stores a user's record MAC after a change.
pub(crate) fn seal_record(conn: &Connection, cache: &mut KeyCache, user_id: i64) -> Result<()> {
    let user = load_unverified(conn, user_id)?.ok_or_else(|| Error::not_found("no such user"))?;
    let input = user.mac_input();
    let refs: Vec<&[u8]> = input.iter().map(Vec::as_slice).collect();
    let mac = cache.directory_key(conn)?.mac(&refs);
    conn.execute(
        "UPDATE users SET record_mac = ?2 WHERE id = ?1",
        params![user_id, mac.to_vec()],
    )?;
    Ok(())
}

/// Who must hold a scope's key: everyone for the all-users and index keys;
/// members plus admins for a department; the owner of a personal key.
/// Disabled users hold nothing but their personal key. Every holder's
/// record is verified before anything is sealed to their public key.
pub(crate) fn holders(
    conn: &Connection,
    cache: &mut KeyCache,
    kind: KeyKind,
) -> Result<Vec<(i64, Vec<u8>)>> {
    let users = load_all(conn, cache)?;
    Ok(users
        .into_iter()
        .filter(|u| match kind {
            KeyKind::All | KeyKind::Index => !u.disabled,
            KeyKind::Dept(d) => !u.disabled && (u.role.is_admin() || u.depts.contains(&d)),
            KeyKind::Personal(owner) => u.id == owner,
        })
        .map(|u| (u.id, u.public_key))
        .collect())
}

/// Department id by code (codes are matched without regard to case).
pub(crate) fn dept_id(conn: &Connection, code: &str) -> Result<i64> {
    conn.query_row("SELECT id FROM departments WHERE code = ?1", [code], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| {
        Error::not_found(format!(
            "no department with code {code}: see `coffer dept list`"
        ))
    })
}

pub(crate) fn dept_ids(conn: &Connection, codes: &[String]) -> Result<BTreeSet<i64>> {
    codes.iter().map(|c| dept_id(conn, c.trim())).collect()
}

/// Department codes by id.
pub(crate) fn dept_codes(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, code FROM departments")?;
    let map = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(map)
}

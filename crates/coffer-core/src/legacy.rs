//! Reading vaults of format 1, only to upgrade them (see `upgrade`).
//!
//! Format 1 authenticated the directory with an HMAC under a key every user
//! held, and secrets with associated data over their plaintext columns. The
//! upgrade trusts what it finds here once (trust on first use, documented
//! in docs/SECURITY.md), checks every MAC and tag it can, and re-signs it
//! all in format 2. Nothing else reads these formats. Rows come from
//! `store::legacy`.

use std::collections::HashMap;

use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};

use crate::api::{Reveal, Timestamp};
use crate::codec;
use crate::crypto::{Aad, IndexKey, KdfParams, KeyPair, SALT_LEN, SymKey, derive_password_key};
use crate::error::{Error, Result};
use crate::plain::{Fields, Meta};
use crate::store::legacy as rows;

pub(crate) use rows::{SecretRow as Row, UserRow as User};

fn mac_input(u: &User) -> Vec<Vec<u8>> {
    let mut parts = vec![
        b"user/v1".to_vec(),
        u.id.to_le_bytes().to_vec(),
        u.username.to_lowercase().into_bytes(),
        u.display_name.as_bytes().to_vec(),
        u.role.as_str().as_bytes().to_vec(),
        u.public_key.clone(),
        vec![u8::from(u.disabled), u8::from(u.must_change_password)],
        u.primary.unwrap_or(0).to_le_bytes().to_vec(),
    ];
    parts.extend(u.depts.iter().map(|d| d.to_le_bytes().to_vec()));
    parts
}

pub(crate) fn find_user(conn: &Connection, username: &str) -> Result<Option<User>> {
    rows::find_user(conn, username)
}

/// Every user, each checked against the format-1 directory MAC.
pub(crate) fn users(conn: &Connection, directory_mac: &IndexKey) -> Result<Vec<User>> {
    rows::users(conn)?
        .into_iter()
        .map(|u| {
            let input = mac_input(&u);
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

pub(crate) fn departments(conn: &Connection) -> Result<Vec<(i64, String, String, Timestamp)>> {
    rows::departments(conn)
}

/// Opens a format-1 password bundle: the user's X25519 key pair, and the
/// parameters that locked it. `None` for a wrong password.
pub(crate) fn open_password_bundle(
    conn: &Connection,
    user_id: i64,
    password: &SecretString,
) -> Result<Option<(KeyPair, KdfParams)>> {
    let (salt, m, t, p, bundle, public_key) = rows::password_row(conn, user_id)?;
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
    let mut out = Vec::new();
    for (id, kind, dept, owner, retired, sealed) in rows::grants(conn, user_id)? {
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

/// The associated data format 1 bound into a secret's ciphertexts: its
/// plaintext columns.
fn header(row: &Row) -> Vec<u8> {
    let mut h = Vec::with_capacity(160);
    h.extend_from_slice(b"secret-header/v1");
    h.extend_from_slice(&(row.key_index.len() as u32).to_le_bytes());
    h.extend_from_slice(&row.key_index);
    h.push(u8::from(row.all_depts));
    h.push(u8::from(row.private));
    h.push(u8::from(row.active));
    h.push(u8::from(row.reveal == Reveal::Never));
    for n in [
        row.creator_id,
        row.expires_at.unwrap_or(i64::MIN),
        row.created_at,
        row.updated_at,
        row.updated_by,
        row.dek_gen,
        row.depts.len() as i64,
    ] {
        h.extend_from_slice(&n.to_le_bytes());
    }
    for d in &row.depts {
        h.extend_from_slice(&d.to_le_bytes());
    }
    h
}

pub(crate) fn secret_ids(conn: &Connection, private_of: Option<i64>) -> Result<Vec<i64>> {
    rows::secret_ids(conn, private_of)
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Row>> {
    rows::secret(conn, id)
}

/// The data key of a format-1 secret, with any of `keys` (by key id).
pub(crate) fn dek(
    conn: &Connection,
    row: &Row,
    keys: &HashMap<i64, SymKey>,
) -> Result<Option<SymKey>> {
    for (key_id, wrapped) in rows::wraps(conn, row.id)? {
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
    let h = header(row);
    let aad = Aad::new("secrets", row.id, "meta", row.version).with_extra(&h);
    let plain = dek
        .open(&aad, &row.meta)
        .map_err(|_| Error::secret_integrity(row.id))?;
    codec::decode_meta(&plain).ok_or_else(|| Error::secret_integrity(row.id))
}

pub(crate) fn open_fields(dek: &SymKey, row: &Row) -> Result<Fields> {
    let h = header(row);
    let aad = Aad::new("secrets", row.id, "fields", row.version).with_extra(&h);
    let plain = dek
        .open(&aad, &row.fields)
        .map_err(|_| Error::secret_integrity(row.id))?;
    codec::decode_fields(&plain).ok_or_else(|| Error::secret_integrity(row.id))
}

/// A format-1 usage: (id, name, kind, field, created_by, created_at).
pub(crate) type Usage = (i64, String, String, Option<String>, i64, Timestamp);

/// A format-1 usage's plaintext: JSON `{name, kind, field}`. `None` when
/// it is not one.
pub(crate) fn decode_usage(plain: &[u8]) -> Option<(String, String, Option<String>)> {
    #[derive(serde::Deserialize)]
    struct Sealed {
        name: String,
        kind: String,
        field: Option<String>,
    }
    let s: Sealed = serde_json::from_slice(plain).ok()?;
    Some((s.name, s.kind, s.field))
}

/// A format-1 secret's usages (JSON sealed under the data key).
pub(crate) fn usages(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<Usage>> {
    rows::usages(conn, row.id)?
        .into_iter()
        .map(|(id, blob, by, at)| {
            let extra = row.id.to_le_bytes();
            let aad = Aad::new("usages", id, "sealed", row.dek_gen).with_extra(&extra);
            let plain = dek
                .open(&aad, &blob)
                .map_err(|_| Error::secret_integrity(row.id))?;
            let (name, kind, field) =
                decode_usage(&plain).ok_or_else(|| Error::secret_integrity(row.id))?;
            Ok((id, name, kind, field, by, at))
        })
        .collect()
}

/// A format-1 history row: (version, updated_at, updated_by, meta, fields).
pub(crate) type Version = (i64, Timestamp, i64, Meta, Fields);

/// Format-1 history rows, oldest first.
pub(crate) fn history(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<Version>> {
    rows::versions(conn, row.id)?
        .into_iter()
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

//! One secret as stored: plaintext policy columns, two ciphertexts, and the
//! wraps of its data key.
//!
//! `meta` (key, description, tags, field names) and `fields` (names and
//! values) are sealed under the secret's own data key. Their associated
//! data binds table, row, column and version, plus a canonical header of
//! every plaintext column policy relies on (scope, creator, state, dates,
//! blind index, data-key generation). Editing any of those columns in the
//! file, or moving a blob to another row, makes the secret fail its
//! integrity check, and only that secret.

use rusqlite::{Connection, OptionalExtension, Row as SqlRow, params};
use secrecy::SecretString;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec;
use crate::crypto::{Aad, BlindIndex, MAX_KEY_USES, SymKey};
use crate::error::{Error, Result};
use crate::keys::{self, KeyCache, KeyKind};
use crate::model::{Reveal, Timestamp};
use crate::policy::{ScopeFacts, StateFacts};

/// How many earlier versions are kept per secret.
pub(crate) const HISTORY_KEPT: i64 = 10;

/// The plaintext columns of a `secrets` row, its ciphertexts and its
/// department ids (sorted).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: i64,
    pub key_index: BlindIndex,
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
    pub dek_uses: i64,
    pub meta: Vec<u8>,
    pub fields: Vec<u8>,
    pub depts: Vec<i64>,
}

const ROW_COLUMNS: &str = "id, key_index, all_depts, private, creator_id, active, reveal, expires_at, \
                           created_at, updated_at, updated_by, version, dek_gen, dek_uses, meta, fields";

fn row_from_sql(r: &SqlRow) -> rusqlite::Result<Row> {
    // Read without copying: a row costs a few microseconds, mostly
    // allocation, and the table loads thousands of them.
    let reveal = r.get_ref(6)?.as_str().unwrap_or("");
    // A blind index of the wrong length can only come from tampering: keep
    // it zeroed, and the header check fails when the row is decrypted.
    let key_index = <[u8; 32]>::try_from(r.get_ref(1)?.as_blob().unwrap_or(&[])).unwrap_or([0; 32]);
    Ok(Row {
        id: r.get(0)?,
        key_index,
        all_depts: r.get(2)?,
        private: r.get(3)?,
        creator_id: r.get(4)?,
        active: r.get(5)?,
        // Anything but "allowed" is treated as write-only (the safe side);
        // a tampered value also fails the header check on decryption.
        reveal: if reveal == "allowed" {
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
        dek_uses: r.get(13)?,
        meta: r.get(14)?,
        fields: r.get(15)?,
        depts: Vec::new(),
    })
}

impl Row {
    /// A fresh, unsaved row.
    pub(crate) fn new(creator_id: i64, now: Timestamp) -> Self {
        Self {
            id: 0,
            key_index: [0; 32],
            all_depts: false,
            private: false,
            creator_id,
            active: true,
            reveal: Reveal::Allowed,
            expires_at: None,
            created_at: now,
            updated_at: now,
            updated_by: creator_id,
            version: 1,
            dek_gen: 1,
            dek_uses: 0,
            meta: Vec::new(),
            fields: Vec::new(),
            depts: Vec::new(),
        }
    }

    pub(crate) fn scope(&self) -> ScopeFacts<'_> {
        ScopeFacts {
            creator: self.creator_id,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
        }
    }

    pub(crate) fn state(&self) -> StateFacts {
        StateFacts {
            active: self.active,
            expires_at: self.expires_at,
            reveal: self.reveal,
        }
    }

    /// Canonical scope, unique per key: `u<creator>|...` for private
    /// secrets, `u*|...`; then `*` or the sorted department ids.
    fn scope_sig(&self) -> String {
        let users = if self.private {
            format!("u{}", self.creator_id)
        } else {
            "u*".into()
        };
        let depts = if self.all_depts {
            "*".to_string()
        } else {
            self.depts
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        format!("{users}|{depts}")
    }

    /// Whether two loads of a row carry the same authenticated header.
    pub(crate) fn same_header(&self, other: &Row) -> bool {
        self.header() == other.header()
    }

    /// Every plaintext column policy relies on, canonically encoded.
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

    fn wrap_aad<'a>(&self, key_id: i64, extra: &'a mut Vec<u8>) -> Aad<'a> {
        *extra = key_id.to_le_bytes().to_vec();
        Aad::new("secret_wraps", self.id, "dek", self.dek_gen).with_extra(extra)
    }

    /// The scope keys this secret's data key is wrapped under.
    fn wrap_kinds(&self) -> Vec<KeyKind> {
        if self.private {
            vec![KeyKind::Personal(self.creator_id)]
        } else if self.all_depts {
            vec![KeyKind::All]
        } else {
            self.depts.iter().map(|d| KeyKind::Dept(*d)).collect()
        }
    }
}

/// Key, description, tags and field names: sensitive, so encrypted, but
/// needed for the table, so kept apart from values.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Meta {
    pub key: String,
    pub description: String,
    pub tags: Vec<String>,
    pub field_names: Vec<String>,
}

crate::model::redacted_debug!(Meta {} hides { key, description, tags, field_names });

/// Field names and values, in order.
pub(crate) struct Fields(pub Vec<(String, SecretString)>);

impl Fields {
    pub(crate) fn names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
}

fn attach_depts(conn: &Connection, rows: &mut [Row]) -> Result<()> {
    if rows.len() == 1 {
        let mut stmt = conn.prepare_cached(
            "SELECT dept_id FROM secret_departments WHERE secret_id = ?1 ORDER BY dept_id",
        )?;
        rows[0].depts = stmt
            .query_map([rows[0].id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        return Ok(());
    }
    // Both sides are ordered by secret id (rows by the caller, memberships
    // by their primary key), so one merge pass attaches them.
    let mut stmt = conn.prepare_cached(
        "SELECT secret_id, dept_id FROM secret_departments ORDER BY secret_id, dept_id",
    )?;
    let mut i = 0;
    for pair in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (s, d) = pair?;
        while i < rows.len() && rows[i].id < s {
            i += 1;
        }
        if i < rows.len() && rows[i].id == s {
            rows[i].depts.push(d);
        }
    }
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Row>> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM secrets WHERE id = ?1");
    let Some(row) = conn.query_row(&sql, [id], row_from_sql).optional()? else {
        return Ok(None);
    };
    let mut rows = [row];
    attach_depts(conn, &mut rows)?;
    let [row] = rows;
    Ok(Some(row))
}

/// Every row without its `fields` ciphertext (the table never needs it).
pub(crate) fn load_listing(conn: &Connection) -> Result<Vec<Row>> {
    let columns = ROW_COLUMNS.replace(", fields", ", x'' AS fields");
    let sql = format!("SELECT {columns} FROM secrets ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map([], row_from_sql)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    attach_depts(conn, &mut rows)?;
    Ok(rows)
}

/// Rows whose blind index is one of `indexes`.
pub(crate) fn load_by_index(conn: &Connection, indexes: &[&[u8]]) -> Result<Vec<Row>> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM secrets WHERE key_index = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = Vec::new();
    for idx in indexes {
        let found = stmt
            .query_map([idx], row_from_sql)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.extend(found);
    }
    for row in rows.iter_mut() {
        attach_depts(conn, std::slice::from_mut(row))?;
    }
    Ok(rows)
}

/// Every wrap, grouped by secret (for listing many secrets at once).
/// A data key wrapped under one scope key: (key id, wrapped key).
pub(crate) type Wrap = (i64, Vec<u8>);

/// Every wrap as (secret id, key id, wrapped key), ordered by secret id.
pub(crate) fn all_wraps(conn: &Connection) -> Result<Vec<(i64, i64, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT secret_id, key_id, wrapped FROM secret_wraps ORDER BY secret_id, key_id",
    )?;
    let wraps = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(wraps)
}

fn wraps_of(conn: &Connection, id: i64) -> Result<Vec<Wrap>> {
    let mut stmt =
        conn.prepare_cached("SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1")?;
    let wraps = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(wraps)
}

/// Unwraps a data key with the scope key `key_id` it was wrapped under.
pub(crate) fn unwrap_dek(key: &SymKey, row: &Row, key_id: i64, wrapped: &[u8]) -> Result<SymKey> {
    let mut extra = Vec::new();
    let plain = key
        .open(&row.wrap_aad(key_id, &mut extra), wrapped)
        .map_err(|_| Error::secret_integrity(row.id))?;
    SymKey::from_slice(&plain).map_err(|_| Error::secret_integrity(row.id))
}

/// Unwraps the data key with the first scope key the user holds. `None`
/// when the user holds none of them (not in scope, cryptographically).
pub(crate) fn dek_from(
    conn: &Connection,
    cache: &mut KeyCache,
    row: &Row,
    wraps: &[Wrap],
) -> Result<Option<SymKey>> {
    let mut extra = Vec::new();
    for (key_id, wrapped) in wraps {
        if let Some(key) = cache.get(conn, *key_id)? {
            let aad = row.wrap_aad(*key_id, &mut extra);
            let plain = key
                .open(&aad, wrapped)
                .map_err(|_| Error::secret_integrity(row.id))?;
            return SymKey::from_slice(&plain)
                .map(Some)
                .map_err(|_| Error::secret_integrity(row.id));
        }
    }
    Ok(None)
}

/// The data key of a secret the user must be able to open.
pub(crate) fn dek(conn: &Connection, cache: &mut KeyCache, row: &Row) -> Result<SymKey> {
    let wraps = wraps_of(conn, row.id)?;
    dek_from(conn, cache, row, &wraps)?.ok_or_else(|| Error::secret_integrity(row.id))
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

/// Saves a secret: recomputes its blind index, seals meta and fields under
/// `dek`, and rewraps `dek` under the current key of each scope key of its
/// scope. Inserts when `row.id == 0` and sets the new id.
pub(crate) fn save(
    conn: &Connection,
    cache: &mut KeyCache,
    row: &mut Row,
    meta: &Meta,
    fields: &Fields,
    dek: &SymKey,
) -> Result<()> {
    let blind = if row.private {
        cache.personal_blind_key(conn, row.creator_id)?
    } else {
        cache.shared_blind_key(conn)?
    };
    row.key_index = blind.blind(&meta.key);
    if row.id == 0 {
        conn.execute(
            "INSERT INTO secrets (key_index, scope_sig, all_depts, private, creator_id, active, reveal,
                                  expires_at, created_at, updated_at, updated_by, version, dek_gen,
                                  dek_uses, meta, fields)
             VALUES (?1, ?2, 0, 0, ?3, 0, 'never', NULL, 0, 0, ?3, 0, 0, 0, x'', x'')",
            params![row.key_index, row.scope_sig(), row.creator_id],
        )
        .map_err(conflict)?;
        row.id = conn.last_insert_rowid();
    }
    row.dek_uses += 2;
    let header = row.header();
    row.meta = dek.seal(
        &Aad::new("secrets", row.id, "meta", row.version).with_extra(&header),
        &codec::encode_meta(meta),
    );
    let encoded = codec::encode_fields(fields);
    row.fields = dek.seal(
        &Aad::new("secrets", row.id, "fields", row.version).with_extra(&header),
        &encoded,
    );
    conn.execute(
        "UPDATE secrets SET key_index = ?2, scope_sig = ?3, all_depts = ?4, private = ?5, creator_id = ?6,
                active = ?7, reveal = ?8, expires_at = ?9, created_at = ?10, updated_at = ?11,
                updated_by = ?12, version = ?13, dek_gen = ?14, dek_uses = ?15, meta = ?16, fields = ?17
          WHERE id = ?1",
        params![
            row.id,
            row.key_index,
            row.scope_sig(),
            row.all_depts,
            row.private,
            row.creator_id,
            row.active,
            row.reveal.as_str(),
            row.expires_at,
            row.created_at,
            row.updated_at,
            row.updated_by,
            row.version,
            row.dek_gen,
            row.dek_uses,
            row.meta,
            row.fields
        ],
    )
    .map_err(conflict)?;
    conn.execute(
        "DELETE FROM secret_departments WHERE secret_id = ?1",
        [row.id],
    )?;
    for d in &row.depts {
        conn.execute(
            "INSERT INTO secret_departments (secret_id, dept_id) VALUES (?1, ?2)",
            params![row.id, d],
        )?;
    }
    conn.execute("DELETE FROM secret_wraps WHERE secret_id = ?1", [row.id])?;
    let mut extra = Vec::new();
    for kind in row.wrap_kinds() {
        let (key_id, key) = cache.current(conn, kind)?;
        let wrapped = key.seal(&row.wrap_aad(key_id, &mut extra), dek.expose_bytes());
        conn.execute(
            "INSERT INTO secret_wraps (secret_id, key_id, wrapped) VALUES (?1, ?2, ?3)",
            params![row.id, key_id, wrapped],
        )?;
        keys::count_uses(conn, key_id, 1)?;
    }
    Ok(())
}

fn conflict(e: rusqlite::Error) -> Error {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::Conflict(
            "a secret with this key and scope already exists: edit it, or choose another scope"
                .into(),
        )
    } else {
        e.into()
    }
}

/// Whether the data key should be replaced before sealing more under it.
pub(crate) fn dek_worn(row: &Row) -> bool {
    row.dek_uses + 2 * (HISTORY_KEPT + 2) >= MAX_KEY_USES
}

fn history_aad<'a>(secret_id: i64, column: &'a str, version: i64, extra: &'a [u8]) -> Aad<'a> {
    Aad::new("secret_versions", secret_id, column, version).with_extra(extra)
}

fn history_extra(dek_gen: i64, updated_at: Timestamp, updated_by: i64) -> Vec<u8> {
    [dek_gen, updated_at, updated_by]
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .collect()
}

/// Keeps the row's current content as an earlier version (call before
/// changing it), dropping versions beyond [`HISTORY_KEPT`].
pub(crate) fn push_history(
    conn: &Connection,
    dek: &SymKey,
    row: &Row,
    meta: &Meta,
    fields: &Fields,
) -> Result<()> {
    let extra = history_extra(row.dek_gen, row.updated_at, row.updated_by);
    let meta_blob = dek.seal(
        &history_aad(row.id, "meta", row.version, &extra),
        &codec::encode_meta(meta),
    );
    let fields_blob = dek.seal(
        &history_aad(row.id, "fields", row.version, &extra),
        &codec::encode_fields(fields),
    );
    conn.execute(
        "INSERT OR REPLACE INTO secret_versions (secret_id, version, updated_at, updated_by, meta, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![row.id, row.version, row.updated_at, row.updated_by, meta_blob, fields_blob],
    )?;
    conn.execute(
        "DELETE FROM secret_versions WHERE secret_id = ?1 AND version <= ?2",
        params![row.id, row.version - HISTORY_KEPT],
    )?;
    conn.execute(
        "UPDATE secrets SET dek_uses = dek_uses + 2 WHERE id = ?1",
        [row.id],
    )?;
    Ok(())
}

/// An earlier version, decrypted.
pub(crate) struct Version {
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub meta: Meta,
    pub fields: Fields,
}

/// Earlier versions, newest first. A damaged one is an integrity error for
/// the whole secret.
pub(crate) fn history(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions
          WHERE secret_id = ?1 ORDER BY version DESC",
    )?;
    let raw = stmt
        .query_map([row.id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<(i64, i64, i64, Vec<u8>, Vec<u8>)>>>()?;
    raw.into_iter()
        .map(|(version, updated_at, updated_by, meta, fields)| {
            let extra = history_extra(row.dek_gen, updated_at, updated_by);
            let bad = || Error::secret_integrity(row.id);
            let m = dek
                .open(&history_aad(row.id, "meta", version, &extra), &meta)
                .map_err(|_| bad())?;
            let f = dek
                .open(&history_aad(row.id, "fields", version, &extra), &fields)
                .map_err(|_| bad())?;
            Ok(Version {
                version,
                updated_at,
                updated_by,
                meta: codec::decode_meta(&m).ok_or_else(bad)?,
                fields: codec::decode_fields(&f).ok_or_else(bad)?,
            })
        })
        .collect()
}

/// Replaces a secret's data key: decrypts everything under the old one and
/// seals it again under a fresh key (new generation), wrapped under the
/// scope's current keys. Used when a scope key is rotated (a member left)
/// and when a data key nears its encryption budget.
pub(crate) fn rotate_dek(conn: &Connection, cache: &mut KeyCache, id: i64) -> Result<()> {
    let mut row = load(conn, id)?.ok_or_else(Error::secret_not_found)?;
    let old = dek(conn, cache, &row)?;
    let meta = open_meta(&old, &row)?;
    let fields = open_fields(&old, &row)?;
    let versions = history(conn, &old, &row)?;
    let before = row.clone();
    let new = SymKey::generate();
    row.dek_gen += 1;
    row.dek_uses = 0;
    save(conn, cache, &mut row, &meta, &fields, &new)?;
    crate::usages::reseal(conn, &old, &before, &new, &row)?;
    for v in versions {
        let as_row = Row {
            version: v.version,
            updated_at: v.updated_at,
            updated_by: v.updated_by,
            ..row.clone()
        };
        push_history(conn, &new, &as_row, &v.meta, &v.fields)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_covers_policy_columns() {
        let base = Row::new(1, 1000);
        let h = base.header();
        let variants = [
            Row {
                active: false,
                ..base.clone()
            },
            Row {
                private: true,
                ..base.clone()
            },
            Row {
                all_depts: true,
                ..base.clone()
            },
            Row {
                reveal: Reveal::Never,
                ..base.clone()
            },
            Row {
                expires_at: Some(5),
                ..base.clone()
            },
            Row {
                creator_id: 2,
                ..base.clone()
            },
            Row {
                depts: vec![3],
                ..base.clone()
            },
            Row {
                key_index: [1; 32],
                ..base.clone()
            },
            Row {
                dek_gen: 2,
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.header(), h);
        }
    }
}

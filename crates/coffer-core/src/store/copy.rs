//! Copying a whole vault between backends (`coffer vault copy`): every row
//! of every table, byte for byte, in one transaction on the destination,
//! then read back and compared. The rows are copied as they are: nothing is
//! decrypted, re-signed or trusted here (the copy is checked by opening it
//! as a vault, above this layer).

use sha2::{Digest, Sha256};

use super::Store;
use crate::error::Result;

/// One column's value, as both backends can hold it (booleans as 0/1).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

#[cfg(test)]
impl Cell {
    pub(crate) fn int(&self) -> i64 {
        match self {
            Self::Int(v) => *v,
            _ => panic!("not an integer"),
        }
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Bytes(b) => b.clone(),
            _ => panic!("not a blob"),
        }
    }
}

#[cfg(test)]
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

#[cfg(test)]
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Self::Int(v.into())
    }
}

#[cfg(test)]
impl From<Vec<u8>> for Cell {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(v)
    }
}

#[cfg(test)]
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

#[cfg(test)]
impl From<&String> for Cell {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

/// Every table and the columns both schemas share, parents before the
/// rows that refer to them; each list starts with the primary key.
pub(crate) const TABLES: &[(&str, &[&str])] = &[
    (
        "vault_meta",
        &[
            "id",
            "vault_id",
            "kdf_profile",
            "kdf_m",
            "kdf_t",
            "kdf_p",
            "created_at",
        ],
    ),
    ("departments", &["id", "code", "name", "created_at"]),
    (
        "users",
        &[
            "id",
            "username",
            "display_name",
            "role",
            "primary_dept_id",
            "disabled",
            "must_change_password",
            "public_key",
            "kdf_salt",
            "kdf_m",
            "kdf_t",
            "kdf_p",
            "password_bundle",
            "enroll_seal",
            "failed_attempts",
            "last_failed_at",
            "created_at",
        ],
    ),
    ("memberships", &["user_id", "dept_id"]),
    (
        "devices",
        &["id", "user_id", "label", "created_at", "bundle"],
    ),
    (
        "scope_keys",
        &[
            "id",
            "kind",
            "dept_id",
            "owner_id",
            "retired",
            "uses",
            "created_at",
        ],
    ),
    ("key_grants", &["key_id", "user_id", "sealed", "sender_id"]),
    (
        "secrets",
        &[
            "id",
            "key_index",
            "scope_sig",
            "all_depts",
            "private",
            "creator_id",
            "active",
            "reveal",
            "expires_at",
            "created_at",
            "updated_at",
            "updated_by",
            "version",
            "dek_gen",
            "dek_uses",
            "meta",
            "fields",
            "header",
            "signature",
            "signer_id",
        ],
    ),
    ("secret_departments", &["secret_id", "dept_id"]),
    ("secret_wraps", &["secret_id", "key_id", "wrapped", "blind"]),
    (
        "secret_versions",
        &[
            "secret_id",
            "version",
            "updated_at",
            "updated_by",
            "meta",
            "fields",
        ],
    ),
    (
        "usages",
        &[
            "id",
            "secret_id",
            "sealed",
            "created_by",
            "created_at",
            "signer_id",
            "signature",
        ],
    ),
    ("directory_log", &["epoch", "entry"]),
    (
        "audit_log",
        &[
            "seq",
            "at",
            "actor_id",
            "action",
            "secret_id",
            "outcome",
            "subject",
            "entry",
        ],
    ),
];

/// The columns [`TABLES`] lists for `table` (the adversary suite's copies).
#[cfg(test)]
pub(crate) fn columns_of(table: &str) -> &'static [&'static str] {
    TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("no table {table}"))
}

/// Tables whose ids are handed out by the storage (never reused).
pub(crate) const ID_TABLES: &[&str] = &[
    "departments",
    "users",
    "devices",
    "scope_keys",
    "secrets",
    "usages",
];

/// How many rows were copied.
pub(crate) struct Copied {
    pub rows: u64,
    pub digest: [u8; 32],
}

/// Copies every row from `from` to `to` (inside the caller's transactions)
/// and returns the digest of what was read.
pub(crate) fn copy_rows(from: &dyn Store, to: &dyn Store) -> Result<Copied> {
    let mut hash = Sha256::new();
    let mut rows = 0u64;
    for (table, columns) in TABLES {
        let data = from.table_rows(table, columns)?;
        digest_table(&mut hash, table, &data);
        rows += data.len() as u64;
        to.insert_rows(table, columns, &data)?;
    }
    for table in ID_TABLES {
        let n = from.id_watermark(table)?;
        to.set_id_watermark(table, n)?;
    }
    Ok(Copied {
        rows,
        digest: hash.finalize().into(),
    })
}

/// The digest of every row of a vault, as [`copy_rows`] computes it.
pub(crate) fn digest(db: &dyn Store) -> Result<[u8; 32]> {
    let mut hash = Sha256::new();
    for (table, columns) in TABLES {
        digest_table(&mut hash, table, &db.table_rows(table, columns)?);
    }
    Ok(hash.finalize().into())
}

fn digest_table(hash: &mut Sha256, table: &str, rows: &[Vec<Cell>]) {
    let len = |n: usize| (n as u64).to_be_bytes();
    hash.update(len(table.len()));
    hash.update(table.as_bytes());
    hash.update(len(rows.len()));
    for row in rows {
        for cell in row {
            match cell {
                Cell::Null => hash.update([0u8]),
                Cell::Int(v) => {
                    hash.update([1u8]);
                    hash.update(v.to_be_bytes());
                }
                Cell::Text(s) => {
                    hash.update([2u8]);
                    hash.update(len(s.len()));
                    hash.update(s.as_bytes());
                }
                Cell::Bytes(b) => {
                    hash.update([3u8]);
                    hash.update(len(b.len()));
                    hash.update(b);
                }
            }
        }
    }
}

/// `SELECT` of a table's columns in primary-key order (names come from
/// [`TABLES`], never from input).
pub(crate) fn select_sql(table: &str, columns: &[&str]) -> String {
    let order = if columns.len() > 1 { "1, 2" } else { "1" };
    format!(
        "SELECT {} FROM {table} ORDER BY {order}",
        columns.join(", ")
    )
}

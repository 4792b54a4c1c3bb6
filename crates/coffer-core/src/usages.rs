//! Usages (SPEC §5): what outside the vault depends on a secret. A secret
//! with usages cannot be deleted, and the refusal names each one.
//!
//! A usage's name, kind and field are sealed under the secret's data key
//! (they can say as much as a key does), bound to the usage row, the secret
//! and the data-key generation.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::{Aad, SymKey};
use crate::error::{Error, Result};
use crate::model::{SecretId, Timestamp};
use crate::record::{self, Row};
use crate::secrets::{usernames, visible};
use crate::vault::{Cx, Vault};

/// One usage, as shown to users.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct Usage {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub secret_id: SecretId,
    pub name: String,
    pub kind: String,
    pub field: Option<String>,
    pub created_by: String,
    #[ts(type = "number")]
    pub created_at: Timestamp,
}

/// A usage to record.
#[derive(Clone, Deserialize, TS)]
#[ts(export)]
pub struct NewUsage {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Sealed {
    name: String,
    kind: String,
    field: Option<String>,
}

impl Sealed {
    fn label(&self) -> String {
        match &self.field {
            Some(f) => format!("{} \"{}\" (field {f})", self.kind, self.name),
            None => format!("{} \"{}\"", self.kind, self.name),
        }
    }
}

fn aad<'a>(usage_id: i64, dek_gen: i64, extra: &'a mut Vec<u8>, secret_id: i64) -> Aad<'a> {
    *extra = secret_id.to_le_bytes().to_vec();
    Aad::new("usages", usage_id, "sealed", dek_gen).with_extra(extra)
}

fn seal(dek: &SymKey, usage_id: i64, row: &Row, s: &Sealed) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(s).map_err(|_| Error::invalid("cannot encode this usage"))?,
    );
    let mut extra = Vec::new();
    Ok(dek.seal(&aad(usage_id, row.dek_gen, &mut extra, row.id), &json))
}

/// Usages of a secret, decrypted: (id, content, created_by, created_at).
fn load(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<(i64, Sealed, i64, Timestamp)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sealed, created_by, created_at FROM usages WHERE secret_id = ?1 ORDER BY id",
    )?;
    let raw = stmt
        .query_map([row.id], |r| {
            Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<(i64, Vec<u8>, i64, i64)>>>()?;
    let mut extra = Vec::new();
    raw.into_iter()
        .map(|(id, blob, by, at)| {
            let plain = dek
                .open(&aad(id, row.dek_gen, &mut extra, row.id), &blob)
                .map_err(|_| Error::secret_integrity(row.id))?;
            let s: Sealed =
                serde_json::from_slice(&plain).map_err(|_| Error::secret_integrity(row.id))?;
            Ok((id, s, by, at))
        })
        .collect()
}

/// Human-readable names of a secret's usages (for refusals and warnings).
pub(crate) fn names(conn: &Connection, dek: &SymKey, row: &Row) -> Result<Vec<String>> {
    Ok(load(conn, dek, row)?
        .iter()
        .map(|(_, s, _, _)| s.label())
        .collect())
}

/// Re-seals every usage of a secret under its new data key (`new_row`
/// carries the new generation).
pub(crate) fn reseal(
    conn: &Connection,
    old: &SymKey,
    old_row: &Row,
    new: &SymKey,
    new_row: &Row,
) -> Result<()> {
    for (id, s, _, _) in load(conn, old, old_row)? {
        conn.execute(
            "UPDATE usages SET sealed = ?2 WHERE id = ?1",
            params![id, seal(new, id, new_row, &s)?],
        )?;
    }
    Ok(())
}

fn text(value: &str, what: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "a usage's {what} must be 1 to {max} characters with no control characters"
        )));
    }
    Ok(v.to_string())
}

/// A user may record or remove usages of a secret they are in scope of or
/// may edit.
fn usable(cx: &Cx, id: SecretId) -> Result<Row> {
    let row = visible(cx, id)?;
    if !(cx.actor.in_scope(&row.scope()) || cx.actor.can_edit(&row.scope())) {
        return Err(Error::denied("you are not in this secret's scope"));
    }
    Ok(row)
}

impl Vault {
    /// Records that something uses a secret (optionally one field of it).
    pub fn add_usage(&mut self, secret: SecretId, usage: NewUsage) -> Result<i64> {
        let s = Sealed {
            name: text(&usage.name, "name", 200)?,
            kind: text(&usage.kind, "kind", 40)?,
            field: usage
                .field
                .as_deref()
                .map(|f| text(f, "field", 128))
                .transpose()?,
        };
        self.run(true, false, |cx| {
            let row = usable(cx, secret)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            if let Some(f) = &s.field {
                let meta = record::open_meta(&dek, &row)?;
                if !meta.field_names.contains(f) {
                    return Err(Error::invalid("this secret has no field with that name"));
                }
            }
            cx.conn.execute(
                "INSERT INTO usages (secret_id, sealed, created_by, created_at) VALUES (?1, x'', ?2, ?3)",
                params![secret, cx.actor.id, cx.now],
            )?;
            let id = cx.conn.last_insert_rowid();
            cx.conn.execute("UPDATE usages SET sealed = ?2 WHERE id = ?1", params![id, seal(&dek, id, &row, &s)?])?;
            cx.conn.execute("UPDATE secrets SET dek_uses = dek_uses + 1 WHERE id = ?1", [secret])?;
            Ok(id)
        })
    }

    /// Removes a usage.
    pub fn remove_usage(&mut self, usage_id: i64) -> Result<()> {
        self.run(true, false, |cx| {
            let secret: Option<i64> = cx
                .conn
                .query_row(
                    "SELECT secret_id FROM usages WHERE id = ?1",
                    [usage_id],
                    |r| r.get(0),
                )
                .ok();
            let not_found = || Error::not_found("no usage with that id is visible to you");
            let secret = secret.ok_or_else(not_found)?;
            usable(cx, secret).map_err(|e| {
                if e.code() == crate::ErrorCode::NotFound {
                    not_found()
                } else {
                    e
                }
            })?;
            cx.conn
                .execute("DELETE FROM usages WHERE id = ?1", [usage_id])?;
            Ok(())
        })
    }

    /// A secret's usages.
    pub fn usages(&mut self, secret: SecretId) -> Result<Vec<Usage>> {
        self.run(false, false, |cx| {
            let row = visible(cx, secret)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let users = usernames(cx.conn)?;
            Ok(load(cx.conn, &dek, &row)?
                .into_iter()
                .map(|(id, s, by, at)| Usage {
                    id,
                    secret_id: secret,
                    name: s.name.clone(),
                    kind: s.kind.clone(),
                    field: s.field.clone(),
                    created_by: users.get(&by).cloned().unwrap_or_else(|| format!("#{by}")),
                    created_at: at,
                })
                .collect())
        })
    }
}

crate::model::redacted_debug!(Usage { id, secret_id, created_by, created_at } hides { name, kind, field });
crate::model::redacted_debug!(NewUsage {} hides { name, kind, field });

//! Usages (SPEC §5): what outside the vault depends on a secret. A secret
//! with usages cannot be deleted, and the refusal names each one.
//!
//! A usage's name, kind and field are sealed under the secret's data key
//! (they can say as much as a key does), bound to the usage row, the secret
//! and the data-key generation, and signed by whoever recorded it (or last
//! re-sealed it): a usage nobody with the right to record it signed is an
//! integrity error for its secret.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::{Aad, SymKey, verify};
use crate::error::{Error, Result};
use crate::header::{Header, blob_hash};
use crate::model::{SecretId, Timestamp};
use crate::record;
use crate::secrets::visible;
use crate::trust::state::State;
use crate::vault::{Cx, Vault};
use crate::wire::{Reader, Writer};

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

/// A usage's sealed content.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Sealed {
    name: String,
    kind: String,
    field: Option<String>,
}

const SEALED_V1: u8 = b'U';
const SIGNED_V1: u8 = b'u';
const PURPOSE: &str = "usage";

impl Sealed {
    fn label(&self) -> String {
        match &self.field {
            Some(f) => format!("{} \"{}\" (field {f})", self.kind, self.name),
            None => format!("{} \"{}\"", self.kind, self.name),
        }
    }

    fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut w = Writer::new(SEALED_V1, 16 + self.name.len() + self.kind.len());
        w.str(&self.name).str(&self.kind);
        match &self.field {
            Some(f) => w.u8(1).str(f),
            None => w.u8(0),
        };
        w.finish()
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, SEALED_V1)?;
        let name = r.str()?.to_string();
        let kind = r.str()?.to_string();
        let field = match r.u8()? {
            0 => None,
            1 => Some(r.str()?.to_string()),
            _ => return None,
        };
        r.done(Self { name, kind, field })
    }
}

fn aad<'a>(usage_id: i64, dek_gen: i64, extra: &'a mut Vec<u8>, secret_id: i64) -> Aad<'a> {
    *extra = secret_id.to_le_bytes().to_vec();
    Aad::new("usages", usage_id, "sealed", dek_gen).with_extra(extra)
}

/// Which usage row, and who recorded it when.
#[derive(Clone, Copy)]
struct Recorded {
    id: i64,
    secret_id: i64,
    by: i64,
    at: Timestamp,
}

/// What a usage's signature covers.
fn signed_body(vault_id: &str, r: Recorded, dek_gen: i64, sealed: &[u8], signer: i64) -> Vec<u8> {
    let mut w = Writer::new(SIGNED_V1, 128);
    w.str(vault_id)
        .i64(r.id)
        .i64(r.secret_id)
        .i64(dek_gen)
        .fixed(&blob_hash("usage", sealed))
        .i64(r.by)
        .i64(r.at)
        .i64(signer);
    w.finish().to_vec()
}

/// Seals and signs a usage's content onto its row.
fn store(cx: &mut Cx, r: Recorded, dek: &SymKey, dek_gen: i64, s: &Sealed) -> Result<()> {
    let mut extra = Vec::new();
    let sealed = dek.seal(&aad(r.id, dek_gen, &mut extra, r.secret_id), &s.encode());
    let body = signed_body(cx.vault_id(), r, dek_gen, &sealed, cx.actor.id);
    let signature = cx.keys.identity()?.sign.sign(PURPOSE, &body);
    cx.conn.execute(
        "UPDATE usages SET sealed = ?2, signer_id = ?3, signature = ?4 WHERE id = ?1",
        params![r.id, sealed, cx.actor.id, signature.to_vec()],
    )?;
    Ok(())
}

/// A stored usage: (id, sealed, created_by, created_at, signer, signature).
type Row = (i64, Vec<u8>, i64, Timestamp, i64, Vec<u8>);

fn rows(conn: &Connection, secret_id: i64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sealed, created_by, created_at, signer_id, signature FROM usages WHERE secret_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([secret_id], |r| {
            Ok((
                r.get(0)?,
                r.get_ref(1)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
                r.get_ref(2)?.as_i64().unwrap_or(0),
                r.get_ref(3)?.as_i64().unwrap_or(0),
                r.get_ref(4)?.as_i64().unwrap_or(0),
                r.get_ref(5)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Whether `signer` may have recorded (or re-sealed) a usage of a secret
/// with this header: someone in its scope, its creator, or an admin.
fn signer_allowed(dir: &State, h: &Header, signer: i64) -> bool {
    let Some(u) = dir.user(signer) else {
        return false;
    };
    if !u.is_active() {
        return false;
    }
    let in_scope = (h.all_depts || h.depts.iter().any(|d| u.depts.contains(d)))
        && (!h.private || h.creator == u.id);
    in_scope || (!h.private && u.role.is_admin())
}

/// A usage checked and decrypted: (id, content, created_by, created_at,
/// signer).
type Loaded = (i64, Sealed, i64, Timestamp, i64);

/// Usages of a secret, checked and decrypted.
fn load(conn: &Connection, dir: &State, dek: &SymKey, h: &Header) -> Result<Vec<Loaded>> {
    let bad = || Error::secret_integrity(h.secret_id);
    let mut extra = Vec::new();
    rows(conn, h.secret_id)?
        .into_iter()
        .map(|(id, sealed, by, at, signer, signature)| {
            let body = signed_body(
                &dir.config.vault_id,
                Recorded {
                    id,
                    secret_id: h.secret_id,
                    by,
                    at,
                },
                h.dek_gen,
                &sealed,
                signer,
            );
            let key = dir
                .user(signer)
                .and_then(|u| u.sign_key())
                .ok_or_else(bad)?;
            verify(key, PURPOSE, &body, &signature).map_err(|_| bad())?;
            if !signer_allowed(dir, h, signer) {
                return Err(bad());
            }
            let plain = dek
                .open(&aad(id, h.dek_gen, &mut extra, h.secret_id), &sealed)
                .map_err(|_| bad())?;
            let s = Sealed::decode(&plain).ok_or_else(bad)?;
            Ok((id, s, by, at, signer))
        })
        .collect()
}

/// Human-readable names of a secret's usages (for refusals and warnings).
pub(crate) fn names(
    conn: &Connection,
    dir: &State,
    dek: &SymKey,
    h: &Header,
) -> Result<Vec<String>> {
    Ok(load(conn, dir, dek, h)?
        .iter()
        .map(|u| u.1.label())
        .collect())
}

/// Re-seals every usage of a secret under its new data key, signed by the
/// signed-in user (the old generation's signatures are checked first).
pub(crate) fn reseal(
    cx: &mut Cx,
    secret_id: i64,
    old: &SymKey,
    old_gen: i64,
    new: &SymKey,
    new_gen: i64,
) -> Result<()> {
    let dir = cx.dir_arc();
    let before = std::sync::Arc::new(cx.before().clone());
    let bad = || Error::secret_integrity(secret_id);
    let mut extra = Vec::new();
    for (id, sealed, by, at, signer, signature) in rows(cx.conn, secret_id)? {
        // Checked against the directory before this transaction, as the
        // header being replaced was.
        let body = signed_body(
            &dir.config.vault_id,
            Recorded {
                id,
                secret_id,
                by,
                at,
            },
            old_gen,
            &sealed,
            signer,
        );
        let key = before
            .user(signer)
            .and_then(|u| u.sign_key())
            .ok_or_else(bad)?;
        verify(key, PURPOSE, &body, &signature).map_err(|_| bad())?;
        let plain = old
            .open(&aad(id, old_gen, &mut extra, secret_id), &sealed)
            .map_err(|_| bad())?;
        let s = Sealed::decode(&plain).ok_or_else(bad)?;
        store(
            cx,
            Recorded {
                id,
                secret_id,
                by,
                at,
            },
            new,
            new_gen,
            &s,
        )?;
    }
    Ok(())
}

/// Re-signs, as the signed-in admin, the usages `user` signed, after
/// checking them against the directory before this transaction.
pub(crate) fn reattest(cx: &mut Cx, user: i64) -> Result<()> {
    let ids: Vec<(i64, i64, Vec<u8>, i64, Timestamp)> = cx
        .conn
        .prepare_cached("SELECT u.id, u.secret_id, u.sealed, u.created_by, u.created_at FROM usages u WHERE u.signer_id = ?1")?
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, secret_id, sealed, by, at) in ids {
        let Some(stored) = record::load(cx.conn, secret_id)? else {
            continue;
        };
        let dir = cx.dir_arc();
        let Ok(secret) = record::verify(&dir, &stored) else {
            continue;
        };
        let h = &secret.header;
        let body = signed_body(
            cx.vault_id(),
            Recorded {
                id,
                secret_id,
                by,
                at,
            },
            h.dek_gen,
            &sealed,
            cx.actor.id,
        );
        let signature = cx.keys.identity()?.sign.sign(PURPOSE, &body);
        cx.conn.execute(
            "UPDATE usages SET signer_id = ?2, signature = ?3 WHERE id = ?1",
            params![id, cx.actor.id, signature.to_vec()],
        )?;
    }
    Ok(())
}

/// Re-seals the usages of a format-1 secret in format 2.
pub(crate) fn adopt(
    cx: &mut Cx,
    secret_id: i64,
    dek: &SymKey,
    dek_gen: i64,
    usages: &[crate::legacy::Usage],
) -> Result<()> {
    for (id, name, kind, field, by, at) in usages {
        let s = Sealed {
            name: name.clone(),
            kind: kind.clone(),
            field: field.clone(),
        };
        store(
            cx,
            Recorded {
                id: *id,
                secret_id,
                by: *by,
                at: *at,
            },
            dek,
            dek_gen,
            &s,
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
fn usable(cx: &mut Cx, id: SecretId) -> Result<record::Secret> {
    let secret = visible(cx, id)?;
    let scope = secret.header.scope();
    if !(cx.actor.in_scope(&scope) || cx.actor.can_edit(&scope)) {
        return Err(Error::denied("you are not in this secret's scope"));
    }
    Ok(secret)
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
        self.write(|cx| {
            let found = usable(cx, secret)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &found)?;
            if let Some(f) = &s.field {
                let meta = record::open_meta(&dek, &found)?;
                if !meta.field_names.contains(f) {
                    return Err(Error::invalid("this secret has no field with that name"));
                }
            }
            // The existing ones must check out before one is added.
            load(cx.conn, &dir, &dek, &found.header)?;
            cx.conn.execute(
                "INSERT INTO usages (secret_id, sealed, created_by, created_at) VALUES (?1, x'', ?2, ?3)",
                params![secret, cx.actor.id, cx.now],
            )?;
            let id = cx.conn.last_insert_rowid();
            let (by, at) = (cx.actor.id, cx.now);
            store(
                cx,
                Recorded { id, secret_id: secret, by, at },
                &dek,
                found.header.dek_gen,
                &s,
            )?;
            cx.conn.execute("UPDATE secrets SET dek_uses = dek_uses + 1 WHERE id = ?1", [secret])?;
            Ok(id)
        })
    }

    /// Removes a usage.
    pub fn remove_usage(&mut self, usage_id: i64) -> Result<()> {
        self.write(|cx| {
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
        self.read(|cx| {
            let found = visible(cx, secret)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &found)?;
            let users = dir.usernames();
            Ok(load(cx.conn, &dir, &dek, &found.header)?
                .into_iter()
                .map(|(id, s, by, at, _)| Usage {
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

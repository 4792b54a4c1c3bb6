//! One secret as stored: a signed header, two ciphertexts under the
//! secret's own data key, the wraps of that key (with a blind index of the
//! secret's key under each scope key), and its history.
//!
//! Reading goes through [`verify`]: the header must be signed by someone
//! allowed to write it (see `header`), the ciphertexts must be the ones it
//! names, and its revision must not be older than this device has seen.
//! Anything else is an integrity (or rollback) error for that secret only.
//! Writing goes through [`write`], the one way to make a new revision.

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::SecretString;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec;
use crate::crypto::{Aad, Hash, MAX_KEY_USES, SymKey, digest};
use crate::error::{Error, Result};
use crate::header::{Header, blob_hash, verify_header};
use crate::keys::{self, KeyCache};
use crate::model::{Reveal, Timestamp};
use crate::trust::state::{Scope, State};
use crate::vault::Cx;

/// How many earlier versions are kept per secret.
pub(crate) const HISTORY_KEPT: i64 = 10;

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

/// A `secrets` row as read, before any check. Every column is read
/// leniently: a column of the wrong type is treated as missing, which makes
/// this secret fail its check instead of failing the whole query.
pub(crate) struct Stored {
    pub id: i64,
    pub header: Option<Vec<u8>>,
    pub signature: Option<Vec<u8>>,
    pub meta: Option<Vec<u8>>,
    pub fields: Option<Vec<u8>>,
    /// Unverified; only decides who is told that a row is damaged.
    pub hint: Hint,
}

/// A row's scope as its plaintext columns say (unverified: used only to
/// decide who sees that a row failed its check, which reveals nothing).
#[derive(Clone, Default)]
pub(crate) struct Hint {
    pub private: bool,
    pub creator: i64,
    pub all_depts: bool,
    pub depts: Vec<i64>,
}

impl Hint {
    pub(crate) fn facts(&self) -> crate::policy::ScopeFacts<'_> {
        crate::policy::ScopeFacts {
            creator: self.creator,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
        }
    }
}

/// A row's hint with its departments (loaded only for rows that failed
/// their check: the others go by their header).
pub(crate) fn hint_of(conn: &Connection, id: i64, hint: &Hint) -> Result<Hint> {
    let mut hint = hint.clone();
    hint.depts = conn
        .prepare_cached(
            "SELECT dept_id FROM secret_departments WHERE secret_id = ?1 ORDER BY dept_id",
        )?
        .query_map([id], |r| Ok(r.get_ref(0)?.as_i64().unwrap_or(0)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(hint)
}

/// A secret whose header checked out.
pub(crate) struct Secret {
    pub header: Header,
    pub meta: Vec<u8>,
    /// Absent when loaded for the table.
    pub fields: Option<Vec<u8>>,
}

const COLUMNS: &str = "id, header, signature, meta, fields, private, creator_id, all_depts";

fn blob(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<Vec<u8>>> {
    Ok(r.get_ref(i)?.as_blob().ok().map(<[u8]>::to_vec))
}

fn stored_from(r: &rusqlite::Row) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        header: blob(r, 1)?,
        signature: blob(r, 2)?,
        meta: blob(r, 3)?,
        fields: blob(r, 4)?,
        hint: Hint {
            private: r.get_ref(5)?.as_i64().ok().is_none_or(|v| v != 0),
            creator: r.get_ref(6)?.as_i64().unwrap_or(0),
            all_depts: r.get_ref(7)?.as_i64().is_ok_and(|v| v != 0),
            depts: Vec::new(),
        },
    })
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM secrets WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], stored_from)
        .optional()?)
}

/// Every row without its `fields` ciphertext (the table never needs it).
pub(crate) fn load_listing(conn: &Connection) -> Result<Vec<Stored>> {
    let columns = COLUMNS.replace(", fields", ", NULL AS fields");
    let sql = format!("SELECT {columns} FROM secrets ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([], stored_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Every wrap as (secret id, key id, wrapped key), ordered by secret id.
pub(crate) fn all_wraps(conn: &Connection) -> Result<Vec<(i64, i64, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT secret_id, key_id, wrapped FROM secret_wraps ORDER BY secret_id, key_id",
    )?;
    let wraps = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get_ref(2)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(wraps)
}

/// Ids of secrets with a wrap under `key_id` whose blind index is `blind`.
pub(crate) fn ids_by_blind(conn: &Connection, key_id: i64, blind: &[u8]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = ?1 AND blind = ?2 ORDER BY secret_id",
    )?;
    let ids = stmt
        .query_map(params![key_id, blind], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Checks a stored row's header against the directory and its ciphertexts
/// against the header.
pub(crate) fn verify(dir: &State, s: &Stored) -> Result<Secret> {
    verify_with(dir, s, None)
}

/// The digest a device remembers of a header and signature it verified.
pub(crate) fn stamp(s: &Stored) -> Option<Hash> {
    Some(digest(
        "coffer/verified-header/v1",
        &[s.header.as_deref()?, s.signature.as_deref()?],
    ))
}

/// [`verify`], skipping the signature check when this device already
/// verified exactly this header and signature (`verified`: the stamp it
/// remembers; the device's memory is out of the storage's reach). Every
/// other check (the directory's rules for the signer, the hashes) runs.
pub(crate) fn verify_with(dir: &State, s: &Stored, verified: Option<&Hash>) -> Result<Secret> {
    let known = verified.is_some_and(|v| stamp(s).as_ref() == Some(v));
    let header = check(dir, s, known)?;
    Ok(Secret {
        header,
        meta: s.meta.clone().unwrap_or_default(),
        fields: s.fields.clone(),
    })
}

/// The checks of [`verify_with`], returning only the header (the table
/// keeps the row's bytes itself). `signature_known_good`: this device
/// verified exactly this header and signature before (the caller compared
/// the stamp).
pub(crate) fn check(dir: &State, s: &Stored, signature_known_good: bool) -> Result<Header> {
    let bad = || Error::secret_integrity(s.id);
    let (Some(h), Some(sig), Some(meta)) = (&s.header, &s.signature, &s.meta) else {
        return Err(bad());
    };
    let header = verify_header(dir, s.id, h, sig, signature_known_good).map_err(|_| bad())?;
    if blob_hash("meta", meta) != header.meta_hash {
        return Err(bad());
    }
    Ok(header)
}

fn wrap_aad<'a>(secret_id: i64, dek_gen: i64, key_id: i64, extra: &'a mut Vec<u8>) -> Aad<'a> {
    *extra = key_id.to_le_bytes().to_vec();
    Aad::new("secret_wraps", secret_id, "dek", dek_gen).with_extra(extra)
}

fn content_aad(table: &'static str, id: i64, column: &'static str, dek_gen: i64) -> Aad<'static> {
    Aad::new(table, id, column, dek_gen)
}

/// The wrapped data key under `key_id`, if stored.
fn wrap_of(conn: &Connection, secret_id: i64, key_id: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT wrapped FROM secret_wraps WHERE secret_id = ?1 AND key_id = ?2")?
        .query_row(params![secret_id, key_id], |r| {
            Ok(r.get_ref(0)?.as_blob().ok().map(<[u8]>::to_vec))
        })
        .optional()?
        .flatten())
}

/// Unwraps a data key with the scope key `key_id` it was wrapped under.
pub(crate) fn unwrap_dek(key: &SymKey, h: &Header, key_id: i64, wrapped: &[u8]) -> Result<SymKey> {
    let mut extra = Vec::new();
    let plain = key
        .open(
            &wrap_aad(h.secret_id, h.dek_gen, key_id, &mut extra),
            wrapped,
        )
        .map_err(|_| Error::secret_integrity(h.secret_id))?;
    SymKey::from_slice(&plain).map_err(|_| Error::secret_integrity(h.secret_id))
}

/// Unwraps the data key with the first scope key the user holds among the
/// ones the header names. `None` when they hold none (not in scope,
/// cryptographically).
pub(crate) fn dek(
    conn: &Connection,
    keys: &mut KeyCache,
    dir: &State,
    s: &Secret,
) -> Result<Option<SymKey>> {
    for &key_id in &s.header.wraps {
        if keys.get(conn, dir, key_id)?.is_none() {
            continue;
        }
        let Some(wrapped) = wrap_of(conn, s.header.secret_id, key_id)? else {
            continue;
        };
        if let Some(key) = keys.loaded(key_id) {
            return unwrap_dek(key, &s.header, key_id, &wrapped).map(Some);
        }
    }
    Ok(None)
}

/// The data key of a secret the user must be able to open. Holding none
/// of its scope keys while entitled to one means they were not shared with
/// the user yet (a new member); otherwise the secret is damaged.
pub(crate) fn require_dek(
    conn: &Connection,
    keys: &mut KeyCache,
    dir: &State,
    s: &Secret,
) -> Result<SymKey> {
    if let Some(dek) = dek(conn, keys, dir, s)? {
        return Ok(dek);
    }
    let me = dir.user(keys.user_id());
    let entitled = s.header.wraps.iter().any(|id| {
        dir.scope_of_key(*id)
            .is_some_and(|(scope, _)| me.is_some_and(|u| dir.entitled(u, scope)))
    });
    Err(if entitled {
        not_shared_yet()
    } else {
        Error::secret_integrity(s.header.secret_id)
    })
}

/// The user is entitled to a key nobody has shared with them yet.
pub(crate) fn not_shared_yet() -> Error {
    Error::PermissionDenied(
        "this secret's key has not been shared with you yet: it is shared the next time an admin \
         (or another holder) signs in"
            .into(),
    )
}

pub(crate) fn open_meta(dek: &SymKey, s: &Secret) -> Result<Meta> {
    open_meta_blob(dek, &s.header, &s.meta)
}

/// Decrypts a metadata blob the header names (already checked against it).
pub(crate) fn open_meta_blob(dek: &SymKey, h: &Header, meta: &[u8]) -> Result<Meta> {
    let plain = dek
        .open(
            &content_aad("secrets", h.secret_id, "meta", h.dek_gen),
            meta,
        )
        .map_err(|_| Error::secret_integrity(h.secret_id))?;
    codec::decode_meta(&plain).ok_or_else(|| Error::secret_integrity(h.secret_id))
}

pub(crate) fn open_fields(dek: &SymKey, s: &Secret) -> Result<Fields> {
    let h = &s.header;
    let bad = || Error::secret_integrity(h.secret_id);
    let blob = s.fields.as_ref().ok_or_else(bad)?;
    if blob_hash("fields", blob) != h.fields_hash {
        return Err(bad());
    }
    let plain = dek
        .open(
            &content_aad("secrets", h.secret_id, "fields", h.dek_gen),
            blob,
        )
        .map_err(|_| bad())?;
    codec::decode_fields(&plain).ok_or_else(bad)
}

/// The policy part of a header a writer chooses; the rest (revision,
/// wraps, hashes, signer) is filled in by [`write`].
#[derive(Clone)]
pub(crate) struct Draft {
    pub private: bool,
    pub all_depts: bool,
    pub depts: Vec<i64>,
    pub creator: i64,
    pub active: bool,
    pub reveal: Reveal,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub version: i64,
}

impl Draft {
    /// The draft of an existing header (to change some of it).
    pub(crate) fn of(h: &Header) -> Self {
        Self {
            private: h.private,
            all_depts: h.all_depts,
            depts: h.depts.clone(),
            creator: h.creator,
            active: h.active,
            reveal: h.reveal,
            expires_at: h.expires_at,
            created_at: h.created_at,
            updated_at: h.updated_at,
            updated_by: h.updated_by,
            version: h.version,
        }
    }

    pub(crate) fn scope(&self) -> crate::policy::ScopeFacts<'_> {
        crate::policy::ScopeFacts {
            creator: self.creator,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
        }
    }

    /// The scope keys this secret's data key is wrapped under.
    fn wrap_scopes(&self) -> Vec<Scope> {
        if self.private {
            vec![Scope::Personal(self.creator)]
        } else if self.all_depts {
            vec![Scope::All]
        } else {
            self.depts.iter().map(|d| Scope::Dept(*d)).collect()
        }
    }

    /// Canonical scope, unique per key: `u<creator>|...` for private
    /// secrets, `u*|...`; then `*` or the sorted department ids.
    fn scope_sig(&self) -> String {
        let users = if self.private {
            format!("u{}", self.creator)
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
}

/// Which row a write makes a new revision of.
pub(crate) enum Target<'a> {
    /// A new secret.
    New,
    /// The next revision after this header.
    Existing(&'a Header),
    /// A secret of format 1 being re-sealed (revision 1 of format 2).
    Adopt(i64),
}

/// What happens to the data key in a write.
pub(crate) enum DekPlan<'a> {
    /// A new secret: a fresh key.
    New,
    /// Use this key as it is (history and usages are already sealed
    /// under it).
    Given(&'a SymKey),
    /// Keep the key (it is replaced anyway if any of its wraps is under a
    /// key that is no longer current, or the scope changed).
    Keep(&'a SymKey),
    /// Replace the key: history and usages are re-sealed under the new one.
    Rotate(&'a SymKey),
}

/// Digest of the stored history rows of a secret, as the header names it.
pub(crate) fn history_hash(conn: &Connection, id: i64) -> Result<Hash> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions WHERE secret_id = ?1 ORDER BY version",
    )?;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get_ref(0)?.as_i64().unwrap_or(-1),
            r.get_ref(1)?.as_i64().unwrap_or(-1),
            r.get_ref(2)?.as_i64().unwrap_or(-1),
            r.get_ref(3)?
                .as_blob()
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
            r.get_ref(4)?
                .as_blob()
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
        ))
    })?;
    for row in rows {
        let (v, at, by, m, f) = row?;
        let mut p = Vec::with_capacity(88);
        p.extend_from_slice(&v.to_le_bytes());
        p.extend_from_slice(&at.to_le_bytes());
        p.extend_from_slice(&by.to_le_bytes());
        p.extend_from_slice(&blob_hash("history-meta", &m));
        p.extend_from_slice(&blob_hash("history-fields", &f));
        parts.push(p);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(digest("coffer/secret-history/v1", &refs))
}

fn conflict(e: rusqlite::Error) -> Error {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::Conflict(
            "a secret with this key and scope already exists: choose another key or scope".into(),
        )
    } else {
        e.into()
    }
}

/// Writes a new revision of a secret (or a new secret when `prev` is
/// `None`) and returns its header. Every change goes through here: the
/// revision goes up by one, the data key is wrapped under the current key
/// of each scope key of its scope (a key wrapped under anything else, or a
/// changed scope, gets a fresh data key), and the header is signed by the
/// signed-in user.
pub(crate) fn write(
    cx: &mut Cx,
    target: Target,
    draft: &Draft,
    meta: &Meta,
    fields: &Fields,
    plan: DekPlan,
) -> Result<Header> {
    let dir = cx.dir_arc();
    let prev = match target {
        Target::Existing(h) => Some(h),
        _ => None,
    };
    let id = match target {
        Target::Existing(h) => h.secret_id,
        Target::Adopt(id) => id,
        Target::New => {
            cx.conn
                .execute(
                    "INSERT INTO secrets (key_index, scope_sig, all_depts, private, creator_id, active, reveal,
                                          expires_at, created_at, updated_at, updated_by, version, dek_gen,
                                          dek_uses, meta, fields)
                     VALUES (randomblob(32), ?1, 0, 1, ?2, 0, 'never', NULL, 0, 0, ?2, 0, 0, 0, x'', x'')",
                    params![format!("new-{}", hex(&crate::crypto::random_bytes::<8>())), draft.creator],
                )
                .map_err(conflict)?;
            cx.conn.last_insert_rowid()
        }
    };
    // The scope keys to wrap under, current now.
    let mut wraps = Vec::new();
    for scope in draft.wrap_scopes() {
        let (kref, _) = cx.keys.current(cx.conn, &dir, scope)?;
        wraps.push((scope, kref.id));
    }
    let mut wrap_ids: Vec<i64> = wraps.iter().map(|w| w.1).collect();
    wrap_ids.sort_unstable();
    let same_scope = prev.is_some_and(|h| {
        h.private == draft.private
            && h.all_depts == draft.all_depts
            && h.depts == draft.depts
            && h.wraps == wrap_ids
    });
    let fresh;
    let (dek, dek_gen, old) = match plan {
        DekPlan::New => {
            fresh = SymKey::generate();
            (&fresh, 1, None)
        }
        DekPlan::Given(k) => (k, prev.map_or(1, |h| h.dek_gen + 1), None),
        DekPlan::Keep(k) if same_scope => (k, prev.map_or(1, |h| h.dek_gen), None),
        DekPlan::Keep(k) | DekPlan::Rotate(k) => {
            fresh = SymKey::generate();
            (&fresh, prev.map_or(1, |h| h.dek_gen + 1), Some(k))
        }
    };
    if let (Some(old), Some(h)) = (old, prev) {
        reseal_history(cx.conn, id, old, h.dek_gen, dek, dek_gen)?;
        crate::usages::reseal(cx, id, old, h.dek_gen, dek, dek_gen)?;
    }
    let meta_blob = dek.seal(
        &content_aad("secrets", id, "meta", dek_gen),
        &codec::encode_meta(meta),
    );
    let fields_blob = dek.seal(
        &content_aad("secrets", id, "fields", dek_gen),
        &codec::encode_fields(fields),
    );
    let header = Header {
        vault_id: dir.config.vault_id.clone(),
        secret_id: id,
        revision: prev.map_or(1, |h| h.revision + 1),
        version: draft.version,
        dek_gen,
        private: draft.private,
        all_depts: draft.all_depts,
        depts: draft.depts.clone(),
        creator: draft.creator,
        active: draft.active,
        reveal: draft.reveal,
        expires_at: draft.expires_at,
        created_at: draft.created_at,
        updated_at: draft.updated_at,
        updated_by: draft.updated_by,
        signer: cx.actor.id,
        wraps: wrap_ids,
        meta_hash: blob_hash("meta", &meta_blob),
        fields_hash: blob_hash("fields", &fields_blob),
        history_hash: history_hash(cx.conn, id)?,
    };
    // Wraps, each with the blind index of the key under its scope key.
    cx.conn
        .execute("DELETE FROM secret_wraps WHERE secret_id = ?1", [id])?;
    let mut primary_blind = None;
    let mut extra = Vec::new();
    for (_, key_id) in &wraps {
        let key = cx
            .keys
            .get(cx.conn, &dir, *key_id)?
            .ok_or_else(|| Error::secret_integrity(id))?;
        let wrapped = key.seal(
            &wrap_aad(id, dek_gen, *key_id, &mut extra),
            dek.expose_bytes(),
        );
        let blind = crate::crypto::IndexKey::derive(key, "coffer/blind-index/v2").blind(&meta.key);
        if primary_blind.is_none() {
            primary_blind = Some(blind);
        }
        cx.conn.execute(
            "INSERT INTO secret_wraps (secret_id, key_id, wrapped, blind) VALUES (?1, ?2, ?3, ?4)",
            params![id, key_id, wrapped, blind.to_vec()],
        )?;
        keys::count_uses(cx.conn, *key_id, 1)?;
    }
    let body = header.encode();
    let signature = cx.keys.identity()?.sign.sign(crate::header::PURPOSE, &body);
    cx.conn
        .execute(
            "UPDATE secrets SET key_index = ?2, scope_sig = ?3, all_depts = ?4, private = ?5, creator_id = ?6,
                    active = ?7, reveal = ?8, expires_at = ?9, created_at = ?10, updated_at = ?11,
                    updated_by = ?12, version = ?13, dek_gen = ?14,
                    dek_uses = CASE WHEN ?15 THEN 2 ELSE dek_uses + 2 END,
                    meta = ?16, fields = ?17, header = ?18, signature = ?19, signer_id = ?20
              WHERE id = ?1",
            params![
                id,
                primary_blind.map(|b| b.to_vec()),
                draft.scope_sig(),
                draft.all_depts,
                draft.private,
                draft.creator,
                draft.active,
                draft.reveal.as_str(),
                draft.expires_at,
                draft.created_at,
                draft.updated_at,
                draft.updated_by,
                draft.version,
                dek_gen,
                prev.is_none_or(|h| h.dek_gen != dek_gen),
                meta_blob,
                fields_blob,
                body,
                signature.to_vec(),
                cx.actor.id,
            ],
        )
        .map_err(conflict)?;
    cx.conn
        .execute("DELETE FROM secret_departments WHERE secret_id = ?1", [id])?;
    for d in &draft.depts {
        cx.conn.execute(
            "INSERT INTO secret_departments (secret_id, dept_id) VALUES (?1, ?2)",
            params![id, d],
        )?;
    }
    cx.saw(id, header.revision);
    Ok(header)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether the data key should be replaced before sealing more under it.
pub(crate) fn dek_worn(conn: &Connection, id: i64) -> Result<bool> {
    let uses: i64 = conn
        .query_row("SELECT dek_uses FROM secrets WHERE id = ?1", [id], |r| {
            Ok(r.get_ref(0)?.as_i64().unwrap_or(0))
        })
        .optional()?
        .unwrap_or(0);
    Ok(uses + 2 * (HISTORY_KEPT + 2) >= MAX_KEY_USES)
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

/// Keeps a header's content as an earlier version (call before writing the
/// next revision), dropping versions beyond [`HISTORY_KEPT`].
pub(crate) fn push_history(
    conn: &Connection,
    dek: &SymKey,
    h: &Header,
    meta: &Meta,
    fields: &Fields,
) -> Result<()> {
    push_history_as(
        conn,
        dek,
        h.secret_id,
        h.dek_gen,
        h.version,
        h.updated_at,
        h.updated_by,
        meta,
        fields,
    )
}

/// Stores one earlier version under `dek` (generation `dek_gen`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_history_as(
    conn: &Connection,
    dek: &SymKey,
    id: i64,
    dek_gen: i64,
    version: i64,
    updated_at: Timestamp,
    updated_by: i64,
    meta: &Meta,
    fields: &Fields,
) -> Result<()> {
    let extra = history_extra(dek_gen, updated_at, updated_by);
    let meta_blob = dek.seal(
        &history_aad(id, "meta", version, &extra),
        &codec::encode_meta(meta),
    );
    let fields_blob = dek.seal(
        &history_aad(id, "fields", version, &extra),
        &codec::encode_fields(fields),
    );
    conn.execute(
        "INSERT OR REPLACE INTO secret_versions (secret_id, version, updated_at, updated_by, meta, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, version, updated_at, updated_by, meta_blob, fields_blob],
    )?;
    conn.execute(
        "DELETE FROM secret_versions WHERE secret_id = ?1 AND version <= ?2",
        params![id, version - HISTORY_KEPT],
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

type HistoryRow = (i64, i64, i64, Vec<u8>, Vec<u8>);

fn history_rows(conn: &Connection, id: i64) -> Result<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions
          WHERE secret_id = ?1 ORDER BY version DESC",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get_ref(0)?.as_i64().unwrap_or(-1),
                r.get_ref(1)?.as_i64().unwrap_or(-1),
                r.get_ref(2)?.as_i64().unwrap_or(-1),
                r.get_ref(3)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
                r.get_ref(4)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn open_version(dek: &SymKey, id: i64, dek_gen: i64, row: &HistoryRow) -> Result<Version> {
    let (version, updated_at, updated_by, meta, fields) = row;
    let extra = history_extra(dek_gen, *updated_at, *updated_by);
    let bad = || Error::secret_integrity(id);
    let m = dek
        .open(&history_aad(id, "meta", *version, &extra), meta)
        .map_err(|_| bad())?;
    let f = dek
        .open(&history_aad(id, "fields", *version, &extra), fields)
        .map_err(|_| bad())?;
    Ok(Version {
        version: *version,
        updated_at: *updated_at,
        updated_by: *updated_by,
        meta: codec::decode_meta(&m).ok_or_else(bad)?,
        fields: codec::decode_fields(&f).ok_or_else(bad)?,
    })
}

/// Earlier versions, newest first. History that is not what the header
/// names (a version added, removed or altered) is an integrity error for
/// the whole secret.
pub(crate) fn history(conn: &Connection, dek: &SymKey, h: &Header) -> Result<Vec<Version>> {
    if history_hash(conn, h.secret_id)? != h.history_hash {
        return Err(Error::secret_integrity(h.secret_id));
    }
    history_rows(conn, h.secret_id)?
        .iter()
        .map(|row| open_version(dek, h.secret_id, h.dek_gen, row))
        .collect()
}

/// Re-seals every kept version under a new data key.
fn reseal_history(
    conn: &Connection,
    id: i64,
    old: &SymKey,
    old_gen: i64,
    new: &SymKey,
    new_gen: i64,
) -> Result<()> {
    for row in history_rows(conn, id)? {
        let v = open_version(old, id, old_gen, &row)?;
        let extra = history_extra(new_gen, v.updated_at, v.updated_by);
        let meta_blob = new.seal(
            &history_aad(id, "meta", v.version, &extra),
            &codec::encode_meta(&v.meta),
        );
        let fields_blob = new.seal(
            &history_aad(id, "fields", v.version, &extra),
            &codec::encode_fields(&v.fields),
        );
        conn.execute(
            "UPDATE secret_versions SET meta = ?3, fields = ?4 WHERE secret_id = ?1 AND version = ?2",
            params![id, v.version, meta_blob, fields_blob],
        )?;
    }
    Ok(())
}

/// Replaces a secret's data key (a scope key was rotated, a holder was
/// removed, or the key neared its encryption budget): everything is
/// re-encrypted under a fresh key, wrapped under the current scope keys,
/// and the header is re-signed by the signed-in user.
pub(crate) fn rotate_dek(cx: &mut Cx, s: &Secret, dek: &SymKey) -> Result<Header> {
    let meta = open_meta(dek, s)?;
    let fields = open_fields(dek, s)?;
    let draft = Draft::of(&s.header);
    write(
        cx,
        Target::Existing(&s.header),
        &draft,
        &meta,
        &fields,
        DekPlan::Rotate(dek),
    )
}

/// Re-signs a header as the signed-in user without changing what it says
/// (an admin vouching for the revisions of someone losing their rights).
pub(crate) fn resign(cx: &mut Cx, h: &Header) -> Result<Header> {
    let mut next = h.clone();
    next.revision += 1;
    next.signer = cx.actor.id;
    let body = next.encode();
    let signature = cx.keys.identity()?.sign.sign(crate::header::PURPOSE, &body);
    cx.conn.execute(
        "UPDATE secrets SET header = ?2, signature = ?3, signer_id = ?4 WHERE id = ?1",
        params![h.secret_id, body, signature.to_vec(), cx.actor.id],
    )?;
    cx.saw(h.secret_id, next.revision);
    Ok(next)
}

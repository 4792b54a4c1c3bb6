//! Sealing and opening every encrypted column of a secret, with the
//! associated data that binds each ciphertext to its place: metadata and
//! fields (to the secret and its data-key generation), data-key wraps (to
//! the secret, the generation and the scope key), earlier versions (to the
//! version, its author and time), and usages (to the usage row and the
//! secret). And the hashes the signed header carries of them.
//!
//! Pure functions: keys and bytes in, bytes or plaintext out. What is
//! stored where is `store`'s; who may read what is `access`'s.

pub(crate) mod header;

use zeroize::Zeroizing;

use crate::api::Timestamp;
use crate::codec;
use crate::crypto::{Aad, BlindIndex, Hash, IndexKey, SymKey, digest};
use crate::error::{Error, Result};
use crate::plain::{Fields, Meta, UsageLabel};
use crate::store::{SecretRow, VersionRow};
use header::{Header, blob_hash};

/// Purpose of the blind-index key derived from each scope key.
const BLIND_INDEX: &str = "coffer/blind-index/v2";

fn content_aad(id: i64, column: &'static str, dek_gen: i64) -> Aad<'static> {
    Aad::new("secrets", id, column, dek_gen)
}

/// Seals an encoded plaintext into a secret's `meta` or `fields` column.
pub(crate) fn seal_content(
    dek: &SymKey,
    id: i64,
    column: &'static str,
    dek_gen: i64,
    plain: &[u8],
) -> Vec<u8> {
    dek.seal(&content_aad(id, column, dek_gen), plain)
}

pub(crate) fn seal_meta(dek: &SymKey, id: i64, dek_gen: i64, meta: &Meta) -> Vec<u8> {
    seal_content(dek, id, "meta", dek_gen, &codec::encode_meta(meta))
}

/// Decrypts a metadata blob the header names (checked against it already).
pub(crate) fn open_meta(dek: &SymKey, h: &Header, blob: &[u8]) -> Result<Meta> {
    let plain = dek
        .open(&content_aad(h.secret_id, "meta", h.dek_gen), blob)
        .map_err(|_| Error::secret_integrity(h.secret_id))?;
    codec::decode_meta(&plain).ok_or_else(|| Error::secret_integrity(h.secret_id))
}

pub(crate) fn seal_fields(dek: &SymKey, id: i64, dek_gen: i64, fields: &Fields) -> Vec<u8> {
    seal_content(dek, id, "fields", dek_gen, &codec::encode_fields(fields))
}

/// Decrypts the fields blob, which must be the one the header names.
pub(crate) fn open_fields(dek: &SymKey, h: &Header, blob: &[u8]) -> Result<Fields> {
    let bad = || Error::secret_integrity(h.secret_id);
    if blob_hash("fields", blob) != h.fields_hash {
        return Err(bad());
    }
    let plain = dek
        .open(&content_aad(h.secret_id, "fields", h.dek_gen), blob)
        .map_err(|_| bad())?;
    codec::decode_fields(&plain).ok_or_else(bad)
}

/// Associated data for a ciphertext of row `id` that also names another
/// row it belongs to (`linked`: the scope key a wrap is under, the secret a
/// usage is of), so it cannot be moved to another pairing.
fn linked_aad<'a>(
    table: &'static str,
    id: i64,
    column: &'static str,
    generation: i64,
    linked: &'a [u8; 8],
) -> Aad<'a> {
    Aad::new(table, id, column, generation).with_extra(linked)
}

/// A data key wrapped under the scope key `key_id`.
pub(crate) fn wrap_dek(
    key: &SymKey,
    secret_id: i64,
    dek_gen: i64,
    key_id: i64,
    dek: &SymKey,
) -> Vec<u8> {
    wrap_bytes(key, secret_id, dek_gen, key_id, dek.expose_bytes())
}

/// Seals raw key bytes as a wrap (the fuzz targets wrap any bytes).
pub(crate) fn wrap_bytes(
    key: &SymKey,
    secret_id: i64,
    dek_gen: i64,
    key_id: i64,
    plain: &[u8],
) -> Vec<u8> {
    key.seal(
        &linked_aad(
            "secret_wraps",
            secret_id,
            "dek",
            dek_gen,
            &key_id.to_le_bytes(),
        ),
        plain,
    )
}

/// Unwraps a data key with the scope key `key_id` it was wrapped under.
pub(crate) fn unwrap_dek(key: &SymKey, h: &Header, key_id: i64, wrapped: &[u8]) -> Result<SymKey> {
    let plain = key
        .open(
            &linked_aad(
                "secret_wraps",
                h.secret_id,
                "dek",
                h.dek_gen,
                &key_id.to_le_bytes(),
            ),
            wrapped,
        )
        .map_err(|_| Error::secret_integrity(h.secret_id))?;
    SymKey::from_slice(&plain).map_err(|_| Error::secret_integrity(h.secret_id))
}

/// The blind index of a secret's key under a scope key: only that key's
/// holders can compute it.
pub(crate) fn blind(scope_key: &SymKey, name: &str) -> BlindIndex {
    IndexKey::derive(scope_key, BLIND_INDEX).blind(name)
}

/// The digest a device remembers of a header and signature it verified.
pub(crate) fn stamp(row: &SecretRow) -> Option<Hash> {
    Some(digest(
        "coffer/verified-header/v1",
        &[row.header.as_deref()?, row.signature.as_deref()?],
    ))
}

// ----------------------------------------------------------------- history

fn history_aad<'a>(secret_id: i64, column: &'a str, version: i64, extra: &'a [u8]) -> Aad<'a> {
    Aad::new("secret_versions", secret_id, column, version).with_extra(extra)
}

fn history_extra(dek_gen: i64, updated_at: Timestamp, updated_by: i64) -> Vec<u8> {
    [dek_gen, updated_at, updated_by]
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .collect()
}

/// An earlier version, decrypted.
pub(crate) struct Version {
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub meta: Meta,
    pub fields: Fields,
}

/// Seals an earlier version under `dek` (generation `dek_gen`).
pub(crate) fn seal_version(dek: &SymKey, secret_id: i64, dek_gen: i64, v: &Version) -> VersionRow {
    let mut row = VersionRow {
        version: v.version,
        updated_at: v.updated_at,
        updated_by: v.updated_by,
        meta: Vec::new(),
        fields: Vec::new(),
    };
    seal_version_plain(
        dek,
        secret_id,
        dek_gen,
        &mut row,
        &codec::encode_meta(&v.meta),
        &codec::encode_fields(&v.fields),
    );
    row
}

/// Seals encoded plaintexts into a version row's `meta` and `fields`,
/// bound to its version, author and time.
pub(crate) fn seal_version_plain(
    dek: &SymKey,
    secret_id: i64,
    dek_gen: i64,
    row: &mut VersionRow,
    meta: &[u8],
    fields: &[u8],
) {
    let extra = history_extra(dek_gen, row.updated_at, row.updated_by);
    row.meta = dek.seal(&history_aad(secret_id, "meta", row.version, &extra), meta);
    row.fields = dek.seal(
        &history_aad(secret_id, "fields", row.version, &extra),
        fields,
    );
}

pub(crate) fn open_version(
    dek: &SymKey,
    secret_id: i64,
    dek_gen: i64,
    row: &VersionRow,
) -> Result<Version> {
    let extra = history_extra(dek_gen, row.updated_at, row.updated_by);
    let bad = || Error::secret_integrity(secret_id);
    let m = dek
        .open(
            &history_aad(secret_id, "meta", row.version, &extra),
            &row.meta,
        )
        .map_err(|_| bad())?;
    let f = dek
        .open(
            &history_aad(secret_id, "fields", row.version, &extra),
            &row.fields,
        )
        .map_err(|_| bad())?;
    Ok(Version {
        version: row.version,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
        meta: codec::decode_meta(&m).ok_or_else(bad)?,
        fields: codec::decode_fields(&f).ok_or_else(bad)?,
    })
}

/// The digest a header names of a secret's stored history (oldest first).
pub(crate) fn history_hash(rows: &[VersionRow]) -> Hash {
    let parts: Vec<Vec<u8>> = rows
        .iter()
        .map(|r| {
            let mut p = Vec::with_capacity(88);
            p.extend_from_slice(&r.version.to_le_bytes());
            p.extend_from_slice(&r.updated_at.to_le_bytes());
            p.extend_from_slice(&r.updated_by.to_le_bytes());
            p.extend_from_slice(&blob_hash("history-meta", &r.meta));
            p.extend_from_slice(&blob_hash("history-fields", &r.fields));
            p
        })
        .collect();
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    digest("coffer/secret-history/v1", &refs)
}

// ------------------------------------------------------------------ usages

pub(crate) fn seal_usage(
    dek: &SymKey,
    usage_id: i64,
    secret_id: i64,
    dek_gen: i64,
    label: &UsageLabel,
) -> Vec<u8> {
    let plain: Zeroizing<Vec<u8>> = codec::encode_usage(label);
    seal_usage_plain(dek, usage_id, secret_id, dek_gen, &plain)
}

/// Seals an encoded usage label onto usage row `usage_id` of a secret.
pub(crate) fn seal_usage_plain(
    dek: &SymKey,
    usage_id: i64,
    secret_id: i64,
    dek_gen: i64,
    plain: &[u8],
) -> Vec<u8> {
    dek.seal(
        &linked_aad(
            "usages",
            usage_id,
            "sealed",
            dek_gen,
            &secret_id.to_le_bytes(),
        ),
        plain,
    )
}

pub(crate) fn open_usage(
    dek: &SymKey,
    usage_id: i64,
    secret_id: i64,
    dek_gen: i64,
    sealed: &[u8],
) -> Result<UsageLabel> {
    let bad = || Error::secret_integrity(secret_id);
    let plain = dek
        .open(
            &linked_aad(
                "usages",
                usage_id,
                "sealed",
                dek_gen,
                &secret_id.to_le_bytes(),
            ),
            sealed,
        )
        .map_err(|_| bad())?;
    codec::decode_usage(&plain).ok_or_else(bad)
}

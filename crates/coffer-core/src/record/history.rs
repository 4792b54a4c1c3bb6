//! A secret's earlier versions (the last [`HISTORY_KEPT`] are kept), sealed
//! under its data key and named, as a whole, by a hash in its header: a
//! version added, removed or altered in the storage makes the whole secret
//! an integrity error.

use crate::crypto::SymKey;
use crate::error::{Error, Result};
use crate::plain::{Fields, Meta};
use crate::seal::{self, Version, header::Header};
use crate::store::Store;

/// How many earlier versions are kept per secret.
pub(crate) const HISTORY_KEPT: i64 = 10;

/// Keeps a header's content as an earlier version (call before writing the
/// next revision), dropping versions beyond [`HISTORY_KEPT`].
pub(crate) fn push(
    db: &dyn Store,
    dek: &SymKey,
    h: &Header,
    meta: &Meta,
    fields: &Fields,
) -> Result<()> {
    let v = Version {
        version: h.version,
        updated_at: h.updated_at,
        updated_by: h.updated_by,
        meta: meta.clone(),
        fields: fields.clone(),
    };
    store(db, dek, h.secret_id, h.dek_gen, &v)
}

/// Stores one earlier version under `dek` (generation `dek_gen`), dropping
/// versions beyond [`HISTORY_KEPT`].
pub(crate) fn store(
    db: &dyn Store,
    dek: &SymKey,
    id: i64,
    dek_gen: i64,
    v: &Version,
) -> Result<()> {
    db.put_version(id, &seal::seal_version(dek, id, dek_gen, v))?;
    db.prune_versions(id, v.version.saturating_sub(HISTORY_KEPT))
}

/// Earlier versions, newest first, once the stored rows are the ones the
/// header names.
pub(crate) fn list(db: &dyn Store, dek: &SymKey, h: &Header) -> Result<Vec<Version>> {
    let rows = db.versions(h.secret_id)?;
    if seal::history_hash(&rows) != h.history_hash {
        return Err(Error::secret_integrity(h.secret_id));
    }
    rows.iter()
        .rev()
        .map(|row| seal::open_version(dek, h.secret_id, h.dek_gen, row))
        .collect()
}

/// One earlier version.
pub(crate) fn find(db: &dyn Store, dek: &SymKey, h: &Header, version: i64) -> Result<Version> {
    list(db, dek, h)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::not_found("no such version of this secret (the last ten are kept)"))
}

/// Re-seals every kept version under a new data key.
pub(crate) fn reseal(
    db: &dyn Store,
    id: i64,
    old: &SymKey,
    old_gen: i64,
    new: &SymKey,
    new_gen: i64,
) -> Result<()> {
    for row in db.versions(id)? {
        let v = seal::open_version(old, id, old_gen, &row)?;
        db.put_version(id, &seal::seal_version(new, id, new_gen, &v))?;
    }
    Ok(())
}

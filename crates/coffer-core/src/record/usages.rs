//! A secret's usages as stored (SPEC §5): each one's name, kind and field
//! sealed under the secret's data key (see `seal`), and signed by whoever
//! recorded it (or last re-sealed it). A usage nobody with the right to
//! record it signed is an integrity error for its secret.

use crate::api::Timestamp;
use crate::crypto::{SymKey, verify};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::plain::UsageLabel;
use crate::seal::{
    self,
    header::{Header, blob_hash},
};
use crate::store::{Store, UsageRow};
use crate::trust::state::State;
use crate::wire::Writer;

const SIGNED_V1: u8 = b'u';
const PURPOSE: &str = "usage";

/// Which usage row, and who recorded it when.
#[derive(Clone, Copy)]
pub(crate) struct Recorded {
    pub id: i64,
    pub secret_id: i64,
    pub by: i64,
    pub at: Timestamp,
}

impl Recorded {
    fn of(row: &UsageRow, secret_id: i64) -> Self {
        Self {
            id: row.id,
            secret_id,
            by: row.created_by,
            at: row.created_at,
        }
    }
}

/// A usage checked and opened.
pub(crate) struct Loaded {
    pub recorded: Recorded,
    pub label: UsageLabel,
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
pub(crate) fn store(
    cx: &Cx,
    r: Recorded,
    dek: &SymKey,
    dek_gen: i64,
    label: &UsageLabel,
) -> Result<()> {
    let sealed = seal::seal_usage(dek, r.id, r.secret_id, dek_gen, label);
    let body = signed_body(cx.vault_id(), r, dek_gen, &sealed, cx.actor().id);
    let signature = cx.identity()?.sign.sign(PURPOSE, &body);
    cx.db()
        .set_usage(r.id, &sealed, cx.actor().id, signature.as_slice())
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

/// Whether a stored usage (`recorded`, at data-key generation `dek_gen`) is
/// signed by the signer it names, with the key `dir` gives them.
fn signed_by_its_signer(dir: &State, recorded: Recorded, dek_gen: i64, row: &UsageRow) -> bool {
    let body = signed_body(
        &dir.config.vault_id,
        recorded,
        dek_gen,
        &row.sealed,
        row.signer,
    );
    dir.user(row.signer)
        .and_then(|u| u.sign_key())
        .is_some_and(|k| verify(k, PURPOSE, &body, &row.signature).is_ok())
}

/// Checks one stored usage of secret `secret_id` (its signature, made at
/// data-key generation `dek_gen`, by someone `dir` knows; and, given the
/// secret's header, that they may record usages of it) and opens it.
fn open(
    dir: &State,
    secret_id: i64,
    rules: Option<&Header>,
    dek: &SymKey,
    dek_gen: i64,
    row: &UsageRow,
) -> Result<Loaded> {
    let bad = || Error::secret_integrity(secret_id);
    let recorded = Recorded::of(row, secret_id);
    if !signed_by_its_signer(dir, recorded, dek_gen, row) {
        return Err(bad());
    }
    if rules.is_some_and(|h| !signer_allowed(dir, h, row.signer)) {
        return Err(bad());
    }
    let label = seal::open_usage(dek, row.id, secret_id, dek_gen, &row.sealed)?;
    Ok(Loaded { recorded, label })
}

/// Usages of a secret, checked and opened.
pub(crate) fn load(db: &dyn Store, dir: &State, dek: &SymKey, h: &Header) -> Result<Vec<Loaded>> {
    db.usages(h.secret_id)?
        .iter()
        .map(|row| open(dir, h.secret_id, Some(h), dek, h.dek_gen, row))
        .collect()
}

/// How refusals and warnings name a secret's usages.
pub(crate) fn names(db: &dyn Store, dir: &State, dek: &SymKey, h: &Header) -> Result<Vec<String>> {
    Ok(load(db, dir, dek, h)?
        .iter()
        .map(|u| u.label.describe())
        .collect())
}

/// Re-seals every usage of a secret under its new data key, signed by the
/// signed-in user (each is checked first against the directory before this
/// transaction, as the header being replaced was).
pub(crate) fn reseal(
    cx: &mut Cx,
    secret_id: i64,
    old: &SymKey,
    old_gen: i64,
    new: &SymKey,
    new_gen: i64,
) -> Result<()> {
    let before = cx.before();
    for usage in cx.db().usages(secret_id)? {
        let loaded = open(&before, secret_id, None, old, old_gen, &usage)?;
        store(cx, loaded.recorded, new, new_gen, &loaded.label)?;
    }
    Ok(())
}

/// Re-signs a usage as the signed-in user (an admin vouching for what
/// someone losing their rights recorded, or a user whose keys were just
/// replaced), for a secret at data-key generation `dek_gen`. Only a usage
/// whose signature checks out against the directory before this
/// transaction is vouched for: a row someone wrote into the storage stays
/// refused.
pub(crate) fn resign(cx: &Cx, usage: &UsageRow, dek_gen: i64) -> Result<()> {
    if !signed_by_its_signer(
        &cx.before(),
        Recorded::of(usage, usage.secret_id),
        dek_gen,
        usage,
    ) {
        return Ok(());
    }
    let body = signed_body(
        cx.vault_id(),
        Recorded::of(usage, usage.secret_id),
        dek_gen,
        &usage.sealed,
        cx.actor().id,
    );
    let signature = cx.identity()?.sign.sign(PURPOSE, &body);
    cx.db()
        .set_usage_signature(usage.id, cx.actor().id, signature.as_slice())
}

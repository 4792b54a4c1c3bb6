//! One secret as stored: a signed header, two ciphertexts under the
//! secret's own data key, the wraps of that key (with a blind index of the
//! secret's key under each scope key), its history and its usages.
//!
//! Reading goes through [`verify`]: the header must be signed by someone
//! allowed to write it (see `seal::header`), the ciphertexts must be the
//! ones it names, and its revision must not be older than this device has
//! seen. Anything else is an integrity (or rollback) error for that secret
//! only. Writing goes through [`write`], the one way to make a new
//! revision, and new content through [`new_version`].
//!
//! Bytes come from `store`, sealing from `seal`, keys and the directory
//! from the transaction context.

pub(crate) mod history;
pub(crate) mod usages;

use crate::api::{AuditAction, Reveal, Timestamp};
use crate::audit::Event;
use crate::crypto::{Hash, MAX_KEY_USES, SymKey};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::plain::{Fields, Meta};
use crate::policy::ScopeFacts;
use crate::seal::{
    self,
    header::{Header, PURPOSE, blob_hash, verify_header},
};
use crate::store::{Hint, SecretColumns, SecretRow, Store, WrapRow};
use crate::trust::state::State;

pub(crate) use history::HISTORY_KEPT;

/// A secret whose header checked out.
pub(crate) struct Secret {
    pub header: Header,
    pub meta: Vec<u8>,
    /// Absent when loaded for the table.
    pub fields: Option<Vec<u8>>,
}

/// A row's hint with its departments (loaded only for rows that failed
/// their check: the others go by their header).
pub(crate) fn hint_of(db: &dyn Store, id: i64, hint: &Hint) -> Result<Hint> {
    let mut hint = hint.clone();
    hint.depts = db.secret_depts(id)?;
    Ok(hint)
}

/// Checks a stored row's header against the directory and its ciphertexts
/// against the header.
pub(crate) fn verify(dir: &State, row: &SecretRow) -> Result<Secret> {
    verify_with(dir, row, None)
}

/// [`verify`], skipping the signature check when this device already
/// verified exactly this header and signature (`verified`: the stamp it
/// remembers; the device's memory is out of the storage's reach). Every
/// other check (the directory's rules for the signer, the hashes) runs.
pub(crate) fn verify_with(dir: &State, row: &SecretRow, verified: Option<&Hash>) -> Result<Secret> {
    let known = verified.is_some_and(|v| seal::stamp(row).as_ref() == Some(v));
    let header = check(dir, row, known)?;
    Ok(Secret {
        header,
        meta: row.meta.clone().unwrap_or_default(),
        fields: row.fields.clone(),
    })
}

/// The checks of [`verify_with`], returning only the header (the table
/// keeps the row's bytes itself). `signature_known_good`: this device
/// verified exactly this header and signature before (the caller compared
/// the stamp).
pub(crate) fn check(dir: &State, row: &SecretRow, signature_known_good: bool) -> Result<Header> {
    let bad = || Error::secret_integrity(row.id);
    let (Some(h), Some(sig), Some(meta)) = (&row.header, &row.signature, &row.meta) else {
        return Err(bad());
    };
    let header = verify_header(dir, row.id, h, sig, signature_known_good).map_err(|_| bad())?;
    if blob_hash("meta", meta) != header.meta_hash {
        return Err(bad());
    }
    Ok(header)
}

/// Unwraps the data key with the first scope key the user holds among the
/// ones the header names. `None` when they hold none (not in scope,
/// cryptographically).
pub(crate) fn dek(cx: &mut Cx, s: &Secret) -> Result<Option<SymKey>> {
    let db = cx.db();
    for &key_id in &s.header.wraps {
        if cx.key(key_id)?.is_none() {
            continue;
        }
        let Some(wrapped) = db.wrap(s.header.secret_id, key_id)? else {
            continue;
        };
        if let Some(key) = cx.loaded_key(key_id) {
            return seal::unwrap_dek(key, &s.header, key_id, &wrapped).map(Some);
        }
    }
    Ok(None)
}

/// The data key of a secret the user must be able to open. Holding none
/// of its scope keys while entitled to one means they were not shared with
/// the user yet (a new member); otherwise the secret is damaged.
pub(crate) fn require_dek(cx: &mut Cx, s: &Secret) -> Result<SymKey> {
    if let Some(dek) = dek(cx, s)? {
        return Ok(dek);
    }
    let dir = cx.dir();
    let me = dir.user(cx.actor().id);
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
    seal::open_meta(dek, &s.header, &s.meta)
}

/// Records an event about a secret in the audit log, naming its key (from
/// its metadata) for those who may read it.
pub(crate) fn note(cx: &mut Cx, action: AuditAction, s: &Secret, dek: &SymKey) -> Result<()> {
    let meta = open_meta(dek, s)?;
    cx.record(Event::about(
        action,
        s.header.secret_id,
        &meta.key,
        s.header.private,
    ));
    Ok(())
}

pub(crate) fn open_fields(dek: &SymKey, s: &Secret) -> Result<Fields> {
    let blob = s
        .fields
        .as_ref()
        .ok_or_else(|| Error::secret_integrity(s.header.secret_id))?;
    seal::open_fields(dek, &s.header, blob)
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

    pub(crate) fn scope(&self) -> ScopeFacts<'_> {
        ScopeFacts {
            creator: self.creator,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
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

/// Writes a new revision of a secret (or a new secret) and returns its
/// header. Every change goes through here: the revision goes up by one,
/// the data key is wrapped under the current key of each scope key of its
/// scope (a key wrapped under anything else, or a changed scope, gets a
/// fresh data key), and the header is signed by the signed-in user.
pub(crate) fn write(
    cx: &mut Cx,
    target: Target,
    draft: &Draft,
    meta: &Meta,
    fields: &Fields,
    plan: DekPlan,
) -> Result<Header> {
    let db = cx.db();
    let prev = match target {
        Target::Existing(h) => Some(h),
        _ => None,
    };
    let id = match target {
        Target::Existing(h) => h.secret_id,
        Target::Adopt(id) => id,
        Target::New => db.insert_secret(draft.creator)?,
    };
    // The scope keys to wrap under, current now.
    let mut wrap_ids = Vec::new();
    for scope in seal::header::key_scopes(&draft.scope()) {
        wrap_ids.push(cx.current_key(scope)?.0.id);
    }
    let primary = wrap_ids.first().copied();
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
        history::reseal(db, id, old, h.dek_gen, dek, dek_gen)?;
        usages::reseal(cx, id, old, h.dek_gen, dek, dek_gen)?;
    }
    let meta_blob = seal::seal_meta(dek, id, dek_gen, meta);
    let fields_blob = seal::seal_fields(dek, id, dek_gen, fields);
    // Wraps, each with the blind index of the key under its scope key.
    let mut wraps = Vec::with_capacity(wrap_ids.len());
    let mut primary_blind = None;
    for &key_id in &wrap_ids {
        let key = cx.key(key_id)?.ok_or_else(|| Error::secret_integrity(id))?;
        let blind = seal::blind(key, &meta.key);
        if Some(key_id) == primary {
            primary_blind = Some(blind);
        }
        wraps.push(WrapRow {
            key_id,
            wrapped: seal::wrap_dek(key, id, dek_gen, key_id, dek),
            blind: blind.to_vec(),
        });
    }
    let revision = match prev {
        None => 1,
        Some(h) => h.revision.checked_add(1).ok_or_else(worn_out)?,
    };
    let header = Header {
        vault_id: cx.vault_id().to_string(),
        secret_id: id,
        revision,
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
        signer: cx.actor().id,
        wraps: wrap_ids,
        meta_hash: blob_hash("meta", &meta_blob),
        fields_hash: blob_hash("fields", &fields_blob),
        history_hash: seal::history_hash(&db.versions(id)?),
    };
    db.replace_wraps(id, &wraps)?;
    for w in &wraps {
        db.count_key_uses(w.key_id, 1)?;
    }
    let body = header.encode();
    let signature = cx.identity()?.sign.sign(PURPOSE, &body);
    db.save_secret(&SecretColumns {
        id,
        key_index: primary_blind.as_ref().map(|b| b.as_slice()),
        scope_sig: &draft.scope_sig(),
        all_depts: draft.all_depts,
        private: draft.private,
        depts: &draft.depts,
        creator: draft.creator,
        active: draft.active,
        reveal: draft.reveal.as_str(),
        expires_at: draft.expires_at,
        created_at: draft.created_at,
        updated_at: draft.updated_at,
        updated_by: draft.updated_by,
        version: draft.version,
        dek_gen,
        new_dek: prev.is_none_or(|h| h.dek_gen != dek_gen),
        meta: &meta_blob,
        fields: &fields_blob,
        header: &body,
        signature: signature.as_slice(),
        signer: cx.actor().id,
    })?;
    cx.saw(&header);
    Ok(header)
}

/// Whether the data key should be replaced before sealing more under it.
fn dek_worn(db: &dyn Store, id: i64) -> Result<bool> {
    Ok(db.dek_uses(id)? + 2 * (HISTORY_KEPT + 2) >= MAX_KEY_USES)
}

/// The one way to make a new version of a secret's content: the current
/// one goes to history, the version goes up, and the data key is replaced
/// when it nears its budget or the scope changes ([`write`] gives a secret
/// whose scope changed a fresh key, so narrowing it, or making it private,
/// leaves former holders nothing to read new values with).
pub(crate) struct NewVersion<'a> {
    /// The secret as it is, and its data key.
    pub secret: &'a Secret,
    pub dek: &'a SymKey,
    /// The header's policy part as it should become.
    pub draft: Draft,
    pub meta: &'a Meta,
    pub fields: &'a Fields,
}

/// A counter at its end: only a forged header gets there.
fn worn_out() -> Error {
    Error::VaultDamaged(
        "this secret's version counter is at its limit, which no real history reaches: restore the vault from a backup"
            .into(),
    )
}

pub(crate) fn new_version(cx: &mut Cx, v: NewVersion) -> Result<Header> {
    let h = &v.secret.header;
    let (old_meta, old_fields) = (open_meta(v.dek, v.secret)?, open_fields(v.dek, v.secret)?);
    history::push(cx.db(), v.dek, h, &old_meta, &old_fields)?;
    let mut draft = v.draft;
    draft.version = h.version.checked_add(1).ok_or_else(worn_out)?;
    draft.updated_at = cx.now().max(h.updated_at.saturating_add(1));
    draft.updated_by = cx.actor().id;
    let plan = if dek_worn(cx.db(), h.secret_id)? {
        DekPlan::Rotate(v.dek)
    } else {
        DekPlan::Keep(v.dek)
    };
    write(cx, Target::Existing(h), &draft, v.meta, v.fields, plan)
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
    next.signer = cx.actor().id;
    let body = next.encode();
    let signature = cx.identity()?.sign.sign(PURPOSE, &body);
    cx.db()
        .set_secret_header(h.secret_id, &body, signature.as_slice(), cx.actor().id)?;
    cx.saw(&next);
    Ok(next)
}

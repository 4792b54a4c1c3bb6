//! A secret's signed header: everything policy relies on (scope, creator,
//! state, expiry, reveal mode), its revision, the data-key generation, the
//! scope keys its data key is wrapped under, and hashes of its ciphertexts.
//!
//! The writer signs the header with their identity key, and a reader checks
//! both the signature and that the signer was allowed to write such a
//! header under the current directory: a member who can decrypt a secret
//! and write the storage can still not turn it active, change its scope or
//! swap its value, because a header signed by them for that is refused.
//! The revision goes up with every change, so a device that has seen a
//! revision refuses an older one (see `store::device`).

use crate::api::{Reveal, Role, Timestamp};
use crate::crypto::{Hash, digest, verify};
use crate::policy::ScopeFacts;
use crate::trust::state::{Scope, State};
use crate::wire::{Reader, Writer};

const HEADER_V1: u8 = b'H';
pub(crate) const PURPOSE: &str = "secret-header";

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub vault_id: String,
    pub secret_id: i64,
    /// Goes up with every change of anything here.
    pub revision: i64,
    /// The content version (history counts these).
    pub version: i64,
    /// The data key's generation (goes up when it is replaced).
    pub dek_gen: i64,
    pub private: bool,
    pub all_depts: bool,
    /// Sorted department ids.
    pub depts: Vec<i64>,
    pub creator: i64,
    pub active: bool,
    pub reveal: Reveal,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    /// Who signed this revision (the writer, or an admin re-signing it).
    pub signer: i64,
    /// Scope keys the data key is wrapped under (sorted ids).
    pub wraps: Vec<i64>,
    pub meta_hash: Hash,
    pub fields_hash: Hash,
    pub history_hash: Hash,
}

impl Header {
    pub(crate) fn scope(&self) -> ScopeFacts<'_> {
        ScopeFacts {
            creator: self.creator,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
        }
    }

    pub(crate) fn state(&self) -> crate::policy::StateFacts {
        crate::policy::StateFacts {
            active: self.active,
            expires_at: self.expires_at,
            reveal: self.reveal,
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(HEADER_V1, 200 + 8 * (self.depts.len() + self.wraps.len()));
        w.str(&self.vault_id)
            .i64(self.secret_id)
            .i64(self.revision)
            .i64(self.version)
            .i64(self.dek_gen)
            .bool(self.private)
            .bool(self.all_depts)
            .i64s(self.depts.iter())
            .i64(self.creator)
            .bool(self.active)
            .u8(match self.reveal {
                Reveal::Allowed => 1,
                Reveal::Never => 2,
            })
            .opt_i64(self.expires_at)
            .i64(self.created_at)
            .i64(self.updated_at)
            .i64(self.updated_by)
            .i64(self.signer)
            .i64s(self.wraps.iter())
            .fixed(&self.meta_hash)
            .fixed(&self.fields_hash)
            .fixed(&self.history_hash);
        w.finish().to_vec()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, HEADER_V1)?;
        let h = Self {
            vault_id: r.str()?.to_string(),
            secret_id: r.i64()?,
            revision: r.i64()?,
            version: r.i64()?,
            dek_gen: r.i64()?,
            private: r.bool()?,
            all_depts: r.bool()?,
            depts: r.i64s()?,
            creator: r.i64()?,
            active: r.bool()?,
            reveal: match r.u8()? {
                1 => Reveal::Allowed,
                2 => Reveal::Never,
                _ => return None,
            },
            expires_at: r.opt_i64()?,
            created_at: r.i64()?,
            updated_at: r.i64()?,
            updated_by: r.i64()?,
            signer: r.i64()?,
            wraps: r.i64s()?,
            meta_hash: r.fixed()?,
            fields_hash: r.fixed()?,
            history_hash: r.fixed()?,
        };
        let sorted = |v: &[i64]| v.windows(2).all(|w| w[0] < w[1]);
        if !sorted(&h.depts) || !sorted(&h.wraps) {
            return None;
        }
        r.done(h)
    }
}

/// The hash a header carries of a ciphertext.
pub(crate) fn blob_hash(column: &str, blob: &[u8]) -> Hash {
    digest("coffer/secret-blob/v1", &[column.as_bytes(), blob])
}

/// Why a header is refused (shown to nobody but tests: users see an
/// integrity error for the secret).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Malformed,
    OtherVault,
    OtherRow,
    UnknownSigner,
    BadSignature,
    NotAllowed,
}

/// Checks a stored header of secret `id` against the directory: readable,
/// for this vault and row, signed by its signer, and within what the signer
/// may write. Returns the header.
pub(crate) fn verify_header(
    dir: &State,
    id: i64,
    bytes: &[u8],
    signature: &[u8],
    signature_known_good: bool,
) -> Result<Header, Refusal> {
    let h = Header::decode(bytes).ok_or(Refusal::Malformed)?;
    if h.vault_id != dir.config.vault_id {
        return Err(Refusal::OtherVault);
    }
    if h.secret_id != id {
        return Err(Refusal::OtherRow);
    }
    let signer = dir.user(h.signer).ok_or(Refusal::UnknownSigner)?;
    let key = signer.sign_key().ok_or(Refusal::UnknownSigner)?;
    if !signature_known_good {
        verify(key, PURPOSE, bytes, signature).map_err(|_| Refusal::BadSignature)?;
    }
    if !writer_allowed(dir, &h) {
        return Err(Refusal::NotAllowed);
    }
    Ok(h)
}

/// Whether the header's signer may have written it, under `dir`:
/// - a disabled signer (or one without keys) signs nothing;
/// - its data key is wrapped only under the current keys of its own scope
///   (so a header cannot carry a secret into a scope it does not name);
/// - a private secret is its creator's alone, and must stay readable by
///   them (one of their departments, or all);
/// - admins and the owner write any shared secret;
/// - a member writes only a shared secret they created, scoped to all
///   departments or only to departments they are in (as `policy` lets
///   them create it), and only active (only admins deactivate, or make a
///   secret inactive).
pub(crate) fn writer_allowed(dir: &State, h: &Header) -> bool {
    let Some(signer) = dir.user(h.signer) else {
        return false;
    };
    if !signer.is_active() || !wraps_fit_scope(dir, h) {
        return false;
    }
    let in_scope = (h.all_depts || h.depts.iter().any(|d| signer.depts.contains(d)))
        && (!h.private || h.creator == signer.id);
    if h.private {
        return h.creator == signer.id && in_scope;
    }
    match signer.role {
        Role::Owner | Role::Admin => true,
        Role::Member => {
            let own_depts = h.all_depts || h.depts.iter().all(|d| signer.depts.contains(d));
            h.creator == signer.id && in_scope && own_depts && h.active
        }
    }
}

/// The scopes whose keys a secret's data key is wrapped under: its
/// creator's personal key for a private secret, the all-users key for all
/// departments, else its departments' keys. Writers wrap by it
/// (`record`), readers check headers against it.
pub(crate) fn key_scopes(s: &ScopeFacts) -> Vec<Scope> {
    if s.private {
        vec![Scope::Personal(s.creator)]
    } else if s.all_depts {
        vec![Scope::All]
    } else {
        s.depts.iter().map(|d| Scope::Dept(*d)).collect()
    }
}

/// Every key the header wraps its data key under is the current key of a
/// scope the header names ([`key_scopes`]).
fn wraps_fit_scope(dir: &State, h: &Header) -> bool {
    let scopes = key_scopes(&h.scope());
    h.wraps.iter().all(|w| {
        scopes
            .iter()
            .any(|s| dir.current_key(*s).is_some_and(|k| k.id == *w))
    })
}

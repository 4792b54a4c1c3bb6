//! Scope keys and who holds them.
//!
//! A scope key is a random AES-256 key for one scope: all users, one
//! department, or one user's private secrets. The directory names the
//! current key of each scope with a commitment to it, signed by an admin
//! (or, for a personal key, its user). The key itself is stored only as
//! grants, each sealed in HPKE auth mode to one holder's public key by a
//! user the directory knows. A holder uses a key only when it is current,
//! the sender is known, and the key matches its signed commitment: a key
//! planted by whoever writes the storage is an integrity error, and nothing
//! is ever wrapped under it.
//!
//! [`KeyCache`] holds the signed-in user's identity and the scope keys they
//! have opened. Keys made inside a transaction that rolls back are dropped
//! from the cache with it.

use std::collections::HashMap;

use crate::api::Timestamp;
use crate::crypto::{Aad, Hash, KeyPair, MAX_KEY_USES, SignKey, SymKey, key_commitment};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::trust::state::{KeyRef, Scope, State, UserEntry};

/// A user's private keys: the identity (signing) key and the X25519 key
/// grants are sealed to, and the X25519 keys they replaced (oldest first,
/// as the directory lists them), which only open what was sealed to them
/// before (audit details). Wiped on drop.
pub(crate) struct Identity {
    pub sign: SignKey,
    pub enc: KeyPair,
    pub past: Vec<KeyPair>,
}

impl Identity {
    pub(crate) fn generate() -> Self {
        Self {
            sign: SignKey::generate(),
            enc: KeyPair::generate(),
            past: Vec::new(),
        }
    }

    /// New keys to replace these: the X25519 keys replaced so far, this
    /// one included, go with them.
    pub(crate) fn successor(&self) -> Result<Self> {
        let copy = |k: &KeyPair| {
            KeyPair::from_private_bytes(k.expose_private_bytes().as_slice())
                .map_err(|_| Error::Integrity("your keys".into()))
        };
        let mut past = self.past.iter().map(copy).collect::<Result<Vec<_>>>()?;
        past.push(copy(&self.enc)?);
        Ok(Self {
            past,
            ..Self::generate()
        })
    }
}

/// The signed-in user's key material. Wiped on drop (each member zeroizes
/// itself).
pub(crate) struct KeyCache {
    user_id: i64,
    identity: Option<Identity>,
    keys: HashMap<i64, SymKey>,
    /// Keys cached since the current transaction began.
    pending: Vec<i64>,
    /// The keys replaced in the current transaction (see
    /// [`KeyCache::replace_identity`]): back in place if it rolls back.
    replaced: Option<Identity>,
}

fn grant_aad<'a>(
    vault_id: &str,
    key: &KeyRef,
    scope: Scope,
    recipient: i64,
    sender: i64,
    extra: &'a mut Vec<u8>,
) -> Aad<'a> {
    extra.clear();
    extra.extend_from_slice(vault_id.as_bytes());
    extra.extend_from_slice(&scope.bytes());
    extra.extend_from_slice(&recipient.to_le_bytes());
    extra.extend_from_slice(&sender.to_le_bytes());
    Aad::new("key_grants", key.id, "sealed", key.generation).with_extra(extra)
}

/// The public commitment to a scope key, as the directory records it.
pub(crate) fn commitment(
    vault_id: &str,
    key_id: i64,
    scope: Scope,
    generation: i64,
    key: &SymKey,
) -> Hash {
    key_commitment(
        key,
        &[
            vault_id.as_bytes(),
            &key_id.to_le_bytes(),
            &scope.bytes(),
            &generation.to_le_bytes(),
        ],
    )
}

impl KeyCache {
    pub(crate) fn new(user_id: i64, identity: Option<Identity>) -> Self {
        Self {
            user_id,
            identity,
            keys: HashMap::new(),
            pending: Vec::new(),
            replaced: None,
        }
    }

    pub(crate) fn user_id(&self) -> i64 {
        self.user_id
    }

    /// The user's keys; a user who has not made theirs yet holds none.
    pub(crate) fn identity(&self) -> Result<&Identity> {
        self.identity.as_ref().ok_or(Error::PasswordChangeRequired)
    }

    pub(crate) fn set_identity(&mut self, identity: Identity) {
        self.identity = Some(identity);
    }

    pub(crate) fn take_identity(&mut self) -> Option<Identity> {
        self.identity.take()
    }

    /// Uses `new` from now on, keeping the keys it replaces until the
    /// transaction ends (they sign the directory entry that names `new`).
    pub(crate) fn replace_identity(&mut self, new: Identity) -> Result<()> {
        if self.replaced.is_some() {
            return Err(Error::Conflict(
                "your keys were already replaced in this operation".into(),
            ));
        }
        let old = self.identity.replace(new);
        self.replaced = Some(old.ok_or(Error::PasswordChangeRequired)?);
        Ok(())
    }

    /// The keys replaced in this transaction, if any.
    pub(crate) fn replaced(&self) -> Option<&Identity> {
        self.replaced.as_ref()
    }

    /// Marks the end of a committed transaction.
    pub(crate) fn commit(&mut self) {
        self.pending.clear();
        self.replaced = None;
    }

    /// Forgets keys cached during a transaction that rolled back, and puts
    /// back keys it replaced.
    pub(crate) fn rollback(&mut self) {
        for id in self.pending.drain(..) {
            self.keys.remove(&id);
        }
        if let Some(old) = self.replaced.take() {
            self.identity = Some(old);
        }
    }

    pub(crate) fn insert(&mut self, key_id: i64, key: SymKey) {
        self.keys.insert(key_id, key);
        self.pending.push(key_id);
    }

    /// The current scope key with this id, if the user holds a valid grant
    /// of it. A grant that does not open, names an unknown sender, or holds
    /// a key other than the one the directory committed to is an integrity
    /// error; a key that is not current is never used.
    pub(crate) fn get(
        &mut self,
        db: &dyn Store,
        dir: &State,
        key_id: i64,
    ) -> Result<Option<&SymKey>> {
        if !self.keys.contains_key(&key_id) {
            let Some((scope, kref)) = dir.scope_of_key(key_id) else {
                return Ok(None);
            };
            let Some(identity) = self.identity.as_ref() else {
                return Ok(None);
            };
            let row = db.grant(key_id, self.user_id)?;
            let Some((sealed, Some(sender_id))) = row else {
                return Ok(None);
            };
            let key = open_grant(
                dir,
                (scope, &kref),
                &identity.enc,
                self.user_id,
                sender_id,
                &sealed,
            )?;
            self.insert(key_id, key);
        }
        Ok(self.keys.get(&key_id))
    }

    /// A key already opened by [`KeyCache::get`], without touching the vault
    /// (for work spread across threads).
    pub(crate) fn loaded(&self, key_id: i64) -> Option<&SymKey> {
        self.keys.get(&key_id)
    }

    /// The current key of a scope, which the user must hold.
    pub(crate) fn current(
        &mut self,
        db: &dyn Store,
        dir: &State,
        scope: Scope,
    ) -> Result<(KeyRef, &SymKey)> {
        let kref = dir.current_key(scope).ok_or_else(|| {
            Error::Integrity(format!(
                "the directory ({} has no current key)",
                scope_name(scope)
            ))
        })?;
        let key = self.get(db, dir, kref.id)?.ok_or_else(|| {
            Error::PermissionDenied(format!(
                "you do not hold the key of {} yet: a holder of it must sign in once to share it with you",
                scope_name(scope)
            ))
        })?;
        Ok((kref, key))
    }
}

/// A scope as people name it, for messages (no user input: ids only).
pub(crate) fn scope_name(scope: Scope) -> String {
    match scope {
        Scope::All => "the all-users scope".into(),
        Scope::Dept(d) => format!("department #{d}"),
        Scope::Personal(_) => "your private secrets".into(),
    }
}

/// Opens a grant of `kref`, the current key of `scope`, sealed to
/// `user_id` (whose X25519 key is `enc`) by `sender_id` (with their
/// current X25519 key or, sealed before they replaced it, a past one). A
/// grant that does not open, names an unknown sender, or holds a key other
/// than the one the directory committed to is an integrity error.
pub(crate) fn open_grant(
    dir: &State,
    (scope, kref): (Scope, &KeyRef),
    enc: &KeyPair,
    user_id: i64,
    sender_id: i64,
    sealed: &[u8],
) -> Result<SymKey> {
    let planted = || {
        Error::Integrity(format!(
            "a key sealed to you ({}) is not the one the directory names",
            scope_name(scope)
        ))
    };
    let mut extra = Vec::new();
    let aad = grant_aad(
        &dir.config.vault_id,
        kref,
        scope,
        user_id,
        sender_id,
        &mut extra,
    );
    let plain = dir
        .enc_keys_of(sender_id)
        .find_map(|sender_pk| enc.open_from(sender_pk, &aad, sealed).ok())
        .ok_or_else(planted)?;
    let key = SymKey::from_slice(&plain).map_err(|_| planted())?;
    if commitment(&dir.config.vault_id, kref.id, scope, kref.generation, &key) != kref.commitment {
        return Err(planted());
    }
    Ok(key)
}

/// Seals a grant's plaintext (a scope key's bytes) from `sender` to the
/// holder of `recipient_pk`.
pub(crate) fn seal_grant(
    vault_id: &str,
    (scope, kref): (Scope, &KeyRef),
    (sender_id, sender): (i64, &KeyPair),
    (recipient_id, recipient_pk): (i64, &[u8]),
    plain: &[u8],
) -> Result<Vec<u8>> {
    let mut extra = Vec::new();
    let aad = grant_aad(vault_id, kref, scope, recipient_id, sender_id, &mut extra);
    sender
        .seal_from(recipient_pk, &aad, plain)
        .map_err(|_| Error::Integrity(format!("the public key of user {recipient_id}")))
}

/// Who seals a grant: a user and their keys.
#[derive(Clone, Copy)]
pub(crate) struct Sender<'a> {
    pub id: i64,
    pub identity: &'a Identity,
}

/// Seals a scope key to a holder, from `from` (the granting user).
pub(crate) fn grant(
    db: &dyn Store,
    dir: &State,
    from: Sender,
    scope: Scope,
    kref: &KeyRef,
    key: &SymKey,
    recipient: &UserEntry,
) -> Result<()> {
    let (sender_id, sender) = (from.id, from.identity);
    let Some(pk) = recipient.enc_key() else {
        return Ok(());
    };
    let sealed = seal_grant(
        &dir.config.vault_id,
        (scope, kref),
        (sender_id, &sender.enc),
        (recipient.id, pk),
        key.expose_bytes(),
    )?;
    db.put_grant(kref.id, recipient.id, &sealed, sender_id)
}

/// Allocates a new key for a scope (its row, a random key and the
/// commitment the directory will record). Nothing is granted yet.
pub(crate) fn new_key(
    db: &dyn Store,
    vault_id: &str,
    scope: Scope,
    generation: i64,
    now: Timestamp,
) -> Result<(KeyRef, SymKey)> {
    let id = db.insert_scope_key(scope, now)?;
    let key = SymKey::generate();
    let kref = KeyRef {
        id,
        generation,
        commitment: commitment(vault_id, id, scope, generation, &key),
    };
    Ok((kref, key))
}

/// Keys (among `ids`) that have reached their encryption budget.
pub(crate) fn worn(db: &dyn Store, ids: &[i64]) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for &id in ids {
        if db.key_uses(id)?.is_some_and(|u| u >= MAX_KEY_USES) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Which users hold a grant of each of these keys.
pub(crate) fn holders_of(db: &dyn Store, key_ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>> {
    key_ids
        .iter()
        .map(|&id| Ok((id, db.grant_holders(id)?)))
        .collect()
}

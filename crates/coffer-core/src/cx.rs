//! The transaction context: what every operation sees while it runs. Its
//! storage handle (inside the transaction), the signed-in user's keys, the
//! directory as verified when the transaction began (and with the
//! transaction's own changes), this device's memory, the user as policy
//! sees them, and one clock reading.
//!
//! A [`Cx`] is made only by `vault` for one transaction; its parts are
//! reached through methods, so no operation can keep one past it.

use std::sync::Arc;

use crate::api::Timestamp;
use crate::audit::Event;
use crate::crypto::{Hash, SymKey};
use crate::error::{Error, Result};
use crate::keys::{Identity, KeyCache, Sender};
use crate::policy::Actor;
use crate::seal::header::Header;
use crate::store::Store;
use crate::store::device::{DELETED, DeviceStore, Known, Seen};
use crate::trust;
use crate::trust::log::{Change, Entry, apply, check_change};
use crate::trust::state::{KeyRef, Scope, State};

pub(crate) struct Cx<'a> {
    db: &'a dyn Store,
    keys: &'a mut KeyCache,
    device: &'a DeviceStore,
    /// Counts the vault handle's committed writes (see `listing`).
    epoch: u64,
    actor: Actor,
    now: Timestamp,
    /// The directory as verified when the transaction began.
    before: Arc<State>,
    /// The directory with this transaction's changes.
    dir: Arc<State>,
    changes: Vec<Change>,
    /// Secret revisions read or written, for this device's memory.
    seen: Vec<Seen>,
    /// What this transaction appends to the audit log when it ends.
    audit: Vec<Event>,
}

/// What a finished transaction leaves for this device to remember.
pub(crate) struct Outcome {
    pub dir: Arc<State>,
    pub seen: Vec<Seen>,
}

impl<'a> Cx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        db: &'a dyn Store,
        keys: &'a mut KeyCache,
        device: &'a DeviceStore,
        epoch: u64,
        actor: Actor,
        now: Timestamp,
        dir: Arc<State>,
    ) -> Self {
        Self {
            db,
            keys,
            device,
            epoch,
            actor,
            now,
            before: Arc::clone(&dir),
            dir,
            changes: Vec::new(),
            seen: Vec::new(),
            audit: Vec::new(),
        }
    }

    /// The storage, inside this transaction.
    pub(crate) fn db(&self) -> &'a dyn Store {
        self.db
    }

    pub(crate) fn actor(&self) -> &Actor {
        &self.actor
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// The vault handle's write epoch (see `listing`).
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    pub(crate) fn device(&self) -> &'a DeviceStore {
        self.device
    }

    /// The keys this session opened, to use across threads (see
    /// `KeyCache::loaded`).
    pub(crate) fn keys(&self) -> &KeyCache {
        self.keys
    }

    /// The directory (with this transaction's changes so far).
    pub(crate) fn dir(&self) -> &State {
        &self.dir
    }

    /// A handle on the directory that does not borrow `self`.
    pub(crate) fn dir_arc(&self) -> Arc<State> {
        Arc::clone(&self.dir)
    }

    /// The directory as it was before this transaction's changes (whose
    /// rules decide what this transaction may change, and against which
    /// what others signed before it is checked).
    pub(crate) fn before(&self) -> Arc<State> {
        Arc::clone(&self.before)
    }

    /// The vault's id (as the directory's signed configuration says).
    pub(crate) fn vault_id(&self) -> &str {
        &self.before.config.vault_id
    }

    // --- keys -------------------------------------------------------------

    /// The signed-in user's own keys.
    pub(crate) fn identity(&self) -> Result<&Identity> {
        self.keys.identity()
    }

    /// The signed-in user as the sealer of grants.
    pub(crate) fn sender(&self) -> Result<Sender<'_>> {
        Ok(Sender {
            id: self.actor.id,
            identity: self.keys.identity()?,
        })
    }

    /// A current scope key, if the user holds it (see `KeyCache::get`).
    pub(crate) fn key(&mut self, key_id: i64) -> Result<Option<&SymKey>> {
        self.keys.get(self.db, &self.dir, key_id)
    }

    /// A key this session already opened (or made), without the storage.
    pub(crate) fn loaded_key(&self, key_id: i64) -> Option<&SymKey> {
        self.keys.loaded(key_id)
    }

    /// The current key of a scope, which the user must hold.
    pub(crate) fn current_key(&mut self, scope: Scope) -> Result<(KeyRef, &SymKey)> {
        self.keys.current(self.db, &self.dir, scope)
    }

    /// Remembers a key this transaction made.
    pub(crate) fn keep_key(&mut self, key_id: i64, key: SymKey) {
        self.keys.insert(key_id, key);
    }

    // --- the directory --------------------------------------------------------

    /// Adds a directory change, checked now under the rules of the state
    /// before the transaction; all changes become one signed entry when
    /// the transaction ends.
    pub(crate) fn change(&mut self, c: Change) -> Result<()> {
        let signer = self
            .before
            .user(self.actor.id)
            .ok_or_else(|| Error::AuthFailed("your account is not in the directory".into()))?
            .clone();
        let mut next = (*self.dir).clone();
        check_change(&self.before, &mut next, &signer, &c)
            .map_err(|why| Error::PermissionDenied(why.0.to_string()))?;
        self.dir = Arc::new(next);
        self.changes.push(c);
        Ok(())
    }

    /// Replaces the signed-in user's keys with `new` from here on: the
    /// directory names them when this transaction's entry is signed, and
    /// everything signed or sealed afterwards in it uses them.
    pub(crate) fn replace_identity(&mut self, new: Identity) -> Result<()> {
        self.change(Change::Rotate {
            user: self.actor.id,
            sign: new.sign.public(),
            enc: *new.enc.public_bytes(),
        })?;
        self.keys.replace_identity(new)
    }

    /// Signs this transaction's directory changes into one entry and
    /// appends it.
    pub(crate) fn finish_directory(&mut self) -> Result<()> {
        if self.changes.is_empty() {
            return Ok(());
        }
        let entry = Entry {
            vault_id: self.before.config.vault_id.clone(),
            epoch: self.before.epoch + 1,
            prev: self.before.head,
            signer: self.actor.id,
            at: self.now,
            changes: std::mem::take(&mut self.changes),
        };
        // An entry that replaces the signer's keys is signed with the keys
        // it replaces (which the directory before it names) and the new.
        let signed = match self.keys.replaced() {
            Some(old) => entry.sign(&old.sign, Some(&self.keys.identity()?.sign)),
            None => entry.sign(&self.keys.identity()?.sign, None),
        };
        let stored = trust::append(self.db, &signed)?;
        let next = apply(Some(&self.before), &signed, &stored).map_err(|why| {
            Error::Integrity(format!("the directory entry this change made ({})", why.0))
        })?;
        self.dir = Arc::new(next);
        Ok(())
    }

    // --- the audit log -------------------------------------------------------

    /// Records an event, appended to the audit log (signed by the user)
    /// when the transaction ends, and only if it commits.
    pub(crate) fn record(&mut self, e: Event) {
        self.audit.push(e);
    }

    /// The events recorded so far, for `vault` to append.
    pub(crate) fn take_audit(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.audit)
    }

    // --- this device's memory --------------------------------------------------

    /// Checks a secret's header against this device's memory and remembers
    /// it: an older revision than one seen is a rollback, and a header that
    /// changes what the device saw in a way no writer may (see
    /// [`against_memory`]) is damaged.
    pub(crate) fn fresh(&mut self, h: &Header) -> Result<()> {
        let id = h.secret_id;
        let known = self.device.memory(&self.before.config.vault_id, &[id])?;
        match against_memory(&self.before, known.get(&id), h) {
            Some(Lapse::Rollback) => return Err(Error::secret_rollback(id)),
            Some(Lapse::Changed) => return Err(Error::secret_integrity(id)),
            None => {}
        }
        self.saw(h);
        Ok(())
    }

    /// Remembers a header this transaction wrote (or read and checked).
    pub(crate) fn saw(&mut self, h: &Header) {
        self.seen.push(Seen {
            id: h.secret_id,
            revision: h.revision,
            verified: None,
            facts: Some((h.creator, h.active)),
        });
    }

    /// Remembers a header whose signature this device verified (`stamp`:
    /// the digest of header and signature), so it need not be verified
    /// again while unchanged.
    pub(crate) fn saw_verified(&mut self, h: &Header, stamp: Hash) {
        self.seen.push(Seen {
            id: h.secret_id,
            revision: h.revision,
            verified: Some(stamp),
            facts: Some((h.creator, h.active)),
        });
    }

    /// Remembers that this device deleted a secret: it must not come back.
    pub(crate) fn deleted(&mut self, id: i64) {
        self.seen.push(Seen {
            id,
            revision: DELETED,
            verified: None,
            facts: None,
        });
    }

    /// What this device should remember once the transaction commits.
    pub(crate) fn outcome(self) -> Outcome {
        Outcome {
            dir: self.dir,
            seen: self.seen,
        }
    }
}

/// Why what this device remembers of a secret refuses a header of it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lapse {
    /// An older revision than one seen: an old copy put back.
    Rollback,
    /// A change no writer may make, which only someone who writes the file
    /// (and holds a signing key) can have made: another creator (a member
    /// claiming someone else's secret as hers), or a deactivated secret
    /// turned back on by someone other than an admin.
    Changed,
}

/// Checks header `h` against what this device remembers of its secret.
/// The signed header says who may have written it (`seal::writer_allowed`),
/// but not what it was before; this is where a device that saw the earlier
/// state holds the writer to it.
pub(crate) fn against_memory(dir: &State, known: Option<&Known>, h: &Header) -> Option<Lapse> {
    let k = known?;
    if k.revision > h.revision {
        return Some(Lapse::Rollback);
    }
    if k.creator.is_some_and(|c| c != h.creator) {
        return Some(Lapse::Changed);
    }
    let by_admin = dir.user(h.signer).is_some_and(|u| u.role.is_admin());
    if k.active == Some(false) && h.active && !by_admin {
        return Some(Lapse::Changed);
    }
    None
}

//! Trust rooted in keys (SPEC §7.9): the signed directory log, what a
//! device remembers of it, and the rules that decide who may have written
//! what.
//!
//! The storage (a file that teammates can write, later a database server)
//! is trusted only to keep bytes. Everything policy relies on is signed by
//! someone the directory allows to make it, back to the owner's key, and
//! each device remembers what it has verified so that an older or
//! different directory is refused.

pub(crate) mod log;
pub(crate) mod state;

use std::sync::Arc;

use crate::api::Timestamp;
use crate::crypto::{Hash, SignKey};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::device::{Checkpoint, DeviceStore};
use log::{Change, Entry, SignedEntry, apply, entry_hash};
use state::{State, decode_state, encode_state};

/// A short code for the vault's root of trust (its id and the owner's
/// identity key), for people to compare out of band: 20 characters of
/// base32 in groups of four (100 bits).
pub(crate) fn fingerprint(state: &State) -> String {
    let d = crate::crypto::digest(
        "coffer/root-fingerprint/v1",
        &[
            state.config.vault_id.as_bytes(),
            &state.root,
            &state.genesis,
        ],
    );
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bits: u128 = 0;
    for b in &d[..13] {
        bits = (bits << 8) | u128::from(*b);
    }
    let chars: Vec<char> = (0..20)
        .map(|i| ALPHABET[((bits >> (104 - 5 * (i + 1))) & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn damaged(epoch: i64, why: &str) -> Error {
    Error::Integrity(format!(
        "the vault's directory (entry {epoch}: {why}); nothing in it can be trusted until it is restored"
    ))
}

/// The verified directory of the vault at `location`, using and advancing
/// what this device remembers. `known` is a state this handle verified
/// before (kept in memory between transactions). `None` when the vault has
/// no signed directory yet (format 1, before its owner's upgrade).
///
/// Refused, as a rollback: a directory older than the one this device
/// verified, or one whose history differs from it. Refused, as an
/// integrity error: any entry not signed by someone allowed to make it.
pub(crate) fn load(
    db: &dyn Store,
    device: &DeviceStore,
    location: &str,
    known: Option<&Arc<State>>,
) -> Result<Option<Arc<State>>> {
    // What this device remembers is read before the vault's log. Another
    // process on this device (the app, a script's `coffer get`) may
    // remember a newer directory at any moment, but only one it saw
    // committed, which the log read below (one snapshot, taken at its
    // first statement) then holds. Read the other way round, a change
    // committed and remembered in between would be missing from the
    // snapshot and look like a rollback.
    let seen_id = device.location(location)?;
    let seen = match &seen_id {
        Some(id) => device.checkpoint(id)?,
        None => None,
    };
    let Some((top, top_bytes)) = db.log_latest()? else {
        // A vault this device has seen signed must not come back unsigned
        // (a format-1 copy put back to drop every signature).
        if seen.is_some() {
            return Err(Error::Rollback(format!(
                "the vault at {location} was signed when this device last opened it, and is not now: \
                 someone put back a copy of an older format; if it was restored on purpose, check its \
                 fingerprint with its owner, then run `coffer trust reset`"
            )));
        }
        return Ok(None);
    };
    let top_hash = entry_hash(&top_bytes);
    if let Some(k) = known.filter(|k| k.epoch == top && k.head == top_hash) {
        return Ok(Some(Arc::clone(k)));
    }
    let top_entry =
        SignedEntry::from_bytes(&top_bytes).ok_or_else(|| damaged(top, "unreadable"))?;
    let vault_id = top_entry.entry.vault_id.clone();

    if let Some(known_id) = &seen_id
        && *known_id != vault_id
    {
        return Err(Error::Rollback(format!(
            "the vault at {location} is not the one this device opened there before: \
             if it was replaced on purpose, check its fingerprint with its owner, then run `coffer trust reset`"
        )));
    }
    // This vault's memory, read above when this device knew the location
    // (a vault it knows under another name is read now).
    let checkpoint = match seen_id {
        Some(_) => seen,
        None => device.checkpoint(&vault_id)?,
    };
    let checkpoint = checkpoint.map(|c| {
        // A state this build cannot read is verified again from the log.
        let state = decode_state(&c.state).filter(|s| s.epoch == c.epoch);
        (c, state)
    });
    // The first entry is this vault's root of trust: a different one is
    // another vault under the same name, whatever its later entries say.
    // An entry is read once: the newest one is at hand already.
    let entry_at = |epoch: i64| -> Result<Option<Hash>> {
        if epoch == top {
            return Ok(Some(top_hash));
        }
        Ok(db.log_entry(epoch)?.map(|b| entry_hash(&b)))
    };
    if let Some((c, _)) = &checkpoint
        && entry_at(1)? != Some(c.genesis)
    {
        return Err(root_changed());
    }
    let rollback = |what: &str| {
        Error::Rollback(format!(
            "this vault's directory {what} than this device has seen: someone put back an older copy, \
             or changed it; if a backup was restored on purpose, check the fingerprint with the owner, \
             then run `coffer trust reset`"
        ))
    };

    // Where to start replaying: a state verified before whose entry is
    // still the same in the log, else nothing (the first entry).
    let mut start: Option<State> = None;
    let candidates = known
        .map(|k| (k.epoch, k.head, Some((**k).clone())))
        .into_iter()
        .chain(
            checkpoint
                .as_ref()
                .map(|(c, state)| (c.epoch, c.head, state.clone())),
        );
    for (epoch, head, state) in candidates {
        if epoch > top {
            return Err(rollback("is older"));
        }
        match entry_at(epoch)? {
            Some(hash) if hash == head => {
                if state.is_some() {
                    start = state;
                    break;
                }
            }
            _ => return Err(rollback("differs from what it was, and is no newer,")),
        }
    }

    let state = replay(db, start, top, &top_hash)?;
    if let Some((c, _)) = &checkpoint
        && c.genesis != state.genesis
    {
        return Err(root_changed());
    }
    remember(device, &state)?;
    device.set_location(location, &vault_id)?;
    Ok(Some(Arc::new(state)))
}

/// Verifies the log from `start` (a state verified before, or nothing:
/// the first entry) to its newest entry, `top` with hash `top_hash`.
fn replay(db: &dyn Store, start: Option<State>, top: i64, top_hash: &Hash) -> Result<State> {
    let from = start.as_ref().map_or(0, |s| s.epoch);
    // A state verified up to the newest entry has nothing left to replay.
    let rows = if from == top {
        Vec::new()
    } else {
        db.log_since(from)?
    };
    let mut state = start;
    for (epoch, bytes) in rows {
        let signed = SignedEntry::from_bytes(&bytes).ok_or_else(|| damaged(epoch, "unreadable"))?;
        if signed.entry.epoch != epoch {
            return Err(damaged(epoch, "stored out of place"));
        }
        let next = apply(state.as_ref(), &signed, &bytes).map_err(|why| damaged(epoch, why.0))?;
        state = Some(next);
    }
    let state = state.ok_or_else(|| damaged(0, "empty"))?;
    if state.epoch != top || state.head != *top_hash {
        return Err(damaged(top, "the log has a gap"));
    }
    Ok(state)
}

/// What a device would trust if it forgot this vault: the directory
/// verified from its first entry, with nothing this device remembers, and
/// how it compares with what the device saw. Changes nothing.
pub(crate) struct Unpinned {
    pub state: State,
    /// The newest directory change this device has seen, when the vault is
    /// the same (same first entry) but its log does not run through that
    /// change: a restored backup, or a rolled-back copy.
    pub older_than_seen: Option<i64>,
}

pub(crate) fn unpinned(db: &dyn Store, device: &DeviceStore) -> Result<Option<Unpinned>> {
    let Some((top, top_bytes)) = db.log_latest()? else {
        return Ok(None);
    };
    let state = replay(db, None, top, &entry_hash(&top_bytes))?;
    // The same vault (same first entry) whose log does not run through the
    // change this device saw last: an older copy, or another branch.
    let mut older_than_seen = None;
    if let Some(c) = device.checkpoint(&state.config.vault_id)?
        && c.genesis == state.genesis
    {
        let continues = c.epoch <= state.epoch
            && db
                .log_entry(c.epoch)?
                .is_some_and(|b| entry_hash(&b) == c.head);
        if !continues {
            older_than_seen = Some(c.epoch);
        }
    }
    Ok(Some(Unpinned {
        state,
        older_than_seen,
    }))
}

/// Signs a vault's first directory entry (its root of trust) with the
/// owner's identity key, appends it, and returns the state it makes.
/// `what` names the directory in an error (a new vault, an upgraded one).
pub(crate) fn found(
    db: &dyn Store,
    vault_id: &str,
    owner: (i64, &SignKey),
    at: Timestamp,
    changes: Vec<Change>,
    what: &str,
) -> Result<State> {
    let entry = Entry {
        vault_id: vault_id.to_string(),
        epoch: 1,
        prev: [0; 32],
        signer: owner.0,
        at,
        changes,
    };
    let signed = entry.sign(owner.1, None);
    let stored = append(db, &signed)?;
    apply(None, &signed, &stored).map_err(|why| Error::Integrity(format!("{what} ({})", why.0)))
}

/// Makes this device remember a directory it verified (unless it
/// remembers a newer one).
pub(crate) fn remember(device: &DeviceStore, state: &State) -> Result<()> {
    device.save_checkpoint(&Checkpoint {
        vault_id: state.config.vault_id.clone(),
        genesis: state.genesis,
        epoch: state.epoch,
        head: state.head,
        state: encode_state(state),
    })
}

/// The error for a vault whose first entry is not the one this device
/// pinned.
fn root_changed() -> Error {
    Error::Rollback(
        "this vault's root of trust changed since this device last opened it: do not use it until \
         its owner confirms its new fingerprint out of band; then run `coffer trust reset`"
            .into(),
    )
}

/// Appends a signed entry (the caller holds the write lock).
pub(crate) fn append(db: &dyn Store, signed: &SignedEntry) -> Result<Vec<u8>> {
    let bytes = signed.to_bytes();
    db.log_append(signed.entry.epoch, &bytes)?;
    Ok(bytes)
}

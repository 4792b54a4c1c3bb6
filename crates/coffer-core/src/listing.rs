//! The signed-in user's decrypted view of the secrets table, kept for the
//! session so searching and filtering do not decrypt 10,000 rows per
//! keystroke.
//!
//! The view is rebuilt only when the vault changed: SQLite's `data_version`
//! moves when another connection (a CLI process) commits, and the vault's
//! write epoch moves when this handle commits. A row whose stored bytes are
//! unchanged keeps its decrypted metadata and its check.
//!
//! Checking a row (its header's signature and the directory's rules for its
//! signer, its metadata's hash, its revision against this device's memory)
//! is deferred until the row is about to be shown: a search over 10,000
//! rows checks only what it returns. Until then the row's header is only
//! decoded, and used to decide what to decrypt; nothing unchecked is ever
//! returned. A device that verified exactly this header and signature
//! before (its memory holds their digest) does not verify the signature
//! again. Metadata is decrypted only for rows the user may see, in
//! parallel, and everything is wiped when the session ends.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::crypto::{Hash, SymKey};
use crate::cx::{Cx, against_memory};
use crate::error::Result;
use crate::plain::Meta;
use crate::record;
use crate::seal::{self, header::Header};
use crate::store::{Hint, SecretRow};

/// A row's decrypted metadata, as far as it is known.
pub(crate) enum MetaState {
    /// Not decrypted (the user could not see the row when it was loaded).
    Unknown,
    /// Failed to decrypt.
    Damaged,
    /// The user is entitled to its key, which nobody has shared with them
    /// yet (a new member): not listed until it is.
    Unshared,
    Ok {
        meta: Meta,
        /// Lower-cased key, description and tags, NUL-separated, for search.
        haystack: String,
    },
}

/// Where a row stands on its check.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Decoded, not checked yet.
    Pending,
    Passed,
    Failed,
}

pub(crate) struct Entry {
    pub id: i64,
    /// The decoded header: checked only when `check` is `Passed`.
    pub header: Option<Header>,
    pub check: Check,
    pub hint: Hint,
    pub meta: MetaState,
    /// The row as stored (without values), to check it and to tell whether
    /// it changed.
    stored: SecretRow,
}

impl Entry {
    /// The header, if the row passed its check.
    pub(crate) fn checked(&self) -> Option<&Header> {
        self.header.as_ref().filter(|_| self.check == Check::Passed)
    }
}

#[derive(Default)]
pub(crate) struct ListCache {
    /// (`data_version`, write epoch, directory head) the entries were built at.
    built_at: Option<(i64, u64, Hash)>,
    pub entries: Vec<Entry>,
}

fn decrypt(key: &SymKey, h: &Header, meta: &[u8], key_id: i64, wrapped: &[u8]) -> MetaState {
    let opened =
        seal::unwrap_dek(key, h, key_id, wrapped).and_then(|dek| seal::open_meta(&dek, h, meta));
    match opened {
        Err(_) => MetaState::Damaged,
        Ok(meta) => {
            let mut haystack = meta.key.to_lowercase();
            haystack.push('\0');
            haystack.push_str(&meta.description.to_lowercase());
            for t in &meta.tags {
                haystack.push('\0');
                haystack.push_str(&t.to_lowercase());
            }
            MetaState::Ok { meta, haystack }
        }
    }
}

fn same_bytes(a: &SecretRow, b: &SecretRow) -> bool {
    a.header == b.header && a.signature == b.signature && a.meta == b.meta
}

/// Brings the view up to date: rows loaded and decoded, metadata decrypted
/// where the user may see it. Checks come later ([`check`]).
pub(crate) fn refresh(cx: &mut Cx, cache: &mut ListCache) -> Result<()> {
    let dir = cx.dir_arc();
    let db = cx.db();
    let built = (db.data_version()?, cx.epoch(), dir.head);
    if cache.built_at != Some(built) {
        // A new directory may change what each signer may write: every
        // row is checked again (its signature, if unchanged, is not).
        let same_directory = cache.built_at.is_some_and(|b| b.2 == dir.head);
        let mut previous: HashMap<i64, Entry> =
            cache.entries.drain(..).map(|e| (e.id, e)).collect();
        let rows = db.secrets_for_listing()?;
        cache.entries = rows
            .into_iter()
            .map(|s| match previous.remove(&s.id) {
                Some(mut old) if same_bytes(&old.stored, &s) => {
                    if !same_directory && old.check == Check::Passed {
                        old.check = Check::Pending;
                    }
                    old
                }
                _ => {
                    let header = s
                        .header
                        .as_deref()
                        .and_then(Header::decode)
                        .filter(|h| h.secret_id == s.id);
                    Entry {
                        id: s.id,
                        check: if header.is_some() {
                            Check::Pending
                        } else {
                            Check::Failed
                        },
                        meta: if header.is_some() {
                            MetaState::Unknown
                        } else {
                            MetaState::Damaged
                        },
                        header,
                        hint: s.hint.clone(),
                        stored: s,
                    }
                }
            })
            .collect();
        // Rows that do not even decode are shown (as damaged) to whoever
        // their unverified columns say may see them.
        for e in cache
            .entries
            .iter_mut()
            .filter(|e| e.check == Check::Failed)
        {
            e.hint = record::hint_of(db, e.id, &e.hint)?;
        }
        cache.built_at = Some(built);
    }
    decrypt_visible(cx, cache)
}

/// Checks the rows at `indices` that are not checked yet (in parallel), and
/// remembers on this device the revisions seen and the signatures verified.
/// A row that fails, or is older than this device has seen, is damaged.
pub(crate) fn check(cx: &mut Cx, cache: &mut ListCache, indices: &[usize]) -> Result<()> {
    let pending: Vec<usize> = indices
        .iter()
        .copied()
        .filter(|i| cache.entries[*i].check == Check::Pending)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let dir = cx.dir_arc();
    let vault_id = dir.config.vault_id.clone();
    let db = cx.db();
    let device = cx.device();
    let ids: Vec<i64> = pending.iter().map(|i| cache.entries[*i].id).collect();
    let memory = if pending.len() > 64 {
        device.all_revisions(&vault_id)?
    } else {
        device.memory(&vault_id, &ids)?
    };
    let entries = &cache.entries;
    let results: Vec<(usize, bool, Option<Hash>)> = pending
        .par_iter()
        .map(|&i| {
            let e = &entries[i];
            let stamp = seal::stamp(&e.stored);
            let known = memory.get(&e.id);
            let verified_before = stamp.is_some() && known.and_then(|k| k.verified) == stamp;
            let ok = record::check(&dir, &e.stored, verified_before)
                .is_ok_and(|h| against_memory(&dir, known, &h).is_none());
            (i, ok, stamp)
        })
        .collect();
    let mut news = Vec::new();
    for (i, ok, stamp) in results {
        let e = &mut cache.entries[i];
        if ok {
            e.check = Check::Passed;
            if let Some(h) = &e.header
                && memory.get(&e.id).is_none_or(|k| {
                    (k.revision, k.verified, k.creator, k.active)
                        != (h.revision, stamp, Some(h.creator), Some(h.active))
                })
            {
                news.push((h.clone(), stamp));
            }
        } else {
            e.check = Check::Failed;
            e.meta = MetaState::Damaged;
            e.hint = record::hint_of(db, e.id, &e.hint)?;
        }
    }
    for (h, stamp) in news {
        match stamp {
            Some(s) => cx.saw_verified(&h, s),
            None => cx.saw(&h),
        }
    }
    Ok(())
}

/// Decrypts the metadata of rows the user may now see and has not
/// decrypted yet (new or changed rows, or rows that just came into view).
/// First pick, per row, a wrap under a key the user holds (opening those
/// keys as needed); then decrypt all rows in parallel.
fn decrypt_visible(cx: &mut Cx, cache: &mut ListCache) -> Result<()> {
    let actor = cx.actor().clone();
    let wanted = |e: &Entry| {
        matches!(e.meta, MetaState::Unknown | MetaState::Unshared)
            && e.check != Check::Failed
            && e.header.as_ref().is_some_and(|h| actor.can_see(&h.scope()))
    };
    if !cache.entries.iter().any(wanted) {
        return Ok(());
    }
    let dir = cx.dir_arc();
    let wraps = cx.db().all_wraps()?;
    // Per wanted row, its wraps (index into `wraps`) under keys its header
    // names, in order.
    let mut candidates: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut w = 0;
    for (i, e) in cache.entries.iter().enumerate() {
        while w < wraps.len() && wraps[w].0 < e.id {
            w += 1;
        }
        if !wanted(e) {
            continue;
        }
        let named = e
            .header
            .as_ref()
            .map(|h| h.wraps.as_slice())
            .unwrap_or_default();
        let mut k = w;
        let mut mine = Vec::new();
        while k < wraps.len() && wraps[k].0 == e.id {
            if named.contains(&wraps[k].1) {
                mine.push(k);
            }
            k += 1;
        }
        candidates.push((i, mine));
    }
    // Which of those keys the user holds (opening each once).
    let mut held: HashMap<i64, bool> = HashMap::new();
    for k in candidates.iter().flat_map(|(_, ks)| ks) {
        let key_id = wraps[*k].1;
        if let std::collections::hash_map::Entry::Vacant(slot) = held.entry(key_id) {
            slot.insert(cx.key(key_id)?.is_some());
        }
    }
    let jobs: Vec<(usize, Option<(i64, usize)>)> = candidates
        .into_iter()
        .map(|(i, ks)| {
            let chosen = ks
                .into_iter()
                .find(|k| held.get(&wraps[*k].1) == Some(&true))
                .map(|k| (wraps[k].1, k));
            (i, chosen)
        })
        .collect();
    let keys = cx.keys();
    let entries = &cache.entries;
    let me = dir.user(actor.id);
    let entitled = |h: &Header| {
        h.wraps.iter().any(|id| {
            dir.scope_of_key(*id)
                .is_some_and(|(scope, _)| me.is_some_and(|u| dir.entitled(u, scope)))
        })
    };
    let results: Vec<(usize, MetaState)> = jobs
        .par_iter()
        .map(|&(i, chosen)| {
            let e = &entries[i];
            let meta = e.stored.meta.as_deref().unwrap_or_default();
            let state = match (chosen, &e.header) {
                (Some((key_id, k)), Some(h)) => match keys.loaded(key_id) {
                    Some(key) => decrypt(key, h, meta, key_id, &wraps[k].2),
                    None => MetaState::Damaged,
                },
                (None, Some(h)) if entitled(h) => MetaState::Unshared,
                // Visible by policy but no key to open it: not readable.
                _ => MetaState::Damaged,
            };
            (i, state)
        })
        .collect();
    for (i, state) in results {
        cache.entries[i].meta = state;
    }
    Ok(())
}

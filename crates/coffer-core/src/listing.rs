//! The signed-in user's checked and decrypted view of the secrets table,
//! kept for the session so searching and filtering do not verify and
//! decrypt 10,000 rows per keystroke.
//!
//! The view is rebuilt only when the vault changed: SQLite's `data_version`
//! moves when another connection (a CLI process) commits, and the vault's
//! write epoch moves when this handle commits. Even then, a row whose
//! header, signature and metadata ciphertext are byte-for-byte unchanged
//! keeps its checked signature and decrypted metadata, since checking them
//! again could only give the same result; what the directory allows its
//! signer is checked again when the directory changed. Signatures are
//! checked and metadata decrypted in parallel, only for rows the user may
//! see, and everything is wiped when the session ends.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::crypto::{Hash, SymKey};
use crate::error::Result;
use crate::header::{Header, writer_allowed};
use crate::record::{self, Hint, Meta, Secret, Stored};
use crate::vault::Cx;

/// A row's decrypted metadata, as far as it is known.
pub(crate) enum MetaState {
    /// Not decrypted (the user could not see the row when it was loaded).
    Unknown,
    /// Failed its integrity check.
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

pub(crate) struct Entry {
    pub id: i64,
    /// The checked header; `None` when the row failed its check.
    pub header: Option<Header>,
    pub hint: Hint,
    pub meta: MetaState,
    /// The row's stored bytes, to tell whether it changed.
    stamp: (Vec<u8>, Vec<u8>, Vec<u8>),
    meta_blob: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct ListCache {
    /// (`data_version`, write epoch, directory head) the entries were built at.
    built_at: Option<(i64, u64, Hash)>,
    pub entries: Vec<Entry>,
}

fn decrypt(key: &SymKey, h: &Header, meta: &[u8], key_id: i64, wrapped: &[u8]) -> MetaState {
    let secret = Secret {
        header: h.clone(),
        meta: meta.to_vec(),
        fields: None,
    };
    let opened = record::unwrap_dek(key, h, key_id, wrapped)
        .and_then(|dek| record::open_meta(&dek, &secret));
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

fn stamp(s: &Stored) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    (
        s.header.clone().unwrap_or_default(),
        s.signature.clone().unwrap_or_default(),
        s.meta.clone().unwrap_or_default(),
    )
}

/// Brings the view up to date for the signed-in user.
pub(crate) fn refresh(cx: &mut Cx) -> Result<()> {
    let dir = cx.dir_arc();
    let data_version: i64 = cx
        .conn
        .pragma_query_value(None, "data_version", |r| r.get(0))?;
    let built = (data_version, cx.epoch, dir.head);
    let cache = &mut *cx.listing;
    if cache.built_at != Some(built) {
        let same_directory = cache.built_at.is_some_and(|b| b.2 == dir.head);
        let mut previous: HashMap<i64, Entry> =
            cache.entries.drain(..).map(|e| (e.id, e)).collect();
        let rows = record::load_listing(cx.conn)?;
        let remembered = cx.device.all_revisions(&dir.config.vault_id)?;
        // Reuse what is unchanged; check the rest in parallel.
        let mut fresh: Vec<Option<Entry>> = rows
            .iter()
            .map(|s| match previous.remove(&s.id) {
                Some(old) if old.stamp == stamp(s) => {
                    let mut e = old;
                    e.hint = s.hint.clone();
                    if !same_directory {
                        // The signer's rights may have changed.
                        e.header = e.header.filter(|h| writer_allowed(&dir, h));
                        if e.header.is_none() {
                            e.meta = MetaState::Damaged;
                        }
                    }
                    Some(e)
                }
                _ => None,
            })
            .collect();
        let checked: Vec<(usize, Option<Header>)> = rows
            .par_iter()
            .enumerate()
            .filter(|(i, _)| fresh[*i].is_none())
            .map(|(i, s)| (i, record::verify(&dir, s).ok().map(|v| v.header)))
            .collect();
        for (i, header) in checked {
            let s = &rows[i];
            fresh[i] = Some(Entry {
                id: s.id,
                meta: if header.is_some() {
                    MetaState::Unknown
                } else {
                    MetaState::Damaged
                },
                header,
                hint: s.hint.clone(),
                stamp: stamp(s),
                meta_blob: s.meta.clone().unwrap_or_default(),
            });
        }
        cache.entries = fresh.into_iter().flatten().collect();
        // An older revision than this device has seen is a rollback: the
        // row is shown as damaged, and reading it says why.
        for e in &mut cache.entries {
            if let Some(h) = &e.header
                && remembered.get(&e.id).is_some_and(|r| *r > h.revision)
            {
                e.header = None;
                e.meta = MetaState::Damaged;
            }
        }
        cache.built_at = Some(built);
    }
    // Remember the revisions seen.
    let seen: Vec<(i64, i64)> = cx
        .listing
        .entries
        .iter()
        .filter_map(|e| e.header.as_ref().map(|h| (e.id, h.revision)))
        .collect();
    for (id, rev) in seen {
        cx.saw(id, rev);
    }
    decrypt_visible(cx)
}

/// Decrypts the metadata of rows the user may now see and has not
/// decrypted yet (new or changed rows, or rows that just came into view).
/// First pick, per row, a wrap under a key the user holds (opening those
/// keys as needed); then decrypt all rows in parallel.
fn decrypt_visible(cx: &mut Cx) -> Result<()> {
    let actor = cx.actor.clone();
    let wanted = |e: &Entry| {
        matches!(e.meta, MetaState::Unknown | MetaState::Unshared)
            && e.header.as_ref().is_some_and(|h| actor.can_see(&h.scope()))
    };
    if !cx.listing.entries.iter().any(wanted) {
        return Ok(());
    }
    let dir = cx.dir_arc();
    let wraps = record::all_wraps(cx.conn)?;
    let mut jobs: Vec<(usize, Option<(i64, usize)>)> = Vec::new();
    let mut w = 0;
    for (i, e) in cx.listing.entries.iter().enumerate() {
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
        let mut chosen = None;
        let mut k = w;
        while k < wraps.len() && wraps[k].0 == e.id {
            let key_id = wraps[k].1;
            if named.contains(&key_id) && cx.keys.get(cx.conn, &dir, key_id)?.is_some() {
                chosen = Some((key_id, k));
                break;
            }
            k += 1;
        }
        jobs.push((i, chosen));
    }
    let keys = &*cx.keys;
    let entries = &cx.listing.entries;
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
            let state = match (chosen, &e.header) {
                (Some((key_id, k)), Some(h)) => match keys.loaded(key_id) {
                    Some(key) => decrypt(key, h, &e.meta_blob, key_id, &wraps[k].2),
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
        cx.listing.entries[i].meta = state;
    }
    Ok(())
}

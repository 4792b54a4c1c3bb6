//! The signed-in user's decrypted view of the secrets table, kept for the
//! session so searching and filtering do not decrypt 10,000 rows per
//! keystroke.
//!
//! The view is rebuilt only when the vault changed: SQLite's `data_version`
//! moves when another connection (a CLI process) commits, and the vault's
//! write epoch moves when this handle commits. Even then, a row whose
//! metadata ciphertext and authenticated header are byte-for-byte unchanged
//! keeps its decrypted metadata, because decrypting it again could only
//! give the same result. Metadata is decrypted only for rows the user may
//! see, and everything is wiped when the session ends.

use std::collections::HashMap;

use rusqlite::Connection;

use rayon::prelude::*;

use crate::crypto::SymKey;
use crate::error::Result;
use crate::keys::KeyCache;
use crate::policy::Actor;
use crate::record::{self, Meta, Row};

/// A row's decrypted metadata, as far as it is known.
pub(crate) enum MetaState {
    /// Not decrypted (the user could not see the row when it was loaded).
    Unknown,
    /// Failed its integrity check.
    Damaged,
    Ok {
        meta: Meta,
        /// Lower-cased key, description and tags, NUL-separated, for search.
        haystack: String,
    },
}

pub(crate) struct Entry {
    pub row: Row,
    pub meta: MetaState,
}

/// The wrap picked to open a row's data key: (key id, wrapped key).
type Chosen<'a> = (i64, &'a [u8]);

#[derive(Default)]
pub(crate) struct ListCache {
    /// (`data_version`, write epoch) the entries were built at.
    built_at: Option<(i64, u64)>,
    pub entries: Vec<Entry>,
}

fn decrypt(key: &SymKey, row: &Row, key_id: i64, wrapped: &[u8]) -> MetaState {
    let meta =
        record::unwrap_dek(key, row, key_id, wrapped).and_then(|dek| record::open_meta(&dek, row));
    match meta {
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

impl ListCache {
    /// Brings the view up to date for `actor`.
    pub(crate) fn refresh(
        &mut self,
        conn: &Connection,
        keys: &mut KeyCache,
        actor: &Actor,
        epoch: u64,
    ) -> Result<()> {
        let data_version: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        let stamp = (data_version, epoch);
        let fresh = self.built_at == Some(stamp);
        if !fresh {
            let mut previous: HashMap<i64, Entry> =
                self.entries.drain(..).map(|e| (e.row.id, e)).collect();
            for row in record::load_listing(conn)? {
                let meta = match previous.remove(&row.id) {
                    Some(old) if old.row.meta == row.meta && old.row.same_header(&row) => old.meta,
                    _ => MetaState::Unknown,
                };
                self.entries.push(Entry { row, meta });
            }
            self.built_at = Some(stamp);
        }
        // Decrypt what the user may now see and has not been decrypted yet
        // (new or changed rows, or rows that just came into view). First
        // pick, per row, a wrap under a key the user holds (opening those
        // keys as needed); then decrypt all rows in parallel.
        let wanted =
            |e: &Entry| matches!(e.meta, MetaState::Unknown) && actor.can_see(&e.row.scope());
        if !self.entries.iter().any(wanted) {
            return Ok(());
        }
        let wraps = record::all_wraps(conn)?;
        let mut jobs: Vec<(usize, Option<Chosen>)> = Vec::new();
        let mut w = 0;
        for (i, e) in self.entries.iter().enumerate() {
            while w < wraps.len() && wraps[w].0 < e.row.id {
                w += 1;
            }
            if !wanted(e) {
                continue;
            }
            let mut chosen = None;
            let mut k = w;
            while k < wraps.len() && wraps[k].0 == e.row.id {
                if keys.get(conn, wraps[k].1)?.is_some() {
                    chosen = Some((wraps[k].1, wraps[k].2.as_slice()));
                    break;
                }
                k += 1;
            }
            jobs.push((i, chosen));
        }
        let keys: &KeyCache = keys;
        let entries = &self.entries;
        let results: Vec<(usize, MetaState)> = jobs
            .par_iter()
            .map(|&(i, chosen)| {
                let state = match chosen
                    .and_then(|(id, wrapped)| keys.loaded(id).map(|k| (k, id, wrapped)))
                {
                    Some((key, id, wrapped)) => decrypt(key, &entries[i].row, id, wrapped),
                    // Visible by policy but no key to open it: not readable.
                    None => MetaState::Damaged,
                };
                (i, state)
            })
            .collect();
        for (i, state) in results {
            self.entries[i].meta = state;
        }
        Ok(())
    }
}

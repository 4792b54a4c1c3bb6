//! What this device remembers about the vaults it has opened, kept outside
//! any vault (in `$XDG_STATE_HOME/coffer/device.db`), so that whoever writes
//! a vault cannot also rewrite this device's memory of it:
//!
//! - the directory it last verified (epoch, head hash, the state), so a
//!   vault whose directory is older or differs is refused as a rollback,
//!   and only new entries need checking;
//! - the vault's first entry (its root of trust), pinned at first unlock;
//! - which vault lives at which path, so a vault swapped for another one
//!   at the same path is noticed;
//! - the highest revision of each secret it has seen, so an older copy of
//!   a secret put back is refused;
//! - failed sign-ins, so resetting the vault's own counter gives no free
//!   guesses on this device.
//!
//! Nothing here is secret: it holds what the vault file holds in plaintext.
//! This module only stores it; `trust` decides what it means.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::api::Timestamp;
use crate::crypto::Hash;
use crate::error::{Error, Result};

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE vaults (
        vault_id TEXT PRIMARY KEY,
        genesis  BLOB NOT NULL,
        epoch    INTEGER NOT NULL,
        head     BLOB NOT NULL,
        state    BLOB NOT NULL
     );
     CREATE TABLE locations (
        location TEXT PRIMARY KEY,
        vault_id TEXT NOT NULL
     );
     CREATE TABLE revisions (
        vault_id  TEXT NOT NULL,
        secret_id INTEGER NOT NULL,
        revision  INTEGER NOT NULL,
        PRIMARY KEY (vault_id, secret_id)
     ) WITHOUT ROWID;
     CREATE TABLE sign_in_failures (
        vault_id       TEXT NOT NULL,
        user_id        INTEGER NOT NULL,
        failures       INTEGER NOT NULL,
        last_failed_at INTEGER,
        PRIMARY KEY (vault_id, user_id)
     ) WITHOUT ROWID;",
    ),
    // The digest of the header and signature last verified at that
    // revision, so an unchanged row is not verified again.
    M::up("ALTER TABLE revisions ADD COLUMN verified BLOB;"),
    // The newest audit log entry this device wrote or checked, so a log
    // cut short behind its back is noticed.
    M::up(
        "CREATE TABLE audit_heads (
        vault_id TEXT PRIMARY KEY,
        seq      INTEGER NOT NULL,
        hash     BLOB NOT NULL
     );",
    ),
    // Who created each secret and whether it was active, as last seen: a
    // later header that names another creator, or that a member signed to
    // turn a deactivated secret back on, is refused (a member who writes
    // the file cannot take over a secret or undo a deactivation).
    M::up(
        "ALTER TABLE revisions ADD COLUMN creator INTEGER;
         ALTER TABLE revisions ADD COLUMN active INTEGER;",
    ),
    // Which secrets answered a lookup of a key name here (`tag`: a keyed
    // hash of the name only its user can make), so a match that vanishes
    // from the storage without a recorded delete is noticed, not silently
    // replaced by the next most specific one.
    M::up(
        "CREATE TABLE matches (
        vault_id  TEXT NOT NULL,
        tag       BLOB NOT NULL,
        secret_id INTEGER NOT NULL,
        PRIMARY KEY (vault_id, tag, secret_id)
     ) WITHOUT ROWID;",
    ),
];

/// A revision that marks a secret this device deleted: it must not come
/// back.
pub(crate) const DELETED: i64 = i64::MAX;

/// A secret's revision seen, with the digest of its header and signature
/// if this device verified that signature.
#[derive(Clone, Copy)]
pub(crate) struct Seen {
    pub id: i64,
    pub revision: i64,
    pub verified: Option<Hash>,
    /// The header's creator and active flag (`None`: a deletion mark).
    pub facts: Option<(i64, bool)>,
}

/// What this device remembers of a secret.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Known {
    pub revision: i64,
    /// The digest of the header and signature last verified at `revision`.
    pub verified: Option<Hash>,
    /// Its creator and active flag as last seen (`None` if remembered by an
    /// older build, which did not keep them).
    pub creator: Option<i64>,
    pub active: Option<bool>,
}

fn known(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Known> {
    let verified: Option<Vec<u8>> = r.get(at + 1)?;
    Ok(Known {
        revision: r.get(at)?,
        verified: verified.and_then(|v| v.try_into().ok()),
        creator: r.get(at + 2)?,
        active: r.get(at + 3)?,
    })
}

/// The folder for this device's memory: `COFFER_STATE_DIR` if set, else the
/// platform's state folder (`$XDG_STATE_HOME/coffer` on Linux).
pub fn default_state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("COFFER_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "coffer")?;
    Some(
        dirs.state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dirs.data_local_dir().join("state")),
    )
}

/// A directory this device verified: its first entry's hash, its epoch
/// and head hash, and the state as `trust` encoded it.
pub(crate) struct Checkpoint {
    pub vault_id: String,
    pub genesis: Hash,
    pub epoch: i64,
    pub head: Hash,
    pub state: Vec<u8>,
}

pub(crate) struct DeviceStore {
    conn: Connection,
    path: PathBuf,
}

fn blob32(v: Vec<u8>) -> Hash {
    v.try_into().unwrap_or([0; 32])
}

/// Sets a connection up: write-ahead logging, full sync, the tables up to
/// date; on failure, what failed.
fn set_up(conn: &mut Connection) -> std::result::Result<(), &'static str> {
    let _: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
        .map_err(|_| "cannot use write-ahead logging")?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|_| "synchronous")?;
    // Every command is a short-lived process: checkpointing the log into
    // the file as each one closes (and deleting it, so that the next one
    // makes it again) cost three more disk syncs per command. The log is
    // folded in once it grows past SQLite's automatic checkpoint instead.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
        .map_err(|_| "checkpoint on close")?;
    Migrations::from_slice(MIGRATIONS)
        .to_latest(conn)
        .map_err(|_| "it is damaged or from a newer Coffer")
}

/// [`set_up`], tried a few times. Processes that open a new store at the
/// same moment (the app and a script starting together) race: switching a
/// new file to write-ahead logging needs it to themselves, and the
/// migrator reads the version before its transaction, so all but the
/// first find the tables made under them. Trying again finds the work
/// done; a store that is really damaged or newer fails every time.
fn set_up_retrying(conn: &mut Connection) -> std::result::Result<(), &'static str> {
    let mut tries = 0;
    loop {
        match set_up(conn) {
            Err(_) if tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20 * tries));
            }
            out => return out,
        }
    }
}

impl DeviceStore {
    pub(crate) fn open(dir: &Path) -> Result<Self> {
        let path = dir.join("device.db");
        let fail = |what: &str| {
            Error::Io(format!(
                "this device's trust store at {} cannot be used ({what}): check the folder's permissions",
                path.display()
            ))
        };
        create_private_dir(dir).map_err(|e| fail(&format!("{}", e.kind())))?;
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|_| fail("cannot open it"))?;
        restrict_file(&path);
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|_| fail("busy timeout"))?;
        set_up_retrying(&mut conn).map_err(fail)?;
        Ok(Self { conn, path })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        let _ = e;
        Error::Io(format!(
            "this device's trust store at {} could not be read or written",
            self.path.display()
        ))
    }

    pub(crate) fn checkpoint(&self, vault_id: &str) -> Result<Option<Checkpoint>> {
        type Row = (Vec<u8>, i64, Vec<u8>, Vec<u8>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT genesis, epoch, head, state FROM vaults WHERE vault_id = ?1",
                [vault_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.map(|(genesis, epoch, head, state)| Checkpoint {
            vault_id: vault_id.to_string(),
            genesis: blob32(genesis),
            epoch,
            head: blob32(head),
            state,
        }))
    }

    /// Remembers a verified directory, unless a newer one is remembered.
    pub(crate) fn save_checkpoint(&self, c: &Checkpoint) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO vaults (vault_id, genesis, epoch, head, state) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (vault_id) DO UPDATE SET epoch = excluded.epoch, head = excluded.head,
                        state = excluded.state
                  WHERE excluded.epoch > vaults.epoch AND excluded.genesis = vaults.genesis",
                params![c.vault_id, c.genesis.to_vec(), c.epoch, c.head.to_vec(), c.state],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The newest audit log entry this device wrote or checked.
    pub(crate) fn audit_head(&self, vault_id: &str) -> Result<Option<(i64, Hash)>> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit_heads WHERE vault_id = ?1",
                [vault_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.map(|(seq, hash)| (seq, blob32(hash))))
    }

    /// Remembers a newer audit log entry (never an older one).
    pub(crate) fn set_audit_head(&self, vault_id: &str, seq: i64, hash: &Hash) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit_heads (vault_id, seq, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (vault_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                  WHERE excluded.seq > audit_heads.seq",
                params![vault_id, seq, hash.to_vec()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Which vault this device last saw at `location`.
    pub(crate) fn location(&self, location: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT vault_id FROM locations WHERE location = ?1",
                [location],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn set_location(&self, location: &str, vault_id: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO locations (location, vault_id) VALUES (?1, ?2)
                 ON CONFLICT (location) DO UPDATE SET vault_id = excluded.vault_id
                  WHERE vault_id IS NOT excluded.vault_id",
                params![location, vault_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets everything about a vault (after its owner confirmed, out of
    /// band, that a changed or restored vault is the right one).
    pub(crate) fn forget(&self, vault_id: &str, location: Option<&str>) -> Result<()> {
        let run = || -> rusqlite::Result<()> {
            self.conn
                .execute("DELETE FROM vaults WHERE vault_id = ?1", [vault_id])?;
            self.conn
                .execute("DELETE FROM revisions WHERE vault_id = ?1", [vault_id])?;
            self.conn
                .execute("DELETE FROM audit_heads WHERE vault_id = ?1", [vault_id])?;
            self.conn
                .execute("DELETE FROM matches WHERE vault_id = ?1", [vault_id])?;
            self.conn
                .execute("DELETE FROM locations WHERE vault_id = ?1", [vault_id])?;
            if let Some(loc) = location {
                self.conn
                    .execute("DELETE FROM locations WHERE location = ?1", [loc])?;
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    /// What this device remembers of each of these secrets.
    pub(crate) fn memory(&self, vault_id: &str, ids: &[i64]) -> Result<HashMap<i64, Known>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT revision, verified, creator, active FROM revisions
                  WHERE vault_id = ?1 AND secret_id = ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for &id in ids {
            let row = stmt
                .query_row(params![vault_id, id], |r| known(r, 0))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(k) = row {
                out.insert(id, k);
            }
        }
        Ok(out)
    }

    /// The secrets that answered a lookup of the name `tag` stands for.
    pub(crate) fn matches(&self, vault_id: &str, tag: &Hash) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT secret_id FROM matches WHERE vault_id = ?1 AND tag = ?2")
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![vault_id, tag.as_slice()], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<i64>>>())
            .map_err(|e| self.err(e))
    }

    /// Sets the secrets that answer a lookup of `tag` now.
    pub(crate) fn set_matches(&self, vault_id: &str, tag: &Hash, ids: &[i64]) -> Result<()> {
        let run = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute(
                "DELETE FROM matches WHERE vault_id = ?1 AND tag = ?2",
                params![vault_id, tag.as_slice()],
            )?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO matches (vault_id, tag, secret_id) VALUES (?1, ?2, ?3)",
                )?;
                for id in ids {
                    stmt.execute(params![vault_id, tag.as_slice(), id])?;
                }
            }
            tx.commit()
        };
        run().map_err(|e| self.err(e))
    }

    /// What this device remembers of every secret of a vault.
    pub(crate) fn all_revisions(&self, vault_id: &str) -> Result<HashMap<i64, Known>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT secret_id, revision, verified, creator, active FROM revisions WHERE vault_id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([vault_id], |r| Ok((r.get(0)?, known(r, 1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<HashMap<i64, Known>>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Remembers revisions seen (keeping the highest of each).
    pub(crate) fn record_revisions(&self, vault_id: &str, seen: &[Seen]) -> Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        let run = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO revisions (vault_id, secret_id, revision, verified, creator, active)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (vault_id, secret_id) DO UPDATE
                        SET revision = excluded.revision,
                            verified = ifnull(excluded.verified,
                                              CASE WHEN excluded.revision = revisions.revision
                                                   THEN revisions.verified END),
                            creator = ifnull(excluded.creator, revisions.creator),
                            active = ifnull(excluded.active, revisions.active)
                      WHERE excluded.revision > revisions.revision
                         OR (excluded.revision = revisions.revision AND excluded.verified IS NOT NULL
                             AND excluded.verified IS NOT revisions.verified)
                         OR (excluded.revision = revisions.revision AND excluded.creator IS NOT NULL
                             AND revisions.creator IS NULL)",
                )?;
                for s in seen {
                    stmt.execute(params![
                        vault_id,
                        s.id,
                        s.revision,
                        s.verified.map(|h| h.to_vec()),
                        s.facts.map(|f| f.0),
                        s.facts.map(|f| f.1)
                    ])?;
                }
            }
            tx.commit()
        };
        run().map_err(|e| self.err(e))
    }

    /// Failed sign-ins on this device: (count, time of the last one).
    pub(crate) fn failures(
        &self,
        vault_id: &str,
        user_id: i64,
    ) -> Result<(i64, Option<Timestamp>)> {
        let row = self
            .conn
            .query_row(
                "SELECT failures, last_failed_at FROM sign_in_failures WHERE vault_id = ?1 AND user_id = ?2",
                params![vault_id, user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.unwrap_or((0, None)))
    }

    pub(crate) fn record_failure(&self, vault_id: &str, user_id: i64, at: Timestamp) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sign_in_failures (vault_id, user_id, failures, last_failed_at) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (vault_id, user_id) DO UPDATE SET failures = failures + 1, last_failed_at = excluded.last_failed_at",
                params![vault_id, user_id, at],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub(crate) fn clear_failures(&self, vault_id: &str, user_id: i64) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM sign_in_failures WHERE vault_id = ?1 AND user_id = ?2",
                params![vault_id, user_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_store_at_once_all_succeed() {
        // Each round a fresh folder, opened by several connections at once
        // (as the app and a script starting together on a new machine).
        for _ in 0..10 {
            let dir = tempfile::tempdir().expect("tempdir");
            let start = std::sync::Barrier::new(6);
            std::thread::scope(|s| {
                let opens: Vec<_> = (0..6)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            DeviceStore::open(dir.path()).map(drop)
                        })
                    })
                    .collect();
                for open in opens {
                    let out = open.join().expect("thread");
                    assert!(out.is_ok(), "{:?}", out.err().map(|e| e.to_string()));
                }
            });
        }
    }

    #[test]
    fn revisions_only_go_up_and_failures_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DeviceStore::open(dir.path()).expect("open");
        let seen = |id, revision| Seen {
            id,
            revision,
            verified: None,
            facts: Some((4, true)),
        };
        let rv = |k: &Known| (k.revision, k.verified);
        store
            .record_revisions("v", &[seen(1, 3), seen(2, 1)])
            .expect("record");
        store
            .record_revisions("v", &[seen(1, 2), seen(2, 5)])
            .expect("record");
        store
            .record_revisions(
                "v",
                &[Seen {
                    verified: Some([9; 32]),
                    ..seen(2, 5)
                }],
            )
            .expect("record");
        assert_eq!(
            rv(&store.all_revisions("v").expect("read")[&2]),
            (5, Some([9; 32]))
        );
        store.record_revisions("v", &[seen(2, 1)]).expect("record");
        assert_eq!(
            rv(&store.all_revisions("v").expect("read")[&2]),
            (5, Some([9; 32])),
            "never goes down"
        );
        let revs = store.memory("v", &[1, 2, 3]).expect("read");
        assert_eq!(
            (
                revs.get(&1).map(|k| k.revision),
                revs.get(&2).map(|k| k.revision),
                revs.get(&3)
            ),
            (Some(3), Some(5), None)
        );
        store
            .record_revisions(
                "v",
                &[Seen {
                    facts: Some((4, false)),
                    ..seen(2, 6)
                }],
            )
            .expect("record");
        let k = store.all_revisions("v").expect("read")[&2];
        assert_eq!(rv(&k), (6, None), "a new revision is not verified yet");
        assert_eq!(
            (k.creator, k.active),
            (Some(4), Some(false)),
            "the newest facts"
        );
        // A row an older build remembered (no facts) gets them at the same
        // revision, so the list does not record it again on every start.
        store
            .conn
            .execute(
                "UPDATE revisions SET creator = NULL, active = NULL WHERE secret_id = 1",
                [],
            )
            .expect("as an older build left it");
        store.record_revisions("v", &[seen(1, 3)]).expect("record");
        let k = store.all_revisions("v").expect("read")[&1];
        assert_eq!((k.revision, k.creator, k.active), (3, Some(4), Some(true)));
        // A deletion mark keeps the facts last seen.
        store
            .record_revisions(
                "v",
                &[Seen {
                    facts: None,
                    ..seen(2, DELETED)
                }],
            )
            .expect("record");
        let k = store.all_revisions("v").expect("read")[&2];
        assert_eq!(
            (k.revision, k.creator, k.active),
            (DELETED, Some(4), Some(false))
        );
        assert_eq!(store.all_revisions("other").expect("read").len(), 0);
        store.record_failure("v", 7, 100).expect("fail");
        store.record_failure("v", 7, 200).expect("fail");
        assert_eq!(store.failures("v", 7).expect("read"), (2, Some(200)));
        store.clear_failures("v", 7).expect("clear");
        assert_eq!(store.failures("v", 7).expect("read"), (0, None));
        // A second handle (another process) sees the same memory.
        let again = DeviceStore::open(dir.path()).expect("open");
        assert_eq!(
            again
                .memory("v", &[2])
                .expect("read")
                .get(&2)
                .map(|k| k.revision),
            Some(DELETED)
        );
    }
}

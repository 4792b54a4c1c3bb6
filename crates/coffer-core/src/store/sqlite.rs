//! The SQLite backend: opening the file safely, its pragmas, its
//! migrations, and every statement of [`Store`](super::Store).
//!
//! WAL lets the app and any number of CLI processes read while one writes;
//! `synchronous = FULL` makes every commit durable; `secure_delete` zeroes
//! freed pages. Writers take the lock up front (`BEGIN IMMEDIATE`) and wait
//! for it with a busy timeout, so concurrent users never see
//! "database is locked".

use std::path::Path;
use std::time::Duration;

use std::collections::BTreeSet;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use rusqlite_migration::{M, Migrations};

use super::copy::{self, Cell};
use super::{
    AuditFilter, AuditRow, DeviceRow, Hint, LockRow, MetaRow, SecretColumns, SecretRow, Store,
    UsageRow, VersionRow, WrapRow,
};
use crate::api::{Role, Timestamp};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::plain::Scope;

/// `PRAGMA application_id`: "Cofr". Marks the file as a Coffer vault.
const APPLICATION_ID: i32 = 0x436f_6672;

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema, one append-only file per version; never edit a released one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_initial.sql")),
    M::up(include_str!("../../migrations/0002_signed_directory.sql")),
    M::up(include_str!("../../migrations/0003_audit_log.sql")),
];

fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The newest schema version this build knows.
pub(crate) fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Creates a new, empty vault file. Fails if `path` already exists.
pub(crate) fn create(path: &Path) -> Result<Connection> {
    if path.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists: choose another path or remove it first",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {}", dir.display(), e.kind())))?;
    }
    // Made private before anything is written to it (SQLite gives its WAL
    // and shared-memory files the same mode).
    create_private_file(path)
        .map_err(|e| Error::Io(format!("cannot create {}: {}", path.display(), e.kind())))?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    configure(&conn)?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|_| Error::VaultDamaged("the new vault could not be initialized".into()))?;
    Ok(conn)
}

/// Opens an existing vault, refusing files that are not Coffer vaults or
/// were made by a newer version, and upgrading older schemas in place.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(Error::not_found(format!(
            "no vault at {}: create one with `coffer init`, or pass --vault",
            path.display()
        )));
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(not_a_vault)?;
    if app_id != APPLICATION_ID {
        return Err(not_a_vault(()));
    }
    configure(&conn)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > schema_version() {
        return Err(Error::UnsupportedVersion {
            found: version,
            known: schema_version(),
        });
    }
    if version < schema_version() {
        migrations().to_latest(&mut conn).map_err(|_| {
            Error::VaultDamaged("the vault could not be upgraded to this version".into())
        })?;
    }
    check_meta(&conn)?;
    Ok(conn)
}

fn not_a_vault<E>(_: E) -> Error {
    Error::VaultDamaged("this file is not a Coffer vault, or it is damaged or truncated".into())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Io(
            "the vault cannot use write-ahead logging on this file system".into(),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Reads straight from the mapped file instead of copying every page.
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    // A large write (an import) keeps its pages in memory until it
    // commits, instead of spilling them to the WAL and reading them back
    // (SQLite's default is 2 MiB; the cache grows only as it is used).
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    // Room for every statement a write repeats (rusqlite keeps 16).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// A vault must have exactly one metadata row; a file without it is damaged.
fn check_meta(conn: &Connection) -> Result<()> {
    let present: Option<i64> = conn
        .query_row("SELECT id FROM vault_meta WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    match present {
        Some(_) => Ok(()),
        None => Err(not_a_vault(())),
    }
}

/// The vault holds only ciphertext, but there is still no reason for other
/// local users to read it: the file is created with mode 0600, never
/// briefly readable by others.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

/// A unique-constraint failure is a conflict the caller names; anything
/// else is what `Error::from` says.
fn conflict(e: rusqlite::Error, what: &str) -> Error {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::Conflict(what.to_string())
    } else {
        e.into()
    }
}

fn blob(r: &Row, i: usize) -> rusqlite::Result<Option<Vec<u8>>> {
    Ok(r.get_ref(i)?.as_blob().ok().map(<[u8]>::to_vec))
}

fn int(r: &Row, i: usize) -> rusqlite::Result<Option<i64>> {
    Ok(r.get_ref(i)?.as_i64().ok())
}

const SECRET_COLUMNS: &str = "id, header, signature, meta, fields, private, creator_id, all_depts";

fn secret_from(r: &Row) -> rusqlite::Result<SecretRow> {
    Ok(SecretRow {
        id: r.get(0)?,
        header: blob(r, 1)?,
        signature: blob(r, 2)?,
        meta: blob(r, 3)?,
        fields: blob(r, 4)?,
        hint: Hint {
            private: int(r, 5)?.is_none_or(|v| v != 0),
            creator: int(r, 6)?.unwrap_or(0),
            all_depts: int(r, 7)?.is_some_and(|v| v != 0),
            depts: Vec::new(),
        },
    })
}

fn version_from(r: &Row) -> rusqlite::Result<VersionRow> {
    Ok(VersionRow {
        version: int(r, 0)?.unwrap_or(-1),
        updated_at: int(r, 1)?.unwrap_or(-1),
        updated_by: int(r, 2)?.unwrap_or(-1),
        meta: blob(r, 3)?.unwrap_or_default(),
        fields: blob(r, 4)?.unwrap_or_default(),
    })
}

fn usage_from(r: &Row) -> rusqlite::Result<UsageRow> {
    Ok(UsageRow {
        id: r.get(0)?,
        secret_id: int(r, 1)?.unwrap_or(0),
        sealed: blob(r, 2)?.unwrap_or_default(),
        created_by: int(r, 3)?.unwrap_or(0),
        created_at: int(r, 4)?.unwrap_or(0),
        signer: int(r, 5)?.unwrap_or(0),
        signature: blob(r, 6)?.unwrap_or_default(),
    })
}

const AUDIT_COLUMNS: &str = "seq, at, actor_id, action, secret_id, outcome, subject, entry";

fn audit_from(r: &Row) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: int(r, 1)?.unwrap_or(0),
        actor: int(r, 2)?.unwrap_or(0),
        action: int(r, 3)?.unwrap_or(0),
        secret: int(r, 4)?,
        outcome: int(r, 5)?.unwrap_or(0),
        subject: int(r, 6)?,
        entry: blob(r, 7)?.unwrap_or_default(),
    })
}

const USAGE_COLUMNS: &str = "id, secret_id, sealed, created_by, created_at, signer_id, signature";

/// Runs a write from the connection's statement cache: an import repeats
/// each of these ten thousand times, and parsing them again each time was
/// a tenth of its time.
fn run(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(p)
}

fn ids(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let ids = stmt
        .query_map(p, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

impl Store for Connection {
    fn insert_meta(
        &self,
        vault_id: &str,
        profile: &str,
        kdf: KdfParams,
        now: Timestamp,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO vault_meta (id, vault_id, kdf_profile, kdf_m, kdf_t, kdf_p, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![vault_id, profile, kdf.m_kib, kdf.t, kdf.p, now],
        )?;
        Ok(())
    }

    fn meta(&self) -> Result<MetaRow> {
        self.query_row(
            "SELECT vault_id, kdf_profile, kdf_m, kdf_t, kdf_p FROM vault_meta WHERE id = 1",
            [],
            |r| {
                let n = |i: usize| -> rusqlite::Result<u32> {
                    Ok(int(r, i)?.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
                };
                let text = |i: usize| -> rusqlite::Result<String> {
                    Ok(r.get_ref(i)?
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_default())
                };
                Ok(MetaRow {
                    vault_id: text(0)?,
                    kdf_profile: text(1)?,
                    kdf: KdfParams {
                        m_kib: n(2)?,
                        t: n(3)?,
                        p: n(4)?,
                    },
                })
            },
        )
        .map_err(not_a_vault)
    }

    fn data_version(&self) -> Result<i64> {
        Ok(self.pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    fn log_latest(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .prepare_cached("SELECT epoch, entry FROM directory_log ORDER BY epoch DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, blob(r, 1)?.unwrap_or_default())))
            .optional()?)
    }

    fn log_entry(&self, epoch: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .prepare_cached("SELECT entry FROM directory_log WHERE epoch = ?1")?
            .query_row([epoch], |r| Ok(blob(r, 0)?.unwrap_or_default()))
            .optional()?)
    }

    fn log_since(&self, epoch: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut stmt = self.prepare_cached(
            "SELECT epoch, entry FROM directory_log WHERE epoch > ?1 ORDER BY epoch",
        )?;
        let rows = stmt
            .query_map([epoch], |r| {
                Ok((r.get(0)?, blob(r, 1)?.unwrap_or_default()))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn log_top(&self) -> Result<i64> {
        Ok(
            self.query_row("SELECT ifnull(max(epoch), 0) FROM directory_log", [], |r| {
                r.get(0)
            })?,
        )
    }

    fn log_append(&self, epoch: i64, entry: &[u8]) -> Result<()> {
        self.execute(
            "INSERT INTO directory_log (epoch, entry) VALUES (?1, ?2)",
            params![epoch, entry],
        )
        .map_err(|e| {
            conflict(
                e,
                "someone else changed the directory at the same time: try again",
            )
        })?;
        Ok(())
    }

    fn insert_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        now: Timestamp,
    ) -> Result<i64> {
        self.execute(
            "INSERT INTO users (username, display_name, role, primary_dept_id, must_change_password, public_key,
                                kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, created_at, record_mac)
             VALUES (?1, ?2, ?3, ?4, 1, x'', x'', 0, 0, 0, x'', ?5, x'')",
            params![username, display_name, role.as_str(), primary, now],
        )
        .map_err(|e| conflict(e, "a user with this username already exists"))?;
        Ok(self.last_insert_rowid())
    }

    fn set_user_columns(
        &self,
        id: i64,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        disabled: bool,
        depts: &BTreeSet<i64>,
    ) -> Result<()> {
        self.execute(
            "UPDATE users SET display_name = ?2, role = ?3, primary_dept_id = ?4, disabled = ?5 WHERE id = ?1",
            params![id, display_name, role.as_str(), primary, disabled],
        )?;
        self.execute("DELETE FROM memberships WHERE user_id = ?1", [id])?;
        for d in depts {
            self.execute(
                "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
                params![id, d],
            )?;
        }
        Ok(())
    }

    fn set_enrollment_kdf(&self, id: i64, salt: &[u8], p: KdfParams) -> Result<()> {
        self.execute(
            "UPDATE users SET kdf_salt = ?2, kdf_m = ?3, kdf_t = ?4, kdf_p = ?5 WHERE id = ?1",
            params![id, salt, p.m_kib, p.t, p.p],
        )?;
        Ok(())
    }

    fn set_bundle(
        &self,
        id: i64,
        salt: &[u8],
        p: KdfParams,
        bundle: &[u8],
        enc_public: &[u8],
    ) -> Result<()> {
        self.execute(
            "UPDATE users SET kdf_salt = ?2, kdf_m = ?3, kdf_t = ?4, kdf_p = ?5, password_bundle = ?6,
                    public_key = ?7, enroll_seal = NULL
              WHERE id = ?1",
            params![id, salt, p.m_kib, p.t, p.p, bundle, enc_public],
        )?;
        Ok(())
    }

    fn set_enroll_seal(&self, id: i64, seal: &[u8]) -> Result<()> {
        self.execute(
            "UPDATE users SET enroll_seal = ?2 WHERE id = ?1",
            params![id, seal],
        )?;
        Ok(())
    }

    fn password_lock(&self, id: i64) -> Result<Option<LockRow>> {
        Ok(self
            .query_row(
                "SELECT kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, enroll_seal FROM users WHERE id = ?1",
                [id],
                |r| {
                    let n = |i: usize| -> rusqlite::Result<Option<u32>> {
                        Ok(int(r, i)?.and_then(|v| u32::try_from(v).ok()))
                    };
                    let params = match (n(1)?, n(2)?, n(3)?) {
                        (Some(m_kib), Some(t), Some(p)) => Some(KdfParams { m_kib, t, p }),
                        _ => None,
                    };
                    Ok(LockRow {
                        salt: blob(r, 0)?,
                        params,
                        bundle: blob(r, 4)?,
                        enroll_seal: blob(r, 5)?,
                    })
                },
            )
            .optional()?)
    }

    fn failures(&self, id: i64) -> Result<(i64, Option<Timestamp>)> {
        Ok(self
            .query_row(
                "SELECT failed_attempts, last_failed_at FROM users WHERE id = ?1",
                [id],
                |r| Ok((int(r, 0)?.unwrap_or(0), int(r, 1)?)),
            )
            .optional()?
            .unwrap_or((0, None)))
    }

    fn record_failure(&self, id: i64, at: Timestamp) -> Result<()> {
        self.execute(
            "UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    fn clear_failures(&self, id: i64) -> Result<()> {
        self.execute(
            "UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    fn must_change_password(&self, id: i64) -> Result<bool> {
        Ok(self
            .query_row(
                "SELECT must_change_password FROM users WHERE id = ?1",
                [id],
                |r| Ok(int(r, 0)?.unwrap_or(0) != 0),
            )
            .optional()?
            .unwrap_or(false))
    }

    fn set_must_change_password(&self, id: i64, must: bool) -> Result<()> {
        self.execute(
            "UPDATE users SET must_change_password = ?2 WHERE id = ?1",
            params![id, must],
        )?;
        Ok(())
    }

    fn insert_dept(&self, code: &str, name: &str, now: Timestamp) -> Result<i64> {
        self.execute(
            "INSERT INTO departments (code, name, created_at) VALUES (?1, ?2, ?3)",
            params![code, name, now],
        )
        .map_err(|e| conflict(e, "a department with this code already exists"))?;
        Ok(self.last_insert_rowid())
    }

    fn rename_dept(&self, id: i64, name: &str) -> Result<()> {
        self.execute(
            "UPDATE departments SET name = ?2 WHERE id = ?1",
            params![id, name],
        )?;
        Ok(())
    }

    fn insert_scope_key(&self, scope: Scope, now: Timestamp) -> Result<i64> {
        let (kind, dept, owner) = match scope {
            Scope::All => ("all", None, None),
            Scope::Dept(d) => ("dept", Some(d), None),
            Scope::Personal(u) => ("personal", None, Some(u)),
        };
        self.execute(
            "INSERT INTO scope_keys (kind, dept_id, owner_id, retired, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
            params![kind, dept, owner, now],
        )?;
        Ok(self.last_insert_rowid())
    }

    fn mark_current_key(&self, old: Option<i64>, new: i64) -> Result<()> {
        if let Some(old) = old {
            self.execute("UPDATE scope_keys SET retired = 1 WHERE id = ?1", [old])?;
        }
        self.execute("UPDATE scope_keys SET retired = 0 WHERE id = ?1", [new])?;
        Ok(())
    }

    fn retire_personal_keys(&self, user: i64) -> Result<()> {
        self.execute(
            "UPDATE scope_keys SET retired = 1 WHERE kind = 'personal' AND owner_id = ?1",
            [user],
        )?;
        Ok(())
    }

    fn count_key_uses(&self, id: i64, n: i64) -> Result<()> {
        run(
            self,
            "UPDATE scope_keys SET uses = uses + ?2 WHERE id = ?1",
            params![id, n],
        )?;
        Ok(())
    }

    fn key_uses(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .prepare_cached("SELECT uses FROM scope_keys WHERE id = ?1")?
            .query_row([id], |r| int(r, 0))
            .optional()?
            .flatten())
    }

    fn delete_key(&self, id: i64) -> Result<()> {
        self.execute("DELETE FROM secret_wraps WHERE key_id = ?1", [id])?;
        self.execute("DELETE FROM key_grants WHERE key_id = ?1", [id])?;
        self.execute("DELETE FROM scope_keys WHERE id = ?1", [id])?;
        Ok(())
    }

    fn put_grant(&self, key: i64, user: i64, sealed: &[u8], sender: i64) -> Result<()> {
        self.execute(
            "INSERT INTO key_grants (key_id, user_id, sealed, sender_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id, user_id) DO UPDATE SET sealed = excluded.sealed, sender_id = excluded.sender_id",
            params![key, user, sealed, sender],
        )?;
        Ok(())
    }

    fn grant(&self, key: i64, user: i64) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        Ok(self
            .prepare_cached(
                "SELECT sealed, sender_id FROM key_grants WHERE key_id = ?1 AND user_id = ?2",
            )?
            .query_row(params![key, user], |r| {
                Ok((blob(r, 0)?.unwrap_or_default(), int(r, 1)?))
            })
            .optional()?)
    }

    fn grant_holders(&self, key: i64) -> Result<Vec<i64>> {
        ids(
            self,
            "SELECT user_id FROM key_grants WHERE key_id = ?1 AND sender_id IS NOT NULL",
            [key],
        )
    }

    fn drop_format1_grants(&self, user: i64) -> Result<()> {
        self.execute(
            "DELETE FROM key_grants WHERE user_id = ?1 AND sender_id IS NULL",
            [user],
        )?;
        Ok(())
    }

    fn drop_index_keys(&self) -> Result<()> {
        self.execute(
            "DELETE FROM key_grants WHERE key_id IN (SELECT id FROM scope_keys WHERE kind = 'index')",
            [],
        )?;
        self.execute("DELETE FROM scope_keys WHERE kind = 'index'", [])?;
        Ok(())
    }

    fn secret(&self, id: i64) -> Result<Option<SecretRow>> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE id = ?1");
        Ok(self
            .prepare_cached(&sql)?
            .query_row([id], secret_from)
            .optional()?)
    }

    fn secrets_for_listing(&self) -> Result<Vec<SecretRow>> {
        let columns = SECRET_COLUMNS.replace(", fields", ", NULL AS fields");
        let sql = format!("SELECT {columns} FROM secrets ORDER BY id");
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([], secret_from)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn secret_depts(&self, id: i64) -> Result<Vec<i64>> {
        let mut stmt = self.prepare_cached(
            "SELECT dept_id FROM secret_departments WHERE secret_id = ?1 ORDER BY dept_id",
        )?;
        let depts = stmt
            .query_map([id], |r| Ok(int(r, 0)?.unwrap_or(0)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(depts)
    }

    fn insert_secret(&self, creator: i64) -> Result<i64> {
        // A placeholder, unique until the real key index and scope are
        // saved in the same transaction.
        run(self,
            "INSERT INTO secrets (key_index, scope_sig, all_depts, private, creator_id, active, reveal,
                                  expires_at, created_at, updated_at, updated_by, version, dek_gen,
                                  dek_uses, meta, fields)
             VALUES (randomblob(32), 'new-' || hex(randomblob(8)), 0, 1, ?1, 0, 'never', NULL, 0, 0, ?1, 0, 0, 0,
                     x'', x'')",
            [creator],
        )?;
        Ok(self.last_insert_rowid())
    }

    fn save_secret(&self, c: &SecretColumns) -> Result<()> {
        run(self,
            "UPDATE secrets SET key_index = ?2, scope_sig = ?3, all_depts = ?4, private = ?5, creator_id = ?6,
                    active = ?7, reveal = ?8, expires_at = ?9, created_at = ?10, updated_at = ?11,
                    updated_by = ?12, version = ?13, dek_gen = ?14,
                    dek_uses = CASE WHEN ?15 THEN 2 ELSE dek_uses + 2 END,
                    meta = ?16, fields = ?17, header = ?18, signature = ?19, signer_id = ?20
              WHERE id = ?1",
            params![
                c.id,
                c.key_index,
                c.scope_sig,
                c.all_depts,
                c.private,
                c.creator,
                c.active,
                c.reveal,
                c.expires_at,
                c.created_at,
                c.updated_at,
                c.updated_by,
                c.version,
                c.dek_gen,
                c.new_dek,
                c.meta,
                c.fields,
                c.header,
                c.signature,
                c.signer,
            ],
        )
        .map_err(|e| {
            conflict(
                e,
                "a secret with this key and scope already exists: choose another key or scope",
            )
        })?;
        run(
            self,
            "DELETE FROM secret_departments WHERE secret_id = ?1",
            [c.id],
        )?;
        for d in c.depts {
            run(
                self,
                "INSERT INTO secret_departments (secret_id, dept_id) VALUES (?1, ?2)",
                params![c.id, d],
            )?;
        }
        Ok(())
    }

    fn set_secret_header(
        &self,
        id: i64,
        header: &[u8],
        signature: &[u8],
        signer: i64,
    ) -> Result<()> {
        self.execute(
            "UPDATE secrets SET header = ?2, signature = ?3, signer_id = ?4 WHERE id = ?1",
            params![id, header, signature, signer],
        )?;
        Ok(())
    }

    fn break_fields(&self, id: i64) -> Result<()> {
        self.execute("UPDATE secrets SET fields = x'' WHERE id = ?1", [id])?;
        Ok(())
    }

    fn delete_secret(&self, id: i64) -> Result<()> {
        self.execute("DELETE FROM usages WHERE secret_id = ?1", [id])?;
        self.execute("DELETE FROM secrets WHERE id = ?1", [id])?;
        Ok(())
    }

    fn secrets_signed_by(&self, user: i64) -> Result<Vec<i64>> {
        ids(
            self,
            "SELECT id FROM secrets WHERE signer_id = ?1 AND header IS NOT NULL",
            [user],
        )
    }

    fn dek_uses(&self, id: i64) -> Result<i64> {
        Ok(self
            .query_row("SELECT dek_uses FROM secrets WHERE id = ?1", [id], |r| {
                int(r, 0)
            })
            .optional()?
            .flatten()
            .unwrap_or(0))
    }

    fn add_dek_uses(&self, id: i64, n: i64) -> Result<()> {
        self.execute(
            "UPDATE secrets SET dek_uses = dek_uses + ?2 WHERE id = ?1",
            params![id, n],
        )?;
        Ok(())
    }

    fn replace_wraps(&self, secret: i64, wraps: &[WrapRow]) -> Result<()> {
        run(
            self,
            "DELETE FROM secret_wraps WHERE secret_id = ?1",
            [secret],
        )?;
        for w in wraps {
            run(
                self,
                "INSERT INTO secret_wraps (secret_id, key_id, wrapped, blind) VALUES (?1, ?2, ?3, ?4)",
                params![secret, w.key_id, w.wrapped, w.blind],
            )?;
        }
        Ok(())
    }

    fn wrap(&self, secret: i64, key: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .prepare_cached(
                "SELECT wrapped FROM secret_wraps WHERE secret_id = ?1 AND key_id = ?2",
            )?
            .query_row(params![secret, key], |r| blob(r, 0))
            .optional()?
            .flatten())
    }

    fn all_wraps(&self) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let mut stmt = self.prepare_cached(
            "SELECT secret_id, key_id, wrapped FROM secret_wraps ORDER BY secret_id, key_id",
        )?;
        let wraps = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, blob(r, 2)?.unwrap_or_default()))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(wraps)
    }

    fn secrets_by_blind(&self, key: i64, blind: &[u8]) -> Result<Vec<i64>> {
        ids(
            self,
            "SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = ?1 AND blind = ?2 ORDER BY secret_id",
            params![key, blind],
        )
    }

    fn secrets_wrapped_under(&self, key: i64) -> Result<Vec<i64>> {
        ids(
            self,
            "SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = ?1",
            [key],
        )
    }

    fn put_version(&self, secret: i64, v: &VersionRow) -> Result<()> {
        self.execute(
            "INSERT OR REPLACE INTO secret_versions (secret_id, version, updated_at, updated_by, meta, fields)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![secret, v.version, v.updated_at, v.updated_by, v.meta, v.fields],
        )?;
        Ok(())
    }

    fn prune_versions(&self, secret: i64, up_to: i64) -> Result<()> {
        self.execute(
            "DELETE FROM secret_versions WHERE secret_id = ?1 AND version <= ?2",
            params![secret, up_to],
        )?;
        Ok(())
    }

    fn versions(&self, secret: i64) -> Result<Vec<VersionRow>> {
        let mut stmt = self.prepare_cached(
            "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions
              WHERE secret_id = ?1 ORDER BY version",
        )?;
        let rows = stmt
            .query_map([secret], version_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn delete_versions(&self, secret: i64) -> Result<()> {
        self.execute("DELETE FROM secret_versions WHERE secret_id = ?1", [secret])?;
        Ok(())
    }

    fn insert_usage(&self, secret: i64, by: i64, at: Timestamp) -> Result<i64> {
        self.execute(
            "INSERT INTO usages (secret_id, sealed, created_by, created_at) VALUES (?1, x'', ?2, ?3)",
            params![secret, by, at],
        )?;
        Ok(self.last_insert_rowid())
    }

    fn set_usage(&self, id: i64, sealed: &[u8], signer: i64, signature: &[u8]) -> Result<()> {
        self.execute(
            "UPDATE usages SET sealed = ?2, signer_id = ?3, signature = ?4 WHERE id = ?1",
            params![id, sealed, signer, signature],
        )?;
        Ok(())
    }

    fn set_usage_signature(&self, id: i64, signer: i64, signature: &[u8]) -> Result<()> {
        self.execute(
            "UPDATE usages SET signer_id = ?2, signature = ?3 WHERE id = ?1",
            params![id, signer, signature],
        )?;
        Ok(())
    }

    fn usages(&self, secret: i64) -> Result<Vec<UsageRow>> {
        let sql = format!("SELECT {USAGE_COLUMNS} FROM usages WHERE secret_id = ?1 ORDER BY id");
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([secret], usage_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn usages_signed_by(&self, user: i64) -> Result<Vec<UsageRow>> {
        let sql = format!("SELECT {USAGE_COLUMNS} FROM usages WHERE signer_id = ?1 ORDER BY id");
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([user], usage_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn usage_secret(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .query_row("SELECT secret_id FROM usages WHERE id = ?1", [id], |r| {
                int(r, 0)
            })
            .optional()?
            .flatten())
    }

    fn delete_usage(&self, id: i64) -> Result<()> {
        self.execute("DELETE FROM usages WHERE id = ?1", [id])?;
        Ok(())
    }

    fn audit_latest(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .prepare_cached("SELECT seq, entry FROM audit_log ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, blob(r, 1)?.unwrap_or_default())))
            .optional()?)
    }

    fn audit_entry(&self, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .prepare_cached("SELECT entry FROM audit_log WHERE seq = ?1")?
            .query_row([seq], |r| Ok(blob(r, 0)?.unwrap_or_default()))
            .optional()?)
    }

    fn audit_append(&self, row: &AuditRow) -> Result<()> {
        run(
            self,
            "INSERT INTO audit_log (seq, at, actor_id, action, secret_id, outcome, subject, entry)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                row.seq,
                row.at,
                row.actor,
                row.action,
                row.secret,
                row.outcome,
                row.subject,
                row.entry
            ],
        )
        .map_err(|e| {
            conflict(
                e,
                "someone else wrote the audit log at the same time: try again",
            )
        })?;
        Ok(())
    }

    fn audit_rows(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log
              WHERE (?1 IS NULL OR actor_id = ?1) AND (?2 IS NULL OR action = ?2)
                AND (?3 IS NULL OR secret_id = ?3) AND (?4 IS NULL OR at >= ?4)
                AND (?5 IS NULL OR at < ?5) AND (?6 IS NULL OR seq < ?6)
              ORDER BY seq DESC LIMIT ?7"
        );
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(
                params![
                    f.actor,
                    f.action,
                    f.secret,
                    f.since,
                    f.until,
                    f.before,
                    i64::try_from(f.limit).unwrap_or(i64::MAX)
                ],
                audit_from,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>> {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        let mut stmt = self.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(
                params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                audit_from,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn insert_device(&self, user: i64, label: &str, now: Timestamp) -> Result<i64> {
        self.execute(
            "INSERT INTO devices (user_id, label, created_at, bundle) VALUES (?1, ?2, ?3, x'')",
            params![user, label, now],
        )?;
        Ok(self.last_insert_rowid())
    }

    fn set_device_bundle(&self, id: i64, bundle: &[u8]) -> Result<()> {
        self.execute(
            "UPDATE devices SET bundle = ?2 WHERE id = ?1",
            params![id, bundle],
        )?;
        Ok(())
    }

    fn device_bundle(&self, id: i64, user: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .query_row(
                "SELECT bundle FROM devices WHERE id = ?1 AND user_id = ?2",
                params![id, user],
                |r| blob(r, 0),
            )
            .optional()?
            .flatten())
    }

    fn delete_device(&self, id: i64, user: Option<i64>) -> Result<usize> {
        Ok(match user {
            Some(u) => self.execute(
                "DELETE FROM devices WHERE id = ?1 AND user_id = ?2",
                params![id, u],
            )?,
            None => self.execute("DELETE FROM devices WHERE id = ?1", [id])?,
        })
    }

    fn delete_devices_of(&self, user: i64, keep: Option<i64>) -> Result<()> {
        self.execute(
            "DELETE FROM devices WHERE user_id = ?1 AND id IS NOT ?2",
            params![user, keep],
        )?;
        Ok(())
    }

    fn devices(&self, user: i64) -> Result<Vec<DeviceRow>> {
        let mut stmt = self.prepare_cached(
            "SELECT id, label, created_at FROM devices WHERE user_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([user], |r| {
                Ok(DeviceRow {
                    id: r.get(0)?,
                    label: r.get_ref(1)?.as_str().unwrap_or("").to_string(),
                    created_at: int(r, 2)?.unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn table_rows(&self, table: &str, columns: &[&str]) -> Result<Vec<Vec<Cell>>> {
        let mut stmt = self.prepare(&copy::select_sql(table, columns))?;
        let rows = stmt
            .query_map([], |r| {
                (0..columns.len())
                    .map(|i| Ok(cell_of(r.get_ref(i)?)))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Cell>]) -> Result<()> {
        // Format 1's directory MAC: not used by format 2, but NOT NULL.
        let (extra_col, extra_val) = if table == "users" {
            (", record_mac", ", x''")
        } else {
            ("", "")
        };
        let marks = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {table} ({}{extra_col}) VALUES ({marks}{extra_val})",
            columns.join(", ")
        );
        let mut stmt = self.prepare(&sql)?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row.iter().map(value_of)))?;
        }
        Ok(())
    }

    fn id_watermark(&self, table: &str) -> Result<i64> {
        let max: i64 = self.query_row(
            &format!("SELECT ifnull(max(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?;
        let seq: i64 = self
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok(max.max(seq))
    }

    fn set_id_watermark(&self, table: &str, n: i64) -> Result<()> {
        // Only AUTOINCREMENT tables keep a watermark in the file.
        let autoincrement: bool = self.query_row(
            "SELECT instr(sql, 'AUTOINCREMENT') > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if autoincrement {
            let changed = self.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
                params![table, n],
            )?;
            if changed == 0 {
                self.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                    params![table, n],
                )?;
            }
        }
        Ok(())
    }

    fn format1(&self) -> Option<&Connection> {
        Some(self)
    }
}

fn cell_of(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        ValueRef::Real(v) => Cell::Text(v.to_string()),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    }
}

fn value_of(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(v) => Value::Integer(*v),
        Cell::Text(t) => Value::Text(t.clone()),
        Cell::Bytes(b) => Value::Blob(b.clone()),
    }
}

/// Any statement, for the adversary suite (`Backend::raw_execute`).
#[cfg(test)]
pub(crate) fn raw_execute(c: &Connection, sql: &str, params: &[Cell]) -> Result<u64> {
    let n = c.execute(sql, rusqlite::params_from_iter(params.iter().map(value_of)))?;
    Ok(n as u64)
}

/// Any query's rows, for the adversary suite (`Backend::raw_rows`).
#[cfg(test)]
pub(crate) fn raw_rows(c: &Connection, sql: &str, params: &[Cell]) -> Result<Vec<Vec<Cell>>> {
    let mut stmt = c.prepare(sql)?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map(
            rusqlite::params_from_iter(params.iter().map(value_of)),
            |r| (0..n).map(|i| Ok(cell_of(r.get_ref(i)?))).collect(),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn schema_version_matches_migration_count() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrations().to_latest(&mut conn).expect("migrate");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(v, schema_version());
    }

    #[test]
    fn refuses_non_vaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, b"this is not a database at all, just some text").expect("write");
        assert!(matches!(open(&garbage), Err(Error::VaultDamaged(_))));
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").expect("write");
        assert!(matches!(open(&empty), Err(Error::VaultDamaged(_))));
        assert!(matches!(
            open(&dir.path().join("missing.db")),
            Err(Error::NotFound(_))
        ));
    }
}

//! The SQLite file: opening it safely, its pragmas, and its migrations.
//!
//! WAL lets the app and any number of CLI processes read while one writes;
//! `synchronous = FULL` makes every commit durable; `secure_delete` zeroes
//! freed pages. Writers take the lock up front (`BEGIN IMMEDIATE`) and wait
//! for it with a busy timeout, so concurrent users never see
//! "database is locked".

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// `PRAGMA application_id`: "Cofr". Marks the file as a Coffer vault.
const APPLICATION_ID: i32 = 0x436f_6672;

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema, one append-only file per version; never edit a released one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_initial.sql")),
    M::up(include_str!("../migrations/0002_signed_directory.sql")),
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

/// `vault_meta` as stored (unverified): id, KDF profile and parameters.
pub(crate) fn meta(conn: &Connection) -> Result<(String, String, u32, u32, u32)> {
    conn.query_row(
        "SELECT vault_id, kdf_profile, kdf_m, kdf_t, kdf_p FROM vault_meta WHERE id = 1",
        [],
        |r| {
            let n = |i: usize| -> rusqlite::Result<u32> {
                Ok(r.get_ref(i)?
                    .as_i64()
                    .ok()
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0))
            };
            Ok((
                r.get_ref(0)?
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_default(),
                r.get_ref(1)?
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_default(),
                n(2)?,
                n(3)?,
                n(4)?,
            ))
        },
    )
    .map_err(not_a_vault)
}

/// A user's failed sign-ins as the vault counts them (unauthenticated: the
/// device keeps its own count too).
pub(crate) fn failures(conn: &Connection, user_id: i64) -> Result<(i64, Option<i64>)> {
    Ok(conn
        .query_row(
            "SELECT failed_attempts, last_failed_at FROM users WHERE id = ?1",
            [user_id],
            |r| {
                Ok((
                    r.get_ref(0)?.as_i64().unwrap_or(0),
                    r.get_ref(1)?.as_i64().ok(),
                ))
            },
        )
        .optional()?
        .unwrap_or((0, None)))
}

pub(crate) fn record_failure(conn: &Connection, user_id: i64, at: i64) -> Result<()> {
    conn.execute(
        "UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = ?2 WHERE id = ?1",
        rusqlite::params![user_id, at],
    )?;
    Ok(())
}

pub(crate) fn clear_failures(conn: &Connection, user_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?1",
        [user_id],
    )?;
    Ok(())
}

/// Whether an upgraded account still has to replace its initial password
/// (a convenience flag: accounts made since carry this in the directory).
pub(crate) fn must_change_password(conn: &Connection, user_id: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT must_change_password FROM users WHERE id = ?1",
            [user_id],
            |r| Ok(r.get_ref(0)?.as_i64().unwrap_or(0) != 0),
        )
        .optional()?
        .unwrap_or(false))
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

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
const MIGRATIONS: &[M<'static>] = &[M::up(include_str!("../migrations/0001_initial.sql"))];

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
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    restrict_permissions(path);
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
/// local users to read it.
fn restrict_permissions(path: &Path) {
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

//! The test PostgreSQL server (a `COFFER_TEST_BACKEND=postgres` run):
//! throw-away databases made and dropped with psql, which reaches the
//! server through libpq's `PG*` variables.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Whether this run puts vaults on the test PostgreSQL server
/// (`COFFER_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("COFFER_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// `psql` on the test server, as its superuser, stopping at the first
/// error; the vault's schema comes first on the search path, so the same
/// SQL works on a file and on the server.
fn psql(db: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args(["-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql])
        .env("PGOPTIONS", "-c search_path=coffer,public")
        .output()
        .expect("psql (the PostgreSQL client) must be installed to test on PostgreSQL")
}

#[track_caller]
fn psql_ok(db: &str, sql: &str) -> String {
    let out = psql(db, sql);
    assert!(
        out.status.success(),
        "psql {sql:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A throw-away database on the test server, dropped (whoever is still
/// connected) with its value.
pub struct Db {
    pub name: String,
    pub url: String,
}

impl Db {
    /// A new empty database.
    pub fn new() -> Self {
        Self::make("")
    }

    /// A new database holding a copy of this one (no client may be
    /// connected to this one meanwhile: coffer processes that have ended
    /// are gone within the server's few seconds of patience).
    pub fn copy(&self) -> Self {
        Self::make(&format!(" TEMPLATE {}", self.name))
    }

    fn make(template: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "coffer_cli{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        psql_ok("postgres", &format!("CREATE DATABASE {name}{template}"));
        Self {
            url: url_of(&name),
            name,
        }
    }

    /// Replaces this database's contents by a copy of `other`'s, keeping
    /// its name (so its URL).
    pub fn replace_with(&self, other: &Db) {
        psql_ok(
            "postgres",
            &format!("DROP DATABASE {} WITH (FORCE)", self.name),
        );
        psql_ok(
            "postgres",
            &format!("CREATE DATABASE {} TEMPLATE {}", self.name, other.name),
        );
    }

    /// Runs SQL in this database; its rows as psql's unaligned output.
    pub fn sql(&self, sql: &str) -> String {
        psql_ok(&self.name, sql)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// The vault URL of a database on the test server.
pub fn url_of(database: &str) -> String {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    format!(
        "postgres://{}@{}:{}/{database}",
        var("PGUSER", "postgres"),
        var("PGHOST", "localhost"),
        var("PGPORT", "5432")
    )
}

/// Where a test's vault lives: `vault.db` in `dir`, or a fresh database
/// (returned too, to be dropped after the test) when the run is on
/// PostgreSQL.
pub fn location(dir: &Path) -> (PathBuf, Option<Db>) {
    if on_postgres() {
        let db = Db::new();
        (PathBuf::from(&db.url), Some(db))
    } else {
        (dir.join("vault.db"), None)
    }
}

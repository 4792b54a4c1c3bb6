//! The test PostgreSQL server of a `COFFER_TEST_BACKEND=postgres` run
//! (`scripts/pg.sh`: a throw-away `pg_virtualenv` cluster), shared by every
//! test suite that puts vaults on it: the core's, the CLI's, the app's and
//! the adversary suite. Databases are made and dropped with `psql`, which
//! reaches the server through libpq's `PG*` variables, as the server's
//! superuser.
#![allow(clippy::expect_used, clippy::panic)] // test support: failing loudly is the point

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether this run puts vaults on the test server.
pub fn on_postgres() -> bool {
    std::env::var("COFFER_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// `psql` on the test server, stopping at the first error. The vault's
/// schema comes first on the search path, so the same SQL works on a file
/// and on the server.
fn psql(db: &str, sql: &str) -> Output {
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
pub struct TestDb {
    pub name: String,
    /// The vault URL that names it.
    pub url: String,
}

impl TestDb {
    /// A new empty database; `tag` says which suite made it (a database
    /// left behind by a killed run is then easy to place).
    pub fn new(tag: &str) -> Self {
        Self::make(tag, "")
    }

    /// A new database holding a copy of this one (no client may be
    /// connected to this one meanwhile).
    pub fn copy(&self) -> Self {
        Self::make("copy", &format!(" TEMPLATE {}", self.name))
    }

    fn make(tag: &str, template: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "coffer_{tag}{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
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
    pub fn replace_with(&self, other: &TestDb) {
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
    #[track_caller]
    pub fn sql(&self, sql: &str) -> String {
        psql_ok(&self.name, sql)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// The vault URL of a database on the test server (a Unix-socket folder
/// in `PGHOST` is spelled `localhost`, as libpq matches it).
pub fn url_of(database: &str) -> String {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let host = var("PGHOST", "localhost");
    let host = if host.starts_with('/') {
        "localhost".to_string()
    } else {
        host
    };
    format!(
        "postgres://{}@{host}:{}/{database}",
        var("PGUSER", "postgres"),
        var("PGPORT", "5432")
    )
}

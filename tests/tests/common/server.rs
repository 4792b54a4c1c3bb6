//! The test PostgreSQL server (a `COFFER_TEST_BACKEND=postgres` run): see
//! the `coffer-testdb` crate.

use std::path::{Path, PathBuf};

#[allow(unused_imports)] // each test binary uses some of them
pub use coffer_testdb::{TestDb as Db, on_postgres, url_of};

/// Where a test's vault lives: `vault.db` in `dir`, or a fresh database
/// (returned too, to be dropped after the test) when the run is on
/// PostgreSQL.
pub fn location(dir: &Path) -> (PathBuf, Option<Db>) {
    if on_postgres() {
        let db = Db::new("cli");
        (PathBuf::from(&db.url), Some(db))
    } else {
        (dir.join("vault.db"), None)
    }
}

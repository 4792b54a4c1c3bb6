#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! A vault on a PostgreSQL server (issue 10), as the server sees it: run
//! with COFFER_TEST_BACKEND=postgres (`scripts/pg.sh`); on a file run these
//! tests return at once (tests/storage.rs covers the file).

mod common;

use common::*;

/// `pg_dump` of the vault's database, as its superuser takes it.
fn dump(db: &Db) -> String {
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "-d", &db.name])
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the dump is text")
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_dump_of_the_server_holds_no_key_name_field_value_tag_or_description() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let canaries = plant_canaries(&mut w);
    let db = w.db.as_ref().expect("a database");
    let text = dump(db);
    assert!(
        text.contains("COPY coffer.secrets") && text.contains("COPY coffer.audit_log"),
        "the dump holds the vault's tables"
    );
    assert!(text.len() > 8192, "the dump holds rows");
    // bytea columns are dumped as hex: a marker stored in one would show
    // as its hex, so both spellings are looked for.
    for canary in canaries {
        for form in [canary.to_string(), hex(canary), canary.to_lowercase()] {
            assert!(!text.contains(&form), "{canary} found in pg_dump ({form})");
        }
    }
    // What the server does hold in plaintext is the directory's names.
    assert!(text.contains("mia") && text.contains("FIN"));
}

#[test]
fn a_teammates_change_moves_the_change_counter_that_open_apps_watch() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let mut other = w.open();
    other
        .unlock_with_password("owner", &coffer_core::SecretString::from(PW))
        .expect("sign in");
    let db = w.db.as_ref().expect("a database");
    let before: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    other
        .create_secret(secret("FROM_OTHER", "v", scope(None, false)))
        .expect("create");
    let after: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    assert!(after > before, "a committed change moves the counter");
    // A read, even an audited one, does not.
    assert_eq!(
        get(&mut w.vault, "FROM_OTHER", None).as_deref(),
        Some("v"),
        "the first handle sees the change at once"
    );
    let still: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    assert_eq!(still, after, "a get (audited) is not a change to the table");
}

#[test]
fn an_open_watch_hears_a_teammates_change_within_a_second() {
    use std::time::{Duration, Instant};
    let w = World::new();
    let watch = w.vault.watch().expect("watch");
    if !on_postgres() {
        assert!(watch.is_none(), "a file has no server to listen to");
        assert!(!w.vault.is_on_server());
        return;
    }
    assert!(w.vault.is_on_server());
    let mut watch = watch.expect("a server vault can be watched");
    assert!(
        !watch.wait(Duration::from_millis(200)).expect("wait"),
        "nothing changed yet"
    );
    let mut other = w.open();
    other
        .unlock_with_password("owner", &coffer_core::SecretString::from(PW))
        .expect("sign in");
    // An audited read is no change to announce.
    assert_eq!(get(&mut other, "MISSING", None), None);
    assert!(!watch.wait(Duration::from_millis(200)).expect("wait"));
    let start = Instant::now();
    other
        .create_secret(secret("LIVE", "v", scope(None, false)))
        .expect("create");
    assert!(
        watch.wait(Duration::from_secs(1)).expect("wait"),
        "the change was announced"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    // Announcements already taken are not heard twice.
    assert!(!watch.wait(Duration::from_millis(200)).expect("wait"));
}

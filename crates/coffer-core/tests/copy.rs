#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! `coffer vault copy` (issue 10): a vault copied between backends, all or
//! nothing, and checked. File to file always; with
//! COFFER_TEST_BACKEND=postgres also file to server and back, and a copy
//! that fails half-way leaves nothing on the server.

mod common;

use coffer_core::{ErrorCode, KdfProfile, ListQuery, Role, SecretString, Vault};
use common::*;

/// A vault with a department, a member, shared and private secrets, a
/// multi-line value and history.
fn populated() -> World {
    let mut w = World::new();
    w.dept("FIN");
    w.user("mia", Role::Member, &["FIN"]);
    w.memberships("owner", &["DEFAULT", "FIN"]);
    w.vault
        .create_secret(secret(
            "PEM",
            "-----BEGIN KEY-----\r\nline\ttwo  \n-----END KEY-----\n",
            scope(Some(&["FIN"]), false),
        ))
        .expect("pem");
    let id = w
        .vault
        .create_secret(secret("DB", "v1", scope(None, false)))
        .expect("db");
    w.vault
        .update_secret(
            id,
            coffer_core::SecretUpdate {
                fields: value_update("v2"),
                ..Default::default()
            },
        )
        .expect("update");
    w.login_as("mia");
    w.vault
        .create_secret(secret("MIA_ONLY", "private", scope(None, true)))
        .expect("private");
    w.login_as("owner");
    w
}

fn value_update(v: &str) -> Option<coffer_core::FieldsUpdate> {
    Some(coffer_core::FieldsUpdate::Replace {
        fields: vec![coffer_core::FieldInput::set("value", v)],
    })
}

/// Everything `populated` wrote reads back from `at`, for the right people.
fn assert_same_vault(w: &World, at: &std::path::Path, new_key: &str) {
    let mut v = Vault::open_with(at, &device(&w.dir)).expect("open the copy");
    v.unlock_with_password("owner", &SecretString::from(PW))
        .expect("owner signs in");
    assert_eq!(
        get(&mut v, "PEM", None).as_deref(),
        Some("-----BEGIN KEY-----\r\nline\ttwo  \n-----END KEY-----\n")
    );
    assert_eq!(get(&mut v, "DB", None).as_deref(), Some("v2"));
    let db = v
        .list_secrets(&ListQuery::default())
        .expect("list")
        .into_iter()
        .find(|s| s.key == "DB")
        .expect("DB listed");
    assert_eq!(v.history(db.id).expect("history").len(), 2);
    assert_eq!(v.kdf_profile(), KdfProfile::InsecureTest);
    v.unlock_with_password("mia", &SecretString::from(password_of("mia")))
        .expect("mia signs in");
    assert_eq!(get(&mut v, "MIA_ONLY", None).as_deref(), Some("private"));
    // Ids are never reused after a copy either.
    let next = v
        .create_secret(secret(new_key, "n", scope(None, false)))
        .expect("create in the copy");
    assert!(next > db.id);
}

#[test]
fn a_copy_to_a_new_file_is_the_same_vault() {
    let w = populated();
    let to = w.dir.path().join("copy.db");
    let report = Vault::copy(&w.path, &to, &device(&w.dir)).expect("copy");
    assert!(report.rows > 20, "{} rows", report.rows);
    let mut original = w.open();
    assert_eq!(
        original.fingerprint().expect("fp").as_deref(),
        Some(report.fingerprint.as_str())
    );
    assert_eq!(report.vault_id, original.id());
    assert_same_vault(&w, &to, "NEW");
}

#[test]
fn a_copy_never_overwrites_a_vault() {
    let w = populated();
    let to = w.dir.path().join("copy.db");
    Vault::copy(&w.path, &to, &device(&w.dir)).expect("first copy");
    let before = std::fs::read(&to).expect("read");
    let err = Vault::copy(&w.path, &to, &device(&w.dir)).expect_err("second copy");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(std::fs::read(&to).expect("read"), before, "untouched");
    let err = Vault::copy(&w.path, &w.path, &device(&w.dir)).expect_err("onto itself");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}

#[test]
fn a_team_starts_on_the_server_from_a_file_and_backs_up_to_a_file() {
    if !on_postgres() {
        return;
    }
    // The world is on the server: make a file vault to start from.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("team.db");
    let w = populated();
    Vault::copy(&w.path, &file, &device(&w.dir)).expect("server to a file (backup)");
    assert_same_vault(&w, &file, "NEW_IN_FILE");
    let server = Db::new("core");
    let url = std::path::PathBuf::from(&server.url);
    let report = Vault::copy(&file, &url, &device(&w.dir)).expect("file to a server");
    assert!(report.rows > 20);
    assert_same_vault(&w, &url, "NEW_ON_SERVER");
    // A database that holds a vault is never written over.
    let err = Vault::copy(&file, &url, &device(&w.dir)).expect_err("again");
    assert_eq!(err.code(), ErrorCode::Conflict);
}

#[test]
fn a_copy_that_fails_half_way_leaves_nothing_on_the_server() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("team.db");
    let w = populated();
    Vault::copy(&w.path, &file, &device(&w.dir)).expect("to a file");
    // A row the server's schema refuses, late in the copy (after the
    // directory, users and keys were written).
    let raw = rusqlite::Connection::open(&file).expect("raw");
    raw.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE secrets SET reveal = 'sometimes' WHERE id = (SELECT max(id) FROM secrets);")
        .expect("spoil a row");
    drop(raw);
    let server = Db::new("core");
    let err = Vault::copy(
        &file,
        &std::path::PathBuf::from(&server.url),
        &device(&w.dir),
    )
    .expect_err("the server refuses the row");
    assert_ne!(err.code(), ErrorCode::Conflict, "{err}");
    assert_eq!(
        server
            .sql("SELECT to_regclass('coffer.secrets') IS NULL")
            .trim(),
        "t",
        "nothing of the vault is left on the server"
    );
}

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! SPEC §7 on disk: no plaintext in the vault file or its WAL, tampered or
//! moved ciphertext fails for that secret only, damaged files fail cleanly,
//! and removing a member re-keys.

mod common;

use std::collections::BTreeSet;

use coffer_core::{ErrorCode, ListQuery, Role, Vault};
use common::*;
use rusqlite::Connection;

fn raw(w: &World) -> Connection {
    Connection::open(&w.path).expect("open raw")
}

fn file_bytes(w: &World) -> Vec<u8> {
    let mut bytes = std::fs::read(&w.path).expect("read vault");
    if let Ok(wal) = std::fs::read(w.path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn nothing_sensitive_is_stored_in_plaintext() {
    if on_postgres() {
        return; // the file's test; tests/server.rs reads the server's dump
    }
    let mut w = World::new();
    let canaries = plant_canaries(&mut w);

    let bytes = file_bytes(&w);
    assert!(bytes.len() > 4096, "read the vault and its WAL");
    for canary in canaries {
        assert!(
            !contains(&bytes, canary),
            "{canary} found in the vault file or WAL"
        );
    }
    // And after a checkpoint folds the WAL into the main file.
    drop(w.vault);
    let conn = Connection::open(&w.path).expect("open");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .expect("checkpoint");
    drop(conn);
    let bytes = std::fs::read(&w.path).expect("read");
    for canary in canaries {
        assert!(!contains(&bytes, canary), "{canary} found after checkpoint");
    }
}

fn two_secrets(w: &mut World) -> (i64, i64) {
    let a = w
        .vault
        .create_secret(secret("A", "alpha", scope(None, false)))
        .expect("a");
    let b = w
        .vault
        .create_secret(secret("B", "beta", scope(None, false)))
        .expect("b");
    (a, b)
}

/// A fails its integrity check, B keeps working, and the table still lists
/// (with A flagged as damaged when its metadata is what was altered).
fn assert_only_a_damaged(w: &mut World, a: i64, metadata_altered: bool) {
    let err = w.vault.reveal(a).expect_err("A is damaged");
    assert_eq!(err.code(), ErrorCode::Integrity);
    assert!(!err.to_string().contains("alpha"));
    assert_eq!(
        get(&mut w.vault, "B", None).as_deref(),
        Some("beta"),
        "the rest keeps working"
    );
    let listed = w
        .vault
        .list_secrets(&ListQuery::default())
        .expect("list still works");
    let a_row = listed
        .iter()
        .find(|s| s.id == a)
        .expect("A is still listed");
    assert_eq!(a_row.damaged, metadata_altered);
    assert_eq!(w.vault.secret(a).is_err(), metadata_altered);
    assert!(listed.iter().any(|s| s.key == "B" && !s.damaged));
}

#[test]
fn a_changed_ciphertext_fails_for_that_secret_only() {
    let mut w = World::new();
    let (a, _) = two_secrets(&mut w);
    let conn = raw(&w);
    let mut blob: Vec<u8> = conn
        .query_row("SELECT fields FROM secrets WHERE id = ?1", [a], |r| {
            r.get(0)
        })
        .expect("blob");
    let last = blob.len() - 1;
    blob[last] ^= 0x01;
    conn.execute(
        "UPDATE secrets SET fields = ?2 WHERE id = ?1",
        rusqlite::params![a, blob],
    )
    .expect("tamper");
    assert_only_a_damaged(&mut w, a, false);
}

#[test]
fn a_ciphertext_moved_to_another_row_fails() {
    let mut w = World::new();
    let (a, b) = two_secrets(&mut w);
    let conn = raw(&w);
    conn.execute(
        "UPDATE secrets SET fields = (SELECT fields FROM secrets WHERE id = ?2) WHERE id = ?1",
        [a, b],
    )
    .expect("move");
    assert_only_a_damaged(&mut w, a, false);
}

#[test]
fn edited_plaintext_columns_change_nothing() {
    let mut w = World::new();
    let (a, _) = two_secrets(&mut w);
    w.vault.set_active(a, false).expect("deactivate");
    // Re-activating behind the admin's back, or widening the scope, in the
    // plaintext columns: readers go by the signed header.
    raw(&w)
        .execute(
            "UPDATE secrets SET active = 1, all_depts = 1, private = 0 WHERE id = ?1",
            [a],
        )
        .expect("tamper");
    assert_eq!(get(&mut w.vault, "A", None), None, "A stays inactive");
    assert_eq!(
        w.vault.reveal(a).expect_err("inactive").code(),
        ErrorCode::Inactive
    );
    let listed = w
        .vault
        .list_secrets(&ListQuery {
            include_inactive: true,
            ..ListQuery::default()
        })
        .expect("list");
    assert!(
        listed.iter().any(|s| s.id == a && !s.active && !s.damaged),
        "the row reads as what its header says"
    );
    assert_eq!(
        get(&mut w.vault, "B", None).as_deref(),
        Some("beta"),
        "the rest keeps working"
    );
    // A column of the wrong type is that row's problem alone.
    raw(&w)
        .execute(
            "UPDATE secrets SET header = 'yes', meta = 42 WHERE id = ?1",
            [a],
        )
        .expect("tamper");
    let listed = w
        .vault
        .list_secrets(&ListQuery {
            include_inactive: true,
            ..ListQuery::default()
        })
        .expect("list");
    assert!(listed.iter().any(|s| s.id == a && s.damaged));
    assert!(listed.iter().any(|s| s.key == "B" && !s.damaged));
    assert_eq!(
        w.vault.secret(a).expect_err("damaged").code(),
        ErrorCode::Integrity
    );
}

#[test]
fn edited_user_columns_change_nothing() {
    let mut w = World::new();
    w.user("mia", Role::Member, &["DEFAULT"]);
    raw(&w)
        .execute(
            "UPDATE users SET role = 'admin', disabled = 0 WHERE username = 'mia'",
            [],
        )
        .expect("promote");
    w.login_as("mia");
    let info = w.vault.session_info().expect("session");
    assert_eq!(
        info.user.role,
        Role::Member,
        "the signed directory says member"
    );
    assert_eq!(
        w.vault
            .users()
            .map(|_| ())
            .expect_err("not an admin")
            .code(),
        ErrorCode::PermissionDenied
    );
}

#[test]
fn truncated_and_garbage_files_fail_cleanly() {
    let mut w = World::new();
    for i in 0..50 {
        w.vault
            .create_secret(secret(&format!("K{i}"), "v", scope(None, false)))
            .expect("fill");
    }
    drop(w.vault);
    let conn = Connection::open(&w.path).expect("open");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .expect("checkpoint");
    drop(conn);
    let full = std::fs::read(&w.path).expect("read");
    let truncated = w.dir.path().join("truncated.db");
    std::fs::write(&truncated, &full[..full.len() / 2]).expect("write");
    let outcome = Vault::open_with(&truncated, &device(&w.dir)).and_then(|mut v| {
        v.unlock_with_password("owner", &coffer_core::SecretString::from(PW))?;
        v.list_secrets(&ListQuery::default())
    });
    assert_eq!(
        outcome.map(|_| ()).expect_err("truncated").code(),
        ErrorCode::VaultDamaged
    );
    let garbage = w.dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).expect("write");
    assert_eq!(
        Vault::open_with(&garbage, &device(&w.dir))
            .map(|_| ())
            .expect_err("garbage")
            .code(),
        ErrorCode::VaultDamaged
    );
}

/// Key ids a user holds grants for.
fn grants(w: &World, user: &str) -> BTreeSet<i64> {
    let conn = raw(w);
    let mut stmt = conn
        .prepare("SELECT key_id FROM key_grants JOIN users ON users.id = key_grants.user_id WHERE username = ?1")
        .expect("prepare");
    stmt.query_map([user], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn removing_a_member_rekeys_the_department() {
    let mut w = World::new();
    w.dept("OPS");
    w.user("max", Role::Member, &["OPS"]);
    let id = w
        .vault
        .create_secret(secret("OPS_DB", "v1", scope(Some(&["OPS"]), false)))
        .expect("create");
    let before = grants(&w, "max");
    let gen_before: i64 = raw(&w)
        .query_row("SELECT dek_gen FROM secrets WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("gen");
    w.memberships("max", &["DEFAULT"]);
    // Everything OPS_DB is now wrapped under was never granted to max...
    let conn = raw(&w);
    let mut stmt = conn
        .prepare("SELECT key_id FROM secret_wraps WHERE secret_id = ?1")
        .expect("prepare");
    let wraps: BTreeSet<i64> = stmt
        .query_map([id], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert!(!wraps.is_empty());
    assert!(
        wraps.is_disjoint(&before),
        "OPS_DB is still wrapped under a key max held"
    );
    // ...and its data key was replaced, so keys max may have kept are useless.
    let gen_after: i64 = conn
        .query_row("SELECT dek_gen FROM secrets WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("gen");
    assert!(gen_after > gen_before);
    // Remaining holders still read it; max does not.
    assert_eq!(
        get(&mut w.vault, "OPS_DB", Some("OPS")),
        None,
        "the owner is not in OPS"
    );
    w.login_as("max");
    assert_eq!(get(&mut w.vault, "OPS_DB", None), None);
    w.login_as("owner");
    w.memberships("owner", &["DEFAULT", "OPS"]);
    assert_eq!(get(&mut w.vault, "OPS_DB", None).as_deref(), Some("v1"));
}

#[test]
fn disabling_a_user_rotates_everything_they_held() {
    let mut w = World::new();
    w.user("max", Role::Member, &["DEFAULT"]);
    w.vault
        .create_secret(secret("SHARED", "s", scope(None, false)))
        .expect("create");
    let before = grants(&w, "max");
    w.vault.set_disabled("max", true).expect("disable");
    let conn = raw(&w);
    let mut stmt = conn.prepare("SELECT id FROM scope_keys").expect("prepare");
    let current: BTreeSet<i64> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let personal: i64 = conn
        .query_row(
            "SELECT k.id FROM scope_keys k JOIN users u ON u.id = k.owner_id WHERE u.username = 'max'",
            [],
            |r| r.get(0),
        )
        .expect("personal");
    let still: BTreeSet<i64> = before.intersection(&current).copied().collect();
    assert_eq!(
        still,
        BTreeSet::from([personal]),
        "only max's own personal key survives"
    );
    assert_eq!(get(&mut w.vault, "SHARED", None).as_deref(), Some("s"));
}

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! The server restarts while an app keeps the vault open (issue 10): the
//! next operation connects again and works. Its own test binary, since a
//! restart drops every connection to the test server. Runs only with
//! COFFER_TEST_BACKEND=postgres, inside pg_virtualenv.

mod common;

use coffer_core::SecretString;
use common::*;

/// `pg_ctlcluster VERSION NAME restart` for the cluster on PGPORT.
fn restart_server() {
    let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
    let list = std::process::Command::new("pg_lsclusters")
        .arg("-h")
        .output()
        .expect("pg_lsclusters");
    let text = String::from_utf8_lossy(&list.stdout);
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(port.as_str()))
        .unwrap_or_else(|| panic!("no cluster on port {port}: {text}"));
    let mut cols = line.split_whitespace();
    let (version, name) = (cols.next().expect("version"), cols.next().expect("name"));
    let out = std::process::Command::new("pg_ctlcluster")
        .args([version, name, "restart"])
        .output()
        .expect("pg_ctlcluster");
    assert!(
        out.status.success(),
        "restart failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_open_vault_works_again_after_the_server_restarts() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    w.vault
        .create_secret(secret("BEFORE", "b", scope(None, false)))
        .expect("create");
    // A second handle, signed out: its next step is a sign-in, which reads
    // outside any transaction first.
    let mut other = w.open();
    restart_server();
    assert_eq!(
        get(&mut w.vault, "BEFORE", None).as_deref(),
        Some("b"),
        "the signed-in handle reconnects for its next operation"
    );
    w.vault
        .create_secret(secret("AFTER", "a", scope(None, false)))
        .expect("writes work again");
    restart_server();
    other
        .unlock_with_password("owner", &SecretString::from(PW))
        .expect("a sign-in after the restart");
    assert_eq!(get(&mut other, "AFTER", None).as_deref(), Some("a"));
}

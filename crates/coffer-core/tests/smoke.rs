#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
mod common;

use coffer_core::{ListQuery, Role};
use common::*;

#[test]
fn the_reference_example() {
    // SPEC §3: KEY 1 for all users of DEFAULT plus a private KEY 1 of ana.
    let mut w = World::new();
    w.dept("FIN");
    w.user("ana", Role::Member, &["DEFAULT"]);
    w.user("bob", Role::Member, &["DEFAULT"]);
    w.user("carl", Role::Member, &["FIN"]);
    w.vault
        .create_secret(secret("KEY 1", "shared", scope(Some(&["DEFAULT"]), false)))
        .expect("shared");
    w.login_as("ana");
    w.vault
        .create_secret(secret(
            "KEY 1",
            "ana's own",
            scope(Some(&["DEFAULT"]), true),
        ))
        .expect("private");
    assert_eq!(
        get(&mut w.vault, "KEY 1", None).as_deref(),
        Some("ana's own")
    );
    w.login_as("bob");
    assert_eq!(get(&mut w.vault, "KEY 1", None).as_deref(), Some("shared"));
    w.login_as("carl");
    assert_eq!(get(&mut w.vault, "KEY 1", None), None);
    w.login_as("owner");
    let listed = w.vault.list_secrets(&ListQuery::default()).expect("list");
    assert_eq!(
        listed.len(),
        1,
        "the owner must not see ana's private secret"
    );
    assert_eq!(listed[0].key, "KEY 1");
}

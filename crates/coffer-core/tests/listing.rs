#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! The session's cached table stays exact: changes made by this handle and
//! by another process (another connection to the same file) show up in the
//! next listing.

mod common;

use coffer_core::{ListQuery, Role, SecretString, SecretUpdate, Vault};
use common::*;

fn listed(v: &mut Vault, search: Option<&str>) -> Vec<(String, bool)> {
    let q = ListQuery {
        search: search.map(String::from),
        include_inactive: true,
        ..ListQuery::default()
    };
    let mut out: Vec<(String, bool)> = v
        .list_secrets(&q)
        .expect("list")
        .into_iter()
        .map(|s| (s.key, s.active))
        .collect();
    out.sort();
    out
}

#[test]
fn own_changes_show_up() {
    let mut w = World::new();
    let id = w
        .vault
        .create_secret(secret("ALPHA", "a", scope(None, false)))
        .expect("create");
    assert_eq!(listed(&mut w.vault, None), [("ALPHA".into(), true)]);
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                key: Some("BETA".into()),
                ..Default::default()
            },
        )
        .expect("rename");
    assert_eq!(listed(&mut w.vault, Some("alpha")), []);
    assert_eq!(listed(&mut w.vault, Some("beta")), [("BETA".into(), true)]);
    w.vault.set_active(id, false).expect("deactivate");
    assert_eq!(listed(&mut w.vault, None), [("BETA".into(), false)]);
    w.vault.delete_secret(id, None).expect("delete");
    assert!(listed(&mut w.vault, None).is_empty());
}

#[test]
fn other_processes_changes_show_up() {
    let mut w = World::new();
    w.user("mia", Role::Member, &["DEFAULT"]);
    w.vault
        .create_secret(secret("SHARED", "s", scope(None, false)))
        .expect("create");
    assert_eq!(listed(&mut w.vault, None).len(), 1, "warm the cache");

    let mut other = w.open();
    other
        .unlock_with_password("mia", &SecretString::from(password_of("mia")))
        .expect("mia");
    let id = other
        .create_secret(secret("FROM_MIA", "m", scope(None, false)))
        .expect("mia creates");
    assert_eq!(
        listed(&mut w.vault, Some("from_mia")),
        [("FROM_MIA".into(), true)]
    );
    other
        .update_secret(
            id,
            SecretUpdate {
                description: Some("now findable by zebra".into()),
                ..Default::default()
            },
        )
        .expect("describe");
    assert_eq!(
        listed(&mut w.vault, Some("zebra")),
        [("FROM_MIA".into(), true)]
    );
    other.delete_secret(id, None).expect("delete");
    assert_eq!(listed(&mut w.vault, Some("from_mia")), []);
}

#[test]
fn switching_users_never_reuses_another_users_view() {
    let mut w = World::new();
    w.user("mia", Role::Member, &["DEFAULT"]);
    w.login_as("mia");
    w.vault
        .create_secret(secret("MIA_PRIVATE", "p", scope(None, true)))
        .expect("private");
    assert_eq!(listed(&mut w.vault, None).len(), 1);
    w.login_as("owner");
    assert!(
        listed(&mut w.vault, None).is_empty(),
        "the owner must not see mia's private secret"
    );
}

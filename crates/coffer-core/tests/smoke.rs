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

/// The audit log's entries for `user`, oldest first: (action, secret id).
fn entries_of(
    v: &mut coffer_core::Vault,
    user: &str,
) -> Vec<(Option<coffer_core::AuditAction>, Option<i64>)> {
    let mut e: Vec<_> = v
        .audit_log(&coffer_core::AuditQuery {
            user: Some(user.into()),
            ..coffer_core::AuditQuery::default()
        })
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.secret_id))
        .collect();
    e.reverse();
    e
}

#[test]
fn a_sign_in_is_recorded_with_the_sessions_first_transaction_or_when_it_ends() {
    use coffer_core::{AuditAction, SecretString};
    let mut w = World::new();
    w.user("ana", Role::Member, &[]);
    let id = w
        .vault
        .create_secret(secret("TOKEN", "t-1", scope(None, false)))
        .expect("create");
    let sign_in = || {
        let mut v = w.open();
        v.unlock_with_password("ana", &SecretString::from(password_of("ana")))
            .expect("ana signs in");
        v
    };
    let mut owner = w.open();
    owner
        .unlock_with_password("owner", &SecretString::from(PW))
        .expect("owner");
    let before = entries_of(&mut owner, "ana").len();
    // Signing in and fetching: the sign-in, then the get, in that order.
    let mut ana = sign_in();
    assert_eq!(get(&mut ana, "TOKEN", None).as_deref(), Some("t-1"));
    let after = entries_of(&mut owner, "ana");
    assert_eq!(
        after[before..],
        [
            (Some(AuditAction::SignIn), None),
            (Some(AuditAction::Get), Some(id))
        ]
    );
    // A read after it records nothing more; a session's own audit read
    // sees its sign-in.
    ana.list_secrets(&ListQuery::default()).expect("list");
    assert_eq!(entries_of(&mut owner, "ana").len(), before + 2);
    drop(ana);
    let mut ana = sign_in();
    assert_eq!(
        entries_of(&mut ana, "ana").last(),
        Some(&(Some(AuditAction::SignIn), None))
    );
    drop(ana);
    // A session that does nothing at all is still recorded, when it ends.
    let count = entries_of(&mut owner, "ana").len();
    let mut ana = sign_in();
    ana.lock();
    assert_eq!(entries_of(&mut owner, "ana").len(), count + 1);
    drop(sign_in());
    assert_eq!(
        entries_of(&mut owner, "ana")[count..],
        [
            (Some(AuditAction::SignIn), None),
            (Some(AuditAction::SignIn), None)
        ]
    );
}

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! Issue 10: two people save the same secret at once. An edit made from a
//! loaded copy names the version it was made from; when someone saved
//! since, it is refused with who and when, and nothing of it is written.

mod common;

use coffer_core::{
    Error, ErrorCode, ExposeSecret, FieldInput, FieldsUpdate, Role, SecretId, SecretString,
    SecretUpdate, Vault,
};
use common::*;

/// What a person sees of a secret: its content and its history.
fn state(v: &mut Vault, id: SecretId) -> (i64, String, String, Vec<String>, Vec<i64>) {
    let s = v.secret(id).expect("secret");
    let values = v
        .reveal(id)
        .expect("reveal")
        .iter()
        .map(|f| format!("{}={}", f.name, f.value.expose_secret()))
        .collect();
    let history = v
        .history(id)
        .expect("history")
        .iter()
        .map(|h| h.version)
        .collect();
    (s.version, s.key, s.description, values, history)
}

/// A change of every part a form edits, made from `version`.
fn edit(value: &str, key: &str, description: &str, version: Option<i64>) -> SecretUpdate {
    SecretUpdate {
        key: Some(key.into()),
        fields: Some(FieldsUpdate::Replace {
            fields: vec![FieldInput::set("value", value)],
        }),
        description: Some(description.into()),
        tags: Some(vec![description.into()]),
        expected_version: version,
        ..SecretUpdate::default()
    }
}

/// OPS with Ana (a member) and Bob (an admin), each with the vault open
/// on their own desktop, and a secret Ana created in OPS with `value`.
fn two_desks(key: &str, value: &str) -> (World, Vault, Vault, SecretId) {
    let mut w = World::new();
    w.dept("OPS");
    w.user_called("ana", "Ana Lopez", Role::Member, &["OPS"]);
    w.user("bob", Role::Admin, &["OPS"]);
    w.login_as("ana");
    let id = w
        .vault
        .create_secret(secret(key, value, scope(Some(&["OPS"]), false)))
        .expect("create");
    let mut ana = w.open();
    ana.unlock_with_password("ana", &SecretString::from(password_of("ana")))
        .expect("ana signs in");
    let mut bob = w.open();
    bob.unlock_with_password("bob", &SecretString::from(password_of("bob")))
        .expect("bob signs in");
    (w, ana, bob, id)
}

/// The local time a message names for a moment (as the core formats it).
fn local(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("timestamp")
        .to_zoned(jiff::tz::TimeZone::system())
        .strftime("%H:%M (%Y-%m-%d)")
        .to_string()
}

#[test]
fn the_second_of_two_saves_from_one_version_is_refused_and_nothing_is_lost() {
    // Two people, each with the vault open, load the same version.
    let (_w, mut ana, mut bob, id) = two_desks("DB_PASSWORD", "first");
    let loaded = ana.secret(id).expect("ana loads").version;
    assert_eq!(bob.secret(id).expect("bob loads").version, loaded);

    // Ana saves first.
    let saved = ana
        .update_secret(id, edit("from-ana", "DB_PASSWORD", "ana", Some(loaded)))
        .expect("the first save goes through");
    assert_eq!(saved.version, loaded + 1);
    let after_ana = state(&mut ana, id);

    // Bob's save, from the version he loaded, is refused: a conflict that
    // names Ana and when she saved, and says what the version is now.
    let err = bob
        .update_secret(
            id,
            edit("from-bob-CANARY", "BOB_KEY_CANARY", "bob", Some(loaded)),
        )
        .expect_err("the second save from the same version is stale");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        matches!(err, Error::Stale { version, .. } if version == saved.version),
        "{err:?}"
    );
    assert_eq!(err.current_version(), Some(saved.version));
    let message = err.to_string();
    let expected = format!("changed by Ana Lopez at {}", local(saved.updated_at));
    assert!(
        message.contains(&expected),
        "{message:?} lacks {expected:?}"
    );
    assert!(message.contains("reload"), "{message:?}");
    for secret_text in ["DB_PASSWORD", "BOB_KEY", "CANARY", "from-ana", "first"] {
        assert!(!message.contains(secret_text), "{message:?} leaks");
    }

    // Nothing of Bob's save was written, not even in part: Ana's version
    // is current and complete, and history has no extra version.
    assert_eq!(state(&mut bob, id), after_ana);
    assert_eq!(after_ana.0, saved.version);
    assert_eq!(after_ana.1, "DB_PASSWORD");
    assert_eq!(after_ana.2, "ana");
    assert_eq!(after_ana.3, ["value=from-ana"]);
    assert_eq!(after_ana.4, [saved.version, loaded]);
    assert_eq!(
        get(&mut bob, "DB_PASSWORD", None).as_deref(),
        Some("from-ana")
    );
    assert_eq!(get(&mut bob, "BOB_KEY_CANARY", None), None);

    // Bob reloads and saves again, from the version he now sees.
    let reloaded = bob.secret(id).expect("reload").version;
    let again = bob
        .update_secret(id, edit("from-bob", "DB_PASSWORD", "bob", Some(reloaded)))
        .expect("a save from the current version goes through");
    assert_eq!(again.version, reloaded + 1);
    assert_eq!(
        get(&mut ana, "DB_PASSWORD", None).as_deref(),
        Some("from-bob")
    );

    // Ana, still on the version she saved, now meets Bob's change.
    let err = ana
        .update_secret(id, edit("x", "DB_PASSWORD", "x", Some(saved.version)))
        .expect_err("stale again");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("changed by bob at "), "{err}");
}

#[test]
fn without_a_version_a_change_applies_to_the_current_one() {
    let mut w = World::new();
    let id = w
        .vault
        .create_secret(secret("K", "one", scope(None, false)))
        .expect("create");
    let mut other = w.open();
    other
        .unlock_with_password("owner", &SecretString::from(PW))
        .expect("sign in");
    other
        .update_secret(id, edit("two", "K", "a", Some(1)))
        .expect("from version 1");
    // Scripts and the CLI without --if-version change whatever is current.
    w.vault
        .update_secret(id, edit("three", "K", "b", None))
        .expect("no version given");
    assert_eq!(get(&mut w.vault, "K", None).as_deref(), Some("three"));
    // The same user in two windows is told it was them.
    let err = w
        .vault
        .update_secret(id, edit("four", "K", "c", Some(2)))
        .expect_err("stale");
    assert!(err.to_string().contains("changed by you"), "{err}");
    // A version that cannot exist is bad input, not a conflict.
    let err = w
        .vault
        .update_secret(id, edit("five", "K", "d", Some(0)))
        .expect_err("version 0");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(get(&mut w.vault, "K", None).as_deref(), Some("three"));
}

#[test]
fn a_delete_from_a_version_a_teammate_has_since_changed_deletes_nothing() {
    let (mut w, mut ana, mut bob, id) = two_desks("API_TOKEN", "first");
    // Bob is shown version 1 and asks to delete it; Ana saved version 2 first.
    let shown = bob.secret(id).expect("bob loads").version;
    let saved = ana
        .update_secret(id, edit("rotated", "API_TOKEN", "ana", Some(shown)))
        .expect("ana saves");
    let err = bob
        .delete_secret(id, Some(shown))
        .expect_err("a delete of an older version is stale");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(err.current_version(), Some(saved.version));
    let message = err.to_string();
    assert!(
        message.contains("changed by Ana Lopez at") && message.contains("nothing was deleted"),
        "{message:?}"
    );
    assert!(!message.contains("API_TOKEN") && !message.contains("rotated"));
    // Ana's version is there, whole, with its history.
    assert_eq!(get(&mut bob, "API_TOKEN", None).as_deref(), Some("rotated"));
    assert_eq!(state(&mut bob, id).4, [saved.version, shown]);
    // Asked again for the version he now sees, Bob's delete goes through.
    bob.delete_secret(id, Some(saved.version))
        .expect("a delete of the current version");
    assert_eq!(get(&mut ana, "API_TOKEN", None), None);
    // Without a version (`coffer rm ID`), a delete applies to whatever is current.
    let id = w
        .vault
        .create_secret(secret("OTHER", "v", scope(Some(&["OPS"]), false)))
        .expect("create");
    ana.update_secret(id, edit("v2", "OTHER", "ana", None))
        .expect("edit");
    bob.delete_secret(id, None).expect("delete");
    assert_eq!(get(&mut ana, "OTHER", None), None);
}

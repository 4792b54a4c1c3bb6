#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! SPEC §2 against the core: who may see, read, create, edit, activate and
//! manage what.

mod common;

use coffer_core::{
    ErrorCode, ExpiryUpdate, FieldInput, FieldValue, FieldsUpdate, ListQuery, NewUsage, Reveal,
    Role, SecretString, SecretUpdate, VersionChange, time::now_ms,
};
use common::*;

fn code<T>(r: coffer_core::Result<T>) -> ErrorCode {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

fn keys(w: &mut World, all: bool) -> Vec<String> {
    let mut k: Vec<String> = w
        .vault
        .list_secrets(&ListQuery {
            include_inactive: all,
            ..ListQuery::default()
        })
        .expect("list")
        .into_iter()
        .map(|s| s.key)
        .collect();
    k.sort();
    k
}

/// owner; admin `ada` (OPS); members `mia` (FIN), `max` (OPS).
fn team() -> World {
    let mut w = World::new();
    w.dept("FIN");
    w.dept("OPS");
    w.user("ada", Role::Admin, &["OPS"]);
    w.user("mia", Role::Member, &["FIN"]);
    w.user("max", Role::Member, &["OPS"]);
    w
}

#[test]
fn visibility_follows_scope_and_role() {
    let mut w = team();
    w.login_as("mia");
    w.vault
        .create_secret(secret("FIN_DB", "f", scope(Some(&["FIN"]), false)))
        .expect("fin");
    w.vault
        .create_secret(secret("MIA_OWN", "p", scope(None, true)))
        .expect("private");
    w.vault
        .create_secret(secret("EVERYONE", "e", scope(None, false)))
        .expect("all");
    w.login_as("max");
    assert_eq!(keys(&mut w, true), ["EVERYONE"]);
    w.login_as("ada");
    assert_eq!(
        keys(&mut w, true),
        ["EVERYONE", "FIN_DB"],
        "admins see non-private metadata"
    );
    w.login_as("owner");
    assert_eq!(
        keys(&mut w, true),
        ["EVERYONE", "FIN_DB"],
        "the owner never sees a private secret"
    );
    w.login_as("mia");
    assert_eq!(keys(&mut w, true), ["EVERYONE", "FIN_DB", "MIA_OWN"]);
}

#[test]
fn admins_cannot_read_outside_their_scope() {
    let mut w = team();
    w.login_as("mia");
    let id = w
        .vault
        .create_secret(secret("FIN_DB", "f", scope(Some(&["FIN"]), false)))
        .expect("fin");
    w.login_as("ada");
    assert_eq!(code(w.vault.reveal(id)), ErrorCode::PermissionDenied);
    assert_eq!(
        code(w.vault.copy_value(id, "value")),
        ErrorCode::PermissionDenied
    );
    assert_eq!(get(&mut w.vault, "FIN_DB", None), None);
    let summary = w.vault.secret(id).expect("metadata");
    assert!(!summary.can.reveal && summary.can.activate && summary.can.edit);
    // ...but can govern it.
    w.vault.set_active(id, false).expect("deactivate");
    assert!(!w.vault.secret(id).expect("meta").active);
}

#[test]
fn private_secrets_are_invisible_to_everyone_else() {
    let mut w = team();
    w.login_as("max");
    let id = w
        .vault
        .create_secret(secret("MINE", "p", scope(Some(&["OPS"]), true)))
        .expect("private");
    for who in ["ada", "owner", "mia"] {
        w.login_as(who);
        assert_eq!(code(w.vault.secret(id)), ErrorCode::NotFound, "{who}");
        assert_eq!(code(w.vault.reveal(id)), ErrorCode::NotFound, "{who}");
        assert_eq!(
            code(w.vault.set_active(id, false)),
            ErrorCode::NotFound,
            "{who}"
        );
        assert_eq!(
            code(w.vault.delete_secret(id, None)),
            ErrorCode::NotFound,
            "{who}"
        );
        assert_eq!(get(&mut w.vault, "MINE", None), None, "{who}");
    }
}

#[test]
fn members_create_only_in_their_departments() {
    let mut w = team();
    w.login_as("mia");
    let s = |d: Option<&[&str]>, p| secret("K", "v", scope(d, p));
    assert_eq!(
        code(w.vault.create_secret(s(Some(&["OPS"]), false))),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(w.vault.create_secret(s(Some(&["FIN", "OPS"]), false))),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(w.vault.create_secret(s(Some(&["NOPE"]), false))),
        ErrorCode::NotFound
    );
    w.vault
        .create_secret(s(Some(&["FIN"]), false))
        .expect("own dept");
    w.vault.create_secret(s(None, false)).expect("all");
    w.vault.create_secret(s(None, true)).expect("private");
    let mut inactive = s(Some(&["FIN"]), true);
    inactive.active = false;
    assert_eq!(
        code(w.vault.create_secret(inactive)),
        ErrorCode::PermissionDenied
    );
    w.login_as("ada");
    w.vault
        .create_secret(s(Some(&["FIN", "OPS"]), false))
        .expect("admins: any department");
    assert_eq!(
        code(w.vault.create_secret(s(Some(&["FIN"]), true))),
        ErrorCode::InvalidInput,
        "private outside own depts"
    );
}

#[test]
fn duplicate_key_and_scope_is_a_conflict_but_other_scopes_are_fine() {
    let mut w = team();
    w.vault
        .create_secret(secret("K", "a", scope(Some(&["FIN"]), false)))
        .expect("first");
    assert_eq!(
        code(
            w.vault
                .create_secret(secret("K", "b", scope(Some(&["FIN"]), false)))
        ),
        ErrorCode::Conflict
    );
    w.vault
        .create_secret(secret("K", "c", scope(Some(&["FIN", "OPS"]), false)))
        .expect("other scope");
    w.vault
        .create_secret(secret("K", "d", scope(None, true)))
        .expect("private is another scope");
}

#[test]
fn editing_is_for_the_creator_in_scope_and_admins() {
    let mut w = team();
    w.login_as("max");
    let id = w
        .vault
        .create_secret(secret("OPS_KEY", "v1", scope(Some(&["OPS"]), false)))
        .expect("create");
    let upd = || SecretUpdate {
        description: Some("changed".into()),
        ..SecretUpdate::default()
    };
    w.vault.update_secret(id, upd()).expect("creator edits");
    w.login_as("mia");
    assert_eq!(code(w.vault.update_secret(id, upd())), ErrorCode::NotFound);
    w.login_as("ada");
    w.vault.update_secret(id, upd()).expect("admin edits");
    // The creator leaves OPS: no longer in scope, no longer an editor.
    w.memberships("max", &["FIN"]);
    w.login_as("max");
    assert_eq!(code(w.vault.update_secret(id, upd())), ErrorCode::NotFound);
    assert_eq!(code(w.vault.delete_secret(id, None)), ErrorCode::NotFound);
}

#[test]
fn only_admins_activate() {
    let mut w = team();
    w.login_as("max");
    let id = w
        .vault
        .create_secret(secret("K", "v", scope(Some(&["OPS"]), false)))
        .expect("create");
    assert_eq!(
        code(w.vault.set_active(id, false)),
        ErrorCode::PermissionDenied
    );
    assert!(!w.vault.secret(id).expect("meta").can.activate);
    w.login_as("ada");
    w.vault.set_active(id, false).expect("admin deactivates");
    w.login_as("max");
    assert_eq!(code(w.vault.reveal(id)), ErrorCode::Inactive);
    assert_eq!(
        get(&mut w.vault, "K", None),
        None,
        "inactive secrets are not candidates"
    );
    assert!(keys(&mut w, false).is_empty(), "hidden by default");
    assert_eq!(keys(&mut w, true), ["K"], "shown with the inactive toggle");
}

#[test]
fn expired_and_write_only_secrets() {
    let mut w = team();
    w.login_as("max");
    let mut old = secret("OLD", "v", scope(Some(&["OPS"]), false));
    old.expires_at = Some(now_ms() - 1000);
    let old = w
        .vault
        .create_secret(old)
        .expect("an expired secret can be created");
    assert_eq!(code(w.vault.reveal(old)), ErrorCode::Expired);
    assert_eq!(get(&mut w.vault, "OLD", None), None);
    w.vault
        .update_secret(
            old,
            SecretUpdate {
                expires: Some(ExpiryUpdate::Never),
                ..SecretUpdate::default()
            },
        )
        .expect("renew");
    assert_eq!(get(&mut w.vault, "OLD", None).as_deref(), Some("v"));

    let mut wo = secret("WO", "hidden", scope(Some(&["OPS"]), false));
    wo.reveal = Reveal::Never;
    let wo = w.vault.create_secret(wo).expect("write-only");
    assert_eq!(code(w.vault.reveal(wo)), ErrorCode::WriteOnly);
    assert_eq!(code(w.vault.copy_value(wo, "value")), ErrorCode::WriteOnly);
    assert_eq!(
        get(&mut w.vault, "WO", None).as_deref(),
        Some("hidden"),
        "get still works"
    );
    let allow = SecretUpdate {
        reveal: Some(Reveal::Allowed),
        ..SecretUpdate::default()
    };
    assert_eq!(
        code(w.vault.update_secret(wo, allow)),
        ErrorCode::PermissionDenied,
        "write-only is one-way"
    );
    let replace = SecretUpdate {
        reveal: Some(Reveal::Allowed),
        fields: Some(FieldsUpdate::Replace {
            fields: vec![FieldInput::set("value", "new")],
        }),
        ..SecretUpdate::default()
    };
    w.vault
        .update_secret(wo, replace)
        .expect("replacing every value lifts it");
    assert_eq!(w.vault.reveal(wo).expect("reveal").len(), 1);
}

#[test]
fn fields_can_be_kept_renamed_and_replaced() {
    let mut w = team();
    let mut s = secret("database-config", "", scope(None, false));
    s.fields = vec![
        FieldInput::set("host", "db.internal"),
        FieldInput::set("port", "5432"),
        FieldInput::set("password", "pw1"),
    ];
    let id = w.vault.create_secret(s).expect("multi-field");
    let keep = |from: &str, name: &str| FieldInput {
        name: name.into(),
        value: FieldValue::Keep { from: from.into() },
        plain: None,
    };
    let upd = SecretUpdate {
        fields: Some(FieldsUpdate::Replace {
            fields: vec![
                keep("host", "hostname"),
                keep("port", "port"),
                FieldInput::set("password", "pw2"),
            ],
        }),
        ..SecretUpdate::default()
    };
    w.vault.update_secret(id, upd).expect("update");
    assert_eq!(
        get(&mut w.vault, "database-config", None).as_deref(),
        Some("hostname=db.internal;port=5432;password=pw2")
    );
    let bad = SecretUpdate {
        fields: Some(FieldsUpdate::Replace {
            fields: vec![keep("nope", "x")],
        }),
        ..SecretUpdate::default()
    };
    assert_eq!(
        code(w.vault.update_secret(id, bad)),
        ErrorCode::InvalidInput
    );
    let history = w.vault.history(id).expect("history");
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    // Version 2 renamed host (an added and a removed field, the value
    // kept) and set a new password; version 1 is the oldest kept.
    let field = |f: &str| f.to_string();
    assert_eq!(
        history[0].changes,
        [
            VersionChange::FieldAdded {
                field: field("hostname")
            },
            VersionChange::FieldValue {
                field: field("password")
            },
            VersionChange::FieldRemoved {
                field: field("host")
            },
        ]
    );
    assert!(history[1].changes.is_empty());
    w.vault.restore_version(id, 1).expect("restore");
    let history = w.vault.history(id).expect("history");
    assert_eq!(history[0].version, 3);
    assert!(history[0].changes.contains(&VersionChange::FieldValue {
        field: field("password")
    }));
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                description: Some("the warehouse".into()),
                tags: Some(vec!["prod".into()]),
                key: Some("database-config-2".into()),
                ..SecretUpdate::default()
            },
        )
        .expect("describe");
    assert_eq!(
        w.vault.history(id).expect("history")[0].changes,
        [
            VersionChange::Key,
            VersionChange::Description,
            VersionChange::Tags
        ]
    );
    w.vault.restore_version(id, 1).expect("restore");
    assert_eq!(
        get(&mut w.vault, "database-config", None).as_deref(),
        Some("host=db.internal;port=5432;password=pw1")
    );
}

#[test]
fn usages_block_deletion_and_are_named() {
    let mut w = team();
    let id = w
        .vault
        .create_secret(secret("DB", "v", scope(None, false)))
        .expect("create");
    let usage = NewUsage {
        name: "nightly-etl".into(),
        kind: "pipeline".into(),
        field: None,
    };
    let uid = w.vault.add_usage(id, usage).expect("usage");
    match w.vault.delete_secret(id, None) {
        Err(coffer_core::Error::InUse(names)) => assert_eq!(names, ["pipeline \"nightly-etl\""]),
        other => panic!("expected in use, got {:?}", other.map(|_| ())),
    }
    assert_eq!(
        w.vault.set_active(id, false).expect("deactivate warns"),
        ["pipeline \"nightly-etl\""]
    );
    w.vault.remove_usage(uid).expect("remove");
    w.vault.delete_secret(id, None).expect("delete");
    assert_eq!(code(w.vault.secret(id)), ErrorCode::NotFound);
}

#[test]
fn only_its_recorder_or_an_admin_removes_a_usage() {
    let mut w = team();
    let id = w
        .vault
        .create_secret(secret("SHARED", "v", scope(None, false)))
        .expect("create");
    let usage = |name: &str| NewUsage {
        name: name.into(),
        kind: "job".into(),
        field: None,
    };
    let owners = w.vault.add_usage(id, usage("owners-job")).expect("usage");
    w.login_as("max");
    let maxs = w.vault.add_usage(id, usage("maxs-job")).expect("usage");
    // A member in scope cannot lift the owner's protection against deletion,
    // and is told so before trying.
    let can: Vec<(String, bool)> = w
        .vault
        .usages(id)
        .expect("usages")
        .into_iter()
        .map(|u| (u.name, u.can_remove))
        .collect();
    assert_eq!(
        can,
        [
            ("owners-job".to_string(), false),
            ("maxs-job".to_string(), true)
        ]
    );
    assert_eq!(
        code(w.vault.remove_usage(owners)),
        ErrorCode::PermissionDenied
    );
    assert_eq!(w.vault.usages(id).expect("usages").len(), 2);
    w.vault.remove_usage(maxs).expect("his own");
    w.login_as("ada");
    w.vault.remove_usage(owners).expect("an admin may");
    assert!(w.vault.usages(id).expect("usages").is_empty());
}

#[test]
fn directory_management_rules() {
    let mut w = team();
    w.login_as("mia");
    assert_eq!(
        code(w.vault.add_department("X", "X")),
        ErrorCode::PermissionDenied
    );
    assert_eq!(code(w.vault.users()), ErrorCode::PermissionDenied);
    assert_eq!(
        code(w.vault.set_disabled("max", true)),
        ErrorCode::PermissionDenied
    );
    w.login_as("ada");
    w.vault
        .add_department("LAB", "Lab")
        .expect("admins add departments");
    assert_eq!(
        code(w.vault.set_role("max", Role::Admin)),
        ErrorCode::PermissionDenied,
        "only the owner makes admins"
    );
    assert_eq!(
        code(w.vault.set_disabled("owner", true)),
        ErrorCode::PermissionDenied
    );
    w.vault
        .set_disabled("max", true)
        .expect("admins disable members");
    w.login_as("owner");
    w.vault
        .set_role("mia", Role::Admin)
        .expect("the owner makes admins");
    w.vault
        .set_role("mia", Role::Member)
        .expect("and removes them");
    assert_eq!(
        code(w.vault.set_role("owner", Role::Member)),
        ErrorCode::PermissionDenied
    );
    let err = w
        .vault
        .unlock_with_password("max", &SecretString::from(password_of("max")));
    assert_eq!(
        code(err),
        ErrorCode::AuthFailed,
        "disabled users cannot sign in"
    );
}

#[test]
fn initial_passwords_must_be_changed_first() {
    let mut w = team();
    w.vault
        .add_user(coffer_core::NewUser {
            username: "new".into(),
            display_name: String::new(),
            role: Role::Member,
            departments: vec![],
            primary_department: None,
            initial_password: SecretString::from("initial-pw-1"),
        })
        .expect("add");
    w.login("new", "initial-pw-1");
    assert!(
        w.vault
            .session_info()
            .expect("info")
            .user
            .must_change_password
    );
    assert_eq!(
        code(w.vault.list_secrets(&ListQuery::default())),
        ErrorCode::PasswordChangeRequired
    );
    assert_eq!(
        code(w.vault.change_password(
            &SecretString::from("wrong-pw-1"),
            &SecretString::from("new-password-1")
        )),
        ErrorCode::AuthFailed
    );
    w.vault
        .change_password(
            &SecretString::from("initial-pw-1"),
            &SecretString::from("new-password-1"),
        )
        .expect("change");
    assert!(w.vault.list_secrets(&ListQuery::default()).is_ok());
    assert_eq!(
        w.vault.session_info().expect("info").user.departments,
        ["DEFAULT"],
        "joins DEFAULT by default"
    );
}

#[test]
fn wrong_passwords_are_throttled() {
    let mut w = team();
    // Each wrong password says how long the next attempt must wait: nothing
    // for the first three, then 2 s, growing.
    let mut waits = Vec::new();
    for _ in 0..4 {
        let err = w
            .vault
            .unlock_with_password("mia", &SecretString::from("nope-nope"))
            .map(|_| ())
            .expect_err("wrong password");
        assert_eq!(err.code(), ErrorCode::AuthFailed);
        let wait = err.retry_after_secs().unwrap_or(0);
        if wait > 0 {
            assert!(err.to_string().contains(&format!("wait {wait} s")), "{err}");
        }
        waits.push(wait);
    }
    assert_eq!(waits, [0, 0, 0, 2]);
    // Trying again at once, even with the right password, must wait.
    match w
        .vault
        .unlock_with_password("mia", &SecretString::from(password_of("mia")))
    {
        Err(coffer_core::Error::Locked { retry_after_secs }) => {
            assert!((1..=2).contains(&retry_after_secs))
        }
        other => panic!("expected a delay, got {:?}", other.map(|_| ())),
    }
    assert_eq!(
        code(
            w.vault
                .unlock_with_password("nobody", &SecretString::from("whatever1"))
        ),
        ErrorCode::AuthFailed,
        "unknown users get the same answer"
    );
}

/// An update is merged with the current version inside the core's
/// transaction: field edits, one half of the scope, and a change of active
/// state all arrive as one operation (the CLI and the app hold no rules).
#[test]
fn updates_are_merged_in_the_core_in_one_operation() {
    let mut w = team();
    w.login_as("max");
    let mut s = secret("CFG", "", scope(Some(&["OPS"]), false));
    s.departments = None;
    s.fields = vec![
        FieldInput::set("host", "h"),
        FieldInput::set("user", "u"),
        FieldInput::set("pw", "p"),
    ];
    let id = w.vault.create_secret(s).expect("create");
    let meta = w.vault.secret(id).expect("meta");
    assert_eq!(
        meta.scope.departments,
        coffer_core::DeptScope::Departments {
            codes: vec!["OPS".into()]
        },
        "without departments a secret goes to the creator's primary department"
    );

    // Edit: set one field in place, add one, remove one; the rest stay.
    let edit = |set: Vec<FieldInput>, remove: &[&str]| SecretUpdate {
        fields: Some(FieldsUpdate::Edit {
            set,
            remove: remove.iter().map(|r| r.to_string()).collect(),
        }),
        ..SecretUpdate::default()
    };
    w.vault
        .update_secret(
            id,
            edit(
                vec![FieldInput::set("pw", "new"), FieldInput::set("port", "1")],
                &["user"],
            ),
        )
        .expect("edit fields");
    assert_eq!(
        get(&mut w.vault, "CFG", None).as_deref(),
        Some("host=h;pw=new;port=1")
    );
    let before = w.vault.secret(id).expect("meta").version;
    assert_eq!(
        code(w.vault.update_secret(id, edit(vec![], &["nope"]))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(
            w.vault
                .update_secret(id, edit(vec![FieldInput::set("x", "1")], &["nope"]))
        ),
        ErrorCode::InvalidInput,
        "removing a field that does not exist changes nothing"
    );
    assert_eq!(w.vault.secret(id).expect("meta").version, before);
    assert_eq!(
        get(&mut w.vault, "CFG", None).as_deref(),
        Some("host=h;pw=new;port=1")
    );

    // One half of the scope: the other half stays as it is.
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                users: Some(coffer_core::UserScope::Creator),
                ..SecretUpdate::default()
            },
        )
        .expect("make private");
    let meta = w.vault.secret(id).expect("meta");
    assert_eq!(meta.scope.users, coffer_core::UserScope::Creator);
    assert_eq!(
        meta.scope.departments,
        coffer_core::DeptScope::Departments {
            codes: vec!["OPS".into()]
        }
    );
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                departments: Some(coffer_core::DeptScope::All),
                ..SecretUpdate::default()
            },
        )
        .expect("widen");
    let meta = w.vault.secret(id).expect("meta");
    assert_eq!(
        meta.scope.users,
        coffer_core::UserScope::Creator,
        "still private"
    );
    assert_eq!(meta.scope.departments, coffer_core::DeptScope::All);
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                users: Some(coffer_core::UserScope::All),
                departments: Some(coffer_core::DeptScope::Departments {
                    codes: vec!["OPS".into()],
                }),
                ..SecretUpdate::default()
            },
        )
        .expect("share again");

    // Active state travels with the rest, for admins only.
    let deactivate_and_describe = || SecretUpdate {
        description: Some("rotated".into()),
        active: Some(false),
        ..SecretUpdate::default()
    };
    assert_eq!(
        code(w.vault.update_secret(id, deactivate_and_describe())),
        ErrorCode::PermissionDenied,
        "a member cannot deactivate through an edit"
    );
    assert_eq!(w.vault.secret(id).expect("meta").description, "");
    w.login_as("ada");
    let version = w.vault.secret(id).expect("meta").version;
    let after = w
        .vault
        .update_secret(id, deactivate_and_describe())
        .expect("admin edits and deactivates at once");
    assert!(!after.active);
    assert_eq!(after.description, "rotated");
    assert_eq!(after.version, version + 1, "one new version");
    let reactivated = w
        .vault
        .update_secret(
            id,
            SecretUpdate {
                active: Some(true),
                ..SecretUpdate::default()
            },
        )
        .expect("reactivate");
    assert!(reactivated.active);
    assert_eq!(
        reactivated.version, after.version,
        "a change of state alone is not a new version of the content"
    );
}

/// Plain-text fields: shown (with their values) to whoever can see the
/// secret's row, without a reveal, and still returned by `get` with the
/// others; the mark follows a field through edits and renames, and history
/// says when it changed.
#[test]
fn plain_fields_are_shown_with_the_row_and_follow_the_field() {
    let mut w = team();
    w.login_as("mia");
    let mut s = secret("FIN_DB", "", scope(Some(&["FIN"]), false));
    s.fields = vec![
        FieldInput::set("host", "db.fin.internal").plain(true),
        FieldInput::set("port", "5432").plain(true),
        FieldInput::set("password", "pw-1\r\n\tend "),
    ];
    s.reveal = Reveal::Never;
    let id = w.vault.create_secret(s).expect("create");
    let plain = |w: &mut World| -> Vec<(String, String)> {
        w.vault
            .secret(id)
            .expect("row")
            .plain_fields
            .into_iter()
            .map(|p| (p.name, p.value))
            .collect()
    };
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(
        plain(&mut w),
        [pair("host", "db.fin.internal"), pair("port", "5432")]
    );
    assert_eq!(
        code(w.vault.reveal(id)),
        ErrorCode::WriteOnly,
        "write-only still hides the secret fields"
    );
    assert_eq!(
        get(&mut w.vault, "FIN_DB", None).as_deref(),
        Some("host=db.fin.internal;port=5432;password=pw-1\r\n\tend "),
        "get returns every field, byte for byte"
    );
    // An admin who sees the row sees its plain fields; a member outside
    // the scope sees neither.
    w.login_as("ada");
    assert_eq!(plain(&mut w).len(), 2);
    w.login_as("max");
    assert!(w.vault.secret(id).is_err());

    // A new value keeps the mark; a field re-marked keeps its value; a
    // renamed field keeps the mark of the field it came from.
    w.login_as("mia");
    let edit = |set: Vec<FieldInput>| SecretUpdate {
        fields: Some(FieldsUpdate::Edit {
            set,
            remove: vec![],
        }),
        ..SecretUpdate::default()
    };
    w.vault
        .update_secret(id, edit(vec![FieldInput::set("host", "db2.fin.internal")]))
        .expect("new host");
    assert_eq!(plain(&mut w)[0], pair("host", "db2.fin.internal"));
    let keep = |from: &str, name: &str, plain: Option<bool>| FieldInput {
        name: name.into(),
        value: FieldValue::Keep { from: from.into() },
        plain,
    };
    w.vault
        .update_secret(id, edit(vec![keep("port", "port", Some(false))]))
        .expect("conceal port");
    assert_eq!(plain(&mut w), [pair("host", "db2.fin.internal")]);
    let history = w.vault.history(id).expect("history");
    assert_eq!(
        history[0].changes,
        [VersionChange::FieldPlain {
            field: "port".into(),
            plain: false
        }]
    );
    w.vault
        .update_secret(
            id,
            SecretUpdate {
                fields: Some(FieldsUpdate::Replace {
                    fields: vec![
                        keep("host", "hostname", None),
                        keep("port", "port", None),
                        keep("password", "password", None),
                    ],
                }),
                ..SecretUpdate::default()
            },
        )
        .expect("rename host");
    assert_eq!(plain(&mut w), [pair("hostname", "db2.fin.internal")]);
    assert_eq!(
        get(&mut w.vault, "FIN_DB", None).as_deref(),
        Some("hostname=db2.fin.internal;port=5432;password=pw-1\r\n\tend ")
    );
    // Restoring the first version brings its marks back with its values.
    w.login_as("owner");
    w.vault.restore_version(id, 1).expect("restore");
    assert_eq!(
        plain(&mut w),
        [pair("host", "db.fin.internal"), pair("port", "5432")]
    );
}

//! SPEC §2, who can do what, checked through the real `coffer` binary: a
//! crafted CLI call must get the same answer the UI would.

mod common;

use common::*;

/// DEFAULT, FIN and OPS; `admin` (an admin of DEFAULT), `ana` and `bob` in
/// FIN, `carl` in OPS.
fn team() -> Env {
    let env = Env::new();
    env.dept("FIN");
    env.dept("OPS");
    env.user("admin", "admin", "DEFAULT");
    env.user("ana", "member", "FIN");
    env.user("bob", "member", "FIN");
    env.user("carl", "member", "OPS");
    env
}

#[test]
fn members_see_and_read_only_secrets_in_their_scope() {
    let env = team();
    let fin = env.add(OWNER, &["FIN_KEY", "--value", "fin-value", "--dept", "FIN"]);
    let ops = env.add(OWNER, &["OPS_KEY", "--value", "ops-value", "--dept", "OPS"]);
    let all = env.add(OWNER, &["ALL_KEY", "--value", "all-value", "--all-depts"]);

    assert_eq!(env.visible_ids("ana"), vec![fin, all]);
    assert_eq!(env.visible_ids("carl"), vec![ops, all]);
    assert_eq!(env.get("ana", "FIN_KEY", &[]).as_deref(), Some("fin-value"));
    assert_eq!(env.get("ana", "ALL_KEY", &[]).as_deref(), Some("all-value"));
    assert_eq!(env.get("ana", "OPS_KEY", &[]), None);
    assert_eq!(env.get("carl", "FIN_KEY", &[]), None);

    // Out of scope is "not found", not "forbidden": nothing leaks.
    env.run("ana", &["show", &ops.to_string()]).fails(1);
    env.run("ana", &["show", &ops.to_string(), "--reveal"])
        .fails(1);
    env.run("ana", &["history", &ops.to_string()]).fails(1);
    let shown = env.run("ana", &["show", &fin.to_string(), "--reveal"]);
    assert!(shown.ok().contains("fin-value"));
}

#[test]
fn admins_see_every_shared_secrets_metadata_but_read_only_their_scope() {
    let env = team();
    let fin = env.add("ana", &["FIN_KEY", "--value", "fin-value"]);
    for admin in ["admin", OWNER] {
        assert_eq!(
            env.visible_ids(admin),
            vec![fin],
            "{admin} sees the metadata"
        );
        let meta = env.run(admin, &["show", &fin.to_string()]);
        assert!(meta.ok().contains("FIN_KEY"));
        assert!(!meta.ok().contains("fin-value"));
        let refused = env.run(admin, &["show", &fin.to_string(), "--reveal"]);
        assert!(refused.fails(3).contains("scope"), "{}", refused.stderr);
        assert!(!refused.stderr.contains("fin-value"));
        assert_eq!(
            env.get(admin, "FIN_KEY", &[]),
            None,
            "{admin} cannot get it"
        );
    }
}

#[test]
fn a_private_secret_is_its_creators_alone() {
    let env = team();
    env.add(
        OWNER,
        &["TOKEN", "--value", "shared-token", "--dept", "FIN"],
    );
    let private = env.add("ana", &["TOKEN", "--value", "ana-token", "--private"]);
    let id = private.to_string();

    assert_eq!(env.get("ana", "TOKEN", &[]).as_deref(), Some("ana-token"));
    assert_eq!(
        env.get("bob", "TOKEN", &[]).as_deref(),
        Some("shared-token")
    );
    for other in ["bob", "admin", OWNER] {
        assert!(
            !env.visible_ids(other).contains(&private),
            "{other} sees it"
        );
        env.run(other, &["show", &id]).fails(1);
        env.run(other, &["update", &id, "--value", "x"]).fails(1);
        env.run(other, &["rm", &id]).fails(1);
        env.run(other, &["history", &id]).fails(1);
    }
    env.run(OWNER, &["deactivate", &id]).fails(1);
    let listed = env.run(OWNER, &["list", "--all"]);
    assert!(!listed.ok().contains("ana"), "{}", listed.stdout);
    // Explaining for ana does not reveal that her private secret exists.
    let explained = env
        .run(
            OWNER,
            &["get", "TOKEN", "--explain", "--as", "ana", "--json"],
        )
        .json();
    let ids: Vec<i64> = explained["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert!(!ids.contains(&private));
    assert_eq!(explained["private_secrets_hidden"], true);
}

#[test]
fn members_create_only_in_their_own_departments_all_or_private() {
    let env = team();
    env.add("ana", &["A1", "--value", "v", "--dept", "FIN"]);
    env.add("ana", &["A2", "--value", "v", "--all-depts"]);
    env.add("ana", &["A3", "--value", "v", "--private"]);
    let default_scope = env.add("ana", &["A4", "--value", "v"]);
    let shown = env
        .run("ana", &["show", &default_scope.to_string(), "--json"])
        .json();
    assert_eq!(
        shown["scope"]["departments"]["codes"][0], "FIN",
        "default scope is the primary department"
    );

    let refused = env.run("ana", &["add", "A5", "--value", "v", "--dept", "OPS"]);
    assert!(
        refused.fails(3).contains("own departments"),
        "{}",
        refused.stderr
    );
    env.run("ana", &["add", "A6", "--value", "v", "--dept", "FIN,OPS"])
        .fails(3);
    env.run("ana", &["add", "A7", "--value", "v", "--inactive"])
        .fails(3);
    // Admins: any department, and inactive.
    env.add("admin", &["A8", "--value", "v", "--dept", "OPS"]);
    env.add(
        "admin",
        &["A9", "--value", "v", "--dept", "FIN,OPS", "--inactive"],
    );
}

#[test]
fn creators_in_scope_and_admins_edit_and_delete() {
    let env = team();
    let id = env.add("ana", &["EDIT", "--value", "v1", "--dept", "FIN"]);
    let s = id.to_string();
    // bob is in scope but did not create it.
    env.run("bob", &["update", &s, "--value", "bob"]).fails(3);
    env.run("bob", &["rm", &s]).fails(3);
    env.run("carl", &["update", &s, "--value", "carl"]).fails(1);
    assert_eq!(env.run("ana", &["update", &s, "--value", "v2"]).id(), id);
    assert_eq!(
        env.run("admin", &["update", &s, "--description", "by admin"])
            .id(),
        id
    );
    assert_eq!(env.get("ana", "EDIT", &[]).as_deref(), Some("v2"));

    // A creator who leaves the scope can no longer edit.
    env.run(OWNER, &["user", "depts", "ana", "--dept", "OPS"])
        .ok();
    env.run("ana", &["update", &s, "--value", "v3"]).fails(1);
    env.run("ana", &["rm", &s]).fails(1);
    env.run(OWNER, &["rm", &s]).ok();
    env.run(OWNER, &["show", &s]).fails(1);
}

#[test]
fn only_admins_activate_and_deactivate() {
    let env = team();
    let id = env.add("ana", &["SWITCH", "--value", "on"]);
    let s = id.to_string();
    assert!(
        env.run("ana", &["deactivate", &s])
            .fails(3)
            .contains("admins")
    );
    env.run("admin", &["deactivate", &s]).ok();
    assert_eq!(env.get("ana", "SWITCH", &[]), None);
    assert!(
        !env.run("ana", &["list"]).ok().contains("SWITCH"),
        "inactive is hidden by default"
    );
    assert!(env.run("ana", &["list", "--all"]).ok().contains("SWITCH"));
    env.run("ana", &["show", &s, "--reveal"]).fails(3);
    env.run("ana", &["activate", &s]).fails(3);
    env.run(OWNER, &["activate", &s]).ok();
    assert_eq!(env.get("ana", "SWITCH", &[]).as_deref(), Some("on"));
}

#[test]
fn admins_manage_users_and_departments_and_only_the_owner_manages_admins() {
    let env = team();
    for args in [
        &["dept", "add", "HR", "--name", "HR"][..],
        &["dept", "rename", "FIN", "--name", "Money"],
        &["user", "list"],
        &["user", "add", "zoe", "--role", "member"],
        &["user", "disable", "bob"],
        &["user", "depts", "bob", "--dept", "OPS"],
    ] {
        env.run("ana", args).fails(3);
    }
    env.run("admin", &["dept", "add", "HR", "--name", "Human resources"])
        .ok();
    env.run("admin", &["dept", "rename", "HR", "--name", "People"])
        .ok();
    assert!(env.run("ana", &["dept", "list"]).ok().contains("People"));
    env.user_by("admin", "zoe", "member", "HR");
    env.run(
        "admin",
        &[
            "user",
            "depts",
            "zoe",
            "--dept",
            "HR,FIN",
            "--primary",
            "FIN",
        ],
    )
    .ok();

    // Admins are the owner's to make and remove.
    env.run("admin", &["user", "add", "adam", "--role", "admin"])
        .fails(3);
    env.run("admin", &["user", "role", "ana", "admin"]).fails(3);
    env.run(OWNER, &["user", "role", "ana", "admin"]).ok();
    env.run("ana", &["user", "list"]).ok();
    env.run("admin", &["user", "disable", "ana"]).fails(3);
    env.run("admin", &["user", "role", "ana", "member"])
        .fails(3);
    env.run(OWNER, &["user", "role", "ana", "member"]).ok();
    env.run("ana", &["user", "list"]).fails(3);
    env.run(OWNER, &["user", "role", "admin", "owner"]).fails(3);
    env.run("admin", &["user", "disable", OWNER]).fails(3);

    let users = env.run(OWNER, &["user", "list", "--json"]).json();
    let zoe = users
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "zoe")
        .expect("zoe");
    assert_eq!(zoe["primary_department"], "FIN");
    assert_eq!(zoe["role"], "member");
}

#[test]
fn disabled_users_cannot_sign_in() {
    let env = team();
    env.add(OWNER, &["K", "--value", "v", "--dept", "FIN"]);
    env.run("admin", &["user", "disable", "bob"]).ok();
    let refused = env.run("bob", &["get", "K"]);
    assert!(refused.fails(4).contains("disabled"), "{}", refused.stderr);
    env.run("bob", &["list"]).fails(4);
    env.run("admin", &["user", "enable", "bob"]).ok();
    assert_eq!(env.get("bob", "K", &[]).as_deref(), Some("v"));
}

#[test]
fn an_initial_password_must_be_changed_first() {
    let env = team();
    let made = env.run(
        OWNER,
        &["user", "add", "dan", "--role", "member", "--dept", "FIN"],
    );
    let initial = made.ok().lines().last().expect("a password").to_string();
    assert!(initial.len() >= 16, "a generated password: {initial:?}");
    assert!(made.stderr.contains("must change"), "{}", made.stderr);

    let as_dan = |args: &[&str], pw: &str| {
        env.cmd(args)
            .env("COFFER_USER", "dan")
            .env("COFFER_PASSWORD", pw)
            .run()
    };
    for args in [&["list"][..], &["get", "K"], &["add", "K", "--value", "v"]] {
        let refused = as_dan(args, &initial);
        assert!(refused.fails(4).contains("passw"), "{}", refused.stderr);
    }
    // No new password given (and no terminal to ask on): a usage error.
    as_dan(&["passwd"], &initial).fails(2);
    let changed = env
        .cmd(&["passwd", "--new-password-stdin"])
        .env("COFFER_USER", "dan")
        .env("COFFER_PASSWORD", &initial)
        .stdin("dan-new-password\n")
        .run();
    changed.ok();
    as_dan(&["list"], &initial).fails(4);
    as_dan(&["list"], "dan-new-password").ok();
}

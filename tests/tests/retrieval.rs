//! SPEC §3, retrieval, through `coffer get`: the worked example, the
//! department argument, each tie-break rule on its own, skipped candidates,
//! and `--explain` / `--as`.

// Helpers below are test code: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

/// `get KEY --explain --json` as `user`.
fn explain(env: &Env, user: &str, key: &str, extra: &[&str]) -> Value {
    let mut args = vec!["get", key, "--explain", "--json"];
    args.extend_from_slice(extra);
    env.run(user, &args).json()
}

/// One field of every candidate of an explanation, ordered by secret id.
fn by_id(e: &Value, field: &str) -> Vec<Value> {
    let mut list: Vec<(i64, Value)> = e["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| (c["id"].as_i64().expect("id"), c[field].clone()))
        .collect();
    list.sort_by_key(|c| c.0);
    list.into_iter().map(|c| c.1).collect()
}

#[test]
fn the_key_1_example() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "DEFAULT");
    env.user("bob", "member", "DEFAULT");
    env.user("carl", "member", "FIN");
    env.add(OWNER, &["KEY 1", "--value", "shared", "--dept", "DEFAULT"]);
    env.add(
        "ana",
        &[
            "KEY 1",
            "--value",
            "ana's own",
            "--dept",
            "DEFAULT",
            "--private",
        ],
    );
    assert_eq!(env.get("ana", "KEY 1", &[]).as_deref(), Some("ana's own"));
    assert_eq!(env.get("bob", "KEY 1", &[]).as_deref(), Some("shared"));
    assert_eq!(env.get(OWNER, "KEY 1", &[]).as_deref(), Some("shared"));
    assert_eq!(env.get("carl", "KEY 1", &[]), None);
    assert_eq!(
        explain(&env, "ana", "KEY 1", &[])["rule"],
        "private_before_shared"
    );
}

#[test]
fn department_argument_filters_and_requires_membership() {
    let env = Env::new();
    env.dept("FIN");
    env.dept("OPS");
    env.user("dave", "member", "FIN,OPS");
    env.add(OWNER, &["DB", "--value", "fin-db", "--dept", "FIN"]);
    env.add(OWNER, &["DB", "--value", "ops-db", "--dept", "OPS"]);
    assert_eq!(
        env.get("dave", "DB", &[]).as_deref(),
        Some("fin-db"),
        "primary department"
    );
    assert_eq!(
        env.get("dave", "DB", &["--department", "OPS"]).as_deref(),
        Some("ops-db")
    );
    assert_eq!(
        env.get("dave", "DB", &["--department", "ops"]).as_deref(),
        Some("ops-db")
    );
    assert_eq!(
        env.get("dave", "DB", &["--department", "FIN"]).as_deref(),
        Some("fin-db")
    );
    // Not a member of DEFAULT, and no such department: nothing.
    assert_eq!(env.get("dave", "DB", &["--department", "DEFAULT"]), None);
    assert_eq!(env.get("dave", "DB", &["--department", "NOPE"]), None);
    assert_eq!(
        explain(&env, "dave", "DB", &["--department", "DEFAULT"])["not_a_member"],
        true
    );
    // An all-departments secret serves any department asked for.
    env.add(OWNER, &["API", "--value", "everyone", "--all-depts"]);
    assert_eq!(
        env.get("dave", "API", &["--department", "OPS"]).as_deref(),
        Some("everyone")
    );
}

#[test]
fn explicit_departments_beat_all_even_when_older() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "FIN");
    env.add(OWNER, &["K", "--value", "fin", "--dept", "FIN"]);
    env.add(OWNER, &["K", "--value", "all", "--all-depts"]);
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("fin"));
    assert_eq!(
        explain(&env, "ana", "K", &[])["rule"],
        "explicit_departments_before_all"
    );
}

#[test]
fn the_context_department_beats_fewer_departments() {
    let env = Env::new();
    env.dept("FIN");
    env.dept("OPS");
    env.user("ana", "member", "FIN,OPS");
    env.add(OWNER, &["K", "--value", "ops only", "--dept", "OPS"]);
    env.add(OWNER, &["K", "--value", "fin and ops", "--dept", "FIN,OPS"]);
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("fin and ops"));
    assert_eq!(explain(&env, "ana", "K", &[])["rule"], "context_department");
    // Asking for OPS makes OPS the context: both include it, fewer wins.
    assert_eq!(
        env.get("ana", "K", &["--department", "OPS"]).as_deref(),
        Some("ops only")
    );
    assert_eq!(
        explain(&env, "ana", "K", &["--department", "OPS"])["rule"],
        "fewer_departments"
    );
}

#[test]
fn fewer_departments_win_then_the_most_recently_updated() {
    let env = Env::new();
    env.dept("FIN");
    env.dept("OPS");
    env.user("ana", "member", "FIN,OPS,DEFAULT");
    env.add(
        OWNER,
        &["K", "--value", "wide", "--dept", "FIN,OPS,DEFAULT"],
    );
    let first = env.add(OWNER, &["K", "--value", "first", "--dept", "FIN,OPS"]);
    env.add(OWNER, &["K", "--value", "second", "--dept", "FIN,DEFAULT"]);
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("second"));
    let e = explain(&env, "ana", "K", &[]);
    assert_eq!(e["rule"], "most_recently_updated");
    assert_eq!(
        by_id(&e, "rank"),
        vec![3, 2, 1],
        "wide last, then first, then second"
    );
    // Updating `first` makes it the most recent.
    env.run(
        OWNER,
        &["update", &first.to_string(), "--description", "touched"],
    )
    .ok();
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("first"));
    // With `first` inactive, the next in rank wins again.
    env.run(OWNER, &["deactivate", &first.to_string()]).ok();
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("second"));
}

#[test]
fn inactive_and_expired_candidates_are_skipped() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "FIN");
    env.add(OWNER, &["K", "--value", "general", "--all-depts"]);
    let specific = env.add(OWNER, &["K", "--value", "specific", "--dept", "FIN"]);
    let expired = env.run(
        "ana",
        &[
            "add",
            "K",
            "--value",
            "old",
            "--private",
            "--expires",
            "2001-02-03",
        ],
    );
    expired.id();
    assert!(
        expired.stderr.contains("past"),
        "a warning: {}",
        expired.stderr
    );
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("specific"));
    env.run(OWNER, &["deactivate", &specific.to_string()]).ok();
    assert_eq!(env.get("ana", "K", &[]).as_deref(), Some("general"));
    let e = explain(&env, "ana", "K", &[]);
    assert_eq!(by_id(&e, "standing"), vec!["winner", "inactive", "expired"]);
    assert_eq!(e["rule"], "only_candidate");
}

#[test]
fn explain_shows_candidates_and_the_rule_but_never_values() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "FIN");
    env.user("admin", "admin", "DEFAULT");
    env.add(OWNER, &["K", "--value", "VALUE-SHARED", "--all-depts"]);
    let private = env.add("ana", &["K", "--value", "VALUE-PRIVATE", "--private"]);
    let out = env.run("ana", &["get", "K", "--explain"]);
    let text = out.ok();
    assert!(
        text.contains("WINNER") && text.contains("outranked"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Winner: secret {private}")),
        "{text}"
    );
    assert!(
        text.contains("a private secret wins over one shared with all users"),
        "{text}"
    );
    assert!(
        !text.contains("VALUE-"),
        "no values in explanations: {text}"
    );

    // Admins may explain for someone else; members may not.
    let for_ana = env.run("admin", &["get", "K", "--explain", "--as", "ana"]);
    assert!(for_ana.ok().contains("for ana"), "{}", for_ana.stdout);
    assert!(
        for_ana
            .ok()
            .contains("private secrets of ana are not visible")
    );
    assert!(!for_ana.ok().contains("VALUE-"));
    let refused = env.run("ana", &["get", "K", "--explain", "--as", "admin"]);
    assert!(refused.fails(3).contains("admins"), "{}", refused.stderr);
    // --as only makes sense with --explain.
    env.run("admin", &["get", "K", "--as", "ana"]).fails(2);
    // Nothing to explain still explains.
    let none = env.run("ana", &["get", "NOPE", "--explain"]);
    assert!(none.ok().contains("Winner: none"), "{}", none.stdout);
}

#[test]
fn multi_field_values_and_single_fields() {
    let env = Env::new();
    env.add(
        OWNER,
        &[
            "database-config",
            "--field",
            "host=db.local",
            "--field",
            "port=5432",
            "--field",
            "password=a=b",
        ],
    );
    let all = env.get(OWNER, "database-config", &[]).expect("found");
    assert_eq!(
        all, r#"{"host":"db.local","port":"5432","password":"a=b"}"#,
        "field order kept"
    );
    assert_eq!(
        env.get(OWNER, "database-config", &["--field", "password"])
            .as_deref(),
        Some("a=b")
    );
    let json = env.run(OWNER, &["get", "database-config", "--json"]).json();
    assert_eq!(json["fields"]["port"], "5432");
    let one = env
        .run(
            OWNER,
            &["get", "database-config", "--field", "port", "--json"],
        )
        .json();
    assert_eq!(one["value"], "5432");
    env.run(OWNER, &["get", "database-config", "--field", "user"])
        .fails(1);
    // A one-field secret answers --field by that field's own name.
    env.add(OWNER, &["API_HOST", "--field", "host=api.internal"]);
    assert_eq!(
        env.get(OWNER, "API_HOST", &["--field", "host"]).as_deref(),
        Some("api.internal")
    );
    env.run(OWNER, &["get", "API_HOST", "--field", "value"])
        .fails(1);
    // A value with a trailing newline from stdin loses exactly one.
    env.cmd(&["add", "PEM", "--value-stdin"])
        .signed_in_as(OWNER)
        .stdin("line 1\nline 2\n\n")
        .run()
        .id();
    assert_eq!(
        env.get(OWNER, "PEM", &[]).as_deref(),
        Some("line 1\nline 2\n")
    );
    assert_eq!(
        env.run(OWNER, &["get", "PEM", "--json"]).json()["value"],
        "line 1\nline 2\n"
    );
}

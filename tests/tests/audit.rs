//! `coffer audit` (SPEC §6): the log from the command line, who may read
//! what, and `--verify` naming the first tampered entry with exit code 5.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::*;

fn entries(out: &Out) -> Vec<serde_json::Value> {
    out.json().as_array().expect("a list").clone()
}

#[test]
fn the_log_shows_who_did_what_and_members_see_their_own() {
    let env = Env::new();
    env.user("ana", "member", "DEFAULT");
    let id = env.add(OWNER, &["DB_PASSWORD", "--value", "s3cret-value"]);
    assert_eq!(
        env.get("ana", "DB_PASSWORD", &[]).as_deref(),
        Some("s3cret-value")
    );
    assert_eq!(env.run("ana", &["get", "NOT_THERE"]).code, 1);
    env.cmd(&["list"])
        .env("COFFER_USER", "ana")
        .env("COFFER_PASSWORD", "wrong-password-here")
        .run()
        .fails(4);

    let all = env.run(OWNER, &["audit", "--json"]);
    let log = entries(&all);
    let find = |user: &str, action: &str| {
        log.iter()
            .find(|e| e["user"] == user && e["action"] == action && e["outcome"].is_null())
            .unwrap_or_else(|| panic!("no {action} by {user} in {}", all.stdout))
    };
    let get = find("ana", "get");
    assert_eq!(get["key"], "DB_PASSWORD");
    assert_eq!(get["secret_id"], id);
    assert!(get["outcome"].is_null());
    assert_eq!(find(OWNER, "create")["key"], "DB_PASSWORD");
    assert!(log.iter().any(|e| e["user"] == "ana"
        && e["action"] == "sign-in-failed"
        && e["outcome"] == "auth_failed"));
    assert!(
        log.iter().any(|e| e["action"] == "get"
            && e["key"] == "NOT_THERE"
            && e["outcome"] == "not_found")
    );
    // No value, ever.
    assert!(!all.stdout.contains("s3cret-value"));
    let text = env.run(OWNER, &["audit"]);
    assert!(text.ok().contains("DB_PASSWORD"), "{}", text.stdout);
    assert!(!text.stdout.contains("s3cret-value"));

    // Filters.
    let gets = entries(&env.run(
        OWNER,
        &["audit", "--json", "--action", "get", "--by", "ana"],
    ));
    assert!(!gets.is_empty());
    assert!(
        gets.iter()
            .all(|e| e["action"] == "get" && e["user"] == "ana")
    );
    let about = entries(&env.run(OWNER, &["audit", "--json", "--secret", &id.to_string()]));
    assert!(about.iter().all(|e| e["secret_id"] == id));
    let future = entries(&env.run(OWNER, &["audit", "--json", "--since", "2999-01-01"]));
    assert!(future.is_empty());
    env.run(OWNER, &["audit", "--action", "peek"]).fails(2);
    env.run(OWNER, &["audit", "--since", "yesterday"]).fails(2);

    // A member reads only her own entries.
    let hers = entries(&env.run("ana", &["audit", "--json"]));
    assert!(!hers.is_empty() && hers.iter().all(|e| e["user"] == "ana"));
    env.run("ana", &["audit", "--by", OWNER]).fails(3);
    env.run("ana", &["audit", "--verify"]).fails(3);
}

#[test]
fn verify_names_the_first_tampered_entry_and_exits_5() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    for _ in 0..3 {
        env.get(OWNER, "K", &[]);
    }
    let ok = env.run(OWNER, &["audit", "--verify"]);
    assert!(ok.ok().contains("checks out"), "{}", ok.stdout);
    // Whoever holds the storage (the file, or the server) drops an entry.
    let victim: i64 = env
        .raw_sql("SELECT max(seq) - 2 FROM audit_log")
        .trim()
        .parse()
        .expect("seq");
    env.raw_sql(&format!("DELETE FROM audit_log WHERE seq = {victim}"));
    assert!(
        env.raw_sql(&format!("SELECT seq FROM audit_log WHERE seq = {victim}"))
            .is_empty(),
        "the entry is gone"
    );
    // A device that never saw the log (a fresh home on the same vault).
    let other = Env::empty();
    let out = other
        .cmd(&["audit", "--verify"])
        .env("COFFER_VAULT", &env.vault)
        .signed_in_as(OWNER)
        .run();
    let err = out.fails(5);
    assert!(err.contains(&format!("entry {victim} ")), "{err}");
    let json = other
        .cmd(&["audit", "--verify", "--json"])
        .env("COFFER_VAULT", &env.vault)
        .signed_in_as(OWNER)
        .run();
    assert_eq!(json.code, 5);
    assert_eq!(json.stderr_json()["error"]["code"], "integrity");
}

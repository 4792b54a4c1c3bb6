//! The CLI contract of SPEC §8: exit codes 0 to 5, the `--json` error
//! shape, ids on the last line, write-only secrets, usages, updates and
//! history.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn every_exit_code() {
    let env = Env::new();
    // 0
    let id = env.add(OWNER, &["K", "--value", "v"]);
    // 1: nothing found prints nothing; a missing id is an error line.
    let none = env.run(OWNER, &["get", "NOPE"]);
    assert_eq!(
        (none.code, none.stdout.as_str(), none.stderr.as_str()),
        (1, "", "")
    );
    assert!(
        env.run(OWNER, &["show", "999"])
            .fails(1)
            .contains("no secret")
    );
    // 2: usage errors, from clap and from the core's validation.
    env.run(OWNER, &["frobnicate"]).fails(2);
    env.run(OWNER, &["add", "", "--value", "v"]).fails(2);
    // 3: refused.
    let dup = env.run(OWNER, &["add", "K", "--value", "again"]);
    assert!(dup.fails(3).contains("already exists"), "{}", dup.stderr);
    // 4: wrong password.
    let wrong = env
        .cmd(&["list"])
        .env("COFFER_USER", OWNER)
        .env("COFFER_PASSWORD", "not-the-password")
        .run();
    assert!(wrong.fails(4).contains("wrong username or password"));
    env.cmd(&["list"])
        .env("COFFER_USER", "nobody")
        .env("COFFER_PASSWORD", "whatever-1")
        .run()
        .fails(4);
    // 5: a file that is not a vault.
    let junk = env.home().join("junk.db");
    std::fs::write(&junk, vec![0x42u8; 8192]).expect("write junk");
    let damaged = env
        .cmd(&["list"])
        .signed_in_as(OWNER)
        .env("COFFER_VAULT", &junk)
        .run();
    assert!(
        damaged.fails(5).contains("not a Coffer vault"),
        "{}",
        damaged.stderr
    );
    // And 0 again, after all that.
    assert_eq!(env.get(OWNER, "K", &[]).as_deref(), Some("v"));
    env.run(OWNER, &["rm", &id.to_string()]).ok();
}

#[test]
fn json_errors_have_a_code_and_a_message() {
    let env = Env::new();
    let cases: [(&[&str], i32, &str); 4] = [
        (&["show", "999", "--json"], 1, "not_found"),
        (&["--json", "add", "K"], 2, "invalid_input"),
        (&["--json", "no-such-command"], 2, "invalid_input"),
        (
            &["user", "role", OWNER, "member", "--json"],
            3,
            "permission_denied",
        ),
    ];
    for (args, code, kind) in cases {
        let out = env.run(OWNER, args);
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        let err = out.stderr_json();
        assert_eq!(err["error"]["code"], kind, "{args:?}");
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10)
        );
    }
    let auth = env.cmd(&["list", "--json"]).env("COFFER_USER", OWNER).run();
    assert_eq!(auth.code, 4);
    assert_eq!(auth.stderr_json()["error"]["code"], "auth_failed");
}

#[test]
fn add_update_and_restore_print_the_id_last() {
    let env = Env::new();
    let id = env.add(
        OWNER,
        &[
            "K",
            "--value",
            "one",
            "--tag",
            "a,b",
            "--description",
            "first",
        ],
    );
    let upd = env.run(OWNER, &["update", &id.to_string(), "--value", "two"]);
    assert_eq!(upd.id(), id);
    let json = env.run(
        OWNER,
        &["update", &id.to_string(), "--value", "three", "--json"],
    );
    assert_eq!(json.json()["id"], id);
    let history = env
        .run(OWNER, &["history", &id.to_string(), "--json"])
        .json();
    let versions: Vec<i64> = history
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_i64().expect("version"))
        .collect();
    assert_eq!(versions, vec![3, 2, 1]);
    let restored = env.run(OWNER, &["restore", &id.to_string(), "1"]);
    assert_eq!(restored.id(), id);
    assert_eq!(env.get(OWNER, "K", &[]).as_deref(), Some("one"));
    env.run(OWNER, &["restore", &id.to_string(), "77"]).fails(1);
    assert!(
        env.run(OWNER, &["history", &id.to_string()])
            .ok()
            .contains("current")
    );
}

#[test]
fn updates_keep_what_they_do_not_touch() {
    let env = Env::new();
    env.dept("FIN");
    let id = env.add(
        OWNER,
        &[
            "CFG", "--field", "host=h", "--field", "user=u", "--field", "pw=p", "--tag", "db",
        ],
    );
    let s = id.to_string();
    env.run(
        OWNER,
        &[
            "update",
            &s,
            "--set-field",
            "pw=new",
            "--remove-field",
            "user",
        ],
    )
    .ok();
    assert_eq!(
        env.get(OWNER, "CFG", &[]).as_deref(),
        Some(r#"{"host":"h","pw":"new"}"#)
    );
    env.run(OWNER, &["update", &s, "--set-field", "port=1"])
        .ok();
    assert_eq!(
        env.get(OWNER, "CFG", &["--field", "port"]).as_deref(),
        Some("1")
    );
    env.run(OWNER, &["update", &s, "--remove-field", "nope"])
        .fails(2);
    env.run(
        OWNER,
        &[
            "update",
            &s,
            "--dept",
            "FIN",
            "--key",
            "CFG2",
            "--expires",
            "2099-01-01",
        ],
    )
    .ok();
    let shown = env.run(OWNER, &["show", &s, "--json"]).json();
    assert_eq!(shown["key"], "CFG2");
    assert_eq!(shown["tags"][0], "db", "tags kept");
    assert_eq!(shown["scope"]["departments"]["codes"][0], "FIN");
    assert_eq!(shown["scope"]["users"], "all", "user scope kept");
    assert!(shown["expires_at"].is_i64());
    env.run(OWNER, &["update", &s, "--no-expiry", "--no-tags"])
        .ok();
    let shown = env.run(OWNER, &["show", &s, "--json"]).json();
    assert!(shown["expires_at"].is_null());
    assert_eq!(shown["tags"].as_array().map(Vec::len), Some(0));
    env.run(OWNER, &["update", &s]).fails(2);
}

#[test]
fn write_only_secrets_are_never_shown_but_get_works() {
    let env = Env::new();
    let id = env.add(OWNER, &["API_TOKEN", "--value", "tok-123", "--write-only"]);
    let s = id.to_string();
    let refused = env.run(OWNER, &["show", &s, "--reveal"]);
    assert!(
        refused.fails(3).contains("write-only"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stdout.contains("tok-123"));
    let shown = env.run(OWNER, &["show", &s]);
    assert!(shown.ok().contains("••••••") && !shown.stdout.contains("tok-123"));
    assert_eq!(env.get(OWNER, "API_TOKEN", &[]).as_deref(), Some("tok-123"));
}

#[test]
fn usages_block_deletion_and_deactivation_warns() {
    let env = Env::new();
    let id = env.add(
        OWNER,
        &["DB_PASSWORD", "--field", "user=u", "--field", "password=p"],
    );
    let s = id.to_string();
    let etl = env
        .run(
            OWNER,
            &[
                "usage",
                "add",
                &s,
                "--name",
                "nightly-etl",
                "--kind",
                "pipeline",
            ],
        )
        .id();
    env.run(
        OWNER,
        &[
            "usage",
            "add",
            &s,
            "--name",
            "billing form",
            "--kind",
            "form",
            "--field",
            "password",
        ],
    )
    .ok();
    env.run(
        OWNER,
        &[
            "usage", "add", &s, "--name", "x", "--kind", "y", "--field", "nope",
        ],
    )
    .fails(2);
    let listed = env.run(OWNER, &["usage", "list", &s]);
    assert!(listed.ok().contains("nightly-etl") && listed.stdout.contains("billing form"));

    let refused = env.run(OWNER, &["rm", &s]);
    let msg = refused.fails(3);
    assert!(
        msg.contains("nightly-etl") && msg.contains("billing form"),
        "{msg}"
    );

    let deactivated = env.run(OWNER, &["deactivate", &s]);
    deactivated.ok();
    assert!(
        deactivated.stderr.contains("warning") && deactivated.stderr.contains("nightly-etl"),
        "{}",
        deactivated.stderr
    );
    env.run(OWNER, &["usage", "rm", &etl.to_string()]).ok();
    env.run(OWNER, &["usage", "rm", &etl.to_string()]).fails(1);
    let still = env.run(OWNER, &["rm", &s]);
    assert!(still.fails(3).contains("billing form") && !still.stderr.contains("nightly-etl"));
    let rest = env.run(OWNER, &["usage", "list", &s, "--json"]).json();
    let usage_id = rest[0]["id"].as_i64().expect("usage id").to_string();
    env.run(OWNER, &["usage", "rm", &usage_id]).ok();
    env.run(OWNER, &["rm", &s]).ok();
}

#[test]
fn list_and_show_never_print_values() {
    let env = Env::new();
    let id = env.add(
        OWNER,
        &[
            "VISIBLE_KEY",
            "--value",
            "SECRET-VALUE",
            "--tag",
            "prod",
            "--description",
            "about it",
            "--expires",
            "2099-12-31",
        ],
    );
    env.add(
        OWNER,
        &["OTHER", "--value", "SECRET-VALUE-2", "--tag", "dev"],
    );
    let table = env.run(OWNER, &["list"]);
    assert!(table.ok().contains("VISIBLE_KEY") && table.stdout.contains("through 2099-12-31"));
    assert!(!table.stdout.contains("SECRET-VALUE"));
    let header = table.stdout.lines().next().expect("a header");
    for col in [
        "ID",
        "KEY",
        "FIELDS",
        "DEPARTMENTS",
        "USERS",
        "TAGS",
        "EXPIRES",
        "ACTIVE",
        "UPDATED",
    ] {
        assert!(header.contains(col), "{col} in {header}");
    }
    let by_tag = env.run(OWNER, &["list", "--tag", "prod", "--json"]).json();
    assert_eq!(by_tag.as_array().map(Vec::len), Some(1));
    assert_eq!(by_tag[0]["id"], id);
    env.dept("FIN");
    let fin = env.add(OWNER, &["FIN_ONLY", "--value", "f", "--dept", "FIN"]);
    let everyone = env.add(OWNER, &["EVERYONE", "--value", "e", "--all-depts"]);
    let by_dept = env.run(OWNER, &["list", "--dept", "fin", "--json"]).json();
    let ids: Vec<i64> = by_dept
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![fin, everyone], "FIN's and all-department secrets");
    let by_search = env
        .run(OWNER, &["list", "--search", "about", "--json"])
        .json();
    assert_eq!(by_search[0]["key"], "VISIBLE_KEY");
    let shown = env.run(OWNER, &["show", &id.to_string()]);
    assert!(shown.ok().contains("••••••") && !shown.stdout.contains("SECRET-VALUE"));
    let revealed = env
        .run(OWNER, &["show", &id.to_string(), "--reveal", "--json"])
        .json();
    assert_eq!(revealed["fields"][0]["value"], "SECRET-VALUE");
}

/// The CLI's `--json` error is the core's error body, wait included.
#[test]
fn json_errors_say_how_long_to_wait_after_failed_sign_ins() {
    let env = Env::new();
    let attempt = || {
        env.cmd(&["list", "--json"])
            .env("COFFER_USER", OWNER)
            .env("COFFER_PASSWORD", "not-the-password")
            .run()
    };
    for _ in 0..3 {
        let out = attempt();
        assert_eq!(out.code, 4);
        assert_eq!(out.stderr_json()["error"]["retry_after_secs"], Value::Null);
    }
    let fourth = attempt();
    assert_eq!(fourth.code, 4);
    assert_eq!(fourth.stderr_json()["error"]["code"], "auth_failed");
    assert_eq!(fourth.stderr_json()["error"]["retry_after_secs"], 2);
    let fifth = attempt();
    assert_eq!(fifth.code, 3, "{}", fifth.stderr);
    assert_eq!(fifth.stderr_json()["error"]["code"], "locked");
    assert!(
        fifth.stderr_json()["error"]["retry_after_secs"]
            .as_u64()
            .is_some_and(|s| (1..=2).contains(&s))
    );
}

/// `get --env` prints .env lines that give every byte back.
#[test]
fn get_prints_env_lines() {
    let env = Env::new();
    env.add(
        OWNER,
        &[
            "db-cfg",
            "--field",
            "host=db.internal",
            "--field",
            "pass=a\"b$c\\d",
        ],
    );
    assert_eq!(
        env.run(OWNER, &["get", "db-cfg", "--env"]).ok(),
        "DB_CFG_HOST=\"db.internal\"\nDB_CFG_PASS=\"a\\\"b\\$c\\\\d\"\n"
    );
    env.add(OWNER, &["TOKEN", "--value", "t0k"]);
    assert_eq!(
        env.run(OWNER, &["get", "TOKEN", "--env"]).ok(),
        "TOKEN=\"t0k\"\n"
    );
    env.run(OWNER, &["get", "TOKEN", "--env", "--field", "value"])
        .fails(2);
}

#[test]
fn plain_fields_are_shown_by_show_and_marked_by_add_and_update() {
    let env = Env::new();
    let id = env.add(
        OWNER,
        &[
            "DB",
            "--field",
            "host=db.internal",
            "--field",
            "port=5432",
            "--field",
            "pw=s3cret",
            "--plain",
            "host,port",
        ],
    );
    let s = id.to_string();
    let shown = env.run(OWNER, &["show", &s]);
    let text = shown.ok();
    assert!(
        text.contains("db.internal") && text.contains("5432") && !text.contains("s3cret"),
        "{text}"
    );
    let plain = |env: &Env| -> Vec<String> {
        env.run(OWNER, &["show", &s, "--json"]).json()["plain_fields"]
            .as_array()
            .expect("plain_fields")
            .iter()
            .map(|p| {
                format!(
                    "{}={}",
                    p["name"].as_str().unwrap_or(""),
                    p["value"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(plain(&env), ["host=db.internal", "port=5432"]);
    // Re-marking keeps the values; a new value keeps the mark.
    env.run(
        OWNER,
        &["update", &s, "--conceal", "port", "--set-field", "host=db2"],
    )
    .ok();
    assert_eq!(plain(&env), ["host=db2"]);
    assert_eq!(
        env.get(OWNER, "DB", &[]).as_deref(),
        Some(r#"{"host":"db2","port":"5432","pw":"s3cret"}"#)
    );
    // A mark must name a field; nothing changes.
    env.run(OWNER, &["update", &s, "--plain", "nope"]).fails(2);
    env.run(OWNER, &["add", "X", "--value", "v", "--plain", "other"])
        .fails(2);
    assert_eq!(plain(&env), ["host=db2"]);
}

#[test]
fn update_if_version_refuses_a_change_made_since_and_changes_nothing() {
    let env = Env::new();
    env.cmd(&[
        "user",
        "add",
        "ana",
        "--role",
        "admin",
        "--display-name",
        "Ana Lopez",
        "--new-password-stdin",
    ])
    .signed_in_as(OWNER)
    .stdin(format!("{}\n", initial_password_of("ana")))
    .run()
    .ok();
    env.cmd(&["passwd", "--new-password-stdin"])
        .env("COFFER_USER", "ana")
        .env("COFFER_PASSWORD", initial_password_of("ana"))
        .stdin(format!("{}\n", password_of("ana")))
        .run()
        .ok();
    let id = env.add(OWNER, &["DB_PASSWORD", "--value", "first"]);
    let s = id.to_string();
    let version = |user: &str| {
        env.run(user, &["show", &s, "--json"]).json()["version"]
            .as_i64()
            .expect("a version")
    };
    // Both load version 1; Ana saves first.
    assert_eq!(version(OWNER), 1);
    assert_eq!(version("ana"), 1);
    let saved = env.run(
        "ana",
        &["update", &s, "--value", "from-ana", "--if-version", "1"],
    );
    assert_eq!(saved.id(), id);

    // The owner's change from version 1 is refused: exit 3, who and when.
    let stale = env.run(
        OWNER,
        &[
            "update",
            &s,
            "--value",
            "from-owner",
            "--description",
            "owner was here",
            "--if-version",
            "1",
        ],
    );
    let line = stale.fails(3);
    assert!(line.contains("changed by Ana Lopez at "), "{line}");
    assert!(line.contains("reload"), "{line}");
    for secret_text in ["DB_PASSWORD", "from-ana", "from-owner", "first"] {
        assert!(!line.contains(secret_text), "leaks: {line}");
    }
    assert!(stale.stdout.is_empty(), "no id printed: {:?}", stale.stdout);
    // Nothing of it was written.
    assert_eq!(
        env.get(OWNER, "DB_PASSWORD", &[]).as_deref(),
        Some("from-ana")
    );
    let shown = env.run(OWNER, &["show", &s, "--json"]).json();
    assert_eq!(shown["version"], 2);
    assert_eq!(shown["description"], "");
    assert_eq!(shown["updated_by"], "ana");

    // As JSON: the conflict code and the version now, to retry from.
    let json = env.run(
        OWNER,
        &["update", &s, "--value", "x", "--if-version", "1", "--json"],
    );
    assert_eq!(json.code, 3, "{}", json.stderr);
    let err = json.stderr_json();
    assert_eq!(err["error"]["code"], "conflict");
    assert_eq!(err["error"]["current_version"], 2);
    // Other errors carry no version.
    let other = env.run(OWNER, &["show", "999", "--json"]).stderr_json();
    assert!(other["error"].get("current_version").is_none(), "{other}");

    // From the version now current it goes through; without the flag it
    // applies to whatever is current; a version that cannot be is a usage error.
    env.run(
        OWNER,
        &["update", &s, "--value", "from-owner", "--if-version", "2"],
    )
    .ok();
    assert_eq!(
        env.get(OWNER, "DB_PASSWORD", &[]).as_deref(),
        Some("from-owner")
    );
    env.run("ana", &["update", &s, "--value", "latest"]).ok();
    env.run(OWNER, &["update", &s, "--value", "y", "--if-version", "0"])
        .fails(2);
    assert_eq!(
        env.get(OWNER, "DB_PASSWORD", &[]).as_deref(),
        Some("latest")
    );
    let help = env.cmd(&["update", "--help"]).run();
    assert!(help.ok().contains("--if-version <N>"), "{}", help.stdout);

    // A delete from an older version deletes nothing, and says who saved since.
    let stale = env.run(OWNER, &["rm", &s, "--if-version", "3"]);
    let line = stale.fails(3);
    assert!(line.contains("changed by Ana Lopez at "), "{line}");
    assert!(line.contains("nothing was deleted"), "{line}");
    assert_eq!(
        env.get(OWNER, "DB_PASSWORD", &[]).as_deref(),
        Some("latest")
    );
    env.run(OWNER, &["rm", &s, "--if-version", "0"]).fails(2);
    let current = env.run(OWNER, &["show", &s, "--json"]).json()["version"]
        .as_i64()
        .expect("a version");
    env.run(OWNER, &["rm", &s, "--if-version", &current.to_string()])
        .ok();
    assert_eq!(env.get(OWNER, "DB_PASSWORD", &[]), None);
}

//! Bad input never panics and always gets one clear line with the right
//! exit code; values typed in the wrong place are never echoed back. (The
//! harness asserts on every run that stderr holds no panic.)

mod common;

use common::*;

#[test]
fn garbage_arguments_are_usage_errors() {
    let env = Env::new();
    let cases: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["--bogus", "list"],
        &["list", "--bogus"],
        &["add"],
        &["add", "K"],
        &["add", "K", "--value", "v", "--value-stdin"],
        &["add", "K", "--value", "v", "--field", "a=b"],
        &[
            "add",
            "K",
            "--value",
            "v",
            "--dept",
            "DEFAULT",
            "--all-depts",
        ],
        &["show", "abc"],
        &["show", "99999999999999999999999"],
        &["show"],
        &["restore", "1"],
        &["usage", "add", "1", "--name", "n"],
        &["get", "K", "--field", "f", "--explain"],
        &["update", "1", "--value", "v", "--set-field", "a=b"],
        &["update", "1", "--private", "--shared"],
        &["user", "depts", "ana"],
        &["dept"],
        &["\u{1F600}"],
    ];
    for args in cases {
        let out = env.run(OWNER, args);
        let line = out.fails(2);
        assert!(line.contains("--help"), "{args:?}: {line}");
    }
}

#[test]
fn help_and_version_succeed() {
    let env = Env::empty();
    assert!(env.cmd(&["--help"]).run().ok().contains("Exit codes"));
    assert!(
        env.cmd(&["add", "--help"])
            .run()
            .ok()
            .contains("--value-stdin")
    );
    assert!(env.cmd(&["--version"]).run().ok().starts_with("coffer "));
}

#[test]
fn values_typed_in_the_wrong_place_are_not_echoed() {
    let env = Env::new();
    let canary = "CANARY-hunter2";
    let cases: Vec<Vec<&str>> = vec![
        vec!["add", "K", canary],
        vec!["add", "K", "--value", "v", canary],
        vec!["add", "K", "--field", canary],
        vec!["add", "", "--value", canary],
        vec!["add", " padded ", "--value", canary],
        vec!["add", "K", "--value", canary, "--expires", canary],
        vec!["get", "K", canary],
        vec!["show", canary],
    ];
    for args in cases {
        let out = env.run(OWNER, &args);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(
            !out.stderr.contains("CANARY"),
            "{args:?} echoed: {}",
            out.stderr
        );
        assert!(
            !out.stdout.contains("CANARY"),
            "{args:?} echoed: {}",
            out.stdout
        );
    }
}

#[test]
fn invalid_values_get_clear_errors() {
    let env = Env::new();
    let empty = env.run(OWNER, &["add", "", "--value", "v"]);
    assert!(empty.fails(2).contains("key is empty"), "{}", empty.stderr);
    env.run(OWNER, &["add", "K", "--value", ""]).fails(2);
    env.run(OWNER, &["add", "K", "--field", "=v"]).fails(2);
    env.run(OWNER, &["add", "K", "--field", "a=1", "--field", "a=2"])
        .fails(2);
    let no_eq = env.run(OWNER, &["add", "K", "--field", "novalue"]);
    assert!(no_eq.fails(2).contains("NAME=VALUE"));
    for bad in [
        "tomorrow",
        "2024-02-30",
        "31/12/2030",
        "2030-01-01T25:00:00Z",
        "",
    ] {
        let out = env.run(OWNER, &["add", "K", "--value", "v", "--expires", bad]);
        assert!(out.fails(2).contains("YYYY-MM-DD"), "{bad}: {}", out.stderr);
    }
    env.run(OWNER, &["add", "K", "--value", "v", "--tag", " "])
        .fails(2);
    env.run(OWNER, &["user", "add", "x y", "--role", "member"])
        .fails(2);
    let role = env.run(OWNER, &["user", "add", "xy", "--role", "superuser"]);
    assert!(role.fails(2).contains("owner, admin, member"));
    env.run(OWNER, &["user", "add", "xy", "--role", "owner"])
        .fails(2);
    env.run(OWNER, &["dept", "add", "F I N", "--name", "x"])
        .fails(2);
    let short = env
        .cmd(&[
            "user",
            "add",
            "zed",
            "--role",
            "member",
            "--new-password-stdin",
        ])
        .signed_in_as(OWNER)
        .stdin("short\n")
        .run();
    assert!(short.fails(2).contains("too short"));
    // Nothing was half-made by the failures above.
    assert_eq!(env.visible_ids(OWNER), Vec::<i64>::new());
}

#[test]
fn duplicates_and_unknown_names() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v", "--dept", "DEFAULT"]);
    env.run(OWNER, &["add", "K", "--value", "w", "--dept", "default"])
        .fails(3);
    // Same key, another scope: fine.
    env.add(OWNER, &["K", "--value", "w", "--all-depts"]);
    env.run(OWNER, &["dept", "add", "fin", "--name", "Finance"])
        .ok();
    env.run(OWNER, &["dept", "add", "FIN", "--name", "Again"])
        .fails(3);
    env.user("ana", "member", "FIN");
    env.run(OWNER, &["user", "add", "ANA", "--role", "member"])
        .fails(3);

    let dept = env.run(OWNER, &["add", "K2", "--value", "v", "--dept", "NOPE"]);
    assert!(dept.fails(1).contains("dept list"), "{}", dept.stderr);
    env.run(OWNER, &["list", "--dept", "NOPE"]).fails(1);
    env.run(OWNER, &["user", "role", "nobody", "member"])
        .fails(1);
    env.run(OWNER, &["user", "depts", "ana", "--dept", "NOPE"])
        .fails(1);
    env.run(OWNER, &["dept", "rename", "NOPE", "--name", "x"])
        .fails(1);
    for cmd in ["show", "history", "rm", "activate", "deactivate"] {
        env.run(OWNER, &[cmd, "424242"]).fails(1);
    }
    env.run(OWNER, &["update", "424242", "--value", "v"])
        .fails(1);
    env.run(OWNER, &["usage", "list", "424242"]).fails(1);
    env.run(OWNER, &["usage", "rm", "424242"]).fails(1);
    env.run(OWNER, &["restore", "424242", "1"]).fails(1);
}

#[test]
fn bad_vault_paths() {
    if on_postgres() {
        eprintln!("skipped: folders, empty and truncated vault files are the file's cases");
        return;
    }
    let env = Env::new();
    let dir = env.home().join("a-folder");
    std::fs::create_dir(&dir).expect("mkdir");
    let folder = env
        .cmd(&["list"])
        .signed_in_as(OWNER)
        .env("COFFER_VAULT", &dir)
        .run();
    assert!(folder.fails(2).contains("folder"), "{}", folder.stderr);
    let init_folder = env
        .cmd(&[
            "init",
            "--owner",
            "o",
            "--insecure-test-kdf",
            "--vault",
            dir.to_str().expect("utf-8"),
        ])
        .env("COFFER_PASSWORD", "owner-password")
        .run();
    init_folder.fails(2);
    let missing = env.home().join("missing.db");
    let out = env
        .cmd(&["list"])
        .signed_in_as(OWNER)
        .env("COFFER_VAULT", &missing)
        .run();
    assert!(out.fails(1).contains("coffer init"), "{}", out.stderr);
    let empty = env.home().join("empty.db");
    std::fs::write(&empty, b"").expect("write");
    env.cmd(&["list"])
        .signed_in_as(OWNER)
        .env("COFFER_VAULT", &empty)
        .run()
        .fails(5);
    // Truncated copies of a real vault, cut at several points: always
    // "vault damaged" (exit 5), never a panic or a misleading auth error.
    let bytes = std::fs::read(&env.vault).expect("read vault");
    for len in [1000, 4096, bytes.len() / 2] {
        let cut = env.home().join(format!("cut-{len}.db"));
        std::fs::write(&cut, &bytes[..len.min(bytes.len())]).expect("write");
        let out = env
            .cmd(&["list"])
            .signed_in_as(OWNER)
            .env("COFFER_VAULT", &cut)
            .run();
        assert!(
            out.fails(5).contains("damaged"),
            "cut at {len}: {}",
            out.stderr
        );
    }
}

#[test]
fn bad_server_vaults() {
    if !on_postgres() {
        eprintln!("skipped: needs a PostgreSQL run (scripts/pg.sh)");
        return;
    }
    let env = Env::new();
    let list_at = |vault: &str| {
        env.cmd(&["list"])
            .signed_in_as(OWNER)
            .env("COFFER_VAULT", vault)
            .run()
    };
    // A database with no vault in it says how to make one.
    let empty = Db::new("cli");
    let out = list_at(&empty.url);
    assert!(out.fails(1).contains("coffer init"), "{}", out.stderr);
    // A database that does not exist.
    let out = list_at(&url_of("coffer_no_such_database"));
    assert!(out.fails(1).contains("does not exist"), "{}", out.stderr);
    // A password in the URL is refused and never repeated.
    let with_password = env.vault_arg().replacen('@', ":hunter2-db@", 1);
    let out = list_at(&with_password);
    assert!(out.fails(2).contains("PGPASSWORD"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    // A wrong database password: the server's refusal, not a crash.
    let wrong = env
        .cmd(&["list"])
        .signed_in_as(OWNER)
        .env("PGPASSWORD", "not-the-db-password")
        .run();
    assert!(wrong.fails(5).contains("refused"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("not-the-db-password"));
    // A schema from a newer version is refused, not misread.
    env.raw_sql("INSERT INTO schema_migrations (version) VALUES (999)");
    let newer = env.run(OWNER, &["list"]);
    assert!(newer.fails(5).contains("newer"), "{}", newer.stderr);
    env.raw_sql("DELETE FROM schema_migrations WHERE version = 999");
    env.run(OWNER, &["list"]).ok();
    // Tables gone from under the vault: damaged (exit 5), not a panic.
    env.raw_sql("DROP TABLE secrets CASCADE");
    let out = env.run(OWNER, &["list"]);
    assert!(out.fails(5).contains("missing"), "{}", out.stderr);
}

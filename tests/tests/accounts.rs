//! Signing in from the command line (SPEC §8): the order of password
//! sources, the remembered default user, and `init`/`status` flagging a
//! vault made with the insecure test KDF. (Device keys: see keyring.rs.)

mod common;

use common::*;

#[test]
fn init_and_status_flag_the_insecure_test_kdf() {
    let env = Env::empty();
    let init = env
        .cmd(&["init", "--owner", "root", "--insecure-test-kdf"])
        .env("COFFER_PASSWORD", "root-password-1")
        .run();
    init.ok();
    assert!(init.stderr.contains("INSECURE"), "{}", init.stderr);
    let help = env.cmd(&["init", "--help"]).run();
    assert!(help.ok().contains("AUTOMATED TESTS ONLY"));
    let status = env.cmd(&["status"]).run();
    assert!(status.ok().contains("INSECURE-TEST"), "{}", status.stdout);
    assert!(
        status.stdout.contains("root"),
        "the remembered user: {}",
        status.stdout
    );
    let json = env.cmd(&["status", "--json"]).run().json();
    assert_eq!(json["kdf_profile"], "insecure-test");
    assert_eq!(json["user"], "root");
    // A second init on the same path is refused.
    env.cmd(&["init", "--owner", "x", "--insecure-test-kdf"])
        .env("COFFER_PASSWORD", "root-password-1")
        .run()
        .fails(3);
}

#[test]
fn password_sources_in_order() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    // init remembered the owner, so no --user is needed.
    let pw_file = env.home().join("pw.txt");
    std::fs::write(&pw_file, format!("{OWNER_PW}\nignored second line\n")).expect("write");
    let via_file = env
        .cmd(&[
            "get",
            "K",
            "--password-file",
            pw_file.to_str().expect("utf-8"),
        ])
        .run();
    assert_eq!(via_file.ok(), "v\n");
    // COFFER_PASSWORD comes first, even when the file is right.
    let env_first = env
        .cmd(&[
            "get",
            "K",
            "--password-file",
            pw_file.to_str().expect("utf-8"),
        ])
        .env("COFFER_PASSWORD", "wrong-password")
        .run();
    env_first.fails(4);
    // Nothing at all, and no terminal: exit 4 naming every way.
    let none = env.cmd(&["get", "K"]).run();
    let msg = none.fails(4);
    for way in [
        "COFFER_PASSWORD",
        "--password-file",
        "login --remember",
        "terminal",
    ] {
        assert!(msg.contains(way), "{way} missing from {msg}");
    }
    env.cmd(&["get", "K", "--password-file", "/nonexistent/pw"])
        .run()
        .fails(2);
    // After logout there is no default user.
    env.cmd(&["logout"]).run().ok();
    let who = env
        .cmd(&["get", "K"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert!(who.fails(2).contains("--user"), "{}", who.stderr);
    env.cmd(&["login", "--user", OWNER])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run()
        .ok();
    let back = env
        .cmd(&["get", "K"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert_eq!(back.ok(), "v\n");
}

#[test]
fn a_terminal_prompt_is_the_last_resort() {
    let env = Env::empty();
    // init asks twice; a mismatch changes nothing.
    let mismatch = env
        .in_terminal(&["init", "--owner", "pat", "--insecure-test-kdf"])
        .stdin("first-password\nsecond-password\n")
        .run();
    assert_eq!(mismatch.code, 2, "{}", mismatch.stdout);
    assert!(mismatch.stdout.contains("differ"), "{}", mismatch.stdout);
    assert!(!env.vault_exists());
    let init = env
        .in_terminal(&["init", "--owner", "pat", "--insecure-test-kdf"])
        .stdin("pat-password-1\npat-password-1\n")
        .run();
    assert_eq!(init.code, 0, "{}", init.stdout);
    assert!(
        init.stdout.contains("New password for pat"),
        "{}",
        init.stdout
    );
    env.cmd(&["add", "K", "--value", "v"])
        .env("COFFER_PASSWORD", "pat-password-1")
        .run()
        .id();
    // No other source: coffer asks on the terminal.
    let asked = env
        .in_terminal(&["get", "K"])
        .stdin("pat-password-1\n")
        .run();
    assert_eq!(asked.code, 0, "{}", asked.stdout);
    assert!(
        asked.stdout.contains("Password for pat"),
        "{}",
        asked.stdout
    );
    assert!(asked.stdout.trim_end().ends_with('v'), "{:?}", asked.stdout);
    let wrong = env.in_terminal(&["get", "K"]).stdin("not-it\n").run();
    assert_eq!(wrong.code, 4, "{}", wrong.stdout);
    assert!(wrong.stdout.contains("wrong username or password"));
    // An explicit password never prompts.
    let explicit = env
        .in_terminal(&["get", "K"])
        .env("COFFER_PASSWORD", "pat-password-1")
        .run();
    assert_eq!(explicit.code, 0);
    assert!(
        !explicit.stdout.contains("Password for"),
        "{}",
        explicit.stdout
    );
}

#[test]
fn a_new_member_makes_keys_at_first_sign_in_and_gets_the_departments_keys_next() {
    let env = Env::new();
    env.dept("FIN");
    env.add(OWNER, &["FIN_DB", "--value", "fin-value", "--dept", "FIN"]);
    env.cmd(&[
        "user",
        "add",
        "nia",
        "--role",
        "member",
        "--dept",
        "FIN",
        "--new-password-stdin",
    ])
    .signed_in_as(OWNER)
    .stdin("nia-initial-1\n")
    .run()
    .ok();
    // The initial password only lets nia choose hers (and make her keys).
    env.cmd(&["get", "FIN_DB"])
        .env("COFFER_USER", "nia")
        .env("COFFER_PASSWORD", "nia-initial-1")
        .run()
        .fails(4);
    env.cmd(&["passwd", "--new-password-stdin"])
        .env("COFFER_USER", "nia")
        .env("COFFER_PASSWORD", "nia-initial-1")
        .stdin(format!("{}\n", password_of("nia")))
        .run()
        .ok();
    // Until a holder of FIN's key signs in, nia sees nothing there, and is
    // told why.
    let early = env.run("nia", &["get", "FIN_DB"]);
    assert_eq!(early.code, 1, "{}", early.stderr);
    assert!(
        early.stderr.contains("not been shared with you yet"),
        "{}",
        early.stderr
    );
    env.run(OWNER, &["list"]).ok();
    let later = env.run("nia", &["get", "FIN_DB"]);
    assert_eq!(later.ok(), "fin-value\n");
    assert!(!later.stderr.contains("warning"), "{}", later.stderr);
}

//! `coffer run` (SPEC §11, issue 11): secrets in a command's environment,
//! its exit status and signals passed through, its output masked, and no
//! value anywhere coffer itself writes.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]
// `coffer run` supervises its command with Unix signals and terminals.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

const TOKEN: &str = "t0ken-Value-9f3a";
const DB_HOST: &str = "db.internal.example";
const DB_PW: &str = "hunter22-db-pw";
const DB_KEY: &str = "k3y-k3y-k3y-k3y";
const PIN: &str = "123";
const VALUES: [&str; 4] = [TOKEN, DB_HOST, DB_PW, DB_KEY];

/// A vault with a single-value TOKEN, a three-field DATABASE and a PIN too
/// short to mask.
fn vault() -> Env {
    let env = Env::new();
    env.add(OWNER, &["TOKEN", "--value", TOKEN]);
    env.add(
        OWNER,
        &[
            "DATABASE",
            "--field",
            &format!("host={DB_HOST}"),
            "--field",
            &format!("password={DB_PW}"),
            "--field",
            &format!("api-key={DB_KEY}"),
        ],
    );
    env.add(OWNER, &["PIN", "--value", PIN]);
    env
}

fn run(env: &Env, args: &[&str]) -> Out {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    env.run(OWNER, &all)
}

/// `coffer run ARGS`, with its raw output bytes.
fn run_raw(env: &Env, args: &[&str]) -> Output {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    let child = env.cmd(&all).signed_in_as(OWNER).spawn();
    child.wait_with_output().expect("wait for coffer")
}

#[track_caller]
fn assert_no_value(what: &str, text: &str) {
    for v in VALUES {
        assert!(!text.contains(v), "a value leaked into {what}: {text:?}");
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write(env: &Env, name: &str, text: &str) -> String {
    let path = env.home().join(name);
    std::fs::write(&path, text).expect("write file");
    path.to_string_lossy().into_owned()
}

#[test]
fn references_fields_spreads_and_plain_values_reach_the_command() {
    let env = vault();
    let file = write(
        &env,
        "app.env",
        "# references and plain values\n\
         TOKEN=coffer:TOKEN\n\
         DB_HOST=coffer:DATABASE#host\n\
         GREETING=\"hello $HOME world\"\n\
         export PLAIN=as-is # a comment\n",
    );
    let script = r#"printf '%s|' "$TOKEN" "$DB_HOST" "$GREETING" "$PLAIN" "$PW" "$DB_PASSWORD" "$DB_API_KEY" "$X_HOST" > seen.txt"#;
    let out = run(
        &env,
        &[
            "--env-file",
            &file,
            "--set",
            "PW=DATABASE:password",
            "--set",
            "X_=DATABASE:*",
            "--set",
            "DB_PASSWORD=coffer:DATABASE#password",
            "--set",
            "DB_API_KEY=DATABASE:api-key",
            "--",
            "sh",
            "-c",
            script,
        ],
    );
    out.ok();
    assert_eq!(out.stdout, "", "coffer writes nothing on stdout");
    assert_eq!(
        read(&env.home().join("seen.txt")),
        format!("{TOKEN}|{DB_HOST}|hello $HOME world|as-is|{DB_PW}|{DB_PW}|{DB_KEY}|{DB_HOST}|")
    );
    assert_no_value("stderr", &out.stderr);

    // Unmasked, the command's stdout is its own.
    let out = run(
        &env,
        &[
            "--no-mask",
            "--set",
            "T=TOKEN",
            "--",
            "sh",
            "-c",
            "echo \"$T\"",
        ],
    );
    assert_eq!(out.ok(), format!("{TOKEN}\n"));
    assert_no_value("stderr", &out.stderr);
}

#[test]
fn missing_references_are_all_named_and_the_command_never_starts() {
    let env = vault();
    let file = write(
        &env,
        "app.env",
        "FIRST=coffer:NO_SUCH_KEY\nOK=coffer:TOKEN\nSECOND=coffer:ALSO_MISSING#field\n",
    );
    let marker = env.home().join("started");
    let out = run(
        &env,
        &[
            "--env-file",
            &file,
            "--set",
            "THIRD=DATABASE:no-such-field",
            "--",
            "touch",
            marker.to_str().unwrap(),
        ],
    );
    let line = out.fails(1).to_string();
    for name in ["FIRST", "SECOND", "THIRD"] {
        assert!(line.contains(name), "{name} named in {line}");
    }
    assert!(
        !line.contains("OK ("),
        "a found reference is not named: {line}"
    );
    assert!(!marker.exists(), "the command must not start");
    assert_no_value("stderr", &out.stderr);

    // A multi-field secret without a field lists its fields; nothing runs.
    let out = run(
        &env,
        &[
            "--set",
            "DB=DATABASE",
            "--",
            "touch",
            marker.to_str().unwrap(),
        ],
    );
    let line = out.fails(2);
    assert!(line.contains("host, password, api-key"), "{line}");
    assert!(!marker.exists());
    assert_no_value("stderr", &out.stderr);

    // As JSON, the error is an object on stderr.
    let args = ["--json", "run", "--set", "X=NO_SUCH_KEY", "--", "true"];
    let out = env.cmd(&args).signed_in_as(OWNER).run();
    assert_eq!(out.code, 1);
    let last = out.stderr.lines().last().unwrap_or_default();
    let err: serde_json::Value = serde_json::from_str(last).expect("JSON error");
    assert_eq!(err["error"]["code"], "not_found");
}

#[test]
fn exit_codes_pass_through() {
    let env = vault();
    let set = ["--set", "T=TOKEN", "--"];
    let code = |cmd: &[&str]| {
        let mut args = set.to_vec();
        args.extend_from_slice(cmd);
        let out = run(&env, &args);
        assert_no_value("stderr", &out.stderr);
        (out.code, out.stderr)
    };
    assert_eq!(code(&["true"]).0, 0);
    assert_eq!(code(&["sh", "-c", "exit 42"]).0, 42);
    assert_eq!(code(&["sh", "-c", "kill -TERM $$"]).0, 128 + 15);
    assert_eq!(code(&["sh", "-c", "kill -KILL $$"]).0, 128 + 9);
    let (status, stderr) = code(&["no-such-command-here"]);
    assert_eq!(status, 127);
    assert!(stderr.contains("command not found"), "{stderr}");
    let script = write(&env, "not-executable.sh", "#!/bin/sh\necho hi\n");
    let (status, stderr) = code(&[&script]);
    assert_eq!(status, 126);
    assert!(stderr.contains("not an executable"), "{stderr}");
    // Not found is told before any sign-in: no password needed.
    let out = env
        .cmd(&["run", "--set", "T=TOKEN", "--", "no-such-command-here"])
        .run();
    assert_eq!(out.code, 127, "{}", out.stderr);
}

#[test]
fn sigterm_is_forwarded_to_a_child_that_traps_it() {
    let env = vault();
    let script = "trap 'echo term >> got; exit 42' TERM; : > ready; \
                  i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; exit 3";
    let child = env
        .cmd(&["run", "--set", "T=TOKEN", "--", "sh", "-c", script])
        .signed_in_as(OWNER)
        .spawn();
    wait_for(&env.home().join("ready"));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(42), "the child's own exit code");
    assert_eq!(read(&env.home().join("got")), "term\n", "delivered once");
    assert_no_value("stderr", &String::from_utf8_lossy(&out.stderr));
}

#[test]
fn ctrl_c_on_a_terminal_reaches_the_child_once() {
    let env = vault();
    // Perl (perl-base is part of every Debian system) counts each SIGINT
    // as its C-level handler sees it; a shell's trap would merge two that
    // arrive close together, hiding a second, forwarded one.
    let script = r#"
        my $n = 0;
        $SIG{INT} = sub { $n++ };
        open(my $r, ">", "ready") or die; close($r);
        for (1 .. 400) { last if $n; select(undef, undef, undef, 0.05) }
        select(undef, undef, undef, 0.5);
        open(my $g, ">", "got") or die; print $g "$n\n"; close($g);
        exit 5;
    "#;
    let mut child = env
        .in_terminal(&["run", "--set", "T=TOKEN", "--", "perl", "-e", script])
        .signed_in_as(OWNER)
        .spawn();
    wait_for(&env.home().join("ready"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"\x03").expect("type Ctrl+C");
    stdin.flush().expect("flush");
    let out = child.wait_with_output().expect("wait");
    drop(stdin);
    assert_eq!(out.status.code(), Some(5), "{:?}", out);
    assert_eq!(read(&env.home().join("got")), "1\n", "SIGINT arrived once");
}

#[test]
fn masking_catches_values_split_across_writes() {
    let env = vault();
    // The value is printed in pieces with pauses between, so it arrives in
    // separate reads; the pieces are spelled in the script, not injected.
    let (a, b) = DB_PW.split_at(5);
    let (b, c) = b.split_at(4);
    let script = format!(
        "printf 'pw=%s' '{a}'; sleep 0.3; printf '%s' '{b}'; sleep 0.3; printf '%s!\\n' '{c}'; \
         printf 'token=%s\\n' \"$T\" >&2; printf 'short=%s\\n' \"$P\""
    );
    let out = run_raw(
        &env,
        &[
            "--set",
            "T=TOKEN",
            "--set",
            "PW=DATABASE:password",
            "--set",
            "P=PIN",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, format!("pw=<concealed by coffer>!\nshort={PIN}\n"));
    assert!(stderr.contains("token=<concealed by coffer>\n"), "{stderr}");
    assert!(
        stderr.contains("not masking P"),
        "short values are reported: {stderr}"
    );
    assert_no_value("stdout", &stdout);
    assert_no_value("stderr", &stderr);

    // --no-mask passes it on.
    let out = run(
        &env,
        &["--no-mask", "--set", "T=TOKEN", "--", "sh", "-c", "echo $T"],
    );
    assert_eq!(out.ok(), format!("{TOKEN}\n"));
}

#[test]
fn unmasked_output_is_untouched_byte_for_byte() {
    let env = vault();
    let script =
        r"printf '\033[31mred\033[0m\r\n\001\377\000tab\there '; printf 'no newline at the end'";
    let masked = run_raw(&env, &["--set", "T=TOKEN", "--", "sh", "-c", script]);
    let plain = Command::new("sh")
        .args(["-c", script])
        .output()
        .expect("sh");
    assert_eq!(masked.status.code(), Some(0));
    assert_eq!(masked.stdout, plain.stdout);
    assert!(masked.stdout.ends_with(b"no newline at the end"));
}

#[test]
fn masked_output_on_a_terminal_keeps_the_terminal() {
    let env = vault();
    let script = "[ -t 1 ] && echo stdout-is-a-terminal; echo \"value $T\"";
    let out = env
        .in_terminal(&[
            "run", "--mask", "--set", "T=TOKEN", "--", "sh", "-c", script,
        ])
        .signed_in_as(OWNER)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("stdout-is-a-terminal"),
        "{:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains("value <concealed by coffer>"),
        "{:?}",
        out.stdout
    );
    assert_no_value("the terminal", &out.stdout);
}

#[test]
fn guarded_and_invalid_names_are_refused_unless_allowed() {
    let env = vault();
    let marker = env.home().join("started");
    let touch = marker.to_str().unwrap();
    for set in [
        "PATH=TOKEN",
        "LD_PRELOAD=TOKEN",
        "XDG_CONFIG_HOME=TOKEN",
        "LC_ALL=TOKEN",
        "HOME=TOKEN",
    ] {
        let out = run(&env, &["--set", set, "--", "touch", touch]);
        let line = out.fails(2);
        assert!(line.contains("--allow-override"), "{line}");
        assert!(!marker.exists());
    }
    let file = write(&env, "evil.env", "LD_PRELOAD=/tmp/evil.so\n");
    run(&env, &["--env-file", &file, "--", "touch", touch]).fails(2);
    let out = run(&env, &["--set", "1BAD=TOKEN", "--", "touch", touch]);
    assert!(out.fails(2).contains("not a valid variable name"));
    assert!(!marker.exists());

    let out = run(
        &env,
        &[
            "--allow-override",
            "XDG_CACHE_HOME",
            "--set",
            "XDG_CACHE_HOME=TOKEN",
            "--",
            "sh",
            "-c",
            "printf %s \"$XDG_CACHE_HOME\" > seen.txt",
        ],
    );
    out.ok();
    assert_eq!(read(&env.home().join("seen.txt")), TOKEN);
}

#[test]
fn the_password_never_reaches_the_command() {
    let env = vault();
    let out = run(
        &env,
        &["--set", "T=TOKEN", "--", "sh", "-c", "env > env.txt"],
    );
    out.ok();
    let seen = read(&env.home().join("env.txt"));
    assert!(seen.contains(&format!("T={TOKEN}")));
    assert!(!seen.contains("COFFER_PASSWORD"), "{seen}");
    assert!(!seen.contains(OWNER_PW));
    assert!(
        seen.contains("COFFER_USER="),
        "the rest of the environment stays"
    );
    run(&env, &["--set", "COFFER_PASSWORD=TOKEN", "--", "true"]).fails(2);
}

#[test]
fn the_audit_log_names_keys_and_program_but_no_value_or_argument() {
    let env = vault();
    run(
        &env,
        &[
            "--set",
            "T=TOKEN",
            "--set",
            "PW=DATABASE:password",
            "--",
            "/bin/sh",
            "-c",
            "true",
            "secret-argument-xyz",
        ],
    )
    .ok();
    run(
        &env,
        &["--set", "N=NO_SUCH_KEY", "--", "true", "other-argument-abc"],
    )
    .fails(1);
    let out = env.run(OWNER, &["audit", "--json", "--action", "run"]);
    let log = out.json();
    let entries = log.as_array().expect("entries");
    let ok: Vec<_> = entries.iter().filter(|e| e["outcome"].is_null()).collect();
    let mut keys: Vec<&str> = ok.iter().map(|e| e["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["DATABASE", "TOKEN"]);
    assert!(ok.iter().all(|e| e["program"] == "sh"), "{}", out.stdout);
    let db = ok.iter().find(|e| e["key"] == "DATABASE").unwrap();
    assert_eq!(db["field"], "password");
    let miss = entries
        .iter()
        .find(|e| e["outcome"] == "not_found")
        .expect("the refused run is recorded");
    assert_eq!(
        (miss["key"].as_str(), miss["program"].as_str()),
        (Some("NO_SUCH_KEY"), Some("true"))
    );
    let text = env.run(OWNER, &["audit"]).ok().to_string();
    for log in [&out.stdout, &text] {
        assert_no_value("the audit log", log);
        assert!(
            !log.contains("argument"),
            "arguments are never recorded: {log}"
        );
        assert!(!log.contains("/bin"), "only the program's name: {log}");
    }
    assert!(text.contains("program sh"), "{text}");
}

#[test]
fn bad_input_is_refused_clearly_and_never_echoed() {
    let env = vault();
    let marker = env.home().join("started");
    let touch = marker.to_str().unwrap();
    let canary = "CANARY-hunter2";
    let bad = write(&env, "bad.env", "A=coffer:TOKEN\nthis line is wrong\n");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--set", "T=TOKEN"],
        vec!["--", "touch", touch],
        vec!["--env-file", "no-such.env", "--", "touch", touch],
        vec!["--env-file", &bad, "--", "touch", touch],
        vec!["--set", canary, "--", "touch", touch],
        vec!["--set", "T=TOKEN:", "--", "touch", touch],
        vec![
            "--allow-override",
            canary,
            "--set",
            "T=TOKEN",
            "--",
            "touch",
            touch,
        ],
        vec!["--mask", "--bogus", "--", "touch", touch],
    ];
    for args in cases {
        let out = run(&env, &args);
        let line = out.fails(2).to_string();
        assert!(!line.contains("CANARY"), "{args:?} echoed: {line}");
        assert!(!marker.exists(), "{args:?} ran the command");
    }
    let out = run(&env, &["--env-file", &bad, "--", "true"]);
    assert!(out.fails(2).contains("line 2"), "{}", out.stderr);
}

#[test]
fn references_resolve_for_the_caller_and_the_department() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "DEFAULT,FIN");
    env.add(
        OWNER,
        &["KEY", "--value", "for-default-1", "--dept", "DEFAULT"],
    );
    env.add(OWNER, &["KEY", "--value", "for-fin-22", "--dept", "FIN"]);
    let seen = |args: &[&str]| {
        let mut all = vec!["run", "--no-mask"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--set", "K=KEY", "--", "sh", "-c", "printf %s \"$K\""]);
        let out = env.run("ana", &all);
        assert!(!out.stderr.contains("for-"), "{}", out.stderr);
        (out.code, out.stdout)
    };
    // Her primary department is the context, as for `coffer get`.
    assert_eq!(seen(&[]), (0, "for-default-1".to_string()));
    assert_eq!(
        seen(&["--department", "FIN"]),
        (0, "for-fin-22".to_string())
    );
    assert_eq!(seen(&["--department", "fin"]).1, "for-fin-22");
    // A department she is not in finds nothing: exit 1, nothing run.
    assert_eq!(seen(&["--department", "NOPE"]), (1, String::new()));
    assert_eq!(
        env.get("ana", "KEY", &["--department", "FIN"]).as_deref(),
        Some("for-fin-22"),
        "the same answer as get"
    );
}

#[test]
fn standard_input_goes_to_the_command() {
    let env = vault();
    for mask in ["--mask", "--no-mask"] {
        let out = env
            .cmd(&[
                "run",
                mask,
                "--set",
                "T=TOKEN",
                "--",
                "sh",
                "-c",
                "cat > in.txt",
            ])
            .signed_in_as(OWNER)
            .stdin("line one\nline two\n")
            .run();
        out.ok();
        assert_eq!(read(&env.home().join("in.txt")), "line one\nline two\n");
    }
}

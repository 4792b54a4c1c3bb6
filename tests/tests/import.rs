//! `coffer import` (issue 9): formats picked from content, scope rules,
//! all or nothing with the bad line named, `--dry-run`, exit codes; and
//! interop with a real KeePassXC database made by `keepassxc-cli`
//! (its `.kdbx` read directly, and its CSV export).

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

fn write(env: &Env, name: &str, text: &str) -> PathBuf {
    let path = env.home().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn env_file_at_a_department_with_tags() {
    let env = Env::new();
    env.dept("FIN");
    env.user("ana", "member", "FIN");
    let file = write(
        &env,
        "app.env",
        "# db\nexport DB_PASSWORD='pa$word'\nAPI_TOKEN=\"a\\nb\"\n",
    );
    let out = env.run(
        "ana",
        &["import", s(&file), "--dept", "FIN", "--tag", "app"],
    );
    out.ok();
    assert!(
        out.stderr.contains("imported 2 new secret(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        env.get("ana", "DB_PASSWORD", &[]).as_deref(),
        Some("pa$word")
    );
    assert_eq!(env.get("ana", "API_TOKEN", &[]).as_deref(), Some("a\nb"));
    // Again: both exist at that scope, so both are skipped.
    let again = env.run("ana", &["import", s(&file), "--dept", "FIN", "--json"]);
    let r: serde_json::Value = serde_json::from_str(again.ok()).unwrap();
    assert_eq!(
        (r["created"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(2))
    );
}

#[test]
fn dry_run_prints_the_preview_and_changes_nothing() {
    let env = Env::new();
    env.add(OWNER, &["A", "--value", "old"]);
    let file = write(
        &env,
        "secrets.json",
        r#"{"A": "new", "db": {"user": "u", "password": "p"}}"#,
    );
    let out = env.run(OWNER, &["import", s(&file), "--dry-run"]);
    let table = out.ok();
    assert!(table.contains("KEY") && table.contains("skip"), "{table}");
    assert!(
        table.contains("user, password") && table.contains("new"),
        "{table}"
    );
    assert_eq!(env.get(OWNER, "db", &[]), None);
    let json = env.run(OWNER, &["import", s(&file), "--dry-run", "--json"]);
    let p: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(p["format"], "json");
    assert_eq!(p["items"][0]["action"], "skip");
    assert_eq!(
        p["items"][1]["field_names"],
        serde_json::json!(["user", "password"])
    );
    // --replace makes the file's value the new version.
    env.run(OWNER, &["import", s(&file), "--replace"]).ok();
    assert_eq!(env.get(OWNER, "A", &[]).as_deref(), Some("new"));
}

#[test]
fn bad_files_change_nothing_and_name_the_line() {
    let env = Env::new();
    let file = write(&env, "bad.env", "GOOD=1\nALSO_GOOD=2\nthis is not a pair\n");
    let line = env.run(OWNER, &["import", s(&file)]).fails(2).to_string();
    assert!(line.contains("line 3"), "{line}");
    assert_eq!(env.get(OWNER, "GOOD", &[]), None, "all or nothing");
    let enc = write(
        &env,
        "bw.json",
        r#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "x", "data": "y"}"#,
    );
    let line = env.run(OWNER, &["import", s(&enc)]).fails(2).to_string();
    assert!(
        line.contains("unencrypted") && line.contains(".kdbx"),
        "{line}"
    );
    let missing = env.run(OWNER, &["import", "no-such-file.env"]);
    missing.fails(1);
    let fmt = env.run(OWNER, &["import", s(&file), "--format", "xml"]);
    fmt.fails(2);
}

#[test]
fn members_cannot_import_into_other_departments() {
    let env = Env::new();
    env.dept("FIN");
    env.dept("OPS");
    env.user("ana", "member", "FIN");
    let file = write(&env, "x.env", "X=1\n");
    let line = env
        .run("ana", &["import", s(&file), "--dept", "OPS"])
        .fails(3)
        .to_string();
    assert!(line.contains("own departments"), "{line}");
    env.run("ana", &["import", s(&file), "--private"]).ok();
    assert_eq!(env.get("ana", "X", &[]).as_deref(), Some("1"));
    assert_eq!(env.get(OWNER, "X", &[]), None, "private to ana");
}

#[test]
fn bitwarden_json_items_become_multi_field_secrets() {
    let env = Env::new();
    let file = write(
        &env,
        "bitwarden_export.json",
        r#"{"encrypted": false, "folders": [{"id": "f", "name": "Work"}], "items": [
            {"type": 1, "name": "GitHub", "folderId": "f",
             "login": {"username": "ana", "password": "gh$p", "uris": [{"uri": "https://github.com"}]}}]}"#,
    );
    env.run(OWNER, &["import", s(&file)]).ok();
    assert_eq!(
        env.get(OWNER, "GitHub", &["--field", "password"])
            .as_deref(),
        Some("gh$p")
    );
    let list = env.run(OWNER, &["list", "--tag", "Work", "--json"]);
    assert!(list.ok().contains("GitHub"), "{}", list.stdout);
}

/// Runs `keepassxc-cli ARGS` with `input` on stdin (the database password
/// first), failing the test on error.
fn keepassxc(args: &[&str], input: &str) -> String {
    let mut child = Command::new("keepassxc-cli")
        .args(args)
        .env("QT_QPA_PLATFORM", "offscreen")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli (Debian package keepassxc; scripts/setup.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "keepassxc-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn interop_with_a_database_keepassxc_cli_made() {
    let env = Env::new();
    env.dept("KDBX");
    env.dept("CSV");
    env.run(
        OWNER,
        &["user", "depts", OWNER, "--dept", "DEFAULT,KDBX,CSV"],
    )
    .ok();
    let db = env.home().join("team.kdbx");
    let db = s(&db);
    let pw = "kp-Database-pass 1";
    keepassxc(
        &["db-create", "-q", "-p", "-t", "100", db],
        &format!("{pw}\n{pw}\n"),
    );
    keepassxc(&["mkdir", "-q", db, "Servers"], &format!("{pw}\n"));
    keepassxc(
        &[
            "add",
            "-q",
            "-u",
            "dba",
            "--url",
            "postgres://db:5432",
            "-p",
            db,
            "Servers/prod db",
        ],
        &format!("{pw}\npa$$ \"word\" é\n"),
    );
    keepassxc(
        &["add", "-q", "-u", "ana", "-p", db, "mail"],
        &format!("{pw}\nhunter2\n"),
    );
    let csv = keepassxc(&["export", "-q", "-f", "csv", db], &format!("{pw}\n"));
    let csv_file = write(&env, "team.csv", &csv);

    env.cmd(&["import", db, "--dept", "KDBX", "--source-password-stdin"])
        .signed_in_as(OWNER)
        .stdin(format!("{pw}\n"))
        .run()
        .ok();
    env.run(OWNER, &["import", s(&csv_file), "--dept", "CSV"])
        .ok();
    for dept in ["KDBX", "CSV"] {
        assert_eq!(
            env.get(
                OWNER,
                "prod db",
                &["--department", dept, "--field", "password"]
            )
            .as_deref(),
            Some("pa$$ \"word\" é"),
            "{dept}"
        );
        assert_eq!(
            env.get(OWNER, "prod db", &["--department", dept, "--field", "url"])
                .as_deref(),
            Some("postgres://db:5432")
        );
        assert_eq!(
            env.get(
                OWNER,
                "mail",
                &["--department", dept, "--field", "username"]
            )
            .as_deref(),
            Some("ana")
        );
    }
    let list = env.run(OWNER, &["list", "--tag", "Servers", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(list.ok()).unwrap();
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(2),
        "the group became a tag: {rows}"
    );
    // A wrong database password is an authentication failure, and nothing changes.
    env.cmd(&["import", db, "--dept", "DEFAULT", "--source-password-stdin"])
        .signed_in_as(OWNER)
        .stdin("wrong\n")
        .run()
        .fails(4);
    assert_eq!(env.get(OWNER, "mail", &["--department", "DEFAULT"]), None);
}

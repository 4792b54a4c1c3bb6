//! `coffer export` (issue 9): a file of mode 0600 holding, byte for byte,
//! what the user can read; write-only secrets left out and said so; the
//! password asked again; no file replaced without `--force`.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;

const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nk+/=éß鍵🔑\n-----END PRIVATE KEY-----\n";

#[test]
fn export_writes_a_private_file_that_round_trips() {
    let env = Env::new();
    env.dept("OPS");
    env.user("ana", "member", "DEFAULT");
    // The PEM ends with a newline: --value-stdin drops one, so send two.
    env.cmd(&["add", "TLS_KEY", "--value-stdin"])
        .signed_in_as(OWNER)
        .stdin(format!("{PEM}\n"))
        .run()
        .ok();
    env.add(OWNER, &["PLAIN", "--value", "Grüße, 世界 \"q\" \\ $HOME"]);
    env.add(
        OWNER,
        &[
            "DB",
            "--field",
            "host=db.internal",
            "--field",
            "pässwort=p=w",
        ],
    );
    env.add(
        OWNER,
        &["HIDDEN", "--value", "write-only-value", "--write-only"],
    );
    env.add(OWNER, &["OPS_ONLY", "--value", "ops", "--dept", "OPS"]);

    let file = env.home().join("out").join("secrets.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let path = file.to_str().unwrap();
    let out = env
        .cmd(&["export", path, "--password-stdin"])
        .signed_in_as("ana")
        .stdin(format!("{}\n", password_of("ana")))
        .run();
    out.ok();
    assert!(
        out.stderr.contains("exported 3 secret(s)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("1 write-only secret(s) left out"),
        "{}",
        out.stderr
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    let bytes = std::fs::read(&file).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let obj = json.as_object().unwrap();
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    assert_eq!(keys, ["DB", "PLAIN", "TLS_KEY"], "readable only");
    assert_eq!(obj["TLS_KEY"].as_str().unwrap().as_bytes(), PEM.as_bytes());
    assert_eq!(obj["PLAIN"], "Grüße, 世界 \"q\" \\ $HOME");
    assert_eq!(obj["DB"]["pässwort"], "p=w");
    assert!(!String::from_utf8_lossy(&bytes).contains("write-only-value"));
    // The same values `get` returns.
    assert_eq!(env.get("ana", "TLS_KEY", &[]).as_deref(), Some(PEM));

    // Never replaced by accident; --force replaces it, still 0600.
    env.cmd(&["export", path, "--password-stdin"])
        .signed_in_as("ana")
        .stdin(format!("{}\n", password_of("ana")))
        .run()
        .fails(3);
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd(&[
        "export",
        path,
        "--password-stdin",
        "--force",
        "--format",
        "env",
    ])
    .signed_in_as("ana")
    .stdin(format!("{}\n", password_of("ana")))
    .run()
    .ok();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("DB_HOST=\"db.internal\""), "{text}");
    assert!(text.contains("1 write-only secret(s) left out"), "{text}");
    // No temporary file left beside it.
    assert_eq!(
        std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
        1
    );

    // Audited, and the owner sees it.
    let log = env.run(OWNER, &["audit", "--json", "--action", "export"]);
    let entries = log.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", log.stdout);
    assert!(entries.iter().all(|e| e["user"] == "ana"));
}

#[test]
fn a_wrong_password_writes_nothing_and_is_audited() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    let file = env.home().join("x.json");
    let err = env
        .cmd(&["export", file.to_str().unwrap(), "--password-stdin"])
        .signed_in_as(OWNER)
        .stdin("not-the-password\n")
        .run();
    let message = err.fails(4).to_string();
    assert!(!message.contains("not-the-password"));
    assert!(!file.exists());
    let log = env.run(OWNER, &["audit", "--json", "--action", "export"]);
    assert_eq!(log.json()[0]["outcome"], "auth_failed", "{}", log.stdout);
    // No password at all (no terminal, nothing on stdin): refused.
    env.cmd(&["export", file.to_str().unwrap()])
        .env("COFFER_USER", OWNER)
        .env("COFFER_PASSWORD", "")
        .run()
        .fails(4);
    assert!(!file.exists());
}

#[test]
fn export_to_stdout() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v1"]);
    let out = env.run(OWNER, &["export", "-"]);
    let json: serde_json::Value = serde_json::from_str(out.ok()).expect("json");
    assert_eq!(json["K"], "v1");
}

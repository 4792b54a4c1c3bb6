#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! Export against SPEC §2 and issue 9: only what the caller can read (the
//! value `get` returns for each key), write-only secrets left out and
//! counted, the password checked again even for a device-key session,
//! wrong passwords refused and audited.

mod common;

use coffer_core::{
    AuditAction, AuditQuery, ErrorCode, ExportFormat, ExposeSecret, FieldInput, MemoryStore,
    Reveal, Role, SecretString, time::now_ms,
};
use common::*;

fn json_of(text: &SecretString) -> serde_json::Value {
    serde_json::from_str(text.expose_secret()).expect("valid json")
}

/// OPS and FIN; `ana` a member of OPS, `adm` an admin of FIN only.
fn team() -> World {
    let mut w = World::new();
    w.dept("OPS");
    w.dept("FIN");
    w.user("ana", Role::Member, &["OPS"]);
    w.user("adm", Role::Admin, &["FIN"]);
    w
}

#[test]
fn exports_what_get_returns_and_leaves_out_the_rest() {
    let mut w = team();
    let v = &mut w.vault;
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n+/é鍵\n-----END PRIVATE KEY-----\n";
    // As the owner: shared OPS and all-department secrets, a FIN one.
    v.create_secret(secret("SHARED", "for-everyone", scope(None, false)))
        .unwrap();
    v.create_secret(secret("OPS_KEY", pem, scope(Some(&["OPS"]), false)))
        .unwrap();
    v.create_secret(secret("FIN_ONLY", "fin", scope(Some(&["FIN"]), false)))
        .unwrap();
    let mut inactive = secret("OFF", "off", scope(Some(&["OPS"]), false));
    inactive.active = false;
    v.create_secret(inactive).unwrap();
    let mut expired = secret("OLD", "old", scope(Some(&["OPS"]), false));
    expired.expires_at = Some(now_ms() - 1000);
    v.create_secret(expired).unwrap();
    let mut wo = secret("WO", "write-only", scope(Some(&["OPS"]), false));
    wo.reveal = Reveal::Never;
    v.create_secret(wo).unwrap();
    let mut multi = secret("DB", "", scope(Some(&["OPS"]), false));
    multi.fields = vec![
        FieldInput::set("host", "db.local"),
        FieldInput::set("password", "pä\"ss"),
    ];
    v.create_secret(multi).unwrap();

    w.login_as("ana");
    // Ana's own private SHARED wins over the all-department one.
    w.vault
        .create_secret(secret("SHARED", "ana-private", scope(Some(&["OPS"]), true)))
        .unwrap();
    let pw = SecretString::from(password_of("ana"));
    let (text, report) = w.vault.export(&pw, ExportFormat::Json).expect("export");
    let json = json_of(&text);
    let obj = json.as_object().expect("object");
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    assert_eq!(keys, ["DB", "OPS_KEY", "SHARED"]);
    assert_eq!(obj["SHARED"], "ana-private", "the value get returns");
    assert_eq!(obj["OPS_KEY"], pem, "byte for byte");
    assert_eq!(obj["DB"]["host"], "db.local");
    assert_eq!(obj["DB"]["password"], "pä\"ss");
    assert_eq!(report.written, 3);
    assert_eq!(report.write_only, 1);
    assert_eq!(report.shadowed, 1);
    assert!(!text.expose_secret().contains("write-only"));

    // The env form says what it left out.
    let (env, _) = w.vault.export(&pw, ExportFormat::Env).expect("env");
    let env = env.expose_secret();
    assert!(
        env.starts_with('#') && env.contains("1 write-only"),
        "{env}"
    );
    assert!(env.contains("DB_HOST=\"db.local\""));
    assert!(env.contains("SHARED=\"ana-private\""));

    // An admin of FIN reads FIN and all-department secrets, not OPS ones
    // (admins see metadata outside their scope but cannot read it), and
    // never Ana's private one.
    w.login_as("adm");
    let (text, _) = w
        .vault
        .export(&SecretString::from(password_of("adm")), ExportFormat::Json)
        .expect("export");
    let json = json_of(&text);
    let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["FIN_ONLY", "SHARED"]);
    assert_eq!(json["SHARED"], "for-everyone");

    // Exports are audited (the owner reads everyone's entries).
    w.login_as("owner");
    let log = w
        .vault
        .audit_log(&AuditQuery {
            action: Some(AuditAction::Export),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| e.outcome.is_none()));
}

#[test]
fn the_password_is_checked_again_even_after_a_device_unlock() {
    let mut w = team();
    w.vault
        .create_secret(secret("K", "v", scope(None, false)))
        .unwrap();
    w.login_as("ana");
    let store = MemoryStore::default();
    w.vault.remember_device(&store, "test").unwrap();
    let mut v = w.open();
    v.unlock_with_device(&store, "ana")
        .expect("device unlock")
        .expect("remembered");
    // The device key opened the session; it does not export.
    let wrong = v
        .export(&SecretString::from("not-her-password"), ExportFormat::Json)
        .expect_err("wrong password");
    assert_eq!(wrong.code(), ErrorCode::AuthFailed);
    assert!(!wrong.to_string().contains("not-her-password"));
    let empty = v
        .export(&SecretString::from(""), ExportFormat::Json)
        .expect_err("no password");
    assert_eq!(empty.code(), ErrorCode::AuthFailed);
    let (text, report) = v
        .export(&SecretString::from(password_of("ana")), ExportFormat::Json)
        .expect("right password");
    assert_eq!(json_of(&text)["K"], "v");
    assert_eq!(report.written, 1);
    // The refusals are in the log, with their outcome.
    let log = v
        .audit_log(&AuditQuery {
            action: Some(AuditAction::Export),
            ..Default::default()
        })
        .unwrap();
    let refused: Vec<_> = log.iter().filter_map(|e| e.outcome).collect();
    assert_eq!(refused, [ErrorCode::AuthFailed, ErrorCode::AuthFailed]);
    assert_eq!(log.len(), 3);
}

#[test]
fn wrong_passwords_are_throttled_like_sign_in() {
    let mut w = team();
    w.login_as("ana");
    let bad = SecretString::from("wrong-wrong-wrong");
    for _ in 0..4 {
        let e = w.vault.export(&bad, ExportFormat::Json).expect_err("wrong");
        assert_eq!(e.code(), ErrorCode::AuthFailed);
    }
    // The fifth attempt comes too soon, even with the right password.
    let e = w
        .vault
        .export(&SecretString::from(password_of("ana")), ExportFormat::Json)
        .expect_err("must wait");
    assert_eq!(e.code(), ErrorCode::Locked);
    assert!(e.retry_after_secs().is_some_and(|s| s > 0));
}

#[test]
fn a_locked_vault_exports_nothing() {
    let mut w = team();
    w.vault.lock();
    let e = w
        .vault
        .export(&SecretString::from(PW), ExportFormat::Json)
        .expect_err("locked");
    assert_eq!(e.code(), ErrorCode::AuthFailed);
}

//! Golden vaults: vaults made by format versions 1 and 2, committed with
//! their passwords (tests/golden/v*/README.md), must keep opening and
//! reading in every later version; committed broken files must keep
//! failing cleanly. A vault of format 1 is upgraded at its owner's first
//! sign-in, and each other user makes their own keys at their next one.
//!
//! Never regenerate a released version's files. A new format gets a new
//! folder, made by `cargo test -p coffer-tests --test golden -- --ignored
//! make_golden_vN` (today: v2).
//!
//! The golden vaults are committed files: on a PostgreSQL run only the
//! copy of the newest one onto the server is tested here.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use coffer_core::{
    DeptScope, ErrorCode, ExposeSecret, FieldInput, InitOptions, KdfChoice, ListQuery,
    MembershipUpdate, NewSecret, NewUsage, NewUser, Reveal, Role, SecretString, SecretUpdate,
    SecretValue, UserScope, Vault, VaultOptions,
};

fn golden_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(version)
}

/// A private copy of a committed file, so tests never modify it.
fn copy_of(version: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::copy(golden_dir(version).join(name), &path).expect("copy golden file");
    (dir, path)
}

/// The device that opens a copy: its memory lives beside the copy (each
/// copy of the golden vault upgrades to a different root of trust, and a
/// device that saw one must refuse the others).
fn device(dir: &tempfile::TempDir) -> VaultOptions {
    VaultOptions {
        state_dir: Some(dir.path().join("device-state")),
    }
}

fn open(dir: &tempfile::TempDir, path: &Path) -> coffer_core::Result<Vault> {
    Vault::open_with(path, &device(dir))
}

fn sign_in(v: &mut Vault, user: &str, pw: &str) {
    v.unlock_with_password(user, &SecretString::from(pw))
        .expect("golden passwords still work");
}

fn get(v: &mut Vault, key: &str) -> Option<String> {
    match v.get_secret(key, None).expect("get") {
        None => None,
        Some(SecretValue::Single(f)) => Some(f.value.expose_secret().to_string()),
        Some(SecretValue::Fields(f)) => Some(
            f.iter()
                .map(|f| format!("{}={}", f.name, f.value.expose_secret()))
                .collect::<Vec<_>>()
                .join(";"),
        ),
    }
}

#[test]
fn golden_v1_opens_upgrades_and_reads() {
    if common::on_postgres() {
        eprintln!("skipped: golden vaults are committed files (see golden_v2_copied_and_read)");
        return;
    }
    let (dir, path) = copy_of("v1", "vault.db");
    let mut v = open(&dir, &path).expect("a v1 vault opens");
    assert_eq!(v.kdf_profile(), coffer_core::KdfProfile::InsecureTest);
    assert_eq!(
        v.fingerprint().expect("fp"),
        None,
        "not signed before the upgrade"
    );
    // Nobody but the owner can sign in before the upgrade.
    let early = v.unlock_with_password("mila", &SecretString::from("mila-golden-pw"));
    assert_eq!(
        early.map(|_| ()).expect_err("owner first").code(),
        ErrorCode::AuthFailed
    );
    sign_in(&mut v, "olga", "olga-golden-pw");
    let fingerprint = v
        .fingerprint()
        .expect("fp")
        .expect("signed by the owner's upgrade");
    let users = v.users().expect("users");
    let mila = users.iter().find(|u| u.username == "mila").expect("mila");
    assert!(
        mila.must_change_password,
        "mila has not made her own keys yet"
    );
    reads_golden(&mut v);
    let users = v.users().expect("users");
    assert!(
        users.iter().all(|u| !u.must_change_password),
        "everyone made their keys at sign-in"
    );
    assert_eq!(
        v.fingerprint().expect("fp").as_deref(),
        Some(fingerprint.as_str())
    );
}

#[test]
fn golden_v2_opens_and_reads() {
    if common::on_postgres() {
        eprintln!("skipped: golden vaults are committed files (see golden_v2_copied_and_read)");
        return;
    }
    let (dir, path) = copy_of("v2", "vault.db");
    let mut v = open(&dir, &path).expect("a v2 vault opens");
    assert_eq!(v.kdf_profile(), coffer_core::KdfProfile::InsecureTest);
    assert!(v.fingerprint().expect("fp").is_some());
    reads_golden(&mut v);
}

/// What both golden vaults hold (tests/golden/v*/README.md).
/// `coffer vault copy` of the golden v2 vault: to the server on a
/// PostgreSQL run (a team moving its file to a server), else to another
/// file. The copy reads exactly as the original does.
#[test]
fn golden_v2_copied_and_read() {
    let (dir, path) = copy_of("v2", "vault.db");
    let to = tempfile::tempdir().expect("tempdir");
    let (location, _db) = common::location(to.path());
    Vault::copy(&path, &location, &device(&dir)).expect("the golden vault copies");
    let mut v = open(&to, &location).expect("the copy opens");
    assert_eq!(v.kdf_profile(), coffer_core::KdfProfile::InsecureTest);
    assert_eq!(
        v.fingerprint().expect("fp"),
        open(&dir, &path)
            .expect("the original")
            .fingerprint()
            .expect("fp"),
        "the same vault"
    );
    reads_golden(&mut v);
}

fn reads_golden(v: &mut Vault) {
    sign_in(v, "olga", "olga-golden-pw");
    assert_eq!(get(v, "API_TOKEN").as_deref(), Some("token-default"));
    assert_eq!(get(v, "DB").as_deref(), None, "olga is not in FIN");
    let listed = v
        .list_secrets(&ListQuery {
            include_inactive: true,
            ..Default::default()
        })
        .expect("list");
    let mut keys: Vec<&str> = listed.iter().map(|s| s.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["API_TOKEN", "DB", "OLD_KEY", "PAUSED", "WRITE_ONLY"],
        "no private secret, no damage"
    );
    assert!(listed.iter().all(|s| !s.damaged));
    let db = listed.iter().find(|s| s.key == "DB").expect("DB");
    assert_eq!(db.tags, ["postgres", "prod"]);
    assert_eq!(db.description, "Finance reporting database");
    assert_eq!(db.version, 2);
    assert_eq!(v.usages(db.id).expect("usages")[0].name, "nightly-report");

    sign_in(v, "mila", "mila-golden-pw");
    assert_eq!(
        get(v, "DB").as_deref(),
        Some("host=db.fin.internal;port=5432;password=fin-pw-2")
    );
    assert_eq!(
        get(v, "API_TOKEN").as_deref(),
        Some("mila-private-token"),
        "her private one wins"
    );
    assert_eq!(get(v, "WRITE_ONLY").as_deref(), Some("never-shown"));
    assert_eq!(get(v, "OLD_KEY"), None, "expired");
    assert_eq!(get(v, "PAUSED"), None, "inactive");
    let db_id = v
        .list_secrets(&ListQuery::default())
        .expect("list")
        .into_iter()
        .find(|s| s.key == "DB")
        .expect("DB")
        .id;
    let history = v.history(db_id).expect("history");
    assert_eq!(history.len(), 2);
    let first = v.reveal_version(db_id, 1).expect("v1 values");
    assert_eq!(
        first
            .iter()
            .find(|f| f.name == "password")
            .expect("pw")
            .value
            .expose_secret(),
        "fin-pw-1"
    );

    sign_in(v, "adam", "adam-golden-pw");
    let explained = v.explain("API_TOKEN", None, Some("mila")).expect("explain");
    assert!(explained.private_secrets_hidden);
    assert_eq!(explained.candidates.len(), 1);

    // An old vault keeps accepting writes.
    let id = v
        .create_secret(new_secret("NEW_AFTER_UPGRADE", "x", None, false))
        .expect("write");
    assert!(v.secret(id).is_ok());
}

#[test]
fn golden_failures_stay_clean() {
    if common::on_postgres() {
        eprintln!("skipped: golden vaults are committed files (see golden_v2_copied_and_read)");
        return;
    }
    for version in ["v1", "v2"] {
        failures_stay_clean(version);
    }
}

fn failures_stay_clean(version: &str) {
    let (d1, truncated) = copy_of(version, "fail_truncated.db");
    let err = open(&d1, &truncated).and_then(|mut v| {
        v.unlock_with_password("olga", &SecretString::from("olga-golden-pw"))?;
        v.list_secrets(&ListQuery::default())
    });
    assert_eq!(
        err.map(|_| ()).expect_err("truncated").code(),
        ErrorCode::VaultDamaged
    );

    let (d2, garbage) = copy_of(version, "fail_not_a_vault.db");
    assert_eq!(
        open(&d2, &garbage).map(|_| ()).expect_err("garbage").code(),
        ErrorCode::VaultDamaged
    );

    let (d3, tampered) = copy_of(version, "fail_tampered_value.db");
    let mut v = open(&d3, &tampered).expect("opens");
    sign_in(&mut v, "olga", "olga-golden-pw");
    assert_eq!(
        v.get_secret("API_TOKEN", None)
            .map(|_| ())
            .expect_err("tampered")
            .code(),
        ErrorCode::Integrity
    );
    sign_in(&mut v, "mila", "mila-golden-pw");
    assert!(get(&mut v, "DB").is_some(), "other secrets still read");

    let (d4, golden) = copy_of(version, "vault.db");
    let mut v = open(&d4, &golden).expect("opens");
    let wrong = v.unlock_with_password("olga", &SecretString::from("not-her-password"));
    assert_eq!(
        wrong.map(|_| ()).expect_err("wrong password").code(),
        ErrorCode::AuthFailed
    );
}

fn new_secret(key: &str, value: &str, dept: Option<&str>, private: bool) -> NewSecret {
    NewSecret {
        key: key.into(),
        fields: vec![FieldInput::set("value", value)],
        departments: Some(match dept {
            None => DeptScope::All,
            Some(d) => DeptScope::Departments {
                codes: vec![d.into()],
            },
        }),
        users: if private {
            UserScope::Creator
        } else {
            UserScope::All
        },
        description: String::new(),
        tags: vec![],
        expires_at: None,
        active: true,
        reveal: Reveal::Allowed,
    }
}

fn add_user(v: &mut Vault, name: &str, role: Role, dept: &str) {
    let initial = format!("{name}-initial-pw");
    v.add_user(NewUser {
        username: name.into(),
        display_name: String::new(),
        role,
        departments: vec![dept.into()],
        primary_department: None,
        initial_password: SecretString::from(initial),
    })
    .expect("user");
}

fn set_password(v: &mut Vault, name: &str) {
    sign_in(v, name, &format!("{name}-initial-pw"));
    v.change_password(
        &SecretString::from(format!("{name}-initial-pw")),
        &SecretString::from(format!("{name}-golden-pw")),
    )
    .expect("passwd");
}

/// Writes the golden files of the current format (v2). Ignored: run by
/// hand, then commit the result. Never for a released version.
#[test]
#[ignore]
fn make_golden_v2() {
    let dir = golden_dir("v2");
    std::fs::create_dir_all(&dir).expect("folder");
    let path = dir.join("vault.db");
    for f in ["vault.db", "vault.db-wal", "vault.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let scratch = tempfile::tempdir().expect("scratch");
    let mut v = Vault::create_with(
        &path,
        InitOptions {
            owner: "olga".into(),
            display_name: "Olga Owner".into(),
            password: SecretString::from("olga-golden-pw"),
            kdf: KdfChoice::InsecureTest,
        },
        &device(&scratch),
    )
    .expect("create");
    v.add_department("FIN", "Finance").expect("dept");
    add_user(&mut v, "adam", Role::Admin, "DEFAULT");
    add_user(&mut v, "mila", Role::Member, "FIN");
    v.set_memberships(
        "mila",
        MembershipUpdate {
            departments: vec!["FIN".into(), "DEFAULT".into()],
            primary_department: Some("FIN".into()),
        },
    )
    .expect("memberships");
    v.create_secret(new_secret(
        "API_TOKEN",
        "token-default",
        Some("DEFAULT"),
        false,
    ))
    .expect("api");
    let mut db = new_secret("DB", "", Some("FIN"), false);
    db.fields = vec![
        FieldInput::set("host", "db.fin.internal"),
        FieldInput::set("port", "5432"),
        FieldInput::set("password", "fin-pw-1"),
    ];
    db.tags = vec!["postgres".into(), "prod".into()];
    db.description = "Finance reporting database".into();
    let db = v.create_secret(db).expect("db");
    v.update_secret(
        db,
        SecretUpdate {
            fields: Some(coffer_core::FieldsUpdate::Replace {
                fields: vec![
                    FieldInput {
                        name: "host".into(),
                        value: coffer_core::FieldValue::Keep {
                            from: "host".into(),
                        },
                        plain: None,
                    },
                    FieldInput {
                        name: "port".into(),
                        value: coffer_core::FieldValue::Keep {
                            from: "port".into(),
                        },
                        plain: None,
                    },
                    FieldInput::set("password", "fin-pw-2"),
                ],
            }),
            ..Default::default()
        },
    )
    .expect("rotate");
    v.add_usage(
        db,
        NewUsage {
            name: "nightly-report".into(),
            kind: "pipeline".into(),
            field: Some("password".into()),
        },
    )
    .expect("usage");
    let mut wo = new_secret("WRITE_ONLY", "never-shown", None, false);
    wo.reveal = Reveal::Never;
    v.create_secret(wo).expect("write-only");
    let mut old = new_secret("OLD_KEY", "expired-value", None, false);
    old.expires_at = Some(1_600_000_000_000);
    v.create_secret(old).expect("expired");
    let paused = v
        .create_secret(new_secret("PAUSED", "paused-value", None, false))
        .expect("paused");
    v.set_active(paused, false).expect("deactivate");
    set_password(&mut v, "adam");
    set_password(&mut v, "mila");
    v.create_secret(new_secret(
        "API_TOKEN",
        "mila-private-token",
        Some("DEFAULT"),
        true,
    ))
    .expect("private");
    // The owner's next sign-in shares the department keys with adam and
    // mila, who made their own keys when they set their passwords.
    sign_in(&mut v, "olga", "olga-golden-pw");
    drop(v);
    // Fold the WAL into the main file so one self-contained file is committed.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .expect("checkpoint");
    conn.pragma_update(None, "journal_mode", "wal")
        .expect("wal");
    drop(conn);
    for f in ["vault.db-wal", "vault.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }

    let full = std::fs::read(&path).expect("read");
    std::fs::write(dir.join("fail_truncated.db"), &full[..full.len() / 2]).expect("truncated");
    let mut noise = Vec::with_capacity(16384);
    let mut x: u32 = 0x1234_5678;
    for _ in 0..16384 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push((x & 0xff) as u8);
    }
    std::fs::write(dir.join("fail_not_a_vault.db"), noise).expect("garbage");

    // One flipped bit in the shared API_TOKEN's value ciphertext.
    let tampered = dir.join("fail_tampered_value.db");
    std::fs::copy(&path, &tampered).expect("copy");
    let mut v = open(&scratch, &tampered).expect("open");
    sign_in(&mut v, "olga", "olga-golden-pw");
    let id = v
        .list_secrets(&ListQuery::default())
        .expect("list")
        .into_iter()
        .find(|s| s.key == "API_TOKEN")
        .expect("id")
        .id;
    drop(v);
    let conn = rusqlite::Connection::open(&tampered).expect("open");
    let mut blob: Vec<u8> = conn
        .query_row("SELECT fields FROM secrets WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("blob");
    let i = blob.len() - 20;
    blob[i] ^= 0x01;
    conn.execute(
        "UPDATE secrets SET fields = ?2 WHERE id = ?1",
        rusqlite::params![id, blob],
    )
    .expect("tamper");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .expect("checkpoint");
    drop(conn);
    for f in ["fail_tampered_value.db-wal", "fail_tampered_value.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
}

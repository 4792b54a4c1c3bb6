#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! A vault on a PostgreSQL server (issue 10), as the server sees it: run
//! with COFFER_TEST_BACKEND=postgres (`scripts/pg.sh`); on a file run these
//! tests return at once (tests/storage.rs covers the file).

mod common;

use common::*;

/// `pg_dump` of the vault's database, as its superuser takes it.
fn dump(db: &Db) -> String {
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "-d", &db.name])
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the dump is text")
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_dump_of_the_server_holds_no_key_name_field_value_tag_or_description() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let canaries = plant_canaries(&mut w);
    let db = w.db.as_ref().expect("a database");
    let text = dump(db);
    assert!(
        text.contains("COPY coffer.secrets") && text.contains("COPY coffer.audit_log"),
        "the dump holds the vault's tables"
    );
    assert!(text.len() > 8192, "the dump holds rows");
    // bytea columns are dumped as hex: a marker stored in one would show
    // as its hex, so both spellings are looked for.
    for canary in canaries {
        for form in [canary.to_string(), hex(canary), canary.to_lowercase()] {
            assert!(!text.contains(&form), "{canary} found in pg_dump ({form})");
        }
    }
    // What the server does hold in plaintext is the directory's names.
    assert!(text.contains("mia") && text.contains("FIN"));
}

#[test]
fn a_teammates_change_moves_the_change_counter_that_open_apps_watch() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let mut other = w.open();
    other
        .unlock_with_password("owner", &coffer_core::SecretString::from(PW))
        .expect("sign in");
    let db = w.db.as_ref().expect("a database");
    let before: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    other
        .create_secret(secret("FROM_OTHER", "v", scope(None, false)))
        .expect("create");
    let after: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    assert!(after > before, "a committed change moves the counter");
    // A read, even an audited one, does not.
    assert_eq!(
        get(&mut w.vault, "FROM_OTHER", None).as_deref(),
        Some("v"),
        "the first handle sees the change at once"
    );
    let still: i64 = db
        .sql("SELECT n FROM coffer.vault_changes")
        .trim()
        .parse()
        .expect("n");
    assert_eq!(still, after, "a get (audited) is not a change to the table");
}

#[test]
fn an_open_watch_hears_a_teammates_change_within_a_second() {
    use std::time::{Duration, Instant};
    let w = World::new();
    let watch = w.vault.watch().expect("watch");
    if !on_postgres() {
        assert!(watch.is_none(), "a file has no server to listen to");
        assert!(!w.vault.is_on_server());
        return;
    }
    assert!(w.vault.is_on_server());
    let mut watch = watch.expect("a server vault can be watched");
    assert!(
        !watch.wait(Duration::from_millis(200)).expect("wait"),
        "nothing changed yet"
    );
    let mut other = w.open();
    other
        .unlock_with_password("owner", &coffer_core::SecretString::from(PW))
        .expect("sign in");
    // An audited read is no change to announce.
    assert_eq!(get(&mut other, "MISSING", None), None);
    assert!(!watch.wait(Duration::from_millis(200)).expect("wait"));
    let start = Instant::now();
    other
        .create_secret(secret("LIVE", "v", scope(None, false)))
        .expect("create");
    assert!(
        watch.wait(Duration::from_secs(1)).expect("wait"),
        "the change was announced"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    // Announcements already taken are not heard twice.
    assert!(!watch.wait(Duration::from_millis(200)).expect("wait"));
}

/// `sql` on `db` as the database role `role`: whether the server took it.
fn psql_as(role: &str, db: &Db, sql: &str) -> Result<String, String> {
    let out = std::process::Command::new("psql")
        .args(["-qAtX", "-v", "ON_ERROR_STOP=1", "-d", &db.name, "-c", sql])
        .env("PGUSER", role)
        .output()
        .expect("psql");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn with_a_database_role_each_a_members_connection_cannot_change_what_only_admins_may() {
    use coffer_core::{NewUser, SecretString, SecretUpdate, Vault};
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    w.dept("FIN");
    let db = w.db.take().expect("a database");
    db.sql(include_str!("../../../docs/postgres-roles.sql"));
    let password = std::env::var("PGPASSWORD").unwrap_or_default();
    let (mia_role, ada_role) = (format!("{}_mia", db.name), format!("{}_ada", db.name));
    for (role, group) in [(&mia_role, "coffer_members"), (&ada_role, "coffer_admins")] {
        db.sql(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {group}"
        ));
    }
    let superuser = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
    let url_of = |role: &str| {
        std::path::PathBuf::from(db.url.replacen(
            &format!("//{superuser}@"),
            &format!("//{role}@"),
            1,
        ))
    };
    for (name, role) in [
        ("mia", coffer_core::Role::Member),
        ("ada", coffer_core::Role::Admin),
    ] {
        w.vault
            .add_user(NewUser {
                username: name.into(),
                display_name: String::new(),
                role,
                departments: vec!["FIN".into()],
                primary_department: None,
                initial_password: SecretString::from(format!("{name}-initial-pw")),
            })
            .expect("add user");
    }

    // Everything a member does works through her own role: first sign-in
    // (making her keys), adding, changing and reading secrets.
    let mut mia = Vault::open_with(&url_of(&mia_role), &device(&w.dir)).expect("open as mia");
    mia.unlock_with_password("mia", &SecretString::from("mia-initial-pw"))
        .expect("first sign-in");
    mia.change_password(
        &SecretString::from("mia-initial-pw"),
        &SecretString::from(password_of("mia")),
    )
    .expect("mia makes her keys");
    let mut ada = Vault::open_with(&url_of(&ada_role), &device(&w.dir)).expect("open as ada");
    ada.unlock_with_password("ada", &SecretString::from("ada-initial-pw"))
        .expect("sign-in");
    ada.change_password(
        &SecretString::from("ada-initial-pw"),
        &SecretString::from(password_of("ada")),
    )
    .expect("ada makes her keys");
    // The owner's next change shares the keys with them.
    w.login_as("owner");
    w.dept("TMP");
    mia.unlock_with_password("mia", &SecretString::from(password_of("mia")))
        .expect("mia signs in");
    ada.unlock_with_password("ada", &SecretString::from(password_of("ada")))
        .expect("ada signs in");
    let id = mia
        .create_secret(secret("MIA_KEY", "v1", scope(None, false)))
        .expect("a member adds");
    mia.update_secret(
        id,
        SecretUpdate {
            description: Some("changed".into()),
            ..Default::default()
        },
    )
    .expect("a member edits her secret");
    mia.create_secret(secret("MIA_PRIV", "p", scope(None, true)))
        .expect("a private secret");
    assert_eq!(get(&mut mia, "MIA_KEY", None).as_deref(), Some("v1"));
    // ...and an admin's through hers: a department and a user.
    ada.add_department("OPS", "Operations")
        .expect("an admin adds a department");
    assert_eq!(get(&mut ada, "MIA_KEY", None).as_deref(), Some("v1"));

    // What the server now refuses to a member's connection.
    for attack in [
        "UPDATE coffer.users SET role = 'admin' WHERE username = 'mia'",
        "INSERT INTO coffer.memberships (user_id, dept_id) SELECT u.id, d.id FROM coffer.users u, coffer.departments d WHERE u.username = 'mia' AND d.code = 'OPS'",
        "UPDATE coffer.departments SET name = 'x'",
        "DELETE FROM coffer.directory_log WHERE epoch = (SELECT max(epoch) FROM coffer.directory_log)",
        "UPDATE coffer.audit_log SET entry = '\\x00'",
        "DELETE FROM coffer.audit_log",
        "UPDATE coffer.vault_meta SET kdf_m = 8",
        "DROP TABLE coffer.secrets",
    ] {
        let refused = psql_as(&mia_role, &db, attack).expect_err(attack);
        assert!(
            refused.contains("permission denied") || refused.contains("must be owner"),
            "{attack}: {refused}"
        );
    }
    // And to an admin's: the logs and the configuration.
    for attack in [
        "DELETE FROM coffer.audit_log",
        "UPDATE coffer.directory_log SET entry = '\\x00'",
        "UPDATE coffer.vault_meta SET kdf_m = 8",
    ] {
        let refused = psql_as(&ada_role, &db, attack).expect_err(attack);
        assert!(refused.contains("permission denied"), "{attack}: {refused}");
    }
    // Reading is allowed (the crypto is what keeps secrets: nothing there
    // is plaintext).
    assert!(psql_as(&mia_role, &db, "SELECT count(*) FROM coffer.secrets").is_ok());
    drop((mia, ada));
    w.db = Some(db);
}

/// Another client holding the vault's write lock ("Cofr") for 1.5 s.
fn hold_write_lock(db: &Db) -> std::process::Child {
    std::process::Command::new("psql")
        .args(["-qAtX", "-d", &db.name, "-c"])
        .arg("SELECT pg_advisory_lock(1131374194), pg_sleep(1.5)")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql")
}

#[test]
fn writers_from_two_desktops_take_turns() {
    use std::time::{Duration, Instant};
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let db = w.db.as_ref().expect("a database");
    // Another client holds the vault's write lock ("Cofr") for 1.5 s.
    let mut holder = hold_write_lock(db);
    std::thread::sleep(Duration::from_millis(400));
    let start = Instant::now();
    w.vault
        .create_secret(secret("WAITED", "v", scope(None, false)))
        .expect("the write goes through once the lock is free");
    let waited = start.elapsed();
    assert!(holder.wait().expect("psql").success());
    assert!(
        waited >= Duration::from_millis(800),
        "the write waited for the other writer ({waited:?})"
    );
    assert_eq!(get(&mut w.vault, "WAITED", None).as_deref(), Some("v"));
    // A read does not wait for a writer.
    let mut holder = hold_write_lock(db);
    std::thread::sleep(Duration::from_millis(400));
    let start = Instant::now();
    w.vault
        .list_secrets(&coffer_core::ListQuery::default())
        .expect("list");
    assert!(
        start.elapsed() < Duration::from_millis(800),
        "a read ran at once"
    );
    assert!(holder.wait().expect("psql").success());
}

/// Makes the server refuse the next `times` statements of `event` on
/// `secrets` with SQLSTATE `code`, as it does when a transaction loses a
/// serialisation check or a deadlock to another session: a trigger raises
/// it, counting in a sequence (which a rollback does not undo) so the test
/// knows how many attempts were made.
fn refuse_next(db: &Db, event: &str, code: &str, times: i64) {
    db.sql(&format!(
        "CREATE SEQUENCE coffer.attempts; \
         CREATE FUNCTION coffer.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF nextval('coffer.attempts') <= {times} THEN \
             RAISE EXCEPTION 'refused for the test' USING ERRCODE = '{code}'; \
           END IF; RETURN NEW; END $$; \
         CREATE TRIGGER refuse BEFORE {event} ON coffer.secrets \
           FOR EACH ROW EXECUTE FUNCTION coffer.refuse();"
    ));
}

fn attempts(db: &Db) -> i64 {
    db.sql("SELECT last_value FROM coffer.attempts")
        .trim()
        .parse()
        .expect("a count")
}

fn keys(v: &mut coffer_core::Vault) -> Vec<String> {
    v.list_secrets(&coffer_core::ListQuery::default())
        .expect("list")
        .into_iter()
        .map(|s| s.key)
        .collect()
}

#[test]
fn a_save_the_server_rolls_back_on_a_serialisation_failure_or_deadlock_runs_again_and_lands_once() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let db = w.db.as_ref().expect("a database");
    // 40001: serialization_failure, twice.
    refuse_next(db, "INSERT", "40001", 2);
    let id = w
        .vault
        .create_secret(secret("RETRIED", "v1", scope(None, false)))
        .expect("the third attempt goes through");
    assert_eq!(
        attempts(db),
        3,
        "two refusals, then the attempt that landed"
    );
    assert_eq!(get(&mut w.vault, "RETRIED", None).as_deref(), Some("v1"));
    assert_eq!(
        keys(&mut w.vault),
        ["RETRIED"],
        "saved once, not three times"
    );
    assert_eq!(w.vault.history(id).expect("history").len(), 1);
    // 40P01: deadlock_detected, on an edit.
    db.sql("DROP TRIGGER refuse ON coffer.secrets; DROP FUNCTION coffer.refuse(); DROP SEQUENCE coffer.attempts");
    refuse_next(db, "UPDATE", "40P01", 1);
    let saved = w
        .vault
        .update_secret(
            id,
            coffer_core::SecretUpdate {
                fields: Some(coffer_core::FieldsUpdate::Replace {
                    fields: vec![coffer_core::FieldInput::set("value", "v2")],
                }),
                expected_version: Some(1),
                ..coffer_core::SecretUpdate::default()
            },
        )
        .expect("the second attempt goes through");
    assert_eq!(saved.version, 2, "one new version, not one per attempt");
    assert!(attempts(db) >= 2, "the edit was refused once");
    assert_eq!(get(&mut w.vault, "RETRIED", None).as_deref(), Some("v2"));
}

#[test]
fn a_save_the_server_keeps_rolling_back_is_a_conflict_that_says_try_again_and_saves_nothing() {
    if !on_postgres() {
        return;
    }
    let mut w = World::new();
    let db = w.db.as_ref().expect("a database");
    refuse_next(db, "INSERT", "40001", 1000);
    let err = w
        .vault
        .create_secret(secret("NEVER", "v", scope(None, false)))
        .expect_err("the server refuses every attempt");
    assert_eq!(err.code(), coffer_core::ErrorCode::Conflict);
    assert!(err.to_string().contains("try again"), "{err}");
    assert!(
        !err.to_string().contains("NEVER"),
        "no user input in errors"
    );
    assert_eq!(attempts(db), 4, "four attempts in all, then the error");
    assert!(keys(&mut w.vault).is_empty(), "nothing was saved");
    // Once the server lets it, the vault works as before.
    db.sql("DROP TRIGGER refuse ON coffer.secrets");
    w.vault
        .create_secret(secret("NEVER", "v", scope(None, false)))
        .expect("saves");
    assert_eq!(get(&mut w.vault, "NEVER", None).as_deref(), Some("v"));
}

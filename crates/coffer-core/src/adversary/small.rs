//! Attack 6, KDF downgrade; attack 8, one bad column; and the smaller ones
//! of point 9: the sign-in throttle, remembered devices, the file's mode,
//! and what error messages repeat.

use crate::api::{KdfProfile, ListQuery};
use crate::crypto::KdfParams;
use crate::device::MemoryStore;
use crate::error::ErrorCode;

use super::*;

#[test]
fn lowered_kdf_parameters_are_refused_or_ignored() {
    let lab = Lab::with_kdf(KdfChoice::Calibrate);
    let raw = lab.raw();
    // vault_meta is not what the vault's cost comes from any more.
    raw.execute(
        "UPDATE vault_meta SET kdf_m = 8, kdf_t = 1, kdf_p = 1, kdf_profile = 'insecure-test'",
        cells![],
    )
    .expect("lower");
    let mut mia = lab.as_user("mia-laptop", "mia");
    mia.change_password(
        &SecretString::from(password_of("mia")),
        &SecretString::from("mia-new-password-2"),
    )
    .expect("passwd");
    let row = raw.row(
        "SELECT kdf_m, kdf_t, kdf_p FROM users WHERE username = 'mia'",
        cells![],
    );
    let param = |i: usize| u32::try_from(row[i].int()).expect("a parameter");
    let (m, t, p) = (param(0), param(1), param(2));
    assert!(
        KdfParams { m_kib: m, t, p }.meets_floor(),
        "the new hash keeps the floor: m={m} t={t} p={p}"
    );
    assert_eq!(
        mia.kdf_profile(),
        KdfProfile::Standard,
        "and the vault still says standard, truthfully"
    );
    drop(mia);
    // A user's own stored parameters lowered: refused, not used.
    raw.execute(
        "UPDATE users SET kdf_m = 8, kdf_t = 1, kdf_p = 1 WHERE username = 'max'",
        cells![],
    )
    .expect("lower");
    let err = lab
        .open("max-laptop")
        .unlock_with_password("max", &SecretString::from(password_of("max")))
        .map(|_| ())
        .expect_err("below the floor");
    assert_eq!(err.code(), ErrorCode::Integrity);
}

#[test]
fn one_bad_column_breaks_only_its_row() {
    let lab = Lab::new();
    let id = lab.secret_id("FIN_DB");
    // A file takes a value of any type in any column; a server's typed
    // columns take only values of their type, so there they are nonsense.
    let tamper = if lab.db.is_some() {
        "UPDATE secrets SET header = 'nonsense', version = -7 WHERE id = ?1"
    } else {
        "UPDATE secrets SET active = 'yes', header = 'nonsense', version = x'00' WHERE id = ?1"
    };
    lab.raw().execute(tamper, cells![id]).expect("tamper");
    let mut mia = lab.as_user("mia-laptop", "mia");
    let listed = mia
        .list_secrets(&ListQuery::default())
        .expect("the table still lists");
    assert!(listed.iter().any(|s| s.id == id && s.damaged));
    assert!(listed.iter().any(|s| s.key == "EVERYONE" && !s.damaged));
    assert_eq!(get(&mut mia, "EVERYONE"), Ok(Some("everyone-value".into())));
    assert_eq!(code(mia.reveal(id)), ErrorCode::Integrity);
    // A user row with a column of the wrong type: that account alone.
    let tamper = if lab.db.is_some() {
        "UPDATE users SET kdf_m = -1 WHERE username = 'max'"
    } else {
        "UPDATE users SET kdf_m = 'lots' WHERE username = 'max'"
    };
    lab.raw().execute(tamper, cells![]).expect("tamper");
    assert!(
        lab.open("max-laptop")
            .unlock_with_password("max", &SecretString::from(password_of("max")))
            .is_err()
    );
    assert!(
        lab.as_user("mia-laptop", "mia")
            .list_secrets(&ListQuery::default())
            .is_ok()
    );
}

#[test]
fn resetting_the_vaults_failure_counter_gives_no_free_guesses() {
    let lab = Lab::new();
    let mut v = lab.open("attacker-box");
    for _ in 0..5 {
        let _ = v.unlock_with_password("mia", &SecretString::from("guess"));
        lab.raw()
            .execute(
                "UPDATE users SET failed_attempts = 0, last_failed_at = NULL",
                cells![],
            )
            .expect("reset");
    }
    let err = v
        .unlock_with_password("mia", &SecretString::from(password_of("mia")))
        .map(|_| ())
        .expect_err("this device still counts");
    assert_eq!(err.code(), ErrorCode::Locked);
}

#[test]
fn devices_are_listed_revoked_and_signed_out_by_a_password_change() {
    let lab = Lab::new();
    let (laptop, desktop, phone) = (
        MemoryStore::default(),
        MemoryStore::default(),
        MemoryStore::default(),
    );
    for (ring, label) in [
        (&laptop, "laptop"),
        (&desktop, "desktop"),
        (&phone, "phone"),
    ] {
        let mut v = lab.as_user(&format!("mia-{label}"), "mia");
        v.remember_device(ring, label).expect("remember");
    }
    // From the laptop: three devices, the desktop revoked.
    let mut v = lab.open("mia-laptop");
    v.unlock_with_device(&laptop, "mia")
        .expect("laptop")
        .expect("remembered");
    let devices = v.devices().expect("list");
    assert_eq!(devices.len(), 3);
    assert_eq!(devices.iter().filter(|d| d.current).count(), 1);
    let desktop_id = devices
        .iter()
        .find(|d| d.label == "desktop")
        .expect("desktop")
        .id;
    v.revoke_device(desktop_id).expect("revoke");
    let mut d = lab.open("mia-desktop");
    assert_eq!(
        code(d.unlock_with_device(&desktop, "mia")),
        ErrorCode::AuthFailed
    );
    // A password change that signs the others out: the phone is out, the
    // laptop (this session) stays.
    v.change_password_with(
        &SecretString::from(password_of("mia")),
        &SecretString::from("mia-new-password-2"),
        true,
        Some(&laptop),
    )
    .expect("passwd");
    let mut p = lab.open("mia-phone");
    assert_eq!(
        code(p.unlock_with_device(&phone, "mia")),
        ErrorCode::AuthFailed
    );
    let mut l = lab.open("mia-laptop");
    assert!(
        l.unlock_with_device(&laptop, "mia")
            .expect("laptop")
            .is_some()
    );
    // Someone else's device cannot be revoked.
    let mut max = lab.as_user("max-laptop", "max");
    let laptop_id = l.devices().expect("list")[0].id;
    assert_eq!(code(max.revoke_device(laptop_id)), ErrorCode::NotFound);
}

#[test]
fn the_vault_file_is_never_readable_by_others() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let lab = Lab::new();
        if lab.db.is_none() {
            let mode = std::fs::metadata(&lab.path)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        }
        let state = lab.dir.path().join("devices").join("olga-laptop");
        let mode = std::fs::metadata(&state)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "device state folder mode {mode:o}");
    }
}

#[test]
fn errors_do_not_repeat_names_or_codes() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let canary = "CanaryNameQ7";
    for err in [
        olga.set_role(canary, Role::Member)
            .map(|_| ())
            .expect_err("no user"),
        olga.rename_department(canary, "x")
            .map(|_| ())
            .expect_err("no dept"),
        olga.explain("K", Some(canary), Some(canary))
            .map(|_| ())
            .expect_err("no user"),
        olga.set_memberships(
            canary,
            MembershipUpdate {
                departments: vec![canary.into()],
                primary_department: None,
            },
        )
        .map(|_| ())
        .expect_err("no user"),
    ] {
        assert!(!err.to_string().contains(canary), "{err}");
    }
}

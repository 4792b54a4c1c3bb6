//! Attack 1, key planting: a key the attacker knows made current for a
//! scope, so that what members write next is wrapped under it. And
//! attack 4, narrowing a secret's scope while keeping its data key.

use crate::api::SecretUpdate;
use crate::crypto::SymKey;
use crate::error::ErrorCode;
use crate::keys::{self, Identity, Sender};
use crate::trust::log::Change;
use crate::trust::state::{KeyRef, Scope};

use super::*;

/// Grants `key` under id `key_id` to every FIN member, sealed by `sender`
/// (claiming to be user `claimed`).
fn plant_grants(lab: &Lab, key_id: i64, key: &SymKey, sender: &Identity, claimed: i64) {
    let dir = lab.directory();
    let fin = dept_id(&dir, "FIN");
    let raw = lab.raw();
    let kref = KeyRef {
        id: key_id,
        generation: dir.shared[&Scope::Dept(fin)].generation + 1,
        commitment: keys::commitment(&dir.config.vault_id, key_id, Scope::Dept(fin), 2, key),
    };
    for u in dir
        .users
        .values()
        .filter(|u| u.is_active() && dir.entitled(u, Scope::Dept(fin)))
    {
        keys::grant(
            &*raw,
            &dir,
            Sender {
                id: claimed,
                identity: sender,
            },
            Scope::Dept(fin),
            &kref,
            key,
            u,
        )
        .expect("plant a grant");
    }
}

#[test]
fn an_outsiders_planted_department_key_is_never_used() {
    let lab = Lab::new();
    let dir = lab.directory();
    let fin = dept_id(&dir, "FIN");
    let real = dir.shared[&Scope::Dept(fin)].id;
    let raw = lab.raw();
    // Retire the real key and plant one, granted to every FIN member's
    // public key (they are in the file), claiming the owner sealed them.
    raw.execute(
        "UPDATE scope_keys SET retired = ?2 WHERE id = ?1",
        cells![real, true],
    )
    .expect("retire");
    let planted = raw.int(
        "INSERT INTO scope_keys (kind, dept_id, retired, created_at) VALUES ('dept', ?1, ?2, 0) RETURNING id",
        cells![fin, false],
    );
    let attacker = Identity::generate();
    plant_grants(
        &lab,
        planted,
        &SymKey::generate(),
        &attacker,
        user_id(&dir, OWNER),
    );

    // Members keep writing and reading FIN under the key the directory names.
    let mut mia = lab.as_user("mia-laptop", "mia");
    let id = mia
        .create_secret(secret(
            "NEW_FIN",
            "written-after-planting",
            scope(Some(&["FIN"]), false),
        ))
        .expect("mia writes to FIN");
    mia.update_secret(
        lab.secret_id("FIN_DB"),
        SecretUpdate {
            description: Some("edited after planting".into()),
            ..Default::default()
        },
    )
    .expect_err("mia is not FIN_DB's creator");
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.update_secret(
        lab.secret_id("FIN_DB"),
        SecretUpdate {
            fields: super::value_update("new-fin-db"),
            ..Default::default()
        },
    )
    .expect("the owner edits FIN_DB");
    assert_eq!(
        wraps_under(&raw, planted),
        0,
        "nothing is wrapped under the planted key"
    );
    let under_real = raw.int(
        "SELECT count(*) FROM secret_wraps WHERE secret_id = ?1 AND key_id = ?2",
        cells![id, real],
    );
    assert_eq!(
        under_real, 1,
        "the new secret is wrapped under the real FIN key"
    );
    assert_eq!(
        get(&mut mia, "NEW_FIN"),
        Ok(Some("written-after-planting".into()))
    );
}

#[test]
fn a_members_planted_grant_of_a_real_key_is_an_integrity_error() {
    let lab = Lab::new();
    let dir = lab.directory();
    let fin = dept_id(&dir, "FIN");
    let real = dir.shared[&Scope::Dept(fin)].id;
    // eve, a FIN member who writes the file, replaces everyone's grant of
    // the real FIN key id with a key she made, sealed with her own keys.
    let eve = lab.identity("eve");
    plant_grants(&lab, real, &SymKey::generate(), &eve, user_id(&dir, "eve"));

    let mut mia = lab.as_user("mia-laptop", "mia");
    let before = wraps_under(&lab.raw(), real);
    assert_eq!(
        code(mia.create_secret(secret("NEW_FIN", "v", scope(Some(&["FIN"]), false)))),
        ErrorCode::Integrity,
        "the planted key does not match the directory's commitment"
    );
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
    assert_eq!(
        wraps_under(&lab.raw(), real),
        before,
        "nothing new was wrapped"
    );
    // An outsider's version (claiming the owner sealed it) fails the same way.
    let lab = Lab::new();
    let dir = lab.directory();
    let real = dir.shared[&Scope::Dept(dept_id(&dir, "FIN"))].id;
    plant_grants(
        &lab,
        real,
        &SymKey::generate(),
        &Identity::generate(),
        user_id(&dir, OWNER),
    );
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
}

#[test]
fn a_key_made_current_by_a_member_or_for_another_user_is_refused() {
    // eve signs a directory entry making her own key FIN's current key.
    let lab = Lab::new();
    let dir = lab.directory();
    let fin = dept_id(&dir, "FIN");
    let eve = lab.identity("eve");
    let planted = SymKey::generate();
    let kref = KeyRef {
        id: 9999,
        generation: dir.shared[&Scope::Dept(fin)].generation + 1,
        commitment: keys::commitment(&dir.config.vault_id, 9999, Scope::Dept(fin), 2, &planted),
    };
    forge_entry(
        &lab,
        user_id(&dir, "eve"),
        &eve.sign,
        None,
        vec![Change::SharedKey(Scope::Dept(fin), kref)],
    );
    let mut mia = lab.open("mia-laptop");
    assert_eq!(
        code(mia.unlock_with_password("mia", &SecretString::from(password_of("mia")))),
        ErrorCode::Integrity,
        "a directory entry no admin signed is refused, and so is the vault"
    );
    assert_eq!(wraps_under(&lab.raw(), 9999), 0);

    // An admin makes a personal key for mia: only mia makes hers.
    let lab = Lab::new();
    let dir = lab.directory();
    let ada = lab.identity("ada");
    let kref = KeyRef {
        id: 9998,
        generation: 2,
        commitment: [7; 32],
    };
    forge_entry(
        &lab,
        user_id(&dir, "ada"),
        &ada.sign,
        None,
        vec![Change::PersonalKey(user_id(&dir, "mia"), kref)],
    );
    let mut mia = lab.open("mia-laptop");
    assert_eq!(
        code(mia.unlock_with_password("mia", &SecretString::from(password_of("mia")))),
        ErrorCode::Integrity
    );
}

#[test]
fn narrowing_a_scope_replaces_the_data_key() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let id = olga
        .create_secret(secret(
            "SHARED",
            "before-narrowing",
            scope(Some(&["FIN", "OPS"]), false),
        ))
        .expect("create");
    // max (OPS) reads it, and keeps everything he can get: the data key,
    // through the OPS key he holds, and a copy of the file.
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(get(&mut max, "SHARED"), Ok(Some("before-narrowing".into())));
    let old_dek = max
        .read(|cx| {
            let s = crate::access::visible(cx, id)?;
            let dek = crate::record::require_dek(cx, &s)?;
            Ok(SymKey::from_bytes(*dek.expose_bytes()))
        })
        .expect("max's data key");
    let (_, ops_key) = lab.scope_key("max", Scope::Dept(dept_id(&lab.directory(), "OPS")));

    // Narrowed to FIN, then a new value.
    olga.update_secret(
        id,
        SecretUpdate {
            departments: Some(scope(Some(&["FIN"]), false).departments),
            users: Some(scope(Some(&["FIN"]), false).users),
            fields: super::value_update("after-narrowing"),
            ..Default::default()
        },
    )
    .expect("narrow");
    assert!(
        !opens_now(&lab, id, &old_dek, &ops_key),
        "nothing max kept opens it"
    );
    assert_eq!(get(&mut max, "SHARED"), Ok(None), "max is out of scope now");
}

/// The data key `user` reaches for secret `id` now (what a holder keeps).
fn data_key_of(lab: &Lab, user: &str, id: i64) -> SymKey {
    lab.as_user(&format!("{user}-laptop"), user)
        .read(|cx| {
            let s = crate::access::visible(cx, id)?;
            let dek = crate::record::require_dek(cx, &s)?;
            Ok(SymKey::from_bytes(*dek.expose_bytes()))
        })
        .expect("the data key")
}

/// Whether anything a former holder kept (a data key, a scope key) opens
/// the secret as it is stored now.
fn opens_now(lab: &Lab, id: i64, old_dek: &SymKey, old_scope_key: &SymKey) -> bool {
    let raw = lab.raw();
    let row = raw.row(
        "SELECT header, fields FROM secrets WHERE id = ?1",
        cells![id],
    );
    let (header, fields) = (row[0].bytes(), row[1].bytes());
    let h = crate::seal::header::Header::decode(&header).expect("header");
    let aad = crate::crypto::Aad::new("secrets", id, "fields", h.dek_gen);
    if old_dek.open(&aad, &fields).is_ok() {
        return true;
    }
    let wraps: Vec<(i64, Vec<u8>)> = raw
        .rows(
            "SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1",
            cells![id],
        )
        .expect("wraps")
        .iter()
        .map(|r| (r[0].int(), r[1].bytes()))
        .collect();
    wraps.iter().any(|(key_id, wrapped)| {
        crate::seal::unwrap_dek(old_scope_key, &h, *key_id, wrapped).is_ok()
    })
}

#[test]
fn making_a_secret_private_replaces_the_data_key() {
    let lab = Lab::new();
    let mut mia = lab.as_user("mia-laptop", "mia");
    let id = mia
        .create_secret(secret(
            "MIA_SHARED",
            "shared-once",
            scope(Some(&["FIN"]), false),
        ))
        .expect("create");
    // eve (FIN) keeps the data key and the FIN key.
    let old_dek = data_key_of(&lab, "eve", id);
    let (_, fin_key) = lab.scope_key("eve", Scope::Dept(dept_id(&lab.directory(), "FIN")));
    assert!(
        opens_now(&lab, id, &old_dek, &fin_key),
        "the test's keys work before"
    );
    mia.update_secret(
        id,
        SecretUpdate {
            users: Some(scope(Some(&["FIN"]), true).users),
            fields: super::value_update("mine-alone"),
            ..Default::default()
        },
    )
    .expect("make private");
    assert!(
        !opens_now(&lab, id, &old_dek, &fin_key),
        "nothing eve kept opens it"
    );
    let mut eve = lab.as_user("eve-laptop", "eve");
    assert_eq!(get(&mut eve, "MIA_SHARED"), Ok(None));
    assert_eq!(get(&mut mia, "MIA_SHARED"), Ok(Some("mine-alone".into())));
}

#[test]
fn demoting_an_admin_replaces_the_keys_she_held_as_admin() {
    let lab = Lab::new();
    let id = lab.secret_id("OPS_KEY");
    // ada (admin, in FIN only) holds OPS's key as an admin, and keeps it.
    let old_dek = data_key_of(&lab, "ada", id);
    let (_, ops_key) = lab.scope_key("ada", Scope::Dept(dept_id(&lab.directory(), "OPS")));
    assert!(
        opens_now(&lab, id, &old_dek, &ops_key),
        "the test's keys work before"
    );
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.set_role("ada", Role::Member).expect("demote");
    olga.update_secret(
        id,
        SecretUpdate {
            fields: super::value_update("after-demotion"),
            ..Default::default()
        },
    )
    .expect("new value");
    assert!(
        !opens_now(&lab, id, &old_dek, &ops_key),
        "nothing ada kept opens it"
    );
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(get(&mut max, "OPS_KEY"), Ok(Some("after-demotion".into())));
}

//! A stolen remembered device: the thief has its keyring entry (the device
//! key, which opens the user's keys sealed for that device), writes the
//! storage, and keeps a copy of it from before the theft was noticed. The
//! user changes their password and signs their devices out; from then on
//! nothing new opens with what the thief took.

use crate::api::{AuditAction, ListQuery, SecretUpdate};
use crate::audit::Event;
use crate::crypto::Aad;
use crate::device::MemoryStore;
use crate::seal::header::Header;
use crate::trust::log::Change;

use super::*;

/// Everything the stolen device opens: the user's keys and every current
/// scope key sealed to them.
struct Loot {
    identity: Identity,
    keys: Vec<(i64, SymKey)>,
}

fn copy_identity(id: &Identity) -> Identity {
    Identity {
        sign: SignKey::from_slice(id.sign.expose_seed().as_slice()).expect("seed"),
        enc: KeyPair::from_private_bytes(id.enc.expose_private_bytes().as_slice()).expect("key"),
        past: Vec::new(),
    }
}

fn loot(v: &mut Vault) -> Loot {
    v.read(|cx| {
        let identity = copy_identity(cx.identity()?);
        let dir = cx.dir_arc();
        let ids: Vec<i64> = dir
            .shared
            .values()
            .map(|k| k.id)
            .chain(
                dir.current_key(KeyScope::Personal(cx.actor().id))
                    .map(|k| k.id),
            )
            .collect();
        let mut keys = Vec::new();
        for id in ids {
            if let Some(k) = cx.key(id)? {
                keys.push((id, SymKey::from_bytes(*k.expose_bytes())));
            }
        }
        Ok(Loot { identity, keys })
    })
    .expect("loot")
}

/// Whether any key the thief holds opens the secret with this id as the
/// storage holds it now (a wrap of its data key, or its content).
fn thief_opens(lab: &Lab, loot: &Loot, id: i64) -> bool {
    let raw = lab.raw();
    let row = raw.row(
        "SELECT header, fields FROM secrets WHERE id = ?1",
        cells![id],
    );
    let header = Header::decode(&row[0].bytes()).expect("header");
    let fields = row[1].bytes();
    let wraps = raw
        .rows(
            "SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1",
            cells![id],
        )
        .expect("wraps");
    assert!(!wraps.is_empty(), "secret {id} is wrapped");
    loot.keys.iter().any(|(_, k)| {
        wraps.iter().any(|w| {
            crate::seal::unwrap_dek(k, &header, w[0].int(), &w[1].bytes()).is_ok_and(|dek| {
                dek.open(&Aad::new("secrets", id, "fields", header.dek_gen), &fields)
                    .is_ok()
            })
        })
    })
}

/// Whether the thief's old keys open any grant sealed to `user` in the
/// storage now, from anyone the directory knows (past keys included).
fn thief_opens_a_grant(lab: &Lab, loot: &Loot, user: i64) -> bool {
    let dir = lab.directory();
    let grants = lab
        .raw()
        .rows(
            "SELECT key_id, sealed, sender_id FROM key_grants WHERE user_id = ?1",
            cells![user],
        )
        .expect("grants");
    assert!(!grants.is_empty(), "the user holds grants");
    grants.iter().any(|g| {
        let Some((scope, kref)) = dir.scope_of_key(g[0].int()) else {
            return false;
        };
        crate::keys::open_grant(
            &dir,
            (scope, &kref),
            &loot.identity.enc,
            user,
            g[2].int(),
            &g[1].bytes(),
        )
        .is_ok()
    })
}

#[test]
fn a_stolen_device_opens_nothing_written_after_its_user_signed_her_devices_out() {
    let lab = Lab::new();
    let laptop = MemoryStore::default();
    lab.as_user("mia-laptop", "mia")
        .remember_device(&laptop, "laptop")
        .expect("remember");
    // The theft: the laptop (its keyring opens mia's keys and, with them,
    // every key she holds) and a copy of the storage.
    let mut stolen = lab.open("mia-laptop");
    stolen
        .unlock_with_device(&laptop, "mia")
        .expect("laptop")
        .expect("remembered");
    let loot = loot(&mut stolen);
    drop(stolen);
    let thief_ring = MemoryStore::default();
    laptop_copy(&laptop, &thief_ring, &lab);
    assert!(loot.keys.len() >= 3, "FIN, all users and her private key");
    let copy = lab.snapshot("stolen");
    let mia = user_id(&lab.directory(), "mia");
    assert!(thief_opens_a_grant(&lab, &loot, mia), "the control: before");
    assert!(thief_opens(&lab, &loot, lab.secret_id("FIN_DB")));

    // Mia, at her desktop, changes her password and signs her devices out.
    let mut desk = replace_keys(&lab, "mia-desktop", "mia", "mia-new-password-2");
    // Her private secrets are under a new key at once; the shared keys she
    // held wait for an admin, who replaces them when she next signs in.
    let private_after = desk
        .create_secret(secret("MIA_AFTER", "private-after", scope(None, true)))
        .expect("private");
    assert!(!lab.directory().exposed.is_empty(), "FIN and all users");
    let mut ada = lab.as_user("ada-laptop", "ada");
    assert!(lab.directory().exposed.is_empty(), "replaced at sign-in");
    let fin_after = desk
        .create_secret(secret(
            "FIN_AFTER",
            "fin-after",
            scope(Some(&["FIN"]), false),
        ))
        .expect("fin");
    let fin_db = lab.secret_id("FIN_DB");
    ada.update_secret(
        fin_db,
        SecretUpdate {
            fields: value_update("fin-db-rotated"),
            ..Default::default()
        },
    )
    .expect("update");
    let all_after = lab
        .as_user("olga-laptop", OWNER)
        .create_secret(secret("ALL_AFTER", "all-after", scope(None, false)))
        .expect("all");

    // The laptop is signed out; putting its sealed keys back from the
    // copy does not make the vault accept them.
    let mut thief = lab.open("mia-laptop");
    assert_eq!(
        code(thief.unlock_with_device(&laptop, "mia")),
        ErrorCode::AuthFailed
    );
    let cols = crate::store::copy::columns_of("devices");
    let rows = crate::store::sqlite::raw_rows(
        &Connection::open(&copy).expect("copy"),
        &format!("SELECT {} FROM devices WHERE user_id = ?1", cols.join(", ")),
        cells![mia],
    )
    .expect("old device rows");
    assert!(!rows.is_empty());
    lab.raw()
        .execute("DELETE FROM devices WHERE user_id = ?1", cells![mia])
        .expect("clear");
    lab.raw()
        .insert_rows("devices", cols, &rows)
        .expect("put back");
    let mut thief = lab.open("mia-laptop-2");
    assert_eq!(
        code(thief.unlock_with_device(&thief_ring, "mia")),
        ErrorCode::AuthFailed
    );

    // Offline, with everything taken: no grant to mia opens, and nothing
    // written since does.
    assert!(!thief_opens_a_grant(&lab, &loot, mia));
    for id in [private_after, fin_after, fin_db, all_after] {
        assert!(!thief_opens(&lab, &loot, id), "secret {id} opens");
    }

    // Everyone else reads on as before: what mia signed with her old keys
    // was signed again, and grants she sealed still open.
    let mut mia_again = lab.open("mia-desktop");
    mia_again
        .unlock_with_password("mia", &SecretString::from("mia-new-password-2"))
        .expect("new password");
    assert_eq!(
        get(&mut mia_again, "MIA_PRIVATE"),
        Ok(Some("mia-private-value".into()))
    );
    assert_eq!(
        get(&mut mia_again, "FIN_AFTER"),
        Ok(Some("fin-after".into()))
    );
    assert_eq!(get(&mut ada, "FIN_DB"), Ok(Some("fin-db-rotated".into())));
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(get(&mut max, "ALL_AFTER"), Ok(Some("all-after".into())));
    let mut olga = lab.as_user("olga-probe", OWNER);
    let listed = olga
        .list_secrets(&ListQuery {
            include_inactive: true,
            ..Default::default()
        })
        .expect("list");
    assert!(listed.iter().all(|s| !s.damaged), "nothing damaged");
    olga.verify_audit().expect("the audit log checks out");
    let mut fresh = lab.as_user("fresh-device", OWNER);
    fresh
        .verify_audit()
        .expect("and on a device that never saw it");
}

/// The laptop's keyring entry, as the thief copies it to their machine.
fn laptop_copy(from: &MemoryStore, to: &MemoryStore, lab: &Lab) {
    use crate::device::CredentialStore;
    let account = format!("{}/mia", lab.directory().config.vault_id);
    let entry = from
        .load(&account)
        .expect("load")
        .expect("the laptop's entry");
    to.save(&account, &entry).expect("copy");
}

#[test]
fn old_keys_sign_nothing_once_replaced() {
    let lab = Lab::new();
    let old = lab.identity("mia");
    replace_keys(&lab, "mia-desktop", "mia", "mia-new-password-2");
    let dir = lab.directory();
    let mia = user_id(&dir, "mia");
    assert_eq!(dir.past_keys(mia).len(), 1);
    assert!(dir.past_keys(mia)[0].sign == old.sign.public());
    // The thief replaces mia's keys with their own, signing with the old
    // key (and their new one): refused, on every device.
    thief_replaces_keys(&lab, mia, &old);
    let mut fresh = lab.open("fresh-device");
    assert_eq!(
        code(fresh.unlock_with_password(OWNER, &SecretString::from(password_of(OWNER)))),
        ErrorCode::Integrity
    );
}

/// The thief, holding `user`'s keys `old`, replaces them with their own.
fn thief_replaces_keys(lab: &Lab, user: i64, old: &Identity) {
    let theirs = Identity::generate();
    forge_entry(
        lab,
        user,
        &old.sign,
        Some(&theirs.sign),
        vec![Change::Rotate {
            user,
            sign: theirs.sign.public(),
            enc: *theirs.enc.public_bytes(),
        }],
    );
}

#[test]
fn a_thief_who_replaces_the_keys_first_is_found_out_at_the_next_sign_in() {
    let lab = Lab::new();
    let old = lab.identity("mia");
    let theirs = Identity::generate();
    let mia = user_id(&lab.directory(), "mia");
    forge_entry(
        &lab,
        mia,
        &old.sign,
        Some(&theirs.sign),
        vec![Change::Rotate {
            user: mia,
            sign: theirs.sign.public(),
            enc: *theirs.enc.public_bytes(),
        }],
    );
    // The directory takes it (the old key was mia's), but mia's own keys
    // no longer match it: her sign-in fails, loudly, on every device.
    let err = lab
        .open("mia-laptop")
        .unlock_with_password("mia", &SecretString::from(password_of("mia")))
        .map(|_| ())
        .expect_err("found out");
    assert_eq!(err.code(), ErrorCode::Integrity);
    assert!(err.to_string().contains("keys you did not make"), "{err}");
    // An admin disables the account: every key it held is replaced.
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.set_disabled("mia", true).expect("disable");
    let all = lab.directory().current_key(KeyScope::All).expect("all");
    assert!(!lab.directory().exposed.contains(&all.id));
}

#[test]
fn after_replacing_her_keys_the_owner_still_reads_the_audit_log_she_could_before() {
    let lab = Lab::new();
    let fin_db = lab.secret_id("FIN_DB");
    let mut olga = lab.as_user("olga-desktop", OWNER);
    let names = |v: &mut Vault| -> Vec<Option<String>> {
        v.audit_log(&crate::api::AuditQuery {
            secret_id: Some(fin_db),
            ..Default::default()
        })
        .expect("audit")
        .into_iter()
        .map(|e| e.key)
        .collect()
    };
    let before = names(&mut olga);
    assert!(
        before.iter().any(|k| k.as_deref() == Some("FIN_DB")),
        "{before:?}"
    );
    drop(olga);
    replace_keys(&lab, "olga-desktop", OWNER, "olga-new-password-2");
    let mut again = lab.open("olga-desktop");
    again
        .unlock_with_password(OWNER, &SecretString::from("olga-new-password-2"))
        .expect("sign in");
    let after = names(&mut again);
    assert!(after.ends_with(&before), "{after:?} vs {before:?}");
    assert!(
        after.iter().all(Option::is_some),
        "every key name opens: {after:?}"
    );
}

#[test]
fn an_audit_entry_signed_with_a_replaced_key_after_the_change_is_damaged() {
    let lab = Lab::new();
    let old = lab.identity("mia");
    replace_keys(&lab, "mia-desktop", "mia", "mia-new-password-2");
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let query = crate::api::AuditQuery {
        user: Some("mia".into()),
        ..Default::default()
    };
    let genuine = olga.audit_log(&query).expect("audit");
    assert!(
        genuine.iter().all(|e| e.authentic),
        "mia's entries, both keys"
    );
    assert!(
        genuine
            .iter()
            .any(|e| e.action == Some(AuditAction::KeysReplaced))
    );
    // The thief appends a "get" in mia's name, signed with her old key.
    forge_audit(&lab, "mia", &old, &[Event::new(AuditAction::Get)]);
    let listed = olga.audit_log(&query).expect("audit");
    assert!(!listed[0].authentic, "the newest, the thief's, is damaged");
    assert!(listed[1..].iter().all(|e| e.authentic), "the rest stand");
    assert_eq!(code(olga.verify_audit()), ErrorCode::Integrity);
}

//! Attack 2, directory forgery and replay; attack 3, the creating admin
//! keeping a new user's keys; and a swapped root of trust.

use crate::api::{NewUser, Role};
use crate::crypto::{KeyPair, SignKey, derive_seed};
use crate::error::ErrorCode;
use crate::keys::Identity;
use crate::trust::log::Change;
use crate::trust::state::{Identity as DirIdentity, UserEntry};

use super::*;

fn entry_of(lab: &Lab, name: &str) -> UserEntry {
    lab.directory().user_named(name).expect("user").clone()
}

fn sign_in_code(lab: &Lab, device: &str, user: &str) -> Option<ErrorCode> {
    lab.open(device)
        .unlock_with_password(user, &SecretString::from(password_of(user)))
        .err()
        .map(|e| e.code())
}

#[test]
fn a_member_cannot_promote_herself() {
    let lab = Lab::new();
    // In the columns: nothing happens.
    lab.raw()
        .execute(
            "UPDATE users SET role = 'admin' WHERE username = 'eve'",
            cells![],
        )
        .expect("tamper");
    let mut eve = lab.as_user("eve-laptop", "eve");
    assert_eq!(eve.session_info().expect("info").user.role, Role::Member);
    assert_eq!(code(eve.users()), ErrorCode::PermissionDenied);
    assert_eq!(
        code(eve.add_department("EVIL", "Evil")),
        ErrorCode::PermissionDenied
    );
    drop(eve);
    // In a signed entry, with her own key: the entry is refused, and with it
    // the directory, for everyone (she can make the vault unusable, which
    // writing the file always allows, but not make herself an admin).
    let me = lab.identity("eve");
    let mut promoted = entry_of(&lab, "eve");
    promoted.role = Role::Admin;
    forge_entry(
        &lab,
        promoted.id,
        &me.sign,
        None,
        vec![Change::User(promoted.clone())],
    );
    assert_eq!(
        sign_in_code(&lab, "eve-laptop", "eve"),
        Some(ErrorCode::Integrity)
    );
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Integrity)
    );
}

#[test]
fn only_the_owner_makes_admins_even_in_the_file() {
    let lab = Lab::new();
    let ada = lab.identity("ada");
    let mut eve = entry_of(&lab, "eve");
    eve.role = Role::Admin;
    forge_entry(
        &lab,
        entry_of(&lab, "ada").id,
        &ada.sign,
        None,
        vec![Change::User(eve)],
    );
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Integrity)
    );
}

#[test]
fn a_demoted_admin_cannot_sign_her_way_back() {
    let lab = Lab::new();
    let ada_keys = lab.identity("ada");
    lab.as_user("olga-laptop", OWNER)
        .set_role("ada", Role::Member)
        .expect("demote");
    // ada still has her identity key; she signs an entry making herself
    // admin again. It is checked against the state before it, in which she
    // is a member.
    let mut back = entry_of(&lab, "ada");
    back.role = Role::Admin;
    forge_entry(
        &lab,
        back.id,
        &ada_keys.sign,
        None,
        vec![Change::User(back)],
    );
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Integrity)
    );
    assert_eq!(
        sign_in_code(&lab, "a-new-device", "ada"),
        Some(ErrorCode::Integrity)
    );
}

#[test]
fn putting_back_an_older_directory_is_a_rollback() {
    let lab = Lab::new();
    let before = lab.directory().epoch;
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.set_role("ada", Role::Member).expect("demote");
    olga.set_disabled("eve", true).expect("disable");
    assert!(lab.directory().epoch > before);
    drop(olga);
    // The attacker keeps an old copy: put back the log as it was before the
    // demotion (and the columns as they were).
    let raw = lab.raw();
    raw.execute("DELETE FROM directory_log WHERE epoch > ?1", cells![before])
        .expect("truncate the log");
    raw.execute(
        "UPDATE users SET role = 'admin' WHERE username = 'ada'",
        cells![],
    )
    .expect("role");
    raw.execute(
        "UPDATE users SET disabled = ?1 WHERE username = 'eve'",
        cells![false],
    )
    .expect("enable");
    // Every device that saw the newer directory refuses.
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Rollback)
    );
    // A device that has never seen this vault cannot tell (trust on first
    // use: docs/SECURITY.md); it sees a consistent older directory.
    let mut fresh = lab.open("never-seen-it");
    let dir = fresh
        .directory()
        .expect("an older but consistent log")
        .expect("signed");
    assert_eq!(dir.epoch, before);
}

#[test]
fn a_directory_that_differs_at_the_same_epoch_is_refused() {
    let lab = Lab::new();
    lab.as_user("olga-laptop", OWNER); // this device saw the current head
    // Replace the last entry by another one signed by the same owner (what
    // a writer could do with an entry kept from a fork): the chain is valid
    // but not the one this device saw.
    let dir = lab.directory();
    let olga = lab.identity(OWNER);
    let raw = lab.raw();
    raw.execute(
        "DELETE FROM directory_log WHERE epoch = ?1",
        cells![dir.epoch],
    )
    .expect("drop the head");
    let mut before = lab.open("rebuild");
    let prev = before.directory().expect("older").expect("signed");
    drop(before);
    let entry = crate::trust::log::Entry {
        vault_id: prev.config.vault_id.clone(),
        epoch: prev.epoch + 1,
        prev: prev.head,
        signer: prev.owner,
        at: 1,
        changes: vec![Change::Dept(crate::trust::state::DeptEntry {
            id: 4242,
            code: "FORK".into(),
            name: "Fork".into(),
            created_at: 1,
        })],
    };
    crate::trust::append(&*raw, &entry.sign(&olga.sign, None)).expect("append");
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Rollback)
    );
}

#[test]
fn a_vault_with_another_root_is_refused_by_a_device_that_pinned_the_first() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let pinned = olga.fingerprint().expect("fp").expect("signed");
    drop(olga);
    // The attacker builds a vault of their own claiming the same vault id
    // (they sign its first entry with their own "owner" key) and puts it
    // where the real one was.
    let other_dir = tempfile::tempdir().expect("tmp");
    let other = other_dir.path().join("vault.db");
    let fake = Vault::create_with(
        &other,
        InitOptions {
            owner: OWNER.into(),
            display_name: String::new(),
            password: SecretString::from(password_of(OWNER)),
            kdf: KdfChoice::InsecureTest,
        },
        &VaultOptions {
            state_dir: Some(other_dir.path().join("attacker")),
        },
    )
    .expect("fake");
    let fake_id = fake.id().to_string();
    drop(fake);
    let real_id = lab.directory().config.vault_id.clone();
    // Re-sign the fake vault's first entry with the real vault's id.
    let fake_raw = Connection::open(&other).expect("raw");
    let entry_bytes: Vec<u8> = fake_raw
        .query_row("SELECT entry FROM directory_log WHERE epoch = 1", [], |r| {
            r.get(0)
        })
        .expect("entry");
    let signed = crate::trust::log::SignedEntry::from_bytes(&entry_bytes).expect("entry");
    let mut entry = signed.entry.clone();
    entry.vault_id = real_id.clone();
    for c in &mut entry.changes {
        if let Change::Config(cfg) = c {
            cfg.vault_id = real_id.clone();
        }
    }
    let attacker_root = SignKey::generate();
    // The owner record must carry the key that signs: swap it in.
    for c in &mut entry.changes {
        if let Change::User(u) = c
            && u.role == Role::Owner
            && let DirIdentity::Active { enc, .. } = u.identity
        {
            u.identity = DirIdentity::Active {
                sign: attacker_root.public(),
                enc,
            };
        }
    }
    let resigned = entry.sign(&attacker_root, None);
    fake_raw
        .execute("DELETE FROM directory_log", [])
        .expect("clear");
    fake_raw
        .execute("UPDATE vault_meta SET vault_id = ?1", [&real_id])
        .expect("id");
    crate::trust::append(&fake_raw, &resigned).expect("append");
    drop(fake_raw);
    assert_ne!(fake_id, real_id);
    lab.replace_with(&other);
    let err = lab
        .open("olga-laptop")
        .unlock_with_password(OWNER, &SecretString::from(password_of(OWNER)))
        .map(|_| ())
        .expect_err("another root");
    assert_eq!(err.code(), ErrorCode::Rollback);
    assert!(err.to_string().contains("root of trust changed"), "{err}");
    // A device that never saw the real vault would see another fingerprint:
    // that is what comparing fingerprints out of band is for.
    let mut fresh = lab.open("first-time");
    assert_ne!(fresh.fingerprint().expect("fp").expect("signed"), pinned);
}

#[test]
fn the_creating_admin_never_holds_the_new_users_keys() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.add_user(NewUser {
        username: "nia".into(),
        display_name: String::new(),
        role: Role::Member,
        departments: vec!["FIN".into()],
        primary_department: None,
        initial_password: SecretString::from("nia-initial-1"),
    })
    .expect("nia");
    drop(olga);
    // The admin keeps a copy of the file as it is now, and the password.
    let old = lab.snapshot("before-nia-signs-in");
    let old_raw = Connection::open(&old).expect("old");
    let (salt, bundle): (Vec<u8>, Vec<u8>) = old_raw
        .query_row(
            "SELECT kdf_salt, password_bundle FROM users WHERE username = 'nia'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("nia's row");
    assert!(
        bundle.is_empty(),
        "the account holds no keys until nia makes them"
    );
    let grants: i64 = old_raw
        .query_row(
            "SELECT count(*) FROM key_grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'nia'",
            [],
            |r| r.get(0),
        )
        .expect("grants");
    assert_eq!(grants, 0, "and no grants");

    // nia makes her keys and a private secret.
    let mut nia = lab.open("nia-laptop");
    nia.unlock_with_password("nia", &SecretString::from("nia-initial-1"))
        .expect("first sign-in");
    nia.change_password(
        &SecretString::from("nia-initial-1"),
        &SecretString::from(password_of("nia")),
    )
    .expect("her keys");
    nia.create_secret(secret("NIA_PRIVATE", "nia-only", scope(None, true)))
        .expect("private");
    drop(nia);

    // What the initial password gives the admin now: a seed for the
    // enrollment key, which opens nothing. As an X25519 key it opens none
    // of nia's grants; the password itself signs in to nothing.
    let dir = lab.directory();
    let nia = dir.user_named("nia").expect("nia").clone();
    let salt: [u8; 16] = salt.try_into().expect("salt");
    let seed = derive_seed(b"nia-initial-1", &salt, &dir.config.kdf).expect("seed");
    let as_x25519 = KeyPair::from_private_bytes(seed.as_slice()).expect("key");
    let sealed: Vec<(Vec<u8>, i64)> = lab
        .raw()
        .rows(
            "SELECT sealed, sender_id FROM key_grants WHERE user_id = ?1",
            cells![nia.id],
        )
        .expect("grants")
        .iter()
        .map(|r| (r[0].bytes(), r[1].int()))
        .collect();
    assert!(!sealed.is_empty(), "nia holds grants now");
    for (blob, sender) in &sealed {
        let sender_pk = dir
            .user(*sender)
            .and_then(UserEntry::enc_key)
            .expect("sender");
        for aad_gen in 1..4 {
            let aad = crate::crypto::Aad::new("key_grants", 0, "sealed", aad_gen);
            assert!(as_x25519.open_from(sender_pk, &aad, blob).is_err());
        }
    }
    assert_eq!(
        code(
            lab.open("admin-box")
                .unlock_with_password("nia", &SecretString::from("nia-initial-1"))
        ),
        ErrorCode::AuthFailed
    );
    // Nor can the admin, with the initial password, enroll nia a second
    // time with keys of their own: the enrollment key signs only the first.
    let enroll = SignKey::from_seed(&seed);
    let evil = Identity::generate();
    forge_entry(
        &lab,
        nia.id,
        &evil.sign,
        Some(&enroll),
        vec![Change::Enroll {
            user: nia.id,
            sign: evil.sign.public(),
            enc: *evil.enc.public_bytes(),
        }],
    );
    assert_eq!(
        sign_in_code(&lab, "olga-laptop", OWNER),
        Some(ErrorCode::Integrity)
    );
}

#[test]
fn an_admin_who_enrolls_in_a_users_place_is_found_out() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.add_user(NewUser {
        username: "zoe".into(),
        display_name: String::new(),
        role: Role::Member,
        departments: vec!["FIN".into()],
        primary_department: None,
        initial_password: SecretString::from("zoe-initial-1"),
    })
    .expect("zoe");
    // The admin uses the initial password first.
    let mut admin_as_zoe = lab.open("admin-box");
    admin_as_zoe
        .unlock_with_password("zoe", &SecretString::from("zoe-initial-1"))
        .expect("initial");
    admin_as_zoe
        .change_password(
            &SecretString::from("zoe-initial-1"),
            &SecretString::from("admin-chosen-1"),
        )
        .expect("enrolls");
    // The real zoe's first sign-in fails: she tells an admin. The account
    // is never silently shared.
    assert_eq!(
        code(
            lab.open("zoe-laptop")
                .unlock_with_password("zoe", &SecretString::from("zoe-initial-1"))
        ),
        ErrorCode::AuthFailed
    );
}

#[test]
fn a_format_1_copy_put_back_is_refused_by_a_device_that_saw_format_2() {
    // The golden vault of format 1, upgraded by its owner on this device.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("vault.db");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/v1/vault.db");
    std::fs::copy(&golden, &path).expect("copy");
    let device = VaultOptions {
        state_dir: Some(dir.path().join("device")),
    };
    let mut v = Vault::open_with(&path, &device).expect("open");
    v.unlock_with_password("olga", &SecretString::from("olga-golden-pw"))
        .expect("the owner's sign-in upgrades it");
    assert!(v.fingerprint().expect("fp").is_some());
    drop(v);
    // The attacker puts the unsigned original back, hoping to be upgraded
    // again under a root of their own, or to drop every signature.
    std::fs::copy(&golden, &path).expect("put back");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut v = Vault::open_with(&path, &device).expect("open");
    let err = v
        .unlock_with_password("olga", &SecretString::from("olga-golden-pw"))
        .map(|_| ())
        .expect_err("an unsigned vault where a signed one was");
    assert_eq!(err.code(), ErrorCode::Rollback);
    assert_eq!(
        code(v.unlock_with_password("mila", &SecretString::from("mila-golden-pw"))),
        ErrorCode::Rollback
    );
}

/// `trust reset` with a wrong code forgets nothing (the device still
/// refuses the rolled-back directory), and the right code alone does not
/// accept an older copy of the same vault: the fingerprint names the vault,
/// not its age, so an older copy needs the user to say so.
#[test]
fn trust_reset_checks_before_it_forgets() {
    let lab = Lab::new();
    let before = lab.directory().epoch;
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let pinned = olga.fingerprint().expect("fp").expect("signed");
    olga.set_role("ada", Role::Member).expect("demote");
    drop(olga);
    lab.raw()
        .execute("DELETE FROM directory_log WHERE epoch > ?1", cells![before])
        .expect("truncate");
    let unlock =
        |v: &mut Vault| v.unlock_with_password(OWNER, &SecretString::from(password_of(OWNER)));
    assert_eq!(
        code(unlock(&mut lab.open("olga-laptop"))),
        ErrorCode::Rollback
    );
    let mut v = lab.open("olga-laptop");
    assert_eq!(
        code(v.reset_trust("AAAA-BBBB-CCCC-DDDD-EEEE", true)),
        ErrorCode::Rollback
    );
    assert_eq!(code(unlock(&mut v)), ErrorCode::Rollback, "still refused");
    let older = v.reset_trust(&pinned, false);
    assert_eq!(code(older), ErrorCode::Rollback);
    assert_eq!(code(unlock(&mut v)), ErrorCode::Rollback, "still refused");
    // Said on purpose: trusted again, at the older directory.
    assert_eq!(
        v.reset_trust(&pinned.to_lowercase(), true).expect("reset"),
        pinned
    );
    unlock(&mut v).expect("trusted again");
    assert_eq!(v.directory().expect("dir").expect("signed").epoch, before);
    // The vault as it is (not older) needs no such word.
    let lab = Lab::new();
    let mut v = lab.as_user("olga-laptop", OWNER);
    let fp = v.fingerprint().expect("fp").expect("signed");
    assert_eq!(v.reset_trust(&fp, false).expect("reset"), fp);
}

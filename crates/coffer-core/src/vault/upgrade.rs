//! Upgrading a vault of format 1 to format 2 (trust rooted in keys).
//!
//! Format 1 has no signed directory. The owner's first sign-in after the
//! upgrade checks the format-1 directory MAC and every secret's tags, then
//! trusts what it found (trust on first use: docs/SECURITY.md), signs the
//! first directory entry with a new identity key, and re-seals every shared
//! secret (and the owner's private ones) in format 2. Until then nobody else
//! can sign in.
//!
//! Every other account becomes pending: the owner seals it a one-time
//! enrollment key, to its old public key. At the user's next sign-in their
//! password opens their old bundle, whose key opens the enrollment key, and
//! the user makes their own keys (see `enroll`); their grants are carried
//! over once their keys match the directory's commitments, and their
//! private secrets are re-sealed under their new personal key.

use std::collections::HashMap;

use rusqlite::Connection;
use secrecy::SecretString;

use crate::account::{PasswordLock, StoredLock};
use crate::api::{KdfProfile, Role, SessionInfo};
use crate::crypto::{Aad, KdfParams, KeyPair, SignKey, SymKey, random_bytes};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::keys::{self, Identity, commitment};
use crate::legacy::{self, Kind};
use crate::plain::{Fields, UsageLabel};
use crate::record::{self, Draft, usages::Recorded};
use crate::seal::Version;
use crate::store::Store;
use crate::time::now_ms;
use crate::trust;
use crate::trust::log::Change;
use crate::trust::state::{
    Config, DeptEntry, Identity as DirIdentity, KeyRef, Scope, State, UserEntry,
};
use crate::vault::{Unlocked, Vault};

/// A vault of format 1 is always a SQLite file.
fn format1(db: &dyn Store) -> Result<&Connection> {
    db.format1()
        .ok_or_else(|| Error::Integrity("the vault's format (format 1 outside a file)".into()))
}

fn enroll_aad<'a>(
    vault_id: &str,
    user_id: i64,
    enroll_public: &[u8],
    extra: &'a mut Vec<u8>,
) -> Aad<'a> {
    *extra = vault_id.as_bytes().to_vec();
    extra.extend_from_slice(enroll_public);
    Aad::new("users", user_id, "enroll_seal", 1).with_extra(extra)
}

/// A format-1 account's enrollment key, opened with its old key pair. It
/// must come from the owner and be the one the directory names.
pub(crate) fn open_enroll_seal(
    dir: &State,
    user: &UserEntry,
    lock: &StoredLock,
    pair: &KeyPair,
) -> Result<SignKey> {
    let bad = || Error::Integrity("your account's upgrade key".into());
    let DirIdentity::Pending { enroll } = &user.identity else {
        return Err(bad());
    };
    let seal = lock.enroll_seal.as_ref().ok_or_else(bad)?;
    let owner = dir
        .user(dir.owner)
        .and_then(UserEntry::enc_key)
        .ok_or_else(bad)?;
    let mut extra = Vec::new();
    let aad = enroll_aad(&dir.config.vault_id, user.id, enroll, &mut extra);
    let seed = pair.open_from(owner, &aad, seal).map_err(|_| bad())?;
    let key = SignKey::from_slice(&seed).map_err(|_| bad())?;
    if key.public() != *enroll {
        return Err(bad());
    }
    Ok(key)
}

/// Signs in to an upgraded account of format 1: its password opens its old
/// bundle. With an initial password still to change, the user makes their
/// keys when they change it; otherwise now.
pub(crate) fn open_format1_account(
    vault: &mut Vault,
    dir: &State,
    user: &UserEntry,
    lock: &StoredLock,
    password: &SecretString,
) -> Result<Option<Unlocked>> {
    let Some((pair, _)) = legacy::open_password_bundle(format1(vault.store())?, user.id, password)?
    else {
        return Ok(None);
    };
    let key = open_enroll_seal(dir, user, lock, &pair)?;
    if vault.store().must_change_password(user.id)? {
        return Ok(Some(Unlocked::Enroll));
    }
    super::enroll::enroll(vault, user, &key, password, Some(pair))?;
    vault.lock();
    Ok(Some(Unlocked::Upgraded))
}

/// Sign-in to a vault without a signed directory: only its owner can, and
/// their sign-in upgrades it.
pub(crate) fn sign_in_unsigned(
    vault: &mut Vault,
    username: &str,
    password: &SecretString,
) -> Result<SessionInfo> {
    let Some(owner) = legacy::find_user(format1(vault.store())?, username)? else {
        crate::account::burn_time(&vault.meta_kdf());
        return Err(Error::WrongPassword {
            retry_after_secs: 0,
        });
    };
    if owner.role != Role::Owner {
        return Err(Error::AuthFailed(
            "this vault is being upgraded to a new format: its owner must sign in once before anyone else can"
                .into(),
        ));
    }
    let Some((pair, params)) =
        legacy::open_password_bundle(format1(vault.store())?, owner.id, password)?
    else {
        vault.store().record_failure(owner.id, now_ms())?;
        return Err(Error::WrongPassword {
            retry_after_secs: 0,
        });
    };
    upgrade(vault, owner.id, &pair, params, password)?;
    vault.lock();
    vault.unlock_with_password(username, password)
}

/// The owner's upgrade of a format-1 vault, in one transaction.
fn upgrade(
    vault: &mut Vault,
    owner_id: i64,
    pair: &KeyPair,
    params: KdfParams,
    password: &SecretString,
) -> Result<()> {
    // The owner's own bundle authenticates its parameters: a vault whose
    // owner hashes below the floor is a test vault.
    let profile = if params.meets_floor() {
        KdfProfile::Standard
    } else {
        KdfProfile::InsecureTest
    };
    let lock = PasswordLock::new(password, params)?;
    let grants = legacy::open_grants(format1(vault.store())?, owner_id, pair)?;
    let old_keys: HashMap<i64, SymKey> = grants
        .iter()
        .map(|(id, _, _, k)| (*id, SymKey::from_bytes(*k.expose_bytes())))
        .collect();
    let vault_id = vault.id().to_string();
    vault.bootstrap(
        owner_id,
        Identity::generate(),
        |db, found, cache| {
            if found.is_some() {
                return Err(Error::Conflict(
                    "this vault was upgraded meanwhile: sign in again".into(),
                ));
            }
            genesis(
                db,
                &vault_id,
                owner_id,
                profile,
                params,
                &grants,
                cache.identity()?,
            )?;
            Ok(())
        },
        |cx| {
            lock.store(cx.db(), owner_id, cx.identity()?)?;
            cx.db().set_must_change_password(owner_id, false)?;
            let old = format1(cx.db())?;
            for id in legacy::secret_ids(old, None)? {
                let Some(row) = legacy::load(old, id)? else {
                    continue;
                };
                if row.private && row.creator_id != owner_id {
                    continue;
                }
                adopt(cx, row, &old_keys)?;
            }
            Ok(())
        },
    )
}

/// Writes the first directory entry of an upgraded vault and the owner's
/// grants of format 2.
fn genesis(
    db: &dyn Store,
    vault_id: &str,
    owner_id: i64,
    profile: KdfProfile,
    params: KdfParams,
    grants: &[(i64, Kind, bool, SymKey)],
    identity: &Identity,
) -> Result<()> {
    let index = grants
        .iter()
        .find(|(_, k, current, _)| *k == Kind::Index && *current)
        .ok_or_else(|| {
            Error::Integrity("the format-1 directory (no index key for the owner)".into())
        })?;
    let conn = format1(db)?;
    let users = legacy::users(conn, &legacy::directory_mac(&index.3))?;
    let owner = users
        .iter()
        .find(|u| u.id == owner_id && u.role == Role::Owner)
        .ok_or_else(|| Error::Integrity("the format-1 directory (the owner)".into()))?;
    let now = now_ms();
    let depts = legacy::departments(conn)?;
    let shared_key = |kind: Kind| {
        grants
            .iter()
            .find(|(_, k, current, _)| *k == kind && *current)
            .ok_or_else(|| {
                Error::Integrity("the format-1 key table (a current key is missing)".into())
            })
    };
    let kref_of = |scope: Scope, (id, _, _, key): &(i64, Kind, bool, SymKey)| KeyRef {
        id: *id,
        generation: 1,
        commitment: commitment(vault_id, *id, scope, 1, key),
    };
    let mut changes = vec![Change::Config(Config {
        vault_id: vault_id.to_string(),
        kdf_profile: profile,
        kdf: params,
    })];
    let entry_of = |u: &legacy::User, identity: DirIdentity| UserEntry {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        depts: u.depts.clone(),
        primary: u.primary,
        disabled: u.disabled,
        identity,
        personal: None,
        created_at: u.created_at,
    };
    changes.push(Change::User(entry_of(
        owner,
        DirIdentity::Active {
            sign: identity.sign.public(),
            enc: *identity.enc.public_bytes(),
        },
    )));
    for (id, code, name, created_at) in &depts {
        changes.push(Change::Dept(DeptEntry {
            id: *id,
            code: code.clone(),
            name: name.clone(),
            created_at: *created_at,
        }));
    }
    for u in users.iter().filter(|u| u.id != owner_id) {
        let seed = zeroize::Zeroizing::new(random_bytes::<32>());
        let enroll = SignKey::from_seed(&seed).public();
        let mut extra = Vec::new();
        let aad = enroll_aad(vault_id, u.id, &enroll, &mut extra);
        let seal = identity
            .enc
            .seal_from(&u.public_key, &aad, seed.as_slice())
            .map_err(|_| Error::Integrity(format!("the format-1 public key of user {}", u.id)))?;
        db.set_enroll_seal(u.id, &seal)?;
        changes.push(Change::User(entry_of(u, DirIdentity::Pending { enroll })));
    }
    let mut made: Vec<(Scope, KeyRef, &SymKey)> = Vec::new();
    let all = shared_key(Kind::All)?;
    made.push((Scope::All, kref_of(Scope::All, all), &all.3));
    for (id, ..) in &depts {
        let k = shared_key(Kind::Dept(*id))?;
        made.push((Scope::Dept(*id), kref_of(Scope::Dept(*id), k), &k.3));
    }
    let personal = shared_key(Kind::Personal(owner_id))?;
    made.push((
        Scope::Personal(owner_id),
        kref_of(Scope::Personal(owner_id), personal),
        &personal.3,
    ));
    changes.extend(
        made.iter()
            .map(|(scope, kref, _)| Change::key(*scope, *kref)),
    );
    let state = trust::found(
        db,
        vault_id,
        (owner_id, &identity.sign),
        now,
        changes,
        "the upgraded directory",
    )?;
    let me = state
        .user(owner_id)
        .ok_or_else(|| Error::Integrity("the upgraded directory".into()))?;
    db.drop_format1_grants(owner_id)?;
    for (scope, kref, key) in &made {
        keys::grant(
            db,
            &state,
            keys::Sender {
                id: owner_id,
                identity,
            },
            *scope,
            kref,
            key,
            me,
        )?;
    }
    // The index key of format 1 is not used any more.
    db.drop_index_keys()
}

/// Re-seals one format-1 secret in format 2, signed by the signed-in user,
/// if `keys` open it and its tags check out. A secret whose metadata fails
/// is left as it is (listed as damaged); one whose values fail is sealed
/// with its metadata and values that fail their check, so it stays an
/// integrity error for that secret alone.
pub(crate) fn adopt(cx: &mut Cx, row: legacy::Row, keys: &HashMap<i64, SymKey>) -> Result<()> {
    let db = cx.db();
    let old = format1(db)?;
    let Some(dek) = legacy::dek(old, &row, keys).ok().flatten() else {
        return Ok(());
    };
    let Ok(meta) = legacy::open_meta(&dek, &row) else {
        return Ok(());
    };
    let fields = legacy::open_fields(&dek, &row).ok();
    let Ok(usages) = legacy::usages(old, &dek, &row) else {
        return Ok(());
    };
    let history = legacy::history(old, &dek, &row).unwrap_or_default();
    let id = row.id;
    let new = SymKey::generate();
    db.delete_versions(id)?;
    for (version, updated_at, updated_by, meta, fields) in history {
        let v = Version {
            version,
            updated_at,
            updated_by,
            meta,
            fields,
        };
        record::history::store(db, &new, id, 1, &v)?;
    }
    for (usage_id, name, kind, field, by, at) in usages {
        let recorded = Recorded {
            id: usage_id,
            secret_id: id,
            by,
            at,
        };
        record::usages::store(cx, recorded, &new, 1, &UsageLabel { name, kind, field })?;
    }
    let draft = Draft {
        private: row.private,
        all_depts: row.all_depts,
        depts: row.depts.clone(),
        creator: row.creator_id,
        active: row.active,
        reveal: row.reveal,
        expires_at: row.expires_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
        version: row.version,
    };
    let empty = Fields(Vec::new());
    record::write(
        cx,
        record::Target::Adopt(id),
        &draft,
        &meta,
        fields.as_ref().unwrap_or(&empty),
        record::DekPlan::Given(&new),
    )?;
    if fields.is_none() {
        db.break_fields(id)?;
    }
    Ok(())
}

/// At a format-1 account's enrollment: its shared keys (each checked
/// against the directory's commitment) are granted again to its new key,
/// and its private secrets are re-sealed under its new personal key.
pub(crate) fn carry_over(cx: &mut Cx, pair: &KeyPair) -> Result<()> {
    let me = cx.actor().id;
    let db = cx.db();
    let old = format1(db)?;
    let dir = cx.dir_arc();
    let user = dir
        .user(me)
        .cloned()
        .ok_or_else(|| Error::not_found("no such user"))?;
    let mut old_personal = HashMap::new();
    for (id, kind, _, key) in legacy::open_grants(old, me, pair)? {
        let scope = match kind {
            Kind::All => Scope::All,
            Kind::Dept(d) => Scope::Dept(d),
            Kind::Personal(u) if u == me => {
                old_personal.insert(id, key);
                continue;
            }
            _ => continue,
        };
        let Some((current_scope, kref)) = dir.scope_of_key(id) else {
            continue;
        };
        let matches = current_scope == scope
            && commitment(&dir.config.vault_id, id, scope, kref.generation, &key)
                == kref.commitment;
        if matches && dir.entitled(&user, scope) {
            keys::grant(db, &dir, cx.sender()?, scope, &kref, &key, &user)?;
        }
    }
    for id in legacy::secret_ids(old, Some(me))? {
        if let Some(row) = legacy::load(old, id)? {
            adopt(cx, row, &old_personal)?;
        }
    }
    db.drop_format1_grants(me)
}

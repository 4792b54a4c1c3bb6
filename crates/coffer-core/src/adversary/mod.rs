//! The adversary suite (issue 6): every attack a writer of the storage
//! could make on format 1, played against format 2, each shown to fail.
//!
//! The attacker reads and writes every row with raw SQL, keeps old copies
//! of the file, and uses the vault's own primitives (this module lives in
//! the crate so it can seal, sign and encode exactly as Coffer does).
//! Unless a test says otherwise the attacker has no account; where it fits,
//! the same attack is also made by `eve`, a member of FIN who writes the
//! file with her own keys.
//!
//! Each test asserts what must hold: an integrity or rollback error, no
//! value, and nothing wrapped under a planted key. What a device that has
//! never seen a vault cannot detect is said in docs/SECURITY.md, and
//! asserted here where a test shows the limit.

mod directory;
mod keys;
mod property;
mod secrets;
mod small;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use secrecy::SecretString;
use tempfile::TempDir;

use crate::api::{
    DeptScope, FieldInput, MembershipUpdate, NewSecret, NewUser, Reveal, Role, Scope, SecretValue,
    UserScope,
};
use crate::crypto::{KeyPair, SignKey, SymKey};
use crate::error::ErrorCode;
use crate::keys::Identity;
use crate::trust::state::{Scope as KeyScope, State};
use crate::vault::{InitOptions, KdfChoice, Vault, VaultOptions};

pub(crate) const OWNER: &str = "olga";

pub(crate) fn password_of(user: &str) -> String {
    format!("{user}-password-1")
}

/// A vault with:
/// - olga (owner; DEFAULT, FIN, OPS), ada (admin; FIN), mia and eve
///   (members; FIN), max (member; OPS);
/// - FIN_DB (FIN), OPS_KEY (OPS), EVERYONE (all departments), made by olga;
///   MIA_PRIVATE (private to mia).
pub(crate) struct Lab {
    pub dir: TempDir,
    pub path: PathBuf,
}

pub(crate) fn scope(depts: Option<&[&str]>, private: bool) -> Scope {
    Scope {
        departments: match depts {
            None => DeptScope::All,
            Some(d) => DeptScope::Departments {
                codes: d.iter().map(|c| c.to_string()).collect(),
            },
        },
        users: if private {
            UserScope::Creator
        } else {
            UserScope::All
        },
    }
}

/// An update that replaces a single-field secret's value.
pub(crate) fn value_update(value: &str) -> Option<crate::api::FieldsUpdate> {
    Some(crate::api::FieldsUpdate::Replace {
        fields: vec![FieldInput::set("value", value)],
    })
}

pub(crate) fn secret(key: &str, value: &str, scope: Scope) -> NewSecret {
    NewSecret {
        key: key.into(),
        fields: vec![FieldInput::set("value", value)],
        departments: Some(scope.departments),
        users: scope.users,
        description: String::new(),
        tags: Vec::new(),
        expires_at: None,
        active: true,
        reveal: Reveal::Allowed,
    }
}

impl Lab {
    pub(crate) fn new() -> Self {
        Self::with_kdf(KdfChoice::InsecureTest)
    }

    pub(crate) fn with_kdf(kdf: KdfChoice) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        let lab = Self { dir, path };
        let mut v = Vault::create_with(
            &lab.path,
            InitOptions {
                owner: OWNER.into(),
                display_name: String::new(),
                password: SecretString::from(password_of(OWNER)),
                kdf,
            },
            &lab.device("olga-laptop"),
        )
        .expect("create");
        v.add_department("FIN", "Finance").expect("FIN");
        v.add_department("OPS", "Operations").expect("OPS");
        v.set_memberships(
            OWNER,
            MembershipUpdate {
                departments: vec!["DEFAULT".into(), "FIN".into(), "OPS".into()],
                primary_department: None,
            },
        )
        .expect("owner");
        for (name, role, dept) in [
            ("ada", Role::Admin, "FIN"),
            ("mia", Role::Member, "FIN"),
            ("eve", Role::Member, "FIN"),
            ("max", Role::Member, "OPS"),
        ] {
            v.add_user(NewUser {
                username: name.into(),
                display_name: String::new(),
                role,
                departments: vec![dept.into()],
                primary_department: None,
                initial_password: SecretString::from(format!("{name}-initial-1")),
            })
            .expect("user");
        }
        drop(v);
        for name in ["ada", "mia", "eve", "max"] {
            let mut v = lab.open(&format!("{name}-laptop"));
            v.unlock_with_password(name, &SecretString::from(format!("{name}-initial-1")))
                .expect("first sign-in");
            v.change_password(
                &SecretString::from(format!("{name}-initial-1")),
                &SecretString::from(password_of(name)),
            )
            .expect("own keys");
        }
        // The owner's next session shares the keys with the new members.
        let mut v = lab.as_user("olga-laptop", OWNER);
        v.create_secret(secret(
            "FIN_DB",
            "fin-db-value",
            scope(Some(&["FIN"]), false),
        ))
        .expect("FIN_DB");
        v.create_secret(secret(
            "OPS_KEY",
            "ops-key-value",
            scope(Some(&["OPS"]), false),
        ))
        .expect("OPS_KEY");
        v.create_secret(secret("EVERYONE", "everyone-value", scope(None, false)))
            .expect("EVERYONE");
        let mut v = lab.as_user("mia-laptop", "mia");
        v.create_secret(secret(
            "MIA_PRIVATE",
            "mia-private-value",
            scope(None, true),
        ))
        .expect("MIA_PRIVATE");
        lab
    }

    /// A device: its own memory of vaults.
    pub(crate) fn device(&self, name: &str) -> VaultOptions {
        VaultOptions {
            state_dir: Some(self.dir.path().join("devices").join(name)),
        }
    }

    pub(crate) fn open(&self, device: &str) -> Vault {
        Vault::open_with(&self.path, &self.device(device)).expect("open")
    }

    /// `user` signed in on `device`.
    pub(crate) fn as_user(&self, device: &str, user: &str) -> Vault {
        let mut v = self.open(device);
        v.unlock_with_password(user, &SecretString::from(password_of(user)))
            .expect("sign in");
        v
    }

    /// The storage, as its writer sees it.
    pub(crate) fn raw(&self) -> Connection {
        let c = Connection::open(&self.path).expect("raw");
        c.busy_timeout(std::time::Duration::from_secs(10))
            .expect("busy");
        c
    }

    /// A consistent copy of the vault file as it is now (what an attacker
    /// keeps).
    pub(crate) fn snapshot(&self, name: &str) -> PathBuf {
        let to = self.dir.path().join(format!("{name}.db"));
        let _ = std::fs::remove_file(&to);
        self.raw()
            .execute("VACUUM INTO ?1", [to.to_string_lossy()])
            .expect("snapshot");
        to
    }

    /// `user`'s private keys, as they (a member who writes the file) have them.
    pub(crate) fn identity(&self, user: &str) -> Identity {
        let mut v = self.as_user(&format!("{user}-laptop"), user);
        v.read(|cx| {
            let id = cx.identity()?;
            Ok(Identity {
                sign: SignKey::from_slice(id.sign.expose_seed().as_slice()).expect("seed"),
                enc: KeyPair::from_private_bytes(id.enc.expose_private_bytes().as_slice())
                    .expect("key"),
            })
        })
        .expect("identity")
    }

    /// The current key of a scope, as `user` (who holds it) has it.
    pub(crate) fn scope_key(&self, user: &str, scope: KeyScope) -> (i64, SymKey) {
        let mut v = self.as_user(&format!("{user}-laptop"), user);
        v.read(|cx| {
            let (kref, key) = cx.current_key(scope)?;
            Ok((kref.id, SymKey::from_bytes(*key.expose_bytes())))
        })
        .expect("scope key")
    }

    /// The verified directory (as a fresh device would see it).
    pub(crate) fn directory(&self) -> State {
        let mut v = self.open(&format!("probe-{}", crate::crypto::random_bytes::<4>()[0]));
        (*v.directory().expect("directory").expect("signed")).clone()
    }

    pub(crate) fn secret_id(&self, key: &str) -> i64 {
        let mut v = self.as_user("olga-laptop", OWNER);
        v.list_secrets(&crate::api::ListQuery {
            include_inactive: true,
            ..Default::default()
        })
        .expect("list")
        .into_iter()
        .find(|s| s.key == key)
        .map(|s| s.id)
        .unwrap_or_else(|| {
            // Not visible to the owner (a private secret): by its creator.
            let mut v = self.as_user("mia-laptop", "mia");
            v.list_secrets(&crate::api::ListQuery::default())
                .expect("list")
                .into_iter()
                .find(|s| s.key == key)
                .expect("secret")
                .id
        })
    }
}

/// `get` as a plain string, the error code, or `None`.
pub(crate) fn get(v: &mut Vault, key: &str) -> Result<Option<String>, ErrorCode> {
    use secrecy::ExposeSecret;
    match v.get_secret(key, None) {
        Ok(None) => Ok(None),
        Ok(Some(SecretValue::Single(f))) => Ok(Some(f.value.expose_secret().to_string())),
        Ok(Some(SecretValue::Fields(_))) => Ok(Some("(fields)".into())),
        Err(e) => Err(e.code()),
    }
}

/// The code of an error, for asserting refusals.
pub(crate) fn code<T>(r: crate::error::Result<T>) -> ErrorCode {
    match r {
        Ok(_) => panic!("the attack worked: the operation succeeded"),
        Err(e) => e.code(),
    }
}

/// Appends a directory entry the attacker made and signed, chained to the
/// current head, as a writer of the storage can.
pub(crate) fn forge_entry(
    lab: &Lab,
    signer: i64,
    key: &SignKey,
    enroll: Option<&SignKey>,
    changes: Vec<crate::trust::log::Change>,
) {
    let dir = lab.directory();
    let entry = crate::trust::log::Entry {
        vault_id: dir.config.vault_id.clone(),
        epoch: dir.epoch + 1,
        prev: dir.head,
        signer,
        at: crate::time::now_ms(),
        changes,
    };
    let signed = entry.sign(key, enroll);
    crate::trust::append(&lab.raw(), &signed).expect("append the forged entry");
}

/// Ids of users by name.
pub(crate) fn user_id(dir: &State, name: &str) -> i64 {
    dir.user_named(name).expect("user").id
}

pub(crate) fn dept_id(dir: &State, code: &str) -> i64 {
    dir.dept_coded(code).expect("dept").id
}

/// How many wraps are under a key id.
pub(crate) fn wraps_under(raw: &Connection, key_id: i64) -> i64 {
    raw.query_row(
        "SELECT count(*) FROM secret_wraps WHERE key_id = ?1",
        [key_id],
        |r| r.get(0),
    )
    .expect("count")
}

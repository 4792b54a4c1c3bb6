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
//!
//! With `COFFER_TEST_BACKEND=postgres` (scripts/pg.sh) every lab's vault is
//! a fresh database on the test server instead, and the attacker is the
//! server's superuser: the same statements, and old copies kept as files
//! (what `pg_dump` would give them) that are put back over the database.

mod directory;
mod keys;
mod property;
mod secrets;
mod small;
mod steering;
mod stolen;

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
    /// The vault's location: a file, or a `postgres://` URL.
    pub path: PathBuf,
    /// The lab's database when the run is on PostgreSQL (dropped last).
    pub db: Option<TestDb>,
}

pub(crate) use coffer_testdb::{TestDb, on_postgres};

/// Statement parameters for [`Raw`]: `cells![id, blob, "text"]`.
macro_rules! cells {
    ($($v:expr),* $(,)?) => {
        &[$(crate::store::copy::Cell::from($v)),*][..]
    };
}
pub(crate) use cells;

pub(crate) use crate::store::copy::Cell;

/// The attacker's hands on the storage: any statement, outside every
/// check of Coffer's (the file's owner, or the server's superuser). It is
/// also the storage interface itself, for the vault's own primitives.
pub(crate) struct Raw(crate::store::Backend);

impl std::ops::Deref for Raw {
    type Target = dyn crate::store::Store;
    fn deref(&self) -> &Self::Target {
        match &self.0 {
            crate::store::Backend::File(c) => c,
            crate::store::Backend::Server(s) => &**s,
        }
    }
}

impl Raw {
    /// Runs a statement (`?1`-style parameters); rows changed.
    pub(crate) fn execute(&self, sql: &str, params: &[Cell]) -> crate::error::Result<u64> {
        self.0.raw_execute(sql, params)
    }

    pub(crate) fn rows(&self, sql: &str, params: &[Cell]) -> crate::error::Result<Vec<Vec<Cell>>> {
        self.0.raw_rows(sql, params)
    }

    /// The first row of a query.
    pub(crate) fn row(&self, sql: &str, params: &[Cell]) -> Vec<Cell> {
        self.rows(sql, params)
            .expect("query")
            .into_iter()
            .next()
            .expect("a row")
    }

    /// The integer in the first column of the first row.
    pub(crate) fn int(&self, sql: &str, params: &[Cell]) -> i64 {
        self.row(sql, params)[0].int()
    }

    /// Rewrites a secret's rows as they are in an old copy (a file kept by
    /// the attacker): what a writer who kept old copies can put back. A
    /// secret deleted since comes back whole.
    pub(crate) fn put_back_secret(&self, old: &Path, id: i64) {
        let old = Connection::open(old).expect("the old copy");
        let children = [
            "secret_wraps",
            "secret_versions",
            "usages",
            "secret_departments",
        ];
        for table in children {
            self.execute(
                &format!("DELETE FROM {table} WHERE secret_id = ?1"),
                cells![id],
            )
            .expect("delete");
        }
        self.execute("DELETE FROM secrets WHERE id = ?1", cells![id])
            .expect("delete");
        for (table, key) in
            std::iter::once(("secrets", "id")).chain(children.map(|t| (t, "secret_id")))
        {
            let cols = crate::store::copy::columns_of(table);
            let rows = crate::store::sqlite::raw_rows(
                &old,
                &format!("SELECT {} FROM {table} WHERE {key} = ?1", cols.join(", ")),
                cells![id],
            )
            .expect("old rows");
            self.insert_rows(table, cols, &rows).expect("put back");
        }
    }
}

impl Lab {
    /// The storage as its writer sees it.
    pub(crate) fn raw(&self) -> Raw {
        Raw(crate::store::open(&self.path).expect("raw"))
    }

    /// A consistent copy of the vault as it is now (what an attacker
    /// keeps), always as a file: `VACUUM INTO` for a file, every row of
    /// every table for a server.
    pub(crate) fn snapshot(&self, name: &str) -> PathBuf {
        let to = self.dir.path().join(format!("{name}.db"));
        let _ = std::fs::remove_file(&to);
        match &self.db {
            None => {
                Connection::open(&self.path)
                    .expect("raw")
                    .execute("VACUUM INTO ?1", [to.to_string_lossy()])
                    .expect("snapshot");
            }
            Some(_) => {
                let mut file = crate::store::sqlite::create(&to).expect("snapshot file");
                let tx = file.transaction().expect("tx");
                crate::store::copy::copy_rows(&*self.raw(), &*tx).expect("snapshot");
                tx.commit().expect("commit");
            }
        }
        to
    }

    /// Puts a whole copy (a file) back in place of the vault: the file
    /// itself, or every row of the database replaced by the copy's.
    pub(crate) fn replace_with(&self, copy: &Path) {
        match &self.db {
            None => {
                std::fs::copy(copy, &self.path).expect("swap the file");
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
                }
            }
            Some(_) => {
                let raw = self.raw();
                let tables: Vec<&str> =
                    crate::store::copy::TABLES.iter().map(|(t, _)| *t).collect();
                raw.execute(&format!("TRUNCATE {} CASCADE", tables.join(", ")), &[])
                    .expect("truncate");
                let old = Connection::open(copy).expect("the copy");
                crate::store::copy::copy_rows(&old, &*raw).expect("put back");
            }
        }
    }
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
        let (path, db) = if on_postgres() {
            let db = TestDb::new("adv");
            (PathBuf::from(&db.url), Some(db))
        } else {
            (dir.path().join("vault.db"), None)
        };
        let lab = Self { dir, path, db };
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

    /// `user`'s private keys, as they (a member who writes the file) have them.
    pub(crate) fn identity(&self, user: &str) -> Identity {
        let mut v = self.as_user(&format!("{user}-laptop"), user);
        v.read(|cx| {
            let id = cx.identity()?;
            Ok(Identity {
                sign: SignKey::from_slice(id.sign.expose_seed().as_slice()).expect("seed"),
                enc: KeyPair::from_private_bytes(id.enc.expose_private_bytes().as_slice())
                    .expect("key"),
                past: Vec::new(),
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
    crate::trust::append(&*lab.raw(), &signed).expect("append the forged entry");
}

/// Appends audit entries in `user`'s name, signed with `keys`, as a writer
/// of the storage who holds them can.
pub(crate) fn forge_audit(lab: &Lab, user: &str, keys: &Identity, events: &[crate::audit::Event]) {
    let dir = lab.directory();
    let device =
        crate::store::device::DeviceStore::open(&lab.dir.path().join("devices").join("forger"))
            .expect("a device store");
    crate::audit::append(
        &*lab.raw(),
        &dir,
        &device,
        user_id(&dir, user),
        Some(keys),
        crate::time::now_ms(),
        events,
    )
    .expect("the forged entries");
}

/// Deletes a secret's row and what hangs on it, as a writer of the storage
/// can.
pub(crate) fn remove_secret(lab: &Lab, id: i64) {
    let raw = lab.raw();
    for table in [
        "secret_wraps",
        "secret_versions",
        "usages",
        "secret_departments",
    ] {
        raw.execute(
            &format!("DELETE FROM {table} WHERE secret_id = ?1"),
            cells![id],
        )
        .expect("delete");
    }
    raw.execute("DELETE FROM secrets WHERE id = ?1", cells![id])
        .expect("delete");
}

/// `user` on `device` changes their password from the lab's to `new`,
/// signing out their other devices (which replaces their keys).
pub(crate) fn replace_keys(lab: &Lab, device: &str, user: &str, new: &str) -> Vault {
    let mut v = lab.as_user(device, user);
    v.change_password_with(
        &SecretString::from(password_of(user)),
        &SecretString::from(new.to_string()),
        true,
        None,
    )
    .expect("passwd");
    v
}

/// Ids of users by name.
pub(crate) fn user_id(dir: &State, name: &str) -> i64 {
    dir.user_named(name).expect("user").id
}

pub(crate) fn dept_id(dir: &State, code: &str) -> i64 {
    dir.dept_coded(code).expect("dept").id
}

/// How many wraps are under a key id.
pub(crate) fn wraps_under(raw: &Raw, key_id: i64) -> i64 {
    raw.int(
        "SELECT count(*) FROM secret_wraps WHERE key_id = ?1",
        cells![key_id],
    )
}

/// The suite attacks the storage the run names: on a PostgreSQL run the
/// lab's rows are in its database on the server, not in a file.
#[test]
fn the_lab_lives_on_the_backend_the_run_names() {
    let lab = Lab::new();
    match &lab.db {
        None => {
            assert!(!on_postgres());
            assert!(lab.path.is_file());
        }
        Some(db) => {
            let out = std::process::Command::new("psql")
                .args([
                    "-qAtX",
                    "-d",
                    &db.name,
                    "-c",
                    "SELECT count(*) FROM coffer.users",
                ])
                .output()
                .expect("psql");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
            assert!(!lab.dir.path().join("vault.db").exists());
        }
    }
}

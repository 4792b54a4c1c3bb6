//! Shared set-up for the core's integration tests: a throwaway vault with
//! cheap (explicitly insecure) KDF parameters and a few users.
#![allow(dead_code)]

use std::path::PathBuf;

use coffer_core::{
    DeptScope, FieldInput, InitOptions, KdfChoice, MembershipUpdate, NewSecret, NewUser, Reveal,
    Role, Scope, SecretString, UserScope, Vault, VaultOptions,
};
use tempfile::TempDir;

pub const PW: &str = "owner-password-1";

pub struct World {
    pub dir: TempDir,
    /// The vault's location: a file, or a `postgres://` URL.
    pub path: PathBuf,
    pub vault: Vault,
    /// The throw-away database of a world on PostgreSQL (dropped last).
    pub db: Option<Db>,
}

pub use coffer_testdb::{TestDb as Db, on_postgres};

/// Where a test's vault lives: a file in `dir`, or a fresh database when
/// the run is on PostgreSQL.
pub fn location(dir: &TempDir) -> (PathBuf, Option<Db>) {
    if on_postgres() {
        let db = Db::new("core");
        (PathBuf::from(&db.url), Some(db))
    } else {
        (dir.path().join("vault.db"), None)
    }
}

/// This test's device memory (each world is its own device).
pub fn device(dir: &TempDir) -> VaultOptions {
    VaultOptions {
        state_dir: Some(dir.path().join("device-state")),
    }
}

impl World {
    /// A vault owned by `owner`, signed in as the owner.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, db) = location(&dir);
        let vault = Vault::create_with(
            &path,
            InitOptions {
                owner: "owner".into(),
                display_name: "The Owner".into(),
                password: SecretString::from(PW),
                kdf: KdfChoice::InsecureTest,
            },
            &device(&dir),
        )
        .expect("create vault");
        Self {
            dir,
            path,
            vault,
            db,
        }
    }

    /// Another handle on the same vault, from this world's device.
    pub fn open(&self) -> Vault {
        Vault::open_with(&self.path, &device(&self.dir)).expect("open")
    }

    pub fn dept(&mut self, code: &str) {
        self.vault
            .add_department(code, &format!("{code} department"))
            .expect("add department");
    }

    /// Adds a user (as whoever is signed in) and sets their own password,
    /// leaving the original session signed in again as `as_user`.
    pub fn user(&mut self, name: &str, role: Role, depts: &[&str]) {
        self.user_called(name, "", role, depts);
    }

    /// As [`World::user`], with a display name.
    pub fn user_called(&mut self, name: &str, display_name: &str, role: Role, depts: &[&str]) {
        let admin = self.vault.session_info().expect("session").user.username;
        self.vault
            .add_user(NewUser {
                username: name.into(),
                display_name: display_name.into(),
                role,
                departments: depts.iter().map(|d| d.to_string()).collect(),
                primary_department: None,
                initial_password: SecretString::from(format!("{name}-initial-pw")),
            })
            .expect("add user");
        self.login(name, &format!("{name}-initial-pw"));
        self.vault
            .change_password(
                &SecretString::from(format!("{name}-initial-pw")),
                &SecretString::from(password_of(name)),
            )
            .expect("change password");
        self.login_as(&admin);
    }

    pub fn login(&mut self, name: &str, password: &str) {
        self.vault
            .unlock_with_password(name, &SecretString::from(password))
            .expect("login");
    }

    pub fn login_as(&mut self, name: &str) {
        let pw = if name == "owner" {
            PW.to_string()
        } else {
            password_of(name)
        };
        self.login(name, &pw);
    }

    pub fn memberships(&mut self, name: &str, depts: &[&str]) {
        self.vault
            .set_memberships(
                name,
                MembershipUpdate {
                    departments: depts.iter().map(|d| d.to_string()).collect(),
                    primary_department: None,
                },
            )
            .expect("memberships");
    }
}

pub fn password_of(name: &str) -> String {
    format!("{name}-real-password")
}

pub fn scope(depts: Option<&[&str]>, private: bool) -> Scope {
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

pub fn secret(key: &str, value: &str, scope: Scope) -> NewSecret {
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

/// `get` as a plain string (single-field secrets), or None.
pub fn get(v: &mut Vault, key: &str, dept: Option<&str>) -> Option<String> {
    use coffer_core::{ExposeSecret, SecretValue};
    match v.get_secret(key, dept).expect("get") {
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

/// Writes a secret whose key, field name, value, tag, description and
/// usage are distinct marker words, a private secret, and an update (so
/// history rows exist too): whatever holds the vault must not show any of
/// them. Returns the markers.
pub fn plant_canaries(w: &mut World) -> [&'static str; 7] {
    use coffer_core::NewUsage;
    w.dept("FIN");
    w.user("mia", Role::Member, &["FIN"]);
    let canaries = [
        "CanaryKeyQ7",
        "CanaryValueZ3",
        "CanaryFieldW9",
        "CanaryTagK2",
        "CanaryDescV5",
        "CanaryUsageN4",
        "CanaryPrivX8",
    ];
    let mut s = secret(canaries[0], "", scope(Some(&["FIN"]), false));
    s.fields = vec![
        FieldInput::set(canaries[2], canaries[1]),
        FieldInput::set("password", canaries[1]),
    ];
    s.tags = vec![canaries[3].into()];
    s.description = format!("about {}", canaries[4]);
    let id = w.vault.create_secret(s).expect("create");
    w.vault
        .add_usage(
            id,
            NewUsage {
                name: canaries[5].into(),
                kind: "pipeline".into(),
                field: None,
            },
        )
        .expect("usage");
    w.login_as("mia");
    w.vault
        .create_secret(secret(canaries[6], canaries[6], scope(None, true)))
        .expect("private");
    // Updates push history rows too.
    w.login_as("owner");
    w.vault
        .update_secret(
            id,
            coffer_core::SecretUpdate {
                description: Some("v2".into()),
                ..Default::default()
            },
        )
        .expect("update");
    canaries
}

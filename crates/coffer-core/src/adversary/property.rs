//! The property behind re-keying: random sequences of membership changes,
//! promotions and demotions, scope changes (to departments, all, or
//! private) and new values, with the file as it is after each step.
//! Whatever a user ever held (every scope key and data key they could open
//! at any step up to now) never opens a value written while they were not
//! entitled to it; and what a user held when they replaced their keys (a
//! password change signing out their devices: what a thief of one took)
//! never opens a value written afterwards.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::api::{MembershipUpdate, SecretUpdate};
use crate::crypto::{Aad, SymKey};
use crate::seal::header::Header;
use crate::trust::state::State;

use super::*;

const USERS: [&str; 3] = ["ana", "ben", "cy"];
const DEPTS: [&str; 2] = ["D1", "D2"];
const SECRETS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Join(usize, usize),
    Leave(usize, usize),
    Write(usize),
    Rescope(usize, u8),
    /// Makes a user an admin (true) or a member again (false).
    Role(usize, bool),
    /// The user changes their password and signs out their other devices
    /// (their keys are replaced): what they held up to now is a thief's.
    Rotate(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..USERS.len(), 0..DEPTS.len()).prop_map(|(u, d)| Op::Join(u, d)),
        (0..USERS.len(), 0..DEPTS.len()).prop_map(|(u, d)| Op::Leave(u, d)),
        (0..SECRETS).prop_map(Op::Write),
        (0..SECRETS, 0u8..5).prop_map(|(s, c)| Op::Rescope(s, c)),
        (0..USERS.len(), any::<bool>()).prop_map(|(u, admin)| Op::Role(u, admin)),
        (0..USERS.len()).prop_map(Op::Rotate),
    ]
}

/// Scope choice: D1, D2, both, all departments, private (the owner's).
fn scope_of(choice: u8) -> Scope {
    match choice % 5 {
        0 => scope(Some(&["D1"]), false),
        1 => scope(Some(&["D2"]), false),
        2 => scope(Some(&["D1", "D2"]), false),
        3 => scope(None, false),
        _ => scope(None, true),
    }
}

/// Everything one user ever held.
#[derive(Default)]
struct Ring {
    keys: Vec<(i64, SymKey)>,
    deks: Vec<SymKey>,
}

/// A value as written, with what an attacker holding the file at that
/// moment sees of it.
struct Written {
    id: i64,
    header: Header,
    fields: Vec<u8>,
    wraps: Vec<(i64, Vec<u8>)>,
    /// Users entitled to it when it was written.
    entitled: BTreeSet<String>,
}

struct World {
    _dir: TempDir,
    path: PathBuf,
    devices: PathBuf,
    owner: Vault,
    ids: [Option<i64>; SECRETS],
    memberships: Vec<BTreeSet<usize>>,
    admins: BTreeSet<usize>,
    passwords: Vec<String>,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("vault.db");
        let devices = dir.path().join("devices");
        let device = |n: &str| VaultOptions {
            state_dir: Some(devices.join(n)),
        };
        let mut owner = Vault::create_with(
            &path,
            InitOptions {
                owner: OWNER.into(),
                display_name: String::new(),
                password: SecretString::from(password_of(OWNER)),
                kdf: KdfChoice::InsecureTest,
            },
            &device(OWNER),
        )
        .expect("create");
        for d in DEPTS {
            owner.add_department(d, d).expect("dept");
        }
        for u in USERS {
            owner
                .add_user(NewUser {
                    username: u.into(),
                    display_name: String::new(),
                    role: Role::Member,
                    departments: vec!["D1".into()],
                    primary_department: None,
                    initial_password: SecretString::from(format!("{u}-initial-1")),
                })
                .expect("user");
            let mut v = Vault::open_with(&path, &device(u)).expect("open");
            v.unlock_with_password(u, &SecretString::from(format!("{u}-initial-1")))
                .expect("sign in");
            v.change_password(
                &SecretString::from(format!("{u}-initial-1")),
                &SecretString::from(password_of(u)),
            )
            .expect("keys");
        }
        owner
            .unlock_with_password(OWNER, &SecretString::from(password_of(OWNER)))
            .expect("owner");
        Self {
            _dir: dir,
            path,
            devices,
            owner,
            ids: [None; SECRETS],
            memberships: vec![[0].into(); USERS.len()],
            admins: BTreeSet::new(),
            passwords: USERS.iter().map(|u| password_of(u)).collect(),
        }
    }

    fn session(&self, user: &str) -> Vault {
        let mut v = Vault::open_with(
            &self.path,
            &VaultOptions {
                state_dir: Some(self.devices.join(user)),
            },
        )
        .expect("open");
        let password = USERS
            .iter()
            .position(|u| *u == user)
            .map_or_else(|| password_of(user), |i| self.passwords[i].clone());
        v.unlock_with_password(user, &SecretString::from(password))
            .expect("sign in");
        v
    }

    /// Adds to `ring` every current scope key and data key `user` holds.
    fn collect(&self, user: &str, ring: &mut Ring) {
        let mut v = self.session(user);
        let ids: Vec<i64> = self.ids.iter().flatten().copied().collect();
        v.read(|cx| {
            let dir = cx.dir_arc();
            let key_ids: Vec<i64> = dir.shared.values().map(|k| k.id).collect();
            for id in key_ids {
                if let Some(k) = cx.key(id)? {
                    ring.keys.push((id, SymKey::from_bytes(*k.expose_bytes())));
                }
            }
            for id in &ids {
                if let Ok(s) = crate::access::visible(cx, *id)
                    && let Ok(Some(dek)) = crate::record::dek(cx, &s)
                {
                    ring.deks.push(SymKey::from_bytes(*dek.expose_bytes()));
                }
            }
            Ok(())
        })
        .expect("collect");
    }

    fn written(&self, id: i64) -> Written {
        let raw = Connection::open(&self.path).expect("raw");
        let (header, fields): (Vec<u8>, Vec<u8>) = raw
            .query_row(
                "SELECT header, fields FROM secrets WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        let wraps = raw
            .prepare("SELECT key_id, wrapped FROM secret_wraps WHERE secret_id = ?1")
            .expect("prep")
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("wraps");
        let header = Header::decode(&header).expect("header");
        let dir = self.directory();
        let entitled = USERS
            .iter()
            .filter(|u| {
                let user = dir.user_named(u).expect("user");
                crate::seal::header::key_scopes(&header.scope())
                    .iter()
                    .any(|s| dir.entitled(user, *s))
            })
            .map(|u| u.to_string())
            .collect();
        Written {
            id,
            header,
            fields,
            wraps,
            entitled,
        }
    }

    fn directory(&self) -> State {
        let mut v = Vault::open_with(
            &self.path,
            &VaultOptions {
                state_dir: Some(self.devices.join("probe")),
            },
        )
        .expect("open");
        (*v.directory().expect("dir").expect("signed")).clone()
    }

    fn apply(&mut self, op: &Op, step: usize) -> Option<i64> {
        match *op {
            Op::Join(u, d) | Op::Leave(u, d) => {
                let set = &mut self.memberships[u];
                if matches!(op, Op::Join(..)) {
                    set.insert(d);
                } else {
                    set.remove(&d);
                }
                self.owner
                    .set_memberships(
                        USERS[u],
                        MembershipUpdate {
                            departments: set.iter().map(|d| DEPTS[*d].to_string()).collect(),
                            primary_department: None,
                        },
                    )
                    .expect("memberships");
                None
            }
            Op::Write(s) => {
                let value = format!("value-{s}-{step}");
                let id = match self.ids[s] {
                    Some(id) => {
                        self.owner
                            .update_secret(
                                id,
                                SecretUpdate {
                                    fields: super::value_update(&value),
                                    ..Default::default()
                                },
                            )
                            .expect("update");
                        id
                    }
                    None => {
                        let id = self
                            .owner
                            .create_secret(secret(&format!("S{s}"), &value, scope_of(s as u8)))
                            .expect("create");
                        self.ids[s] = Some(id);
                        id
                    }
                };
                Some(id)
            }
            Op::Role(u, admin) => {
                let changed = if admin {
                    self.admins.insert(u)
                } else {
                    self.admins.remove(&u)
                };
                if !changed {
                    return None;
                }
                self.owner
                    .set_role(USERS[u], if admin { Role::Admin } else { Role::Member })
                    .expect("role");
                None
            }
            Op::Rotate(u) => {
                let mut v = self.session(USERS[u]);
                let new = format!("{}-password-{}", USERS[u], step + 2);
                v.change_password_with(
                    &SecretString::from(self.passwords[u].clone()),
                    &SecretString::from(new.clone()),
                    true,
                    None,
                )
                .expect("passwd");
                self.passwords[u] = new;
                None
            }
            Op::Rescope(s, c) => {
                let id = self.ids[s]?;
                self.owner
                    .update_secret(
                        id,
                        SecretUpdate {
                            departments: Some(scope_of(c).departments),
                            users: Some(scope_of(c).users),
                            fields: super::value_update(&format!("rescoped-{s}-{step}")),
                            ..Default::default()
                        },
                    )
                    .expect("rescope");
                Some(id)
            }
        }
    }
}

fn opens(ring: &Ring, w: &Written) -> bool {
    let h = &w.header;
    let fields_aad = Aad::new("secrets", w.id, "fields", h.dek_gen);
    if ring
        .deks
        .iter()
        .any(|d| d.open(&fields_aad, &w.fields).is_ok())
    {
        return true;
    }
    ring.keys.iter().any(|(_, k)| {
        w.wraps
            .iter()
            .any(|(key_id, wrapped)| crate::seal::unwrap_dek(k, h, *key_id, wrapped).is_ok())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn a_removed_holder_never_opens_what_is_written_after(ops in proptest::collection::vec(op(), 3..12)) {
        let mut w = World::new();
        let mut rings: Vec<Ring> = USERS.iter().map(|_| Ring::default()).collect();
        for (u, ring) in USERS.iter().zip(rings.iter_mut()) {
            w.collect(u, ring);
        }
        // What each user held when they replaced their keys: a thief's.
        let mut thieves: Vec<(String, usize, Ring)> = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            if let Op::Rotate(u) = op {
                let held = &rings[*u];
                thieves.push((USERS[*u].to_string(), step, Ring {
                    keys: held.keys.iter().map(|(id, k)| (*id, SymKey::from_bytes(*k.expose_bytes()))).collect(),
                    deks: held.deks.iter().map(|k| SymKey::from_bytes(*k.expose_bytes())).collect(),
                }));
            }
            let touched = w.apply(op, step);
            for (u, ring) in USERS.iter().zip(rings.iter_mut()) {
                w.collect(u, ring);
            }
            if let Some(id) = touched {
                let written = w.written(id);
                for (u, ring) in USERS.iter().zip(&rings) {
                    if !written.entitled.contains(*u) {
                        prop_assert!(
                            !opens(ring, &written),
                            "{u} opened secret {id} written at step {step} ({op:?}) while not entitled"
                        );
                    }
                }
                for (u, at, ring) in &thieves {
                    prop_assert!(
                        !opens(ring, &written),
                        "what {u} held before replacing their keys at step {at} opened secret {id} written at step {step} ({op:?})"
                    );
                }
            }
        }
    }
}

//! Managing users and departments (SPEC §1-2): owner and admins create
//! users and departments, change roles and memberships, and disable users.
//! Every change is a signed directory change; giving access grants keys,
//! taking it away re-keys (see `rekey`) and re-signs what the user signed.

use std::collections::BTreeSet;

use rusqlite::params;

use crate::account;
use crate::error::{Error, Result};
use crate::keys;
use crate::model::{Department, MembershipUpdate, NewUser, Role, UserInfo};
use crate::rekey;
use crate::trust::log::Change;
use crate::trust::state::{DeptEntry, Identity, Scope, State, UserEntry};
use crate::validate;
use crate::vault::{Cx, Vault, insert_user_row};

/// A directory user as front ends see them.
pub(crate) fn user_info(dir: &State, u: &UserEntry) -> UserInfo {
    let codes = dir.dept_codes();
    let code = |d: &i64| codes.get(d).cloned().unwrap_or_else(|| format!("#{d}"));
    UserInfo {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        departments: u.depts.iter().map(code).collect(),
        primary_department: u.primary.as_ref().map(code),
        disabled: u.disabled,
        must_change_password: matches!(u.identity, Identity::Pending { .. }),
        created_at: u.created_at,
    }
}

/// Users entitled to a shared key the signed-in user holds, who have keys
/// of their own but no grant of it yet (new members, or everyone after a
/// format upgrade): (scope, user id).
fn missing(cx: &mut Cx) -> Result<Vec<(Scope, i64)>> {
    let dir = cx.dir_arc();
    let held: Vec<(Scope, i64)> = dir.shared.iter().map(|(s, k)| (*s, k.id)).collect();
    let ids: Vec<i64> = held.iter().map(|h| h.1).collect();
    let holders = keys::holders_of(cx.conn, &ids)?;
    let mut out = Vec::new();
    for (scope, key_id) in held {
        let have = holders.get(&key_id).cloned().unwrap_or_default();
        let lacking: Vec<i64> = dir
            .users
            .values()
            .filter(|u| u.is_active() && dir.entitled(u, scope) && !have.contains(&u.id))
            .map(|u| u.id)
            .collect();
        if lacking.is_empty() || cx.keys.get(cx.conn, &dir, key_id)?.is_none() {
            continue;
        }
        out.extend(lacking.into_iter().map(|u| (scope, u)));
    }
    Ok(out)
}

/// Whether the signed-in user is entitled to a shared key nobody has
/// shared with them yet.
pub(crate) fn keys_pending(cx: &mut Cx) -> Result<bool> {
    let dir = cx.dir_arc();
    let Some(me) = dir.user(cx.actor.id) else {
        return Ok(false);
    };
    if !me.is_active() {
        return Ok(false);
    }
    let wanted: Vec<i64> = dir
        .shared
        .iter()
        .filter(|(s, _)| dir.entitled(me, **s))
        .map(|(_, k)| k.id)
        .collect();
    let holders = keys::holders_of(cx.conn, &wanted)?;
    Ok(wanted
        .iter()
        .any(|id| !holders.get(id).is_some_and(|h| h.contains(&me.id))))
}

/// Whether the signed-in user could share keys someone is still missing.
pub(crate) fn grants_missing(cx: &mut Cx) -> Result<bool> {
    Ok(!missing(cx)?.is_empty())
}

/// Shares every shared key the signed-in user holds with the users
/// entitled to it who lack it. Runs after every write, and at sign-in when
/// something is missing: this is how a new member receives their keys once
/// they have made their own (which the admin who created them could not).
pub(crate) fn grant_missing(cx: &mut Cx) -> Result<()> {
    let todo = missing(cx)?;
    if todo.is_empty() {
        return Ok(());
    }
    let dir = cx.dir_arc();
    for (scope, user_id) in todo {
        let (Some(kref), Some(user)) = (dir.current_key(scope), dir.user(user_id)) else {
            continue;
        };
        let Some(key) = cx.keys.get(cx.conn, &dir, kref.id)? else {
            continue;
        };
        let key = crate::crypto::SymKey::from_bytes(*key.expose_bytes());
        keys::grant(
            cx.conn,
            &dir,
            keys::Sender {
                id: cx.actor.id,
                identity: cx.keys.identity()?,
            },
            scope,
            &kref,
            &key,
            user,
        )?;
    }
    Ok(())
}

fn department_list(dir: &State) -> Vec<Department> {
    let mut list: Vec<Department> = dir
        .depts
        .values()
        .map(|d| Department {
            id: d.id,
            code: d.code.clone(),
            name: d.name.clone(),
            members: dir
                .users
                .values()
                .filter(|u| !u.disabled && u.depts.contains(&d.id))
                .count() as i64,
        })
        .collect();
    list.sort_by(|a, b| a.code.cmp(&b.code));
    list
}

/// Department ids for codes, refusing unknown ones.
pub(crate) fn dept_ids(dir: &State, codes: &[String]) -> Result<BTreeSet<i64>> {
    codes.iter().map(|c| dept_id(dir, c)).collect()
}

pub(crate) fn dept_id(dir: &State, code: &str) -> Result<i64> {
    dir.dept_coded(code)
        .map(|d| d.id)
        .ok_or_else(|| Error::not_found("no department with that code: see `coffer dept list`"))
}

/// Membership changes need the departments, and a primary among them.
fn resolve_memberships(
    dir: &State,
    codes: &[String],
    primary: Option<&str>,
) -> Result<(BTreeSet<i64>, Option<i64>)> {
    let depts = dept_ids(dir, codes)?;
    let primary = match primary {
        Some(code) => {
            let id = dept_id(dir, code)?;
            if !depts.contains(&id) {
                return Err(Error::invalid(
                    "the primary department must be one of the user's departments",
                ));
            }
            Some(id)
        }
        None => codes.first().map(|c| dept_id(dir, c)).transpose()?,
    };
    Ok((depts, primary))
}

/// A user by name, for an admin's action.
fn find(dir: &State, username: &str) -> Result<UserEntry> {
    dir.user_named(username)
        .cloned()
        .ok_or_else(|| Error::not_found("no user with that username: see `coffer user list`"))
}

/// Loads a user to manage, refusing changes to oneself through these paths.
fn managed(cx: &Cx, username: &str) -> Result<UserEntry> {
    let user = find(cx.dir(), username)?;
    if user.id == cx.actor.id {
        return Err(Error::denied(
            "you cannot change your own role or disable yourself",
        ));
    }
    Ok(user)
}

/// Grants a user every shared key their entry now entitles them to (that
/// the signed-in user holds).
fn grant_entitled(cx: &mut Cx, user_id: i64) -> Result<()> {
    let dir = cx.dir_arc();
    let Some(user) = dir.user(user_id) else {
        return Ok(());
    };
    if !user.is_active() {
        return Ok(());
    }
    for (scope, kref) in &dir.shared {
        if !dir.entitled(user, *scope) {
            continue;
        }
        let Some(key) = cx.keys.get(cx.conn, &dir, kref.id)? else {
            continue;
        };
        let key = crate::crypto::SymKey::from_bytes(*key.expose_bytes());
        keys::grant(
            cx.conn,
            &dir,
            keys::Sender {
                id: cx.actor.id,
                identity: cx.keys.identity()?,
            },
            *scope,
            kref,
            &key,
            user,
        )?;
    }
    Ok(())
}

/// Shared scopes a user was entitled to as `old` and is not as `new`:
/// their keys are replaced.
fn lost_scopes(dir: &State, old: &UserEntry, new: &UserEntry) -> Vec<Scope> {
    dir.shared
        .keys()
        .filter(|s| dir.entitled(old, **s) && !dir.entitled(new, **s))
        .copied()
        .collect()
}

/// Keeps the plaintext convenience columns in step with a user's entry.
fn store_user_columns(cx: &Cx, u: &UserEntry) -> Result<()> {
    cx.conn.execute(
        "UPDATE users SET display_name = ?2, role = ?3, primary_dept_id = ?4, disabled = ?5 WHERE id = ?1",
        params![u.id, u.display_name, u.role.as_str(), u.primary, u.disabled],
    )?;
    cx.conn
        .execute("DELETE FROM memberships WHERE user_id = ?1", [u.id])?;
    for d in &u.depts {
        cx.conn.execute(
            "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
            params![u.id, d],
        )?;
    }
    Ok(())
}

/// Applies a changed user entry: the signed change, the columns, then keys:
/// grants for what they gained, re-keying for what they lost, and re-signed
/// secrets when their signatures relied on rights they lost.
fn update_user(cx: &mut Cx, new: UserEntry) -> Result<()> {
    let old = cx.dir().user(new.id).cloned();
    cx.change(Change::User(new.clone()))?;
    store_user_columns(cx, &new)?;
    let Some(old) = old else {
        return Ok(());
    };
    let lost = lost_scopes(cx.dir(), &old, &new);
    let lost_rights =
        (new.disabled && !old.disabled) || (old.role.is_admin() && !new.role.is_admin());
    if lost_rights {
        rekey::reattest(cx, new.id)?;
    }
    if !lost.is_empty() {
        rekey::rotate(cx, &lost)?;
    }
    grant_entitled(cx, new.id)
}

impl Vault {
    /// Every department, with its number of active members.
    pub fn departments(&mut self) -> Result<Vec<Department>> {
        self.read(|cx| Ok(department_list(cx.dir())))
    }

    /// Creates a department; its key goes to the owner and admins.
    pub fn add_department(&mut self, code: &str, name: &str) -> Result<Department> {
        let code = validate::department_code(code.trim())?;
        let name = validate::department_name(name)?;
        self.write(|cx| {
            cx.actor.check_manage_directory()?;
            if cx.dir().dept_coded(&code).is_some() {
                return Err(Error::Conflict(
                    "a department with this code already exists".into(),
                ));
            }
            cx.conn
                .execute(
                    "INSERT INTO departments (code, name, created_at) VALUES (?1, ?2, ?3)",
                    params![code, name, cx.now],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => {
                        Error::Conflict("a department with this code already exists".into())
                    }
                    _ => e.into(),
                })?;
            let id = cx.conn.last_insert_rowid();
            cx.change(Change::Dept(DeptEntry {
                id,
                code: code.clone(),
                name: name.clone(),
                created_at: cx.now,
            }))?;
            let scope = Scope::Dept(id);
            let (kref, key) = keys::new_key(cx.conn, cx.vault_id(), scope, 1, cx.now)?;
            cx.change(Change::SharedKey(scope, kref))?;
            keys::mark_current(cx.conn, None, kref.id)?;
            let dir = cx.dir_arc();
            for user in dir.users.values() {
                if user.is_active() && dir.entitled(user, scope) {
                    keys::grant(
                        cx.conn,
                        &dir,
                        keys::Sender {
                            id: cx.actor.id,
                            identity: cx.keys.identity()?,
                        },
                        scope,
                        &kref,
                        &key,
                        user,
                    )?;
                }
            }
            cx.keys.insert(kref.id, key);
            Ok(Department {
                id,
                code: code.clone(),
                name: name.clone(),
                members: 0,
            })
        })
    }

    pub fn rename_department(&mut self, code: &str, name: &str) -> Result<()> {
        let name = validate::department_name(name)?;
        self.write(|cx| {
            cx.actor.check_manage_directory()?;
            let mut dept = cx.dir().dept_coded(code).cloned().ok_or_else(|| {
                Error::not_found("no department with that code: see `coffer dept list`")
            })?;
            dept.name.clone_from(&name);
            cx.conn.execute(
                "UPDATE departments SET name = ?2 WHERE id = ?1",
                params![dept.id, name],
            )?;
            cx.change(Change::Dept(dept))
        })
    }

    /// Every user (admins and the owner only).
    pub fn users(&mut self) -> Result<Vec<UserInfo>> {
        self.read(|cx| {
            cx.actor.check_manage_directory()?;
            let dir = cx.dir();
            let mut list: Vec<UserInfo> = dir.users.values().map(|u| user_info(dir, u)).collect();
            list.sort_by_key(|u| u.username.to_lowercase());
            Ok(list)
        })
    }

    /// Creates a user with an initial password. The account holds no keys
    /// and no grants until its user signs in and sets their own password:
    /// their keys are made then, on their device, and the initial password
    /// only proves it is them. With no departments given, the user joins
    /// `DEFAULT`.
    pub fn add_user(&mut self, new: NewUser) -> Result<UserInfo> {
        validate::username(&new.username)?;
        let display = validate::display_name(&new.display_name)?;
        validate::new_password(&new.initial_password)?;
        if new.role == Role::Owner {
            return Err(Error::invalid(
                "a vault has exactly one owner: make this user an admin or a member",
            ));
        }
        let config = self
            .directory()?
            .ok_or_else(|| {
                Error::AuthFailed("this vault must be upgraded by its owner first".into())
            })?
            .config
            .clone();
        // The slow part runs before taking the write lock.
        let (salt, params, enroll) =
            account::enrollment_key(&new.initial_password, account::new_password_params(&config))?;
        self.write(|cx| {
            cx.actor.check_manage_user(new.role, None)?;
            if cx.dir().user_named(&new.username).is_some() {
                return Err(Error::Conflict(
                    "a user with this username already exists".into(),
                ));
            }
            let codes = if new.departments.is_empty() {
                vec!["DEFAULT".to_string()]
            } else {
                new.departments.clone()
            };
            let (depts, primary) =
                resolve_memberships(cx.dir(), &codes, new.primary_department.as_deref())?;
            let name = if display.is_empty() {
                new.username.clone()
            } else {
                display.clone()
            };
            let id = insert_user_row(cx.conn, &new.username, &name, new.role, primary, cx.now)?;
            cx.conn.execute(
                "UPDATE users SET kdf_salt = ?2, kdf_m = ?3, kdf_t = ?4, kdf_p = ?5 WHERE id = ?1",
                params![id, salt.to_vec(), params.m_kib, params.t, params.p],
            )?;
            let entry = UserEntry {
                id,
                username: new.username.clone(),
                display_name: name,
                role: new.role,
                depts,
                primary,
                disabled: false,
                identity: Identity::Pending {
                    enroll: enroll.public(),
                },
                personal: None,
                created_at: cx.now,
            };
            cx.change(Change::User(entry.clone()))?;
            store_user_columns(cx, &entry)?;
            Ok(user_info(cx.dir(), &entry))
        })
    }

    /// Changes a user's role (only the owner makes or removes admins). A
    /// demoted admin loses the keys of departments they are not a member
    /// of (those departments are re-keyed), and what they signed as an
    /// admin is re-signed by the owner.
    pub fn set_role(&mut self, username: &str, role: Role) -> Result<()> {
        self.write(|cx| {
            let user = managed(cx, username)?;
            cx.actor.check_manage_user(user.role, Some(role))?;
            if user.role == role {
                return Ok(());
            }
            update_user(cx, UserEntry { role, ..user })
        })
    }

    /// Replaces a user's departments. Leaving a department re-keys it.
    pub fn set_memberships(&mut self, username: &str, update: MembershipUpdate) -> Result<()> {
        self.write(|cx| {
            let user = find(cx.dir(), username)?;
            let own = user.id == cx.actor.id;
            match user.role {
                Role::Owner | Role::Admin if !own => {
                    cx.actor.check_manage_user(Role::Admin, None)?
                }
                _ => cx.actor.check_manage_directory()?,
            }
            let (depts, primary) = resolve_memberships(
                cx.dir(),
                &update.departments,
                update.primary_department.as_deref(),
            )?;
            update_user(
                cx,
                UserEntry {
                    depts,
                    primary,
                    ..user
                },
            )
        })
    }

    /// Disables or re-enables a user. Disabling removes every shared key
    /// the user held and re-keys those scopes, re-signs what they signed,
    /// and forgets their devices.
    pub fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<()> {
        self.write(|cx| {
            let user = managed(cx, username)?;
            cx.actor.check_manage_user(user.role, None)?;
            if user.disabled == disabled {
                return Ok(());
            }
            cx.conn.execute(
                "UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?1",
                [user.id],
            )?;
            if disabled {
                cx.conn
                    .execute("DELETE FROM devices WHERE user_id = ?1", [user.id])?;
            }
            update_user(cx, UserEntry { disabled, ..user })
        })
    }
}

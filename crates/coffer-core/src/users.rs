//! Managing users and departments (SPEC §1-2): owner and admins create
//! users and departments, change roles and memberships, and disable users.
//! Giving access grants keys; taking it away re-keys (see `rekey`).

use std::collections::BTreeSet;

use rusqlite::params;

use crate::account::{self, NewAccount, PasswordLock};
use crate::directory::{self, UserRow};
use crate::error::{Error, Result};
use crate::keys::{self, KeyKind};
use crate::model::{Department, MembershipUpdate, NewUser, Role, UserInfo};
use crate::rekey;
use crate::validate;
use crate::vault::{Cx, Vault};

/// Every department id.
fn all_depts(cx: &Cx) -> Result<Vec<i64>> {
    let mut stmt = cx.conn.prepare("SELECT id FROM departments ORDER BY id")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Grants a user every department key their role and memberships call for.
fn grant_departments(
    cx: &mut Cx,
    user_id: i64,
    public_key: &[u8],
    role: Role,
    depts: &BTreeSet<i64>,
) -> Result<()> {
    let wanted: Vec<i64> = if role.is_admin() {
        all_depts(cx)?
    } else {
        depts.iter().copied().collect()
    };
    for d in wanted {
        keys::grant_current(cx.conn, cx.keys, KeyKind::Dept(d), user_id, public_key)?;
    }
    Ok(())
}

/// Takes department keys away from a user and re-keys those departments.
fn revoke_departments(cx: &mut Cx, user_id: i64, depts: &[i64]) -> Result<()> {
    let mut rotate = Vec::with_capacity(depts.len());
    for &d in depts {
        let key_id = keys::current_key_id(cx.conn, KeyKind::Dept(d))?;
        keys::revoke(cx.conn, key_id, user_id)?;
        rotate.push(key_id);
    }
    rekey::rotate_many(cx, &rotate)
}

/// Membership changes need the departments, and a primary among them.
fn resolve_memberships(
    cx: &Cx,
    codes: &[String],
    primary: Option<&str>,
) -> Result<(BTreeSet<i64>, Option<i64>)> {
    let depts = directory::dept_ids(cx.conn, codes)?;
    let primary = match primary {
        Some(code) => {
            let id = directory::dept_id(cx.conn, code.trim())?;
            if !depts.contains(&id) {
                return Err(Error::invalid(
                    "the primary department must be one of the user's departments",
                ));
            }
            Some(id)
        }
        None => codes
            .first()
            .map(|c| directory::dept_id(cx.conn, c.trim()))
            .transpose()?,
    };
    Ok((depts, primary))
}

fn department_list(cx: &Cx) -> Result<Vec<Department>> {
    let mut stmt = cx.conn.prepare(
        "SELECT d.id, d.code, d.name,
                (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
                  WHERE m.dept_id = d.id AND u.disabled = 0)
           FROM departments d ORDER BY d.code",
    )?;
    let list = stmt
        .query_map([], |r| {
            Ok(Department {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                members: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(list)
}

/// Loads a user to manage, refusing changes to oneself through these paths.
fn managed(cx: &mut Cx, username: &str) -> Result<UserRow> {
    let user = directory::find(cx.conn, cx.keys, username)?;
    if user.id == cx.actor.id {
        return Err(Error::denied(
            "you cannot change your own role or disable yourself",
        ));
    }
    Ok(user)
}

impl Vault {
    /// Every department, with its number of active members.
    pub fn departments(&mut self) -> Result<Vec<Department>> {
        self.run(false, false, |cx| department_list(cx))
    }

    /// Creates a department; its key goes to the owner and admins.
    pub fn add_department(&mut self, code: &str, name: &str) -> Result<Department> {
        let code = validate::department_code(code.trim())?;
        let name = validate::department_name(name)?;
        self.run(true, false, |cx| {
            cx.actor.check_manage_directory()?;
            cx.conn
                .execute(
                    "INSERT INTO departments (code, name, created_at) VALUES (?1, ?2, ?3)",
                    params![code, name, cx.now],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => {
                        Error::Conflict(format!("a department with code {code} already exists"))
                    }
                    _ => e.into(),
                })?;
            let id = cx.conn.last_insert_rowid();
            let holders = directory::holders(cx.conn, cx.keys, KeyKind::Dept(id))?;
            keys::create(cx.conn, cx.keys, KeyKind::Dept(id), &holders, cx.now)?;
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
        self.run(true, false, |cx| {
            cx.actor.check_manage_directory()?;
            let id = directory::dept_id(cx.conn, code.trim())?;
            cx.conn.execute(
                "UPDATE departments SET name = ?2 WHERE id = ?1",
                params![id, name],
            )?;
            Ok(())
        })
    }

    /// Every user (admins and owner only).
    pub fn users(&mut self) -> Result<Vec<UserInfo>> {
        self.run(false, false, |cx| {
            cx.actor.check_manage_directory()?;
            let codes = directory::dept_codes(cx.conn)?;
            Ok(directory::load_all(cx.conn, cx.keys)?
                .iter()
                .map(|u| u.info(&codes))
                .collect())
        })
    }

    /// Creates a user with an initial password they must change at first
    /// sign-in. With no departments given, the user joins `DEFAULT`.
    pub fn add_user(&mut self, new: NewUser) -> Result<UserInfo> {
        validate::username(&new.username)?;
        let display = validate::display_name(&new.display_name)?;
        validate::new_password(&new.initial_password)?;
        if new.role == Role::Owner {
            return Err(Error::invalid(
                "a vault has exactly one owner: make this user an admin or a member",
            ));
        }
        // The slow part runs before taking the write lock.
        let lock = PasswordLock::new(&new.initial_password, self.kdf())?;
        self.run(true, false, |cx| {
            cx.actor.check_manage_user(new.role, None)?;
            let codes = if new.departments.is_empty() {
                vec!["DEFAULT".to_string()]
            } else {
                new.departments.clone()
            };
            let (depts, primary) =
                resolve_memberships(cx, &codes, new.primary_department.as_deref())?;
            let acct = NewAccount {
                username: &new.username,
                display_name: if display.is_empty() {
                    &new.username
                } else {
                    &display
                },
                role: new.role,
                primary,
                must_change_password: true,
            };
            let (id, pair) = account::insert(cx.conn, &acct, &lock, cx.now)?;
            for d in &depts {
                cx.conn.execute(
                    "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
                    params![id, d],
                )?;
            }
            let pk = pair.public_bytes().to_vec();
            for kind in [KeyKind::All, KeyKind::Index] {
                keys::grant_current(cx.conn, cx.keys, kind, id, &pk)?;
            }
            keys::create(
                cx.conn,
                cx.keys,
                KeyKind::Personal(id),
                &[(id, pk.clone())],
                cx.now,
            )?;
            grant_departments(cx, id, &pk, new.role, &depts)?;
            directory::seal_record(cx.conn, cx.keys, id)?;
            let codes = directory::dept_codes(cx.conn)?;
            Ok(directory::load(cx.conn, cx.keys, id)?.info(&codes))
        })
    }

    /// Changes a user's role (only the owner makes or removes admins). A
    /// demoted admin loses the keys of departments they are not a member
    /// of, and those departments are re-keyed.
    pub fn set_role(&mut self, username: &str, role: Role) -> Result<()> {
        self.run(true, false, |cx| {
            let user = managed(cx, username)?;
            cx.actor.check_manage_user(user.role, Some(role))?;
            if user.role == role {
                return Ok(());
            }
            cx.conn.execute(
                "UPDATE users SET role = ?2 WHERE id = ?1",
                params![user.id, role.as_str()],
            )?;
            directory::seal_record(cx.conn, cx.keys, user.id)?;
            if role.is_admin() && !user.role.is_admin() {
                grant_departments(cx, user.id, &user.public_key, role, &user.depts)?;
            } else if !role.is_admin() && user.role.is_admin() {
                let lost: Vec<i64> = all_depts(cx)?
                    .into_iter()
                    .filter(|d| !user.depts.contains(d))
                    .collect();
                revoke_departments(cx, user.id, &lost)?;
            }
            Ok(())
        })
    }

    /// Replaces a user's departments. Leaving a department re-keys it.
    pub fn set_memberships(&mut self, username: &str, update: MembershipUpdate) -> Result<()> {
        self.run(true, false, |cx| {
            let user = directory::find(cx.conn, cx.keys, username)?;
            let own = user.id == cx.actor.id;
            match user.role {
                Role::Owner | Role::Admin if !own => {
                    cx.actor.check_manage_user(Role::Admin, None)?
                }
                _ => cx.actor.check_manage_directory()?,
            }
            let (depts, primary) = resolve_memberships(
                cx,
                &update.departments,
                update.primary_department.as_deref(),
            )?;
            cx.conn
                .execute("DELETE FROM memberships WHERE user_id = ?1", [user.id])?;
            for d in &depts {
                cx.conn.execute(
                    "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
                    params![user.id, d],
                )?;
            }
            cx.conn.execute(
                "UPDATE users SET primary_dept_id = ?2 WHERE id = ?1",
                params![user.id, primary],
            )?;
            directory::seal_record(cx.conn, cx.keys, user.id)?;
            if !user.role.is_admin() && !user.disabled {
                let added: BTreeSet<i64> = depts.difference(&user.depts).copied().collect();
                grant_departments(cx, user.id, &user.public_key, user.role, &added)?;
                let removed: Vec<i64> = user.depts.difference(&depts).copied().collect();
                revoke_departments(cx, user.id, &removed)?;
            }
            Ok(())
        })
    }

    /// Disables or re-enables a user. Disabling removes every shared key
    /// the user held and re-keys those scopes, and forgets their devices.
    pub fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<()> {
        self.run(true, false, |cx| {
            let user = managed(cx, username)?;
            cx.actor.check_manage_user(user.role, None)?;
            if user.disabled == disabled {
                return Ok(());
            }
            cx.conn.execute(
                "UPDATE users SET disabled = ?2, failed_attempts = 0, last_failed_at = NULL WHERE id = ?1",
                params![user.id, disabled],
            )?;
            directory::seal_record(cx.conn, cx.keys, user.id)?;
            if disabled {
                cx.conn.execute("DELETE FROM devices WHERE user_id = ?1", [user.id])?;
                let held: Vec<i64> = cx
                    .conn
                    .prepare(
                        "SELECT g.key_id FROM key_grants g JOIN scope_keys k ON k.id = g.key_id
                          WHERE g.user_id = ?1 AND k.kind <> 'personal'",
                    )?
                    .query_map([user.id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for key_id in &held {
                    keys::revoke(cx.conn, *key_id, user.id)?;
                }
                rekey::rotate_many(cx, &held)
            } else {
                for kind in [KeyKind::All, KeyKind::Index] {
                    keys::grant_current(cx.conn, cx.keys, kind, user.id, &user.public_key)?;
                }
                grant_departments(cx, user.id, &user.public_key, user.role, &user.depts)
            }
        })
    }
}

//! Managing users and departments (SPEC §1-2): owner and admins create
//! users and departments, change roles and memberships, and disable users.
//! Every change is a signed directory change; giving access grants keys,
//! taking it away re-keys (see `rekey`) and re-signs what the user signed.

use std::collections::BTreeSet;

use crate::access::{dept_id, dept_ids, user_info};
use crate::api::{Department, MembershipUpdate, NewUser, Role, UserInfo};
use crate::crypto::{KdfParams, SALT_LEN, SignKey};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::rekey;
use crate::trust::log::Change;
use crate::trust::state::{DeptEntry, Identity, Scope, State, UserEntry};

/// Every department, with its number of active members.
pub(crate) fn departments(dir: &State) -> Vec<Department> {
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
    if user.id == cx.actor().id {
        return Err(Error::denied(
            "you cannot change your own role or disable yourself",
        ));
    }
    Ok(user)
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
    cx.db().set_user_columns(
        u.id,
        &u.display_name,
        u.role,
        u.primary,
        u.disabled,
        &u.depts,
    )
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
    rekey::grant_entitled(cx, new.id)
}

/// Creates a department; its key goes to the owner and admins.
pub(crate) fn add_department(cx: &mut Cx, code: &str, name: &str) -> Result<Department> {
    cx.actor().check_manage_directory()?;
    if cx.dir().dept_coded(code).is_some() {
        return Err(Error::Conflict(
            "a department with this code already exists".into(),
        ));
    }
    let id = cx.db().insert_dept(code, name, cx.now())?;
    cx.change(Change::Dept(DeptEntry {
        id,
        code: code.to_string(),
        name: name.to_string(),
        created_at: cx.now(),
    }))?;
    rekey::new_scope_key(cx, Scope::Dept(id), None)?;
    Ok(Department {
        id,
        code: code.to_string(),
        name: name.to_string(),
        members: 0,
    })
}

pub(crate) fn rename_department(cx: &mut Cx, code: &str, name: &str) -> Result<()> {
    cx.actor().check_manage_directory()?;
    let mut dept =
        cx.dir().dept_coded(code).cloned().ok_or_else(|| {
            Error::not_found("no department with that code: see `coffer dept list`")
        })?;
    dept.name = name.to_string();
    cx.db().rename_dept(dept.id, name)?;
    cx.change(Change::Dept(dept))
}

/// Every user (admins and the owner only).
pub(crate) fn list(cx: &Cx) -> Result<Vec<UserInfo>> {
    cx.actor().check_manage_directory()?;
    let dir = cx.dir();
    let mut list: Vec<UserInfo> = dir.users.values().map(|u| user_info(dir, u)).collect();
    list.sort_by_key(|u| u.username.to_lowercase());
    Ok(list)
}

/// A new account's enrollment key (derived from its initial password
/// before the transaction: the slow part).
pub(crate) struct Enrollment {
    pub salt: [u8; SALT_LEN],
    pub params: KdfParams,
    pub key: SignKey,
}

/// Creates a user with an initial password (see `Vault::add_user`). With
/// no departments given, the user joins `DEFAULT`. `display` is the
/// checked display name.
pub(crate) fn add(
    cx: &mut Cx,
    new: &NewUser,
    display: &str,
    enrollment: &Enrollment,
) -> Result<UserInfo> {
    cx.actor().check_manage_user(new.role, None)?;
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
        display.to_string()
    };
    let db = cx.db();
    let id = db.insert_user(&new.username, &name, new.role, primary, cx.now())?;
    db.set_enrollment_kdf(id, &enrollment.salt, enrollment.params)?;
    let entry = UserEntry {
        id,
        username: new.username.clone(),
        display_name: name,
        role: new.role,
        depts,
        primary,
        disabled: false,
        identity: Identity::Pending {
            enroll: enrollment.key.public(),
        },
        personal: None,
        created_at: cx.now(),
    };
    cx.change(Change::User(entry.clone()))?;
    store_user_columns(cx, &entry)?;
    Ok(user_info(cx.dir(), &entry))
}

/// Changes a user's role (only the owner makes or removes admins). A
/// demoted admin loses the keys of departments they are not a member of
/// (those departments are re-keyed), and what they signed as an admin is
/// re-signed by the owner.
pub(crate) fn set_role(cx: &mut Cx, username: &str, role: Role) -> Result<()> {
    let user = managed(cx, username)?;
    cx.actor().check_manage_user(user.role, Some(role))?;
    if user.role == role {
        return Ok(());
    }
    update_user(cx, UserEntry { role, ..user })
}

/// Replaces a user's departments. Leaving a department re-keys it.
pub(crate) fn set_memberships(
    cx: &mut Cx,
    username: &str,
    update: &MembershipUpdate,
) -> Result<()> {
    let user = find(cx.dir(), username)?;
    let own = user.id == cx.actor().id;
    match user.role {
        Role::Owner | Role::Admin if !own => cx.actor().check_manage_user(Role::Admin, None)?,
        _ => cx.actor().check_manage_directory()?,
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
}

/// Disables or re-enables a user. Disabling removes every shared key the
/// user held and re-keys those scopes, re-signs what they signed, and
/// forgets their devices.
pub(crate) fn set_disabled(cx: &mut Cx, username: &str, disabled: bool) -> Result<()> {
    let user = managed(cx, username)?;
    cx.actor().check_manage_user(user.role, None)?;
    if user.disabled == disabled {
        return Ok(());
    }
    cx.db().clear_failures(user.id)?;
    if disabled {
        cx.db().delete_devices_of(user.id, None)?;
    }
    update_user(cx, UserEntry { disabled, ..user })
}

//! Departments and users: `dept ...` and `user ...`. Who may do what is the
//! core's call; these only translate arguments and print.

use coffer_core::{ExposeSecret, MembershipUpdate, NewUser, Role, UserInfo, generate_password};
use serde_json::json;

use crate::args::{DeptCommand, Global, UserAddArgs, UserCommand};
use crate::error::{CliError, CliResult, note};
use crate::output::{self, clean, line, table};
use crate::password;
use crate::session;

pub fn dept(g: &Global, c: &DeptCommand) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    match c {
        DeptCommand::Add { code, name } => {
            let d = vault.add_department(code, name)?;
            if g.json {
                output::json(&d)
            } else {
                line(format!("Added department {} ({}).", d.code, clean(&d.name)))
            }
        }
        DeptCommand::List => {
            let list = vault.departments()?;
            if g.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|d| vec![d.code.clone(), clean(&d.name), d.members.to_string()])
                .collect();
            output::out(&table(&["CODE", "NAME", "MEMBERS"], &rows))
        }
        DeptCommand::Rename { code, name } => {
            vault.rename_department(code, name)?;
            if g.json {
                output::json(&json!({ "code": code.to_uppercase(), "name": name.trim() }))
            } else {
                line(format!("Renamed department {}.", code.to_uppercase()))
            }
        }
    }
}

fn role(s: &str) -> CliResult<Role> {
    match s.trim().to_ascii_lowercase().as_str() {
        "owner" => Ok(Role::Owner),
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        _ => Err(CliError::usage("a role is one of: owner, admin, member")),
    }
}

fn user_rows(list: &[UserInfo]) -> Vec<Vec<String>> {
    list.iter()
        .map(|u| {
            let state = if u.disabled {
                "disabled"
            } else if u.must_change_password {
                "must change password"
            } else {
                "active"
            };
            vec![
                u.username.clone(),
                clean(&u.display_name),
                u.role.as_str().into(),
                u.departments.join(","),
                u.primary_department.clone().unwrap_or_else(|| "-".into()),
                state.into(),
            ]
        })
        .collect()
}

fn user_add(g: &Global, a: &UserAddArgs) -> CliResult<()> {
    let role = role(&a.role)?;
    let given = if a.password.new_password_stdin {
        Some(password::stdin_password()?)
    } else {
        None
    };
    let generated = given.is_none();
    let initial_password = given.unwrap_or_else(generate_password);
    let (mut vault, _) = session::sign_in(g)?;
    let user = vault.add_user(NewUser {
        username: a.name.trim().to_string(),
        display_name: a.display_name.clone().unwrap_or_default(),
        role,
        departments: a.depts.clone(),
        primary_department: a.primary.clone(),
        initial_password: initial_password.clone(),
    })?;
    if g.json {
        // The generated password is the output the admin asked for.
        let pw = generated.then(|| initial_password.expose_secret().to_string());
        return output::json(&json!({ "user": user, "initial_password": pw }));
    }
    if generated {
        note(
            &format!(
                "created {} with the initial password below; give it to them safely: they must change it at first sign-in (`coffer passwd`)",
                user.username
            ),
            false,
        );
        // Printed once, on request: the admin hands it to the new user.
        line(initial_password.expose_secret())
    } else {
        line(format!(
            "Added {} ({}); they must change the password at first sign-in.",
            user.username,
            user.role.as_str()
        ))
    }
}

pub fn user(g: &Global, c: &UserCommand) -> CliResult<()> {
    if let UserCommand::Add(a) = c {
        return user_add(g, a);
    }
    let (mut vault, _) = session::sign_in(g)?;
    let (name, done) = match c {
        UserCommand::Add(_) => return Ok(()),
        UserCommand::List => {
            let list = vault.users()?;
            if g.json {
                return output::json(&list);
            }
            let head = [
                "USERNAME",
                "NAME",
                "ROLE",
                "DEPARTMENTS",
                "PRIMARY",
                "STATE",
            ];
            return output::out(&table(&head, &user_rows(&list)));
        }
        UserCommand::Role { name, role: r } => {
            vault.set_role(name, role(r)?)?;
            (name, format!("is now {}", r.trim().to_lowercase()))
        }
        UserCommand::Depts {
            name,
            depts,
            primary,
        } => {
            vault.set_memberships(
                name,
                MembershipUpdate {
                    departments: depts.clone(),
                    primary_department: primary.clone(),
                },
            )?;
            (
                name,
                format!("now belongs to {}", depts.join(",").to_uppercase()),
            )
        }
        UserCommand::Disable { name } => {
            vault.set_disabled(name, true)?;
            (name, "is disabled".into())
        }
        UserCommand::Enable { name } => {
            vault.set_disabled(name, false)?;
            (name, "is enabled".into())
        }
    };
    if g.json {
        output::json(&json!({ "user": name, "ok": true }))
    } else {
        line(format!("{name} {done}."))
    }
}

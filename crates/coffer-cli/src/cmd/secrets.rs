//! Secrets: `add`, `list`, `show`, `update`, `activate`, `deactivate`, `rm`.
//!
//! `add`, `update` and `restore` print the id alone on the last line of
//! stdout, so `id=$(coffer add ...)` works; anything meant for a person goes
//! to stderr.

use coffer_core::{
    DeptScope, ExpiryUpdate, ExposeSecret, FieldInput, FieldValue, FieldsUpdate, ListQuery,
    NewSecret, Reveal, SecretSummary, SecretUpdate, UserScope, time::now_ms,
};
use serde_json::json;

use crate::args::{AddArgs, DeptScopeArgs, Global, IdArg, ListArgs, RmArgs, ShowArgs, UpdateArgs};
use crate::dates;
use crate::error::{CliError, CliResult, warn};
use crate::output::{self, clean, line, table};
use crate::password;
use crate::session;

/// `NAME=VALUE`, split at the first `=`. The error never repeats the input.
fn parse_field(pair: &str) -> CliResult<FieldInput> {
    let (name, value) = pair.split_once('=').ok_or_else(|| {
        CliError::usage("--field and --set-field take NAME=VALUE, and an `=` is missing")
    })?;
    Ok(FieldInput::set(name, value))
}

/// The fields given by `--value`, `--value-stdin` or `--field`, if any.
fn given_fields(
    value: Option<&String>,
    stdin: bool,
    pairs: &[String],
) -> CliResult<Option<Vec<FieldInput>>> {
    if let Some(v) = value {
        return Ok(Some(vec![FieldInput::set("value", v.as_str())]));
    }
    if stdin {
        return Ok(Some(vec![FieldInput {
            name: "value".into(),
            value: FieldValue::Set {
                value: password::stdin_value()?,
            },
            plain: None,
        }]));
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    pairs
        .iter()
        .map(|p| parse_field(p))
        .collect::<CliResult<_>>()
        .map(Some)
}

/// Marks the fields named by `--plain` (plain text) and `--conceal`
/// (secret) among `fields`; a name that is not among them is an error.
fn mark_plain(fields: &mut [FieldInput], plain: &[String], conceal: &[String]) -> CliResult<()> {
    for (names, flag) in [(plain, true), (conceal, false)] {
        for name in names {
            let field = fields.iter_mut().find(|f| &f.name == name).ok_or_else(|| {
                CliError::usage(
                    "--plain and --conceal name one of the secret's fields (see `coffer show ID`)",
                )
            })?;
            field.plain = Some(flag);
        }
    }
    Ok(())
}

fn dept_scope(a: &DeptScopeArgs) -> Option<DeptScope> {
    if a.all_depts {
        Some(DeptScope::All)
    } else if a.depts.is_empty() {
        None
    } else {
        Some(DeptScope::Departments {
            codes: a.depts.clone(),
        })
    }
}

/// Parses `--expires`, warning when the date is already past.
fn expires(input: &str, json: bool) -> CliResult<i64> {
    let at = dates::parse_expires(input)?;
    if at <= now_ms() {
        warn(
            "the expiry date is in the past: the secret is saved expired and `get` will skip it",
            json,
        );
    }
    Ok(at)
}

pub fn add(g: &Global, a: &AddArgs) -> CliResult<()> {
    let v = &a.value;
    let mut fields = given_fields(v.value.as_ref(), v.value_stdin, &v.fields)?
        .ok_or_else(|| CliError::usage("give a value: --value, --value-stdin or --field"))?;
    mark_plain(&mut fields, &a.plain, &[])?;
    let expires_at = a
        .expires
        .as_deref()
        .map(|e| expires(e, g.json))
        .transpose()?;
    let (mut vault, _) = session::sign_in(g)?;
    let id = vault.create_secret(NewSecret {
        key: a.key.clone(),
        fields,
        // Without --dept or --all-depts, the core picks the user's primary
        // department.
        departments: dept_scope(&a.scope),
        users: if a.private {
            UserScope::Creator
        } else {
            UserScope::All
        },
        description: a.description.clone().unwrap_or_default(),
        tags: a.tags.clone(),
        expires_at,
        active: !a.inactive,
        reveal: if a.write_only {
            Reveal::Never
        } else {
            Reveal::Allowed
        },
    })?;
    print_id(g, id)
}

fn print_id(g: &Global, id: i64) -> CliResult<()> {
    if g.json {
        output::json(&json!({ "id": id }))
    } else {
        line(id.to_string())
    }
}

pub fn list(g: &Global, a: &ListArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let list = vault.list_secrets(&ListQuery {
        search: a.search.clone(),
        tag: a.tag.clone(),
        department: a.dept.clone(),
        include_inactive: a.all,
    })?;
    if g.json {
        return output::json(&list);
    }
    if list.is_empty() {
        let hint = if a.all {
            ""
        } else {
            " (--all includes inactive and expired ones)"
        };
        return line(format!("No secrets to show{hint}."));
    }
    output::out(&output::secrets_table(&list))
}

fn metadata_rows(s: &SecretSummary) -> Vec<Vec<String>> {
    let can = [
        ("reveal", s.can.reveal),
        ("copy", s.can.copy),
        ("edit", s.can.edit),
        ("delete", s.can.delete),
        ("activate", s.can.activate),
    ];
    let allowed: Vec<&str> = can.iter().filter(|c| c.1).map(|c| c.0).collect();
    let reveal = match s.reveal {
        Reveal::Allowed => "allowed",
        Reveal::Never => "never (write-only: only `get` returns it)",
    };
    vec![
        vec!["id".into(), s.id.to_string()],
        vec!["key".into(), clean(&s.key)],
        vec!["description".into(), clean(&s.description)],
        vec!["departments".into(), output::departments(&s.scope)],
        vec!["users".into(), output::users(&s.scope, &s.created_by)],
        vec!["tags".into(), clean(&s.tags.join(", "))],
        vec!["expires".into(), output::expiry(s)],
        vec!["active".into(), output::yes_no(s.active).into()],
        vec!["reveal".into(), reveal.into()],
        vec!["version".into(), s.version.to_string()],
        vec![
            "created".into(),
            format!("{} by {}", dates::datetime(s.created_at), s.created_by),
        ],
        vec![
            "updated".into(),
            format!("{} by {}", dates::datetime(s.updated_at), s.updated_by),
        ],
        vec![
            "you may".into(),
            if allowed.is_empty() {
                "see it".into()
            } else {
                allowed.join(", ")
            },
        ],
    ]
}

pub fn show(g: &Global, a: &ShowArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let summary = vault.secret(a.id)?;
    let revealed = if a.reveal {
        Some(vault.reveal(a.id)?)
    } else {
        None
    };
    if g.json {
        let mut body = serde_json::to_value(&summary).map_err(|_| {
            CliError::new(
                coffer_core::ErrorCode::Io,
                "cannot encode the output as JSON",
            )
        })?;
        if let (Some(fields), Some(obj)) = (&revealed, body.as_object_mut()) {
            // Revealed on request (--reveal), after the core allowed it.
            let list: Vec<_> = fields
                .iter()
                .map(|f| json!({ "name": f.name, "value": f.value.expose_secret() }))
                .collect();
            obj.insert("fields".into(), json!(list));
        }
        return output::json(&body);
    }
    let mut rows = metadata_rows(&summary);
    rows.push(vec!["fields".into(), String::new()]);
    match &revealed {
        // Revealed on request (--reveal), after the core allowed it.
        Some(fields) => rows.extend(fields.iter().map(|f| {
            vec![
                format!("  {}", clean(&f.name)),
                f.value.expose_secret().to_string(),
            ]
        })),
        // Plain-text fields are shown to whoever can see the secret.
        None => rows.extend(summary.field_names.iter().map(|n| {
            let plain = summary.plain_fields.iter().find(|p| &p.name == n);
            vec![
                format!("  {}", clean(n)),
                plain.map_or_else(|| "••••••".into(), |p| p.value.clone()),
            ]
        })),
    }
    let text = table(&["", ""], &rows);
    output::out(text.split_once('\n').map_or("", |(_, rest)| rest))
}

pub fn update(g: &Global, a: &UpdateArgs) -> CliResult<()> {
    let v = &a.value;
    let replaced = given_fields(v.value.as_ref(), v.value_stdin, &v.fields)?;
    let expires = match (&a.expires, a.no_expiry) {
        (Some(e), _) => Some(ExpiryUpdate::At {
            at: expires(e, g.json)?,
        }),
        (None, true) => Some(ExpiryUpdate::Never),
        (None, false) => None,
    };
    // `--set-field`, `--remove-field`, `--plain` and `--conceal` edit the
    // current fields; the core applies them to the current version in the
    // same transaction.
    let marks = !a.plain.is_empty() || !a.conceal.is_empty();
    let fields = match replaced {
        Some(mut fields) => {
            mark_plain(&mut fields, &a.plain, &a.conceal)?;
            Some(FieldsUpdate::Replace { fields })
        }
        None if !a.set_field.is_empty() || !a.remove_field.is_empty() || marks => {
            let mut set: Vec<FieldInput> = a
                .set_field
                .iter()
                .map(|p| parse_field(p))
                .collect::<CliResult<_>>()?;
            // A field only re-marked keeps its value.
            for name in a.plain.iter().chain(&a.conceal) {
                if !set.iter().any(|f| &f.name == name) {
                    set.push(FieldInput {
                        name: name.clone(),
                        value: FieldValue::Keep { from: name.clone() },
                        plain: None,
                    });
                }
            }
            mark_plain(&mut set, &a.plain, &a.conceal)?;
            Some(FieldsUpdate::Edit {
                set,
                remove: a.remove_field.clone(),
            })
        }
        None => None,
    };
    let users = match (a.private, a.shared) {
        (true, _) => Some(UserScope::Creator),
        (_, true) => Some(UserScope::All),
        _ => None,
    };
    let tags = if a.no_tags {
        Some(Vec::new())
    } else if a.tags.is_empty() {
        None
    } else {
        Some(a.tags.clone())
    };
    let (mut vault, _) = session::sign_in(g)?;
    let updated = vault.update_secret(
        a.id,
        SecretUpdate {
            key: a.key.clone(),
            fields,
            departments: dept_scope(&a.scope),
            users,
            description: a.description.clone(),
            tags,
            expires,
            reveal: a.write_only.then_some(Reveal::Never),
            active: None,
            expected_version: a.if_version,
        },
    )?;
    print_id(g, updated.id)
}

pub fn set_active(g: &Global, a: &IdArg, active: bool) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let in_use = vault.set_active(a.id, active)?;
    if !in_use.is_empty() {
        warn(
            &format!(
                "secret {} is deactivated but still in use by: {}; they will stop getting it",
                a.id,
                in_use.join(", ")
            ),
            g.json,
        );
    }
    if g.json {
        output::json(&json!({ "id": a.id, "active": active, "in_use_by": in_use }))
    } else {
        let state = if active { "active" } else { "inactive" };
        line(format!("Secret {} is {state}.", a.id))
    }
}

pub fn rm(g: &Global, a: &RmArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    vault.delete_secret(a.id, a.if_version)?;
    if g.json {
        output::json(&json!({ "id": a.id, "deleted": true }))
    } else {
        line(format!("Deleted secret {}.", a.id))
    }
}

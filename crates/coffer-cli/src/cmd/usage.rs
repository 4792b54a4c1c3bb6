//! Usages (SPEC §5) and versions: `usage ...`, `history`, `restore`.

use coffer_core::NewUsage;
use serde_json::json;

use crate::args::{Global, IdArg, RestoreArgs, UsageCommand};
use crate::dates;
use crate::error::CliResult;
use crate::output::{self, clean, line, table};
use crate::session;

pub fn usage(g: &Global, c: &UsageCommand) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    match c {
        UsageCommand::Add {
            id,
            name,
            kind,
            field,
        } => {
            let usage_id = vault.add_usage(
                *id,
                NewUsage {
                    name: name.clone(),
                    kind: kind.clone(),
                    field: field.clone(),
                },
            )?;
            if g.json {
                output::json(&json!({ "id": usage_id, "secret_id": id }))
            } else {
                line(usage_id.to_string())
            }
        }
        UsageCommand::Rm { usage_id } => {
            vault.remove_usage(*usage_id)?;
            if g.json {
                output::json(&json!({ "id": usage_id, "removed": true }))
            } else {
                line(format!("Removed usage {usage_id}."))
            }
        }
        UsageCommand::List { id } => {
            let list = vault.usages(*id)?;
            if g.json {
                return output::json(&list);
            }
            if list.is_empty() {
                return line(format!("Nothing records using secret {id}."));
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|u| {
                    vec![
                        u.id.to_string(),
                        clean(&u.name),
                        clean(&u.kind),
                        u.field.as_deref().map_or_else(|| "(all)".into(), clean),
                        u.created_by.clone(),
                        dates::datetime(u.created_at),
                    ]
                })
                .collect();
            output::out(&table(
                &["ID", "NAME", "KIND", "FIELD", "ADDED BY", "ADDED"],
                &rows,
            ))
        }
    }
}

pub fn history(g: &Global, a: &IdArg) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let versions = vault.history(a.id)?;
    if g.json {
        return output::json(&versions);
    }
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            vec![
                v.version.to_string(),
                if v.current {
                    "current".into()
                } else {
                    String::new()
                },
                clean(&v.key),
                clean(&v.field_names.join(",")),
                v.updated_by.clone(),
                dates::datetime(v.updated_at),
            ]
        })
        .collect();
    output::out(&table(&["VERSION", "", "KEY", "FIELDS", "BY", "AT"], &rows))
}

pub fn restore(g: &Global, a: &RestoreArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let s = vault.restore_version(a.id, a.version)?;
    if g.json {
        output::json(&json!({ "id": s.id, "version": s.version }))
    } else {
        line(s.id.to_string())
    }
}

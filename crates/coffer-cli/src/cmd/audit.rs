//! `coffer audit`: the audit log (SPEC §6), and `--verify` to check it.

use coffer_core::{AuditAction, AuditEntry, AuditQuery};
use serde_json::json;

use crate::args::{AuditArgs, Global};
use crate::dates;
use crate::error::{CliError, CliResult};
use crate::output::{self, clean, line, table};
use crate::session;

pub fn audit(g: &Global, a: &AuditArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    if a.verify {
        let check = vault.verify_audit()?;
        return if g.json {
            output::json(&json!({ "ok": true, "entries": check.entries }))
        } else {
            line(format!(
                "The audit log checks out: {} entries, each chained to the one before and signed.",
                check.entries
            ))
        };
    }
    let query = AuditQuery {
        user: a.actor.clone(),
        action: a
            .action
            .as_deref()
            .map(AuditAction::parse)
            .transpose()
            .map_err(|e| CliError::usage(e.to_string()))?,
        secret_id: a.secret,
        since: a
            .since
            .as_deref()
            .map(|s| dates::parse_bound("--since", s))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| dates::parse_bound("--until", s))
            .transpose()?,
        before: None,
        limit: Some(a.limit.max(1)),
    };
    let entries = vault.audit_log(&query)?;
    if g.json {
        return output::json(&entries);
    }
    if entries.is_empty() {
        return line("No audit entries match.");
    }
    let rows: Vec<Vec<String>> = entries.iter().map(row).collect();
    output::out(&table(
        &["#", "WHEN", "USER", "ACTION", "SECRET", "DETAIL", "OUTCOME"],
        &rows,
    ))?;
    if entries.iter().any(|e| !e.authentic) {
        crate::error::warn(
            "entries marked DAMAGED were changed after they were written: run `coffer audit --verify`",
            g.json,
        );
    }
    Ok(())
}

fn row(e: &AuditEntry) -> Vec<String> {
    let secret = match (e.secret_id, &e.key) {
        (Some(id), Some(key)) => format!("{id} {}", clean(key)),
        (Some(id), None) => id.to_string(),
        (None, Some(key)) => clean(key),
        (None, None) => String::new(),
    };
    let mut detail = match (&e.field, &e.subject) {
        (Some(f), _) => format!("field {}", clean(f)),
        (None, Some(s)) => clean(s),
        (None, None) => String::new(),
    };
    if let Some(p) = &e.program {
        let sep = if detail.is_empty() { "" } else { ", " };
        detail = format!("{detail}{sep}program {}", clean(p));
    }
    let outcome = match (e.authentic, e.outcome) {
        (false, _) => "DAMAGED".to_string(),
        (true, None) => "ok".to_string(),
        (true, Some(code)) => format!("refused: {}", code_name(code)),
    };
    vec![
        e.seq.to_string(),
        dates::datetime(e.at),
        clean(&e.user),
        e.action.map_or("?", AuditAction::as_str).to_string(),
        secret,
        detail,
        outcome,
    ]
}

/// An error code as people read it (`permission denied`).
fn code_name(code: coffer_core::ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

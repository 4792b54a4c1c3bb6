//! Export: every secret the signed-in user can read, written as
//! `secrets.json` or `.env` lines.
//!
//! "Can read" is the rule for `get` (SPEC §2): in scope, active and
//! unexpired. Inactive and expired secrets are not readable by anyone, so
//! they are not exported; metadata an admin sees without being in scope is
//! not readable either. Write-only secrets are left out and counted: their
//! values are never shown again, and a file would show them.
//!
//! A file holds one entry per key, so when the same key is readable at
//! several scopes the file gets the one `get` would return to this user
//! (SPEC §3, with the user's primary department as context), and the
//! others are counted as shadowed. When that one is write-only the key is
//! left out: writing a less specific value instead would give a file that
//! disagrees with `get`.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::access;
use crate::api::{AuditAction, ExportFormat, ExportReport, Reveal, RevealedField};
use crate::audit::Event;
use crate::cx::Cx;
use crate::error::{ErrorCode, Result};
use crate::policy::Use;
use crate::record::{self, Secret};
use crate::resolve::{self, Context, Facts};

/// The file's text and what went into it.
pub(crate) struct Exported {
    pub text: SecretString,
    pub report: ExportReport,
}

/// One readable secret, before the choice between secrets sharing a key.
struct Readable {
    secret: Secret,
    facts: Facts,
}

/// Writes everything the signed-in user can read, and records the export.
pub(crate) fn export(cx: &mut Cx, format: ExportFormat) -> Result<Exported> {
    let ids: Vec<i64> = cx
        .db()
        .secrets_for_listing()?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let actor = cx.actor().clone();
    let now = cx.now();
    let mut report = ExportReport::default();
    let mut by_key: BTreeMap<String, Vec<Readable>> = BTreeMap::new();
    for id in ids {
        let secret = match access::visible(cx, id) {
            Ok(s) => s,
            Err(e) if e.code() == ErrorCode::NotFound => continue,
            Err(e) if matches!(e.code(), ErrorCode::Integrity | ErrorCode::Rollback) => {
                report.damaged += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let h = &secret.header;
        if actor
            .check_use(&h.scope(), &h.state(), Use::Get, now)
            .is_err()
        {
            continue;
        }
        let dek = match record::require_dek(cx, &secret) {
            Ok(d) => d,
            // Not shared with this user yet: not readable today.
            Err(e) if e.code() == ErrorCode::PermissionDenied => continue,
            Err(e) if e.code() == ErrorCode::Integrity => {
                report.damaged += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let key = match record::open_meta(&dek, &secret) {
            Ok(m) => m.key.clone(),
            Err(_) => {
                report.damaged += 1;
                continue;
            }
        };
        let facts = Facts {
            id,
            private: h.private,
            all_depts: h.all_depts,
            depts: h.depts.clone(),
            active: h.active,
            expires_at: h.expires_at,
            updated_at: h.updated_at,
            in_scope: true,
        };
        by_key
            .entry(key)
            .or_default()
            .push(Readable { secret, facts });
    }
    let context = Context {
        asked: None,
        member_of_asked: false,
        primary: actor.primary,
    };
    let mut out = Zeroizing::new(String::new());
    let mut entries: Vec<(String, Vec<RevealedField>)> = Vec::new();
    for (key, group) in by_key {
        let facts: Vec<Facts> = group.iter().map(|r| r.facts.clone()).collect();
        let Some(w) = resolve::resolve(&facts, &context, now).winner else {
            continue;
        };
        report.shadowed += group.len().saturating_sub(1) as u32;
        let winner = &group[w].secret;
        if winner.header.reveal == Reveal::Never {
            report.write_only += 1;
            continue;
        }
        let dek = record::require_dek(cx, winner)?;
        let fields = match record::open_fields(&dek, winner) {
            Ok(f) => f.into_revealed(),
            Err(_) => {
                report.damaged += 1;
                continue;
            }
        };
        report.written += 1;
        entries.push((key, fields));
    }
    match format {
        ExportFormat::Json => write_json(&mut out, &entries),
        ExportFormat::Env => write_env(&mut out, &entries, &report),
    }
    cx.record(Event::new(AuditAction::Export));
    Ok(Exported {
        text: SecretString::from(out.as_str()),
        report,
    })
}

/// A JSON string literal: quotes, backslashes and control characters
/// escaped, everything else (non-ASCII too) as it is.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `secrets.json`: key -> value for a single-field secret, key -> object
/// of fields (in their saved order) for a multi-field one; keys sorted.
fn write_json(out: &mut String, entries: &[(String, Vec<RevealedField>)]) {
    out.push('{');
    for (i, (key, fields)) in entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        push_json_string(out, key);
        out.push_str(": ");
        match fields.as_slice() {
            [one] if one.name == "value" => push_json_string(out, one.value.expose_secret()),
            _ => {
                out.push('{');
                for (j, f) in fields.iter().enumerate() {
                    out.push_str(if j == 0 { "\n    " } else { ",\n    " });
                    push_json_string(out, &f.name);
                    out.push_str(": ");
                    push_json_string(out, f.value.expose_secret());
                }
                out.push_str("\n  }");
            }
        }
    }
    out.push_str(if entries.is_empty() { "}\n" } else { "\n}\n" });
}

/// `.env` lines (see `dotenv`), after a comment saying what was left out.
fn write_env(out: &mut String, entries: &[(String, Vec<RevealedField>)], r: &ExportReport) {
    out.push_str(&format!(
        "# Exported from Coffer: {} secret(s); {} write-only secret(s) left out.\n",
        r.written, r.write_only
    ));
    for (key, fields) in entries {
        out.push_str(crate::dotenv::to_env(key, fields).expose_secret());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: &str) -> RevealedField {
        RevealedField {
            name: name.into(),
            value: SecretString::from(value),
        }
    }

    #[test]
    fn json_round_trips_every_character() {
        let pem = "-----BEGIN KEY-----\r\nMIIB\t\"x\" \\ é ü 鍵 \u{1}\u{2028}\n-----END KEY-----\n";
        let entries = vec![
            ("A".to_string(), vec![field("value", pem)]),
            (
                "db".to_string(),
                vec![field("host", "h"), field("pässword", "p\"w")],
            ),
            ("one".to_string(), vec![field("token", "t")]),
        ];
        let mut out = String::new();
        write_json(&mut out, &entries);
        let v: serde_json::Value = serde_json::from_str(&out).expect("valid json");
        assert_eq!(v["A"], pem);
        assert_eq!(v["db"]["pässword"], "p\"w");
        // A single field not named `value` keeps its name.
        assert_eq!(v["one"]["token"], "t");
        let mut empty = String::new();
        write_json(&mut empty, &[]);
        assert_eq!(empty, "{}\n");
    }
}

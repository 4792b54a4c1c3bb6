//! `get`: the scripting entry point (SPEC §3), and `get --explain`.
//!
//! A value goes to stdout exactly as stored plus one newline, so
//! `$(coffer get KEY)` yields the value. Nothing matching is not an error
//! worth a message: stdout stays empty and the exit status is 1.

use coffer_core::{
    Candidate, DecidingRule, Explanation, ExposeSecret, RevealedField, SecretValue, Standing,
};

use crate::args::{GetArgs, Global};
use crate::dates;
use crate::error::{CliError, CliResult};
use crate::output::{self, line, table};
use crate::session;

/// What the command ended with: a value printed, or nothing found.
pub enum Found {
    Yes,
    No,
}

/// A compact JSON object of fields, in their saved order (serde_json's map
/// would sort them).
fn fields_object(fields: &[RevealedField]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|f| {
            // Exposed to print the value the caller asked `get` for.
            let value = f.value.expose_secret();
            format!(
                "{}:{}",
                serde_json::Value::from(f.name.as_str()),
                serde_json::Value::from(value)
            )
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

pub fn get(g: &Global, a: &GetArgs) -> CliResult<Found> {
    if a.explain {
        return explain(g, a).map(|()| Found::Yes);
    }
    let (mut vault, _) = session::sign_in(g)?;
    let Some(value) = vault.get_secret(&a.key, a.department.as_deref())? else {
        return Ok(Found::No);
    };
    if a.env {
        let fields = match value {
            SecretValue::Single(f) => vec![f],
            SecretValue::Fields(f) => f,
        };
        // Exposed to print the value the caller asked `get` for.
        let text = coffer_core::dotenv::to_env(&a.key, &fields);
        return output::out(text.expose_secret()).map(|()| Found::Yes);
    }
    let single = |v: &str| {
        if g.json {
            format!("{{\"value\":{}}}", serde_json::Value::from(v))
        } else {
            v.to_string()
        }
    };
    let text = match (&value, &a.field) {
        // Exposed to print the value the caller asked `get` for.
        (SecretValue::Single(f), None) => single(f.value.expose_secret()),
        (SecretValue::Single(f), Some(name)) if &f.name == name => single(f.value.expose_secret()),
        (SecretValue::Single(_), Some(_)) => {
            return Err(CliError::new(
                coffer_core::ErrorCode::NotFound,
                "the secret found has one field, and not that one: drop --field",
            ));
        }
        (SecretValue::Fields(fields), Some(f)) => {
            let field = fields.iter().find(|x| &x.name == f).ok_or_else(|| {
                CliError::new(
                    coffer_core::ErrorCode::NotFound,
                    "the secret found has no field with that name",
                )
            })?;
            single(field.value.expose_secret())
        }
        (SecretValue::Fields(fields), None) if g.json => {
            format!("{{\"fields\":{}}}", fields_object(fields))
        }
        (SecretValue::Fields(fields), None) => fields_object(fields),
    };
    line(text).map(|()| Found::Yes)
}

fn standing_words(s: Standing) -> &'static str {
    match s {
        Standing::Winner => "WINNER",
        Standing::Outranked => "outranked",
        Standing::NotInScope => "not in scope",
        Standing::Inactive => "inactive",
        Standing::Expired => "expired",
        Standing::OutsideDepartment => "not for the department asked for",
        Standing::CallerNotInDepartment => "user not in the department asked for",
    }
}

/// The deciding rule in plain words.
pub fn rule_words(r: DecidingRule) -> &'static str {
    match r {
        DecidingRule::OnlyCandidate => "it is the only eligible candidate",
        DecidingRule::PrivateBeforeShared => "a private secret wins over one shared with all users",
        DecidingRule::ExplicitDepartmentsBeforeAll => {
            "a secret for named departments wins over one for all departments"
        }
        DecidingRule::ContextDepartment => {
            "a secret that includes the context department wins over one that does not"
        }
        DecidingRule::FewerDepartments => "a secret for fewer departments wins over one for more",
        DecidingRule::MostRecentlyUpdated => "the most recently updated secret wins",
    }
}

fn candidate_row(c: &Candidate) -> Vec<String> {
    let expires = c.expires_at.map_or_else(|| "-".into(), dates::expiry);
    vec![
        c.rank.map_or_else(|| "-".into(), |r| r.to_string()),
        c.id.to_string(),
        output::departments(&c.scope),
        output::users(&c.scope, &c.creator),
        output::yes_no(c.active).into(),
        expires,
        dates::datetime(c.updated_at),
        standing_words(c.standing).into(),
    ]
}

fn explain(g: &Global, a: &GetArgs) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let e: Explanation = vault.explain(&a.key, a.department.as_deref(), a.as_user.as_deref())?;
    if g.json {
        return output::json(&e);
    }
    let context = e.context_department.as_deref().unwrap_or("none");
    let mut text = format!(
        "Resolving {} for {} (context department: {context})\n",
        output::clean(&a.key),
        e.for_user
    );
    if e.candidates.is_empty() {
        text.push_str("No secret with this key is visible.\n");
    } else {
        let rows: Vec<Vec<String>> = e.candidates.iter().map(candidate_row).collect();
        let head = [
            "RANK",
            "ID",
            "DEPARTMENTS",
            "USERS",
            "ACTIVE",
            "EXPIRES",
            "UPDATED",
            "STANDING",
        ];
        text.push_str(&table(&head, &rows));
    }
    match (e.winner, e.rule) {
        (Some(id), Some(rule)) => {
            text.push_str(&format!(
                "Winner: secret {id}, because {}.\n",
                rule_words(rule)
            ));
        }
        _ => text.push_str("Winner: none; `get` returns nothing (exit 1).\n"),
    }
    if e.not_a_member {
        text.push_str(&format!(
            "Note: {} does not belong to the department asked for, so `get` returns nothing.\n",
            e.for_user
        ));
    }
    if e.private_secrets_hidden {
        text.push_str(&format!(
            "Note: private secrets of {} are not visible to you; if they have one, it wins over everything above.\n",
            e.for_user
        ));
    }
    output::out(&text)
}

//! `get_secret(key, department_code)` and its explanation: the vault side
//! of retrieval. Candidates are found by blind index, verified (so a row
//! altered to change the outcome is caught, not silently skipped), then
//! ranked by `resolve`.

use crate::directory;
use crate::error::Result;
use crate::model::{Candidate, Explanation, RevealedField, SecretValue};
use crate::policy::{Actor, Use};
use crate::record::{self, Row};
use crate::resolve::{self, Context, Facts, Outcome};
use crate::secrets::{Labels, scope_of};
use crate::validate;
use crate::vault::{Cx, Vault};

struct Lookup {
    rows: Vec<Row>,
    outcome: Outcome,
    context: Context,
}

/// Finds and ranks the candidates for `key` as seen by `target`, among
/// the rows the signed-in user may see. Private rows are considered only
/// when the target is the signed-in user (nobody else can see them).
fn lookup(cx: &mut Cx, key: &str, department: Option<&str>, target: &Actor) -> Result<Lookup> {
    let own = target.id == cx.actor.id;
    let mut indexes = vec![cx.keys.shared_blind_key(cx.conn)?.blind(key)];
    if own {
        indexes.push(cx.keys.personal_blind_key(cx.conn, cx.actor.id)?.blind(key));
    }
    let refs: Vec<&[u8]> = indexes.iter().map(|i| i.as_slice()).collect();
    let mut rows = Vec::new();
    for row in record::load_by_index(cx.conn, &refs)? {
        if !cx.actor.can_see(&row.scope()) || (row.private && !own) {
            continue;
        }
        let meta = record::open_meta(&record::dek(cx.conn, cx.keys, &row)?, &row)?;
        if meta.key == key {
            rows.push(row);
        }
    }
    let asked = match department {
        Some(code) => Some(directory::dept_id(cx.conn, code.trim()).ok()),
        None => None,
    };
    let context = Context {
        // An unknown department is one the user does not belong to.
        asked: asked.map(|d| d.unwrap_or(-1)),
        member_of_asked: asked.flatten().is_some_and(|d| target.depts.contains(&d)),
        primary: target.primary,
    };
    let facts: Vec<Facts> = rows
        .iter()
        .map(|r| Facts {
            id: r.id,
            private: r.private,
            all_depts: r.all_depts,
            depts: r.depts.clone(),
            active: r.active,
            expires_at: r.expires_at,
            updated_at: r.updated_at,
            in_scope: target.in_scope(&r.scope()),
        })
        .collect();
    let outcome = resolve::resolve(&facts, &context, cx.now);
    Ok(Lookup {
        rows,
        outcome,
        context,
    })
}

impl Vault {
    /// The value of the most specific secret with this key for the
    /// signed-in user, or `None` when nothing matches (SPEC §3).
    pub fn get_secret(
        &mut self,
        key: &str,
        department: Option<&str>,
    ) -> Result<Option<SecretValue>> {
        validate::secret_key(key)?;
        self.run(false, false, |cx| {
            let actor = cx.actor.clone();
            let found = lookup(cx, key, department, &actor)?;
            let Some(w) = found.outcome.winner else {
                return Ok(None);
            };
            let row = &found.rows[w];
            cx.actor
                .check_use(&row.scope(), &row.state(), Use::Get, cx.now)?;
            let mut fields = record::open_fields(&record::dek(cx.conn, cx.keys, row)?, row)?.0;
            Ok(Some(if fields.len() == 1 {
                let (name, value) = fields.remove(0);
                SecretValue::Single(RevealedField { name, value })
            } else {
                SecretValue::Fields(
                    fields
                        .into_iter()
                        .map(|(name, value)| RevealedField { name, value })
                        .collect(),
                )
            }))
        })
    }

    /// Every candidate for `key`, which one wins and the rule that decided,
    /// for the signed-in user or (admins) for `as_user`. Never values.
    pub fn explain(
        &mut self,
        key: &str,
        department: Option<&str>,
        as_user: Option<&str>,
    ) -> Result<Explanation> {
        validate::secret_key(key)?;
        self.run(false, false, |cx| {
            let target = match as_user {
                Some(name) if !name.eq_ignore_ascii_case(&cx.actor.username) => {
                    cx.actor.check_manage_directory().map_err(|_| {
                        crate::Error::denied(
                            "only admins and the owner can explain resolution for another user",
                        )
                    })?;
                    directory::find(cx.conn, cx.keys, name)?.actor()
                }
                _ => cx.actor.clone(),
            };
            let found = lookup(cx, key, department, &target)?;
            let labels = Labels::load(cx.conn, cx.now)?;
            let candidates = found
                .rows
                .iter()
                .zip(&found.outcome.standings)
                .map(|(row, (standing, rank))| Candidate {
                    id: row.id,
                    scope: scope_of(row, &labels.codes),
                    creator: labels
                        .users
                        .get(&row.creator_id)
                        .cloned()
                        .unwrap_or_default(),
                    active: row.active,
                    expires_at: row.expires_at,
                    updated_at: row.updated_at,
                    standing: *standing,
                    rank: *rank,
                })
                .collect();
            Ok(Explanation {
                for_user: target.username.clone(),
                context_department: found
                    .context
                    .asked
                    .or(found.context.primary)
                    .and_then(|d| labels.codes.get(&d).cloned())
                    .or_else(|| department.map(|d| d.trim().to_uppercase())),
                candidates,
                winner: found.outcome.winner.map(|w| found.rows[w].id),
                rule: found.outcome.rule,
                private_secrets_hidden: target.id != cx.actor.id,
                not_a_member: found.context.asked.is_some() && !found.context.member_of_asked,
            })
        })
    }
}

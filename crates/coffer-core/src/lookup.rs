//! `get_secret(key, department_code)` and its explanation: the vault side
//! of retrieval. Candidates are found by blind index (one per scope key, so
//! only a scope's holders can test a key name in it), checked (so a row
//! altered to change the outcome is caught, not silently skipped), then
//! ranked by `resolve`.

use std::collections::{BTreeMap, BTreeSet};

use crate::access::{self, Labels, scope_of};
use crate::api::{AuditAction, Candidate, Explanation, SecretId, SecretValue};
use crate::audit::{self, Event};
use crate::crypto::{SymKey, digest};
use crate::cx::Cx;
use crate::error::{Error, ErrorCode, Result};
use crate::inject::{Injection, Request};
use crate::policy::{Actor, Use};
use crate::record::{self, Secret};
use crate::resolve::{self, Context, Facts, Outcome};
use crate::seal;
use crate::store::device::DELETED;
use crate::trust::state::Scope;

struct Lookup {
    rows: Vec<Secret>,
    /// Each row's data key (unwrapped to compare its key name).
    deks: Vec<SymKey>,
    outcome: Outcome,
    context: Context,
}

/// Finds and ranks the candidates for `key` as seen by `target`, among
/// the rows the signed-in user may see. Private rows are considered only
/// when the target is the signed-in user (nobody else can see them).
fn lookup(cx: &mut Cx, key: &str, department: Option<&str>, target: &Actor) -> Result<Lookup> {
    let own = target.id == cx.actor().id;
    let dir = cx.dir_arc();
    let db = cx.db();
    // The scope keys whose secrets could be candidates: everything the
    // signed-in user holds (admins explaining for someone else hold every
    // department's key), and their own personal key.
    let mut scopes: Vec<Scope> = dir.shared.keys().copied().collect();
    if own {
        scopes.push(Scope::Personal(cx.actor().id));
    }
    // Each candidate with the keys whose blind index named it.
    let mut ids: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for scope in scopes {
        let Some(kref) = dir.current_key(scope) else {
            continue;
        };
        let Some(scope_key) = cx.key(kref.id)? else {
            continue;
        };
        let blind = seal::blind(scope_key, key);
        for id in db.secrets_by_blind(kref.id, &blind)? {
            ids.entry(id).or_default().insert(kref.id);
        }
    }
    let mut rows = Vec::new();
    let mut deks = Vec::new();
    for (id, named_by) in ids {
        let secret = match access::visible(cx, id) {
            Ok(s) => s,
            Err(e) if e.code() == ErrorCode::NotFound => continue,
            Err(e) => return Err(e),
        };
        // A blind index row under a key the signed header does not wrap
        // under was not written with the secret: the secret is not in that
        // scope, whatever the row says, so it is no candidate through it.
        if !named_by.iter().any(|k| secret.header.wraps.contains(k)) {
            continue;
        }
        if secret.header.private && !own {
            continue;
        }
        let dek = record::require_dek(cx, &secret)?;
        if record::open_meta(&dek, &secret)?.key == key {
            rows.push(secret);
            deks.push(dek);
        }
    }
    let asked = department.map(|code| dir.dept_coded(code).map(|d| d.id));
    let context = Context {
        // An unknown department is one the user does not belong to.
        asked: asked.map(|d| d.unwrap_or(-1)),
        member_of_asked: asked.flatten().is_some_and(|d| target.depts.contains(&d)),
        primary: target.primary,
    };
    let facts: Vec<Facts> = rows
        .iter()
        .map(|s| {
            let h = &s.header;
            Facts {
                id: h.secret_id,
                private: h.private,
                all_depts: h.all_depts,
                depts: h.depts.clone(),
                active: h.active,
                expires_at: h.expires_at,
                updated_at: h.updated_at,
                in_scope: target.in_scope(&h.scope()),
            }
        })
        .collect();
    let outcome = resolve::resolve(&facts, &context, cx.now());
    Ok(Lookup {
        rows,
        deks,
        outcome,
        context,
    })
}

/// The winner of a lookup, opened.
struct Found {
    id: i64,
    private: bool,
    value: SecretValue,
}

/// The value of the most specific secret with this key for the signed-in
/// user (SPEC §3), without a word in the audit log: the callers record
/// what the lookup was for.
fn find(cx: &mut Cx, key: &str, department: Option<&str>) -> Result<Option<Found>> {
    let actor = cx.actor().clone();
    let found = lookup(cx, key, department, &actor)?;
    let ids: Vec<i64> = found.rows.iter().map(|s| s.header.secret_id).collect();
    check_remembered(cx, key, &ids)?;
    let Some(w) = found.outcome.winner else {
        return Ok(None);
    };
    let secret = &found.rows[w];
    let h = &secret.header;
    cx.actor()
        .check_use(&h.scope(), &h.state(), Use::Get, cx.now())?;
    let mut fields = record::open_fields(&found.deks[w], secret)?.into_revealed();
    Ok(Some(Found {
        id: h.secret_id,
        private: h.private,
        value: if fields.len() == 1 {
            SecretValue::Single(fields.remove(0))
        } else {
            SecretValue::Fields(fields)
        },
    }))
}

/// Checks a lookup of `key` that found `found` against the secrets that
/// answered it on this device before, then remembers what answers now.
///
/// Deleting the most specific match from the storage (or spoiling its blind
/// index so lookups miss it) would otherwise steer `get` to the next one
/// without a word. A remembered match that is gone needs a signed record of
/// its deletion by someone who may delete it; one that is still there must
/// no longer match (renamed, moved out of the user's scopes). The memory is
/// keyed by a hash of the name under the user's personal key, so the
/// device's store does not hold key names.
fn check_remembered(cx: &mut Cx, key: &str, found: &[i64]) -> Result<()> {
    let me = cx.actor().id;
    let Ok((_, personal)) = cx.current_key(Scope::Personal(me)) else {
        return Ok(());
    };
    let tag = digest("coffer/device-match/v1", &[&seal::blind(personal, key)]);
    let vault_id = cx.vault_id().to_string();
    let remembered = cx.device().matches(&vault_id, &tag)?;
    let mut changed = found.iter().any(|id| !remembered.contains(id));
    for &id in remembered.iter().filter(|id| !found.contains(id)) {
        changed = true;
        vanished(cx, key, id)?;
    }
    if changed {
        cx.device().set_matches(&vault_id, &tag, found)?;
    }
    Ok(())
}

/// Whether secret `id`, which answered `key` on this device before and did
/// not now, left in a way someone may have made it leave.
fn vanished(cx: &mut Cx, key: &str, id: i64) -> Result<()> {
    let db = cx.db();
    let Some(row) = db.secret(id)? else {
        let vault_id = cx.vault_id().to_string();
        let known = cx.device().memory(&vault_id, &[id])?.remove(&id);
        // Deleted here, or by someone who may have (signed in the log).
        if known.is_some_and(|k| k.revision == DELETED)
            || audit::records_delete(db, cx.dir(), id, known.and_then(|k| k.creator))?
        {
            return Ok(());
        }
        return Err(Error::Integrity(format!(
            "the vault (secret {id}, which answered this key here before, is gone without a \
             recorded delete: someone removed it from the storage, and `get` would answer with \
             another secret; restore the vault from a backup)"
        )));
    };
    // Still there: it must check out, and no longer be a match.
    let secret = record::verify(cx.dir(), &row)?;
    cx.fresh(&secret.header)?;
    let h = &secret.header;
    if !cx.actor().can_see(&h.scope()) || (h.private && h.creator != cx.actor().id) {
        return Ok(());
    }
    let mut holds_one = false;
    for &key_id in &h.wraps {
        holds_one |= cx.key(key_id)?.is_some();
    }
    let matches = match record::dek(cx, &secret)? {
        Some(dek) => record::open_meta(&dek, &secret)?.key == key,
        // A key of its scope is held but its wrap is gone: removed.
        None => holds_one,
    };
    if matches {
        return Err(Error::secret_integrity(id));
    }
    Ok(())
}

/// The value of the most specific secret with this key for the signed-in
/// user, or `None` when nothing matches (SPEC §3).
pub(crate) fn get(cx: &mut Cx, key: &str, department: Option<&str>) -> Result<Option<SecretValue>> {
    Ok(get_with_id(cx, key, department)?.map(|(_, value)| value))
}

/// [`get`], with the id of the secret that answered.
pub(crate) fn get_with_id(
    cx: &mut Cx,
    key: &str,
    department: Option<&str>,
) -> Result<Option<(SecretId, SecretValue)>> {
    Ok(match find(cx, key, department)? {
        Some(f) => {
            cx.record(Event::about(AuditAction::Get, f.id, key, f.private));
            Some((f.id, f.value))
        }
        None => {
            cx.record(Event::asked(AuditAction::Get, key).refused(ErrorCode::NotFound));
            None
        }
    })
}

/// Every key of a `run` request looked up by the same rule as `get`, and
/// the variables built from them. The log gets one `run` entry per secret
/// injected (its key, the one field taken if so, and the program's name),
/// only when the command is about to start; when it is not, one refused
/// entry per key that found nothing. The outer error is the vault's; the
/// inner one the request's (committed, so its refusals stay recorded).
pub(crate) fn inject(
    cx: &mut Cx,
    request: &Request,
    department: Option<&str>,
    program: &str,
) -> Result<Result<Injection>> {
    let keys = request.keys();
    // Per key: the winner's (id, private), and its value.
    let mut ids = Vec::with_capacity(keys.len());
    let mut values = Vec::with_capacity(keys.len());
    for key in &keys {
        match find(cx, key, department)? {
            Some(f) => {
                ids.push(Some((f.id, f.private)));
                values.push(Some(f.value));
            }
            None => {
                ids.push(None);
                values.push(None);
            }
        }
    }
    let injection = request.resolve(&values);
    match &injection {
        Ok(_) => {
            for (key, (id, private)) in keys.iter().zip(&ids).filter_map(|(k, i)| Some((k, (*i)?)))
            {
                let mut event = Event::about(AuditAction::Run, id, key, private).program(program);
                if let Some(field) = request.field_of(key) {
                    event = event.field(field);
                }
                cx.record(event);
            }
        }
        Err(_) => {
            for key in request.missing_keys(&values) {
                cx.record(
                    Event::asked(AuditAction::Run, key)
                        .program(program)
                        .refused(ErrorCode::NotFound),
                );
            }
        }
    }
    Ok(injection)
}

/// Every candidate for `key`, which one wins and the rule that decided,
/// for the signed-in user or (admins) for `as_user`. Never values.
pub(crate) fn explain(
    cx: &mut Cx,
    key: &str,
    department: Option<&str>,
    as_user: Option<&str>,
) -> Result<Explanation> {
    let target = match as_user {
        Some(name) if !name.eq_ignore_ascii_case(&cx.actor().username) => {
            cx.actor().check_manage_directory().map_err(|_| {
                Error::denied("only admins and the owner can explain resolution for another user")
            })?;
            let user = cx.dir().user_named(name).ok_or_else(|| {
                Error::not_found("no user with that username: see `coffer user list`")
            })?;
            Actor::of(user)
        }
        _ => cx.actor().clone(),
    };
    let found = lookup(cx, key, department, &target)?;
    let labels = Labels::of(cx.dir(), cx.now());
    let candidates = found
        .rows
        .iter()
        .zip(&found.outcome.standings)
        .map(|(s, (standing, rank))| Candidate {
            id: s.header.secret_id,
            scope: scope_of(&s.header.scope(), &labels.codes),
            creator: labels
                .users
                .get(&s.header.creator)
                .cloned()
                .unwrap_or_default(),
            active: s.header.active,
            expires_at: s.header.expires_at,
            updated_at: s.header.updated_at,
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
        winner: found.outcome.winner.map(|w| found.rows[w].header.secret_id),
        rule: found.outcome.rule,
        private_secrets_hidden: target.id != cx.actor().id,
        not_a_member: found.context.asked.is_some() && !found.context.member_of_asked,
    })
}

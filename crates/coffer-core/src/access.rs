//! Who may see, edit and use a secret, applied to secrets as stored: each
//! loader checks the secret (see `record::verify`) and then asks `policy`.
//! And how secrets and users are described to the people who may see them
//! (scopes by department code, users by name, expiry by the clock).

use std::collections::{BTreeSet, HashMap};

use crate::api::{
    DeptScope, ExpiryState, Permissions, PlainField, Reveal, Scope, SecretId, SecretSummary,
    Timestamp, UserInfo, UserScope,
};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::plain::Meta;
use crate::policy::Actor;
use crate::policy::{ScopeFacts, is_expired};
use crate::record::{self, Secret};
use crate::seal::header::Header;
use crate::store::Hint;
use crate::time::EXPIRY_WARNING_MS;
use crate::trust::state::{Identity, State, UserEntry};

/// Loads a secret the actor can see, checked: its header signed by someone
/// allowed to write it, not older than this device has seen. A damaged row
/// the actor could see (by its unverified columns) is an integrity error;
/// one they could not is simply not found.
pub(crate) fn visible(cx: &mut Cx, id: SecretId) -> Result<Secret> {
    let db = cx.db();
    let Some(row) = db.secret(id)? else {
        return Err(Error::secret_not_found());
    };
    let secret = match record::verify(cx.dir(), &row) {
        Ok(s) => s,
        Err(e) => {
            let hint = record::hint_of(db, row.id, &row.hint)?;
            return Err(if cx.actor().can_see(&hint.facts()) {
                e
            } else {
                Error::secret_not_found()
            });
        }
    };
    if !cx.actor().can_see(&secret.header.scope()) {
        return Err(Error::secret_not_found());
    }
    cx.fresh(&secret.header)?;
    Ok(secret)
}

/// Loads a secret the actor may edit.
pub(crate) fn editable(cx: &mut Cx, id: SecretId) -> Result<Secret> {
    let secret = visible(cx, id)?;
    let scope = secret.header.scope();
    if !cx.actor().can_edit(&scope) {
        return Err(Error::denied(
            if cx.actor().in_scope(&scope) && scope.creator == cx.actor().id {
                "this secret also names departments you are not in, so only an admin can change it"
            } else if cx.actor().in_scope(&scope) {
                "only its creator and admins can change this secret"
            } else {
                "only its creator (while in its scope) and admins can change this secret"
            },
        ));
    }
    Ok(secret)
}

/// Loads a secret whose usages the actor may record or remove: one they
/// are in scope of or may edit.
pub(crate) fn usable(cx: &mut Cx, id: SecretId) -> Result<Secret> {
    let secret = visible(cx, id)?;
    let scope = secret.header.scope();
    if !(cx.actor().in_scope(&scope) || cx.actor().can_edit(&scope)) {
        return Err(Error::denied("you are not in this secret's scope"));
    }
    Ok(secret)
}

/// A scope resolved to department ids.
pub(crate) struct ResolvedScope {
    pub all_depts: bool,
    pub depts: Vec<i64>,
    pub private: bool,
}

/// Departments as given, for a secret private to its creator or not.
pub(crate) fn resolve_scope(
    dir: &State,
    departments: &DeptScope,
    private: bool,
) -> Result<ResolvedScope> {
    match departments {
        DeptScope::All => Ok(ResolvedScope {
            all_depts: true,
            depts: Vec::new(),
            private,
        }),
        DeptScope::Departments { codes } if codes.is_empty() => Err(Error::invalid(
            "choose at least one department, or all departments",
        )),
        DeptScope::Departments { codes } => Ok(ResolvedScope {
            all_depts: false,
            depts: dept_ids(dir, codes)?.into_iter().collect(),
            private,
        }),
    }
}

/// Department ids for codes, refusing unknown ones.
pub(crate) fn dept_ids(dir: &State, codes: &[String]) -> Result<BTreeSet<i64>> {
    codes.iter().map(|c| dept_id(dir, c)).collect()
}

pub(crate) fn dept_id(dir: &State, code: &str) -> Result<i64> {
    dir.dept_coded(code)
        .map(|d| d.id)
        .ok_or_else(|| Error::not_found("no department with that code: see `coffer dept list`"))
}

pub(crate) fn scope_of(facts: &ScopeFacts, codes: &HashMap<i64, String>) -> Scope {
    let departments = if facts.all_depts {
        DeptScope::All
    } else {
        DeptScope::Departments {
            codes: facts
                .depts
                .iter()
                .map(|d| codes.get(d).cloned().unwrap_or_else(|| format!("#{d}")))
                .collect(),
        }
    };
    Scope {
        departments,
        users: if facts.private {
            UserScope::Creator
        } else {
            UserScope::All
        },
    }
}

pub(crate) fn expiry_state(expires_at: Option<Timestamp>, now: Timestamp) -> ExpiryState {
    match expires_at {
        None => ExpiryState::None,
        Some(_) if is_expired(expires_at, now) => ExpiryState::Expired,
        Some(at) if at - now <= EXPIRY_WARNING_MS => ExpiryState::ExpiringSoon,
        Some(_) => ExpiryState::Valid,
    }
}

/// A directory user as front ends see them.
pub(crate) fn user_info(dir: &State, u: &UserEntry) -> UserInfo {
    let codes = dir.dept_codes();
    let code = |d: &i64| codes.get(d).cloned().unwrap_or_else(|| format!("#{d}"));
    UserInfo {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        departments: u.depts.iter().map(code).collect(),
        primary_department: u.primary.as_ref().map(code),
        disabled: u.disabled,
        must_change_password: matches!(u.identity, Identity::Pending { .. }),
        created_at: u.created_at,
    }
}

/// Names, codes and the clock needed to describe secrets.
pub(crate) struct Labels {
    pub codes: HashMap<i64, String>,
    pub users: HashMap<i64, String>,
    pub now: Timestamp,
}

impl Labels {
    pub(crate) fn of(dir: &State, now: Timestamp) -> Self {
        Self {
            codes: dir.dept_codes(),
            users: dir.usernames(),
            now,
        }
    }

    /// A user's name (`#id` for one the directory does not know).
    pub(crate) fn user(&self, id: i64) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    pub(crate) fn summary(&self, actor: &Actor, h: &Header, meta: Option<&Meta>) -> SecretSummary {
        SecretSummary {
            id: h.secret_id,
            key: meta.map(|m| m.key.clone()).unwrap_or_default(),
            field_names: meta.map(|m| m.field_names.clone()).unwrap_or_default(),
            plain_fields: meta
                .map(|m| {
                    m.plain
                        .iter()
                        .map(|p| PlainField {
                            name: p.name.clone(),
                            value: p.value.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            scope: scope_of(&h.scope(), &self.codes),
            description: meta.map(|m| m.description.clone()).unwrap_or_default(),
            tags: meta.map(|m| m.tags.clone()).unwrap_or_default(),
            expires_at: h.expires_at,
            expiry: expiry_state(h.expires_at, self.now),
            active: h.active,
            reveal: h.reveal,
            created_by: self.user(h.creator),
            created_at: h.created_at,
            updated_by: self.user(h.updated_by),
            updated_at: h.updated_at,
            version: h.version,
            damaged: meta.is_none(),
            can: actor.permissions(&h.scope(), &h.state(), self.now),
        }
    }

    /// A row that failed its checks: only its id and (unverified) scope.
    pub(crate) fn damaged(&self, id: SecretId, hint: &Hint) -> SecretSummary {
        let facts = hint.facts();
        SecretSummary {
            id,
            key: String::new(),
            field_names: Vec::new(),
            plain_fields: Vec::new(),
            scope: scope_of(&facts, &self.codes),
            description: String::new(),
            tags: Vec::new(),
            expires_at: None,
            expiry: ExpiryState::None,
            active: false,
            reveal: Reveal::Never,
            created_by: self.user(hint.creator),
            created_at: 0,
            updated_by: String::new(),
            updated_at: 0,
            version: 0,
            damaged: true,
            can: Permissions {
                reveal: false,
                copy: false,
                edit: false,
                delete: false,
                activate: false,
            },
        }
    }
}

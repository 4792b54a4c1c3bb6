//! Creating, listing, reading, editing, activating and deleting secrets.
//! Each public method is one transaction and asks `policy` before it acts;
//! every change is a new signed revision written by `record::write`.

use std::collections::HashMap;

use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::header::Header;
use crate::listing::{Check, MetaState};
use crate::model::{
    DeptScope, ExpiryState, ExpiryUpdate, FieldInput, FieldValue, ListQuery, NewSecret, Reveal,
    RevealedField, Scope, SecretId, SecretSummary, SecretUpdate, Timestamp, UserScope,
};
use crate::policy::{Actor, ScopeFacts, Use, is_expired};
use crate::record::{self, DekPlan, Draft, Fields, Hint, Meta, Secret, Target};
use crate::time::EXPIRY_WARNING_MS;
use crate::trust::state::State;
use crate::usages;
use crate::users::dept_ids;
use crate::validate;
use crate::vault::{Cx, Vault};

/// A scope resolved to department ids.
pub(crate) struct ResolvedScope {
    pub all_depts: bool,
    pub depts: Vec<i64>,
    pub private: bool,
}

pub(crate) fn resolve_scope(dir: &State, scope: &Scope) -> Result<ResolvedScope> {
    let private = scope.users == UserScope::Creator;
    match &scope.departments {
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

fn apply_scope(d: &mut Draft, s: ResolvedScope) {
    d.all_depts = s.all_depts;
    d.depts = s.depts;
    d.private = s.private;
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

    fn user(&self, id: i64) -> String {
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
            can: crate::model::Permissions {
                reveal: false,
                copy: false,
                edit: false,
                delete: false,
                activate: false,
            },
        }
    }
}

/// Loads a secret the actor can see, checked: its header signed by someone
/// allowed to write it, not older than this device has seen. A damaged row
/// the actor could see (by its unverified columns) is an integrity error;
/// one they could not is simply not found.
pub(crate) fn visible(cx: &mut Cx, id: SecretId) -> Result<Secret> {
    let Some(stored) = record::load(cx.conn, id)? else {
        return Err(Error::secret_not_found());
    };
    let dir = cx.dir_arc();
    let secret = match record::verify(&dir, &stored) {
        Ok(s) => s,
        Err(e) => {
            let hint = record::hint_of(cx.conn, stored.id, &stored.hint)?;
            return Err(if cx.actor.can_see(&hint.facts()) {
                e
            } else {
                Error::secret_not_found()
            });
        }
    };
    if !cx.actor.can_see(&secret.header.scope()) {
        return Err(Error::secret_not_found());
    }
    cx.fresh(id, secret.header.revision)?;
    Ok(secret)
}

/// Loads a secret the actor may edit.
fn editable(cx: &mut Cx, id: SecretId) -> Result<Secret> {
    let secret = visible(cx, id)?;
    if !cx.actor.can_edit(&secret.header.scope()) {
        return Err(Error::denied(
            if cx.actor.in_scope(&secret.header.scope()) {
                "only its creator and admins can change this secret"
            } else {
                "only its creator (while in its scope) and admins can change this secret"
            },
        ));
    }
    Ok(secret)
}

/// Builds the new field list: new values, or values kept from `old`.
fn build_fields(input: &[FieldInput], old: Option<&Fields>) -> Result<Fields> {
    validate::field_names(input.iter().map(|f| f.name.as_str()))?;
    let mut out = Vec::with_capacity(input.len());
    for f in input {
        let value = match &f.value {
            FieldValue::Set { value } => {
                validate::field_value(value)?;
                value.clone()
            }
            FieldValue::Keep { from } => old
                .and_then(|o| o.0.iter().find(|(n, _)| n == from))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    Error::invalid("a field to keep does not exist in this secret: give it a value")
                })?,
        };
        out.push((f.name.clone(), value));
    }
    Ok(Fields(out))
}

fn all_values_new(input: &[FieldInput]) -> bool {
    input
        .iter()
        .all(|f| matches!(f.value, FieldValue::Set { .. }))
}

impl Vault {
    /// Creates a secret and returns its id.
    pub fn create_secret(&mut self, new: NewSecret) -> Result<SecretId> {
        validate::secret_key(&new.key)?;
        validate::description(&new.description)?;
        let tags = validate::tags(&new.tags)?;
        if !all_values_new(&new.fields) {
            return Err(Error::invalid("a new secret needs a value for every field"));
        }
        let fields = build_fields(&new.fields, None)?;
        self.write(|cx| {
            if !new.active && !cx.actor.is_admin() {
                return Err(Error::denied("only admins can create a secret inactive"));
            }
            let mut draft = Draft {
                private: false,
                all_depts: false,
                depts: Vec::new(),
                creator: cx.actor.id,
                active: new.active,
                reveal: new.reveal,
                expires_at: new.expires_at,
                created_at: cx.now,
                updated_at: cx.now,
                updated_by: cx.actor.id,
                version: 1,
            };
            apply_scope(&mut draft, resolve_scope(cx.dir(), &new.scope)?);
            cx.actor.check_target_scope(&draft.scope())?;
            let meta = Meta {
                key: new.key.clone(),
                description: new.description.clone(),
                tags,
                field_names: fields.names(),
            };
            let h = record::write(cx, Target::New, &draft, &meta, &fields, DekPlan::New)?;
            Ok(h.secret_id)
        })
    }

    /// The secrets table: every secret the user can see that matches.
    /// Rows that fail their integrity check are listed as damaged (when no
    /// text filter is set) so one bad row never hides the rest. Served from
    /// the session's decrypted view (see `listing`), so repeated searches
    /// cost a scan in memory, not a decryption per row.
    pub fn list_secrets(&mut self, query: &ListQuery) -> Result<Vec<SecretSummary>> {
        let lower = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase)
        };
        let (search, tag) = (lower(&query.search), lower(&query.tag));
        self.read(|cx| {
            let dept = query
                .department
                .as_deref()
                .map(|c| crate::users::dept_id(cx.dir(), c))
                .transpose()?;
            crate::listing::refresh(cx)?;
            let filtered = search.is_some() || tag.is_some() || dept.is_some();
            // Pick the rows to show from their decoded headers and
            // decrypted metadata, then check just those.
            let mut picks = Vec::new();
            for (i, entry) in cx.listing.entries.iter().enumerate() {
                let h = match (&entry.header, entry.check) {
                    (Some(h), Check::Pending | Check::Passed) => h,
                    _ => {
                        if !filtered && cx.actor.can_see(&entry.hint.facts()) {
                            picks.push(i);
                        }
                        continue;
                    }
                };
                if !cx.actor.can_see(&h.scope())
                    || dept.is_some_and(|d| !h.all_depts && !h.depts.contains(&d))
                    || (!query.include_inactive && (!h.active || is_expired(h.expires_at, cx.now)))
                {
                    continue;
                }
                match &entry.meta {
                    MetaState::Unshared => continue,
                    MetaState::Ok { meta, haystack } => {
                        let tag_ok = tag
                            .as_ref()
                            .is_none_or(|t| meta.tags.iter().any(|x| x.to_lowercase() == *t));
                        let search_ok = search
                            .as_ref()
                            .is_none_or(|s| haystack.contains(s.as_str()));
                        if tag_ok && search_ok {
                            picks.push(i);
                        }
                    }
                    _ if search.is_some() || tag.is_some() => {}
                    _ => picks.push(i),
                }
            }
            crate::listing::check(cx, &picks)?;
            let labels = Labels::of(cx.dir(), cx.now);
            let mut out = Vec::with_capacity(picks.len());
            for i in picks {
                let entry = &cx.listing.entries[i];
                match entry.checked() {
                    Some(h) => {
                        let meta = match &entry.meta {
                            MetaState::Ok { meta, .. } => Some(meta),
                            _ => None,
                        };
                        out.push(labels.summary(&cx.actor, h, meta));
                    }
                    // A row that failed its check shows as damaged, and
                    // only when no filter is set (one bad row never hides
                    // the rest, and a search never matches a damaged one).
                    None if !filtered && cx.actor.can_see(&entry.hint.facts()) => {
                        out.push(labels.damaged(entry.id, &entry.hint));
                    }
                    None => {}
                }
            }
            Ok(out)
        })
    }

    /// One secret's metadata.
    pub fn secret(&mut self, id: SecretId) -> Result<SecretSummary> {
        self.read(|cx| {
            let secret = visible(cx, id)?;
            let dir = cx.dir_arc();
            let meta = record::open_meta(
                &record::require_dek(cx.conn, cx.keys, &dir, &secret)?,
                &secret,
            )?;
            Ok(Labels::of(&dir, cx.now).summary(&cx.actor, &secret.header, Some(&meta)))
        })
    }

    /// Every field with its value, for someone allowed to see them.
    pub fn reveal(&mut self, id: SecretId) -> Result<Vec<RevealedField>> {
        self.read(|cx| {
            let fields = open_for(cx, id, Use::Reveal)?;
            Ok(fields
                .0
                .into_iter()
                .map(|(name, value)| RevealedField { name, value })
                .collect())
        })
    }

    /// One field's value, for copying to the clipboard.
    pub fn copy_value(&mut self, id: SecretId, field: &str) -> Result<SecretString> {
        self.read(|cx| {
            open_for(cx, id, Use::Copy)?
                .0
                .into_iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| v)
                .ok_or_else(|| Error::not_found("this secret has no field with that name"))
        })
    }

    /// Applies a partial update as a new version; the previous one goes to
    /// history. Narrowing the scope (or making a secret private) gives it a
    /// fresh data key, so nobody who could read it before the change can
    /// read what is written after. Returns the updated metadata.
    pub fn update_secret(&mut self, id: SecretId, upd: SecretUpdate) -> Result<SecretSummary> {
        if let Some(k) = &upd.key {
            validate::secret_key(k)?;
        }
        if let Some(d) = &upd.description {
            validate::description(d)?;
        }
        let tags = upd.tags.as_deref().map(validate::tags).transpose()?;
        let nothing = upd.key.is_none()
            && upd.fields.is_none()
            && upd.scope.is_none()
            && upd.description.is_none()
            && tags.is_none()
            && upd.expires.is_none()
            && upd.reveal.is_none();
        if nothing {
            return Err(Error::invalid(
                "nothing to change: give at least one new value",
            ));
        }
        self.write(|cx| {
            let secret = editable(cx, id)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let old_meta = record::open_meta(&dek, &secret)?;
            let old_fields = record::open_fields(&dek, &secret)?;
            let fields = match &upd.fields {
                Some(input) => build_fields(input, Some(&old_fields))?,
                None => Fields(old_fields.0.clone()),
            };
            let mut meta = old_meta.clone();
            meta.field_names = fields.names();
            if let Some(k) = &upd.key {
                meta.key.clone_from(k);
            }
            if let Some(d) = &upd.description {
                meta.description.clone_from(d);
            }
            if let Some(t) = tags.clone() {
                meta.tags = t;
            }
            let h = &secret.header;
            if !h.active && !cx.actor.is_admin() {
                return Err(Error::Inactive);
            }
            let mut draft = Draft::of(h);
            if let Some(scope) = &upd.scope {
                let s = resolve_scope(&dir, scope)?;
                if s.private != h.private && h.creator != cx.actor.id {
                    return Err(Error::denied("only a secret's creator can make it private or shared"));
                }
                apply_scope(&mut draft, s);
                cx.actor.check_target_scope(&draft.scope())?;
            }
            match upd.expires {
                Some(ExpiryUpdate::Never) => draft.expires_at = None,
                Some(ExpiryUpdate::At { at }) => draft.expires_at = Some(at),
                None => {}
            }
            if let Some(reveal) = upd.reveal {
                let replaces_all = upd.fields.as_deref().is_some_and(all_values_new);
                if h.reveal == Reveal::Never && reveal == Reveal::Allowed && !replaces_all {
                    return Err(Error::denied(
                        "a write-only secret stays write-only: to make it revealable, replace every value",
                    ));
                }
                draft.reveal = reveal;
            }
            let header = new_version(cx, &secret, &dek, &old_meta, &old_fields, draft, &meta, &fields)?;
            Ok(Labels::of(cx.dir(), cx.now).summary(&cx.actor, &header, Some(&meta)))
        })
    }

    /// Activates or deactivates a secret (admins). Returns the names of the
    /// usages of a secret that was deactivated while in use, for a warning.
    pub fn set_active(&mut self, id: SecretId, active: bool) -> Result<Vec<String>> {
        self.write(|cx| {
            let secret = visible(cx, id)?;
            if !cx.actor.can_activate(&secret.header.scope()) {
                return Err(Error::denied(
                    "only admins and the owner activate or deactivate secrets",
                ));
            }
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let in_use = usages::names(cx.conn, &dir, &dek, &secret.header)?;
            if secret.header.active != active {
                let meta = record::open_meta(&dek, &secret)?;
                let fields = record::open_fields(&dek, &secret)?;
                let mut draft = Draft::of(&secret.header);
                draft.active = active;
                record::write(
                    cx,
                    Target::Existing(&secret.header),
                    &draft,
                    &meta,
                    &fields,
                    DekPlan::Keep(&dek),
                )?;
            }
            Ok(if active { Vec::new() } else { in_use })
        })
    }

    /// Deletes a secret and its history. Refused while anything uses it;
    /// the error names every usage.
    pub fn delete_secret(&mut self, id: SecretId) -> Result<()> {
        self.write(|cx| {
            let secret = editable(cx, id)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let in_use = usages::names(cx.conn, &dir, &dek, &secret.header)?;
            if !in_use.is_empty() {
                return Err(Error::InUse(in_use));
            }
            cx.conn
                .execute("DELETE FROM usages WHERE secret_id = ?1", [id])?;
            cx.conn.execute("DELETE FROM secrets WHERE id = ?1", [id])?;
            cx.deleted(id);
            Ok(())
        })
    }
}

/// The fields of a secret, for reading them now (`how`): in scope, active,
/// unexpired and, unless fetched by `get`, revealable.
pub(crate) fn open_for(cx: &mut Cx, id: SecretId, how: Use) -> Result<Fields> {
    let secret = visible(cx, id)?;
    cx.actor
        .check_use(&secret.header.scope(), &secret.header.state(), how, cx.now)?;
    let dir = cx.dir_arc();
    record::open_fields(
        &record::require_dek(cx.conn, cx.keys, &dir, &secret)?,
        &secret,
    )
}

/// The one way to make a new version of a secret's content: the current
/// one goes to history, the version goes up, and the data key is replaced
/// when it nears its budget or the scope changes (`record::write` gives a
/// secret whose scope changed a fresh key, so narrowing it, or making it
/// private, leaves former holders nothing to read new values with).
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_version(
    cx: &mut Cx,
    secret: &Secret,
    dek: &crate::crypto::SymKey,
    old_meta: &Meta,
    old_fields: &Fields,
    mut draft: Draft,
    meta: &Meta,
    fields: &Fields,
) -> Result<Header> {
    let h = &secret.header;
    record::push_history(cx.conn, dek, h, old_meta, old_fields)?;
    draft.version = h.version + 1;
    draft.updated_at = cx.now.max(h.updated_at + 1);
    draft.updated_by = cx.actor.id;
    let plan = if record::dek_worn(cx.conn, h.secret_id)? {
        DekPlan::Rotate(dek)
    } else {
        DekPlan::Keep(dek)
    };
    record::write(cx, Target::Existing(h), &draft, meta, fields, plan)
}

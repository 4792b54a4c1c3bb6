//! Creating, listing, reading, editing, activating and deleting secrets.
//! Each public method is one transaction and asks `policy` before it acts.

use std::collections::HashMap;

use rusqlite::Connection;
use secrecy::SecretString;

use crate::crypto::SymKey;
use crate::directory;
use crate::error::{Error, Result};
use crate::listing::MetaState;
use crate::model::{
    DeptScope, ExpiryState, ExpiryUpdate, FieldInput, FieldValue, ListQuery, NewSecret, Reveal,
    RevealedField, Scope, SecretId, SecretSummary, SecretUpdate, Timestamp, UserScope,
};
use crate::policy::{Actor, Use, is_expired};
use crate::record::{self, Fields, Meta, Row};
use crate::time::EXPIRY_WARNING_MS;
use crate::usages;
use crate::validate;
use crate::vault::{Cx, Vault};

/// A scope resolved to department ids.
pub(crate) struct ResolvedScope {
    pub all_depts: bool,
    pub depts: Vec<i64>,
    pub private: bool,
}

pub(crate) fn resolve_scope(conn: &Connection, scope: &Scope) -> Result<ResolvedScope> {
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
        DeptScope::Departments { codes } => {
            let depts = directory::dept_ids(conn, codes)?.into_iter().collect();
            Ok(ResolvedScope {
                all_depts: false,
                depts,
                private,
            })
        }
    }
}

fn apply_scope(row: &mut Row, s: ResolvedScope) {
    row.all_depts = s.all_depts;
    row.depts = s.depts;
    row.private = s.private;
}

pub(crate) fn scope_of(row: &Row, codes: &HashMap<i64, String>) -> Scope {
    let departments = if row.all_depts {
        DeptScope::All
    } else {
        DeptScope::Departments {
            codes: row
                .depts
                .iter()
                .map(|d| codes.get(d).cloned().unwrap_or_else(|| format!("#{d}")))
                .collect(),
        }
    };
    Scope {
        departments,
        users: if row.private {
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

/// Usernames by id, for display.
pub(crate) fn usernames(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, username FROM users")?;
    let map = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(map)
}

/// Names, codes and the clock needed to describe secrets.
pub(crate) struct Labels {
    pub codes: HashMap<i64, String>,
    pub users: HashMap<i64, String>,
    pub now: Timestamp,
}

impl Labels {
    pub(crate) fn load(conn: &Connection, now: Timestamp) -> Result<Self> {
        Ok(Self {
            codes: directory::dept_codes(conn)?,
            users: usernames(conn)?,
            now,
        })
    }

    fn user(&self, id: i64) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    pub(crate) fn summary(&self, actor: &Actor, row: &Row, meta: Option<&Meta>) -> SecretSummary {
        SecretSummary {
            id: row.id,
            key: meta.map(|m| m.key.clone()).unwrap_or_default(),
            field_names: meta.map(|m| m.field_names.clone()).unwrap_or_default(),
            scope: scope_of(row, &self.codes),
            description: meta.map(|m| m.description.clone()).unwrap_or_default(),
            tags: meta.map(|m| m.tags.clone()).unwrap_or_default(),
            expires_at: row.expires_at,
            expiry: expiry_state(row.expires_at, self.now),
            active: row.active,
            reveal: row.reveal,
            created_by: self.user(row.creator_id),
            created_at: row.created_at,
            updated_by: self.user(row.updated_by),
            updated_at: row.updated_at,
            version: row.version,
            damaged: meta.is_none(),
            can: actor.permissions(&row.scope(), &row.state(), self.now),
        }
    }
}

/// Loads a secret the actor can see.
pub(crate) fn visible(cx: &Cx, id: SecretId) -> Result<Row> {
    match record::load(cx.conn, id)? {
        Some(row) if cx.actor.can_see(&row.scope()) => Ok(row),
        _ => Err(Error::secret_not_found()),
    }
}

/// Loads a secret the actor may edit.
fn editable(cx: &Cx, id: SecretId) -> Result<Row> {
    let row = visible(cx, id)?;
    if !cx.actor.can_edit(&row.scope()) {
        return Err(Error::denied(
            "only its creator (while in its scope) and admins can change this secret",
        ));
    }
    Ok(row)
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
        self.run(true, false, |cx| {
            if !new.active && !cx.actor.is_admin() {
                return Err(Error::denied("only admins can create a secret inactive"));
            }
            let mut row = Row::new(cx.actor.id, cx.now);
            apply_scope(&mut row, resolve_scope(cx.conn, &new.scope)?);
            cx.actor.check_target_scope(&row.scope())?;
            row.active = new.active;
            row.reveal = new.reveal;
            row.expires_at = new.expires_at;
            let meta = Meta {
                key: new.key.clone(),
                description: new.description.clone(),
                tags,
                field_names: fields.names(),
            };
            record::save(
                cx.conn,
                cx.keys,
                &mut row,
                &meta,
                &fields,
                &SymKey::generate(),
            )?;
            Ok(row.id)
        })
    }

    /// The secrets table: every secret the user can see that matches.
    /// Rows that fail their integrity check are listed as damaged (when no
    /// text filter is set) so one bad row never hides the rest. Served from
    /// the session's decrypted view (see `listing`), so repeated searches
    /// cost a scan in memory, not a decryption per row.
    pub fn list_secrets(&mut self, query: &ListQuery) -> Result<Vec<SecretSummary>> {
        let search = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        let tag = query
            .tag
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        self.run(false, false, |cx| {
            let dept = query
                .department
                .as_deref()
                .map(|c| directory::dept_id(cx.conn, c.trim()))
                .transpose()?;
            cx.listing.refresh(cx.conn, cx.keys, &cx.actor, cx.epoch)?;
            let labels = Labels::load(cx.conn, cx.now)?;
            let mut out = Vec::new();
            for entry in &cx.listing.entries {
                let row = &entry.row;
                if !cx.actor.can_see(&row.scope())
                    || dept.is_some_and(|d| !row.all_depts && !row.depts.contains(&d))
                    || (!query.include_inactive
                        && (!row.active || is_expired(row.expires_at, cx.now)))
                {
                    continue;
                }
                let meta = match &entry.meta {
                    MetaState::Ok { meta, haystack } => {
                        let tag_ok = tag
                            .as_ref()
                            .is_none_or(|t| meta.tags.iter().any(|x| x.to_lowercase() == *t));
                        let search_ok = search
                            .as_ref()
                            .is_none_or(|s| haystack.contains(s.as_str()));
                        if !(tag_ok && search_ok) {
                            continue;
                        }
                        Some(meta)
                    }
                    _ if search.is_some() || tag.is_some() => continue,
                    _ => None,
                };
                out.push(labels.summary(&cx.actor, row, meta));
            }
            Ok(out)
        })
    }

    /// One secret's metadata.
    pub fn secret(&mut self, id: SecretId) -> Result<SecretSummary> {
        self.run(false, false, |cx| {
            let row = visible(cx, id)?;
            let meta = record::open_meta(&record::dek(cx.conn, cx.keys, &row)?, &row)?;
            Ok(Labels::load(cx.conn, cx.now)?.summary(&cx.actor, &row, Some(&meta)))
        })
    }

    /// Every field with its value, for someone allowed to see them.
    pub fn reveal(&mut self, id: SecretId) -> Result<Vec<RevealedField>> {
        self.run(false, false, |cx| {
            let row = visible(cx, id)?;
            cx.actor
                .check_use(&row.scope(), &row.state(), Use::Reveal, cx.now)?;
            let fields = record::open_fields(&record::dek(cx.conn, cx.keys, &row)?, &row)?;
            Ok(fields
                .0
                .into_iter()
                .map(|(name, value)| RevealedField { name, value })
                .collect())
        })
    }

    /// One field's value, for copying to the clipboard.
    pub fn copy_value(&mut self, id: SecretId, field: &str) -> Result<SecretString> {
        self.run(false, false, |cx| {
            let row = visible(cx, id)?;
            cx.actor
                .check_use(&row.scope(), &row.state(), Use::Copy, cx.now)?;
            let fields = record::open_fields(&record::dek(cx.conn, cx.keys, &row)?, &row)?;
            fields
                .0
                .into_iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| v)
                .ok_or_else(|| Error::not_found("this secret has no field with that name"))
        })
    }

    /// Applies a partial update as a new version; the previous one goes to
    /// history. Returns the updated metadata.
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
        self.run(true, false, |cx| {
            let mut row = editable(cx, id)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let old_meta = record::open_meta(&dek, &row)?;
            let old_fields = record::open_fields(&dek, &row)?;
            let fields = match &upd.fields {
                Some(input) => build_fields(input, Some(&old_fields))?,
                None => Fields(old_fields.0.clone()),
            };
            let mut meta = old_meta.clone();
            meta.field_names = fields.names();
            if let Some(k) = &upd.key {
                meta.key = k.clone();
            }
            if let Some(d) = &upd.description {
                meta.description = d.clone();
            }
            if let Some(t) = tags.clone() {
                meta.tags = t;
            }
            record::push_history(cx.conn, &dek, &row, &old_meta, &old_fields)?;
            row.dek_uses += 2;
            if let Some(scope) = &upd.scope {
                let s = resolve_scope(cx.conn, scope)?;
                if s.private != row.private && row.creator_id != cx.actor.id {
                    return Err(Error::denied("only a secret's creator can make it private or shared"));
                }
                apply_scope(&mut row, s);
                cx.actor.check_target_scope(&row.scope())?;
            }
            match upd.expires {
                Some(ExpiryUpdate::Never) => row.expires_at = None,
                Some(ExpiryUpdate::At { at }) => row.expires_at = Some(at),
                None => {}
            }
            if let Some(reveal) = upd.reveal {
                let replaces_all = upd.fields.as_deref().is_some_and(all_values_new);
                if row.reveal == Reveal::Never && reveal == Reveal::Allowed && !replaces_all {
                    return Err(Error::denied(
                        "a write-only secret stays write-only: to make it revealable, replace every value",
                    ));
                }
                row.reveal = reveal;
            }
            row.version += 1;
            row.updated_at = cx.now.max(row.updated_at + 1);
            row.updated_by = cx.actor.id;
            record::save(cx.conn, cx.keys, &mut row, &meta, &fields, &dek)?;
            if record::dek_worn(&row) {
                record::rotate_dek(cx.conn, cx.keys, row.id)?;
                row = record::load(cx.conn, id)?.ok_or_else(Error::secret_not_found)?;
            }
            Ok(Labels::load(cx.conn, cx.now)?.summary(&cx.actor, &row, Some(&meta)))
        })
    }

    /// Activates or deactivates a secret (admins). Returns the names of the
    /// usages of a secret that was deactivated while in use, for a warning.
    pub fn set_active(&mut self, id: SecretId, active: bool) -> Result<Vec<String>> {
        self.run(true, false, |cx| {
            let mut row = visible(cx, id)?;
            if !cx.actor.can_activate(&row.scope()) {
                return Err(Error::denied(
                    "only admins and the owner activate or deactivate secrets",
                ));
            }
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let in_use = usages::names(cx.conn, &dek, &row)?;
            if row.active != active {
                let meta = record::open_meta(&dek, &row)?;
                let fields = record::open_fields(&dek, &row)?;
                row.active = active;
                record::save(cx.conn, cx.keys, &mut row, &meta, &fields, &dek)?;
            }
            Ok(if active { Vec::new() } else { in_use })
        })
    }

    /// Deletes a secret and its history. Refused while anything uses it;
    /// the error names every usage.
    pub fn delete_secret(&mut self, id: SecretId) -> Result<()> {
        self.run(true, false, |cx| {
            let row = editable(cx, id)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let in_use = usages::names(cx.conn, &dek, &row)?;
            if !in_use.is_empty() {
                return Err(Error::InUse(in_use));
            }
            cx.conn.execute("DELETE FROM secrets WHERE id = ?1", [id])?;
            Ok(())
        })
    }
}

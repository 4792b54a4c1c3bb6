//! Secrets: creating, listing, reading, editing, activating and deleting
//! them. Each function runs inside one transaction and asks `access` and
//! `policy` before it acts; every change is a new signed revision made by
//! `record`. Input is checked before the transaction (`check_new`,
//! `check_update`): bad input changes nothing.

use secrecy::SecretString;

use crate::access::{self, Labels, ResolvedScope};
use crate::api::{
    AuditAction, DeptScope, ExpiryUpdate, FieldInput, FieldValue, FieldsUpdate, ListQuery,
    NewSecret, Reveal, RevealedField, SecretId, SecretSummary, SecretUpdate, UserScope,
};
use crate::audit::Event;
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::listing::{self, Check, ListCache, MetaState};
use crate::plain::{Fields, Meta};
use crate::policy::{Use, is_expired};
use crate::record::{self, DekPlan, Draft, NewVersion, Target};
use crate::seal::header::Header;
use crate::validate;

/// A new secret whose text passed its checks.
pub(crate) struct CheckedNew {
    new: NewSecret,
    tags: Vec<String>,
    fields: Fields,
    /// The fields marked plain text.
    plain: Vec<String>,
}

impl CheckedNew {
    pub(crate) fn key(&self) -> &str {
        &self.new.key
    }
}

pub(crate) fn check_new(new: NewSecret) -> Result<CheckedNew> {
    validate::secret_key(&new.key)?;
    validate::description(&new.description)?;
    let tags = validate::tags(&new.tags)?;
    if !new
        .fields
        .iter()
        .all(|f| matches!(f.value, FieldValue::Set { .. }))
    {
        return Err(Error::invalid("a new secret needs a value for every field"));
    }
    let (fields, plain) = build_fields(&new.fields, None)?;
    Ok(CheckedNew {
        new,
        tags,
        fields,
        plain,
    })
}

/// The departments of a new secret: as given, or the creator's primary
/// department.
fn new_scope(cx: &Cx, departments: Option<&DeptScope>, users: UserScope) -> Result<ResolvedScope> {
    let private = users == UserScope::Creator;
    match departments {
        Some(d) => access::resolve_scope(cx.dir(), d, private),
        None => match cx.actor().primary {
            Some(primary) => Ok(ResolvedScope {
                all_depts: false,
                depts: vec![primary],
                private,
            }),
            None => Err(Error::invalid(
                "you have no primary department: choose the departments (--dept CODE or --all-depts)",
            )),
        },
    }
}

/// Creates a secret and returns its id.
pub(crate) fn create(cx: &mut Cx, c: &CheckedNew) -> Result<SecretId> {
    let new = &c.new;
    if !new.active && !cx.actor().is_admin() {
        return Err(Error::denied("only admins can create a secret inactive"));
    }
    let scope = new_scope(cx, new.departments.as_ref(), new.users)?;
    let (me, now) = (cx.actor().id, cx.now());
    let draft = Draft {
        private: scope.private,
        all_depts: scope.all_depts,
        depts: scope.depts,
        creator: me,
        active: new.active,
        reveal: new.reveal,
        expires_at: new.expires_at,
        created_at: now,
        updated_at: now,
        updated_by: me,
        version: 1,
    };
    cx.actor().check_target_scope(&draft.scope())?;
    let meta = Meta {
        key: new.key.clone(),
        description: new.description.clone(),
        tags: c.tags.clone(),
        field_names: c.fields.names(),
        plain: c.fields.plain_values(&c.plain),
    };
    let h = record::write(cx, Target::New, &draft, &meta, &c.fields, DekPlan::New)?;
    cx.record(Event::about(
        AuditAction::Create,
        h.secret_id,
        &meta.key,
        h.private,
    ));
    Ok(h.secret_id)
}

/// The secrets table: every secret the user can see that matches. Rows
/// that fail their integrity check are listed as damaged (when no filter
/// is set) so one bad row never hides the rest. Served from the session's
/// decrypted view (see `listing`), so repeated searches cost a scan in
/// memory, not a decryption per row.
pub(crate) fn list(
    cx: &mut Cx,
    cache: &mut ListCache,
    query: &ListQuery,
) -> Result<Vec<SecretSummary>> {
    let lower = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    let (search, tag) = (lower(&query.search), lower(&query.tag));
    let dept = query
        .department
        .as_deref()
        .map(|c| access::dept_id(cx.dir(), c))
        .transpose()?;
    listing::refresh(cx, cache)?;
    let filtered = search.is_some() || tag.is_some() || dept.is_some();
    let (actor, now) = (cx.actor().clone(), cx.now());
    // Pick the rows to show from their decoded headers and decrypted
    // metadata, then check just those.
    let mut picks = Vec::new();
    for (i, entry) in cache.entries.iter().enumerate() {
        let h = match (&entry.header, entry.check) {
            (Some(h), Check::Pending | Check::Passed) => h,
            _ => {
                if !filtered && actor.can_see(&entry.hint.facts()) {
                    picks.push(i);
                }
                continue;
            }
        };
        if !actor.can_see(&h.scope())
            || dept.is_some_and(|d| !h.all_depts && !h.depts.contains(&d))
            || (!query.include_inactive && (!h.active || is_expired(h.expires_at, now)))
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
    listing::check(cx, cache, &picks)?;
    let labels = Labels::of(cx.dir(), now);
    let entries = &cache.entries;
    let mut out = Vec::with_capacity(picks.len());
    for i in picks {
        let entry = &entries[i];
        match entry.checked() {
            Some(h) => {
                let meta = match &entry.meta {
                    MetaState::Ok { meta, .. } => Some(meta),
                    _ => None,
                };
                out.push(labels.summary(&actor, h, meta));
            }
            // A row that failed its check shows as damaged, and only when
            // no filter is set (one bad row never hides the rest, and a
            // search never matches a damaged one).
            None if !filtered && actor.can_see(&entry.hint.facts()) => {
                out.push(labels.damaged(entry.id, &entry.hint));
            }
            None => {}
        }
    }
    Ok(out)
}

/// One secret's metadata.
pub(crate) fn summary(cx: &mut Cx, id: SecretId) -> Result<SecretSummary> {
    let secret = access::visible(cx, id)?;
    let dek = record::require_dek(cx, &secret)?;
    let meta = record::open_meta(&dek, &secret)?;
    Ok(Labels::of(cx.dir(), cx.now()).summary(cx.actor(), &secret.header, Some(&meta)))
}

/// The fields of a secret, for reading them now (`how`): in scope, active,
/// unexpired and, unless fetched by `get`, revealable. Returns the key too.
fn open_for(cx: &mut Cx, id: SecretId, how: Use) -> Result<(Fields, String, bool)> {
    let secret = access::visible(cx, id)?;
    let h = &secret.header;
    cx.actor()
        .check_use(&h.scope(), &h.state(), how, cx.now())?;
    let dek = record::require_dek(cx, &secret)?;
    let key = record::open_meta(&dek, &secret)?.key.clone();
    Ok((record::open_fields(&dek, &secret)?, key, h.private))
}

/// Every field with its value, for someone allowed to see them.
pub(crate) fn reveal(cx: &mut Cx, id: SecretId) -> Result<Vec<RevealedField>> {
    let (fields, key, private) = open_for(cx, id, Use::Reveal)?;
    cx.record(Event::about(AuditAction::Reveal, id, &key, private));
    Ok(fields.into_revealed())
}

/// One field's value, for copying to the clipboard.
pub(crate) fn copy_value(cx: &mut Cx, id: SecretId, field: &str) -> Result<SecretString> {
    let (fields, key, private) = open_for(cx, id, Use::Copy)?;
    let value = fields
        .0
        .into_iter()
        .find(|(n, _)| n == field)
        .map(|(_, v)| v)
        .ok_or_else(|| Error::not_found("this secret has no field with that name"))?;
    cx.record(Event::about(AuditAction::Copy, id, &key, private).field(field));
    Ok(value)
}

/// Every field as `.env` lines, under the rule for copying.
pub(crate) fn copy_as_env(cx: &mut Cx, id: SecretId) -> Result<SecretString> {
    let secret = access::visible(cx, id)?;
    let h = &secret.header;
    cx.actor()
        .check_use(&h.scope(), &h.state(), Use::Copy, cx.now())?;
    let dek = record::require_dek(cx, &secret)?;
    let key = record::open_meta(&dek, &secret)?.key.clone();
    let fields = record::open_fields(&dek, &secret)?.into_revealed();
    cx.record(Event::about(AuditAction::Copy, id, &key, h.private));
    Ok(crate::dotenv::to_env(&key, &fields))
}

/// An update whose text passed its checks.
pub(crate) struct CheckedUpdate {
    upd: SecretUpdate,
    tags: Option<Vec<String>>,
}

pub(crate) fn check_update(upd: SecretUpdate) -> Result<CheckedUpdate> {
    if let Some(k) = &upd.key {
        validate::secret_key(k)?;
    }
    if let Some(d) = &upd.description {
        validate::description(d)?;
    }
    let tags = upd.tags.as_deref().map(validate::tags).transpose()?;
    check_expected(upd.expected_version)?;
    match &upd.fields {
        Some(FieldsUpdate::Replace { fields }) => {
            validate::field_names(fields.iter().map(|f| f.name.as_str()))?;
        }
        Some(FieldsUpdate::Edit { set, remove }) if set.is_empty() && remove.is_empty() => {
            return Err(Error::invalid("give a field to set or to remove"));
        }
        _ => {}
    }
    let nothing = upd.key.is_none()
        && upd.fields.is_none()
        && upd.departments.is_none()
        && upd.users.is_none()
        && upd.description.is_none()
        && tags.is_none()
        && upd.expires.is_none()
        && upd.reveal.is_none()
        && upd.active.is_none();
    if nothing {
        return Err(Error::invalid(
            "nothing to change: give at least one new value",
        ));
    }
    Ok(CheckedUpdate { upd, tags })
}

/// The new field list an update asks for, applied to the current fields,
/// and which of them are plain text.
fn updated_fields(
    update: &FieldsUpdate,
    old: &Fields,
    old_meta: &Meta,
) -> Result<(Fields, Vec<String>)> {
    match update {
        FieldsUpdate::Replace { fields } => build_fields(fields, Some((old, old_meta))),
        FieldsUpdate::Edit { set, remove } => {
            if remove.iter().any(|r| !old.0.iter().any(|(n, _)| n == r)) {
                return Err(Error::invalid(
                    "a field to remove does not exist in this secret",
                ));
            }
            let mut list: Vec<FieldInput> = old
                .0
                .iter()
                .filter(|(n, _)| !remove.contains(n))
                .map(|(n, _)| FieldInput {
                    name: n.clone(),
                    value: FieldValue::Keep { from: n.clone() },
                    plain: None,
                })
                .collect();
            for f in set {
                match list.iter_mut().find(|x| x.name == f.name) {
                    Some(slot) => *slot = f.clone(),
                    None => list.push(f.clone()),
                }
            }
            build_fields(&list, Some((old, old_meta)))
        }
    }
}

/// Applies a partial update as a new version, in one transaction: the
/// fields and scope halves are merged with the current version here, so
/// two edits never overwrite each other's untouched parts. An update made
/// from a loaded copy names its version (`expected_version`), and is
/// refused, with nothing written, when someone saved since: a stale form
/// never silently replaces a teammate's change. The previous version goes
/// to history. Narrowing the scope (or making a secret private) gives it a
/// fresh data key, so nobody who could read it before the change can read
/// what is written after. Returns the new metadata.
pub(crate) fn update(cx: &mut Cx, id: SecretId, c: &CheckedUpdate) -> Result<SecretSummary> {
    let upd = &c.upd;
    let secret = access::editable(cx, id)?;
    let h = &secret.header;
    if let Some(expected) = upd.expected_version {
        check_version(cx, h, expected, "nothing was saved")?;
    }
    let changes_active = upd.active.is_some_and(|a| a != h.active);
    if changes_active && !cx.actor().can_activate(&h.scope()) {
        return Err(Error::denied(
            "only admins and the owner activate or deactivate secrets",
        ));
    }
    if !h.active && !cx.actor().is_admin() {
        return Err(Error::Inactive);
    }
    let dek = record::require_dek(cx, &secret)?;
    let old_meta = record::open_meta(&dek, &secret)?;
    let old_fields = record::open_fields(&dek, &secret)?;
    let mut meta = old_meta.clone();
    let fields = match &upd.fields {
        Some(f) => {
            let (fields, plain) = updated_fields(f, &old_fields, &old_meta)?;
            meta.field_names = fields.names();
            meta.plain = fields.plain_values(&plain);
            fields
        }
        None => old_fields.clone(),
    };
    if let Some(k) = &upd.key {
        meta.key.clone_from(k);
    }
    if let Some(d) = &upd.description {
        meta.description.clone_from(d);
    }
    if let Some(t) = &c.tags {
        meta.tags.clone_from(t);
    }
    let mut draft = Draft::of(h);
    if upd.departments.is_some() || upd.users.is_some() {
        let private = upd.users.map_or(h.private, |u| u == UserScope::Creator);
        if private != h.private && h.creator != cx.actor().id {
            return Err(Error::denied(
                "only a secret's creator can make it private or shared",
            ));
        }
        let s = match &upd.departments {
            Some(d) => access::resolve_scope(cx.dir(), d, private)?,
            None => ResolvedScope {
                all_depts: h.all_depts,
                depts: h.depts.clone(),
                private,
            },
        };
        draft.all_depts = s.all_depts;
        draft.depts = s.depts;
        draft.private = s.private;
        cx.actor().check_target_scope(&draft.scope())?;
    }
    match upd.expires {
        Some(ExpiryUpdate::Never) => draft.expires_at = None,
        Some(ExpiryUpdate::At { at }) => draft.expires_at = Some(at),
        None => {}
    }
    if let Some(reveal) = upd.reveal {
        let replaces_all = matches!(&upd.fields, Some(FieldsUpdate::Replace { fields })
            if fields.iter().all(|f| matches!(f.value, FieldValue::Set { .. })));
        if h.reveal == Reveal::Never && reveal == Reveal::Allowed && !replaces_all {
            return Err(Error::denied(
                "a write-only secret stays write-only: to make it revealable, replace every value",
            ));
        }
        draft.reveal = reveal;
    }
    if let Some(active) = upd.active {
        draft.active = active;
    }
    let only_active = upd.active.is_some()
        && c.tags.is_none()
        && upd.key.is_none()
        && upd.fields.is_none()
        && upd.departments.is_none()
        && upd.users.is_none()
        && upd.description.is_none()
        && upd.expires.is_none()
        && upd.reveal.is_none();
    let header = if only_active && !changes_active {
        h.clone()
    } else if only_active {
        // A change of state alone is not a new version of the content.
        record::write(
            cx,
            Target::Existing(h),
            &draft,
            &meta,
            &fields,
            DekPlan::Keep(&dek),
        )?
    } else {
        record::new_version(
            cx,
            NewVersion {
                secret: &secret,
                dek: &dek,
                draft,
                meta: &meta,
                fields: &fields,
            },
        )?
    };
    let changed_content = !only_active;
    if changed_content {
        cx.record(Event::about(
            AuditAction::Update,
            id,
            &meta.key,
            header.private,
        ));
    }
    if changes_active {
        let action = if header.active {
            AuditAction::Activate
        } else {
            AuditAction::Deactivate
        };
        cx.record(Event::about(action, id, &meta.key, header.private));
    }
    Ok(Labels::of(cx.dir(), cx.now()).summary(cx.actor(), &header, Some(&meta)))
}

/// A version asked for must be one a secret can have.
fn check_expected(expected: Option<i64>) -> Result<()> {
    if expected.is_some_and(|v| v < 1) {
        return Err(Error::invalid(
            "a secret's versions are numbered from 1: give the version you loaded",
        ));
    }
    Ok(())
}

/// Refuses a change made from version `expected` when the secret is now
/// at another one, naming who saved it last and when (never its key or
/// values), and saying what was `kept` from happening. Activation does not
/// make a version, so only content changes count.
fn check_version(cx: &Cx, h: &Header, expected: i64, kept: &str) -> Result<()> {
    if h.version == expected {
        return Ok(());
    }
    let by = if h.updated_by == cx.actor().id {
        "you (in another window or session)".to_string()
    } else {
        cx.dir().user(h.updated_by).map_or_else(
            || "a user no longer in this vault".to_string(),
            |u| {
                if u.display_name.trim().is_empty() {
                    u.username.clone()
                } else {
                    u.display_name.clone()
                }
            },
        )
    };
    Err(Error::Stale {
        message: format!(
            "changed by {by} at {} since you loaded it: reload to see it ({kept})",
            crate::time::local_label(h.updated_at)
        ),
        version: h.version,
    })
}

/// Activates or deactivates a secret (admins). Returns the names of the
/// usages of a secret that was deactivated while in use, for a warning.
pub(crate) fn set_active(cx: &mut Cx, id: SecretId, active: bool) -> Result<Vec<String>> {
    let secret = access::visible(cx, id)?;
    if !cx.actor().can_activate(&secret.header.scope()) {
        return Err(Error::denied(
            "only admins and the owner activate or deactivate secrets",
        ));
    }
    let dek = record::require_dek(cx, &secret)?;
    let in_use = record::usages::names(cx.db(), cx.dir(), &dek, &secret.header)?;
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
        let action = if active {
            AuditAction::Activate
        } else {
            AuditAction::Deactivate
        };
        cx.record(Event::about(action, id, &meta.key, secret.header.private));
    }
    Ok(if active { Vec::new() } else { in_use })
}

/// Deletes a secret and its history. Refused while anything uses it; the
/// error names every usage. A delete asked for from a loaded copy names
/// its version (`expected_version`) and is refused, deleting nothing, when
/// someone saved since: nobody deletes a teammate's change unseen.
pub(crate) fn delete(cx: &mut Cx, id: SecretId, expected_version: Option<i64>) -> Result<()> {
    check_expected(expected_version)?;
    let secret = access::editable(cx, id)?;
    if let Some(expected) = expected_version {
        check_version(cx, &secret.header, expected, "nothing was deleted")?;
    }
    let dek = record::require_dek(cx, &secret)?;
    let in_use = record::usages::names(cx.db(), cx.dir(), &dek, &secret.header)?;
    if !in_use.is_empty() {
        return Err(Error::InUse(in_use));
    }
    record::note(cx, AuditAction::Delete, &secret, &dek)?;
    cx.db().delete_secret(id)?;
    cx.deleted(id);
    Ok(())
}

/// Builds the new field list (new values, or values kept from `old`) and
/// names the fields marked plain text: as asked, or else as the field the
/// value comes from was.
fn build_fields(
    input: &[FieldInput],
    old: Option<(&Fields, &Meta)>,
) -> Result<(Fields, Vec<String>)> {
    validate::field_names(input.iter().map(|f| f.name.as_str()))?;
    let mut out = Vec::with_capacity(input.len());
    let mut plain = Vec::new();
    for f in input {
        let source = match &f.value {
            FieldValue::Set { .. } => &f.name,
            FieldValue::Keep { from } => from,
        };
        let was_plain = old.is_some_and(|(_, m)| m.is_plain(source));
        if f.plain.unwrap_or(was_plain) {
            plain.push(f.name.clone());
        }
        let value = match &f.value {
            FieldValue::Set { value } => {
                validate::field_value(value)?;
                value.clone()
            }
            FieldValue::Keep { from } => old
                .and_then(|(o, _)| o.0.iter().find(|(n, _)| n == from))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    Error::invalid("a field to keep does not exist in this secret: give it a value")
                })?,
        };
        out.push((f.name.clone(), value));
    }
    Ok((Fields(out), plain))
}

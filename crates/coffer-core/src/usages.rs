//! Usages (SPEC §5): what outside the vault depends on a secret. A secret
//! with usages cannot be deleted, and the refusal names each one. How they
//! are sealed and signed is `record::usages`'s.

use crate::access::{self, Labels};
use crate::api::{AuditAction, NewUsage, SecretId, Usage};
use crate::cx::Cx;
use crate::error::{Error, ErrorCode, Result};
use crate::plain::UsageLabel;
use crate::record::{self, usages::Recorded};

fn text(value: &str, what: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "a usage's {what} must be 1 to {max} characters with no control characters"
        )));
    }
    Ok(v.to_string())
}

/// A usage's text, checked before the transaction.
pub(crate) fn check(usage: &NewUsage) -> Result<UsageLabel> {
    Ok(UsageLabel {
        name: text(&usage.name, "name", 200)?,
        kind: text(&usage.kind, "kind", 40)?,
        field: usage
            .field
            .as_deref()
            .map(|f| text(f, "field", 128))
            .transpose()?,
    })
}

/// Records that something uses a secret (optionally one field of it).
pub(crate) fn add(cx: &mut Cx, secret: SecretId, label: &UsageLabel) -> Result<i64> {
    let found = access::usable(cx, secret)?;
    let dek = record::require_dek(cx, &found)?;
    if let Some(f) = &label.field {
        let meta = record::open_meta(&dek, &found)?;
        if !meta.field_names.contains(f) {
            return Err(Error::invalid("this secret has no field with that name"));
        }
    }
    let db = cx.db();
    // The existing ones must check out before one is added.
    record::usages::load(db, cx.dir(), &dek, &found.header)?;
    let (by, at) = (cx.actor().id, cx.now());
    let id = db.insert_usage(secret, by, at)?;
    let recorded = Recorded {
        id,
        secret_id: secret,
        by,
        at,
    };
    record::usages::store(cx, recorded, &dek, found.header.dek_gen, label)?;
    db.add_dek_uses(secret, 1)?;
    record::note(cx, AuditAction::UsageAdd, &found, &dek)?;
    Ok(id)
}

/// Removes a usage.
pub(crate) fn remove(cx: &mut Cx, usage_id: i64) -> Result<()> {
    let not_found = || Error::not_found("no usage with that id is visible to you");
    let secret = cx.db().usage_secret(usage_id)?.ok_or_else(not_found)?;
    let found = access::usable(cx, secret).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            not_found()
        } else {
            e
        }
    })?;
    let dek = record::require_dek(cx, &found)?;
    // Removing a usage lifts the protection against deletion: only whoever
    // recorded it, or an admin, may (as its signed record says).
    let usage = record::usages::load(cx.db(), cx.dir(), &dek, &found.header)?
        .into_iter()
        .find(|u| u.recorded.id == usage_id)
        .ok_or_else(not_found)?;
    if usage.recorded.by != cx.actor().id && !cx.actor().is_admin() {
        return Err(Error::denied(
            "only whoever recorded a usage, or an admin, can remove it",
        ));
    }
    record::note(cx, AuditAction::UsageRemove, &found, &dek)?;
    cx.db().delete_usage(usage_id)
}

/// A secret's usages.
pub(crate) fn list(cx: &mut Cx, secret: SecretId) -> Result<Vec<Usage>> {
    let found = access::visible(cx, secret)?;
    let dek = record::require_dek(cx, &found)?;
    let labels = Labels::of(cx.dir(), cx.now());
    let (me, admin) = (cx.actor().id, cx.actor().is_admin());
    Ok(
        record::usages::load(cx.db(), cx.dir(), &dek, &found.header)?
            .into_iter()
            .map(|u| Usage {
                id: u.recorded.id,
                secret_id: secret,
                name: u.label.name.clone(),
                kind: u.label.kind.clone(),
                field: u.label.field.clone(),
                created_by: labels.user(u.recorded.by),
                created_at: u.recorded.at,
                can_remove: admin || u.recorded.by == me,
            })
            .collect(),
    )
}

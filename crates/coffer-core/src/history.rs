//! Earlier versions of a secret (the last ten are kept): listing them,
//! revealing one, and restoring one as a new version.

use secrecy::ExposeSecret;

use crate::access::{self, Labels};
use crate::api::{AuditAction, RevealedField, SecretId, SecretSummary, VersionChange, VersionInfo};
use crate::audit::Event;
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::plain::Fields;
use crate::policy::Use;
use crate::record::{self, Draft, NewVersion, history};
use crate::seal::Version;

/// The current version and every kept earlier one, newest first, each
/// with what it changed from the one before.
pub(crate) fn list(cx: &mut Cx, id: SecretId) -> Result<Vec<VersionInfo>> {
    let secret = access::visible(cx, id)?;
    let dek = record::require_dek(cx, &secret)?;
    let h = &secret.header;
    let current = Version {
        version: h.version,
        updated_at: h.updated_at,
        updated_by: h.updated_by,
        meta: record::open_meta(&dek, &secret)?,
        fields: record::open_fields(&dek, &secret)?,
    };
    let mut all = vec![current];
    all.extend(history::list(cx.db(), &dek, h)?);
    let labels = Labels::of(cx.dir(), cx.now());
    Ok(all
        .iter()
        .enumerate()
        .map(|(i, v)| VersionInfo {
            version: v.version,
            current: i == 0,
            key: v.meta.key.clone(),
            field_names: v.meta.field_names.clone(),
            description: v.meta.description.clone(),
            tags: v.meta.tags.clone(),
            updated_by: labels.user(v.updated_by),
            updated_at: v.updated_at,
            changes: all
                .get(i + 1)
                .map(|older| changes(older, v))
                .unwrap_or_default(),
        })
        .collect())
}

/// What `newer` changed from `older`.
fn changes(older: &Version, newer: &Version) -> Vec<VersionChange> {
    let (a, b) = (&older.meta, &newer.meta);
    let mut out = Vec::new();
    if a.key != b.key {
        out.push(VersionChange::Key);
    }
    if a.description != b.description {
        out.push(VersionChange::Description);
    }
    if a.tags != b.tags {
        out.push(VersionChange::Tags);
    }
    fn value<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
        f.0.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.expose_secret())
    }
    for name in &b.field_names {
        match value(&older.fields, name) {
            None => out.push(VersionChange::FieldAdded {
                field: name.clone(),
            }),
            Some(old) if Some(old) != value(&newer.fields, name) => {
                out.push(VersionChange::FieldValue {
                    field: name.clone(),
                });
            }
            Some(_) => {}
        }
        if value(&older.fields, name).is_some() && a.is_plain(name) != b.is_plain(name) {
            out.push(VersionChange::FieldPlain {
                field: name.clone(),
                plain: b.is_plain(name),
            });
        }
    }
    for name in &a.field_names {
        if !b.field_names.contains(name) {
            out.push(VersionChange::FieldRemoved {
                field: name.clone(),
            });
        }
    }
    let kept = |names: &[String], other: &[String]| -> Vec<String> {
        names
            .iter()
            .filter(|n| other.contains(n))
            .cloned()
            .collect()
    };
    if kept(&a.field_names, &b.field_names) != kept(&b.field_names, &a.field_names) {
        out.push(VersionChange::FieldOrder);
    }
    out
}

/// The fields of one version, under the same rule as revealing the secret
/// now (in scope, active, unexpired, revealable).
pub(crate) fn reveal(cx: &mut Cx, id: SecretId, version: i64) -> Result<Vec<RevealedField>> {
    let secret = access::visible(cx, id)?;
    let h = &secret.header;
    cx.actor()
        .check_use(&h.scope(), &h.state(), Use::Reveal, cx.now())?;
    let dek = record::require_dek(cx, &secret)?;
    let fields = if version == h.version {
        record::open_fields(&dek, &secret)?
    } else {
        history::find(cx.db(), &dek, h, version)?.fields
    };
    record::note(cx, AuditAction::Reveal, &secret, &dek)?;
    Ok(fields.into_revealed())
}

/// Makes an earlier version's key, fields, description and tags current
/// again, as a new version (scope and state stay as they are now).
pub(crate) fn restore(cx: &mut Cx, id: SecretId, version: i64) -> Result<SecretSummary> {
    let secret = access::editable(cx, id)?;
    let h = &secret.header;
    if !h.active && !cx.actor().is_admin() {
        return Err(Error::Inactive);
    }
    if version == h.version {
        return Err(Error::invalid("that is already the current version"));
    }
    let dek = record::require_dek(cx, &secret)?;
    let old = history::find(cx.db(), &dek, h, version)?;
    let header = record::new_version(
        cx,
        NewVersion {
            secret: &secret,
            dek: &dek,
            draft: Draft::of(h),
            meta: &old.meta,
            fields: &old.fields,
        },
    )?;
    cx.record(Event::about(
        AuditAction::Restore,
        id,
        &old.meta.key,
        header.private,
    ));
    Ok(Labels::of(cx.dir(), cx.now()).summary(cx.actor(), &header, Some(&old.meta)))
}

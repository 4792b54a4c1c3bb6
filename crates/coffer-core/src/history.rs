//! Earlier versions of a secret (the last ten are kept): listing them,
//! revealing one, and restoring one as a new version.

use crate::access::{self, Labels};
use crate::api::{RevealedField, SecretId, SecretSummary, VersionInfo};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::plain::Meta;
use crate::policy::Use;
use crate::record::{self, Draft, NewVersion, history};

/// The current version and every kept earlier one, newest first.
pub(crate) fn list(cx: &mut Cx, id: SecretId) -> Result<Vec<VersionInfo>> {
    let secret = access::visible(cx, id)?;
    let dek = record::require_dek(cx, &secret)?;
    let meta = record::open_meta(&dek, &secret)?;
    let labels = Labels::of(cx.dir(), cx.now());
    let info = |version, current, m: &Meta, by, at| VersionInfo {
        version,
        current,
        key: m.key.clone(),
        field_names: m.field_names.clone(),
        description: m.description.clone(),
        tags: m.tags.clone(),
        updated_by: labels.user(by),
        updated_at: at,
    };
    let h = &secret.header;
    let mut out = vec![info(h.version, true, &meta, h.updated_by, h.updated_at)];
    for v in history::list(cx.db(), &dek, h)? {
        out.push(info(v.version, false, &v.meta, v.updated_by, v.updated_at));
    }
    Ok(out)
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
    Ok(Labels::of(cx.dir(), cx.now()).summary(cx.actor(), &header, Some(&old.meta)))
}

//! Earlier versions of a secret (the last ten are kept): listing them,
//! revealing one, and restoring one as a new version.

use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::{RevealedField, SecretId, SecretSummary, Timestamp};
use crate::policy::Use;
use crate::record::{self, Draft, Fields, Meta};
use crate::secrets::{Labels, new_version, visible};
use crate::vault::Vault;

/// One version of a secret, metadata only.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct VersionInfo {
    #[ts(type = "number")]
    pub version: i64,
    pub current: bool,
    pub key: String,
    pub field_names: Vec<String>,
    pub description: String,
    pub tags: Vec<String>,
    pub updated_by: String,
    #[ts(type = "number")]
    pub updated_at: Timestamp,
}

impl Vault {
    /// The current version and every kept earlier one, newest first.
    pub fn history(&mut self, id: SecretId) -> Result<Vec<VersionInfo>> {
        self.read(|cx| {
            let secret = visible(cx, id)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let meta = record::open_meta(&dek, &secret)?;
            let users = dir.usernames();
            let name = |u: i64| users.get(&u).cloned().unwrap_or_else(|| format!("#{u}"));
            let info = |version, current, m: &Meta, by, at| VersionInfo {
                version,
                current,
                key: m.key.clone(),
                field_names: m.field_names.clone(),
                description: m.description.clone(),
                tags: m.tags.clone(),
                updated_by: name(by),
                updated_at: at,
            };
            let h = &secret.header;
            let mut out = vec![info(h.version, true, &meta, h.updated_by, h.updated_at)];
            for v in record::history(cx.conn, &dek, h)? {
                out.push(info(v.version, false, &v.meta, v.updated_by, v.updated_at));
            }
            Ok(out)
        })
    }

    /// The fields of one version, under the same rule as revealing the
    /// secret now (in scope, active, unexpired, revealable).
    pub fn reveal_version(&mut self, id: SecretId, version: i64) -> Result<Vec<RevealedField>> {
        self.read(|cx| {
            let secret = visible(cx, id)?;
            let h = &secret.header;
            cx.actor
                .check_use(&h.scope(), &h.state(), Use::Reveal, cx.now)?;
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let fields = if version == h.version {
                record::open_fields(&dek, &secret)?
            } else {
                find_version(record::history(cx.conn, &dek, h)?, version)?.fields
            };
            Ok(fields
                .0
                .into_iter()
                .map(|(name, value)| RevealedField { name, value })
                .collect())
        })
    }

    /// Makes an earlier version's key, fields, description and tags current
    /// again, as a new version (scope and state stay as they are now).
    pub fn restore_version(&mut self, id: SecretId, version: i64) -> Result<SecretSummary> {
        self.write(|cx| {
            let secret = visible(cx, id)?;
            let h = secret.header.clone();
            if !cx.actor.can_edit(&h.scope()) {
                return Err(Error::denied(
                    "only its creator (while in its scope) and admins can change this secret",
                ));
            }
            if !h.active && !cx.actor.is_admin() {
                return Err(Error::Inactive);
            }
            if version == h.version {
                return Err(Error::invalid("that is already the current version"));
            }
            let dir = cx.dir_arc();
            let dek = record::require_dek(cx.conn, cx.keys, &dir, &secret)?;
            let old = find_version(record::history(cx.conn, &dek, &h)?, version)?;
            let current_meta = record::open_meta(&dek, &secret)?;
            let current_fields = record::open_fields(&dek, &secret)?;
            let fields = Fields(
                old.fields
                    .0
                    .iter()
                    .map(|(n, v): &(String, SecretString)| (n.clone(), v.clone()))
                    .collect(),
            );
            let header = new_version(
                cx,
                &secret,
                &dek,
                &current_meta,
                &current_fields,
                Draft::of(&h),
                &old.meta,
                &fields,
            )?;
            Ok(Labels::of(cx.dir(), cx.now).summary(&cx.actor, &header, Some(&old.meta)))
        })
    }
}

fn find_version(versions: Vec<record::Version>, version: i64) -> Result<record::Version> {
    versions
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::not_found("no such version of this secret (the last ten are kept)"))
}

crate::model::redacted_debug!(VersionInfo { version, current, updated_by, updated_at }
    hides { key, field_names, description, tags });

//! Earlier versions of a secret (the last ten are kept): listing them,
//! revealing one, and restoring one as a new version.

use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::{RevealedField, SecretId, SecretSummary, Timestamp};
use crate::policy::Use;
use crate::record::{self, Fields, Meta};
use crate::secrets::{Labels, usernames, visible};
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
        self.run(false, false, |cx| {
            let row = visible(cx, id)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let meta = record::open_meta(&dek, &row)?;
            let users = usernames(cx.conn)?;
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
            let mut out = vec![info(
                row.version,
                true,
                &meta,
                row.updated_by,
                row.updated_at,
            )];
            for v in record::history(cx.conn, &dek, &row)? {
                out.push(info(v.version, false, &v.meta, v.updated_by, v.updated_at));
            }
            Ok(out)
        })
    }

    /// The fields of one version, under the same rule as revealing the
    /// secret now (in scope, active, unexpired, revealable).
    pub fn reveal_version(&mut self, id: SecretId, version: i64) -> Result<Vec<RevealedField>> {
        self.run(false, false, |cx| {
            let row = visible(cx, id)?;
            cx.actor
                .check_use(&row.scope(), &row.state(), Use::Reveal, cx.now)?;
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let fields = if version == row.version {
                record::open_fields(&dek, &row)?
            } else {
                find_version(record::history(cx.conn, &dek, &row)?, version)?.fields
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
        self.run(true, false, |cx| {
            let mut row = visible(cx, id)?;
            if !cx.actor.can_edit(&row.scope()) {
                return Err(Error::denied(
                    "only its creator (while in its scope) and admins can change this secret",
                ));
            }
            if version == row.version {
                return Err(Error::invalid("that is already the current version"));
            }
            let dek = record::dek(cx.conn, cx.keys, &row)?;
            let old = find_version(record::history(cx.conn, &dek, &row)?, version)?;
            let current_meta = record::open_meta(&dek, &row)?;
            let current_fields = record::open_fields(&dek, &row)?;
            record::push_history(cx.conn, &dek, &row, &current_meta, &current_fields)?;
            row.dek_uses += 2;
            row.version += 1;
            row.updated_at = cx.now.max(row.updated_at + 1);
            row.updated_by = cx.actor.id;
            let fields = Fields(
                old.fields
                    .0
                    .iter()
                    .map(|(n, v): &(String, SecretString)| (n.clone(), v.clone()))
                    .collect(),
            );
            record::save(cx.conn, cx.keys, &mut row, &old.meta, &fields, &dek)?;
            Ok(Labels::load(cx.conn, cx.now)?.summary(&cx.actor, &row, Some(&old.meta)))
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

//! Import (SPEC §4, issue 9): secrets from a `secrets.json`, a `.env`
//! file, KeePassXC (CSV or the `.kdbx` database itself) or Bitwarden (JSON
//! or CSV), all at one scope chosen by the importer.
//!
//! The file is parsed first, outside any transaction (`parse`: pure
//! functions, no I/O); a bad file is refused before anything is touched,
//! naming the line or entry. Then one write transaction plans every entry
//! (new, or the key already at that exact scope: skipped, replaced, or
//! refused when the importer may not change it) and writes them all, or,
//! on any error, nothing: a killed import leaves no trace either, as the
//! transaction never commits.
//!
//! Each imported secret is one `Import` entry in the audit log (its id,
//! its key sealed like any other entry's), so the log says who brought in
//! which secret exactly as it does for `create`; skipped entries leave no
//! entry. Replacing makes a new version, like an update.

pub(crate) mod parse;

use secrecy::SecretString;

use crate::access::{self, ResolvedScope};
use crate::api::{
    AuditAction, ImportAction, ImportItem, ImportOptions, ImportPreview, ImportReport, OnConflict,
    Reveal, SecretId,
};
use crate::audit::Event;
use crate::cx::Cx;
use crate::error::{Error, ErrorCode, Result};
use crate::plain::{Fields, Meta};
use crate::record::{self, DekPlan, Draft, NewVersion, Secret, Target};
use crate::seal;
use crate::trust::state::Scope;
use crate::validate;

pub(crate) use parse::{Parsed, parse};

/// Options whose text passed its checks.
pub(crate) struct Checked {
    opts: ImportOptions,
    tags: Vec<String>,
}

pub(crate) fn check_options(opts: &ImportOptions) -> Result<Checked> {
    let tags = validate::tags(&opts.tags)?;
    Ok(Checked {
        opts: opts.clone(),
        tags,
    })
}

/// One entry's plan.
struct Step {
    action: ImportAction,
    existing: Option<Secret>,
    reason: Option<String>,
}

/// The scope every entry goes to, checked against what the importer may
/// create.
fn target(cx: &Cx, opts: &ImportOptions) -> Result<Draft> {
    let private = opts.private;
    let scope = match &opts.departments {
        Some(d) => access::resolve_scope(cx.dir(), d, private)?,
        None => match cx.actor().primary {
            Some(primary) => ResolvedScope {
                all_depts: false,
                depts: vec![primary],
                private,
            },
            None => {
                return Err(Error::invalid(
                    "you have no primary department: choose the departments (--dept CODE or --all-depts)",
                ));
            }
        },
    };
    let (me, now) = (cx.actor().id, cx.now());
    let draft = Draft {
        private: scope.private,
        all_depts: scope.all_depts,
        depts: scope.depts,
        creator: me,
        active: true,
        reveal: Reveal::Allowed,
        expires_at: None,
        created_at: now,
        updated_at: now,
        updated_by: me,
        version: 1,
    };
    cx.actor().check_target_scope(&draft.scope())?;
    Ok(draft)
}

/// The scope key whose blind index `record::write` stores as the row's
/// key index (the first of its wrap scopes).
fn index_scope(d: &Draft) -> Scope {
    if d.private {
        Scope::Personal(d.creator)
    } else if d.all_depts {
        Scope::All
    } else {
        d.depts.first().map_or(Scope::All, |id| Scope::Dept(*id))
    }
}

fn same_scope(h: &crate::seal::header::Header, d: &Draft) -> bool {
    h.private == d.private
        && h.all_depts == d.all_depts
        && h.depts == d.depts
        && (!d.private || h.creator == d.creator)
}

/// Plans every entry: new, or what happens to the secret already at that
/// exact scope with that key.
fn plan(cx: &mut Cx, parsed: &Parsed, c: &Checked, draft: &Draft) -> Result<Vec<Step>> {
    let index_key = {
        let (kref, _) = cx.current_key(index_scope(draft))?;
        kref.id
    };
    let mut steps = Vec::with_capacity(parsed.entries.len());
    for e in &parsed.entries {
        let blind = {
            let key = cx
                .key(index_key)?
                .ok_or_else(|| Error::denied("you do not hold the key of this scope"))?;
            seal::blind(key, &e.key)
        };
        let mut found = None;
        for id in cx.db().secrets_by_blind(index_key, &blind)? {
            let secret = match access::visible(cx, id) {
                Ok(s) => s,
                Err(err) if err.code() == ErrorCode::NotFound => continue,
                Err(err) => return Err(err),
            };
            if !same_scope(&secret.header, draft) {
                continue;
            }
            let dek = record::require_dek(cx, &secret)?;
            if record::open_meta(&dek, &secret)?.key == e.key {
                found = Some(secret);
                break;
            }
        }
        let choice = c
            .opts
            .choices
            .iter()
            .find(|ch| ch.entry == e.number)
            .map_or(c.opts.on_conflict, |ch| ch.on_conflict);
        let step = match (found, choice) {
            (None, _) => Step {
                action: ImportAction::New,
                existing: None,
                reason: None,
            },
            (Some(s), OnConflict::Skip) => Step {
                action: ImportAction::Skip,
                existing: Some(s),
                reason: None,
            },
            (Some(s), OnConflict::Replace) => {
                let scope = s.header.scope();
                let reason = if !cx.actor().can_edit(&scope) {
                    Some("only its creator and admins can change the existing secret")
                } else if !s.header.active && !cx.actor().is_admin() {
                    Some("the existing secret is inactive: an admin can activate it")
                } else {
                    None
                };
                Step {
                    action: if reason.is_some() {
                        ImportAction::Refused
                    } else {
                        ImportAction::Replace
                    },
                    existing: Some(s),
                    reason: reason.map(str::to_string),
                }
            }
        };
        steps.push(step);
    }
    Ok(steps)
}

fn item(e: &parse::Entry, c: &Checked, step: &Step) -> ImportItem {
    ImportItem {
        entry: e.number,
        line: e.line,
        key: e.key.clone(),
        field_names: e.fields.iter().map(|(n, _)| n.clone()).collect(),
        tags: tags_of(e, c),
        action: step.action,
        existing: step.existing.as_ref().map(|s| s.header.secret_id),
        reason: step.reason.clone(),
    }
}

/// The entry's own tags, then the importer's.
fn tags_of(e: &parse::Entry, c: &Checked) -> Vec<String> {
    let mut tags = e.tags.clone();
    for t in &c.tags {
        if !tags.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
            tags.push(t.clone());
        }
    }
    tags
}

/// What an import of `parsed` would do (a read: nothing changes).
pub(crate) fn preview(cx: &mut Cx, parsed: &Parsed, c: &Checked) -> Result<ImportPreview> {
    let draft = target(cx, &c.opts)?;
    let steps = plan(cx, parsed, c, &draft)?;
    let mut p = ImportPreview {
        format: parsed.format,
        items: Vec::with_capacity(steps.len()),
        new: 0,
        skip: 0,
        replace: 0,
        refused: 0,
    };
    for (e, step) in parsed.entries.iter().zip(&steps) {
        match step.action {
            ImportAction::New => p.new += 1,
            ImportAction::Skip => p.skip += 1,
            ImportAction::Replace => p.replace += 1,
            ImportAction::Refused => p.refused += 1,
        }
        p.items.push(item(e, c, step));
    }
    Ok(p)
}

/// Imports every entry of `parsed`, in the caller's transaction: all of
/// them or (on any error) none. `progress(done, total)` is told along the
/// way.
pub(crate) fn run(
    cx: &mut Cx,
    parsed: &Parsed,
    c: &Checked,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<ImportReport> {
    let draft = target(cx, &c.opts)?;
    let steps = plan(cx, parsed, c, &draft)?;
    let mut report = ImportReport {
        format: parsed.format,
        created: 0,
        replaced: 0,
        skipped: 0,
        dry_run: c.opts.dry_run,
    };
    if let Some((e, s)) = parsed
        .entries
        .iter()
        .zip(&steps)
        .find(|(_, s)| s.action == ImportAction::Refused)
    {
        return Err(Error::PermissionDenied(format!(
            "{}: {}; choose skip for it, or ask its creator or an admin",
            e.place(),
            s.reason.as_deref().unwrap_or("refused")
        )));
    }
    let total = parsed.entries.len() as u32;
    let every = (total / 100).max(1);
    progress(0, total);
    for (i, (e, step)) in parsed.entries.iter().zip(&steps).enumerate() {
        match step.action {
            ImportAction::Skip => report.skipped += 1,
            ImportAction::New => {
                report.created += 1;
                if !c.opts.dry_run {
                    create(cx, e, c, &draft)?;
                }
            }
            ImportAction::Replace => {
                report.replaced += 1;
                if let (false, Some(s)) = (c.opts.dry_run, &step.existing) {
                    replace(cx, e, c, s)?;
                }
            }
            ImportAction::Refused => {}
        }
        let done = i as u32 + 1;
        if done.is_multiple_of(every) || done == total {
            progress(done, total);
        }
    }
    Ok(report)
}

fn fields_of(e: &parse::Entry) -> Fields {
    Fields(
        e.fields
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    SecretString::from(secrecy::ExposeSecret::expose_secret(v).to_owned()),
                )
            })
            .collect(),
    )
}

fn create(cx: &mut Cx, e: &parse::Entry, c: &Checked, draft: &Draft) -> Result<SecretId> {
    let fields = fields_of(e);
    let meta = Meta {
        key: e.key.clone(),
        description: String::new(),
        tags: tags_of(e, c),
        field_names: fields.names(),
        plain: Vec::new(),
    };
    let h = record::write(cx, Target::New, draft, &meta, &fields, DekPlan::New)?;
    cx.record(Event::about(
        AuditAction::Import,
        h.secret_id,
        &meta.key,
        h.private,
    ));
    Ok(h.secret_id)
}

/// The imported values as a new version of the existing secret: its
/// fields become the file's, its tags gain the file's; the rest stays.
fn replace(cx: &mut Cx, e: &parse::Entry, c: &Checked, s: &Secret) -> Result<()> {
    let dek = record::require_dek(cx, s)?;
    let mut meta = record::open_meta(&dek, s)?;
    let fields = fields_of(e);
    meta.field_names = fields.names();
    let plain: Vec<String> = meta.plain.iter().map(|p| p.name.clone()).collect();
    meta.plain = fields.plain_values(&plain);
    for t in tags_of(e, c) {
        if !meta
            .tags
            .iter()
            .any(|x| x.to_lowercase() == t.to_lowercase())
        {
            meta.tags.push(t);
        }
    }
    validate::tags(&meta.tags).map_err(|err| parse::bad(&e.place(), err))?;
    let h = record::new_version(
        cx,
        NewVersion {
            secret: s,
            dek: &dek,
            draft: Draft::of(&s.header),
            meta: &meta,
            fields: &fields,
        },
    )?;
    cx.record(Event::about(
        AuditAction::Import,
        h.secret_id,
        &meta.key,
        h.private,
    ));
    Ok(())
}

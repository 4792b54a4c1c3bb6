//! `import`: secrets from a file, all at one scope, all or nothing (the
//! core's `Vault::import`). A `.kdbx` database's password comes from
//! `--source-password-stdin` or a prompt without echo. `--dry-run` prints
//! the preview table; otherwise a summary goes to stderr, with a progress
//! line for large files when stderr is a terminal.

use std::io::{IsTerminal, Write};

use coffer_core::{
    DeptScope, ImportAction, ImportFormat, ImportOptions, ImportPreview, ImportSource, OnConflict,
    SecretString,
};

use crate::args::{Global, ImportArgs};
use crate::error::{CliError, CliResult, note};
use crate::output::{self, clean, table};
use crate::password;
use crate::session;

/// Files larger than this many entries show progress on a terminal.
const PROGRESS_FROM: u32 = 500;

fn options(a: &ImportArgs) -> ImportOptions {
    let departments = if a.scope.all_depts {
        Some(DeptScope::All)
    } else if a.scope.depts.is_empty() {
        None
    } else {
        Some(DeptScope::Departments {
            codes: a.scope.depts.clone(),
        })
    };
    ImportOptions {
        departments,
        private: a.private,
        tags: a.tags.clone(),
        on_conflict: if a.replace {
            OnConflict::Replace
        } else {
            OnConflict::Skip
        },
        choices: Vec::new(),
        dry_run: a.dry_run,
    }
}

fn source_password(a: &ImportArgs) -> CliResult<SecretString> {
    if a.source_password_stdin {
        return password::stdin_password();
    }
    password::prompt(&format!("Password of {}: ", a.file.display()))?.ok_or_else(|| {
        CliError::usage(
            "a .kdbx database needs its password: pass --source-password-stdin, or run from a terminal to be asked",
        )
    })
}

fn action(a: ImportAction) -> &'static str {
    match a {
        ImportAction::New => "new",
        ImportAction::Skip => "skip (exists)",
        ImportAction::Replace => "replace",
        ImportAction::Refused => "refused",
    }
}

fn preview_table(p: &ImportPreview) -> String {
    let rows: Vec<Vec<String>> = p
        .items
        .iter()
        .map(|i| {
            vec![
                i.line
                    .map_or_else(|| i.entry.to_string(), |l| format!("line {l}")),
                clean(&i.key),
                clean(&i.field_names.join(", ")),
                clean(&i.tags.join(", ")),
                match &i.reason {
                    Some(r) => format!("{}: {r}", action(i.action)),
                    None => action(i.action).to_string(),
                },
            ]
        })
        .collect();
    table(&["AT", "KEY", "FIELDS", "TAGS", "ACTION"], &rows)
}

pub fn import(g: &Global, a: &ImportArgs) -> CliResult<()> {
    let bytes = std::fs::read(&a.file).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            coffer_core::ErrorCode::NotFound
        } else {
            coffer_core::ErrorCode::Io
        };
        CliError::new(
            code,
            format!("cannot read {}: {}", a.file.display(), e.kind()),
        )
    })?;
    let format = match a.format.as_deref().map(str::trim) {
        // SPEC §8's `--format csv`: whichever CSV export the header says.
        Some(f) if f.eq_ignore_ascii_case("csv") => {
            Some(match coffer_core::detect_import_format(&bytes) {
                ImportFormat::BitwardenCsv => ImportFormat::BitwardenCsv,
                _ => ImportFormat::KeepassxcCsv,
            })
        }
        Some(f) => Some(ImportFormat::parse(f)?),
        None => None,
    };
    let kdbx =
        format.unwrap_or_else(|| coffer_core::detect_import_format(&bytes)) == ImportFormat::Kdbx;
    let password = if kdbx {
        Some(source_password(a)?)
    } else {
        None
    };
    let source = ImportSource {
        bytes,
        format,
        password,
    };
    let opts = options(a);
    let (mut vault, _) = session::sign_in(g)?;
    if a.dry_run {
        let p = vault.import_preview(&source, &opts)?;
        if g.json {
            return output::json(&p);
        }
        output::out(&preview_table(&p))?;
        note(
            &format!(
                "dry run ({}): {} new, {} skipped, {} replaced, {} refused; nothing was changed",
                p.format.as_str(),
                p.new,
                p.skip,
                p.replace,
                p.refused
            ),
            false,
        );
        return Ok(());
    }
    let show = std::io::stderr().is_terminal() && !g.json;
    let mut progress = |done: u32, total: u32| {
        if show && total >= PROGRESS_FROM {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rimporting {done}/{total}");
            if done == total {
                let _ = writeln!(err);
            }
        }
    };
    let r = vault.import(&source, &opts, &mut progress)?;
    if g.json {
        return output::json(&r);
    }
    note(
        &format!(
            "imported {} new secret(s) from {} ({}); {} replaced, {} skipped (already at that scope{})",
            r.created,
            a.file.display(),
            r.format.as_str(),
            r.replaced,
            r.skipped,
            if a.replace {
                ""
            } else {
                ": --replace to overwrite them"
            }
        ),
        false,
    );
    Ok(())
}

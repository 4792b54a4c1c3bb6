//! `export`: every secret the user can read, to a file only they can read.
//!
//! The password is asked for again even when a remembered device signed
//! the user in (the core checks it): `--password-stdin`, else
//! `COFFER_PASSWORD` or `--password-file`, else a prompt without echo.
//! The file is created with mode 0600 and never replaced unless `--force`
//! (see `coffer_core::private_file`). What was written and what was left
//! out goes to stderr (or, with `--json`, to stdout when the file is not
//! stdout).

use std::path::Path;

use coffer_core::{ExportFormat, ExportReport, ExposeSecret, SecretString};
use serde_json::json;

use crate::args::{ExportArgs, Global};
use crate::error::{CliError, CliResult, note};
use crate::output;
use crate::password;
use crate::session;

fn format_for(a: &ExportArgs) -> CliResult<ExportFormat> {
    if let Some(f) = &a.format {
        return Ok(ExportFormat::parse(f)?);
    }
    let env = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .is_some_and(|n| n == ".env" || n.ends_with(".env"));
    Ok(if env {
        ExportFormat::Env
    } else {
        ExportFormat::Json
    })
}

/// The password that confirms the export.
fn confirm_password(g: &Global, a: &ExportArgs, user: &str) -> CliResult<SecretString> {
    if a.password_stdin {
        return password::stdin_password();
    }
    if let Some(pw) = password::explicit(g.password_file.as_deref())? {
        return Ok(pw);
    }
    password::prompt(&format!("Password for {user} (to export): "))?.ok_or_else(|| {
        CliError::auth(
            "an export needs your password: pass --password-stdin, set COFFER_PASSWORD, \
             pass --password-file FILE, or run from a terminal to be asked",
        )
    })
}

fn summary(r: &ExportReport, to: &str) -> String {
    let mut s = format!("exported {} secret(s) to {to}", r.written);
    if r.write_only > 0 {
        s.push_str(&format!(
            "; {} write-only secret(s) left out (their values are never shown again)",
            r.write_only
        ));
    }
    if r.shadowed > 0 {
        s.push_str(&format!(
            "; {} other secret(s) share a key with one exported (the file holds the value `get` returns)",
            r.shadowed
        ));
    }
    if r.damaged > 0 {
        s.push_str(&format!(
            "; {} damaged secret(s) skipped (see `coffer list`)",
            r.damaged
        ));
    }
    s
}

pub fn export(g: &Global, a: &ExportArgs) -> CliResult<()> {
    let format = format_for(a)?;
    let to_stdout = a.file.as_os_str() == "-";
    if !to_stdout && a.file.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a folder: give the file to create",
            a.file.display()
        )));
    }
    if !to_stdout && !a.force && a.file.symlink_metadata().is_ok() {
        return Err(CliError::new(
            coffer_core::ErrorCode::Conflict,
            format!(
                "{} exists already: choose another name (or --force to replace it)",
                a.file.display()
            ),
        ));
    }
    let (mut vault, info) = session::sign_in(g)?;
    let pw = confirm_password(g, a, &info.user.username)?;
    let (text, report) = vault.export(&pw, format)?;
    let to = if to_stdout {
        // Exposed because the user asked for the export on stdout.
        output::out(text.expose_secret())?;
        "standard output".to_string()
    } else {
        // Exposed only to write the file the user asked for.
        coffer_core::private_file::write_private(
            &a.file,
            text.expose_secret().as_bytes(),
            a.force,
        )?;
        a.file.display().to_string()
    };
    if g.json && !to_stdout {
        return output::json(&json!({
            "file": path_text(&a.file),
            "format": format,
            "written": report.written,
            "write_only_left_out": report.write_only,
            "shadowed": report.shadowed,
            "damaged": report.damaged,
        }));
    }
    note(&summary(&report, &to), g.json);
    Ok(())
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

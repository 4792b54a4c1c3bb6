//! `coffer run`: a command with secrets in its environment (SPEC §11).
//!
//! The order matters: the command is looked up first (a typo costs no
//! password and leaves no trace), then the request is checked, then the
//! vault resolves every reference in one transaction that records the
//! run, then the vault is locked, and only then does the command start.
//! coffer prints nothing on stdout: what appears there is the command's.

use std::ffi::OsStr;
use std::io::{IsTerminal, Read};
use std::path::Path;

use coffer_core::inject::Request;
use coffer_core::mask::Masker;
use coffer_core::{ErrorCode, ExposeSecret};

use crate::args::{Global, RunArgs};
use crate::child::{self, CannotRun, Launch};
use crate::cmd::Outcome;
use crate::error::{self, CliError, CliResult};
use crate::session;

/// Larger than any env file worth reading.
const ENV_FILE_LIMIT: u64 = 1024 * 1024;

/// The child never sees the password coffer itself may have used.
const REMOVED: [&str; 1] = ["COFFER_PASSWORD"];

fn read_env_file(path: &Path) -> CliResult<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(ENV_FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            CliError::usage(format!(
                "cannot read the env file {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
    if bytes.len() as u64 > ENV_FILE_LIMIT {
        return Err(CliError::usage(format!(
            "the env file {} is larger than 1 MiB",
            path.display()
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| CliError::usage(format!("the env file {} is not UTF-8 text", path.display())))
}

/// Reports a command that cannot start, with the status a shell gives.
fn cannot_run(g: &Global, e: CannotRun) -> Outcome {
    let code = if e.status == 127 {
        ErrorCode::NotFound
    } else {
        ErrorCode::PermissionDenied
    };
    error::print(&CliError::new(code, e.message), g.json);
    Outcome::Exit(e.status)
}

pub fn run(g: &Global, a: &RunArgs) -> CliResult<Outcome> {
    let Some(program) = a.command.first() else {
        return Err(CliError::usage(
            "no command given: coffer run [OPTIONS] -- COMMAND [ARGS...]",
        ));
    };
    // PATH can change only with --allow-override PATH; then the command is
    // looked up in the PATH it will get, once that is known.
    let path_may_change = a.allow_override.iter().any(|n| n == "PATH");
    if !path_may_change && let Err(e) = child::locate(program, std::env::var_os("PATH").as_deref())
    {
        return Ok(cannot_run(g, e));
    }
    let text = a.env_file.as_deref().map(read_env_file).transpose()?;
    let request = Request::new(text.as_deref(), &a.sets, &a.allow_override)?;
    if request.is_empty() {
        return Err(CliError::usage(
            "nothing to inject: give --env-file FILE or --set VAR=KEY",
        ));
    }
    let injection = if request.keys().is_empty() {
        // Plain values only: nothing to unlock.
        request.resolve(&[])?
    } else {
        let (mut vault, _) = session::sign_in(g)?;
        let injection = vault.inject(
            &request,
            a.department.as_deref(),
            &child::program_name(program),
        )?;
        vault.lock();
        injection
    };

    let set: Vec<(&str, &OsStr)> = injection
        .variables
        .iter()
        // Exposed to put the value in the command's environment, as asked.
        .map(|v| (v.name.as_str(), OsStr::new(v.value.expose_secret())))
        .collect();
    if path_may_change {
        let path = set
            .iter()
            .find(|(n, _)| *n == "PATH")
            .map(|(_, v)| v.to_os_string())
            .or_else(|| std::env::var_os("PATH"));
        if let Err(e) = child::locate(program, path.as_deref()) {
            return Ok(cannot_run(g, e));
        }
    }
    let mask = !a.no_mask && (a.mask || !std::io::stdout().is_terminal());
    let maskers = if mask {
        let short = injection.too_short_to_mask();
        if !short.is_empty() {
            error::note(
                &format!(
                    "not masking {}: values shorter than {} bytes are not masked",
                    short.join(", "),
                    coffer_core::mask::MIN_LEN
                ),
                g.json,
            );
        }
        let masker = || {
            Masker::new(
                injection
                    .secret_values()
                    // Exposed to search the command's output for it.
                    .map(|v| v.expose_secret().as_bytes()),
            )
        };
        Some([masker()?, masker()?])
    } else {
        None
    };
    let launch = Launch {
        command: &a.command,
        set,
        remove: &REMOVED,
        maskers,
    };
    Ok(match child::run(launch) {
        Ok(status) => Outcome::Exit(status),
        Err(e) => cannot_run(g, e),
    })
}

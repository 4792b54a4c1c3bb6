//! Errors at the CLI edge: every failure becomes one stderr line (or one
//! JSON object) and an exit code scripts can switch on.
//!
//! Core errors keep their code and their message, which the core writes so
//! that it never contains keys, values or typed input. Clap's own errors are
//! rebuilt from their structured context for the same reason: clap would
//! otherwise quote a stray argument, which may be a value pasted in the
//! wrong place.

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use coffer_core::{ApiError, ErrorCode};

/// A failure to report: the core's error body (code, a message a person can
/// act on, and for throttled sign-ins the wait).
#[derive(Debug)]
pub struct CliError(pub ApiError);

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }

    /// Bad arguments or input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// No usable credentials (exit 4).
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::AuthFailed, message)
    }
}

impl From<coffer_core::Error> for CliError {
    fn from(e: coffer_core::Error) -> Self {
        Self(ApiError::from(e))
    }
}

/// The process exit status for an error code (SPEC §8).
pub fn exit_status(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::NotFound => 1,
        ErrorCode::InvalidInput => 2,
        ErrorCode::PermissionDenied
        | ErrorCode::Conflict
        | ErrorCode::InUse
        | ErrorCode::Inactive
        | ErrorCode::Expired
        | ErrorCode::WriteOnly
        | ErrorCode::Locked
        | ErrorCode::KeyringUnavailable => 3,
        ErrorCode::AuthFailed | ErrorCode::PasswordChangeRequired => 4,
        ErrorCode::Integrity
        | ErrorCode::Rollback
        | ErrorCode::VaultDamaged
        | ErrorCode::UnsupportedVersion
        | ErrorCode::Io => 5,
    }
}

/// Writes the error to stderr and returns the exit code to end with.
pub fn report(err: &CliError, json: bool) -> ExitCode {
    print(err, json);
    ExitCode::from(exit_status(err.0.code))
}

/// Writes the error to stderr, as one line.
pub fn print(err: &CliError, json: bool) {
    // One line, whatever the message holds.
    let body = ApiError {
        message: err.0.message.replace(['\n', '\r'], " "),
        ..err.0.clone()
    };
    if json {
        eprintln!("{}", serde_json::json!({ "error": body }));
    } else {
        eprintln!("coffer: {}", body.message);
    }
}

/// A warning that does not stop the command.
pub fn warn(message: &str, json: bool) {
    if json {
        eprintln!(
            "{}",
            serde_json::json!({ "warning": { "message": message } })
        );
    } else {
        eprintln!("coffer: warning: {message}");
    }
}

/// Information for the person at the terminal (never for scripts' stdout).
pub fn note(message: &str, json: bool) {
    if json {
        eprintln!("{}", serde_json::json!({ "note": { "message": message } }));
    } else {
        eprintln!("coffer: {message}");
    }
}

fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

/// An option's name as clap reports it (`--expires <DATE>`), which is safe
/// to show; anything else the user typed is not repeated.
fn arg_name(err: &clap::Error) -> String {
    context(err, ContextKind::InvalidArg).unwrap_or_else(|| "an argument".into())
}

/// `missing <KEY> and one of --value <VALUE>, --value-stdin, --field ...`
fn missing(err: &clap::Error) -> String {
    let list = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => vec![arg_name(err)],
    };
    let mut described: Vec<String> = list
        .iter()
        .map(
            |a| match a.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
                // A required group, shown by clap as `<--a <A>|--b>`.
                Some(group) if group.contains('|') => {
                    let mut options: Vec<&str> = group.split('|').collect();
                    let last = options.pop().unwrap_or_default();
                    format!("one of {} or {last}", options.join(", "))
                }
                _ => a.clone(),
            },
        )
        .collect();
    // Plain arguments first, so "and" does not read as part of a choice.
    described.sort_by_key(|d| d.starts_with("one of"));
    format!("missing {}", described.join(" and "))
}

/// Turns a clap parse failure into a one-line usage error.
pub fn from_clap(err: &clap::Error) -> CliError {
    let hint = "see `coffer --help`, or `coffer COMMAND --help`";
    let what = match err.kind() {
        ErrorKind::UnknownArgument => match context(err, ContextKind::InvalidArg) {
            Some(a) if a.starts_with('-') => {
                let flag = a.split('=').next().unwrap_or_default().to_string();
                format!("unknown option {flag}")
            }
            _ => "unexpected extra argument (quote values that contain spaces)".into(),
        },
        ErrorKind::InvalidSubcommand => match context(err, ContextKind::InvalidSubcommand) {
            Some(s)
                if s.len() <= 40 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                format!("unknown command {s}")
            }
            _ => "unknown command".into(),
        },
        ErrorKind::MissingRequiredArgument => missing(err),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "a command is missing".into()
        }
        ErrorKind::ArgumentConflict => match context(err, ContextKind::PriorArg) {
            Some(prior) => format!("{} cannot be used with {prior}", arg_name(err)),
            None => format!(
                "{} cannot be used with the other options given",
                arg_name(err)
            ),
        },
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(err)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            format!("invalid value for {}{why}", arg_name(err))
        }
        ErrorKind::InvalidValue => match context(err, ContextKind::ValidValue) {
            Some(valid) => format!(
                "invalid value for {}: expected one of {valid}",
                arg_name(err)
            ),
            None => format!("{} needs a value", arg_name(err)),
        },
        ErrorKind::NoEquals => format!("{} needs `=` before its value", arg_name(err)),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("wrong number of values for {}", arg_name(err))
        }
        ErrorKind::InvalidUtf8 => "an argument is not valid UTF-8".into(),
        _ => "invalid arguments".into(),
    };
    CliError::usage(format!("{what}: {hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC §8, code by code: 1 not found, 2 usage, 3 refused, 4
    /// authentication, 5 damaged or integrity.
    const DOCUMENTED: [(ErrorCode, u8); 17] = [
        (ErrorCode::InvalidInput, 2),
        (ErrorCode::NotFound, 1),
        (ErrorCode::PermissionDenied, 3),
        (ErrorCode::Conflict, 3),
        (ErrorCode::InUse, 3),
        (ErrorCode::Inactive, 3),
        (ErrorCode::Expired, 3),
        (ErrorCode::WriteOnly, 3),
        (ErrorCode::Locked, 3),
        (ErrorCode::AuthFailed, 4),
        (ErrorCode::PasswordChangeRequired, 4),
        (ErrorCode::Integrity, 5),
        (ErrorCode::Rollback, 5),
        (ErrorCode::VaultDamaged, 5),
        (ErrorCode::UnsupportedVersion, 5),
        (ErrorCode::KeyringUnavailable, 3),
        (ErrorCode::Io, 5),
    ];

    #[test]
    fn every_code_has_its_documented_exit_status() {
        for code in ErrorCode::ALL {
            let documented: Vec<u8> = DOCUMENTED
                .iter()
                .filter(|(c, _)| *c == code)
                .map(|(_, s)| *s)
                .collect();
            assert_eq!(
                documented.len(),
                1,
                "{code:?} must be in the documented table exactly once"
            );
            assert_eq!(exit_status(code), documented[0], "{code:?}");
        }
    }
}

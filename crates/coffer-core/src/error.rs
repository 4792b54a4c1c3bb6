//! Typed errors with a stable, machine-readable code.
//!
//! Every message is written by Coffer itself and is safe to show: no error
//! ever carries a secret's key, field names, values, or key material, and
//! no message quotes user input back (a mistyped value pasted into the key
//! box must not end up in a log).

use serde::Serialize;
use ts_rs::TS;

/// The kind of failure, which front ends switch on (the CLI maps it to an
/// exit code, the app to a message style). Serialized in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The request itself is malformed or a value fails validation.
    InvalidInput,
    /// Nothing with that id or name is visible to the caller.
    NotFound,
    /// The caller's role or scope does not allow this.
    PermissionDenied,
    /// A secret with this key and scope (or a user, a department) exists,
    /// or the secret was saved by someone else since the caller loaded it.
    Conflict,
    /// The secret is used somewhere and cannot be deleted.
    InUse,
    /// The secret is deactivated.
    Inactive,
    /// The secret is past its expiry date.
    Expired,
    /// The secret is write-only: it can be replaced or fetched by `get`, not shown.
    WriteOnly,
    /// Too many failed sign-ins: wait before the next attempt.
    Locked,
    /// Wrong username or password, or an unusable device key.
    AuthFailed,
    /// The password is an initial one and must be changed first.
    PasswordChangeRequired,
    /// A row failed its integrity check (altered, moved, damaged, or not
    /// signed by someone allowed to write it).
    Integrity,
    /// The vault is older than, or differs from, what this device has
    /// already seen (an old copy was put back), or its root of trust changed.
    Rollback,
    /// The file is not a Coffer vault, or is truncated or unreadable.
    VaultDamaged,
    /// The vault was made by a newer Coffer.
    UnsupportedVersion,
    /// The OS keyring could not be reached.
    KeyringUnavailable,
    /// Reading or writing a file failed.
    Io,
}

impl ErrorCode {
    /// Every code, in declaration order (for front ends and their tests).
    pub const ALL: [Self; 17] = [
        Self::InvalidInput,
        Self::NotFound,
        Self::PermissionDenied,
        Self::Conflict,
        Self::InUse,
        Self::Inactive,
        Self::Expired,
        Self::WriteOnly,
        Self::Locked,
        Self::AuthFailed,
        Self::PasswordChangeRequired,
        Self::Integrity,
        Self::Rollback,
        Self::VaultDamaged,
        Self::UnsupportedVersion,
        Self::KeyringUnavailable,
        Self::Io,
    ];

    /// Position in [`ErrorCode::ALL`]; exhaustive, so a new code does not
    /// compile until it is placed (and the test below checks `ALL`).
    #[cfg(test)]
    const fn position(self) -> usize {
        match self {
            Self::InvalidInput => 0,
            Self::NotFound => 1,
            Self::PermissionDenied => 2,
            Self::Conflict => 3,
            Self::InUse => 4,
            Self::Inactive => 5,
            Self::Expired => 6,
            Self::WriteOnly => 7,
            Self::Locked => 8,
            Self::AuthFailed => 9,
            Self::PasswordChangeRequired => 10,
            Self::Integrity => 11,
            Self::Rollback => 12,
            Self::VaultDamaged => 13,
            Self::UnsupportedVersion => 14,
            Self::KeyringUnavailable => 15,
            Self::Io => 16,
        }
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Conflict(String),
    /// A `conflict` of a different kind: the caller's copy of a secret is
    /// stale (someone saved a newer version since it was loaded). The
    /// message names who and when; `version` is the version now.
    #[error("{message}")]
    Stale { message: String, version: i64 },
    /// A `conflict` the server reported (a serialisation failure or a
    /// deadlock): the transaction was rolled back whole and can simply run
    /// again, which the vault does a few times before it reports this.
    #[error("someone else changed the vault at the same time: try again")]
    Contended,
    #[error("this secret is in use and cannot be deleted: {}", .0.join(", "))]
    InUse(Vec<String>),
    #[error("this secret is inactive: admins and the owner can activate it")]
    Inactive,
    #[error("this secret has expired: its creator or an admin can extend its expiry date")]
    Expired,
    #[error(
        "this secret is write-only: it is never shown; `get` still fetches it, and its creator or an admin can replace it"
    )]
    WriteOnly,
    #[error("too many failed sign-ins: try again in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    #[error("{0}")]
    AuthFailed(String),
    /// A failed sign-in; after several in a row the next attempt must wait.
    #[error("wrong username or password{}", wait_note(*.retry_after_secs))]
    WrongPassword { retry_after_secs: u64 },
    #[error("your password is an initial one: change it before doing anything else")]
    PasswordChangeRequired,
    #[error("{0} failed its integrity check: it was altered or damaged")]
    Integrity(String),
    #[error("{0}")]
    Rollback(String),
    #[error("{0}")]
    VaultDamaged(String),
    #[error(
        "this vault was made by a newer version of Coffer (format {found}, this build knows up to {known}): upgrade Coffer"
    )]
    UnsupportedVersion { found: i64, known: i64 },
    #[error("{0}")]
    KeyringUnavailable(String),
    #[error("{0}")]
    Io(String),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Self::Conflict(_) | Self::Stale { .. } | Self::Contended => ErrorCode::Conflict,
            Self::InUse(_) => ErrorCode::InUse,
            Self::Inactive => ErrorCode::Inactive,
            Self::Expired => ErrorCode::Expired,
            Self::WriteOnly => ErrorCode::WriteOnly,
            Self::Locked { .. } => ErrorCode::Locked,
            Self::AuthFailed(_) | Self::WrongPassword { .. } => ErrorCode::AuthFailed,
            Self::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            Self::Integrity(_) => ErrorCode::Integrity,
            Self::Rollback(_) => ErrorCode::Rollback,
            Self::VaultDamaged(_) => ErrorCode::VaultDamaged,
            Self::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            Self::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            Self::Io(_) => ErrorCode::Io,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidInput(msg.into())
    }

    pub(crate) fn denied(msg: impl Into<String>) -> Self {
        Self::PermissionDenied(msg.into())
    }

    pub(crate) fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }

    pub(crate) fn secret_not_found() -> Self {
        Self::NotFound("no secret with that id is visible to you".into())
    }

    pub(crate) fn secret_integrity(id: i64) -> Self {
        Self::Integrity(format!("secret {id}"))
    }

    pub(crate) fn secret_rollback(id: i64) -> Self {
        Self::Rollback(format!(
            "secret {id} is older than the version this device has already seen: someone put back an old copy of it"
        ))
    }

    /// The secret's version now, for a stale edit (see [`Error::Stale`]).
    pub fn current_version(&self) -> Option<i64> {
        match self {
            Self::Stale { version, .. } => Some(*version),
            _ => None,
        }
    }

    /// Seconds to wait before the next attempt, if any (sign-in throttling).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Locked { retry_after_secs } => Some(*retry_after_secs),
            Self::WrongPassword { retry_after_secs } if *retry_after_secs > 0 => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

/// SQLite errors become a damaged-vault error unless they are constraint or
/// busy errors, which callers map themselves. The text names the SQLite
/// failure, never row contents.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::NotADatabase | C::DatabaseCorrupt) => {
                Self::VaultDamaged("the vault file is damaged or is not a Coffer vault".into())
            }
            Some(C::DatabaseBusy | C::DatabaseLocked) => Self::Io(
                "the vault stayed busy for too long: another Coffer process holds it".into(),
            ),
            Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => Self::Io(
                "the vault file cannot be opened for writing: check its permissions".into(),
            ),
            Some(C::DiskFull) => Self::Io("the disk is full".into()),
            _ => Self::VaultDamaged(format!(
                "the vault could not be read ({})",
                sqlite_reason(&e)
            )),
        }
    }
}

/// A short reason for an SQLite failure that never contains row data.
fn sqlite_reason(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(err, _) => format!("{:?}", err.code),
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..) => {
            "unexpected column type".into()
        }
        rusqlite::Error::QueryReturnedNoRows => "missing row".into(),
        _ => "database error".into(),
    }
}

fn wait_note(secs: u64) -> String {
    if secs == 0 {
        String::new()
    } else {
        format!(": wait {secs} s before the next attempt")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_in_order() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(code.position(), i, "{code:?}");
        }
    }
}

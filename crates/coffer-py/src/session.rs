//! Opening a vault and signing in, in the CLI's order (SPEC §8;
//! crates/coffer-cli/src/session.rs): an explicit password (`password=`,
//! then `COFFER_PASSWORD`, then `password_file=`), then the device key in
//! the OS keyring. There is no prompt here: when nothing is left this
//! raises `NoCredentials`, and the Python side decides whether a person
//! can be asked (only on a terminal, and it says why) or the caller gets
//! an `AuthenticationFailed` that says how to set a password up.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use coffer_core::prefs::Prefs;
use coffer_core::{Error, ErrorCode, OsKeyring, SecretString, SessionInfo, Vault};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{self, IntoPy};
use crate::vault::NativeVault;

/// Larger than any password the vault accepts; only stops an endless file.
const FILE_LIMIT: u64 = 1024 * 1024;

/// How signing in ended.
enum SignIn {
    Done(Box<Vault>, SessionInfo),
    /// No password given and no device key remembered (or a remembered
    /// one that failed: that error, for when nobody can be asked either).
    NoCredentials {
        vault_path: PathBuf,
        user: String,
        device_error: Option<Error>,
    },
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `vault=`, else `COFFER_VAULT`, else the platform default.
fn vault_path(given: Option<PathBuf>) -> coffer_core::Result<PathBuf> {
    let path = match given.or_else(|| env("COFFER_VAULT").map(PathBuf::from)) {
        Some(p) => p,
        None => Vault::default_path().ok_or_else(|| {
            Error::InvalidInput(
                "cannot find this user's data folder: pass vault=PATH or set COFFER_VAULT".into(),
            )
        })?,
    };
    if path.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a folder: vault= takes the vault file's path (for example {})",
            path.display(),
            path.join("vault.db").display()
        )));
    }
    Ok(path)
}

/// `user=`, else `COFFER_USER`, else the user `coffer login` remembered.
fn username(given: Option<String>, vault: &Vault) -> coffer_core::Result<String> {
    let given = given
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(u) = given.or_else(|| env("COFFER_USER").map(|u| u.trim().to_string())) {
        return Ok(u);
    }
    Prefs::default_location()
        .remembered_user(vault.id())
        .ok_or_else(|| {
            Error::InvalidInput(
                "no user given: pass user=NAME (or set COFFER_USER), or run `coffer login --user NAME` once"
                    .into(),
            )
        })
}

/// The first line of a password file, as the CLI's `--password-file`.
fn password_from_file(path: &Path) -> coffer_core::Result<SecretString> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(FILE_LIMIT).read_to_string(&mut text))
        .map_err(|e| {
            Error::InvalidInput(format!(
                "cannot read the password file {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the password file {} is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(line.to_string()))
}

/// `password=`, else `COFFER_PASSWORD`, else `password_file=`.
fn explicit_password(
    given: Option<String>,
    file: Option<&Path>,
) -> coffer_core::Result<Option<SecretString>> {
    if let Some(p) = given.filter(|p| !p.is_empty()) {
        return Ok(Some(SecretString::from(p)));
    }
    if let Some(p) = std::env::var_os("COFFER_PASSWORD") {
        let p = p
            .into_string()
            .map_err(|_| Error::InvalidInput("COFFER_PASSWORD is not valid UTF-8".into()))?;
        if !p.is_empty() {
            return Ok(Some(SecretString::from(p)));
        }
    }
    file.map(password_from_file).transpose()
}

fn sign_in(
    path: Option<PathBuf>,
    user: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
) -> coffer_core::Result<SignIn> {
    let path = vault_path(path)?;
    let mut vault = Vault::open(&path)?;
    let user = username(user, &vault)?;
    if let Some(pw) = explicit_password(password, password_file.as_deref())? {
        let info = vault.unlock_with_password(&user, &pw)?;
        return Ok(SignIn::Done(Box::new(vault), info));
    }
    // As the CLI: a device key that no longer works is reported only if
    // nothing else is left; a missing keyring is not worth a word.
    let device_error = match vault.unlock_with_device(&OsKeyring, &user) {
        Ok(Some(info)) => return Ok(SignIn::Done(Box::new(vault), info)),
        Ok(None) => None,
        Err(e) if e.code() == ErrorCode::KeyringUnavailable => None,
        Err(e) => Some(e),
    };
    Ok(SignIn::NoCredentials {
        vault_path: path,
        user,
        device_error,
    })
}

/// Opens the vault and signs in (see the module doc); raises
/// `NoCredentials` when no password source is set and no device key works.
#[pyfunction]
#[pyo3(signature = (vault=None, user=None, password=None, password_file=None))]
pub fn open(
    py: Python<'_>,
    vault: Option<PathBuf>,
    user: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
) -> PyResult<NativeVault> {
    let out = py
        .detach(move || sign_in(vault, user, password, password_file))
        .py_err(py)?;
    match out {
        SignIn::Done(vault, info) => Ok(NativeVault::new(*vault, info)),
        SignIn::NoCredentials {
            vault_path,
            user,
            device_error,
        } => {
            let extra = PyDict::new(py);
            extra.set_item("user", &user)?;
            extra.set_item("vault", vault_path)?;
            if let Some(e) = device_error {
                extra.set_item("device_error", errors::from_core(py, e).into_value(py))?;
            }
            Err(errors::raise(
                py,
                errors::NO_CREDENTIALS,
                &format!("no password for {user} and this device is not remembered"),
                None,
                Some(extra),
            ))
        }
    }
}

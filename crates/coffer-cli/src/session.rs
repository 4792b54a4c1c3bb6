//! Finding the vault, choosing the acting user and signing them in.
//!
//! The order of password sources is part of the contract (SPEC §8):
//! `COFFER_PASSWORD`, `--password-file`, the device key in the OS keyring,
//! a terminal prompt. The device key comes before the prompt so that a
//! remembered machine never asks; it comes after the explicit sources so a
//! script that passes a password always gets exactly that user's check.

use std::path::PathBuf;

use coffer_core::{ErrorCode, OsKeyring, SessionInfo, Vault};

use crate::args::Global;
use crate::error::{CliError, CliResult};
use crate::password;

/// The vault file: `--vault`, `COFFER_VAULT`, or the platform default.
pub fn vault_path(global: &Global) -> CliResult<PathBuf> {
    let path = match &global.vault {
        Some(p) => p.clone(),
        None => Vault::default_path().ok_or_else(|| {
            CliError::usage("cannot find this user's data folder: pass --vault PATH")
        })?,
    };
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a folder: --vault takes the vault file's path (for example {})",
            path.display(),
            path.join("vault.db").display()
        )));
    }
    Ok(path)
}

/// Opens the vault, signed out.
pub fn open(global: &Global) -> CliResult<Vault> {
    Ok(Vault::open(&vault_path(global)?)?)
}

/// The acting user: `--user`/`COFFER_USER`, else the one remembered by
/// `coffer login` for this vault.
pub fn username(global: &Global, vault: &Vault) -> CliResult<String> {
    if let Some(u) = global
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return Ok(u.to_string());
    }
    global.prefs.remembered_user(vault.id()).ok_or_else(|| {
        CliError::usage("no user given: pass --user NAME (or set COFFER_USER), or run `coffer login --user NAME` once")
    })
}

/// Opens the vault and signs the acting user in, warning when some keys
/// have not been shared with them yet (a new member sees less until then).
pub fn sign_in(global: &Global) -> CliResult<(Vault, SessionInfo)> {
    let (vault, info) = sign_in_any(global)?;
    if info.keys_pending {
        crate::error::warn(
            "some keys have not been shared with you yet, so some secrets are not visible: \
             they are shared the next time an admin (or another holder) signs in",
            global.json,
        );
    }
    Ok((vault, info))
}

fn sign_in_any(global: &Global) -> CliResult<(Vault, SessionInfo)> {
    let mut vault = open(global)?;
    let user = username(global, &vault)?;
    if let Some(pw) = password::explicit(global.password_file.as_deref())? {
        let info = vault.unlock_with_password(&user, &pw)?;
        return Ok((vault, info));
    }
    // A device key that no longer works is reported only if no other
    // source is left; a missing keyring is not worth a word.
    let mut device_error = None;
    match vault.unlock_with_device(&OsKeyring, &user) {
        Ok(Some(info)) => return Ok((vault, info)),
        Ok(None) => {}
        Err(e) if e.code() == ErrorCode::KeyringUnavailable => {}
        Err(e) => device_error = Some(e),
    }
    if let Some(pw) = password::prompt(&format!("Password for {user}: "))? {
        let info = vault.unlock_with_password(&user, &pw)?;
        return Ok((vault, info));
    }
    Err(match device_error {
        Some(e) => e.into(),
        None => no_password(),
    })
}

fn no_password() -> CliError {
    CliError::auth(
        "no password given: set COFFER_PASSWORD, pass --password-file FILE, \
         remember this device with `coffer login --remember`, or run from a terminal to be asked",
    )
}

/// Signs in with a password only (never the device key): for `login` and
/// `passwd`, which must prove the password itself.
pub fn sign_in_with_password(
    global: &Global,
    vault: &mut Vault,
    user: &str,
) -> CliResult<(SessionInfo, coffer_core::SecretString)> {
    let pw = match password::explicit(global.password_file.as_deref())? {
        Some(pw) => pw,
        None => password::prompt(&format!("Password for {user}: "))?.ok_or_else(|| {
            CliError::auth(
                "no password given: set COFFER_PASSWORD, pass --password-file FILE, \
                 or run from a terminal to be asked",
            )
        })?,
    };
    let info = vault.unlock_with_password(user, &pw)?;
    Ok((info, pw))
}

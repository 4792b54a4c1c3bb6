//! The vault and the acting user's own account: `init`, `login`, `logout`,
//! `passwd`, `status`.

use coffer_core::{ErrorCode, InitOptions, KdfChoice, KdfProfile, OsKeyring, Vault};
use serde_json::json;

use crate::args::{
    DeviceCommand, Global, InitArgs, LoginArgs, LogoutArgs, PasswdArgs, TrustCommand, VaultCommand,
};
use crate::dates;
use crate::error::{CliError, CliResult, warn};
use crate::output::{self, line};
use crate::password;
use crate::session;

const INSECURE_WARNING: &str = "this vault uses the INSECURE TEST password hashing \
    (--insecure-test-kdf): passwords can be guessed cheaply; use it only for automated tests";

pub fn init(g: &Global, a: &InitArgs) -> CliResult<()> {
    let path = session::vault_path(g)?;
    let password = password::new_password(a.password.new_password_stdin, true, &a.owner)?
        .ok_or_else(|| {
            CliError::usage(
                "no password for the owner: pass --new-password-stdin, set COFFER_PASSWORD, or run from a terminal to be asked",
            )
        })?;
    let kdf = if a.insecure_test_kdf {
        KdfChoice::InsecureTest
    } else {
        KdfChoice::Calibrate
    };
    let vault = Vault::create(
        &path,
        InitOptions {
            owner: a.owner.clone(),
            display_name: a.display_name.clone().unwrap_or_default(),
            password,
            kdf,
        },
    )?;
    if a.insecure_test_kdf {
        warn(INSECURE_WARNING, g.json);
    }
    g.prefs.set_remembered_user(vault.id(), Some(&a.owner))?;
    if g.json {
        output::json(&json!({
            "vault": path, "vault_id": vault.id(), "owner": a.owner,
            "kdf_profile": vault.kdf_profile(),
        }))
    } else {
        line(format!(
            "Created the vault {} with owner {} (now this machine's default user).",
            path.display(),
            a.owner
        ))
    }
}

/// A label for this machine's entry in the vault's device list.
fn device_label() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".into());
    format!("coffer CLI on {host}")
}

pub fn login(g: &Global, a: &LoginArgs) -> CliResult<()> {
    let mut vault = session::open(g)?;
    let user = g
        .user
        .clone()
        .ok_or_else(|| CliError::usage("say who is signing in: coffer login --user NAME"))?;
    let (info, _) = session::sign_in_with_password(g, &mut vault, &user)?;
    let name = info.user.username.clone();
    g.prefs.set_remembered_user(vault.id(), Some(&name))?;
    if a.remember {
        vault.remember_device(&OsKeyring, &device_label()).map_err(|e| {
            let mut err = CliError::from(e);
            err.0.message = format!(
                "signed in as {name} (now the default user), but this device was not remembered: {}",
                err.0.message
            );
            err
        })?;
    }
    if info.user.must_change_password {
        warn(
            "your password is an initial one: run `coffer passwd` before anything else",
            g.json,
        );
    }
    if g.json {
        output::json(&json!({ "user": name, "device_remembered": a.remember }))
    } else if a.remember {
        line(format!(
            "Signed in as {name}; this device is remembered, so no password is needed here."
        ))
    } else {
        line(format!("Signed in as {name} (now the default user)."))
    }
}

pub fn logout(g: &Global, a: &LogoutArgs) -> CliResult<()> {
    let mut vault = session::open(g)?;
    let remembered = g.prefs.remembered_user(vault.id());
    let user = g.user.clone().or_else(|| remembered.clone());
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    // Forget the default user first: that part never needs the keyring.
    let forgets_default = match (&remembered, &user) {
        (Some(r), Some(u)) => same(r, u),
        _ => false,
    };
    if forgets_default {
        g.prefs.set_remembered_user(vault.id(), None)?;
    }
    let forgot_device = if a.forget {
        let user = user.as_deref().ok_or_else(|| {
            CliError::usage("no user given: pass --user NAME to forget their device key")
        })?;
        vault.forget_device(&OsKeyring, user).map_err(|e| {
            let mut err = CliError::from(e);
            if forgets_default {
                err.0.message = format!(
                    "logged out, but the device key was not deleted: {}",
                    err.0.message
                );
            }
            err
        })?
    } else {
        false
    };
    if g.json {
        return output::json(&json!({
            "forgot_default_user": forgets_default, "forgot_device_key": forgot_device,
        }));
    }
    match (forgets_default, a.forget, forgot_device) {
        (true, _, true) => line("Logged out; this device's key is deleted."),
        (true, true, false) => line("Logged out; no device key was remembered."),
        (true, false, _) => line("Logged out; the next command needs --user."),
        (false, _, true) => line("This device's key is deleted."),
        (false, _, false) => line("Nothing to forget: no default user or device key."),
    }
}

pub fn passwd(g: &Global, a: &PasswdArgs) -> CliResult<()> {
    let mut vault = session::open(g)?;
    let user = session::username(g, &vault)?;
    let (info, current) = session::sign_in_with_password(g, &mut vault, &user)?;
    let new = password::new_password(a.password.new_password_stdin, false, &info.user.username)?
        .ok_or_else(|| {
            CliError::usage(
                "no new password: pass --new-password-stdin or run from a terminal to be asked",
            )
        })?;
    // Asked on a terminal when other devices are remembered and neither
    // flag says; a script that says nothing keeps them.
    let sign_out = if a.sign_out_other_devices {
        true
    } else if a.keep_other_devices || a.password.new_password_stdin {
        false
    } else if vault.devices()?.iter().any(|d| !d.current) {
        password::ask_yes_no(
            "Sign out your other remembered devices and replace your keys (do, if a device may be lost or your old password known)?",
            true,
        )?
        .unwrap_or(false)
    } else {
        false
    };
    vault.change_password_with(&current, &new, sign_out, Some(&OsKeyring))?;
    if g.json {
        output::json(&json!({
            "user": info.user.username, "changed": true,
            "signed_out_other_devices": sign_out, "keys_replaced": sign_out,
        }))
    } else if sign_out {
        line(format!(
            "Password changed for {}; your keys were replaced and every other remembered device is signed out.",
            info.user.username
        ))
    } else {
        line(format!("Password changed for {}.", info.user.username))
    }
}

pub fn device(g: &Global, c: &DeviceCommand) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    match c {
        DeviceCommand::List => {
            let devices = vault.devices()?;
            if g.json {
                return output::json(&devices);
            }
            if devices.is_empty() {
                return line("No device is remembered for you.");
            }
            let rows: Vec<Vec<String>> = devices
                .iter()
                .map(|d| {
                    vec![
                        d.id.to_string(),
                        output::clean(&d.label),
                        dates::datetime(d.created_at),
                        if d.current {
                            "this one".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            output::out(&output::table(&["ID", "DEVICE", "REMEMBERED", ""], &rows))
        }
        DeviceCommand::Revoke { id } => {
            let id: i64 = id.trim().parse().map_err(|_| {
                CliError::usage("a device id is a number: see `coffer device list`")
            })?;
            vault.revoke_device(id)?;
            if g.json {
                output::json(&json!({ "revoked": id }))
            } else {
                line(format!(
                    "Device {id} is signed out. This holds while whoever has that device cannot also write \
                     the vault file (docs/SECURITY.md, \"Devices\")."
                ))
            }
        }
    }
}

pub fn trust(g: &Global, c: &TrustCommand) -> CliResult<()> {
    let TrustCommand::Reset {
        expect,
        accept_older,
    } = c;
    let mut vault = session::open(g)?;
    // The core checks the code (and an older copy) before forgetting
    // anything: a wrong code leaves this device's memory as it was.
    let fp = vault.reset_trust(expect, *accept_older)?;
    if g.json {
        output::json(&json!({ "fingerprint": fp, "trusted": true }))
    } else {
        line(format!(
            "This device trusts the vault again; its fingerprint is {fp}."
        ))
    }
}

pub fn vault(g: &Global, c: &VaultCommand) -> CliResult<()> {
    let (from, to) = match c {
        VaultCommand::Copy { from, to } => (from, to),
        VaultCommand::Password { url, stdin, forget } => {
            return server_password(g, url, *stdin, *forget);
        }
    };
    let report = Vault::copy(from, to, &coffer_core::VaultOptions::default())?;
    if g.json {
        output::json(&json!({
            "vault_id": report.vault_id,
            "rows": report.rows,
            "fingerprint": report.fingerprint,
            "to": to.display().to_string(),
        }))
    } else {
        line(format!(
            "Copied the vault to {} ({} rows) and checked the copy: its fingerprint is {}, as before.\n\
             Both are now the same vault: work in one of them only (a change made in one is not in the other, \
             and a device that used both refuses the one behind as rolled back). Keep a backup for restoring.",
            to.display(),
            report.rows,
            report.fingerprint
        ))
    }
}

fn server_password(g: &Global, url: &std::path::Path, stdin: bool, forget: bool) -> CliResult<()> {
    if forget {
        let had = Vault::forget_server_password(url)?;
        return if g.json {
            output::json(&json!({ "forgotten": had }))
        } else if had {
            line("The database password is no longer kept in the keyring.")
        } else {
            line("The keyring held no database password for this vault.")
        };
    }
    let pw = if stdin {
        password::stdin_password()?
    } else {
        password::prompt("Database password: ")?.ok_or_else(|| {
            CliError::usage(
                "no terminal to ask on: pass --stdin and the password on standard input",
            )
        })?
    };
    let name = Vault::save_server_password(url, &pw)?;
    if g.json {
        output::json(&json!({ "saved": true, "vault": name }))
    } else {
        line(format!(
            "The server accepted it; the keyring keeps the database password for {name}."
        ))
    }
}

pub fn status(g: &Global) -> CliResult<()> {
    let path = session::vault_path(g)?;
    let mut vault = Vault::open(&path)?;
    let fingerprint = vault.fingerprint()?;
    let profile = vault.kdf_profile();
    let user = g
        .user
        .clone()
        .or_else(|| g.prefs.remembered_user(vault.id()));
    // None: the keyring could not be asked.
    let device = match &user {
        Some(u) => match vault.device_remembered(&OsKeyring, u) {
            Ok(b) => Some(b),
            Err(e) if e.code() == ErrorCode::KeyringUnavailable => {
                warn(
                    &format!("could not ask the keyring whether this device is remembered: {e}"),
                    g.json,
                );
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => Some(false),
    };
    if profile == KdfProfile::InsecureTest {
        warn(INSECURE_WARNING, g.json);
    }
    if g.json {
        return output::json(&json!({
            "vault": path, "vault_id": vault.id(), "fingerprint": fingerprint,
            "kdf_profile": profile, "user": user, "device_key_remembered": device,
        }));
    }
    let kdf = match profile {
        KdfProfile::Standard => "standard (calibrated Argon2id)".to_string(),
        KdfProfile::InsecureTest => {
            "INSECURE-TEST: !!! cheap hashing for automated tests, never for real secrets !!!"
                .into()
        }
    };
    let device = match device {
        Some(true) => "remembered (no password needed on this machine)",
        Some(false) => "not remembered",
        None => "unknown: the OS keyring is not available",
    };
    let rows = vec![
        vec!["vault".into(), path.display().to_string()],
        vec!["vault id".into(), vault.id().to_string()],
        vec![
            "fingerprint".into(),
            fingerprint.unwrap_or_else(|| {
                "none yet (the owner's next sign-in upgrades this vault)".into()
            }),
        ],
        vec!["password hashing".into(), kdf],
        vec![
            "user".into(),
            user.unwrap_or_else(|| "none (pass --user or run `coffer login`)".into()),
        ],
        vec!["device key".into(), device.into()],
    ];
    let text = output::table(&["", ""], &rows);
    // Drop the empty header line.
    output::out(text.split_once('\n').map_or("", |(_, rest)| rest))
}

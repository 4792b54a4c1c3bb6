//! Small per-machine preferences shared by the app and the CLI: which user
//! last signed in to which vault (so `coffer` needs no `--user` after
//! `coffer login`, and the app can prefill the sign-in form). Never secrets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Prefs {
    #[serde(default)]
    remembered_users: BTreeMap<String, String>,
    #[serde(default)]
    settings: Settings,
}

/// User-adjustable behaviour of the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Settings {
    /// Lock after this many minutes without activity (1 to 1440).
    pub auto_lock_minutes: u32,
    /// Clear a copied value from the clipboard after this many seconds
    /// (5 to 600), if it is still there.
    pub clipboard_clear_secs: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auto_lock_minutes: 10,
            clipboard_clear_secs: 30,
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        if !(1..=1440).contains(&self.auto_lock_minutes) {
            return Err(Error::InvalidInput(
                "auto-lock must be between 1 and 1440 minutes".into(),
            ));
        }
        if !(5..=600).contains(&self.clipboard_clear_secs) {
            return Err(Error::InvalidInput(
                "clipboard clearing must be between 5 and 600 seconds".into(),
            ));
        }
        Ok(())
    }
}

/// The saved settings (defaults when none are saved or the file is unreadable).
pub fn settings() -> Settings {
    let s = read().settings;
    if s.validate().is_ok() {
        s
    } else {
        Settings::default()
    }
}

pub fn set_settings(settings: Settings) -> Result<()> {
    settings.validate()?;
    let mut prefs = read();
    prefs.settings = settings;
    write(&prefs)
}

fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "coffer").map(|d| d.config_dir().join("prefs.json"))
}

fn read() -> Prefs {
    path()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write(prefs: &Prefs) -> Result<()> {
    let p = path().ok_or_else(|| Error::Io("no configuration folder for this user".into()))?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {}", dir.display(), e.kind())))?;
    }
    let json = serde_json::to_vec_pretty(prefs)
        .map_err(|_| Error::Io("cannot encode preferences".into()))?;
    // Write then rename, so a crash never leaves half a file.
    let tmp = p.with_extension("json.tmp");
    std::fs::write(&tmp, json)
        .map_err(|e| Error::Io(format!("cannot write {}: {}", tmp.display(), e.kind())))?;
    std::fs::rename(&tmp, &p)
        .map_err(|e| Error::Io(format!("cannot write {}: {}", p.display(), e.kind())))
}

/// The user remembered for a vault, if any.
pub fn remembered_user(vault_id: &str) -> Option<String> {
    read().remembered_users.get(vault_id).cloned()
}

/// Remembers (or, with `None`, forgets) the user for a vault.
pub fn set_remembered_user(vault_id: &str, username: Option<&str>) -> Result<()> {
    let mut prefs = read();
    match username {
        Some(u) => prefs
            .remembered_users
            .insert(vault_id.to_string(), u.to_string()),
        None => prefs.remembered_users.remove(vault_id),
    };
    write(&prefs)
}

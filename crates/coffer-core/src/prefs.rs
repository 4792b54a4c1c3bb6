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

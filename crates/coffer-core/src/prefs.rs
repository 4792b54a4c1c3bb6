//! Small per-machine preferences shared by the app and the CLI: which user
//! last signed in to which vault (so `coffer` needs no `--user` after
//! `coffer login`, and the app can prefill the sign-in form) and the app's
//! settings. Never secrets.
//!
//! A [`Prefs`] is made once by each front end and handed to what needs it,
//! like the credential store: [`Prefs::at`] a file (the platform's config
//! folder in the product, a temporary one in tests), or
//! [`Prefs::in_memory`]. Settings are read from the file once and kept in
//! memory (the app's idle watchdog asks every two seconds); every change is
//! written through at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::api::Settings;
use crate::error::{Error, Result};

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    remembered_users: BTreeMap<String, String>,
    #[serde(default)]
    settings: Settings,
    /// Vaults someone locked (by hand or after the idle time): the app
    /// signs in to these only when asked, never by itself at start-up.
    #[serde(default)]
    locked: BTreeSet<String>,
    /// The vault file the app opened last (when not the default).
    #[serde(default)]
    vault_path: Option<PathBuf>,
    /// Vaults opened lately (files or server URLs), most recent first.
    #[serde(default)]
    recent_vaults: Vec<PathBuf>,
}

/// How many vaults [`Prefs::recent_vaults`] remembers.
pub const RECENT_VAULTS: usize = 5;

pub struct Prefs {
    /// Where they are kept; `None` keeps them in memory only.
    path: Option<PathBuf>,
    cached: Mutex<File>,
}

impl std::fmt::Debug for Prefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prefs").field("path", &self.path).finish()
    }
}

/// `prefs.json` in the platform's config folder (`$XDG_CONFIG_HOME/coffer`
/// on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "coffer").map(|d| d.config_dir().join("prefs.json"))
}

fn read(path: Option<&Path>) -> File {
    path.and_then(|p| std::fs::read(p).ok())
        .and_then(|bytes| parse(&bytes))
        .unwrap_or_default()
}

/// A preferences file's contents; `None` when they are not a preferences
/// file (which then counts as defaults).
fn parse(bytes: &[u8]) -> Option<File> {
    let mut file: File = serde_json::from_slice(bytes).ok()?;
    // Settings out of range (edited by hand) count as unset.
    if file.settings.validate().is_err() {
        file.settings = Settings::default();
    }
    Some(file)
}

/// Reads a preferences file's contents and writes them back out as
/// [`Prefs`] would, for the fuzz targets: `None` when they do not read.
#[cfg(feature = "fuzzing")]
pub(crate) fn round_trip(bytes: &[u8]) -> Option<Vec<u8>> {
    serde_json::to_vec_pretty(&parse(bytes)?).ok()
}

fn write(path: &Path, file: &File) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {}", dir.display(), e.kind())))?;
    }
    let json = serde_json::to_vec_pretty(file)
        .map_err(|_| Error::Io("cannot encode preferences".into()))?;
    // Write then rename, so a crash never leaves half a file.
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)
        .map_err(|e| Error::Io(format!("cannot write {}: {}", tmp.display(), e.kind())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| Error::Io(format!("cannot write {}: {}", path.display(), e.kind())))
}

impl Prefs {
    /// Preferences kept in `path` (read now; missing or unreadable means
    /// defaults).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let cached = Mutex::new(read(Some(&path)));
        Self {
            path: Some(path),
            cached,
        }
    }

    /// The platform's preferences file, or memory only when the platform
    /// has no config folder.
    pub fn default_location() -> Self {
        match default_path() {
            Some(p) => Self::at(p),
            None => Self::in_memory(),
        }
    }

    /// Preferences that are never written anywhere.
    pub fn in_memory() -> Self {
        Self {
            path: None,
            cached: Mutex::new(File::default()),
        }
    }

    fn cached(&self) -> MutexGuard<'_, File> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies a change to the file as it is now (another process may have
    /// changed it) and to the cache.
    fn update(&self, change: impl Fn(&mut File)) -> Result<()> {
        let mut cached = self.cached();
        if let Some(path) = &self.path {
            let mut file = read(Some(path));
            change(&mut file);
            write(path, &file)?;
            *cached = file;
        } else {
            change(&mut cached);
        }
        Ok(())
    }

    /// The saved settings (defaults when none are saved).
    pub fn settings(&self) -> Settings {
        self.cached().settings
    }

    pub fn set_settings(&self, settings: Settings) -> Result<()> {
        settings.validate()?;
        self.update(|f| f.settings = settings)
    }

    /// The user remembered for a vault, if any (read from the file, which
    /// another process may have changed).
    pub fn remembered_user(&self, vault_id: &str) -> Option<String> {
        self.current().remembered_users.get(vault_id).cloned()
    }

    /// The file as it is now (another process may have changed it).
    fn current(&self) -> File {
        match &self.path {
            Some(p) => read(Some(p)),
            None => self.cached().clone(),
        }
    }

    /// Whether a vault was locked and must not be signed in to without
    /// someone asking (read from the file).
    pub fn locked(&self, vault_id: &str) -> bool {
        self.current().locked.contains(vault_id)
    }

    pub fn set_locked(&self, vault_id: &str, locked: bool) -> Result<()> {
        self.update(|f| {
            if locked {
                f.locked.insert(vault_id.to_string());
            } else {
                f.locked.remove(vault_id);
            }
        })
    }

    /// The vault file the app opened last, if not the default.
    pub fn vault_path(&self) -> Option<PathBuf> {
        self.current().vault_path
    }

    pub fn set_vault_path(&self, path: Option<&Path>) -> Result<()> {
        self.update(|f| f.vault_path = path.map(Path::to_path_buf))
    }

    /// Vaults opened lately, most recent first (at most [`RECENT_VAULTS`]).
    pub fn recent_vaults(&self) -> Vec<PathBuf> {
        self.current().recent_vaults
    }

    /// Puts a vault at the top of the recent list (once), dropping the
    /// oldest beyond [`RECENT_VAULTS`].
    pub fn add_recent_vault(&self, path: &Path) -> Result<()> {
        self.update(|f| {
            f.recent_vaults.retain(|p| p != path);
            f.recent_vaults.insert(0, path.to_path_buf());
            f.recent_vaults.truncate(RECENT_VAULTS);
        })
    }

    /// Remembers (or, with `None`, forgets) the user for a vault.
    pub fn set_remembered_user(&self, vault_id: &str, username: Option<&str>) -> Result<()> {
        self.update(|f| {
            match username {
                Some(u) => f
                    .remembered_users
                    .insert(vault_id.to_string(), u.to_string()),
                None => f.remembered_users.remove(vault_id),
            };
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_vaults_are_most_recent_first_without_repeats_and_few() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prefs.json");
        let prefs = Prefs::at(&path);
        assert!(prefs.recent_vaults().is_empty());
        for name in [
            "a.db",
            "postgres://ana@db/team",
            "c.db",
            "d.db",
            "e.db",
            "f.db",
        ] {
            prefs.add_recent_vault(Path::new(name)).expect("add");
        }
        prefs.add_recent_vault(Path::new("c.db")).expect("again");
        let names: Vec<String> = Prefs::at(&path)
            .recent_vaults()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            names,
            ["c.db", "f.db", "e.db", "d.db", "postgres://ana@db/team"]
        );
    }

    #[test]
    fn settings_and_users_persist_and_bad_input_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join("prefs.json");
        let prefs = Prefs::at(&path);
        assert_eq!(prefs.settings(), Settings::default());
        let custom = Settings {
            auto_lock_minutes: 3,
            clipboard_clear_secs: 12,
            expiry_notice_days: 14,
        };
        prefs.set_settings(custom).expect("save");
        prefs
            .set_remembered_user("v1", Some("ana"))
            .expect("remember");
        let bad = Settings {
            auto_lock_minutes: 0,
            ..custom
        };
        assert!(prefs.set_settings(bad).is_err());
        assert_eq!(prefs.settings(), custom, "a refused change changes nothing");
        // Another handle (another process) reads what was written.
        let again = Prefs::at(&path);
        assert_eq!(again.settings(), custom);
        assert_eq!(again.remembered_user("v1").as_deref(), Some("ana"));
        again
            .set_remembered_user("v2", Some("bo"))
            .expect("remember");
        assert_eq!(
            prefs.remembered_user("v2").as_deref(),
            Some("bo"),
            "read through"
        );
        prefs.set_remembered_user("v1", None).expect("forget");
        assert_eq!(Prefs::at(&path).remembered_user("v1"), None);
        assert_eq!(
            Prefs::at(&path).remembered_user("v2").as_deref(),
            Some("bo"),
            "kept"
        );
        // A file edited out of range counts as defaults.
        std::fs::write(
            &path,
            r#"{"settings":{"auto_lock_minutes":0,"clipboard_clear_secs":30}}"#,
        )
        .expect("write");
        assert_eq!(Prefs::at(&path).settings(), Settings::default());
    }

    #[test]
    fn locks_and_the_vault_path_persist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prefs.json");
        let prefs = Prefs::at(&path);
        assert!(!prefs.locked("v1"));
        prefs.set_locked("v1", true).expect("lock");
        prefs
            .set_vault_path(Some(Path::new("/tmp/team.db")))
            .expect("path");
        let again = Prefs::at(&path);
        assert!(again.locked("v1") && !again.locked("v2"));
        assert_eq!(
            again.vault_path().as_deref(),
            Some(Path::new("/tmp/team.db"))
        );
        again.set_locked("v1", false).expect("unlock");
        assert!(!prefs.locked("v1"), "read through");
    }

    #[test]
    fn memory_only_prefs_write_nothing() {
        let prefs = Prefs::in_memory();
        prefs
            .set_remembered_user("v", Some("ana"))
            .expect("remember");
        assert_eq!(prefs.remembered_user("v").as_deref(), Some("ana"));
        assert!(prefs.path.is_none());
    }
}

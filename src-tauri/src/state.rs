//! The app's state: at most one open vault, the clipboard, idle tracking
//! and the UI's event channel.
//!
//! Commands run on a blocking thread (unlocking runs Argon2 for up to a
//! second; the UI must not freeze), each taking the vault's lock for the
//! length of one core call. A watchdog thread locks the vault after the
//! configured idle time even if the UI is stuck or hostile.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use coffer_core::prefs::Prefs;
use coffer_core::{
    AppEvent, ChangeWatch, CopyReceipt, CredentialStore, ErrorCode, OsKeyring, SecretString, Vault,
    VaultOptions,
};
use tauri::ipc::Channel;

use crate::clipboard::Clipboard;
use crate::error::{ApiError, ApiResult};

pub struct AppState {
    vault_path: Mutex<PathBuf>,
    /// Where this device's memory of vaults lives (the default, except in
    /// tests).
    pub vault_options: VaultOptions,
    vault: Mutex<Option<Vault>>,
    pub clipboard: Clipboard,
    last_activity: Mutex<Instant>,
    events: Mutex<Option<Channel<AppEvent>>>,
    pub keyring: Box<dyn CredentialStore + Send + Sync>,
    /// This machine's preferences (the user's own file, except in tests).
    pub prefs: Prefs,
    /// Which change watcher is current (see `team`): bumped whenever
    /// another vault is opened.
    pub(crate) watch_generation: AtomicU64,
}

pub type Shared = Arc<AppState>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock must not take the app down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(
        vault_path: PathBuf,
        keyring: Box<dyn CredentialStore + Send + Sync>,
        prefs: Prefs,
    ) -> Self {
        Self {
            vault_path: Mutex::new(vault_path),
            vault_options: VaultOptions::default(),
            vault: Mutex::new(None),
            clipboard: Clipboard::default(),
            last_activity: Mutex::new(Instant::now()),
            events: Mutex::new(None),
            keyring,
            prefs,
            watch_generation: AtomicU64::new(0),
        }
    }

    /// The vault path: `COFFER_VAULT`, else the vault this machine's app
    /// opened last, else the platform default.
    pub fn from_env() -> Self {
        let prefs = Prefs::default_location();
        let path = vault_path_for(std::env::var_os("COFFER_VAULT").map(PathBuf::from), &prefs);
        Self::new(path, Box::new(OsKeyring), prefs)
    }

    /// The vault file this app works on.
    pub fn vault_path(&self) -> PathBuf {
        lock(&self.vault_path).clone()
    }

    /// Opens another vault (an existing file, or a vault on a server:
    /// connecting is the test; refused otherwise), locking the one open
    /// now, and remembers it for the next start and in the recent list.
    /// The caller starts the change watch (`team::start_change_watch`).
    pub fn switch_vault(&self, path: PathBuf) -> ApiResult<()> {
        if !Vault::is_server_location(&path) && !path.is_file() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "there is no file at that path: choose an existing Coffer vault, or enter a postgres:// URL",
            ));
        }
        let opened = Vault::open_with(&path, &self.vault_options)?;
        crate::team::stop_change_watch(self);
        self.lock_now();
        let mut guard = lock(&self.vault);
        *guard = Some(opened);
        *lock(&self.vault_path) = path.clone();
        drop(guard);
        self.prefs.set_vault_path(Some(&path))?;
        Ok(self.prefs.add_recent_vault(&path)?)
    }

    /// Whether a vault is open (without opening one).
    pub fn vault_is_open(&self) -> bool {
        lock(&self.vault).is_some()
    }

    /// A new watch on teammates' changes to the open vault (opening it
    /// first if needed); `None` for a file vault or when there is no vault.
    /// Holds the vault's lock only while connecting (at most 3 s).
    pub fn new_watch(&self) -> ApiResult<Option<ChangeWatch>> {
        let guard = self.vault()?;
        Ok(match guard.as_ref() {
            Some(v) => v.watch()?,
            None => None,
        })
    }

    pub fn touch(&self) {
        *lock(&self.last_activity) = Instant::now();
    }

    pub fn set_channel(&self, channel: Channel<AppEvent>) {
        *lock(&self.events) = Some(channel);
    }

    pub fn notify(&self, event: AppEvent) {
        if let Some(ch) = lock(&self.events).as_ref() {
            let _ = ch.send(event);
        }
    }

    /// The vault handle, opening it on first use. `None` inside means
    /// there is no vault yet (first run: no file, or a server database
    /// that holds no vault). A server that cannot be reached is an error
    /// (code `Io`, within 3 s), never "no vault".
    pub fn vault(&self) -> ApiResult<MutexGuard<'_, Option<Vault>>> {
        let mut guard = lock(&self.vault);
        let path = self.vault_path();
        if guard.is_none() {
            *guard = open_existing(&path, &self.vault_options)?;
        }
        Ok(guard)
    }

    /// Runs a core call on the open vault, counting it as activity.
    pub fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> coffer_core::Result<T>,
    ) -> ApiResult<T> {
        self.touch();
        let mut guard = self.vault()?;
        let vault = guard.as_mut().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "there is no vault yet: create one first",
            )
        })?;
        Ok(f(vault)?)
    }

    /// Locks the vault and clears anything Coffer left on the clipboard.
    /// The lock holds across restarts: the app signs in again only when
    /// someone asks (by password, or "unlock with this device").
    pub fn lock_now(&self) {
        if let Some(v) = lock(&self.vault).as_ref()
            && v.is_unlocked()
        {
            let _ = self.prefs.set_locked(v.id(), true);
        }
        self.shut_down();
    }

    /// Locks the vault and clears the clipboard as the app quits (the next
    /// start may sign in with this device again).
    pub fn shut_down(&self) {
        if let Some(v) = lock(&self.vault).as_mut() {
            v.lock();
        }
        if self.clipboard.clear_if_unchanged(None) {
            self.notify(AppEvent::ClipboardCleared);
        }
    }

    /// Locks when idle for longer than the configured time. Returns whether
    /// it locked.
    pub fn lock_if_idle(&self) -> bool {
        let limit = Duration::from_secs(u64::from(self.prefs.settings().auto_lock_minutes) * 60);
        let idle = lock(&self.last_activity).elapsed();
        let unlocked = lock(&self.vault).as_ref().is_some_and(Vault::is_unlocked);
        if unlocked && idle >= limit {
            self.lock_now();
            self.notify(AppEvent::AutoLocked);
            return true;
        }
        false
    }
}

/// The vault at `path`, or `None` when there is none yet: no file there,
/// or a server database without a vault in it.
fn open_existing(path: &Path, opts: &VaultOptions) -> ApiResult<Option<Vault>> {
    if !Vault::is_server_location(path) {
        return Ok(if path.is_file() {
            Some(Vault::open_with(path, opts)?)
        } else {
            None
        });
    }
    match Vault::open_with(path, opts) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The vault to open: the one named (`COFFER_VAULT`), else the one this
/// machine's app opened last, else the platform default.
pub fn vault_path_for(named: Option<PathBuf>, prefs: &Prefs) -> PathBuf {
    named
        .or_else(|| prefs.vault_path())
        .or_else(Vault::default_path)
        .unwrap_or_else(|| PathBuf::from("coffer-vault.db"))
}

/// Puts a value on the clipboard (marked as a password) and clears it
/// after the configured time if it is still there. `what` names it in the
/// receipt (a field, or `.env`).
pub fn copy_and_clear(state: &Shared, value: &SecretString, what: &str) -> ApiResult<CopyReceipt> {
    let generation = state.clipboard.copy(value)?;
    let clear_after_secs = state.prefs.settings().clipboard_clear_secs;
    let later = Arc::clone(state);
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(u64::from(clear_after_secs)));
        if later.clipboard.clear_if_unchanged(Some(generation)) {
            later.notify(AppEvent::ClipboardCleared);
        }
    });
    Ok(CopyReceipt {
        field: what.to_string(),
        clear_after_secs,
    })
}

/// Runs `f` with the state on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&Shared) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || f(&state))
        .await
        .map_err(|_| ApiError::new(ErrorCode::Io, "the operation stopped unexpectedly"))?
}

/// Starts the idle watchdog.
pub fn start_watchdog(state: Shared) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(2));
            state.lock_if_idle();
        }
    });
}

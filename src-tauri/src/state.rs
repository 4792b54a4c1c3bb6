//! The app's state: at most one open vault, the clipboard, idle tracking
//! and the UI's event channel.
//!
//! Commands run on a blocking thread (unlocking runs Argon2 for up to a
//! second; the UI must not freeze), each taking the vault's lock for the
//! length of one core call. A watchdog thread locks the vault after the
//! configured idle time even if the UI is stuck or hostile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use coffer_core::prefs::Prefs;
use coffer_core::{AppEvent, CredentialStore, ErrorCode, OsKeyring, Vault, VaultOptions};
use tauri::ipc::Channel;

use crate::clipboard::Clipboard;
use crate::error::{ApiError, ApiResult};

pub struct AppState {
    pub vault_path: PathBuf,
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
            vault_path,
            vault_options: VaultOptions::default(),
            vault: Mutex::new(None),
            clipboard: Clipboard::default(),
            last_activity: Mutex::new(Instant::now()),
            events: Mutex::new(None),
            keyring,
            prefs,
        }
    }

    /// The vault path: `COFFER_VAULT`, else the platform default.
    pub fn from_env() -> Self {
        let path = std::env::var_os("COFFER_VAULT")
            .map(PathBuf::from)
            .or_else(Vault::default_path)
            .unwrap_or_else(|| PathBuf::from("coffer-vault.db"));
        Self::new(path, Box::new(OsKeyring), Prefs::default_location())
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

    /// The vault handle, opening the file on first use. `None` inside
    /// means there is no vault file yet (first run).
    pub fn vault(&self) -> ApiResult<MutexGuard<'_, Option<Vault>>> {
        let mut guard = lock(&self.vault);
        if guard.is_none() && self.vault_path.is_file() {
            *guard = Some(Vault::open_with(&self.vault_path, &self.vault_options)?);
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
    pub fn lock_now(&self) {
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

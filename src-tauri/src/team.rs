//! Team vaults on a server: how the app names a vault location, and the
//! background watch that tells the UI when a teammate changed the vault.
//!
//! The watch has its own connection (`Vault::watch`), so waiting on it
//! never holds the vault's lock: the lock is taken only for the moment a
//! watch is made. Each open vault gets a new watch generation; a watcher
//! whose generation is no longer current ends within one poll.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use coffer_core::{AppEvent, Vault};
use serde::Serialize;
use ts_rs::TS;

use crate::state::{AppState, Shared};

/// How long one wait on the watch lasts before the watcher checks that
/// its vault is still the open one.
const POLL: Duration = Duration::from_millis(250);
/// The first and the longest pause before making a lost watch again.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// A vault location as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VaultPlace {
    /// The file path or server URL, as the app opens it (never with a
    /// password: the core refuses URLs that carry one).
    pub location: String,
    /// A short name that fits the header: the file name, or
    /// `database @ host` for a server.
    pub short_name: String,
    pub on_server: bool,
}

/// The open vault and the ones opened lately (most recent first, the open
/// one included).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VaultLocations {
    pub current: VaultPlace,
    pub recent: Vec<VaultPlace>,
}

/// What "Move this vault to a server" did.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MovedVault {
    /// The file that was copied (left as it was).
    pub from: VaultPlace,
    /// The server vault the app now works on.
    pub to: VaultPlace,
    /// Rows copied, over every table.
    #[ts(type = "number")]
    pub rows: u64,
    /// The root-of-trust fingerprint both copies verified to.
    pub fingerprint: String,
}

impl VaultPlace {
    pub fn of(path: &Path) -> Self {
        let on_server = Vault::is_server_location(path);
        let location = if on_server {
            without_password(&path.to_string_lossy())
        } else {
            path.display().to_string()
        };
        let short_name = if on_server {
            Vault::server_short_name(&location).unwrap_or_else(|| location.clone())
        } else {
            path.file_name()
                .map_or_else(|| location.clone(), |n| n.to_string_lossy().into_owned())
        };
        Self {
            location,
            short_name,
            on_server,
        }
    }
}

/// `postgres://ana:pw@host/db` -> `postgres://ana@host/db` (belt and
/// braces: the core refuses such URLs, but one typed in must not be shown
/// or remembered with its password).
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest
        .find('/')
        .map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// Starts watching the open vault for teammates' changes (a server vault
/// only), ending any earlier watcher.
pub fn start_change_watch(state: &Shared) {
    let generation = state.watch_generation.fetch_add(1, Ordering::SeqCst) + 1;
    if !Vault::is_server_location(&state.vault_path()) {
        return;
    }
    let state = Arc::clone(state);
    std::thread::spawn(move || watch_changes(&state, generation));
}

/// Stops the current watcher (it ends within one poll).
pub fn stop_change_watch(state: &AppState) {
    state.watch_generation.fetch_add(1, Ordering::SeqCst);
}

fn watch_changes(state: &AppState, generation: u64) {
    let current = || state.watch_generation.load(Ordering::SeqCst) == generation;
    let mut retry = FIRST_RETRY;
    let mut online = true;
    // Changes may have been missed while no watch was listening.
    let mut missed = false;
    while current() {
        // The commands open the vault (and say when its server does not
        // answer); the watcher waits for that instead of racing them.
        if !state.vault_is_open() {
            sleep_while(POLL, &current);
            continue;
        }
        match state.new_watch() {
            Ok(Some(mut watch)) => {
                retry = FIRST_RETRY;
                if !online {
                    online = true;
                    state.notify(AppEvent::Connection { online: true });
                }
                if missed {
                    state.notify(AppEvent::VaultChanged);
                }
                missed = true;
                while current() {
                    match watch.wait(POLL) {
                        Ok(true) if current() => state.notify(AppEvent::VaultChanged),
                        Ok(_) => {}
                        // The connection was lost: make a new watch.
                        Err(_) => break,
                    }
                }
            }
            // Not a vault on a server: nothing to watch.
            Ok(None) => return,
            Err(_) => {
                missed = true;
                if online && current() {
                    online = false;
                    state.notify(AppEvent::Connection { online: false });
                }
                sleep_while(retry, &current);
                retry = (retry * 2).min(LONGEST_RETRY);
            }
        }
    }
}

fn sleep_while(total: Duration, current: &impl Fn() -> bool) {
    let mut left = total;
    while current() && !left.is_zero() {
        let step = left.min(POLL);
        std::thread::sleep(step);
        left -= step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_named_short_for_the_header_and_never_with_a_password() {
        let file = VaultPlace::of(Path::new("/home/ana/team/vault.db"));
        assert_eq!(file.short_name, "vault.db");
        assert_eq!(file.location, "/home/ana/team/vault.db");
        assert!(!file.on_server);
        let server = VaultPlace::of(Path::new(
            "postgres://ana:hunter2@db.example.com:5433/team?sslmode=verify-full",
        ));
        assert!(server.on_server);
        assert_eq!(server.short_name, "team @ db.example.com");
        assert_eq!(
            server.location,
            "postgres://ana@db.example.com:5433/team?sslmode=verify-full"
        );
        assert!(!server.location.contains("hunter2"));
        assert_eq!(
            VaultPlace::of(Path::new("postgres://localhost/coffer")).short_name,
            "coffer @ localhost"
        );
        assert_eq!(
            VaultPlace::of(Path::new("postgres://ana@[::1]:5432/x")).short_name,
            "x @ [::1]"
        );
    }
}

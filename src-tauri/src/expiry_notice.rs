//! Expiry notifications (issue 9): when the vault is unlocked, and then
//! once a day while it stays so, an OS notification counts the user's
//! secrets that expired or expire within the window set in Settings (the
//! core picks them: `Vault::expiring_secrets`). On Linux it goes through
//! `tauri-plugin-notification` to `org.freedesktop.Notifications` over
//! D-Bus.
//!
//! The same set is not announced twice on the same day. The notification
//! names no key (notification daemons keep a history, and key names are
//! as confidential as in the table): it gives the count and the window.
//! Clicking it cannot open the table filtered on Linux: the plugin offers
//! no click callback on desktop, so the notification only says where to
//! look (`coffer list --expiring` or the table's expiry badges).

use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::Shared;

/// How often the vault's state is looked at (a notification follows an
/// unlock within this long).
const POLL: Duration = Duration::from_secs(3);

/// What was last announced: the local day and the secrets' ids.
#[derive(Default)]
struct Memory {
    unlocked: bool,
    days: u32,
    checked_day: Option<String>,
    announced: Option<(String, Vec<i64>)>,
}

/// Today's date in local time, `YYYY-MM-DD`.
fn today() -> String {
    jiff::Zoned::now().date().to_string()
}

/// The title and body for `count` secrets within `days` days.
pub fn message(count: usize, days: u32) -> (String, String) {
    let title = if count == 1 {
        "Coffer: 1 secret needs attention".to_string()
    } else {
        format!("Coffer: {count} secrets need attention")
    };
    let body = format!(
        "{count} of your secrets {} expired or expire{} within {days} day{}. \
         Open Coffer and look for the expiry badges, or run `coffer list --expiring {days}`.",
        if count == 1 { "has" } else { "have" },
        if count == 1 { "s" } else { "" },
        if days == 1 { "" } else { "s" },
    );
    (title, body)
}

/// One look: notifies if the vault has just been unlocked, a new day
/// began or the window changed, and the set to announce is new today.
fn look<R: Runtime>(app: &AppHandle<R>, state: &Shared, memory: &Mutex<Memory>) {
    let days = state.prefs.settings().expiry_notice_days;
    // Not `with_vault`: looking is not activity, and must not hold off
    // auto-lock.
    let found = {
        let Ok(mut guard) = state.vault() else {
            return;
        };
        let Some(vault) = guard.as_mut() else {
            return;
        };
        let unlocked = vault.is_unlocked();
        let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
        // Look again after an unlock, on a new day, or with a new window.
        let fresh = unlocked && (!m.unlocked || m.days != days);
        m.unlocked = unlocked;
        m.days = days;
        let day = today();
        if !unlocked || (!fresh && m.checked_day.as_deref() == Some(day.as_str())) {
            return;
        }
        m.checked_day = Some(day.clone());
        match vault.expiring_secrets(days) {
            Ok(list) => {
                let mut ids: Vec<i64> = list.iter().map(|s| s.id).collect();
                ids.sort_unstable();
                let key = (day, ids);
                if key.1.is_empty() || m.announced.as_ref() == Some(&key) {
                    return;
                }
                m.announced = Some(key);
                list.len()
            }
            Err(_) => return,
        }
    };
    let (title, body) = message(found, days);
    let _ = app.notification().builder().title(title).body(body).show();
}

/// Starts the thread that watches for unlocks and new days.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || {
        let state = std::sync::Arc::clone(app.state::<Shared>().inner());
        let memory = Mutex::new(Memory::default());
        loop {
            look(&app, &state, &memory);
            std::thread::sleep(POLL);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_counts_and_names_no_key() {
        let (title, body) = message(3, 7);
        assert_eq!(title, "Coffer: 3 secrets need attention");
        assert!(body.starts_with("3 of your secrets have expired or expire within 7 days."));
        let (title, body) = message(1, 1);
        assert_eq!(title, "Coffer: 1 secret needs attention");
        assert!(body.starts_with("1 of your secrets has expired or expires within 1 day."));
    }
}

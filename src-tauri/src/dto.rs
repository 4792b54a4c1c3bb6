//! Types only the app's IPC needs (the rest come from coffer-core). Each is
//! mirrored into `ui/src/bindings/` by ts-rs.

use coffer_core::{KdfProfile, SessionInfo};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the UI needs at start-up to pick a screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub vault_path: String,
    pub vault_exists: bool,
    pub unlocked: bool,
    /// The user who last signed in on this machine, to prefill the form.
    pub remembered_user: Option<String>,
    /// Whether that user has a device key in the OS keyring.
    pub device_remembered: bool,
    /// Set when the OS keyring cannot be reached (the password still works).
    pub keyring_problem: Option<String>,
    pub kdf_profile: Option<KdfProfile>,
}

/// The result of signing in with a password.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnlockResult {
    pub session: SessionInfo,
    /// "Remember on this device" was asked for but the keyring refused.
    pub remember_error: Option<String>,
}

/// A revealed field. Its value reaches the web view only because the user
/// asked to see it; copying never goes through here.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct RevealedFieldView {
    pub name: String,
    pub value: String,
}

/// Where a copied value went and when it will be cleared.
// No `Debug`: field names are as confidential as keys.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct CopyReceipt {
    pub field: String,
    pub clear_after_secs: u32,
}

/// Pushed to the UI over its subscription channel.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AppEvent {
    /// The vault locked itself after the idle timeout.
    AutoLocked,
    /// A copied value was cleared from the clipboard.
    ClipboardCleared,
}

/// The first-run form.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CreateVault {
    pub owner: String,
    #[serde(default)]
    pub display_name: String,
    #[ts(type = "string")]
    pub password: coffer_core::SecretString,
}

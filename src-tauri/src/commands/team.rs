//! Team vaults: where the app's vault is, reconnecting to its server, and
//! moving a file vault onto a server.

use std::path::PathBuf;

use coffer_core::{ErrorCode, Vault};
use tauri::State;

use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, blocking};
use crate::team::{MovedVault, VaultLocations, VaultPlace, start_change_watch};

/// The open vault and the ones opened lately. Never touches the vault
/// (answers even when its server is unreachable).
#[tauri::command]
pub async fn vault_locations(state: State<'_, Shared>) -> ApiResult<VaultLocations> {
    let current = VaultPlace::of(&state.vault_path());
    let mut recent: Vec<VaultPlace> = state
        .prefs
        .recent_vaults()
        .iter()
        .map(|p| VaultPlace::of(p))
        .collect();
    if !recent.contains(&current) {
        recent.insert(0, current.clone());
    }
    Ok(VaultLocations { current, recent })
}

/// Opens an existing vault (a file, or a `postgres://` URL: connecting is
/// the test) instead of the current one, and remembers it.
#[tauri::command]
pub async fn open_vault(state: State<'_, Shared>, path: String) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.switch_vault(PathBuf::from(path.trim()))?;
        start_change_watch(s);
        Ok(())
    })
    .await
}

/// Tries the open vault's server again (fails within 3 s while it is
/// unreachable); on success the change watch starts afresh.
#[tauri::command]
pub async fn reconnect(state: State<'_, Shared>) -> ApiResult<()> {
    blocking(&state, |s| {
        drop(s.new_watch()?);
        start_change_watch(s);
        Ok(())
    })
    .await
}

/// Copies the open file vault into an empty PostgreSQL database (all or
/// nothing, checked by the core), then works on the copy. The file is left
/// as it was. For the owner and admins.
#[tauri::command]
pub async fn move_vault_to_server(state: State<'_, Shared>, url: String) -> ApiResult<MovedVault> {
    blocking(&state, move |s| {
        let from = s.vault_path();
        let to = PathBuf::from(url.trim());
        if !Vault::is_server_location(&to) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "enter the postgres:// URL of an empty database",
            ));
        }
        let role = s.with_vault(Vault::session_info)?.user.role;
        if !role.is_admin() {
            return Err(ApiError::new(
                ErrorCode::PermissionDenied,
                "only the owner or an admin can move the vault",
            ));
        }
        let report = Vault::copy(&from, &to, &s.vault_options)?;
        s.switch_vault(to.clone())?;
        start_change_watch(s);
        Ok(MovedVault {
            from: VaultPlace::of(&from),
            to: VaultPlace::of(&to),
            rows: report.rows,
            fingerprint: report.fingerprint,
        })
    })
    .await
}

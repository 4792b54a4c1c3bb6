//! Start-up, vault creation, signing in and out, settings.

use coffer_core::{
    AppEvent, AppStatus, CreateVault, DeviceInfo, ErrorCode, InitOptions, KdfChoice, PasswordCheck,
    SecretString, SessionInfo, Settings, UnlockResult, Vault,
};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, blocking};

#[tauri::command]
pub async fn app_status(state: State<'_, Shared>) -> ApiResult<AppStatus> {
    blocking(&state, |s| {
        let guard = s.vault()?;
        let vault = guard.as_ref();
        let remembered_user = vault.and_then(|v| s.prefs.remembered_user(v.id()));
        let device = match (vault, &remembered_user) {
            (Some(v), Some(u)) => v
                .device_remembered(s.keyring.as_ref(), u)
                .map_err(|e| e.to_string()),
            _ => Ok(false),
        };
        Ok(AppStatus {
            vault_path: s.vault_path().display().to_string(),
            vault_exists: vault.is_some(),
            unlocked: vault.is_some_and(Vault::is_unlocked),
            remembered_user,
            device_remembered: *device.as_ref().unwrap_or(&false),
            keyring_problem: device.err(),
            kdf_profile: vault.map(Vault::kdf_profile),
            locked_by_user: vault.is_some_and(|v| s.prefs.locked(v.id())),
        })
    })
    .await
}

/// Opens the channel the app pushes events on (auto-lock, clipboard
/// cleared). Channels need no extra capability.
#[tauri::command]
pub async fn subscribe(state: State<'_, Shared>, on_event: Channel<AppEvent>) -> ApiResult<()> {
    state.set_channel(on_event);
    Ok(())
}

/// User activity in the window postpones auto-lock.
#[tauri::command]
pub async fn touch(state: State<'_, Shared>) -> ApiResult<()> {
    state.touch();
    Ok(())
}

#[tauri::command]
pub async fn create_vault(state: State<'_, Shared>, form: CreateVault) -> ApiResult<SessionInfo> {
    blocking(&state, move |s| {
        let mut guard = s.vault()?;
        if guard.is_some() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "a vault already exists here: sign in instead",
            ));
        }
        let owner = form.owner.trim().to_string();
        let options = InitOptions {
            owner: owner.clone(),
            display_name: form.display_name,
            password: form.password,
            kdf: KdfChoice::Calibrate,
        };
        let vault = guard.insert(Vault::create_with(
            &s.vault_path(),
            options,
            &s.vault_options,
        )?);
        let _ = s.prefs.set_remembered_user(vault.id(), Some(&owner));
        s.touch();
        let info = vault.session_info()?;
        drop(guard);
        crate::team::start_change_watch(s);
        Ok(info)
    })
    .await
}

#[tauri::command]
pub async fn unlock(
    state: State<'_, Shared>,
    username: String,
    password: SecretString,
    remember: bool,
) -> ApiResult<UnlockResult> {
    blocking(&state, move |s| {
        let username = username.trim().to_string();
        let session = s.with_vault(|v| v.unlock_with_password(&username, &password))?;
        let _ = s.prefs.set_locked(&session.vault_id, false);
        let remember_error = if remember {
            s.with_vault(|v| v.remember_device(s.keyring.as_ref(), "Coffer desktop app"))
                .err()
                .map(|e| e.message)
        } else {
            None
        };
        let _ = s.with_vault(|v| {
            s.prefs
                .set_remembered_user(v.id(), Some(&session.user.username))
        });
        Ok(UnlockResult {
            session,
            remember_error,
        })
    })
    .await
}

#[tauri::command]
pub async fn unlock_with_device(
    state: State<'_, Shared>,
    username: String,
) -> ApiResult<Option<SessionInfo>> {
    blocking(&state, move |s| {
        let session =
            s.with_vault(|v| v.unlock_with_device(s.keyring.as_ref(), username.trim()))?;
        if let Some(info) = &session {
            let _ = s.prefs.set_locked(&info.vault_id, false);
        }
        Ok(session)
    })
    .await
}

#[tauri::command]
pub async fn forget_device(state: State<'_, Shared>, username: String) -> ApiResult<bool> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.forget_device(s.keyring.as_ref(), username.trim()))
    })
    .await
}

#[tauri::command]
pub async fn lock(state: State<'_, Shared>) -> ApiResult<()> {
    blocking(&state, |s| {
        s.lock_now();
        Ok(())
    })
    .await
}

/// Signs out: locks, and forgets this machine's default user, so the
/// sign-in form starts empty for whoever comes next.
#[tauri::command]
pub async fn sign_out(state: State<'_, Shared>) -> ApiResult<()> {
    blocking(&state, |s| {
        s.lock_now();
        let id = s.vault()?.as_ref().map(|v| v.id().to_string());
        if let Some(id) = id {
            s.prefs.set_remembered_user(&id, None)?;
        }
        Ok(())
    })
    .await
}

/// How a password measures up to the rule for new ones (`context`: the
/// username and display name it must not lean on).
#[tauri::command]
pub async fn check_password(
    _state: State<'_, Shared>,
    password: SecretString,
    context: Vec<String>,
) -> ApiResult<PasswordCheck> {
    let words: Vec<&str> = context.iter().map(String::as_str).collect();
    Ok(coffer_core::check_password(&password, &words))
}

#[tauri::command]
pub async fn session(state: State<'_, Shared>) -> ApiResult<SessionInfo> {
    blocking(&state, |s| s.with_vault(Vault::session_info)).await
}

/// Changes the signed-in user's password; with `sign_out_other_devices`,
/// every device remembered for them but this one is signed out.
#[tauri::command]
pub async fn change_password(
    state: State<'_, Shared>,
    current: SecretString,
    new: SecretString,
    sign_out_other_devices: bool,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| {
            v.change_password_with(
                &current,
                &new,
                sign_out_other_devices,
                Some(s.keyring.as_ref()),
            )
        })
    })
    .await
}

/// The signed-in user's remembered devices.
#[tauri::command]
pub async fn list_devices(state: State<'_, Shared>) -> ApiResult<Vec<DeviceInfo>> {
    blocking(&state, |s| s.with_vault(Vault::devices)).await
}

/// Signs one of the user's remembered devices out.
#[tauri::command]
pub async fn revoke_device(state: State<'_, Shared>, id: i64) -> ApiResult<()> {
    blocking(&state, move |s| s.with_vault(|v| v.revoke_device(id))).await
}

#[tauri::command]
pub async fn get_settings(state: State<'_, Shared>) -> ApiResult<Settings> {
    Ok(state.prefs.settings())
}

#[tauri::command]
pub async fn set_settings(state: State<'_, Shared>, settings: Settings) -> ApiResult<()> {
    blocking(&state, move |s| Ok(s.prefs.set_settings(settings)?)).await
}

//! Files the app writes for the user: an export of their secrets and the
//! audit screen's CSV. Both go through Rust, not a download from the web
//! view (WebKitGTK does not save Blob downloads), to a path the user
//! typed (no dialog plugin: the capability stays Coffer's own commands),
//! with mode 0600 from creation (see `coffer_core::private_file`).

use coffer_core::private_file::{resolve_typed_path, suggested_path, write_private};
use coffer_core::{ExportFormat, ExposeSecret, SavedExport, SecretString};
use tauri::State;

use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, blocking};

/// Where to suggest saving `file_name`: the Downloads folder, else home.
#[tauri::command]
pub async fn suggest_save_path(_state: State<'_, Shared>, file_name: String) -> ApiResult<String> {
    let name = file_name.trim();
    if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return Err(ApiError::new(
            coffer_core::ErrorCode::InvalidInput,
            "a file name, without folders",
        ));
    }
    Ok(suggested_path(name).display().to_string())
}

/// Exports every secret the user can read to `path`, after their password.
#[tauri::command]
pub async fn export_secrets(
    state: State<'_, Shared>,
    password: SecretString,
    format: ExportFormat,
    path: String,
    overwrite: bool,
) -> ApiResult<SavedExport> {
    blocking(&state, move |s| {
        let path = resolve_typed_path(&path)?;
        let (text, report) = s.with_vault(|v| v.export(&password, format))?;
        // Exposed only to write the file the user asked for.
        write_private(&path, text.expose_secret().as_bytes(), overwrite)?;
        Ok(SavedExport {
            path: path.display().to_string(),
            report,
        })
    })
    .await
}

/// Saves the audit screen's CSV (which holds only entries the user was
/// shown) to `path`; returns where it went.
#[tauri::command]
pub async fn save_audit_csv(
    state: State<'_, Shared>,
    path: String,
    csv: String,
    overwrite: bool,
) -> ApiResult<String> {
    blocking(&state, move |s| {
        s.with_vault(|v| {
            if v.is_unlocked() {
                Ok(())
            } else {
                Err(coffer_core::Error::AuthFailed(
                    "the vault is locked: sign in first".into(),
                ))
            }
        })?;
        let path = resolve_typed_path(&path)?;
        write_private(&path, csv.as_bytes(), overwrite)?;
        Ok(path.display().to_string())
    })
    .await
}

//! The secrets table and everything done to one secret.

use coffer_core::{
    CopyReceipt, Explanation, ListQuery, NewSecret, NewUsage, RevealedFieldView, SecretId,
    SecretSummary, SecretUpdate, Usage, VersionInfo,
};
use tauri::State;

use crate::error::ApiResult;
use crate::state::{Shared, blocking, copy_and_clear};

#[tauri::command]
pub async fn list_secrets(
    state: State<'_, Shared>,
    query: ListQuery,
) -> ApiResult<Vec<SecretSummary>> {
    blocking(&state, move |s| s.with_vault(|v| v.list_secrets(&query))).await
}

#[tauri::command]
pub async fn secret(state: State<'_, Shared>, id: SecretId) -> ApiResult<SecretSummary> {
    blocking(&state, move |s| s.with_vault(|v| v.secret(id))).await
}

/// Values for the show/hide toggle: the one place values enter the web view.
#[tauri::command]
pub async fn reveal_secret(
    state: State<'_, Shared>,
    id: SecretId,
) -> ApiResult<Vec<RevealedFieldView>> {
    blocking(&state, move |s| {
        let fields = s.with_vault(|v| v.reveal(id))?;
        Ok(fields.into_iter().map(RevealedFieldView::from).collect())
    })
    .await
}

/// Copies one field to the clipboard from here, never via the web view,
/// and schedules clearing it.
#[tauri::command]
pub async fn copy_field(
    state: State<'_, Shared>,
    id: SecretId,
    field: String,
) -> ApiResult<CopyReceipt> {
    blocking(&state, move |s| {
        let value = s.with_vault(|v| v.copy_value(id, &field))?;
        copy_and_clear(s, &value, &field)
    })
    .await
}

/// Copies every field as `.env` lines (see `coffer_core::dotenv`), from
/// here like a single field, and schedules clearing it.
#[tauri::command]
pub async fn copy_as_env(state: State<'_, Shared>, id: SecretId) -> ApiResult<CopyReceipt> {
    blocking(&state, move |s| {
        let text = s.with_vault(|v| v.copy_as_env(id))?;
        copy_and_clear(s, &text, ".env")
    })
    .await
}

#[tauri::command]
pub async fn create_secret(state: State<'_, Shared>, secret: NewSecret) -> ApiResult<SecretId> {
    blocking(&state, move |s| s.with_vault(|v| v.create_secret(secret))).await
}

#[tauri::command]
pub async fn update_secret(
    state: State<'_, Shared>,
    id: SecretId,
    update: SecretUpdate,
) -> ApiResult<SecretSummary> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.update_secret(id, update))
    })
    .await
}

/// `expected_version`: the version the user was shown; when someone saved
/// a newer one since, nothing is deleted (a `conflict` with that version).
#[tauri::command]
pub async fn delete_secret(
    state: State<'_, Shared>,
    id: SecretId,
    expected_version: Option<i64>,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.delete_secret(id, expected_version))
    })
    .await
}

/// Returns the usages to warn about when deactivating a secret in use.
#[tauri::command]
pub async fn set_secret_active(
    state: State<'_, Shared>,
    id: SecretId,
    active: bool,
) -> ApiResult<Vec<String>> {
    blocking(&state, move |s| s.with_vault(|v| v.set_active(id, active))).await
}

/// "Who gets what": every candidate for a key and the winner.
#[tauri::command]
pub async fn explain(
    state: State<'_, Shared>,
    key: String,
    department: Option<String>,
    as_user: Option<String>,
) -> ApiResult<Explanation> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.explain(&key, department.as_deref(), as_user.as_deref()))
    })
    .await
}

#[tauri::command]
pub async fn history(state: State<'_, Shared>, id: SecretId) -> ApiResult<Vec<VersionInfo>> {
    blocking(&state, move |s| s.with_vault(|v| v.history(id))).await
}

#[tauri::command]
pub async fn restore_version(
    state: State<'_, Shared>,
    id: SecretId,
    version: i64,
) -> ApiResult<SecretSummary> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.restore_version(id, version))
    })
    .await
}

#[tauri::command]
pub async fn list_usages(state: State<'_, Shared>, id: SecretId) -> ApiResult<Vec<Usage>> {
    blocking(&state, move |s| s.with_vault(|v| v.usages(id))).await
}

#[tauri::command]
pub async fn add_usage(state: State<'_, Shared>, id: SecretId, usage: NewUsage) -> ApiResult<i64> {
    blocking(&state, move |s| s.with_vault(|v| v.add_usage(id, usage))).await
}

#[tauri::command]
pub async fn remove_usage(state: State<'_, Shared>, usage_id: i64) -> ApiResult<()> {
    blocking(&state, move |s| s.with_vault(|v| v.remove_usage(usage_id))).await
}

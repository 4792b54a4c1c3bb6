//! Users and departments (the core refuses members).

use coffer_core::{
    AuditCheck, AuditEntry, AuditQuery, Department, MembershipUpdate, NewUser, Role, UserInfo,
};
use tauri::State;

use crate::error::ApiResult;
use crate::state::{Shared, blocking};

#[tauri::command]
pub async fn list_departments(state: State<'_, Shared>) -> ApiResult<Vec<Department>> {
    blocking(&state, |s| s.with_vault(|v| v.departments())).await
}

#[tauri::command]
pub async fn add_department(
    state: State<'_, Shared>,
    code: String,
    name: String,
) -> ApiResult<Department> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.add_department(&code, &name))
    })
    .await
}

#[tauri::command]
pub async fn rename_department(
    state: State<'_, Shared>,
    code: String,
    name: String,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.rename_department(&code, &name))
    })
    .await
}

#[tauri::command]
pub async fn list_users(state: State<'_, Shared>) -> ApiResult<Vec<UserInfo>> {
    blocking(&state, |s| s.with_vault(|v| v.users())).await
}

#[tauri::command]
pub async fn add_user(state: State<'_, Shared>, user: NewUser) -> ApiResult<UserInfo> {
    blocking(&state, move |s| s.with_vault(|v| v.add_user(user))).await
}

#[tauri::command]
pub async fn set_user_role(
    state: State<'_, Shared>,
    username: String,
    role: Role,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.set_role(&username, role))
    })
    .await
}

#[tauri::command]
pub async fn set_user_memberships(
    state: State<'_, Shared>,
    username: String,
    update: MembershipUpdate,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.set_memberships(&username, update))
    })
    .await
}

#[tauri::command]
pub async fn set_user_disabled(
    state: State<'_, Shared>,
    username: String,
    disabled: bool,
) -> ApiResult<()> {
    blocking(&state, move |s| {
        s.with_vault(|v| v.set_disabled(&username, disabled))
    })
    .await
}

/// A random initial password for a new user (20 characters, about 115
/// bits), made by the core so the UI holds no generator of its own.
#[tauri::command]
pub async fn generate_password(_state: State<'_, Shared>) -> ApiResult<String> {
    use coffer_core::ExposeSecret;
    Ok(coffer_core::generate_password().expose_secret().to_owned())
}

/// Audit log entries, newest first (members: their own).
#[tauri::command]
pub async fn audit_log(state: State<'_, Shared>, query: AuditQuery) -> ApiResult<Vec<AuditEntry>> {
    blocking(&state, move |s| s.with_vault(|v| v.audit_log(&query))).await
}

/// Checks the whole audit log (admins); the error names the first bad entry.
#[tauri::command]
pub async fn verify_audit(state: State<'_, Shared>) -> ApiResult<AuditCheck> {
    blocking(&state, |s| s.with_vault(|v| v.verify_audit())).await
}

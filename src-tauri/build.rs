//! Tauri's build step. The config lives at the repository root, and the
//! app declares its commands so that `capabilities/main.json` can allow
//! exactly these and nothing else.

/// Every `#[tauri::command]` of the app; keep in step with `lib.rs`.
const COMMANDS: &[&str] = &[
    "app_status",
    "subscribe",
    "touch",
    "create_vault",
    "unlock",
    "unlock_with_device",
    "forget_device",
    "lock",
    "session",
    "change_password",
    "list_devices",
    "revoke_device",
    "get_settings",
    "set_settings",
    "list_secrets",
    "secret",
    "reveal_secret",
    "copy_field",
    "create_secret",
    "update_secret",
    "delete_secret",
    "set_secret_active",
    "explain",
    "history",
    "restore_version",
    "list_usages",
    "add_usage",
    "remove_usage",
    "list_departments",
    "add_department",
    "rename_department",
    "list_users",
    "add_user",
    "set_user_role",
    "set_user_memberships",
    "set_user_disabled",
    "generate_password",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}

//! The Coffer desktop app: a thin Tauri v2 shell over `coffer-core`.
//!
//! [`configure`] wires state and commands onto any Tauri builder, so the
//! command layer can be tested headless with Tauri's mock runtime;
//! [`run`] starts the real app.

pub mod clipboard;
pub mod commands;
pub mod dto;
pub mod error;
pub mod state;

use std::sync::Arc;

use tauri::{Manager, Runtime};

use crate::commands::{admin, secrets, session};
use crate::state::{AppState, Shared, start_watchdog};

/// Adds Coffer's state and commands to a builder.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let shared: Shared = Arc::new(state);
    builder
        .manage(shared)
        .setup(|app| {
            start_watchdog(Arc::clone(app.state::<Shared>().inner()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session::app_status,
            session::subscribe,
            session::touch,
            session::create_vault,
            session::unlock,
            session::unlock_with_device,
            session::forget_device,
            session::lock,
            session::session,
            session::change_password,
            session::list_devices,
            session::revoke_device,
            session::get_settings,
            session::set_settings,
            secrets::list_secrets,
            secrets::secret,
            secrets::reveal_secret,
            secrets::copy_field,
            secrets::create_secret,
            secrets::update_secret,
            secrets::delete_secret,
            secrets::set_secret_active,
            secrets::explain,
            secrets::history,
            secrets::restore_version,
            secrets::list_usages,
            secrets::add_usage,
            secrets::remove_usage,
            admin::list_departments,
            admin::add_department,
            admin::rename_department,
            admin::list_users,
            admin::add_user,
            admin::set_user_role,
            admin::set_user_memberships,
            admin::set_user_disabled,
        ])
}

/// Starts the desktop app.
pub fn run() {
    let app = configure(tauri::Builder::default(), AppState::from_env())
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Never leave a value behind on the clipboard.
                handle.state::<Shared>().lock_now();
            }
        }),
        Err(e) => {
            eprintln!("coffer: the app could not start: {e}");
            std::process::exit(1);
        }
    }
}

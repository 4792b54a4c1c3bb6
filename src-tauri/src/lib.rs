//! The Coffer desktop app: a thin Tauri v2 shell over `coffer-core`.
//!
//! [`configure`] wires state and commands onto any Tauri builder, so the
//! command layer can be tested headless with Tauri's mock runtime;
//! [`run`] starts the real app.

pub mod clipboard;
pub mod commands;
pub mod error;
pub mod expiry_notice;
pub mod ipc;
pub mod state;
pub mod team;

use std::sync::Arc;

use tauri::{Manager, Runtime};

use crate::state::{AppState, Shared, start_watchdog};

/// Adds Coffer's state and commands to a builder.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let shared: Shared = Arc::new(state);
    builder
        .manage(shared)
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            start_watchdog(Arc::clone(app.state::<Shared>().inner()));
            team::start_change_watch(app.state::<Shared>().inner());
            expiry_notice::start(app.handle().clone());
            Ok(())
        })
        .invoke_handler(ipc::handler())
}

/// Starts the desktop app.
pub fn run() {
    let app = configure(tauri::Builder::default(), AppState::from_env())
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Never leave a value behind on the clipboard.
                handle.state::<Shared>().shut_down();
            }
        }),
        Err(e) => {
            eprintln!("coffer: the app could not start: {e}");
            std::process::exit(1);
        }
    }
}

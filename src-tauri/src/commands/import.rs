//! Import: the file is read here, by Rust, from a path the user typed
//! (as for export: no dialog plugin, so the capability stays Coffer's own
//! commands); the core parses, plans and imports it (`Vault::import`).
//! Progress goes to the UI over its event subscription.

use coffer_core::{
    AppEvent, ErrorCode, ImportFormat, ImportOptions, ImportPreview, ImportReport, ImportSource,
    SecretString,
};
use tauri::State;

use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, blocking};

/// Larger files are refused before reading (a 10,000-entry export is a
/// few MiB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

fn source(
    path: &str,
    format: Option<ImportFormat>,
    password: Option<SecretString>,
) -> ApiResult<ImportSource> {
    // A file to read: the full path, or one under ~/ (the save-path rule
    // of `resolve_typed_path` is about a folder to write into).
    let typed = path.trim();
    let path = match typed.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(rest))
            .unwrap_or_default(),
        None => std::path::PathBuf::from(typed),
    };
    if typed.is_empty() || !path.is_absolute() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "give the full path of the file to import (for example ~/Downloads/export.csv)",
        ));
    }
    let io = |e: std::io::Error| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorCode::NotFound
        } else {
            ErrorCode::Io
        };
        ApiError::new(
            code,
            format!("cannot read {}: {}", path.display(), e.kind()),
        )
    };
    if std::fs::metadata(&path).map_err(io)?.len() > MAX_FILE_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the file is larger than 64 MiB",
        ));
    }
    let bytes = std::fs::read(&path).map_err(io)?;
    Ok(ImportSource {
        bytes,
        format,
        password,
    })
}

/// What importing the file would do, entry by entry.
#[tauri::command]
pub async fn import_preview(
    state: State<'_, Shared>,
    path: String,
    format: Option<ImportFormat>,
    password: Option<SecretString>,
    options: ImportOptions,
) -> ApiResult<ImportPreview> {
    blocking(&state, move |s| {
        let src = source(&path, format, password)?;
        s.with_vault(|v| v.import_preview(&src, &options))
    })
    .await
}

/// Imports the file, all or nothing, telling the UI how far it got.
#[tauri::command]
pub async fn import_secrets(
    state: State<'_, Shared>,
    path: String,
    format: Option<ImportFormat>,
    password: Option<SecretString>,
    options: ImportOptions,
) -> ApiResult<ImportReport> {
    blocking(&state, move |s| {
        let src = source(&path, format, password)?;
        s.with_vault(|v| {
            v.import(&src, &options, &mut |done, total| {
                s.notify(AppEvent::ImportProgress { done, total });
            })
        })
    })
    .await
}

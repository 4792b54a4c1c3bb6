//! Copying values without them passing through the web view.
//!
//! The value goes from the core straight to the system clipboard, marked
//! as a password (`x-kde-passwordManagerHint: secret` on Linux, the
//! history/cloud exclusion formats on Windows, the concealed type on macOS)
//! so clipboard managers skip it. After the configured delay it is cleared,
//! but only if the clipboard still holds it: a fingerprint with a
//! per-process key is kept, never the value. On X11 the clipboard must be
//! served by a live process, so one `arboard::Clipboard` lives as long as
//! the app; arboard uses the Wayland data-control protocol when available.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use coffer_core::{ErrorCode, ExposeSecret, Fingerprint, SecretString};

use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct Clipboard {
    board: Mutex<Option<arboard::Clipboard>>,
    /// Fingerprint of the last value copied, while it may still be there.
    last: Mutex<Option<Fingerprint>>,
    /// Bumped on every copy, so only the latest copy's timer clears.
    generation: AtomicU64,
}

fn unavailable(e: arboard::Error) -> ApiError {
    let why = match e {
        arboard::Error::ClipboardNotSupported => "not supported here".to_string(),
        arboard::Error::ClipboardOccupied => "another program holds it".to_string(),
        other => other.to_string().chars().take(120).collect(),
    };
    ApiError::new(
        ErrorCode::Io,
        format!("the clipboard is not available ({why})"),
    )
}

impl Clipboard {
    fn with_board<T>(
        &self,
        f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>,
    ) -> ApiResult<T> {
        let mut guard = self.board.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new().map_err(unavailable)?);
        }
        match guard.as_mut() {
            Some(board) => f(board).map_err(unavailable),
            None => Err(ApiError::new(
                ErrorCode::Io,
                "the clipboard is not available",
            )),
        }
    }

    /// Puts a value on the clipboard as password content; returns the
    /// generation that a later [`Clipboard::clear_if_unchanged`] must match.
    pub fn copy(&self, value: &SecretString) -> ApiResult<u64> {
        let text = value.expose_secret(); // leaves the app only for the clipboard
        self.with_board(|b| set_secret_text(b, text))?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(Fingerprint::of(text));
        Ok(self.generation.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Clears the clipboard if it still holds the value of copy
    /// `generation` (pass `None` to match any value Coffer copied, e.g. on
    /// lock). Returns whether it cleared.
    pub fn clear_if_unchanged(&self, generation: Option<u64>) -> bool {
        if generation.is_some_and(|g| g != self.generation.load(Ordering::SeqCst)) {
            return false;
        }
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let Some(fp) = last.as_ref() else {
            return false;
        };
        let still_ours = self
            .with_board(|b| b.get_text())
            .map(|t| fp.matches(&t))
            .unwrap_or(false);
        let cleared = still_ours && self.with_board(|b| b.clear()).is_ok();
        *last = None;
        cleared
    }
}

#[cfg(target_os = "linux")]
fn set_secret_text(b: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    b.set().exclude_from_history().text(text.to_owned())
}

#[cfg(target_os = "windows")]
fn set_secret_text(b: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtWindows;
    b.set()
        .exclude_from_cloud()
        .exclude_from_history()
        .exclude_from_monitoring()
        .text(text.to_owned())
}

#[cfg(target_os = "macos")]
fn set_secret_text(b: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtApple;
    b.set().exclude_from_history().text(text.to_owned())
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn set_secret_text(b: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    b.set_text(text.to_owned())
}

//! Writing a file only its owner can read (exports, audit CSV): for the
//! CLI and the app alike.
//!
//! The bytes go to a new temporary file in the same folder, created
//! exclusively (`O_EXCL`) with mode 0600 from the start, so the data is
//! never readable by anyone else, not even for a moment; it is synced,
//! then moved into place in one step. Without `overwrite` the move is a
//! hard link, which fails if the name exists, so nothing is replaced; with
//! it, a rename replaces the old file atomically. A failure leaves no
//! temporary file behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn io(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Io(format!("cannot {what} {}: {}", path.display(), e.kind()))
}

fn create_exclusive(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// A temporary name beside `path` nobody else is using.
fn temp_beside(path: &Path) -> Result<(PathBuf, File)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("give a file name to write to, not a folder"))?
        .to_string_lossy()
        .into_owned();
    for _ in 0..16 {
        let [a, b, c, d] = crate::crypto::random_bytes::<4>();
        let tmp = dir.join(format!(".{name}.{a:02x}{b:02x}{c:02x}{d:02x}.tmp"));
        match create_exclusive(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("write a file in", &dir, &e)),
        }
    }
    Err(Error::Io(format!(
        "cannot find a free temporary name in {}",
        dir.display()
    )))
}

/// Writes `bytes` to `path` with mode 0600 (see the module doc). Refuses
/// to replace an existing file unless `overwrite`.
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    if path.is_dir() {
        return Err(Error::invalid(format!(
            "{} is a folder: give a file name",
            path.display()
        )));
    }
    if !overwrite && path.symlink_metadata().is_ok() {
        return Err(Error::Conflict(format!(
            "{} exists already: choose another name (or --force to replace it)",
            path.display()
        )));
    }
    let (tmp, mut file) = temp_beside(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", &tmp, &e))
        .and_then(|()| {
            drop(file);
            if overwrite {
                std::fs::rename(&tmp, path).map_err(|e| io("write", path, &e))
            } else {
                std::fs::hard_link(&tmp, path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        Error::Conflict(format!(
                            "{} exists already: choose another name (or --force to replace it)",
                            path.display()
                        ))
                    } else {
                        io("write", path, &e)
                    }
                })
            }
        });
    // After a rename the temporary name is gone already; after a link (or
    // a failure) it is removed here.
    let _ = std::fs::remove_file(&tmp);
    written
}

/// Where the app suggests saving a file named `file_name`: the user's
/// Downloads folder when there is one, else their home folder.
pub fn suggested_path(file_name: &str) -> PathBuf {
    let dirs = directories::UserDirs::new();
    let folder = dirs
        .as_ref()
        .and_then(|d| {
            d.download_dir()
                .filter(|p| p.is_dir())
                .map(Path::to_path_buf)
        })
        .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."));
    folder.join(file_name)
}

/// A path a person typed: `~/` expanded to their home folder; anything
/// else must be absolute (an app has no meaningful working folder).
pub fn resolve_typed_path(typed: &str) -> Result<PathBuf> {
    let typed = typed.trim();
    let path = match typed.strip_prefix("~/") {
        Some(rest) => directories::UserDirs::new()
            .map(|d| d.home_dir().join(rest))
            .ok_or_else(|| Error::invalid("cannot find your home folder: give the full path"))?,
        None => PathBuf::from(typed),
    };
    if typed.is_empty() || !path.is_absolute() {
        return Err(Error::invalid(
            "give the full path of the file to write (for example ~/Downloads/export.json)",
        ));
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(path),
        _ => Err(Error::invalid(
            "the folder to save into does not exist: choose an existing folder",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_never_replaced_by_accident() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.json");
        write_private(&path, b"one", false).expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_private(&path, b"two", false).expect_err("exists");
        assert_eq!(again.code(), crate::ErrorCode::Conflict);
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        write_private(&path, b"two", true).expect("overwrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
        assert!(write_private(dir.path(), b"x", true).is_err());
    }
}

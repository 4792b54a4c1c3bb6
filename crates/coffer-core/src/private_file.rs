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

//! Running the command of `coffer run`: finding it, starting it with its
//! environment, forwarding signals, masking its output, and its exit
//! status as coffer's (as shells report them: a signal N is 128 + N, a
//! command not found 127, one that cannot be executed 126).

mod pump;
mod signals;

use std::ffi::{OsStr, OsString};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use coffer_core::mask::Masker;
use rustix::fs::Access;

use pump::{Plan, Sink};

/// Why the command cannot start, with the status a shell would give.
pub struct CannotRun {
    pub status: u8,
    pub message: String,
}

fn cannot(status: u8, program: &OsStr, why: &str) -> CannotRun {
    CannotRun {
        status,
        message: format!("cannot run {}: {why}", Path::new(program).display()),
    }
}

/// The program's file name, for the audit log: never its folder or its
/// arguments (either may hold something secret).
pub fn program_name(program: &OsStr) -> String {
    Path::new(program)
        .file_name()
        .map_or_else(|| "?".into(), |n| n.to_string_lossy().into_owned())
}

fn executable(path: &Path) -> bool {
    path.is_file() && rustix::fs::access(path, Access::EXEC_OK).is_ok()
}

/// Checks, before anything is unlocked, that the command exists and can
/// be executed, searching `path` (the PATH the child will get) as execvp
/// does.
pub fn locate(program: &OsStr, path: Option<&OsStr>) -> Result<(), CannotRun> {
    if program.is_empty() {
        return Err(CannotRun {
            status: 127,
            message: "the command is empty".into(),
        });
    }
    let as_path = Path::new(program);
    if as_path.components().count() > 1 || program.as_encoded_bytes().contains(&b'/') {
        return if !as_path.exists() {
            Err(cannot(127, program, "no such file"))
        } else if executable(as_path) {
            Ok(())
        } else {
            Err(cannot(
                126,
                program,
                "not an executable file (check its permissions)",
            ))
        };
    }
    let mut found_but_not_executable = false;
    // Without PATH, execvp searches the system's default path.
    let path = path.unwrap_or(OsStr::new("/bin:/usr/bin"));
    for dir in std::env::split_paths(path) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let candidate = dir.join(program);
        if executable(&candidate) {
            return Ok(());
        }
        found_but_not_executable |= candidate.is_file();
    }
    if found_but_not_executable {
        Err(cannot(
            126,
            program,
            "found, but not executable (check its permissions)",
        ))
    } else {
        Err(cannot(127, program, "command not found"))
    }
}

/// What to run.
pub struct Launch<'a> {
    pub command: &'a [OsString],
    /// Variables to set (beyond coffer's own environment).
    pub set: Vec<(&'a str, &'a OsStr)>,
    /// Variables to leave out of the child's environment.
    pub remove: &'a [&'a str],
    /// The maskers for stdout and stderr, or `None` to pass output on
    /// untouched (the child then writes to coffer's streams itself).
    pub maskers: Option<[Masker; 2]>,
}

/// coffer's exit status for the child's.
fn status_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(255),
        (None, None) => 1,
    }
}

/// Runs the command to its end and returns the status to exit with.
pub fn run(launch: Launch) -> Result<u8, CannotRun> {
    let Some((program, args)) = launch.command.split_first() else {
        return Err(CannotRun {
            status: 127,
            message: "no command given: put it after --".into(),
        });
    };
    let io_error = |e: std::io::Error| cannot(126, program, &e.kind().to_string());
    let mut plans = Vec::new();
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::inherit());
    for name in launch.remove {
        cmd.env_remove(name);
    }
    for (name, value) in &launch.set {
        cmd.env(name, value);
    }
    drop(launch.set);
    if launch.maskers.is_some() {
        let (out, out_io) = Plan::new(Sink::Stdout);
        let (err, err_io) = Plan::new(Sink::Stderr);
        cmd.stdout(out_io).stderr(err_io);
        plans.push(out);
        plans.push(err);
    }
    let resize: Vec<_> = plans.iter().filter_map(Plan::resize_pair).collect();
    let catcher = signals::Catcher::install().map_err(io_error)?;
    let spawned = cmd.spawn();
    // The child's ends of its streams (and our copy of its environment)
    // go now: a stream reads as ended only when no one else holds it.
    drop(cmd);
    let mut child = spawned.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => cannot(127, program, "command not found"),
        std::io::ErrorKind::PermissionDenied => {
            cannot(126, program, "permission denied (not executable)")
        }
        _ => cannot(126, program, &e.to_string()),
    })?;
    let forwarder = catcher.forward(&child, resize);
    let status = match launch.maskers {
        Some(maskers) => pump::pump(&mut child, plans.into_iter().zip(maskers).collect()),
        None => child.wait(),
    };
    forwarder.stop();
    let status = status.map_err(|e| CannotRun {
        status: 1,
        message: format!("lost track of the command: {}", e.kind()),
    })?;
    Ok(status_code(status))
}

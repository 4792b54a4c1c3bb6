//! The child's output, masked on its way to coffer's stdout and stderr.
//!
//! Each stream gets what keeps the child behaving as it would without
//! coffer: where coffer's own stream is a terminal, a pseudo-terminal (the
//! child sees a terminal, so it keeps its colours and line buffering);
//! elsewhere a pipe (a child writing to a file or pipe block-buffers
//! anyway). The pseudo-terminal is only an output device: the child stays
//! on coffer's terminal for input and job control (see `signals`), and
//! output processing is off on it, so bytes arrive exactly as written
//! (coffer's own terminal turns `\n` into `\r\n` as usual).
//!
//! One thread reads both streams with poll(2) and writes what the maskers
//! pass on at once, so nothing waits for a buffer to fill.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use coffer_core::mask::Masker;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{
    OptionalActions, OutputModes, tcgetattr, tcgetwinsize, tcsetattr, tcsetwinsize,
};

/// Which of coffer's streams.
#[derive(Clone, Copy)]
pub enum Sink {
    Stdout,
    Stderr,
}

impl Sink {
    fn is_terminal(self) -> bool {
        match self {
            Self::Stdout => std::io::stdout().is_terminal(),
            Self::Stderr => std::io::stderr().is_terminal(),
        }
    }

    fn write(self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        match self {
            Self::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
            Self::Stderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(bytes)?;
                err.flush()
            }
        }
    }

    fn duplicate(self) -> std::io::Result<OwnedFd> {
        match self {
            Self::Stdout => std::io::stdout().as_fd().try_clone_to_owned(),
            Self::Stderr => std::io::stderr().as_fd().try_clone_to_owned(),
        }
    }
}

/// Where the child's end of one stream is, before it starts.
pub struct Plan {
    sink: Sink,
    /// The pseudo-terminal's reading end, if one is used.
    master: Option<OwnedFd>,
}

/// A pseudo-terminal for output only: (reading end, child's end).
fn output_pty(size_of: Sink) -> std::io::Result<(OwnedFd, OwnedFd)> {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let name = ptsname(&master, Vec::new())?;
    let slave = rustix::fs::open(
        name.as_c_str(),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut modes = tcgetattr(&slave)?;
    modes.output_modes.remove(OutputModes::OPOST);
    tcsetattr(&slave, OptionalActions::Now, &modes)?;
    if let Ok(own) = size_of.duplicate()
        && let Ok(size) = tcgetwinsize(&own)
    {
        let _ = tcsetwinsize(&master, size);
    }
    Ok((master, slave))
}

impl Plan {
    /// Sets up one stream for masking; returns the child's end of it. A
    /// system without pseudo-terminals gets a pipe (masking still works;
    /// the child may lose its colours).
    pub fn new(sink: Sink) -> (Self, Stdio) {
        if sink.is_terminal()
            && let Ok((master, slave)) = output_pty(sink)
        {
            return (
                Self {
                    sink,
                    master: Some(master),
                },
                Stdio::from(slave),
            );
        }
        (Self { sink, master: None }, Stdio::piped())
    }

    /// (coffer's terminal, the pseudo-terminal) to keep the same size.
    pub fn resize_pair(&self) -> Option<(OwnedFd, OwnedFd)> {
        let master = self.master.as_ref()?.try_clone().ok()?;
        Some((self.sink.duplicate().ok()?, master))
    }
}

struct Stream {
    file: Option<File>,
    sink: Sink,
    masker: Masker,
}

/// How long to keep reading after the child exited while nothing arrives
/// (a process it left behind may hold the stream open for ever).
const LINGER: Duration = Duration::from_millis(100);
/// How often to check whether the child exited while it is silent.
const TICK: Duration = Duration::from_millis(50);

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// Copies the child's output through the maskers until it exited and its
/// streams are drained; returns its exit status.
pub fn pump(child: &mut Child, plans: Vec<(Plan, Masker)>) -> std::io::Result<ExitStatus> {
    let mut streams: Vec<Stream> = Vec::new();
    for (plan, masker) in plans {
        let file = match (plan.master, plan.sink) {
            (Some(master), _) => Some(File::from(master)),
            (None, Sink::Stdout) => child.stdout.take().map(|s| File::from(OwnedFd::from(s))),
            (None, Sink::Stderr) => child.stderr.take().map(|s| File::from(OwnedFd::from(s))),
        };
        streams.push(Stream {
            file,
            sink: plan.sink,
            masker,
        });
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(buf.len() + 1024);
    let mut status = None;
    loop {
        if status.is_none() {
            status = child.try_wait()?;
        }
        let open: Vec<usize> = (0..streams.len())
            .filter(|&i| streams[i].file.is_some())
            .collect();
        if open.is_empty() {
            break;
        }
        let wait = timespec(if status.is_some() { LINGER } else { TICK });
        let ready: Vec<usize> = {
            let mut fds: Vec<PollFd> = open
                .iter()
                .filter_map(|&i| streams[i].file.as_ref())
                .map(|f| PollFd::new(f, PollFlags::IN))
                .collect();
            match poll(&mut fds, Some(&wait)) {
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            open.iter()
                .zip(&fds)
                .filter(|(_, fd)| !fd.revents().is_empty())
                .map(|(&i, _)| i)
                .collect()
        };
        if ready.is_empty() {
            if status.is_some() {
                break;
            }
            continue;
        }
        for i in ready {
            let s = &mut streams[i];
            let Some(file) = s.file.as_mut() else {
                continue;
            };
            out.clear();
            let ended = match file.read(&mut buf) {
                Ok(0) => true,
                Ok(n) => {
                    s.masker.feed(&buf[..n], &mut out);
                    false
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // A pseudo-terminal whose last writer closed reads as EIO.
                Err(_) => true,
            };
            if ended {
                s.masker.finish(&mut out);
                s.file = None;
            }
            if s.sink.write(&out).is_err() {
                // Nobody reads coffer's stream any more: close the child's,
                // so it gets SIGPIPE or EPIPE as it would without coffer.
                s.file = None;
            }
        }
        buf.fill(0);
    }
    for s in &mut streams {
        if s.file.take().is_some() {
            out.clear();
            s.masker.finish(&mut out);
            let _ = s.sink.write(&out);
        }
    }
    match status {
        Some(s) => Ok(s),
        None => child.wait(),
    }
}

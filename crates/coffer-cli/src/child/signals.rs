//! Passing SIGINT, SIGTERM, SIGHUP and SIGQUIT on to the child.
//!
//! The design: the child stays in coffer's process group (it is not put
//! in one of its own), so when coffer runs in the terminal's foreground
//! group, job control works as without coffer: the child may read the
//! terminal, Ctrl+Z stops both, and Ctrl+C, Ctrl+\ and a hang-up reach the
//! child straight from the terminal. Forwarding those too would deliver
//! them twice, so a signal the kernel sent (`SI_KERNEL`, which is how a
//! terminal's signals arrive) is not forwarded while coffer is in the
//! terminal's foreground group. A signal some process sent to coffer
//! (`kill PID`, a supervisor, a CI runner stopping the job) is forwarded,
//! once. What remains: `kill -TERM -PGID` aimed at the whole group reaches
//! the child directly and through coffer; that sender asked for every
//! process of the group to get it, and most programs treat a second
//! SIGTERM like the first.
//!
//! Signals go through a pidfd where the kernel has them, so a signal never
//! reaches another process that reused the child's pid after it exited.
//! SIGWINCH is not forwarded (the terminal sends it to the group) but
//! resizes the pseudo-terminals that carry masked output.

use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::thread::JoinHandle;

use rustix::process::{Pid, Signal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::{Cause, Origin};

const FORWARDED: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// Signals caught from before the child starts until it has exited.
pub struct Catcher {
    signals: SignalsInfo<WithOrigin>,
}

/// The thread that forwards them.
pub struct Forwarder {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

/// The pseudo-terminals to keep at the terminal's size.
pub type Resize = Vec<(OwnedFd, OwnedFd)>;

impl Catcher {
    /// Starts catching (so coffer outlives a Ctrl+C and reports the
    /// child's status). Call just before spawning.
    pub fn install() -> std::io::Result<Self> {
        let mut list = FORWARDED.to_vec();
        list.push(SIGWINCH);
        Ok(Self {
            signals: SignalsInfo::<WithOrigin>::new(&list)?,
        })
    }

    /// Forwards what arrives (and arrived already) to the child.
    pub fn forward(self, child: &std::process::Child, resize: Resize) -> Forwarder {
        let pid = Pid::from_child(child);
        let target = Target::of(pid);
        let terminal = File::open("/dev/tty").ok();
        // A hung-up terminal can no longer be asked: go by how it was.
        let was_foreground = in_foreground(terminal.as_ref()).unwrap_or(false);
        let handle = self.signals.handle();
        let mut signals = self.signals;
        let thread = std::thread::spawn(move || {
            for origin in signals.forever() {
                if origin.signal == SIGWINCH {
                    for (from, to) in &resize {
                        if let Ok(size) = rustix::termios::tcgetwinsize(from) {
                            let _ = rustix::termios::tcsetwinsize(to, size);
                        }
                    }
                    continue;
                }
                if from_terminal(&origin)
                    && in_foreground(terminal.as_ref()).unwrap_or(was_foreground)
                {
                    continue;
                }
                let Some(sig) = Signal::from_named_raw(origin.signal) else {
                    continue;
                };
                // The child may be gone already: nothing to do then.
                target.send(sig);
            }
        });
        Forwarder {
            handle,
            thread: Some(thread),
        }
    }
}

impl Forwarder {
    /// Stops forwarding (once the child has exited).
    pub fn stop(mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The child, by pidfd where the kernel has them (Linux 5.3), else by pid.
struct Target {
    pid: Pid,
    #[cfg(target_os = "linux")]
    pidfd: Option<OwnedFd>,
}

impl Target {
    fn of(pid: Pid) -> Self {
        Self {
            pid,
            #[cfg(target_os = "linux")]
            pidfd: rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok(),
        }
    }

    fn send(&self, sig: Signal) {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.pidfd {
            let _ = rustix::process::pidfd_send_signal(fd, sig);
            return;
        }
        let _ = rustix::process::kill_process(self.pid, sig);
    }
}

/// Sent by the kernel, as a terminal's Ctrl+C, Ctrl+\ and hang-up are.
fn from_terminal(origin: &Origin) -> bool {
    origin.process.is_none() && matches!(origin.cause, Cause::Kernel)
}

/// Whether coffer (and so the child, in its group) is in the foreground
/// group of its controlling terminal, and so got the terminal's signal;
/// `None` when that cannot be told (no terminal: `Some(false)`).
fn in_foreground(terminal: Option<&File>) -> Option<bool> {
    match terminal {
        None => Some(false),
        Some(t) => rustix::termios::tcgetpgrp(t.as_fd())
            .ok()
            .map(|fg| fg == rustix::process::getpgrp()),
    }
}

//! The app's IPC surface. Each command parses its arguments, calls one
//! core method on a blocking thread and maps the error; rules live in
//! coffer-core.

pub mod admin;
pub mod files;
pub mod import;
pub mod secrets;
pub mod session;
pub mod team;

//! Smoke tests of the built binary. Their other job: because this package
//! has integration tests, `cargo test -p coffer-cli` builds the `coffer`
//! executable that the end-to-end suite in `tests/` drives.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use std::process::Command;

fn coffer(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(args)
        .env_clear()
        .output()
        .expect("run coffer")
}

#[test]
fn help_succeeds_and_names_the_exit_codes() {
    let out = coffer(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes"));
}

#[test]
fn a_usage_error_is_one_line_and_exit_2() {
    let out = coffer(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("coffer: unknown command no-such-command"),
        "{stderr}"
    );
}

//! "Remember this device" against a real Secret Service: each test that
//! needs one starts its own D-Bus session and gnome-keyring-daemon in a
//! temp dir (never the developer's keyring) and kills them at the end.
//! Without those programs the test fails, telling what to install: the
//! keyring path is part of the product and must not be skipped silently.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const INSTALL: &str = "install gnome-keyring, dbus and libsecret-tools \
    (Debian: apt-get install gnome-keyring dbus dbus-x11 libsecret-tools)";

/// A program on PATH, or a failure saying what to install.
fn require(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not installed: {INSTALL}"))
}

/// A private session bus with gnome-keyring's Secret Service on it.
struct SecretService {
    dir: tempfile::TempDir,
    address: String,
    dbus: Child,
    keyring: Child,
    // Kept open so the bus never sees a closed pipe.
    _dbus_out: BufReader<ChildStdout>,
}

impl SecretService {
    fn start() -> Self {
        let (dbus_daemon, gnome_keyring, dbus_send) = (
            require("dbus-daemon"),
            require("gnome-keyring-daemon"),
            require("dbus-send"),
        );
        require("secret-tool");
        let dir = tempfile::tempdir().expect("temp dir");
        let runtime = dir.path().join("run");
        std::fs::create_dir(&runtime).expect("runtime dir");
        let mut dbus = Command::new(dbus_daemon)
            .args(["--session", "--print-address=1", "--nofork"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let mut dbus_out = BufReader::new(dbus.stdout.take().expect("dbus stdout"));
        let mut address = String::new();
        dbus_out.read_line(&mut address).expect("the bus address");
        let address = address.trim().to_string();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed {address:?}"
        );

        let mut keyring = Command::new(gnome_keyring)
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        // The login keyring's password, then end of input.
        keyring
            .stdin
            .take()
            .expect("keyring stdin")
            .write_all(b"test-keyring-password")
            .expect("unlock the keyring");
        let service = Self {
            dir,
            address,
            dbus,
            keyring,
            _dbus_out: dbus_out,
        };
        service.wait_until_ready(&dbus_send);
        service
    }

    /// Waits for org.freedesktop.secrets to appear on the bus (asking
    /// NameHasOwner, which does not trigger D-Bus activation).
    fn wait_until_ready(&self, dbus_send: &Path) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let out = Command::new(dbus_send)
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .expect("run dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("gnome-keyring-daemon did not start its Secret Service within 15 s");
    }

    /// `secret-tool search --all service coffer` on this bus.
    fn coffer_entries(&self) -> String {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", "coffer"])
            .env_clear()
            .env("HOME", self.dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("run secret-tool");
        // Only the attributes: never keep the stored device key around.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&out.stderr).lines())
            .filter(|l| l.starts_with("attribute."))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl SecretService {
    /// Whether the keyring holds an entry of this service.
    fn keyring_has(&self, service: &str) -> bool {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", service])
            .env_clear()
            .env("HOME", self.dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("run secret-tool");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&out.stderr).lines())
            .any(|l| l.starts_with("attribute.service"))
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.dbus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_remembered_device_needs_no_password_until_forgotten() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "from the vault"]);
    let vault_id = env.cmd(&["status", "--json"]).run().json()["vault_id"]
        .as_str()
        .expect("vault id")
        .to_string();
    let service = SecretService::start();
    let bus = |args: &[&str]| {
        env.cmd(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
    };

    let login = bus(&["login", "--user", OWNER, "--remember"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert!(login.ok().contains("remembered"), "{}", login.stdout);
    let entry = format!("attribute.username = {vault_id}/{OWNER}");
    assert!(
        service.coffer_entries().contains(&entry),
        "the keyring holds the device key: {}",
        service.coffer_entries()
    );
    let status = bus(&["status", "--json"]).run();
    assert_eq!(
        status.json()["device_key_remembered"],
        true,
        "{}",
        status.stderr
    );

    // No COFFER_USER, no COFFER_PASSWORD, no file, no terminal.
    let got = bus(&["get", "K"]).run();
    assert_eq!(got.ok(), "from the vault\n");
    let added = bus(&["add", "K2", "--value", "device-made"]).run();
    added.id();
    assert_eq!(bus(&["get", "K2"]).run().ok(), "device-made\n");

    let logout = bus(&["logout", "--forget"]).run();
    assert!(logout.ok().contains("key is deleted"), "{}", logout.stdout);
    assert!(
        !service.coffer_entries().contains(&entry),
        "the entry is gone: {}",
        service.coffer_entries()
    );
    let refused = bus(&["--user", OWNER, "get", "K"]).run();
    assert!(
        refused.fails(4).contains("COFFER_PASSWORD"),
        "{}",
        refused.stderr
    );
    // The password path still works.
    let with_pw = bus(&["--user", OWNER, "get", "K"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert_eq!(with_pw.ok(), "from the vault\n");
}

#[test]
fn a_device_key_stops_working_when_the_user_is_disabled() {
    let env = Env::new();
    env.user("ana", "member", "DEFAULT");
    env.add(OWNER, &["K", "--value", "v"]);
    let service = SecretService::start();
    let bus = |args: &[&str]| {
        env.cmd(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
    };
    bus(&["login", "--user", "ana", "--remember"])
        .env("COFFER_PASSWORD", password_of("ana"))
        .run()
        .ok();
    assert_eq!(bus(&["get", "K"]).run().ok(), "v\n");
    env.run(OWNER, &["user", "disable", "ana"]).ok();
    let refused = bus(&["get", "K"]).run();
    refused.fails(4);
    env.run(OWNER, &["user", "enable", "ana"]).ok();
    // Disabling forgot the device: the password is needed again.
    let again = bus(&["get", "K"]).run();
    again.fails(4);
    let with_pw = bus(&["get", "K"])
        .env("COFFER_PASSWORD", password_of("ana"))
        .run();
    assert_eq!(with_pw.ok(), "v\n");
}

#[test]
fn without_any_keyring_remember_says_so_and_passwords_still_work() {
    // The harness gives coffer no D-Bus address and a runtime dir without
    // a bus socket: no keyring is reachable.
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    let login = env
        .cmd(&["login", "--user", OWNER, "--remember"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    let msg = login.fails(3);
    assert!(msg.contains("keyring") && msg.contains("password"), "{msg}");
    let status = env.cmd(&["status"]).run();
    assert!(
        status.ok().contains("keyring is not available"),
        "{}",
        status.stdout
    );
    // Signed in and remembered as the default user all the same.
    let got = env
        .cmd(&["get", "K"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert_eq!(got.ok(), "v\n");
    // Without a password the device key cannot help: exit 4, not a hang.
    env.cmd(&["get", "K"]).run().fails(4);
    let forget = env.cmd(&["logout", "--forget"]).run();
    assert!(forget.fails(3).contains("keyring"), "{}", forget.stderr);
    let json = env
        .cmd(&["--json", "logout", "--forget", "--user", OWNER])
        .run();
    assert_eq!(json.code, 3);
    assert_eq!(json.stderr_json()["error"]["code"], "keyring_unavailable");
}

/// A second machine: its own home (so its own device memory) and its own
/// keyring, on the same vault file.
fn other_machine<'a>(
    env: &'a Env,
    home: &'a Path,
    service: &'a SecretService,
) -> impl Fn(&[&str]) -> Run + 'a {
    move |args: &[&str]| {
        env.cmd(args)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home)
            .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
    }
}

#[test]
fn devices_are_listed_and_signed_out_from_another_machine() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    let (service_a, service_b) = (SecretService::start(), SecretService::start());
    let a = |args: &[&str]| {
        env.cmd(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &service_a.address)
    };
    let home_b = tempfile::tempdir().expect("home b");
    let b = other_machine(&env, home_b.path(), &service_b);
    for machine in [&a as &dyn Fn(&[&str]) -> Run, &b] {
        machine(&["login", "--user", OWNER, "--remember"])
            .env("COFFER_PASSWORD", OWNER_PW)
            .run()
            .ok();
        assert_eq!(
            machine(&["get", "K"]).run().ok(),
            "v\n",
            "no password needed"
        );
    }
    let list = a(&["device", "list", "--json"]).run().json();
    let devices = list.as_array().expect("devices");
    assert_eq!(devices.len(), 2, "{list}");
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    let b_id = devices
        .iter()
        .find(|d| d["current"] == false)
        .expect("the other machine")["id"]
        .as_i64()
        .expect("id");
    let text = a(&["device", "list"]).run();
    assert!(text.ok().contains("this one"), "{}", text.stdout);
    a(&["device", "revoke", &b_id.to_string()]).run().ok();
    let refused = b(&["get", "K"]).run();
    assert!(
        refused.fails(4).contains("no longer works"),
        "{}",
        refused.stderr
    );
    a(&["device", "revoke", &b_id.to_string()]).run().fails(1);
    a(&["device", "revoke", "nope"]).run().fails(2);

    // Remembered again; then a password change that signs the others out
    // keeps this machine and drops the other.
    b(&["login", "--user", OWNER, "--remember"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run()
        .ok();
    assert_eq!(b(&["get", "K"]).run().ok(), "v\n");
    a(&["passwd", "--new-password-stdin", "--sign-out-other-devices"])
        .env("COFFER_USER", OWNER)
        .env("COFFER_PASSWORD", OWNER_PW)
        .stdin("owner-password-2\n")
        .run()
        .ok();
    b(&["get", "K"]).run().fails(4);
    assert_eq!(
        a(&["get", "K"]).run().ok(),
        "v\n",
        "this machine stays signed in"
    );
    // With new keys: the change is in the audit log, and this machine is
    // remembered under them (a new device id).
    let replaced = a(&["audit", "--action", "keys-replaced", "--json"])
        .run()
        .json();
    assert_eq!(replaced.as_array().map(Vec::len), Some(1), "{replaced}");
    let after = a(&["device", "list", "--json"]).run().json();
    let after = after.as_array().expect("devices");
    assert_eq!(after.len(), 1, "only this machine: {after:?}");
    assert_eq!(after[0]["current"], true);
    a(&["audit", "--verify"]).run().ok();
}

#[test]
fn passwd_on_a_terminal_asks_whether_to_sign_out_the_other_devices() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "v"]);
    let (service_a, service_b) = (SecretService::start(), SecretService::start());
    let home_b = tempfile::tempdir().expect("home b");
    let b = other_machine(&env, home_b.path(), &service_b);
    env.cmd(&["login", "--user", OWNER, "--remember"])
        .env("DBUS_SESSION_BUS_ADDRESS", &service_a.address)
        .env("COFFER_PASSWORD", OWNER_PW)
        .run()
        .ok();
    b(&["login", "--user", OWNER, "--remember"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run()
        .ok();
    let passwd = |answer: &str, old: &str, new: &str| {
        env.in_terminal(&["passwd"])
            .env("DBUS_SESSION_BUS_ADDRESS", &service_a.address)
            .env("COFFER_USER", OWNER)
            .stdin(format!("{old}\n{new}\n{new}\n{answer}\n"))
            .run()
    };
    // "n": the other machine stays signed in.
    let kept = passwd("n", OWNER_PW, "owner-password-2");
    assert!(
        kept.ok().contains("other remembered devices"),
        "{}",
        kept.stdout
    );
    assert_eq!(b(&["get", "K"]).run().ok(), "v\n");
    // Enter takes the default, which signs them out.
    let out = passwd("", "owner-password-2", "owner-password-3");
    assert!(out.ok().contains("signed out"), "{}", out.stdout);
    b(&["get", "K"]).run().fails(4);
}

#[test]
fn a_database_password_in_the_keyring_opens_a_team_vault() {
    if !on_postgres() {
        eprintln!("skipped: a database password needs a PostgreSQL run (scripts/pg.sh)");
        return;
    }
    let db_password = std::env::var("PGPASSWORD").unwrap_or_default();
    assert!(!db_password.is_empty(), "pg_virtualenv sets PGPASSWORD");
    let env = Env::empty();
    let url = env.vault_arg().to_string();
    let service = SecretService::start();
    let bus = |args: &[&str]| {
        env.cmd(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
            .env_remove("PGPASSWORD")
    };
    // Without a password from anywhere, the server refuses, clearly.
    let refused = bus(&["--vault", &url, "list"]).run();
    let line = refused.fails(5);
    assert!(line.contains("database password"), "{line}");
    // A wrong password is checked against the server and not kept.
    let wrong = bus(&["vault", "password", &url, "--stdin"])
        .stdin("not-the-password\n")
        .run();
    assert_ne!(wrong.code, 0, "{}", wrong.stdout);
    assert!(!wrong.stderr.contains("not-the-password"));
    assert!(
        !service.keyring_has("coffer-postgres"),
        "nothing was stored"
    );
    let saved = bus(&["vault", "password", &url, "--stdin"])
        .stdin(format!("{db_password}\n"))
        .run();
    assert!(saved.ok().contains("accepted"), "{}", saved.stdout);
    assert!(service.keyring_has("coffer-postgres"));
    // Now the vault works with no PGPASSWORD and no ~/.pgpass.
    bus(&[
        "--vault",
        &url,
        "init",
        "--owner",
        OWNER,
        "--insecure-test-kdf",
        "--new-password-stdin",
    ])
    .stdin(format!("{OWNER_PW}\n"))
    .run()
    .ok();
    bus(&[
        "--vault",
        &url,
        "--user",
        OWNER,
        "add",
        "TEAM",
        "--value",
        "on the server",
    ])
    .env("COFFER_PASSWORD", OWNER_PW)
    .run()
    .id();
    let got = bus(&["--vault", &url, "--user", OWNER, "get", "TEAM"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert_eq!(got.ok(), "on the server\n");
    let forgot = bus(&["vault", "password", &url, "--forget"]).run();
    assert!(forgot.ok().contains("no longer"), "{}", forgot.stdout);
    assert!(!service.keyring_has("coffer-postgres"));
    let gone = bus(&["--vault", &url, "--user", OWNER, "get", "TEAM"])
        .env("COFFER_PASSWORD", OWNER_PW)
        .run();
    assert!(
        gone.fails(5).contains("database password"),
        "{}",
        gone.stderr
    );
}

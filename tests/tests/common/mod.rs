//! The harness for end-to-end tests: the real `coffer` binary, run against
//! a fresh temporary home per test.
//!
//! Every run starts from an empty environment (plus PATH), with HOME and
//! the XDG folders inside the test's temp dir and no D-Bus address, so no
//! test can touch the developer's vault, preferences or keyring, and the
//! keyring is unreachable unless a test starts its own.
//!
//! With `COFFER_TEST_BACKEND=postgres` (and libpq's `PG*` variables naming
//! a server, as `pg_virtualenv` and scripts/pg.sh set them) each test's
//! vault is a fresh database on that server instead of a file, and the
//! database password reaches coffer through PGPASSWORD.
// A harness fails loudly: an unmet expectation here is a failed test.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

mod server;
pub use server::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

use tempfile::TempDir;

pub const OWNER: &str = "owner";
pub const OWNER_PW: &str = "owner-password-1";

/// The password a test user ends up with after `passwd`.
pub fn password_of(user: &str) -> String {
    if user == OWNER {
        OWNER_PW.to_string()
    } else {
        format!("{user}-password-1")
    }
}

pub fn initial_password_of(user: &str) -> String {
    format!("{user}-initial-1")
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().ok().and_then(|m| m.modified().ok())
        };
        newest = newest.max(t);
    }
    newest
}

/// `<target>/<profile>/coffer`, next to this test's own executable (so
/// CARGO_TARGET_DIR is honored). Fails when it is missing or older than the
/// CLI's sources, since testing a stale binary proves nothing. Checked once
/// per test process, so edits made while tests run do not fail them.
pub fn coffer_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(locate_bin).clone()
}

fn locate_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in <target>/<profile>/deps");
    let bin = profile_dir.join(format!("coffer{}", std::env::consts::EXE_SUFFIX));
    let built = std::fs::metadata(&bin).and_then(|m| m.modified());
    let Ok(built) = built else {
        panic!(
            "the coffer binary is missing at {}: run `cargo build -p coffer-cli` first",
            bin.display()
        );
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for src in ["crates/coffer-cli/src", "crates/coffer-core/src"] {
        if let Some(changed) = newest_mtime(&root.join(src)) {
            assert!(
                changed <= built,
                "the coffer binary at {} is older than {src}: run `cargo build -p coffer-cli` first",
                bin.display()
            );
        }
    }
    bin
}

/// What a run produced.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub what: String,
}

impl Out {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{} failed: {}", self.what, self.stderr);
        &self.stdout
    }

    /// Asserts a failure with this exit code and exactly one error line on
    /// stderr (`coffer: ...`), and returns that line.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "{}: expected exit {code}\nstdout: {}\nstderr: {}",
            self.what, self.stdout, self.stderr
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("coffer: warning:"))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{}: one error line expected, got {:?}",
            self.what,
            self.stderr
        );
        assert!(
            errors[0].starts_with("coffer: "),
            "{}: {:?}",
            self.what,
            errors[0]
        );
        assert!(
            errors[0].len() > "coffer: ".len() + 10,
            "a useless message: {:?}",
            errors[0]
        );
        errors[0]
    }

    /// The last line of stdout (where `add`, `update` and `restore` print the id).
    #[track_caller]
    pub fn id(&self) -> i64 {
        let last = self.ok().lines().last().unwrap_or_default();
        last.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{}: no id on the last line: {:?}", self.what, self.stdout))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("{}: stdout is not JSON ({e}): {:?}", self.what, self.stdout)
        })
    }

    pub fn stderr_json(&self) -> serde_json::Value {
        serde_json::from_str(self.stderr.trim()).unwrap_or_else(|e| {
            panic!("{}: stderr is not JSON ({e}): {:?}", self.what, self.stderr)
        })
    }
}

/// One invocation being put together.
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    what: String,
}

impl Run {
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Acts as `user` with their password in COFFER_PASSWORD.
    pub fn signed_in_as(self, user: &str) -> Self {
        self.env("COFFER_USER", user)
            .env("COFFER_PASSWORD", password_of(user))
    }

    /// Runs it as on another machine: its own home, so its own device
    /// memory and preferences, on the same vault.
    pub fn on_machine(self, home: &Path) -> Self {
        self.env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home)
    }

    /// Starts it with every stream piped, for tests that talk to it (or
    /// signal it) while it runs.
    pub fn spawn(mut self) -> std::process::Child {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.what))
    }

    pub fn run(mut self) -> Out {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.what));
        if let Some(input) = self.stdin.take() {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(&input).expect("write stdin");
        }
        let output = child.wait_with_output().expect("wait for coffer");
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            what: self.what,
        };
        assert!(
            !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
            "{} panicked: {}",
            out.what,
            out.stderr
        );
        assert!(out.code >= 0, "{} was killed by a signal", out.what);
        out
    }
}

/// A copy of a vault taken by [`Env::backup`].
pub enum Backup {
    File(PathBuf),
    Db(Db),
}

/// A temporary home with (after `init`) one vault.
pub struct Env {
    pub dir: TempDir,
    /// The vault's location: a file in `dir`, or a `postgres://` URL.
    pub vault: PathBuf,
    bin: PathBuf,
    /// The vault's database on a PostgreSQL run (dropped last).
    pub db: Option<Db>,
}

impl Env {
    /// A fresh home with no vault yet.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (vault, db) = location(dir.path());
        Self {
            dir,
            vault,
            bin: coffer_bin(),
            db,
        }
    }

    /// The vault's location as text (for `--vault`).
    pub fn vault_arg(&self) -> &str {
        self.vault.to_str().expect("a UTF-8 vault location")
    }

    /// Whether a vault has been made at this location.
    pub fn vault_exists(&self) -> bool {
        match &self.db {
            None => self.vault.exists(),
            Some(db) => {
                db.sql("SELECT to_regclass('coffer.schema_migrations') IS NOT NULL")
                    .trim()
                    == "t"
            }
        }
    }

    /// Runs SQL straight on the vault's storage, behind coffer's back (as
    /// a hostile server or a tampered file would), in the dialect both
    /// share; the rows come back one a line, columns separated by `|`.
    pub fn raw_sql(&self, sql: &str) -> String {
        if let Some(db) = &self.db {
            return db.sql(sql);
        }
        let conn = rusqlite::Connection::open(&self.vault).expect("open the vault file");
        let mut stmt = conn.prepare(sql).expect("prepare");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("run");
        let mut out = String::new();
        while let Some(row) = rows.next().expect("a row") {
            let cells: Vec<String> = (0..columns)
                .map(|i| match row.get_ref(i).expect("a cell") {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => {
                        // As psql shows bytea.
                        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                        format!("\\x{hex}")
                    }
                })
                .collect();
            out.push_str(&cells.join("|"));
            out.push('\n');
        }
        out
    }

    /// A copy of the vault as it is now (no coffer process may be running).
    pub fn backup(&self) -> Backup {
        match &self.db {
            Some(db) => Backup::Db(db.copy()),
            None => {
                let copy = self.home().join("backup.db");
                std::fs::copy(&self.vault, &copy).expect("copy the vault");
                Backup::File(copy)
            }
        }
    }

    /// Puts an earlier copy back in the vault's place (a restored backup,
    /// or a server rolled back).
    pub fn put_back(&self, backup: &Backup) {
        match (backup, &self.db) {
            (Backup::Db(copy), Some(db)) => db.replace_with(copy),
            (Backup::File(copy), None) => {
                std::fs::copy(copy, &self.vault).expect("put the copy back");
            }
            _ => panic!("a backup from the other backend"),
        }
    }

    /// Puts another vault in this one's place.
    pub fn replace_with(&self, other: &Env) {
        match (&self.db, &other.db) {
            (Some(db), Some(theirs)) => db.replace_with(theirs),
            (None, None) => {
                std::fs::remove_file(&self.vault).expect("remove");
                std::fs::copy(&other.vault, &self.vault).expect("replace");
            }
            _ => panic!("vaults on different backends"),
        }
    }

    /// A vault owned by `owner`, made with the insecure test KDF.
    pub fn new() -> Self {
        let env = Self::empty();
        env.cmd(&[
            "init",
            "--owner",
            OWNER,
            "--insecure-test-kdf",
            "--new-password-stdin",
        ])
        .stdin(format!("{OWNER_PW}\n"))
        .run()
        .ok();
        env
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `coffer ARGS` in this home, with no user or password set.
    pub fn cmd(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(&self.bin);
        cmd.args(args);
        Run {
            cmd,
            stdin: None,
            what: format!("coffer {}", args.join(" ")),
        }
    }

    /// `coffer ARGS` on a pseudo-terminal (through util-linux `script`),
    /// so that prompts appear; standard input is what the person types.
    pub fn in_terminal(&self, args: &[&str]) -> Run {
        let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
        let line: Vec<String> = std::iter::once(self.bin.to_string_lossy().into_owned())
            .chain(args.iter().map(|a| (*a).to_string()))
            .map(|a| quote(&a))
            .collect();
        let mut cmd = self.command(Path::new("script"));
        // `exec`: coffer itself leads the terminal's session and is in its
        // foreground group, as when a person starts it from a shell.
        cmd.args(["-qec", &format!("exec {}", line.join(" ")), "/dev/null"]);
        Run {
            cmd,
            stdin: None,
            what: format!("coffer {} (on a terminal)", args.join(" ")),
        }
    }

    /// A command with this home's isolated environment.
    fn command(&self, program: &Path) -> Command {
        let home = self.home();
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home)
            .env("COFFER_VAULT", &self.vault)
            .current_dir(home);
        if self.db.is_some()
            && let Some(pw) = std::env::var_os("PGPASSWORD")
        {
            cmd.env("PGPASSWORD", pw);
        }
        cmd
    }

    /// `coffer ARGS` as `user`, with their password.
    pub fn run(&self, user: &str, args: &[&str]) -> Out {
        self.cmd(args).signed_in_as(user).run()
    }

    /// Creates a department as the owner.
    pub fn dept(&self, code: &str) {
        self.run(
            OWNER,
            &["dept", "add", code, "--name", &format!("{code} dept")],
        )
        .ok();
    }

    /// Creates a user as the owner (departments comma-separated, first is
    /// primary) and has them set their own password.
    pub fn user(&self, name: &str, role: &str, depts: &str) {
        self.user_by(OWNER, name, role, depts);
    }

    /// Creates a user as `admin` and has them set their own password (which
    /// is when they make their keys); then the admin's next command shares
    /// the keys their departments call for.
    pub fn user_by(&self, admin: &str, name: &str, role: &str, depts: &str) {
        self.cmd(&[
            "user",
            "add",
            name,
            "--role",
            role,
            "--dept",
            depts,
            "--new-password-stdin",
        ])
        .signed_in_as(admin)
        .stdin(format!("{}\n", initial_password_of(name)))
        .run()
        .ok();
        self.cmd(&["passwd", "--new-password-stdin"])
            .env("COFFER_USER", name)
            .env("COFFER_PASSWORD", initial_password_of(name))
            .stdin(format!("{}\n", password_of(name)))
            .run()
            .ok();
        self.run(admin, &["user", "list"]).ok();
    }

    /// `coffer add` as `user`; returns the new id.
    pub fn add(&self, user: &str, args: &[&str]) -> i64 {
        let mut all = vec!["add"];
        all.extend_from_slice(args);
        self.run(user, &all).id()
    }

    /// `coffer get KEY [ARGS]` as `user`: the value, or None on exit 1.
    pub fn get(&self, user: &str, key: &str, args: &[&str]) -> Option<String> {
        let mut all = vec!["get", key];
        all.extend_from_slice(args);
        let out = self.run(user, &all);
        match out.code {
            0 => Some(
                out.stdout
                    .strip_suffix('\n')
                    .expect("get ends with a newline")
                    .to_string(),
            ),
            1 => {
                assert!(
                    out.stdout.is_empty(),
                    "nothing found must print nothing: {:?}",
                    out.stdout
                );
                None
            }
            _ => panic!("{} failed: {}", out.what, out.stderr),
        }
    }

    /// The ids `coffer list --all --json` shows `user`.
    pub fn visible_ids(&self, user: &str) -> Vec<i64> {
        let list = self.run(user, &["list", "--all", "--json"]).json();
        let mut ids: Vec<i64> = list
            .as_array()
            .expect("a JSON array")
            .iter()
            .map(|s| s["id"].as_i64().expect("an id"))
            .collect();
        ids.sort_unstable();
        ids
    }
}

//! Two desktops at once on a team vault (issue 10), through the real CLI:
//! a member adding while an admin re-keys her department, a client killed
//! in the middle of a transaction, the server restarting between commands,
//! and a server that cannot be reached.
//!
//! The kill and the restart need a PostgreSQL run (scripts/pg.sh) and
//! return at once on a file run. The other two run on both: several
//! processes on one file is SPEC §1's promise too (and that run found a
//! false rollback alarm), and an unreachable server needs no server. The
//! restart drops every connection to the server, so it runs alone: the
//! others share the server under a read lock, the restart takes it for
//! writing.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

static SERVER: RwLock<()> = RwLock::new(());

/// The server, shared with the other tests of this file.
fn shared_server() -> RwLockReadGuard<'static, ()> {
    SERVER.read().unwrap_or_else(|e| e.into_inner())
}

/// The server, for this test alone (nobody else is connected meanwhile).
fn whole_server() -> RwLockWriteGuard<'static, ()> {
    SERVER.write().unwrap_or_else(|e| e.into_inner())
}

fn skip_on_file() -> bool {
    if on_postgres() {
        return false;
    }
    eprintln!("skipped: a team vault needs a PostgreSQL run (scripts/pg.sh)");
    true
}

/// One number from SQL run on the vault's database.
fn count(env: &Env, sql: &str) -> i64 {
    let out = env.raw_sql(sql);
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{sql}: not a number: {out:?}"))
}

/// Everything `user` can read, from `coffer export - --format json`.
fn readable(env: &Env, user: &str) -> BTreeMap<String, String> {
    let out = env.run(user, &["export", "-", "--format", "json"]);
    out.ok();
    out.json()
        .as_object()
        .expect("a JSON object of key -> value")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// The FIN secrets in a user's export.
fn fin_secrets(all: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    all.iter()
        .filter(|(k, _)| k.starts_with("FIN_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Two desktops: the admin works from his, where his app keeps listing
/// while he makes changes; mia, kai and leo share the other.
#[test]
fn a_member_adds_while_an_admin_rekeys_her_department_from_another_desktop() {
    let _server = shared_server();
    let desk_b = tempfile::tempdir().expect("the admin's home");
    member_adds_while_admin_rekeys(Some(desk_b.path()));
}

/// One desktop for everyone (a shared machine, or the app and scripts of
/// one person): every process checks the directory it reads against the
/// newest one the others on this machine remembered.
#[test]
fn a_member_adds_while_an_admin_rekeys_her_department_on_one_desktop() {
    let _server = shared_server();
    member_adds_while_admin_rekeys(None);
}

/// mia adds FIN secrets while the admin (ada) re-keys FIN again and again
/// and kai, leo and ada list; `admin_desk` is the admin's home, if he is
/// on a desktop of his own.
fn member_adds_while_admin_rekeys(admin_desk: Option<&Path>) {
    let env = Env::new();
    let as_admin = |args: &[&str]| {
        let run = env.cmd(args).signed_in_as("ada");
        match admin_desk {
            Some(home) => run.on_machine(home),
            None => run,
        }
    };
    let admin_runs = |args: &[&str]| as_admin(args).run();
    env.dept("FIN");
    env.user("ada", "admin", "DEFAULT");
    env.user("mia", "member", "FIN");
    env.user("leo", "member", "FIN");
    env.user("kai", "member", "DEFAULT");
    // Ids are never reused: a new FIN key has a higher one.
    let fin_key = "SELECT k.id FROM scope_keys k JOIN departments d ON d.id = k.dept_id \
                   WHERE d.code = 'FIN' AND NOT k.retired";
    let key_before = count(&env, fin_key);

    // mia adds FIN secrets one after the other from the moment before the
    // admin starts until after the admin is done; meanwhile the admin
    // takes leo out of FIN (a re-key each time), puts him back, and at the
    // end takes him out for good and puts kai in.
    const ROUNDS: i64 = 6;
    let started = AtomicBool::new(false);
    let admin_done = AtomicBool::new(false);
    // And kai and leo here, and the admin there, sign in and list all
    // along: a sign-in reads the directory that the admin is changing,
    // and each process remembers on its desktop the newest directory it
    // saw, which the others on that desktop then check theirs against.
    let (adds, changes, lists) = thread::scope(|s| {
        let adder = s.spawn(|| {
            let mut outs = Vec::new();
            let mut after_admin = 0;
            while after_admin < 3 {
                if admin_done.load(Ordering::SeqCst) {
                    after_admin += 1;
                }
                let i = outs.len();
                let out = env.run(
                    "mia",
                    &[
                        "add",
                        &format!("FIN_{i}"),
                        "--value",
                        &format!("fin-value-{i}"),
                        "--dept",
                        "FIN",
                    ],
                );
                outs.push(out);
                started.store(true, Ordering::SeqCst);
                assert!(outs.len() < 500, "the admin never finished");
            }
            outs
        });
        let admin = s.spawn(|| {
            while !started.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(5));
            }
            let mut outs = Vec::new();
            for round in 0..ROUNDS {
                outs.push(admin_runs(&["user", "depts", "leo", "--dept", "DEFAULT"]));
                if round + 1 < ROUNDS {
                    outs.push(admin_runs(&["user", "depts", "leo", "--dept", "FIN"]));
                }
            }
            outs.push(admin_runs(&[
                "user",
                "depts",
                "kai",
                "--dept",
                "DEFAULT,FIN",
            ]));
            admin_done.store(true, Ordering::SeqCst);
            outs
        });
        let listers: Vec<_> = ["kai", "leo", "ada"]
            .into_iter()
            .map(|user| {
                let (env, admin_done, as_admin) = (&env, &admin_done, &as_admin);
                s.spawn(move || {
                    let mut outs = Vec::new();
                    while !admin_done.load(Ordering::SeqCst) {
                        let list = ["list", "--all"];
                        outs.push(if user == "ada" {
                            as_admin(&list).run()
                        } else {
                            env.cmd(&list).signed_in_as(user).run()
                        });
                    }
                    outs
                })
            })
            .collect();
        (
            adder.join().expect("the member's thread"),
            admin.join().expect("the admin's thread"),
            listers
                .into_iter()
                .flat_map(|l| l.join().expect("a lister's thread"))
                .collect::<Vec<Out>>(),
        )
    });
    let failed: Vec<String> = changes
        .iter()
        .chain(&adds)
        .chain(&lists)
        .filter(|o| o.code != 0)
        .map(|o| format!("{} (exit {}): {}", o.what, o.code, o.stderr.trim()))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} commands failed:\n{}",
        failed.len(),
        changes.len() + adds.len() + lists.len(),
        failed.join("\n")
    );
    let n = adds.len();
    eprintln!(
        "{n} adds, {} directory changes and {} lists ran side by side",
        changes.len(),
        lists.len()
    );
    assert!(n >= 4, "mia added {n} secrets");
    // Each removal of leo made a new FIN key (and deleted the old one).
    assert!(
        count(&env, fin_key) >= key_before + ROUNDS,
        "a re-key of FIN for each removal"
    );

    // Nothing lost: every add is there, once, with its own id.
    let mut ids: Vec<i64> = adds.iter().map(Out::id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    let expected: BTreeMap<String, String> = (0..n)
        .map(|i| (format!("FIN_{i}"), format!("fin-value-{i}")))
        .collect();
    let listed = env.run(OWNER, &["list", "--all", "--json"]).json();
    let listed_fin = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["key"].as_str().is_some_and(|k| k.starts_with("FIN_")))
        .count();
    assert_eq!(listed_fin, n, "the owner sees every FIN secret's metadata");

    // Exactly the right people read them: FIN's members now (mia, kai),
    // not the member taken out (leo), not the admin or the owner (both
    // outside FIN).
    assert_eq!(fin_secrets(&readable(&env, "mia")), expected);
    assert_eq!(fin_secrets(&readable(&env, "kai")), expected);
    for outsider in ["leo", "ada", OWNER] {
        assert!(
            fin_secrets(&readable(&env, outsider)).is_empty(),
            "{outsider} reads FIN secrets"
        );
    }
    for i in [0, n / 2, n - 1] {
        let key = format!("FIN_{i}");
        let value = format!("fin-value-{i}");
        assert_eq!(env.get("mia", &key, &[]).as_deref(), Some(value.as_str()));
        assert_eq!(env.get("kai", &key, &[]).as_deref(), Some(value.as_str()));
        assert_eq!(env.get("leo", &key, &[]), None, "{key} after leo left");
    }
    // And in the ciphertext: every secret is wrapped under the current
    // FIN key and no other (not under one leo may have kept), and leo
    // holds no grant of the current one.
    assert_eq!(
        count(
            &env,
            &format!(
                "SELECT count(*) FROM secrets s WHERE NOT EXISTS \
                 (SELECT 1 FROM secret_wraps w WHERE w.secret_id = s.id AND w.key_id = ({fin_key}))"
            )
        ),
        0,
        "a secret is not wrapped under the current FIN key"
    );
    assert_eq!(
        count(
            &env,
            &format!("SELECT count(*) FROM secret_wraps WHERE key_id <> ({fin_key})")
        ),
        0,
        "a secret is still wrapped under another key"
    );
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM key_grants g \
             JOIN scope_keys k ON k.id = g.key_id \
             JOIN departments d ON d.id = k.dept_id \
             JOIN users u ON u.id = g.user_id \
             WHERE d.code = 'FIN' AND NOT k.retired AND u.username = 'leo'"
        ),
        0,
        "leo holds the current FIN key"
    );
    let verify = env.run(OWNER, &["audit", "--verify"]);
    assert!(verify.ok().contains("checks out"), "{}", verify.stdout);
}

#[test]
fn a_client_killed_in_the_middle_of_an_import_leaves_all_or_nothing() {
    if skip_on_file() {
        return;
    }
    let _server = shared_server();
    let env = Env::new();
    env.add(OWNER, &["BEFORE", "--value", "kept"]);
    const N: usize = 3000;
    let file = env.home().join("big.env");
    let text: String = (0..N)
        .map(|i| format!("IMP_{i}=imported-value-{i}\n"))
        .collect();
    std::fs::write(&file, text).expect("write the .env file");
    let file = file.to_str().expect("utf-8").to_string();

    let mut child = env.cmd(&["import", &file]).signed_in_as(OWNER).spawn();
    // Wait until coffer's transaction has written rows (the server gave it
    // a transaction id) and is inserting secrets, then kill it outright.
    let writing = "SELECT count(*) FROM pg_stat_activity \
                   WHERE datname = current_database() AND application_name = 'coffer' \
                   AND backend_xid IS NOT NULL AND query LIKE 'INSERT INTO secret%'";
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("poll coffer") {
            panic!("the import ended ({status}) before it was caught writing");
        }
        if count(&env, writing) > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    let kill = Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = child.wait_with_output().expect("wait");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(9), "coffer died of SIGKILL");

    // The vault opens and lists, its log checks out, and the import is
    // there entirely or not at all (killed mid-transaction: not at all).
    let list = env.run(OWNER, &["list", "--all", "--json"]).json();
    let imported = list
        .as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["key"].as_str().is_some_and(|k| k.starts_with("IMP_")))
        .count();
    assert!(
        imported == 0 || imported == N,
        "{imported} of {N} secrets were imported"
    );
    eprintln!("killed in the middle of the import: {imported} of {N} secrets there");
    assert_eq!(
        count(&env, "SELECT count(*) FROM secrets") as usize,
        1 + imported,
        "no stray rows on the server"
    );
    let verify = env.run(OWNER, &["audit", "--verify"]);
    assert!(verify.ok().contains("checks out"), "{}", verify.stdout);
    assert_eq!(env.get(OWNER, "BEFORE", &[]).as_deref(), Some("kept"));
    // Nothing was left holding the write lock or half a key: the same
    // import now runs to its end.
    if imported == 0 {
        let again = env.run(OWNER, &["import", &file]);
        again.ok();
        assert!(
            again.stderr.contains(&format!("imported {N} new")),
            "{}",
            again.stderr
        );
    }
    assert_eq!(
        env.get(OWNER, &format!("IMP_{}", N - 1), &[]).as_deref(),
        Some(format!("imported-value-{}", N - 1).as_str())
    );
    let verify = env.run(OWNER, &["audit", "--verify"]);
    assert!(verify.ok().contains("checks out"), "{}", verify.stdout);
}

/// `pg_ctlcluster VERSION NAME restart` for the cluster on PGPORT (the
/// port stays the same).
fn restart_server() {
    let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
    let list = Command::new("pg_lsclusters")
        .arg("-h")
        .output()
        .expect("pg_lsclusters");
    let text = String::from_utf8_lossy(&list.stdout);
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(port.as_str()))
        .unwrap_or_else(|| panic!("no cluster on port {port}: {text}"));
    let mut cols = line.split_whitespace();
    let (version, name) = (cols.next().expect("version"), cols.next().expect("name"));
    let out = Command::new("pg_ctlcluster")
        .args([version, name, "restart"])
        .output()
        .expect("pg_ctlcluster");
    assert!(
        out.status.success(),
        "restart failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Between two commands the server restarts: the next command simply
/// works. (An open handle across a restart: coffer-core's tests/restart.rs.)
#[test]
fn commands_work_again_after_the_server_restarts() {
    if skip_on_file() {
        return;
    }
    let _server = whole_server();
    let env = Env::new();
    env.add(OWNER, &["BEFORE", "--value", "b"]);
    restart_server();
    assert_eq!(env.get(OWNER, "BEFORE", &[]).as_deref(), Some("b"));
    env.add(OWNER, &["AFTER", "--value", "a"]);
    restart_server();
    env.user("ana", "member", "DEFAULT");
    assert_eq!(env.get("ana", "AFTER", &[]).as_deref(), Some("a"));
    let verify = env.run(OWNER, &["audit", "--verify"]);
    assert!(verify.ok().contains("checks out"), "{}", verify.stdout);
}

/// A local address that drops connection attempts, as a firewall that
/// blackholes packets does: a listener whose accept queue is full (the
/// kernel then ignores new SYNs). Returns it with the connections that
/// fill it, to keep alive.
fn blackhole() -> (SocketAddr, TcpListener, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut filling = Vec::new();
    for _ in 0..5000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => filling.push(s),
            Err(_) => return (addr, listener, filling),
        }
    }
    panic!("the accept queue never filled");
}

/// Runs coffer, killing it (and failing) if it is still running after
/// `limit`: a client that hangs must fail the test, not hang it.
fn within(limit: Duration, run: Run, what: &str) -> Out {
    let mut child = run.spawn();
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("poll coffer").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still had no answer after {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("coffer's output");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        what: what.to_string(),
    }
}

/// An unreachable server is an error in at most 3.5 s (the connect gives
/// up at 3 s), in one line, with the exit code of an I/O failure (5).
/// Needs no server, so it runs on file runs too.
#[test]
fn an_unreachable_server_fails_fast_with_one_line() {
    let env = Env::empty();
    let refused = "postgres://u@127.0.0.1:1/x".to_string();
    let (hole, _hole_listener, _filling) = blackhole();
    let blackholed = format!("postgres://u@{hole}/x");
    // Accepts the connection (the kernel does) and never says a word.
    let silent_listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent = format!(
        "postgres://u@{}/x",
        silent_listener.local_addr().expect("address")
    );
    // An address that blackholes on most networks; whatever this one does
    // with it, the answer must come in time.
    let remote = "postgres://u@10.255.255.1/x".to_string();
    for (what, url, reason) in [
        ("nothing listens", &refused, Some("refused")),
        ("blackholed", &blackholed, Some("within 3 s")),
        ("silent", &silent, Some("within 3 s")),
        ("10.255.255.1", &remote, None),
    ] {
        let start = Instant::now();
        let out = within(
            Duration::from_secs(10),
            env.cmd(&["--vault", url, "list"]).signed_in_as(OWNER),
            &format!("coffer list ({what})"),
        );
        let took = start.elapsed();
        let line = out.fails(5);
        assert!(
            took < Duration::from_millis(3500),
            "{what}: took {took:?}: {line}"
        );
        assert!(line.contains("cannot reach the vault"), "{what}: {line}");
        if let Some(reason) = reason {
            assert!(line.contains(reason), "{what}: {line}");
        }
    }
}

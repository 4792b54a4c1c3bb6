//! The vault's root of trust from the command line: `coffer status` shows
//! its fingerprint, a device refuses a vault older than it has seen, and
//! `coffer trust reset --expect CODE` trusts a restored vault again only if
//! its fingerprint is the one the owner confirmed. On a PostgreSQL run the
//! "restored copy" is a server rolled back to an earlier database.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::*;

fn fingerprint(out: &Out) -> String {
    out.json()["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string()
}

#[test]
fn the_fingerprint_is_shown_and_the_same_for_everyone() {
    let env = Env::new();
    env.user("ana", "member", "DEFAULT");
    let fp = fingerprint(&env.cmd(&["status", "--json"]).run());
    assert_eq!(fp.len(), 24, "{fp}");
    assert!(fp.split('-').all(|g| g.len() == 4), "{fp}");
    let as_ana = env.cmd(&["--user", "ana", "status", "--json"]).run();
    assert_eq!(fingerprint(&as_ana), fp);
    let text = env.cmd(&["status"]).run();
    assert!(text.ok().contains(&fp), "{}", text.stdout);
}

#[test]
fn a_restored_older_vault_is_refused_until_its_fingerprint_is_confirmed() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "old"]);
    let fp = fingerprint(&env.cmd(&["status", "--json"]).run());
    let backup = env.backup();
    // Newer changes: a department (the directory) and a new value.
    env.dept("FIN");
    env.run(OWNER, &["update", "1", "--value", "new"]).ok();
    // The old copy is put back (a restored file, a server rolled back).
    env.put_back(&backup);
    let refused = env.run(OWNER, &["get", "K"]);
    let msg = refused.fails(5);
    assert!(
        msg.contains("older") && msg.contains("trust reset"),
        "{msg}"
    );
    assert_eq!(
        env.cmd(&["--json", "get", "K"])
            .signed_in_as(OWNER)
            .run()
            .stderr_json()["error"]["code"],
        "rollback"
    );
    // A wrong code changes nothing: the device still remembers what it saw,
    // and the old copy is still refused.
    let wrong = env
        .cmd(&["trust", "reset", "--expect", "AAAA-BBBB-CCCC-DDDD-EEEE"])
        .run();
    assert!(
        wrong.fails(5).contains("not the one given"),
        "{}",
        wrong.stderr
    );
    assert!(env.run(OWNER, &["get", "K"]).fails(5).contains("older"));
    // The right code alone does not accept an older copy of the same vault
    // (the fingerprint names the vault, not its age): it says what is lost.
    let older = env
        .cmd(&["trust", "reset", "--expect", &fp.to_lowercase()])
        .run();
    let msg = older.fails(5);
    assert!(
        msg.contains("older copy") && msg.contains("--accept-older"),
        "{msg}"
    );
    assert!(env.run(OWNER, &["get", "K"]).fails(5).contains("older"));
    // Both, and it is trusted again.
    env.cmd(&[
        "trust",
        "reset",
        "--expect",
        &fp.to_lowercase(),
        "--accept-older",
    ])
    .run()
    .ok();
    assert_eq!(env.get(OWNER, "K", &[]).as_deref(), Some("old"));
}

#[test]
fn a_replaced_vault_is_trusted_with_its_own_code_without_accept_older() {
    let env = Env::new();
    env.add(OWNER, &["K", "--value", "first"]);
    let old_fp = fingerprint(&env.cmd(&["status", "--json"]).run());
    // Another vault at the same place: its own root, its own code.
    let other = Env::new();
    other.add(OWNER, &["K", "--value", "second"]);
    env.replace_with(&other);
    let refused = env.run(OWNER, &["get", "K"]);
    assert!(
        refused.fails(5).contains("trust reset"),
        "{}",
        refused.stderr
    );
    // The first vault's code does not fit the second.
    let wrong = env.cmd(&["trust", "reset", "--expect", &old_fp]).run();
    assert!(wrong.fails(5).contains("not the one given"));
    assert!(
        env.run(OWNER, &["get", "K"])
            .fails(5)
            .contains("trust reset")
    );
    let fp = fingerprint(&other.cmd(&["status", "--json"]).run());
    env.cmd(&["trust", "reset", "--expect", &fp]).run().ok();
    assert_eq!(env.get(OWNER, "K", &[]).as_deref(), Some("second"));
}

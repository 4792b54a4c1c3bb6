//! `coffer list --expiring [DAYS]` (issue 9): your active secrets that
//! expired or expire within DAYS (default 7), soonest first, with --json.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::*;

/// `YYYY-MM-DD`, `days` from today (local time), from date(1).
fn day(days: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-d", &format!("{days} days"), "+%F"])
        .output()
        .expect("date");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn list_expiring_for_scripts() {
    let env = Env::new();
    env.add(OWNER, &["SOON", "--value", "v", "--expires", &day(3)]);
    env.add(OWNER, &["LATER", "--value", "v", "--expires", &day(20)]);
    env.add(OWNER, &["OLD", "--value", "v", "--expires", "2020-01-01"]);
    env.add(OWNER, &["NEVER", "--value", "v"]);
    let keys = |args: &[&str]| -> Vec<String> {
        let out = env.run(OWNER, args);
        out.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&["list", "--expiring", "--json"]), ["OLD", "SOON"]);
    assert_eq!(
        keys(&["list", "--expiring", "30", "--json"]),
        ["OLD", "SOON", "LATER"]
    );
    let text = env.run(OWNER, &["list", "--expiring"]);
    let text = text.ok();
    assert!(
        text.contains("SOON") && text.contains("expires in"),
        "{text}"
    );
    assert!(text.contains("OLD") && text.contains("expired"), "{text}");
    assert!(!text.contains("NEVER"));
    env.run(OWNER, &["list", "--expiring", "soon"]).fails(2);
}

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! `expiring_secrets`: the caller's active in-scope secrets that expired or
//! expire within the window, soonest first.

mod common;

use coffer_core::{Role, time::now_ms};
use common::*;

const DAY: i64 = 24 * 60 * 60 * 1000;

#[test]
fn the_callers_secrets_expired_or_expiring_soonest_first() {
    let mut w = World::new();
    w.dept("OPS");
    w.dept("FIN");
    w.user("ana", Role::Member, &["OPS"]);
    let now = now_ms();
    let mut add = |key: &str, depts: &[&str], at: Option<i64>, active: bool| {
        let mut s = secret(key, "v", scope(Some(depts), false));
        s.expires_at = at;
        s.active = active;
        w.vault.create_secret(s).unwrap();
    };
    add("IN_3_DAYS", &["OPS"], Some(now + 3 * DAY), true);
    add("IN_10_DAYS", &["OPS"], Some(now + 10 * DAY), true);
    add("EXPIRED", &["OPS"], Some(now - DAY), true);
    add("NEVER", &["OPS"], None, true);
    add("OFF", &["OPS"], Some(now + DAY), false);
    add("FIN_SOON", &["FIN"], Some(now + DAY), true);
    let keys = |v: &mut coffer_core::Vault, days| -> Vec<String> {
        v.expiring_secrets(days)
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect()
    };
    w.login_as("ana");
    assert_eq!(keys(&mut w.vault, 7), ["EXPIRED", "IN_3_DAYS"]);
    assert_eq!(
        keys(&mut w.vault, 30),
        ["EXPIRED", "IN_3_DAYS", "IN_10_DAYS"]
    );
    assert_eq!(keys(&mut w.vault, 0), ["EXPIRED"]);
    // The owner belongs to DEFAULT only: admins are not warned about
    // secrets outside their scope.
    w.login_as("owner");
    assert!(keys(&mut w.vault, 30).is_empty());
}

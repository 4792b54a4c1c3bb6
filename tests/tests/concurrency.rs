//! SPEC §1: any number of CLI processes may use one vault at the same
//! time. Writers wait for each other; nobody sees "database is locked".

mod common;

use std::thread;

use common::*;

#[test]
fn parallel_adds_and_gets_all_succeed() {
    let env = Env::new();
    env.add(OWNER, &["SHARED", "--value", "for everyone"]);
    let outs: Vec<Out> = thread::scope(|s| {
        let env = &env;
        let mut handles = Vec::new();
        for i in 0..10 {
            handles.push(s.spawn(move || {
                let key = format!("KEY_{i}");
                let value = format!("value-{i}");
                env.run(OWNER, &["add", &key, "--value", &value])
            }));
            handles.push(s.spawn(move || env.run(OWNER, &["get", "SHARED"])));
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a runner thread panicked"))
            })
            .collect()
    });
    for out in &outs {
        assert!(
            !out.stderr.to_lowercase().contains("locked"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("busy"), "{}", out.stderr);
        out.ok();
        if out.what.contains(" get ") {
            assert_eq!(out.stdout, "for everyone\n");
        }
    }
    let mut ids: Vec<i64> = outs
        .iter()
        .filter(|o| o.what.contains(" add "))
        .map(Out::id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10, "every add got its own id");
    for i in 0..10 {
        let key = format!("KEY_{i}");
        assert_eq!(env.get(OWNER, &key, &[]), Some(format!("value-{i}")));
    }
}

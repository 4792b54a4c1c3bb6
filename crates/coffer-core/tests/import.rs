#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! Import through the vault (issue 9): scope rules, all or nothing,
//! skip or replace at the exact scope, values byte for byte, audited.

mod common;

use coffer_core::{
    AuditAction, AuditQuery, DeptScope, EntryChoice, ErrorCode, ImportAction, ImportFormat,
    ImportOptions, ImportSource, ListQuery, OnConflict, Role,
};
use common::*;

fn source(text: &str) -> ImportSource {
    ImportSource {
        bytes: text.as_bytes().to_vec(),
        format: None,
        password: None,
    }
}

fn depts(codes: &[&str]) -> Option<DeptScope> {
    Some(DeptScope::Departments {
        codes: codes.iter().map(|c| c.to_string()).collect(),
    })
}

fn count(w: &mut World) -> usize {
    w.vault
        .list_secrets(&ListQuery {
            include_inactive: true,
            ..Default::default()
        })
        .expect("list")
        .len()
}

#[test]
fn imports_at_the_chosen_scope_byte_for_byte() {
    let mut w = World::new();
    w.dept("FIN");
    w.memberships("owner", &["DEFAULT", "FIN"]);
    let env = "A=pa$word\nB=\"multi\nline\"\r\n";
    let opts = ImportOptions {
        departments: depts(&["FIN"]),
        tags: vec!["imported".into()],
        ..Default::default()
    };
    let preview = w
        .vault
        .import_preview(&source(env), &opts)
        .expect("preview");
    assert_eq!(preview.format, ImportFormat::Env);
    assert_eq!(preview.new, 2);
    assert_eq!(preview.items[1].line, Some(2));
    let mut calls = Vec::new();
    let report = w
        .vault
        .import(&source(env), &opts, &mut |d, t| calls.push((d, t)))
        .expect("import");
    assert_eq!(report.created, 2);
    assert_eq!(calls.last(), Some(&(2, 2)));
    assert_eq!(
        get(&mut w.vault, "A", Some("FIN")).as_deref(),
        Some("pa$word")
    );
    assert_eq!(
        get(&mut w.vault, "B", Some("FIN")).as_deref(),
        Some("multi\nline")
    );
    let rows = w.vault.list_secrets(&ListQuery::default()).expect("list");
    assert!(rows.iter().all(|r| r.tags == ["imported"]));
    let log = w
        .vault
        .audit_log(&AuditQuery {
            action: Some(AuditAction::Import),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(log.len(), 2, "one Import entry per imported secret");
}

#[test]
fn a_bad_file_changes_nothing() {
    let mut w = World::new();
    let before = count(&mut w);
    let e = w
        .vault
        .import(
            &source("A=1\nB=2\nnot a line\n"),
            &ImportOptions::default(),
            &mut |_, _| {},
        )
        .expect_err("bad line");
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().starts_with("line 3:"), "{e}");
    assert_eq!(count(&mut w), before);
}

#[test]
fn existing_keys_are_skipped_or_replaced_at_the_exact_scope_only() {
    let mut w = World::new();
    w.dept("FIN");
    w.memberships("owner", &["DEFAULT", "FIN"]);
    w.vault
        .create_secret(secret("A", "old", scope(Some(&["FIN"]), false)))
        .expect("create");
    w.vault
        .create_secret(secret("B", "all-depts", scope(None, false)))
        .expect("create");
    let opts = ImportOptions {
        departments: depts(&["FIN"]),
        ..Default::default()
    };
    let p = w
        .vault
        .import_preview(&source("A=new\nB=new-b\n"), &opts)
        .expect("preview");
    assert_eq!(p.items[0].action, ImportAction::Skip);
    assert_eq!(
        p.items[1].action,
        ImportAction::New,
        "another scope is another secret"
    );
    let r = w
        .vault
        .import(&source("A=new\nB=new-b\n"), &opts, &mut |_, _| {})
        .expect("import");
    assert_eq!((r.created, r.skipped), (1, 1));
    assert_eq!(get(&mut w.vault, "A", Some("FIN")).as_deref(), Some("old"));
    let replace = ImportOptions {
        on_conflict: OnConflict::Replace,
        ..opts.clone()
    };
    let r = w
        .vault
        .import(&source("A=newer\n"), &replace, &mut |_, _| {})
        .expect("replace");
    assert_eq!(r.replaced, 1);
    assert_eq!(
        get(&mut w.vault, "A", Some("FIN")).as_deref(),
        Some("newer")
    );
    // A per-entry choice overrides the default.
    let choose = ImportOptions {
        choices: vec![EntryChoice {
            entry: 1,
            on_conflict: OnConflict::Skip,
        }],
        ..replace
    };
    let r = w
        .vault
        .import(&source("A=newest\n"), &choose, &mut |_, _| {})
        .expect("choice");
    assert_eq!(r.skipped, 1);
    assert_eq!(
        get(&mut w.vault, "A", Some("FIN")).as_deref(),
        Some("newer")
    );
}

#[test]
fn members_import_only_into_their_own_departments() {
    let mut w = World::new();
    w.dept("FIN");
    w.dept("OPS");
    w.user("ana", Role::Member, &["FIN"]);
    w.login_as("ana");
    let other = ImportOptions {
        departments: depts(&["OPS"]),
        ..Default::default()
    };
    let e = w
        .vault
        .import_preview(&source("A=1\n"), &other)
        .expect_err("preview refused");
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    let e = w
        .vault
        .import(&source("A=1\n"), &other, &mut |_, _| {})
        .expect_err("import refused");
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    let own = ImportOptions {
        departments: depts(&["FIN"]),
        ..Default::default()
    };
    w.vault
        .import(&source("A=1\n"), &own, &mut |_, _| {})
        .expect("own department");
    let private = ImportOptions {
        private: true,
        ..Default::default()
    };
    w.vault
        .import(&source("A=mine\n"), &private, &mut |_, _| {})
        .expect("private");
    assert_eq!(get(&mut w.vault, "A", None).as_deref(), Some("mine"));
    // Replacing someone else's secret is refused, and nothing is written.
    w.login_as("owner");
    w.vault
        .create_secret(secret("OWNED", "owner's", scope(Some(&["FIN"]), false)))
        .expect("create");
    w.login_as("ana");
    let replace = ImportOptions {
        on_conflict: OnConflict::Replace,
        ..own
    };
    let p = w
        .vault
        .import_preview(&source("NEW=1\nOWNED=mine\n"), &replace)
        .expect("preview");
    assert_eq!(p.items[1].action, ImportAction::Refused);
    let e = w
        .vault
        .import(&source("NEW=1\nOWNED=mine\n"), &replace, &mut |_, _| {})
        .expect_err("refused");
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    assert!(e.to_string().starts_with("line 2:"), "{e}");
    assert_eq!(
        get(&mut w.vault, "NEW", Some("FIN")),
        None,
        "all or nothing"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let mut w = World::new();
    let before = count(&mut w);
    let r = w
        .vault
        .import(
            &source("{\"db\": {\"user\": \"u\", \"password\": \"p\"}}"),
            &ImportOptions {
                dry_run: true,
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .expect("dry run");
    assert!(r.dry_run);
    assert_eq!(r.created, 1);
    assert_eq!(count(&mut w), before);
}

/// The Import entries of `key`'s secret (found by the secret's id, as
/// `coffer audit --secret ID` and the Audit screen find them), as `w`'s
/// signed-in user reads them.
fn import_entries(w: &mut World, id: i64) -> Vec<coffer_core::AuditEntry> {
    w.vault
        .audit_log(&AuditQuery {
            secret_id: Some(id),
            action: Some(AuditAction::Import),
            ..Default::default()
        })
        .expect("audit")
}

#[test]
fn every_imported_secret_is_audited_for_each_of_its_readers() {
    // An import seals all its entries' key names to each reader through
    // one encapsulation (audit::Sealer); every entry must still name its
    // own secret for the actor, each admin and the owner, and the private
    // ones for the actor alone.
    let mut w = World::new();
    w.dept("FIN");
    w.user("ada", Role::Admin, &["FIN"]);
    w.user("ana", Role::Member, &["FIN"]);
    w.login_as("ana");
    let shared = "S1=1\nS2=2\nS3=3\n";
    w.vault
        .import(
            &source(shared),
            &ImportOptions {
                departments: depts(&["FIN"]),
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .expect("import shared");
    w.vault
        .import(
            &source("P1=1\nP2=2\n"),
            &ImportOptions {
                private: true,
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .expect("import private");
    let ids: Vec<(String, i64)> = w
        .vault
        .list_secrets(&ListQuery::default())
        .expect("list")
        .into_iter()
        .map(|s| (s.key, s.id))
        .collect();
    assert_eq!(ids.len(), 5);
    for reader in ["ana", "owner", "ada"] {
        w.login_as(reader);
        for (key, id) in &ids {
            let found = import_entries(&mut w, *id);
            assert_eq!(found.len(), 1, "{reader} finds the import of {key}");
            let e = &found[0];
            assert!(e.authentic && e.user == "ana" && e.outcome.is_none());
            let private = key.starts_with('P');
            let expected = (reader == "ana" || !private).then_some(key.as_str());
            assert_eq!(e.key.as_deref(), expected, "{reader} reading {key}");
        }
    }
    w.login_as("owner");
    let checked = w.vault.verify_audit().expect("the chain checks out");
    assert!(checked.entries >= 5);
}

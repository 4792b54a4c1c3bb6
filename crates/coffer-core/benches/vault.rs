//! The core's hot paths on a 10,000-secret vault: `get` (what scripts
//! call), search over the table, unlocking by device key, and creating a
//! secret (one durable transaction). Run with `cargo bench -p coffer-core`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // bench code

use coffer_core::{
    DeptScope, FieldInput, InitOptions, KdfChoice, ListQuery, MemoryStore, NewSecret, Reveal,
    SecretString, UserScope, Vault,
};
use criterion::{Criterion, criterion_group, criterion_main};

const SECRETS: usize = 10_000;

fn secret(i: usize) -> NewSecret {
    NewSecret {
        key: format!("SERVICE_{i:05}_TOKEN"),
        fields: vec![FieldInput::set("value", format!("value-{i}"))],
        departments: Some(if i.is_multiple_of(3) {
            DeptScope::All
        } else {
            DeptScope::Departments {
                codes: vec!["DEFAULT".into()],
            }
        }),
        users: if i.is_multiple_of(7) {
            UserScope::Creator
        } else {
            UserScope::All
        },
        description: format!("token for service {i}"),
        tags: vec![format!("team-{}", i % 20)],
        expires_at: None,
        active: true,
        reveal: Reveal::Allowed,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let mut v = Vault::create(
        &path,
        InitOptions {
            owner: "owner".into(),
            display_name: String::new(),
            password: SecretString::from("bench-password"),
            kdf: KdfChoice::InsecureTest,
        },
    )
    .expect("create");
    for i in 0..SECRETS {
        v.create_secret(secret(i)).expect("fill");
    }
    let store = MemoryStore::default();
    v.remember_device(&store, "bench").expect("remember");

    c.bench_function("get (10k secrets)", |b| {
        b.iter(|| {
            v.get_secret("SERVICE_04242_TOKEN", None)
                .expect("get")
                .expect("found")
        })
    });
    c.bench_function("list search (10k secrets)", |b| {
        let q = ListQuery {
            search: Some("service 42".into()),
            ..ListQuery::default()
        };
        b.iter(|| v.list_secrets(&q).expect("list"))
    });
    c.bench_function("list all (10k secrets)", |b| {
        b.iter(|| v.list_secrets(&ListQuery::default()).expect("list"))
    });
    // A fresh handle signed in with the remembered device, as each CLI
    // run and each app start begins.
    let cold = || {
        let mut fresh = Vault::open(&path).expect("open");
        fresh
            .unlock_with_device(&store, "owner")
            .expect("unlock")
            .expect("remembered");
        fresh
    };
    c.bench_function("open + device unlock + get", |b| {
        b.iter(|| {
            cold()
                .get_secret("SERVICE_04242_TOKEN", None)
                .expect("get")
                .expect("found")
        })
    });
    c.bench_function(
        "open + device unlock + list search (cold, as the CLI)",
        |b| {
            let q = ListQuery {
                search: Some("service 42".into()),
                ..ListQuery::default()
            };
            b.iter(|| cold().list_secrets(&q).expect("list"))
        },
    );
    c.bench_function(
        "open + device unlock + list all (cold, as the app starts)",
        |b| {
            let q = ListQuery {
                include_inactive: true,
                ..ListQuery::default()
            };
            b.iter(|| cold().list_secrets(&q).expect("list"))
        },
    );
    let mut n = SECRETS;
    c.bench_function("create secret (durable commit)", |b| {
        b.iter(|| {
            n += 1;
            v.create_secret(secret(n)).expect("create")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

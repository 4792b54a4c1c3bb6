#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! The fuzz corpus (`fuzz/corpus/<target>/`), replayed on stable through
//! the same entry points the fuzz targets call (`coffer_core::fuzzing`):
//! no input may panic, whatever decodes must write back out as it must,
//! and every `valid-*` file (made by the real encoders, see `write_seeds`)
//! must still decode, so a change of format that would strand stored data
//! fails here. Needs the `fuzzing` feature (`scripts/test.sh` turns it on).

mod common;

use std::path::{Path, PathBuf};

use coffer_core::fuzzing::{self, Decoded};

type Target = fn(&[u8]) -> Option<Decoded>;

/// Password hashing costs a stored value may ask for, checked by the
/// `kdf_params` target too.
fn kdf_params(bytes: &[u8]) -> Option<Decoded> {
    let (params, decoded) = fuzzing::kdf_params(bytes)?;
    assert!(params.within_ceiling(), "accepted {params:?}");
    Some(decoded)
}

const TARGETS: &[(&str, Target)] = &[
    ("codec", fuzzing::codec),
    ("header", fuzzing::header),
    ("sealed", fuzzing::sealed),
    ("history", fuzzing::history),
    ("grant", fuzzing::grant),
    ("directory_entry", fuzzing::directory_entry),
    ("directory_state", fuzzing::directory_state),
    ("kdf_params", kdf_params),
    ("local_text", fuzzing::local_text),
    ("import", fuzzing::import),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no fuzz target {name}"))
}

#[test]
fn every_corpus_file_replays() {
    let mut dirs: Vec<String> = std::fs::read_dir(corpus())
        .expect("fuzz/corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut known: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    known.sort();
    assert_eq!(dirs, known, "one corpus folder per target, and no other");

    let mut replayed = 0;
    for (name, run) in TARGETS {
        let mut valid = 0;
        for path in files(&corpus().join(name)) {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).expect("read");
            let decoded = std::panic::catch_unwind(|| run(&bytes))
                .unwrap_or_else(|_| panic!("{name}/{file} panicked"));
            if let Some(d) = &decoded {
                assert!(
                    d.round_trips(),
                    "{name}/{file} did not write back out as it must"
                );
            }
            if file.starts_with("valid-") {
                assert!(decoded.is_some(), "{name}/{file} no longer decodes");
                valid += 1;
            }
            replayed += 1;
        }
        assert!(valid > 0, "{name} has no valid-* seed");
    }
    assert!(replayed >= 50, "only {replayed} corpus files");
}

#[test]
fn todays_encodings_decode_and_are_in_the_corpus() {
    for (name, seed, bytes) in fuzzing::seeds() {
        let decoded = target(name)(&bytes).unwrap_or_else(|| panic!("{name}/{seed} is refused"));
        assert!(decoded.round_trips(), "{name}/{seed} does not round-trip");
        let committed = corpus().join(name).join(format!("valid-{seed}"));
        assert!(
            committed.is_file(),
            "{} is missing: run `cargo test -p coffer-core --features fuzzing --test fuzz_corpus -- --ignored`",
            committed.display()
        );
    }
}

/// Writes the seeds: `fuzzing::seeds()` (made with the targets' fixed
/// keys), and the directory, headers and device checkpoint of a real vault
/// made through the public API. Sealed seeds differ at every run (fresh
/// nonces), so only missing files are written.
#[test]
#[ignore = "writes fuzz/corpus: run by hand when a format changes"]
fn write_seeds() {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = fuzzing::seeds();
    seeds.extend(real_vault());
    for (name, seed, bytes) in seeds {
        let dir = corpus().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(format!("valid-{seed}"));
        if !path.exists() {
            std::fs::write(&path, bytes).expect("write");
        }
    }
}

fn real_vault() -> Vec<(&'static str, String, Vec<u8>)> {
    use coffer_core::{NewUsage, Role};
    let mut w = common::World::new();
    w.dept("FIN");
    w.user("bruno", Role::Member, &["FIN"]);
    let id = w
        .vault
        .create_secret(common::secret(
            "DB_PASSWORD",
            "hunter2",
            common::scope(Some(&["FIN"]), false),
        ))
        .expect("secret");
    w.vault
        .add_usage(
            id,
            NewUsage {
                name: "nightly".into(),
                kind: "pipeline".into(),
                field: None,
            },
        )
        .expect("usage");
    w.vault
        .create_secret(common::secret("MINE", "x", common::scope(None, true)))
        .expect("private secret");
    drop(w.vault);

    let mut out = Vec::new();
    let db = rusqlite::Connection::open(&w.path).expect("vault");
    let rows = |conn: &rusqlite::Connection, sql: &str| -> Vec<Vec<u8>> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    for (i, e) in rows(&db, "SELECT entry FROM directory_log ORDER BY epoch")
        .into_iter()
        .enumerate()
    {
        let stored = [&[0][..], &e].concat();
        out.push(("directory_entry", format!("vault-entry-{}", i + 1), stored));
    }
    for (i, h) in rows(&db, "SELECT header FROM secrets ORDER BY id")
        .into_iter()
        .enumerate()
    {
        out.push(("header", format!("vault-header-{}", i + 1), h));
    }
    let device =
        rusqlite::Connection::open(w.dir.path().join("device-state/device.db")).expect("device.db");
    for s in rows(&device, "SELECT state FROM vaults") {
        out.push(("directory_state", "vault-checkpoint".to_string(), s));
    }
    out
}

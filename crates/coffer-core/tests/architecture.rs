#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point
//! The core's structure, checked from its source: its top-level modules
//! form layers with no import cycle, SQL is written only in `store`, and
//! the feature modules do not import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FEATURES: &[&str] = &[
    "secrets", "usages", "history", "lookup", "users", "device", "export", "expiry", "import",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each source file's top-level module (`store` for `src/store/sqlite.rs`)
/// and its text without unit tests.
fn modules() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let top = rel.split('/').next()?.trim_end_matches(".rs").to_string();
            // The adversary suite is test code; unit tests sit at the end.
            if top == "adversary" || top == "lib" {
                return None;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or("")
                .to_string();
            Some((top, rel, code))
        })
        .collect()
}

/// The modules a text names as `crate::x`, `crate::{x, y::z}`.
fn named(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names only: split at commas outside nested braces,
            // up to the brace that closes the group.
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = modules();
    let tops: BTreeSet<String> = files.iter().map(|f| f.0.clone()).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (top, _, code) in &files {
        let deps = g.entry(top.clone()).or_default();
        deps.extend(
            named(code)
                .into_iter()
                .filter(|d| d != top && tops.contains(d)),
        );
    }
    g
}

/// A cycle through `start`, if any (depth-first search).
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|k| visit(g, k, &mut Vec::new(), &mut done))
}

#[test]
fn the_finder_sees_imports_and_cycles() {
    // The checks below are only as good as these two helpers.
    let names = named("use crate::a::b;\nuse crate::{c, d::{e, f}, g};\nlet x = crate::h::i();");
    assert_eq!(names, ["a", "c", "d", "g", "h"].map(String::from).into());
    let mut g = BTreeMap::new();
    g.insert("x".to_string(), BTreeSet::from(["y".to_string()]));
    g.insert("y".to_string(), BTreeSet::from(["z".to_string()]));
    g.insert("z".to_string(), BTreeSet::new());
    assert_eq!(cycle(&g), None);
    g.get_mut("z").unwrap().insert("x".to_string());
    assert_eq!(cycle(&g).map(|c| c.len()), Some(4));
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let g = graph();
    assert!(g.len() > 20, "found only {} modules", g.len());
    if let Some(c) = cycle(&g) {
        panic!("import cycle: {}", c.join(" -> "));
    }
}

#[test]
fn sql_is_written_only_in_the_store() {
    const SQL: &[&str] = &[
        "SELECT ",
        "INSERT INTO",
        "DELETE FROM",
        "CREATE TABLE",
        "PRAGMA",
        ".execute(",
    ];
    let mut found = Vec::new();
    for (top, rel, code) in modules() {
        if top == "store" {
            continue;
        }
        for needle in SQL {
            if code.contains(needle) {
                found.push(format!("{rel}: {needle}"));
            }
        }
        if code.contains("UPDATE ") && code.contains(" SET ") {
            found.push(format!("{rel}: UPDATE ... SET"));
        }
    }
    assert!(found.is_empty(), "SQL outside src/store: {found:?}");
}

#[test]
fn feature_modules_do_not_import_each_other() {
    let g = graph();
    for f in FEATURES {
        let deps = g.get(*f).unwrap_or_else(|| panic!("no module {f}"));
        let others: Vec<&String> = deps
            .iter()
            .filter(|d| FEATURES.contains(&d.as_str()))
            .collect();
        assert!(others.is_empty(), "{f} imports {others:?}");
    }
}

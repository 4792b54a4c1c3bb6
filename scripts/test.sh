#!/usr/bin/env bash
# `npm test`: set up what is missing, then run every check and test:
# formatting, lints, UI type check and unit tests, generated bindings,
# Rust unit/integration/CLI/keyring/command-layer tests, the Python
# package's pytest suite, the same core and CLI suites on a PostgreSQL
# vault, and the end-to-end tests of the real app through
# WebDriver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# One feature set for every cargo invocation, so nothing builds twice.
# coffer-core/fuzzing: the replay of the fuzz corpus (crates/coffer-core/tests/fuzz_corpus.rs).
features=(--features coffer-app/custom-protocol,coffer-core/fuzzing)
step() { printf '\n\033[1m==> %s\033[0m\n' "$1" >&2; shift; "$@"; }

step "UI type check" npm run --silent ui:check
step "UI unit tests" npm run --silent ui:test
step "UI build" npm run --silent ui:build
step "Rust formatting" cargo fmt --all --check
step "Rust lints" cargo clippy --workspace --all-targets "${features[@]}" -- -D warnings

check_bindings() {
  local fresh
  fresh="$(mktemp -d)"
  TS_RS_EXPORT_DIR="$fresh" cargo test --quiet --workspace "${features[@]}" --lib export_bindings >/dev/null
  if ! diff -r "$fresh" ui/src/bindings; then
    echo "ui/src/bindings is stale: run \`cargo test --workspace --lib export_bindings\` and commit the result" >&2
    return 1
  fi
  rm -rf "$fresh"
}
step "TypeScript bindings are current" check_bindings

step "Build the app and the CLI" cargo build --workspace "${features[@]}"
# No display and no session bus: tests that need either start their own.
step "Rust tests" env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS \
  cargo test --workspace "${features[@]}"
# The same suites on a team vault: a throw-away PostgreSQL 15 cluster per
# step (scripts/pg.sh: pg_virtualenv, fsync off, gone when the step ends),
# one database per test. The test binaries are the ones just built: every
# step selects with --workspace and the same features (with -p, cargo
# would resolve features again and rebuild half the dependencies).
core_suites=(rules listing import export expiry smoke server copy restart conflicts)
cli_suites=()
for f in tests/tests/*.rs; do cli_suites+=("$(basename "$f" .rs)"); done
pg_targets=()
# `team` is both the CLI's two-desktop suite and the app's team-vault
# command tests (src-tauri/tests/team.rs).
for t in "${core_suites[@]}" "${cli_suites[@]}"; do pg_targets+=(--test "$t"); done
no_session=(env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS)
step "Core, CLI and app command tests on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test --workspace "${features[@]}" "${pg_targets[@]}"
# The adversary suite (issue 6's attacks) and the audit log's tampering
# tests with the attacker as the server's superuser; the property test
# stays on files (it is about key handling, not storage, and makes many
# vaults).
step "Adversary suite on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test --workspace "${features[@]}" --lib -- adversary:: audit::tests --skip adversary::property
# The extension builds in the same target dir with coffer-core's features
# from above (so the core is not compiled again), against the CLI just built.
step "Python package (maturin, pytest)" env COFFER_PY_FEATURES=coffer-core/fuzzing \
  COFFER_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/coffer" scripts/python.sh test
# COFFER_E2E_PG=1: under a throw-away cluster, so e2e/team.test.mjs opens a
# team vault too (the other tests use files).
step "End-to-end tests of the real app (WebDriver, Xvfb)" env COFFER_E2E_PG=1 scripts/e2e.sh
printf '\n\033[1;32mAll tests passed.\033[0m\n' >&2

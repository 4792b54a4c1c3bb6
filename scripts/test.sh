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
# one database per test. The test binaries are the ones just built.
core_suites=(--test rules --test listing --test import --test export --test expiry --test smoke --test server --test copy --test restart --test conflicts)
no_session=(env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS)
step "Core tests on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test -p coffer-core "${features[@]}" "${core_suites[@]}"
# The adversary suite (issue 6's attacks) with the attacker as the server's
# superuser; the property test stays on files (it is about the core's
# key handling, not the storage, and runs many vaults).
step "Adversary suite on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test -p coffer-core "${features[@]}" --lib -- adversary:: audit::tests --skip adversary::property
step "CLI tests on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test -p coffer-tests "${features[@]}"
step "App command tests on PostgreSQL" "${no_session[@]}" \
  scripts/pg.sh cargo test -p coffer-app "${features[@]}" --test team
# The extension builds in the same target dir with coffer-core's features
# from above (so the core is not compiled again), against the CLI just built.
step "Python package (maturin, pytest)" env COFFER_PY_FEATURES=coffer-core/fuzzing \
  COFFER_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/coffer" scripts/python.sh test
# COFFER_E2E_PG=1: under a throw-away cluster, so e2e/team.test.mjs opens a
# team vault too (the other tests use files).
step "End-to-end tests of the real app (WebDriver, Xvfb)" env COFFER_E2E_PG=1 scripts/e2e.sh
printf '\n\033[1;32mAll tests passed.\033[0m\n' >&2

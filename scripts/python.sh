#!/usr/bin/env bash
# The Python package (crates/coffer-py): a virtual environment with pinned
# tools, the extension built into it with maturin, and its pytest suite
# against vaults made by the `coffer` CLI of the same build.
#
#   scripts/python.sh test      # debug build + pytest (the stage `npm test` runs)
#   scripts/python.sh release   # optimized build into the venv (scripts/bench.sh)
#
# The venv is target/py-venv (COFFER_PY_VENV overrides). The extension
# builds in the workspace's target dir, so coffer-core is not compiled
# again; COFFER_PY_FEATURES passes cargo features (scripts/test.sh passes
# the ones its own build uses, for the same reason). COFFER_BIN names the
# CLI to make test vaults with; without it, `cargo build -p coffer-cli`.
# Needs python3 with venv (Debian: python3-venv python3-dev; scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-test}"
SECONDS=0
venv="$(realpath -m "${COFFER_PY_VENV:-target/py-venv}")"
# maturin: builds the wheel; pytest, pytest-asyncio: the suite and its
# coroutine tests.
tools=(maturin==1.16.0 pytest==9.2.0 pytest-asyncio==1.5.0)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "python: cannot create a virtual environment: install python3-venv (scripts/setup.sh test does)" >&2
    exit 1
  }
fi
if [ "$(cat "$venv/.coffer-tools" 2>/dev/null)" != "${tools[*]}" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${tools[@]}"
  echo "${tools[*]}" >"$venv/.coffer-tools"
fi

features=()
[ -n "${COFFER_PY_FEATURES:-}" ] && features=(--features "$COFFER_PY_FEATURES")
# `maturin develop` installs into the active virtual environment.
export VIRTUAL_ENV="$venv"

case "$mode" in
  test)
    "$venv/bin/maturin" develop --quiet -m crates/coffer-py/Cargo.toml "${features[@]}" >&2
    "$venv/bin/python" -c 'import coffer' || { echo "python: the coffer package did not install" >&2; exit 1; }
    if [ -z "${COFFER_BIN:-}" ]; then
      cargo build --quiet -p coffer-cli "${features[@]}"
      export COFFER_BIN="$CARGO_TARGET_DIR/debug/coffer"
    fi
    # No display and no session bus: the keyring tests start their own.
    env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS \
      "$venv/bin/python" -m pytest -q -p no:cacheprovider crates/coffer-py/tests
    ;;
  release)
    "$venv/bin/maturin" develop --quiet --release -m crates/coffer-py/Cargo.toml "${features[@]}" >&2
    ;;
  *)
    echo "usage: scripts/python.sh [test|release]" >&2
    exit 2
    ;;
esac
echo "python: $mode done in ${SECONDS} s" >&2

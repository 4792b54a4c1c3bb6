#!/usr/bin/env bash
# End-to-end tests of the real app through WebDriver (e2e/*.test.mjs):
# tauri-driver drives target/debug/coffer-app (which must embed ui/dist:
# `npm run ui:build`, then `cargo build --workspace --features
# coffer-app/custom-protocol`; scripts/test.sh does both first) on a
# virtual X display, in a private D-Bus session.
#
#   scripts/e2e.sh                          # every e2e test file
#   scripts/e2e.sh e2e/remember-device.test.mjs   # some of them
#   COFFER_E2E_PG=1 scripts/e2e.sh e2e/team.test.mjs  # with a PostgreSQL server
#
# Tests of team vaults (e2e/team.test.mjs) need a PostgreSQL server and
# skip without one: COFFER_E2E_PG=1 runs everything under a throw-away
# cluster (`pg_virtualenv -v 15 -o fsync=off`, which sets PGHOST, PGPORT,
# PGUSER and PGPASSWORD; the test makes its own database with psql).
#
# Each test run uses its own temporary HOME, XDG folders and vault (see
# e2e/harness.mjs). The session itself also gets a temporary HOME and XDG
# folders, so a keyring daemon that D-Bus activates on demand stays out of
# the real home. The locale is fixed (the tests read English UI text). On
# failure, screenshots go to target/e2e-artifacts/; E2E_KEEP_TMP=1 keeps
# each run's temp folder (vault, driver and keyring logs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${COFFER_E2E_PG:-}" = 1 ] && [ -z "${PGHOST:-}" ]; then
  command -v pg_virtualenv >/dev/null || { echo "e2e: pg_virtualenv is missing: apt-get install postgresql-15 postgresql-common" >&2; exit 1; }
  exec pg_virtualenv -t -v 15 -o fsync=off "$0" "$@"
fi

# COFFER_APP / COFFER_CLI point at other builds (scripts/bench.sh: release).
app="${COFFER_APP:-$PWD/target/debug/coffer-app}"
cli="${COFFER_CLI:-$PWD/target/debug/coffer}"
driver="$PWD/.tools/bin/tauri-driver"
for f in "$app" "$cli"; do
  [ -x "$f" ] || { echo "e2e: $f is missing: build with \`npm run ui:build && cargo build --workspace --features coffer-app/custom-protocol\`" >&2; exit 1; }
done
[ -x "$driver" ] || { echo "e2e: $driver is missing: run scripts/setup.sh test" >&2; exit 1; }
for tool in xvfb-run dbus-run-session /usr/bin/WebKitWebDriver xclip gnome-keyring-daemon dbus-send; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing: run scripts/setup.sh test" >&2; exit 1; }
done
[ -d node_modules/webdriverio ] || { echo "e2e: webdriverio is missing: run npm ci" >&2; exit 1; }

if [ "$#" -gt 0 ]; then files=("$@"); else files=(e2e/*.test.mjs); fi

mkdir -p target/e2e-artifacts
session="$(mktemp -d "${TMPDIR:-/tmp}/coffer-e2e-session-XXXXXX")"
trap 'rm -rf "$session"' EXIT
mkdir -p "$session/home" "$session/config" "$session/data" "$session/cache" "$session/run"
chmod 700 "$session/run"

# Files run one after another (they share the X display and the session bus).
env -u COFFER_VAULT -u COFFER_USER -u COFFER_PASSWORD -u WAYLAND_DISPLAY \
  HOME="$session/home" XDG_CONFIG_HOME="$session/config" XDG_DATA_HOME="$session/data" \
  XDG_CACHE_HOME="$session/cache" XDG_RUNTIME_DIR="$session/run" NO_AT_BRIDGE=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 \
  COFFER_APP="$app" COFFER_CLI="$cli" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- \
  node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" \
  2> >(grep -v -e 'Failed to set fd limit' -e 'Activating service name=' -e 'Successfully activated service' -e "couldn't access control socket" -e 'SpiRegistry daemon is running' >&2)

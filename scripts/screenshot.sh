#!/usr/bin/env bash
# Takes a screenshot of the real app's secrets table under Xvfb:
#   scripts/screenshot.sh [out.png]            (default: docs/screenshot.png, 1280x800)
#   scripts/screenshot.sh DIR/ 900x600 1920x1080   (DIR/900x600.png, ...)
#
# e2e/screenshot.mjs builds a demo vault with the coffer CLI, remembers
# this "device" in a private gnome-keyring so the app unlocks straight into
# the table, sets the window to each size and saves what it shows. Uses the
# optimised build that `npm start` makes (COFFER_BUILD=debug for the one
# `npm test` makes), and the test packages (scripts/setup.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${COFFER_BUILD:-release}"
app="$PWD/target/$build/coffer-app"
cli="$PWD/target/$build/coffer"
for bin in "$app" "$cli"; do
  [ -x "$bin" ] || { echo "screenshot: $bin is missing: run npm start (or COFFER_BUILD=debug after npm test)" >&2; exit 1; }
done
[ -x .tools/bin/tauri-driver ] || { echo "screenshot: tauri-driver is missing: run scripts/setup.sh test" >&2; exit 1; }
[ "$#" -gt 0 ] || set -- docs/screenshot.png

session="$(mktemp -d)"
trap 'rm -rf "$session"' EXIT
mkdir -p "$session/home" "$session/run" "$session/data" "$session/config" "$session/cache"
chmod 700 "$session/run"

env -u COFFER_VAULT -u COFFER_USER -u COFFER_PASSWORD -u WAYLAND_DISPLAY \
  HOME="$session/home" XDG_CONFIG_HOME="$session/config" XDG_DATA_HOME="$session/data" \
  XDG_CACHE_HOME="$session/cache" XDG_RUNTIME_DIR="$session/run" NO_AT_BRIDGE=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 \
  COFFER_APP="$app" COFFER_CLI="$cli" \
  xvfb-run -a -s "-screen 0 1920x1080x24" dbus-run-session -- node e2e/screenshot.mjs "$@"

#!/usr/bin/env bash
# `npm start`: set up what is missing, build the UI, the app and the CLI
# (optimised: a new user judges the app by this build), then open the app
# (or explain how to, on a machine without a display).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
say "building the UI"
npm run --silent ui:build
say "building the app and the coffer CLI, optimised (the first build takes ten minutes or more)"
cargo build --quiet --release -p coffer-app -p coffer-cli --features coffer-app/custom-protocol

app="$PWD/target/release/coffer-app"
cli="$PWD/target/release/coffer"
cat >&2 <<INFO

Coffer is built.
  app: $app
  CLI: $cli   (try: $cli --help)
  vault: \${COFFER_VAULT:-the default, \$XDG_DATA_HOME/coffer/vault.db}
INFO

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<INFO

There is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so
the window cannot open. To run it on a virtual display:
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- $app
and take a screenshot with scripts/screenshot.sh.
INFO
  exit 0
fi
say "starting Coffer"
exec "$app"

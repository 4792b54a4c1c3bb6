#!/usr/bin/env bash
# Takes a screenshot of the real app's secrets table under Xvfb:
#   scripts/screenshot.sh [out.png]      (default: docs/screenshot.png)
#
# Builds a demo vault with the coffer CLI, remembers this "device" in a
# private gnome-keyring so the app unlocks straight into the table, starts
# the app on a virtual display and captures the screen. Needs the app and
# CLI built (npm start or npm test does that) and the test packages
# (scripts/setup.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-docs/screenshot.png}")"
app="$PWD/target/debug/coffer-app"
cli="$PWD/target/debug/coffer"
for bin in "$app" "$cli"; do
  [ -x "$bin" ] || { echo "screenshot: $bin is missing: run npm start (or npm test) first" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/run" "$work/data" "$work/config"
chmod 700 "$work/run"

cat > "$work/inside.sh" <<'INSIDE'
set -euo pipefail
echo -n keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
sleep 1
c() { "$CLI" "$@"; }
export COFFER_PASSWORD=demo-owner-password
echo -n "$COFFER_PASSWORD" | c init --owner olga --display-name "Olga Ortiz" --new-password-stdin >/dev/null 2>&1
c dept add FIN --name Finance >/dev/null
c dept add OPS --name Operations >/dev/null
c dept add DATA --name "Data platform" >/dev/null
c user depts olga --dept DEFAULT --dept FIN --dept OPS --dept DATA --primary DEFAULT >/dev/null
tomorrow=$(date -d '+3 days' +%F)
lastyear=$(date -d '-40 days' +%F)
nextyear=$(date -d '+200 days' +%F)
c add DB_PASSWORD --field host=db.fin.internal --field port=5432 --field username=reporting --field password=Zq8-fin-2024 \
  --dept FIN --tag postgres --tag prod --description "Finance reporting database" --expires "$nextyear" >/dev/null
c add STRIPE_API_KEY --value sk_live_51Hx --dept FIN --tag payments --tag prod --description "Payments, live mode" --expires "$tomorrow" >/dev/null
c add SLACK_WEBHOOK --value https://hooks.slack.invalid/T000 --all-depts --tag alerts --description "Alerts channel" >/dev/null
c add GITHUB_TOKEN --value ghp_demo --private --all-depts --tag ci --description "My personal CI token" >/dev/null
c add S3_BACKUP --field access_key=AKIADEMO --field secret_key=demo/secret --dept OPS --dept DATA --tag aws --tag backup \
  --description "Nightly backups bucket" >/dev/null
c add OLD_FTP_PASSWORD --value ftp-demo --dept OPS --tag legacy --description "Decommissioned FTP" --expires "$lastyear" >/dev/null 2>&1
c add WAREHOUSE_DSN --value postgres://wh --dept DATA --tag warehouse --write-only --description "Analytics warehouse (write-only)" >/dev/null
c add SMTP_PASSWORD --value smtp-demo --all-depts --tag email --description "Outgoing mail relay" >/dev/null
c login --user olga --remember >/dev/null 2>&1
unset COFFER_PASSWORD
"$APP" >/dev/null 2>&1 &
pid=$!
sleep "${SHOT_DELAY:-6}"
import -window root "$OUT"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
INSIDE

env -i PATH="$PATH" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_DATA_HOME="$work/data" \
  XDG_CONFIG_HOME="$work/config" COFFER_VAULT="$work/data/vault.db" APP="$app" CLI="$cli" OUT="$out" \
  SHOT_DELAY="${SHOT_DELAY:-6}" \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$work/inside.sh"
echo "screenshot: $out" >&2

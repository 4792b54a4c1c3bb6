#!/usr/bin/env bash
# Times whole commands side by side with peers (SPEC §9):
#   scripts/bench.sh            # writes target/bench/results.md
#
# - `coffer get` on a 10,000-secret vault, unlocked by the device key in a
#   real gnome-keyring, vs `pass show` and `keepassxc-cli show`;
# - `coffer list --search` over the same vault;
# - `coffer import` of a 10,000-line .env file (one transaction);
# - 1,000 separate `coffer add` processes, vs `pass insert` and
#   `keepassxc-cli add` (peers: 100 runs, scaled to 1,000);
# - the same get, list --search and 1,000 adds on a team vault in a local
#   PostgreSQL 15 (pg_virtualenv), side by side with the file;
# - password unlock (calibrated Argon2id) with `coffer get`;
# - Python: `get_secret` calls per second on an open `coffer.Vault` (device
#   key, same vault and key as `coffer get`), and a one-shot
#   `coffer.get_secret` (sign-in included), in the release build of
#   crates/coffer-py (scripts/python.sh release);
# - keystroke-to-repaint in the app's search box with 10,000 secrets
#   (e2e/typing.test.mjs: the optimised app through WebDriver under Xvfb);
# - the app's start to the painted table with 10,000 secrets and a
#   remembered device (e2e/bench-start.mjs: the optimised app that
#   `npm start` builds, under Xvfb; each start a new process).
# Needs: hyperfine, pass, gpg, keepassxc (apt-get install hyperfine pass keepassxc).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine pass gpg keepassxc-cli gnome-keyring-daemon dbus-run-session; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine pass keepassxc gnome-keyring dbus)" >&2; exit 1; }
done
cargo build --quiet --release -p coffer-cli
cargo build --quiet --release -p coffer-core --example populate
scripts/python.sh release
out_dir="$PWD/target/bench"
mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/run" "$work/data" "$work/config"
chmod 700 "$work/run" "$work/home"

cat > "$work/inside.sh" <<'INSIDE'
set -euo pipefail
echo -n keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
sleep 1
C="$ROOT/target/release/coffer"
export COFFER_PASSWORD=bench-owner-password
echo -n "$COFFER_PASSWORD" | "$C" init --owner bench --new-password-stdin >/dev/null 2>&1
"$ROOT/target/release/examples/populate" "$COFFER_VAULT" bench 10000
"$C" login --user bench --remember >/dev/null 2>&1
unset COFFER_PASSWORD
cd "$WORK"

# Peers: pass with a passphrase-less GPG key (as fast as pass gets), and a
# KeePassXC database with its default KDF.
gpg --batch --quiet --passphrase '' --quick-gen-key bench@coffer.invalid default default never 2>/dev/null
pass init bench@coffer.invalid >/dev/null
for i in $(seq 1 100); do echo "value-$i" | pass insert -e "bench/KEY_$i" >/dev/null; done
printf 'kdbx-pass\nkdbx-pass\n' | keepassxc-cli db-create -p "$WORK/bench.kdbx" >/dev/null 2>&1
for i in $(seq 1 20); do printf 'kdbx-pass\nvalue-%s\n' "$i" | keepassxc-cli add -q -p "$WORK/bench.kdbx" "KEY_$i" >/dev/null 2>&1; done

hyperfine --style basic --warmup 3 --runs 30 --export-markdown "$OUT/get.md" --export-json "$OUT/get.json" \
  -n "coffer get (device key, 10k secrets)" "$C get BENCH_04242" \
  -n "pass show" "pass show bench/KEY_42" \
  -n "keepassxc-cli show" "printf 'kdbx-pass\n' | keepassxc-cli show -q -s -a password $WORK/bench.kdbx KEY_7"
# Python on an open vault: many calls, one sign-in (the device key).
"$PY" - "$OUT/python.json" <<'PY'
import json, statistics, sys, time
import coffer
key = "BENCH_04242"
with coffer.open() as v:
    assert v.get_secret(key) is not None
    for _ in range(200):
        v.get_secret(key)
    rates = []
    for _ in range(7):
        n, start = 2000, time.perf_counter()
        for _ in range(n):
            v.get_secret(key)
        rates.append(n / (time.perf_counter() - start))
shots = []
for _ in range(15):
    start = time.perf_counter()
    coffer.get_secret(key)
    shots.append((time.perf_counter() - start) * 1000)
json.dump({"calls_per_second": statistics.median(rates), "rates": rates,
           "one_shot_ms": statistics.median(shots)}, open(sys.argv[1], "w"))
PY
hyperfine --style basic --warmup 3 --runs 30 --export-markdown "$OUT/list.md" --export-json "$OUT/list.json" \
  -n "coffer list --search (10k secrets)" "$C list --search 'number 424'"
COFFER_PASSWORD=bench-owner-password hyperfine --style basic --warmup 1 --runs 10 --export-markdown "$OUT/unlock.md" --export-json "$OUT/unlock.json" \
  -n "coffer get (password, calibrated Argon2id)" "$C get BENCH_04242"

# Import of 10,000 entries (a .env file), end to end, device key: each run
# imports a fresh file (new keys) into the same vault, one transaction.
cat > "$WORK/gen-env.sh" <<'GEN'
n=$(( $(cat "$1/import-run" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$1/import-run"
awk -v r="$n" 'BEGIN { for (i = 1; i <= 10000; i++) printf "IMPORT_%d_%05d=\"value $%d with \\\"quotes\\\"\"\n", r, i, i }' > "$1/import.env"
GEN
hyperfine --style basic --runs 5 --prepare "bash $WORK/gen-env.sh $WORK" \
  --export-markdown "$OUT/import.md" --export-json "$OUT/import.json" \
  -n "coffer import (10,000-line .env, device key)" "$C import $WORK/import.env --all-depts"

start=$(date +%s.%N)
for i in $(seq 1 1000); do "$C" add "ADD_$i" --value "v$i" --all-depts >/dev/null; done
coffer_add=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
for i in $(seq 1 100); do echo "v$i" | pass insert -e "add/KEY_$i" >/dev/null; done
pass_add=$(echo "($(date +%s.%N) - $start) * 10" | bc)
start=$(date +%s.%N)
for i in $(seq 1 100); do printf 'kdbx-pass\nv%s\n' "$i" | keepassxc-cli add -q -p "$WORK/bench.kdbx" "ADD_$i" >/dev/null 2>&1; done
kp_add=$(echo "($(date +%s.%N) - $start) * 10" | bc)
{
  echo "| 1,000 separate adds | seconds |"
  echo "|---|---|"
  printf '| coffer add (device key) | %.1f |\n' "$coffer_add"
  printf '| pass insert (100 runs x 10) | %.1f |\n' "$pass_add"
  printf '| keepassxc-cli add (100 runs x 10) | %.1f |\n' "$kp_add"
} > "$OUT/add.md"
INSIDE

env -i PATH="$PATH" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_DATA_HOME="$work/data" \
  XDG_CONFIG_HOME="$work/config" GNUPGHOME="$work/home/.gnupg" PASSWORD_STORE_DIR="$work/home/.password-store" \
  COFFER_VAULT="$work/data/vault.db" ROOT="$PWD" WORK="$work" OUT="$out_dir" PY="$PWD/target/py-venv/bin/python" \
  dbus-run-session -- bash "$work/inside.sh"

# A team vault on a local PostgreSQL server (a throw-away pg_virtualenv
# cluster), side by side with the same 10,000 secrets in a file: get,
# list --search, 1,000 separate adds. Each copy has its own device memory
# (they are the same vault: one device using both would see a fork).
cat > "$work/pg.sh" <<'PG'
set -euo pipefail
echo -n keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
sleep 1
C="$ROOT/target/release/coffer"
export COFFER_PASSWORD=bench-owner-password
file="$WORK/pg-side.db"
url="postgres://$PGUSER@$PGHOST:${PGPORT:-5432}/bench"
psql -qc "CREATE DATABASE bench"
echo -n "$COFFER_PASSWORD" | "$C" --vault "$file" init --owner bench --new-password-stdin >/dev/null 2>&1
"$ROOT/target/release/examples/populate" "$file" bench 10000
COFFER_STATE_DIR="$WORK/state-file" "$C" --vault "$file" login --user bench --remember >/dev/null 2>&1
"$C" vault copy "$file" "$url" >/dev/null
unset COFFER_PASSWORD
F="env COFFER_STATE_DIR=$WORK/state-file $C --vault $file"
P="env COFFER_STATE_DIR=$WORK/state-pg $C --vault $url"
hyperfine --style basic --warmup 3 --runs 30 --export-markdown "$OUT/pg-get.md" --export-json "$OUT/pg-get.json" \
  -n "coffer get, file (device key, 10k secrets)" "$F get BENCH_04242" \
  -n "coffer get, PostgreSQL (device key, 10k secrets)" "$P get BENCH_04242"
hyperfine --style basic --warmup 3 --runs 20 --export-markdown "$OUT/pg-list.md" --export-json "$OUT/pg-list.json" \
  -n "coffer list --search, file" "$F list --search 'number 424'" \
  -n "coffer list --search, PostgreSQL" "$P list --search 'number 424'"
start=$(date +%s.%N)
for i in $(seq 1 1000); do $P add "PGADD_$i" --value "v$i" --all-depts >/dev/null; done
pg_add=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
for i in $(seq 1 1000); do $F add "FADD_$i" --value "v$i" --all-depts >/dev/null; done
file_add=$(echo "$(date +%s.%N) - $start" | bc)
{
  echo "| 1,000 separate adds, side by side | seconds |"
  echo "|---|---|"
  printf '| coffer add, file (device key) | %.1f |\n' "$file_add"
  printf '| coffer add, PostgreSQL (device key) | %.1f |\n' "$pg_add"
} > "$OUT/pg-add.md"
PG
env -i PATH="$PATH" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_DATA_HOME="$work/data" \
  XDG_CONFIG_HOME="$work/config" ROOT="$PWD" WORK="$work" OUT="$out_dir" \
  dbus-run-session -- pg_virtualenv -v 15 bash "$work/pg.sh" >"$out_dir/pg.log" 2>&1 ||
  { echo "bench: the PostgreSQL run failed (see $out_dir/pg.log)" >&2; exit 1; }

# Typing in the app's search box, 10,000 secrets: the median keystroke-to-repaint,
# in the optimised app that `npm start` builds.
rm -f "$out_dir/typing.json"
npm run --silent ui:build
cargo build --quiet --release -p coffer-app -p coffer-cli --features coffer-app/custom-protocol
if COFFER_APP="$PWD/target/release/coffer-app" COFFER_CLI="$PWD/target/release/coffer" \
  COFFER_POPULATE="$PWD/target/release/examples/populate" \
  scripts/e2e.sh e2e/typing.test.mjs >"$out_dir/typing.log" 2>&1; then
  cp target/e2e-artifacts/typing-latency.json "$out_dir/typing.json"
else
  echo "bench: the typing test failed (see $out_dir/typing.log)" >&2
fi

# The app's start to the painted table: 10,000 secrets, a remembered device,
# the optimised build; times from the page's own clock and /proc.
rm -f "$out_dir/start.json"
npm run --silent ui:build
cargo build --quiet --release -p coffer-app -p coffer-cli --features coffer-app/custom-protocol
session="$(mktemp -d)"
mkdir -p "$session/home" "$session/run" "$session/data" "$session/config" "$session/cache"
chmod 700 "$session/run"
if env -u COFFER_VAULT -u COFFER_USER -u COFFER_PASSWORD -u WAYLAND_DISPLAY \
  HOME="$session/home" XDG_CONFIG_HOME="$session/config" XDG_DATA_HOME="$session/data" \
  XDG_CACHE_HOME="$session/cache" XDG_RUNTIME_DIR="$session/run" NO_AT_BRIDGE=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 \
  COFFER_APP="$PWD/target/release/coffer-app" COFFER_CLI="$PWD/target/release/coffer" \
  BENCH_POPULATE="$PWD/target/release/examples/populate" \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node e2e/bench-start.mjs 7 10000 \
  >"$out_dir/start.json" 2>"$out_dir/start.log"; then :; else
  echo "bench: the start-up run failed (see $out_dir/start.log)" >&2
  rm -f "$out_dir/start.json"
fi
rm -rf "$session"

{
  echo "# Coffer vs peers ($(date -u +%F), $(nproc) cores, scripts/bench.sh)"
  echo
  for f in get list unlock import add pg-get pg-list pg-add; do cat "$out_dir/$f.md"; echo; done
  echo "Medians (ms):"
  python3 - "$out_dir" <<'PY'
import json, sys
for f in ("get", "list", "unlock", "import"):
    for r in json.load(open(f"{sys.argv[1]}/{f}.json"))["results"]:
        print(f"- {r['command']}: {r['median'] * 1000:.1f}")
p = json.load(open(f"{sys.argv[1]}/python.json"))
get = json.load(open(f"{sys.argv[1]}/get.json"))["results"][0]["median"]
print(f"- Python get_secret on an open coffer.Vault (device key, 10k secrets): {p['calls_per_second']:,.0f} calls/s"
      f" ({1e6 / p['calls_per_second']:.0f} us a call; `coffer get`: {1 / get:,.0f} calls/s at {get * 1000:.1f} ms);"
      f" one-shot coffer.get_secret, sign-in included: {p['one_shot_ms']:.1f}")
try:
    t = json.load(open(f"{sys.argv[1]}/typing.json"))
    print(f"- app search, keystroke to repaint ({t['secrets']} secrets, release build): {t['repaint_median_ms']:.1f}"
          f" (echo in the box {t['echo_median_ms']:.1f})")
except FileNotFoundError:
    print("- app search, keystroke to repaint: not measured (see typing.log)")
try:
    s = json.load(open(f"{sys.argv[1]}/start.json"))
    m = s["medians"]
    print(f"- app start to painted table ({s['secrets']} secrets, remembered device, release build, {s['runs']} starts):"
          f" {m['processToTable']} (process to page {m['processToPage']}; in the page: app_status {m['status']},"
          f" device unlock {m['unlock']}, list_secrets {m['list']}, first rows painted {m['paint']})")
except (FileNotFoundError, json.JSONDecodeError):
    print("- app start to painted table: not measured (see start.log)")
PY
} > "$out_dir/results.md"
cat "$out_dir/results.md"

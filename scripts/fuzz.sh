#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ on the nightly toolchain:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# each TARGET (default: all of them) for SECONDS (default 60), one at a
# time, as one low-priority job, growing fuzz/corpus/<target>/. Prints one
# line per target (executions, new corpus files, crashes) and exits
# non-zero if any crash, out-of-memory or timeout artifact exists in
# fuzz/artifacts/. Builds into fuzz/target (its own workspace), so the
# stable build is not touched. libFuzzer's own output goes to
# $FUZZ_LOG_DIR (default .fuzz-logs/, not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

seconds="${1:-60}"
[[ $# -gt 0 ]] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzzing needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir "$root/fuzz")
fi

logs="${FUZZ_LOG_DIR:-$root/.fuzz-logs}"
mkdir -p "$logs"
count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

for t in "${targets[@]}"; do
  corpus="$root/fuzz/corpus/$t"
  mkdir -p "$corpus" "$root/fuzz/artifacts/$t"
  before=$(count "$corpus")
  log="$logs/$t.log"
  # -jobs=1 -workers=1: libFuzzer runs the target in one child process
  # and writes its output to fuzz-0.log in the working directory.
  rm -f "$logs/fuzz-0.log"
  status=0
  (cd "$logs" && nice -n 10 cargo +nightly fuzz run --fuzz-dir "$root/fuzz" "$t" -- \
    -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1) >"$log" 2>&1 || status=$?
  [[ -f "$logs/fuzz-0.log" ]] && cat "$logs/fuzz-0.log" >>"$log" && rm -f "$logs/fuzz-0.log"
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [[ -z "$execs" ]]; then
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
  fi
  crashes=$(count "$root/fuzz/artifacts/$t")
  printf '%-16s %6ss  executions %-10s corpus %s (+%s)  crashes %s  exit %s  log %s\n' \
    "$t" "$seconds" "${execs:-?}" "$(count "$corpus")" "$(($(count "$corpus") - before))" \
    "$crashes" "$status" "$log"
done

artifacts=$(find "$root/fuzz/artifacts" -type f 2>/dev/null | wc -l)
if [[ "$artifacts" -gt 0 ]]; then
  echo "crash artifacts in fuzz/artifacts/ ($artifacts): reproduce one with" >&2
  echo "  cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/FILE" >&2
  exit 1
fi

// The app's start with 10,000 secrets and a remembered device, to the
// painted table (SPEC §9: under 1 s). Not a test (no assertions on time):
// scripts/bench.sh runs it under Xvfb with the release build and prints
// the medians.
//
//   COFFER_APP=target/release/coffer-app COFFER_CLI=target/release/coffer \
//   BENCH_POPULATE=target/release/examples/populate \
//   xvfb-run -a dbus-run-session -- node e2e/bench-start.mjs [RUNS] [SECRETS]
//
// Each run is a fresh app process. Times come from the page's own clock
// (performance.timeOrigin, marks set by the UI in lib/startup.ts) and the
// process's start time from /proc, so WebDriver's own start-up is not
// counted: process start -> page start -> app_status -> device unlock ->
// the table asks for the list -> it arrived -> first rows painted.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { APP, Run } from "./harness.mjs";

const RUNS = Number(process.argv[2] ?? 7);
const SECRETS = Number(process.argv[3] ?? 10_000);
const POPULATE = process.env.BENCH_POPULATE;
const PASSWORD = "bench-start-password-Vx9!";

/** When a process started, in ms since the epoch (10 ms resolution). */
function processStart(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
  const ticks = Number(fields[19]); // starttime, field 22 of stat
  const hz = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
  const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const boot = Date.now() - uptime * 1000;
  return boot + (ticks / hz) * 1000;
}

function appPid() {
  const r = spawnSync("pgrep", ["-n", "-f", `^${APP}`], { encoding: "utf8" });
  return Number(r.stdout.trim()) || null;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const run = new Run("bench-start");
try {
  if (!POPULATE) throw new Error("set BENCH_POPULATE to the populate example (cargo build --release -p coffer-core --example populate)");
  await run.startKeyring();
  const owner = { user: "bench", password: PASSWORD };
  run.cliOk(["init", "--owner", "bench", "--new-password-stdin"], { stdin: `${PASSWORD}\n` });
  const filled = spawnSync(POPULATE, [run.env.COFFER_VAULT, "bench", String(SECRETS)], {
    env: run.childEnv({ COFFER_PASSWORD: PASSWORD }),
    encoding: "utf8",
    timeout: 600_000,
  });
  if (filled.status !== 0) throw new Error(`populate failed: ${filled.stderr}`);
  run.cliOk(["login", "--user", "bench", "--remember"], owner);

  const rows = [];
  for (let i = 0; i <= RUNS; i++) {
    const b = await run.launch();
    const pid = appPid();
    const started = pid ? processStart(pid) : null;
    let t = null;
    for (let tries = 0; tries < 600 && !t; tries++) {
      t = await b.execute(() => {
        const at = (n) => performance.getEntriesByName(n, "mark")[0]?.startTime ?? null;
        if (at("coffer:table") === null) return null;
        const nav = performance.getEntriesByType("navigation")[0];
        return {
          origin: performance.timeOrigin,
          dom: nav ? nav.domContentLoadedEventEnd : null,
          status: at("coffer:status"),
          unlocked: at("coffer:unlocked"),
          asked: at("coffer:list-asked"),
          list: at("coffer:list"),
          table: at("coffer:table"),
          rows: document.querySelectorAll('[data-testid^="secret-row-"]').length,
        };
      });
      if (!t) await sleep(50);
    }
    await run.quit();
    if (!t) throw new Error(`run ${i}: the table never showed`);
    const row = {
      run: i,
      processToPage: started === null ? null : t.origin - started,
      processToTable: started === null ? null : t.origin + t.table - started,
      pageToTable: t.table,
      dom: t.dom,
      status: t.status,
      unlock: t.unlocked - t.status,
      mount: t.asked - t.unlocked,
      list: t.list - t.asked,
      paint: t.table - t.list,
      rowsPainted: t.rows,
    };
    // Run 0 warms the disk cache and is not counted.
    if (i > 0) rows.push(row);
    console.error(JSON.stringify(row));
  }
  const keys = ["processToTable", "processToPage", "pageToTable", "dom", "status", "unlock", "mount", "list", "paint"];
  const medians = Object.fromEntries(keys.map((k) => [k, Math.round(median(rows.map((r) => r[k]).filter((v) => v !== null)))]));
  console.log(JSON.stringify({ secrets: SECRETS, runs: rows.length, medians, rows }, null, 2));
} finally {
  await run.close();
}

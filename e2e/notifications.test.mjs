// Expiry notifications (issue 9) from the real app, received by a mock
// notification server: python3-dbusmock's notification_daemon template
// owns org.freedesktop.Notifications on this test's session bus (e2e.sh
// runs every file in a private dbus-run-session) and logs each Notify
// call. At unlock the app announces the user's secrets expired or
// expiring within the window (7 days by default), by count and never by
// key; locking and unlocking again the same day announces nothing new;
// widening the window in Settings announces the larger set.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, shown, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Notify#2024" };

/** `YYYY-MM-DD`, `days` from today (local time). */
function day(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("expiry notifications", () => {
  const run = new Run("notifications");
  /** @type {WebdriverIO.Browser} */
  let b;
  let mock = null;
  const log = path.join(run.dir, "notifications.log");

  /** The Notify calls the mock logged so far. */
  function notifies() {
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => / Notify /.test(l));
  }

  after(async () => {
    await run.close();
    if (mock) {
      try {
        process.kill(-mock.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });

  async function unlock() {
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, "secrets-table");
  }

  run.step("setup: a mock notification server on the session bus, secrets expiring at 2 and 20 days", async () => {
    mock = spawn("/usr/bin/python3", ["-m", "dbusmock", "--session", "--template", "notification_daemon", "-l", log], {
      env: run.childEnv(),
      detached: true,
      stdio: "ignore",
    });
    const owned = () =>
      spawnSync(
        "dbus-send",
        ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"],
        { env: run.childEnv(), encoding: "utf8", timeout: 5000 },
      ).stdout.includes("boolean true");
    const deadline = Date.now() + 15_000;
    while (!owned()) {
      if (Date.now() > deadline) throw new Error("the mock notification server did not come up");
      await sleep(200);
    }
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    run.cliOk(["add", "SOON_TOKEN", "--value", "v1", "--expires", day(2)], OLGA);
    run.cliOk(["add", "LATER_TOKEN", "--value", "v2", "--expires", day(20)], OLGA);
    run.cliOk(["add", "NO_EXPIRY", "--value", "v3"], OLGA);
    b = await run.launch();
    await unlock();
  });

  run.step("at unlock, one notification counts the secret expiring within 7 days, naming no key", async () => {
    await b.waitUntil(async () => notifies().length > 0, { timeout: 20_000, timeoutMsg: `no Notify call reached the mock:\n${existsSync(log) ? readFileSync(log, "utf8") : "(no log)"}` });
    const [call] = notifies();
    assert.match(call, /1 secret needs attention/);
    assert.match(call, /within 7 days/);
    assert.ok(!call.includes("SOON_TOKEN") && !call.includes("LATER_TOKEN"), call);
  });

  run.step("locking and unlocking the same day announces nothing new", async () => {
    await click(b, "lock");
    await shown(b, "unlock-password");
    await unlock();
    await sleep(8000);
    assert.equal(notifies().length, 1, notifies().join("\n"));
  });

  run.step("a wider window in Settings announces the larger set", async () => {
    await click(b, "user-menu");
    await click(b, "menu-settings");
    const days = await shown(b, "settings-expiry-days");
    await days.click();
    await b.keys([Key.Ctrl, "a"]);
    await days.addValue("30");
    await b.keys([Key.Tab]);
    await click(b, "settings-save");
    await b.waitUntil(async () => notifies().length === 2, { timeout: 20_000, timeoutMsg: "no second Notify call" });
    assert.match(notifies()[1], /2 secrets need attention/);
    assert.match(notifies()[1], /within 30 days/);
  });
});

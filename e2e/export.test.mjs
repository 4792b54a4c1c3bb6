// Export in the real app (issue 9): the user menu's "Export secrets…"
// asks for the password again, refuses a wrong one, writes the file (mode
// 0600) where the path field says, and reports how many secrets went in
// and how many write-only ones were left out. The file's values are the
// ones `coffer get` returns, byte for byte.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, shown, textOf, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Export#2024" };
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nZq8+Wm/é€ü ключ 秘密\n-----END PRIVATE KEY-----\n";

describe("export from the app", () => {
  const run = new Run("export");
  /** @type {WebdriverIO.Browser} */
  let b;
  let file;

  after(async () => {
    await run.close();
  });

  run.step("setup: a vault with readable and write-only secrets (CLI), the app signed in", async () => {
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    run.cliOk(["add", "TLS_KEY", "--value-stdin"], { ...OLGA, stdin: `${PEM}\n` });
    run.cliOk(["add", "API_TOKEN", "--value", "tök€n-1"], OLGA);
    run.cliOk(["add", "DB", "--field", "host=db.internal", "--field", "password=p\"w"], OLGA);
    run.cliOk(["add", "HIDDEN", "--value", "never-shown", "--write-only"], OLGA);
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, "secrets-table");
  });

  run.step("the Export dialog suggests a file and refuses a wrong password", async () => {
    await click(b, "user-menu");
    await click(b, "menu-export");
    await shown(b, "export-dialog");
    const pathBox = await shown(b, "export-path");
    await b.waitUntil(async () => /coffer-export-\d{4}-\d{2}-\d{2}\.json$/.test(await pathBox.getValue()), {
      timeoutMsg: "no suggested path",
    });
    const suggested = await pathBox.getValue();
    assert.ok(suggested.startsWith(run.env.HOME), `suggested under HOME: ${suggested}`);
    file = path.join(run.env.HOME, "olga-export.json");
    await pathBox.click();
    await b.keys([Key.Ctrl, "a"]);
    await pathBox.addValue(file);
    await b.waitUntil(async () => (await pathBox.getValue()) === file, { timeout: 5000, timeoutMsg: "path not typed" });
    await type(b, "export-password", "not-my-password");
    await click(b, "export-submit");
    await b.waitUntil(async () => /wrong password/i.test(await textOf(b, "export-message")), {
      timeoutMsg: "no wrong-password message",
    });
    assert.equal(existsSync(file), false, "nothing written");
  });

  run.step("with the right password it writes a 0600 file and says what it left out", async () => {
    const pw = await shown(b, "export-password");
    await pw.click();
    await b.keys([Key.Ctrl, "a"]);
    await b.keys([Key.Backspace]);
    await pw.addValue(OLGA.password);
    await click(b, "export-submit");
    const result = await textOf(b, "export-result");
    assert.match(result, /Wrote 3 secrets to /);
    assert.ok(result.includes(file), result);
    assert.match(result, /1 write-only secret was left out/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const json = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(Object.keys(json).sort(), ["API_TOKEN", "DB", "TLS_KEY"]);
    assert.equal(json.TLS_KEY, PEM);
    assert.equal(json.TLS_KEY, JSON.parse(run.cliOk(["get", "TLS_KEY", "--json"], OLGA)).value);
    assert.equal(json.API_TOKEN, "tök€n-1");
    assert.deepEqual(json.DB, { host: "db.internal", password: 'p"w' });
    assert.ok(!readFileSync(file, "utf8").includes("never-shown"));
    await click(b, "export-done");
  });

  run.step("the export is in the audit log, the failed attempt too", async () => {
    const log = JSON.parse(run.cliOk(["audit", "--json", "--action", "export"], OLGA));
    assert.deepEqual(
      log.map((e) => e.outcome),
      [null, "auth_failed"],
    );
  });
});

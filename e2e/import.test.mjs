// Import in the real app (issue 9): the secrets screen's "Import…" reads a
// typed path, previews each entry (new, or the key already at that scope:
// skipped unless ticked to replace), shows a progress bar fed by the
// core's events while it imports, and ends with a toast. The scope is
// chosen as on the CLI: here two departments at once. The values are then
// what `coffer get` returns, byte for byte, in each of the two.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, gone, shown, textOf, tid, toastTexts, type } from "./harness.mjs";

const IVO = { user: "ivo", name: "Ivo Ilić", password: "Ivo-e2e-Import#2024" };
const ENTRIES = 3000;

describe("import from the app", () => {
  const run = new Run("import");
  /** @type {WebdriverIO.Browser} */
  let b;
  let file;

  after(async () => {
    await run.close();
  });

  run.step("setup: departments FIN and OPS, DB_PASSWORD in both (CLI), a large .env file, the app signed in", async () => {
    run.cliOk(["init", "--owner", IVO.user, "--display-name", IVO.name, "--new-password-stdin"], { stdin: `${IVO.password}\n` });
    run.cliOk(["dept", "add", "FIN", "--name", "Finance"], IVO);
    run.cliOk(["dept", "add", "OPS", "--name", "Operations"], IVO);
    run.cliOk(["user", "depts", IVO.user, "--dept", "DEFAULT,FIN,OPS", "--primary", "DEFAULT"], IVO);
    run.cliOk(["add", "DB_PASSWORD", "--value", "old-value", "--dept", "FIN", "--dept", "OPS"], IVO);
    const lines = ["# exported from the old server", "DB_PASSWORD='new pa$word'", 'PEM="line one\\nline \\"two\\""'];
    for (let i = 1; i <= ENTRIES - 2; i++) lines.push(`BULK_${String(i).padStart(5, "0")}=value-${i}`);
    file = path.join(run.env.HOME, "team.env");
    writeFileSync(file, `${lines.join("\n")}\n`);
    b = await run.launch();
    await type(b, "unlock-password", IVO.password);
    await click(b, "unlock-submit");
    await shown(b, "secrets-table");
  });

  run.step("a bad path says so; the preview at FIN and OPS lists every entry and what happens to it", async () => {
    await click(b, "import");
    await shown(b, "import-dialog");
    await type(b, "import-path", path.join(run.env.HOME, "missing.env"));
    await click(b, "import-preview");
    await b.waitUntil(async () => /cannot read .*missing\.env/i.test(await textOf(b, "import-message")), { timeoutMsg: "no error for a missing file" });
    const box = await shown(b, "import-path");
    await box.click();
    await b.keys([Key.Ctrl, "a"]);
    await box.addValue(file);
    await b.waitUntil(async () => (await box.getValue()) === file, { timeout: 5000, timeoutMsg: "path not typed" });
    // At the primary department, nothing is there yet.
    await click(b, "import-preview");
    assert.match(await textOf(b, "import-summary"), new RegExp(`${ENTRIES} new secrets, 0 already at that scope`));
    // Two departments, as `coffer import --dept FIN --dept OPS`.
    await click(b, "import-departments");
    await click(b, "dept-option-FIN");
    await click(b, "dept-option-OPS");
    await b.waitUntil(
      async () =>
        (await b.$(tid("dept-option-FIN")).getAttribute("aria-selected")) === "true" &&
        (await b.$(tid("dept-option-OPS")).getAttribute("aria-selected")) === "true",
      { timeout: 5000, timeoutMsg: "FIN and OPS are not both chosen" },
    );
    await b.keys(Key.Escape); // closes the list, not the dialog
    await gone(b, "dept-option-FIN", 5000);
    assert.equal((await b.$(tid("import-departments")).getProperty("textContent")).trim(), "FIN, OPS");
    assert.equal(await b.$(tid("import-summary")).isExisting(), false, "a new scope needs a new preview");
    await click(b, "import-preview");
    const summary = await textOf(b, "import-summary");
    assert.match(summary, new RegExp(`${ENTRIES - 1} new secrets, 1 already at that scope`));
    const first = await b.$(`${tid("import-row")}[data-action="skip"]`);
    assert.match(await first.getText(), /DB_PASSWORD/);
    const rows = await b.$$(tid("import-row"));
    assert.equal(rows.length, 500, "the table shows the first 500 rows");
  });

  run.step("replacing the existing one, with a progress bar, then a toast", async () => {
    await click(b, "import-replace-1");
    await click(b, "import-submit");
    await b.waitUntil(async () => / of 3000$/.test(await textOf(b, "import-progress-text")), {
      timeout: 20_000,
      timeoutMsg: "no progress shown",
    });
    await b.waitUntil(async () => (await toastTexts(b)).some((t) => /Imported 2999 new secrets/.test(t)), {
      timeout: 60_000,
      timeoutMsg: "no result toast",
    });
    const toasts = await toastTexts(b);
    assert.ok(toasts.some((t) => /1 replaced, 0 skipped/.test(t)), toasts.join(" | "));
  });

  run.step("the CLI reads back what the app imported, in both departments", async () => {
    for (const dept of ["FIN", "OPS"]) {
      assert.equal(run.cliOk(["get", "DB_PASSWORD", "--department", dept], IVO), "new pa$word\n");
      assert.equal(run.cliOk(["get", "PEM", "--department", dept], IVO), 'line one\nline "two"\n');
      assert.equal(run.cliOk(["get", "BULK_02998", "--department", dept], IVO), "value-2998\n");
    }
    // BULK_02900 to BULK_02998 (the whole list is more than spawnSync buffers).
    const listed = JSON.parse(run.cliOk(["list", "--search", "BULK_029", "--json"], IVO));
    assert.equal(listed.length, 99);
    const depts = (s) => (s.scope.departments.kind === "all" ? ["all"] : [...s.scope.departments.codes].sort());
    for (const s of listed) assert.deepEqual(depts(s), ["FIN", "OPS"], s.key);
    const pem = JSON.parse(run.cliOk(["list", "--search", "PEM", "--json"], IVO)).find((s) => s.key === "PEM");
    assert.ok(pem, "PEM is listed");
    const details = JSON.parse(run.cliOk(["show", String(pem.id), "--json"], IVO));
    assert.deepEqual(depts(details), ["FIN", "OPS"]);
    const log = JSON.parse(run.cliOk(["audit", "--json", "--action", "import", "--limit", "5000"], IVO));
    assert.equal(log.length, ENTRIES, "one Import entry per imported secret");
  });
});

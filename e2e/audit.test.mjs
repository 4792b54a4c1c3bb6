// The audit screen in the real app (issue 9): an admin sees the entries
// that CLI actions made, filters them by action and by user, and saves the
// filtered view as CSV through the Rust side (a private file, mode 0600,
// at the path shown); the file's rows are those entries. A member sees
// only their own entries.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, shown, textOf, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Audit#2024" };
const MIA = { user: "mia", password: "Mia-e2e-Audit#2024" };

/** The rows' test ids and actions, in one script (the list is virtualized). */
async function rows(b) {
  return b.execute(() =>
    Array.from(document.querySelectorAll('[data-testid^="audit-row-"]'), (r) => ({
      seq: Number(r.getAttribute("data-testid").slice("audit-row-".length)),
      action: r.getAttribute("data-action"),
      text: r.innerText,
    })),
  );
}

/** Parses the app's CSV (every field quoted, CRLF lines). */
function parseCsv(text) {
  return text
    .trimEnd()
    .split("\r\n")
    .map((line) => Array.from(line.matchAll(/"((?:[^"]|"")*)"/g), (m) => m[1].replace(/""/g, '"')));
}

describe("the audit screen", () => {
  const run = new Run("audit");
  /** @type {WebdriverIO.Browser} */
  let b;

  after(async () => {
    await run.close();
  });

  run.step("setup: CLI actions by an admin and a member, the app signed in as the admin", async () => {
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    const initial = "Mia-initial-pw#2024";
    run.cliOk(["user", "add", MIA.user, "--role", "member", "--new-password-stdin"], { ...OLGA, stdin: `${initial}\n` });
    run.cliOk(["passwd", "--new-password-stdin"], { user: MIA.user, password: initial, stdin: `${MIA.password}\n` });
    run.cliOk(["add", "DB_PASSWORD", "--value", "s3cret"], OLGA);
    run.cliOk(["add", "API_TOKEN", "--value", "t0ken"], OLGA);
    run.cliOk(["get", "DB_PASSWORD"], MIA);
    run.cliOk(["get", "API_TOKEN"], MIA);
    run.cliOk(["get", "DB_PASSWORD"], OLGA);
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, "secrets-table");
  });

  run.step("the admin sees everyone's entries, newest first", async () => {
    await click(b, "nav-audit");
    await shown(b, "audit-table");
    await b.waitUntil(async () => (await rows(b)).some((r) => r.action === "get"), { timeoutMsg: "no get entries shown" });
    const all = await rows(b);
    const texts = all.map((r) => r.text).join("\n");
    assert.match(texts, /mia/);
    assert.match(texts, /DB_PASSWORD/);
    assert.ok(!texts.includes("s3cret"), "never a value");
    const seqs = all.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), "newest first");
  });

  run.step("filters by action, then by user", async () => {
    await click(b, "audit-action");
    await click(b, "audit-action-option-get");
    await b.waitUntil(async () => {
      const r = await rows(b);
      return r.length === 3 && r.every((x) => x.action === "get");
    }, { timeoutMsg: "the action filter did not leave the three gets" });
    await click(b, "audit-user");
    await click(b, "audit-user-option-mia");
    await b.waitUntil(async () => {
      const r = await rows(b);
      return r.length === 2 && r.every((x) => x.action === "get" && x.text.includes("mia"));
    }, { timeoutMsg: "the user filter did not leave mia's two gets" });
  });

  run.step("Export CSV saves the filtered rows to a private file and says where", async () => {
    const shownRows = await rows(b);
    await click(b, "audit-export");
    await shown(b, "audit-csv-dialog");
    const box = await shown(b, "audit-csv-path");
    await b.waitUntil(async () => /coffer-audit-\d{4}-\d{2}-\d{2}\.csv$/.test(await box.getValue()), { timeoutMsg: "no suggested path" });
    const file = path.join(run.env.HOME, "mia-gets.csv");
    await box.click();
    await b.keys([Key.Ctrl, "a"]);
    await box.addValue(file);
    await b.waitUntil(async () => (await box.getValue()) === file, { timeout: 5000, timeoutMsg: "path not typed" });
    await click(b, "audit-csv-save");
    const banner = await textOf(b, "audit-export-result");
    assert.match(banner, /Saved 2 entries to/);
    assert.equal(await textOf(b, "audit-export-path"), file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const table = parseCsv(readFileSync(file, "utf8"));
    assert.deepEqual(table[0], ["seq", "time", "user", "action", "secret_id", "key", "field", "program", "subject", "outcome", "authentic"]);
    const body = table.slice(1);
    assert.deepEqual(
      body.map((r) => Number(r[0])),
      shownRows.map((r) => r.seq),
      "the file's rows are the rows shown",
    );
    assert.ok(body.every((r) => r[2] === "mia" && r[3] === "get" && r[9] === "ok" && r[10] === "yes"));
    assert.deepEqual(body.map((r) => r[5]).sort(), ["API_TOKEN", "DB_PASSWORD"]);
  });

  run.step("a member sees only their own entries", async () => {
    await run.quit();
    b = await run.launch();
    await shown(b, "unlock-password");
    const user = await shown(b, "unlock-username");
    await user.click();
    await b.keys([Key.Ctrl, "a"]);
    await user.addValue(MIA.user);
    await type(b, "unlock-password", MIA.password);
    await click(b, "unlock-submit");
    await shown(b, "secrets-table");
    await click(b, "nav-audit");
    await b.waitUntil(async () => (await rows(b)).length > 0, { timeoutMsg: "no entries for mia" });
    const mine = await rows(b);
    assert.ok(mine.every((r) => r.text.includes("mia") && !r.text.includes("olga")), JSON.stringify(mine));
    assert.ok(mine.some((r) => r.action === "get"));
    assert.ok(!mine.some((r) => r.action === "create"), "olga's creates are not shown");
    assert.equal(await b.$('[data-testid="audit-user"]').isExisting(), false, "no user filter for members");
  });
});

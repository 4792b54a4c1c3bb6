// A delete asked for from a row a teammate has changed since (issue 10):
// the app names the version it showed, the core refuses, nothing is
// deleted and the dialog says so; asked again for the newer version, the
// delete goes through. The change comes from the CLI, as a teammate's
// script would make it.
import assert from "node:assert/strict";
import { after, describe } from "node:test";

import { Run, click, gone, shown, textOf, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Conflicts#2024" };
const KEY = "ROTATED_TOKEN";

describe("a stale delete deletes nothing", () => {
  const run = new Run("conflicts");
  /** @type {WebdriverIO.Browser} */
  let b;
  let id = 0;

  after(async () => {
    await run.close();
  });

  run.step("setup: a vault with one secret (CLI), the app signed in and showing it", async () => {
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    id = Number(run.cliOk(["add", KEY, "--value", "v1", "--all-depts"], OLGA).trim().split("\n").pop());
    assert.ok(id > 0, "the CLI printed the new secret's id");
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, `delete-${id}`);
  });

  run.step("a change made elsewhere, then Delete on the row shown: refused, nothing deleted", async () => {
    run.cliOk(["update", String(id), "--value", "v2"], OLGA);
    await click(b, `delete-${id}`);
    await shown(b, "delete-dialog");
    await click(b, "delete-confirm");
    const error = await shown(b, "delete-error");
    await b.waitUntil(async () => (await error.getText()).includes("nothing was deleted"), {
      timeoutMsg: "no conflict message in the dialog",
    });
    const message = await error.getText();
    assert.match(message, /^Changed by you \(in another window or session\) at /, message);
    assert.ok(!message.includes("v2") && !message.includes(KEY), `no key or value in the message: ${message}`);
    assert.equal(run.cliOk(["get", KEY], OLGA), "v2\n", "the newer version is still there");
    assert.equal(await textOf(b, "delete-confirm"), "Delete version 2");
  });

  run.step("asked again, for the version now shown: deleted, in the app and for the CLI", async () => {
    await click(b, "delete-confirm");
    await gone(b, "delete-dialog");
    await gone(b, `delete-${id}`);
    const r = run.cli(["get", KEY], OLGA);
    assert.equal(r.stdout, "", "nothing is fetched any more");
    assert.notEqual(r.status, 0, "get reports the key missing");
  });
});

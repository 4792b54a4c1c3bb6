// Values are stored byte for byte (issue 8, point 1): a PEM key pasted
// through the real X clipboard with CRLF line endings, tabs, trailing
// spaces and non-ASCII text, and a multi-line value typed with Enter, are
// saved through the app and read back with `coffer get` exactly as given.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, gone, shown, textOf, tid, toastTexts, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Values#2024" };

const PEM =
  "-----BEGIN PRIVATE KEY-----\r\n" +
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\tBKcwggSjAgEAAoIBAQC7  \r\n" +
  "Zq8+Wm/é€ü😀 ключ 秘密\r\n" +
  "-----END PRIVATE KEY-----\r\n";

/** Puts text on the X clipboard (xclip serves it from the background). */
function setClipboard(text) {
  const r = spawnSync("xclip", ["-selection", "clipboard", "-i"], {
    input: text,
    stdio: ["pipe", "ignore", "pipe"],
    timeout: 5000,
  });
  if (r.status !== 0) throw new Error(`xclip failed (${r.status}): ${r.stderr}`);
}

describe("values are stored byte for byte", () => {
  const run = new Run("values");
  /** @type {WebdriverIO.Browser} */
  let b;

  after(async () => {
    await run.close();
  });

  /** `coffer get KEY --json`, parsed. */
  function getJson(key) {
    return JSON.parse(run.cliOk(["get", key, "--json"], OLGA));
  }

  async function saved(key) {
    await click(b, "secret-save");
    await gone(b, "secret-dialog");
    await b.waitUntil(async () => (await toastTexts(b)).some((t) => t.includes(`Created ${key}`)), {
      timeoutMsg: `no "Created ${key}" toast`,
    });
  }

  run.step("setup: a vault (CLI) and the app signed in", async () => {
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, "empty-state");
  });

  run.step("a PEM key pasted from the clipboard round-trips exactly", async () => {
    await click(b, "empty-new-secret");
    await shown(b, "secret-dialog");
    await type(b, "secret-key", "TLS_KEY");
    setClipboard(PEM);
    const box = await click(b, "field-value-0");
    await b.keys([Key.Ctrl, "v"]);
    // The box shows the lines (LF), masked until shown.
    await b.waitUntil(async () => (await box.getValue()) === PEM.replace(/\r\n/g, "\n"), {
      timeout: 5000,
      timeoutMsg: "the value box did not take the pasted key",
    });
    assert.equal(await box.getAttribute("data-masked"), "true", "the value is masked");
    const rows = Number(await box.getAttribute("rows"));
    assert.ok(rows >= 4, `the box grew to show the lines (rows=${rows})`);
    await saved("TLS_KEY");
    assert.deepEqual(getJson("TLS_KEY"), { value: PEM });
  });

  run.step("a multi-line value typed with Enter, in a second field, round-trips exactly", async () => {
    await click(b, "new-secret");
    await shown(b, "secret-dialog");
    await type(b, "secret-key", "SERVICE_CONFIG");
    await type(b, "field-value-0", "user@example");
    await click(b, "add-field");
    await type(b, "field-name-1", "notes");
    // Element "send keys" types character by character (browser.keys()
    // presses a whole sequence down at once, which drops repeated keys).
    const notes = await click(b, "field-value-1");
    await notes.addValue(`line one${Key.Enter}  indented  ${Key.Enter}${Key.Enter}über`);
    await saved("SERVICE_CONFIG");
    assert.deepEqual(getJson("SERVICE_CONFIG"), {
      fields: { value: "user@example", notes: "line one\n  indented  \n\nüber" },
    });
    assert.equal(await b.$(tid("secret-dialog")).isExisting(), false);
  });

  run.step("a field marked plain text is shown with the row, unmasked, and get returns every field", async () => {
    await click(b, "new-secret");
    await shown(b, "secret-dialog");
    await type(b, "secret-key", "REPORTING_DB");
    // Select the default name and type over it (clearValue does not reach React).
    const name = await click(b, "field-name-0");
    await b.keys([Key.Ctrl, "a"]);
    await b.keys(Key.Backspace);
    await name.addValue("host");
    await type(b, "field-value-0", "db.fin.internal");
    await click(b, "field-plain-0");
    const host = await b.$(tid("field-value-0"));
    assert.equal(await host.getAttribute("data-masked"), "false", "a plain field is not masked");
    await click(b, "add-field");
    await type(b, "field-name-1", "password");
    await type(b, "field-value-1", "Zq8-fin");
    await saved("REPORTING_DB");
    assert.deepEqual(getJson("REPORTING_DB"), { fields: { host: "db.fin.internal", password: "Zq8-fin" } });
    const shownJson = JSON.parse(run.cliOk(["list", "--json"], OLGA)).find((s) => s.key === "REPORTING_DB");
    assert.deepEqual(shownJson.plain_fields, [{ name: "host", value: "db.fin.internal" }]);
    const id = shownJson.id;
    // In the table, without revealing: the host in clear, the password masked.
    assert.equal(await textOf(b, `value-${id}-host`), "db.fin.internal");
    assert.equal(await b.$(tid(`value-${id}-password`)).isExisting(), false);
  });
});
